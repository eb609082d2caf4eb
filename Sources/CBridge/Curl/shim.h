// Debian's libcurl (libcurl4-openssl-dev): the schema registry client's HTTP and TLS, over the
// OpenSSL 3 librdkafka already loads. Only Sources/SchemaRegistry/Client/CurlEasyHandle.swift
// imports this module.
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// helper per argument type the client passes.

static inline CURLcode cbridge_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cbridge_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// curl copies every string option it is given (except CURLOPT_POSTFIELDS, which the client does
/// not use: it passes CURLOPT_COPYPOSTFIELDS), so `value` need only live through the call.
static inline CURLcode cbridge_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cbridge_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode cbridge_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// The request body: its size, then the bytes, which curl copies (CURLOPT_COPYPOSTFIELDS).
static inline CURLcode cbridge_curl_set_body(CURL *handle, const void *data, curl_off_t size) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, size);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, data);
}

/// HTTP basic authentication only: the credentials go with the first request, with no
/// round trip to learn which schemes the server offers. (CURLAUTH_BASIC is a cast expression
/// that Swift does not import.)
static inline CURLcode cbridge_curl_use_basic_auth(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
}

typedef size_t (*cbridge_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode cbridge_curl_setopt_writefunction(CURL *handle, cbridge_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode cbridge_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
