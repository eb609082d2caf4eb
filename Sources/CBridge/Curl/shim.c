// libcurl through dlopen: see include/CCurl.h for why. Every cbridge_curl_* function but the
// loader assumes cbridge_curl_load returned CURLE_OK (the Swift wrapper checks before making a
// handle).
#include "CCurl.h"

#include <dlfcn.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

CURLcode cbridge_curl_load(char *error, size_t error_length) {
    // Never closed: the functions stay valid for the life of the process.
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(error, error_length, "cannot load libcurl (install libcurl4): %s", dlerror());
        return CURLE_FAILED_INIT;
    }
#define CBRIDGE_LOAD(field, symbol)                                                            \
    *(void **)(&curl.field) = dlsym(library, symbol);                                          \
    if (curl.field == NULL) {                                                                  \
        snprintf(error, error_length, "libcurl.so.4 lacks %s: %s", symbol, dlerror());         \
        return CURLE_FAILED_INIT;                                                              \
    }
    CBRIDGE_LOAD(global_init, "curl_global_init")
    CBRIDGE_LOAD(easy_init, "curl_easy_init")
    CBRIDGE_LOAD(easy_cleanup, "curl_easy_cleanup")
    CBRIDGE_LOAD(easy_perform, "curl_easy_perform")
    CBRIDGE_LOAD(easy_strerror, "curl_easy_strerror")
    CBRIDGE_LOAD(easy_setopt, "curl_easy_setopt")
    CBRIDGE_LOAD(easy_getinfo, "curl_easy_getinfo")
    CBRIDGE_LOAD(slist_append, "curl_slist_append")
    CBRIDGE_LOAD(slist_free_all, "curl_slist_free_all")
#undef CBRIDGE_LOAD
    CURLcode code = curl.global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(error, error_length, "curl_global_init: %s", curl.easy_strerror(code));
    }
    return code;
}

CURL *cbridge_curl_easy_init(void) { return curl.easy_init(); }

void cbridge_curl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }

CURLcode cbridge_curl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }

const char *cbridge_curl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }

struct curl_slist *cbridge_curl_slist_append(struct curl_slist *list, const char *line) {
    return curl.slist_append(list, line);
}

void cbridge_curl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode cbridge_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode cbridge_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode cbridge_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode cbridge_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode cbridge_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode cbridge_curl_set_body(CURL *handle, const void *data, curl_off_t size) {
    CURLcode code = curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, size);
    return code != CURLE_OK ? code : curl.easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, data);
}

CURLcode cbridge_curl_use_basic_auth(CURL *handle) {
    return curl.easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
}

CURLcode cbridge_curl_setopt_writefunction(CURL *handle, cbridge_curl_write_callback callback) {
    return curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode cbridge_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl.easy_getinfo(handle, info, value);
}
