#ifndef CGATEHOUSE_CURL_H
#define CGATEHOUSE_CURL_H
#include <curl/curl.h>

/* Typed, non-variadic shims: Swift cannot call curl's variadic setopt/getinfo. */
typedef size_t (*gh_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*gh_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode gh_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_callback(CURL *h, CURLoption o, gh_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_easy_setopt_seek(CURL *h, gh_seek_callback v) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, v); }
static inline CURLcode gh_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gh_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gh_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
/* A PEM document handed over in memory (client certificate, key): curl keeps its own copy. NULL clears it. */
static inline CURLcode gh_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t length) {
    if (data == NULL) return curl_easy_setopt(h, o, (struct curl_blob *)NULL);
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}
static inline CURLMcode gh_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

static inline int gh_msg_is_done(const CURLMsg *m) { return m->msg == CURLMSG_DONE; }
static inline CURLcode gh_msg_result(const CURLMsg *m) { return m->data.result; }

static const int GH_PAUSE_RECV = CURLPAUSE_RECV;
static const int GH_PAUSE_SEND = CURLPAUSE_SEND;
static const int GH_PAUSE_CONT = CURLPAUSE_CONT;
static const size_t GH_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const size_t GH_READFUNC_PAUSE = CURL_READFUNC_PAUSE;
static const size_t GH_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const int GH_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
static const int GH_SEEKFUNC_CANTSEEK = CURL_SEEKFUNC_CANTSEEK;
static const long GH_AUTH_BASIC = (long)CURLAUTH_BASIC;
#endif
