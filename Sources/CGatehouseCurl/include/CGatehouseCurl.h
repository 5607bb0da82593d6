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
/* Back to curl's own read function (fread on READDATA): a pooled handle keeps no stale callback. */
static inline CURLcode gh_easy_setopt_read_default(CURL *h) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, (curl_read_callback)0); }
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

/* curl_multi_socket_action on epoll (the curl thread's loop). */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>

typedef int (*gh_socket_callback)(CURL *easy, curl_socket_t s, int what, void *clientp, void *socketp);
typedef int (*gh_timer_callback)(CURLM *multi, long timeout_ms, void *clientp);
static inline CURLMcode gh_multi_setopt_socket(CURLM *m, gh_socket_callback f, void *clientp) {
  CURLMcode c = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f);
  return c != CURLM_OK ? c : curl_multi_setopt(m, CURLMOPT_SOCKETDATA, clientp);
}
static inline CURLMcode gh_multi_setopt_timer(CURLM *m, gh_timer_callback f, void *clientp) {
  CURLMcode c = curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f);
  return c != CURLM_OK ? c : curl_multi_setopt(m, CURLMOPT_TIMERDATA, clientp);
}
/* Watches `fd` for what curl asks (CURL_POLL_IN/OUT/INOUT), or stops (CURL_POLL_REMOVE). */
static inline void gh_epoll_watch(int ep, int fd, int what) {
  if (what == CURL_POLL_REMOVE) { epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); return; }
  struct epoll_event ev = {0};
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
  ev.data.fd = fd;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}
/* Waits up to `timeout_ms`; fills fds and curl's CURL_CSELECT_* flags; returns the count (0 on EINTR). */
static inline int gh_epoll_wait(int ep, int *fds, int *flags, int max, int timeout_ms) {
  struct epoll_event events[64];
  if (max > 64) max = 64;
  int n = epoll_wait(ep, events, max, timeout_ms);
  if (n < 0) return 0;
  for (int i = 0; i < n; i++) {
    fds[i] = events[i].data.fd;
    flags[i] = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0)
      | (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
  }
  return n;
}
static inline int gh_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int gh_eventfd_create(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline void gh_eventfd_signal(int fd) { uint64_t one = 1; ssize_t r = write(fd, &one, sizeof one); (void)r; }
static inline void gh_eventfd_drain(int fd) { uint64_t value; ssize_t r = read(fd, &value, sizeof value); (void)r; }
static inline void gh_epoll_watch_in(int ep, int fd) { gh_epoll_watch(ep, fd, CURL_POLL_IN); }
static inline int64_t gh_monotonic_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static const curl_socket_t GH_SOCKET_TIMEOUT = CURL_SOCKET_TIMEOUT;
#endif
