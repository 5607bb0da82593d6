/*
 * Open-loop load for `make bench`'s overload run: starts requests at a fixed RATE per second
 * (whatever the answers take, unlike wrk's closed loop) for SECONDS, on at most MAX_CONNECTIONS
 * keep-alive HTTP/1.1 connections (one request at a time on each; a new connection is opened
 * when every open one is busy), and measures each request's latency from its scheduled start.
 *
 * It speaks HTTP/1.1 over plain sockets and epoll rather than through libcurl so that offering
 * three times what the gateway sustains costs the generator a small fraction of a core (libcurl's
 * multi interface spends about 33 µs of CPU a request here, which on a 2-core machine would take
 * the CPU the gateway is being measured with). It understands exactly what it needs of the
 * answers: the status line, Content-Length, chunked bodies and `Connection: close`.
 *
 * Prints one line:
 *   "load RATE SENT ADMITTED REFUSED OTHER SKIPPED ADMITTED_P50 ADMITTED_P99 REFUSED_P50 REFUSED_P99 CPU_US"
 * (milliseconds; admitted = 2xx, refused = 429 or 503, other = any other status or a broken
 * connection, skipped = starts that found MAX_CONNECTIONS requests already under way; CPU_US is
 * the generator's own CPU time per request sent).
 *
 *   cc -O2 -o overload-load Benchmarks/overload-load.c
 *   ./overload-load http://127.0.0.1:19103/proxy/bench/item "Bearer gh_..." 3000 10 512
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CLOSED, CONNECTING, IDLE, BUSY };

struct connection {
    int fd;
    enum state state;
    double scheduled;      /* the scheduled start of the request under way */
    size_t used;           /* bytes in buffer */
    char buffer[16384];
};

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *values, long count, double p) {
    if (count == 0) return 0;
    qsort(values, (size_t)count, sizeof(double), compare);
    long index = (long)(p * (double)(count - 1) + 0.5);
    return values[index];
}

/* Finds `name:` (case-insensitive) at the start of a header line in head[0..length). */
static const char *header_value(const char *head, size_t length, const char *name) {
    size_t name_length = strlen(name);
    const char *end = head + length;
    for (const char *line = memchr(head, '\n', length); line && line + 1 < end;
         line = memchr(line + 1, '\n', (size_t)(end - line - 1))) {
        const char *start = line + 1;
        if ((size_t)(end - start) > name_length && strncasecmp(start, name, name_length) == 0
            && start[name_length] == ':') {
            const char *value = start + name_length + 1;
            while (value < end && (*value == ' ' || *value == '\t')) value++;
            return value;
        }
    }
    return NULL;
}

/*
 * How many bytes of `buffer` the first complete answer takes, 0 if it is not complete yet, -1 if
 * it cannot be read. Sets *status and *close_after.
 */
static long complete_answer(const char *buffer, size_t used, int *status, int *close_after) {
    const char *head_end = memmem(buffer, used, "\r\n\r\n", 4);
    if (!head_end) return used >= sizeof(((struct connection *)0)->buffer) ? -1 : 0;
    size_t head_length = (size_t)(head_end - buffer) + 4;
    if (used < 12 || memcmp(buffer, "HTTP/1.", 7) != 0) return -1;
    *status = atoi(buffer + 9);
    const char *connection = header_value(buffer, head_length, "connection");
    *close_after = connection && strncasecmp(connection, "close", 5) == 0;
    const char *length = header_value(buffer, head_length, "content-length");
    if (length) {
        long body = strtol(length, NULL, 10);
        if (body < 0 || body > (long)sizeof(((struct connection *)0)->buffer)) return -1;
        return used >= head_length + (size_t)body ? (long)(head_length + (size_t)body) : 0;
    }
    const char *encoding = header_value(buffer, head_length, "transfer-encoding");
    if (encoding && strncasecmp(encoding, "chunked", 7) == 0) {
        size_t at = head_length;
        for (;;) {
            const char *line_end = memmem(buffer + at, used - at, "\r\n", 2);
            if (!line_end) return 0;
            char *after;
            long size = strtol(buffer + at, &after, 16);
            if (after == buffer + at || size < 0 || size > (long)sizeof(((struct connection *)0)->buffer)) return -1;
            at = (size_t)(line_end - buffer) + 2;
            if (size == 0) {  /* no trailers expected: the final CRLF */
                if (used < at + 2) return 0;
                return (long)(at + 2);
            }
            if (used < at + (size_t)size + 2) return 0;
            at += (size_t)size + 2;
        }
    }
    /* No length: only a bodiless status or a close-delimited body; the run treats the latter as broken. */
    if (*status == 204 || *status == 304 || (*status >= 100 && *status < 200)) return (long)head_length;
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s http://IPV4:PORT/PATH AUTHORIZATION RATE SECONDS MAX_CONNECTIONS\n", argv[0]);
        return 2;
    }
    char host[64];
    int port = 0, consumed = 0;
    if (sscanf(argv[1], "http://%63[0-9.]:%d%n", host, &port, &consumed) != 2 || port < 1 || port > 65535
        || argv[1][consumed] != '/') {
        fprintf(stderr, "the URL must be http://IPV4:PORT/PATH\n");
        return 2;
    }
    const char *path = argv[1] + consumed;
    double rate = strtod(argv[3], NULL), seconds = strtod(argv[4], NULL);
    long max_connections = strtol(argv[5], NULL, 10);
    if (!(rate >= 1 && rate <= 1e6) || !(seconds > 0 && seconds <= 3600) || max_connections < 1
        || max_connections > 8192) {
        fprintf(stderr, "rate 1-1e6, seconds 0-3600, max_connections 1-8192\n");
        return 2;
    }
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) { fprintf(stderr, "bad IPv4 address\n"); return 2; }

    char request[4096];
    int request_length = snprintf(request, sizeof request,
                                  "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: %s\r\n\r\n", path, host, port, argv[2]);
    if (request_length <= 0 || request_length >= (int)sizeof request) { fprintf(stderr, "request too long\n"); return 2; }

    long capacity = (long)(rate * seconds) + 16;
    double *admitted = malloc(sizeof(double) * (size_t)capacity), *refused = malloc(sizeof(double) * (size_t)capacity);
    struct connection *connections = calloc((size_t)max_connections, sizeof(struct connection));
    long *idle = malloc(sizeof(long) * (size_t)max_connections);
    if (!admitted || !refused || !connections || !idle) return 1;
    long idle_count = 0, open_count = 0;
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) { perror("epoll_create1"); return 1; }

    prctl(PR_SET_TIMERSLACK, 1UL);  /* wake at the next start, not up to 50 µs later */
    long sent = 0, n_admitted = 0, n_refused = 0, other = 0, skipped = 0, in_flight = 0;
    struct rusage usage_before;
    getrusage(RUSAGE_SELF, &usage_before);
    double started = now_seconds(), end = started + seconds;
    double interval = 1.0 / rate, next = started;

#define CLOSE(c) do { epoll_ctl(epoll, EPOLL_CTL_DEL, (c)->fd, NULL); close((c)->fd); (c)->fd = -1; \
                      (c)->state = CLOSED; (c)->used = 0; open_count--; } while (0)

    for (long i = 0; i < max_connections; i++) connections[i].fd = -1;
    for (;;) {
        double t = now_seconds();
        while (next <= t && next < end) {
            struct connection *c = NULL;
            if (idle_count > 0) {
                c = &connections[idle[--idle_count]];
            } else if (open_count < max_connections) {
                for (long i = 0; i < max_connections; i++)
                    if (connections[i].state == CLOSED) { c = &connections[i]; break; }
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (c && fd >= 0) {
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c->fd = fd;
                    c->used = 0;
                    open_count++;
                    struct epoll_event event = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
                    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
                    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0 || errno == EINPROGRESS) {
                        c->state = CONNECTING;
                    } else {
                        CLOSE(c);
                        c = NULL;
                        other++;
                    }
                } else {
                    if (fd >= 0) close(fd);
                    c = NULL;
                }
                if (c) { c->scheduled = next; sent++; in_flight++; next += interval; continue; }
            }
            if (!c) {
                skipped++;
            } else {
                c->scheduled = next;
                c->state = BUSY;
                sent++;
                in_flight++;
                if (write(c->fd, request, (size_t)request_length) != request_length) { CLOSE(c); other++; in_flight--; }
            }
            next += interval;
        }
        if (t >= end && in_flight == 0) break;
        if (t > end + 35) { other += in_flight; break; }

        /* Sleep until the next start (epoll_pwait2: microsecond timeouts, no spinning), at most 5 ms. */
        double wait = t >= end ? 0.005 : next - now_seconds();
        if (wait < 0) wait = 0;
        if (wait > 0.005) wait = 0.005;
        struct timespec timeout = { .tv_sec = 0, .tv_nsec = (long)(wait * 1e9) };
        struct epoll_event events[256];
        int ready = epoll_pwait2(epoll, events, 256, &timeout, NULL);
        double arrived = now_seconds();
        for (int e = 0; e < ready; e++) {
            struct connection *c = events[e].data.ptr;
            if (c->state == CONNECTING) {
                int error = 0;
                socklen_t error_length = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
                if (error != 0 || (events[e].events & (EPOLLERR | EPOLLHUP))) { CLOSE(c); other++; in_flight--; continue; }
                if (!(events[e].events & EPOLLOUT)) continue;
                struct epoll_event event = { .events = EPOLLIN, .data.ptr = c };
                epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &event);
                c->state = BUSY;
                if (write(c->fd, request, (size_t)request_length) != request_length) { CLOSE(c); other++; in_flight--; }
                continue;
            }
            if (c->state != BUSY) {  /* the server closed an idle keep-alive connection */
                if (c->state == IDLE) {
                    for (long i = 0; i < idle_count; i++)
                        if (&connections[idle[i]] == c) { idle[i] = idle[--idle_count]; break; }
                    CLOSE(c);
                }
                continue;
            }
            ssize_t n = read(c->fd, c->buffer + c->used, sizeof c->buffer - c->used);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n <= 0) { CLOSE(c); other++; in_flight--; continue; }
            c->used += (size_t)n;
            int status = 0, close_after = 0;
            long taken = complete_answer(c->buffer, c->used, &status, &close_after);
            if (taken == 0) continue;
            in_flight--;
            if (taken < 0) { CLOSE(c); other++; continue; }
            double latency = (arrived - c->scheduled) * 1000.0;
            if (status >= 200 && status < 300) admitted[n_admitted++] = latency;
            else if (status == 429 || status == 503) refused[n_refused++] = latency;
            else other++;
            if (close_after || (size_t)taken != c->used) {  /* pipelined extra bytes are not expected */
                CLOSE(c);
            } else {
                c->used = 0;
                c->state = IDLE;
                idle[idle_count++] = c - connections;
            }
        }
    }
    struct rusage usage_after;
    getrusage(RUSAGE_SELF, &usage_after);
    double cpu = (double)(usage_after.ru_utime.tv_sec - usage_before.ru_utime.tv_sec
                          + usage_after.ru_stime.tv_sec - usage_before.ru_stime.tv_sec) * 1e6
               + (double)(usage_after.ru_utime.tv_usec - usage_before.ru_utime.tv_usec
                          + usage_after.ru_stime.tv_usec - usage_before.ru_stime.tv_usec);
    printf("load %.0f %ld %ld %ld %ld %ld %.3f %.3f %.3f %.3f %.1f\n", rate, sent, n_admitted, n_refused, other, skipped,
           percentile(admitted, n_admitted, 0.5), percentile(admitted, n_admitted, 0.99),
           percentile(refused, n_refused, 0.5), percentile(refused, n_refused, 0.99),
           sent > 0 ? cpu / (double)sent : 0.0);
    return 0;
}
