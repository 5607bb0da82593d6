/*
 * The libcurl floor for `make bench`: the least a libcurl-based proxy must spend per request on
 * its client side. N keep-alive transfers run on one multi handle (CURLOPT_NOSIGNAL,
 * curl_multi_poll), each re-added as soon as it finishes, against the same upstream wrk uses.
 * Prints one line: "floor CONNECTIONS REQ_PER_S CPU_US_PER_REQUEST".
 *
 *   cc -O2 -o curl-floor Benchmarks/curl-floor.c -lcurl
 *   ./curl-floor http://127.0.0.1:19101/item 64 10
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static size_t discard(char *data, size_t size, size_t count, void *user) {
    (void)data; (void)user;
    return size * count;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6
         + (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

static CURL *make_transfer(const char *url, struct curl_slist *headers) {
    CURL *easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    return easy;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL CONNECTIONS SECONDS\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    long connections = strtol(argv[2], NULL, 10);
    double seconds = strtod(argv[3], NULL);
    if (connections < 1 || connections > 4096 || seconds <= 0 || seconds > 3600) {
        fprintf(stderr, "connections must be 1-4096 and seconds 0-3600\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
    struct curl_slist *headers = curl_slist_append(NULL, "Authorization: Bearer bench-upstream-token");
    headers = curl_slist_append(headers, "Expect:");
    for (long i = 0; i < connections; i++) curl_multi_add_handle(multi, make_transfer(url, headers));

    long completed = 0, failed = 0;
    double started = 0, cpu_started = 0, deadline = now_seconds() + 1.0;  /* 1 s warm-up */
    int measuring = 0, running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int remaining;
        while ((message = curl_multi_info_read(multi, &remaining))) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL *easy = message->easy_handle;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (message->data.result != CURLE_OK || status != 200) failed++;
            if (measuring) completed++;
            curl_multi_remove_handle(multi, easy);
            /* Re-added at once: the connection stays in the multi handle's cache. */
            curl_multi_add_handle(multi, easy);
            running = 1;
        }
        double t = now_seconds();
        if (t >= deadline) {
            if (measuring) break;
            measuring = 1;
            started = t;
            cpu_started = cpu_seconds();
            deadline = t + seconds;
        }
        curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double elapsed = now_seconds() - started;
    double cpu = cpu_seconds() - cpu_started;
    if (completed == 0) {
        fprintf(stderr, "no request completed (%ld failed)\n", failed);
        return 1;
    }
    printf("floor %ld %.2f %.2f\n", connections, completed / elapsed, cpu * 1e6 / completed);
    if (failed) fprintf(stderr, "%ld transfers failed\n", failed);
    return 0;
}
