// Debian's libcurl (libcurl4-openssl-dev for the headers; libcurl.so.4 at run time): the schema
// registry client's HTTP and TLS, over the OpenSSL 3 librdkafka already loads. Only
// Sources/SchemaRegistry/Client/CurlEasyHandle.swift imports this module.
//
// The library is loaded with dlopen the first time a registry is used, not linked: linking it
// loads libcurl's thirty-odd dependencies (HTTP/2, IDN, LDAP, SSH, Kerberos, GnuTLS for RTMP) into
// every process, 6 MB of resident memory measured on a bare C program, in a service whose edge
// profile counts megabytes and most of whose deployments never talk to a registry.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>
#include <stddef.h>

/// Loads libcurl.so.4 and runs curl_global_init once per process. Returns CURLE_OK, or an error
/// with its text in `error` (dlopen's or dlsym's when the library is missing). Not thread-safe:
/// the caller runs it once (Swift's lazy global initialisation).
CURLcode cbridge_curl_load(char *error, size_t error_length);

CURL *cbridge_curl_easy_init(void);
void cbridge_curl_easy_cleanup(CURL *handle);
CURLcode cbridge_curl_easy_perform(CURL *handle);
const char *cbridge_curl_easy_strerror(CURLcode code);
struct curl_slist *cbridge_curl_slist_append(struct curl_slist *list, const char *line);
void cbridge_curl_slist_free_all(struct curl_slist *list);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// function per argument type the client passes.
CURLcode cbridge_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode cbridge_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
/// curl copies every string option it is given (except CURLOPT_POSTFIELDS, which the client does
/// not use: it passes CURLOPT_COPYPOSTFIELDS), so `value` need only live through the call.
CURLcode cbridge_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode cbridge_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode cbridge_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// The request body: its size, then the bytes, which curl copies (CURLOPT_COPYPOSTFIELDS).
CURLcode cbridge_curl_set_body(CURL *handle, const void *data, curl_off_t size);
/// HTTP basic authentication only: the credentials go with the first request, with no round trip
/// to learn which schemes the server offers. (CURLAUTH_BASIC is a cast Swift does not import.)
CURLcode cbridge_curl_use_basic_auth(CURL *handle);

typedef size_t (*cbridge_curl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode cbridge_curl_setopt_writefunction(CURL *handle, cbridge_curl_write_callback callback);
CURLcode cbridge_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
