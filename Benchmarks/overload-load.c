/*
 * Open-loop load for `make bench`'s overload run: starts requests at a fixed RATE per second
 * (whatever the answers take, unlike wrk's closed loop), at most MAX_IN_FLIGHT at once, for
 * SECONDS, and measures each request's latency from its scheduled start. Prints one line:
 *   "load RATE SENT ADMITTED REFUSED OTHER SKIPPED ADMITTED_P50 ADMITTED_P99 REFUSED_P50 REFUSED_P99"
 * (milliseconds; admitted = 2xx, refused = 429 or 503, other = anything else or a transport
 * failure, skipped = starts that found MAX_IN_FLIGHT requests already under way).
 *
 *   cc -O2 -o overload-load Benchmarks/overload-load.c -lcurl
 *   ./overload-load http://127.0.0.1:19103/proxy/bench/item "Bearer gh_..." 3000 10 512
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct slot { CURL *easy; double scheduled; int busy; };

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s URL AUTHORIZATION RATE SECONDS MAX_IN_FLIGHT\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    double rate = strtod(argv[3], NULL), seconds = strtod(argv[4], NULL);
    long max_in_flight = strtol(argv[5], NULL, 10);
    if (rate < 1 || rate > 1e6 || seconds <= 0 || seconds > 3600 || max_in_flight < 1 || max_in_flight > 8192) {
        fprintf(stderr, "rate 1-1e6, seconds 0-3600, max_in_flight 1-8192\n");
        return 2;
    }
    long capacity = (long)(rate * seconds) + 16;
    double *admitted = malloc(sizeof(double) * (size_t)capacity), *refused = malloc(sizeof(double) * (size_t)capacity);
    struct slot *slots = calloc((size_t)max_in_flight, sizeof(struct slot));
    if (!admitted || !refused || !slots) return 1;
    char header[4096];
    snprintf(header, sizeof header, "Authorization: %s", argv[2]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_in_flight);
    struct curl_slist *headers = curl_slist_append(NULL, header);
    for (long i = 0; i < max_in_flight; i++) {
        CURL *easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, &slots[i]);
        slots[i].easy = easy;
    }
    long sent = 0, n_admitted = 0, n_refused = 0, other = 0, skipped = 0;
    double started = now_seconds(), end = started + seconds;
    double interval = 1.0 / rate, next = started;
    int running = 0;
    long free_hint = 0;
    for (;;) {
        double t = now_seconds();
        while (next <= t && next < end) {
            long found = -1;
            for (long k = 0; k < max_in_flight; k++) {
                long i = (free_hint + k) % max_in_flight;
                if (!slots[i].busy) { found = i; break; }
            }
            if (found < 0) {
                skipped++;
            } else {
                slots[found].busy = 1;
                slots[found].scheduled = next;
                curl_multi_add_handle(multi, slots[found].easy);
                free_hint = found + 1;
                sent++;
            }
            next += interval;
        }
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int remaining;
        while ((message = curl_multi_info_read(multi, &remaining))) {
            if (message->msg != CURLMSG_DONE) continue;
            struct slot *slot;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
            long status = 0;
            curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            double latency = (now_seconds() - slot->scheduled) * 1000.0;
            if (message->data.result != CURLE_OK) other++;
            else if (status >= 200 && status < 300) admitted[n_admitted++] = latency;
            else if (status == 429 || status == 503) refused[n_refused++] = latency;
            else other++;
            curl_multi_remove_handle(multi, message->easy_handle);
            slot->busy = 0;
        }
        if (t >= end && running == 0) break;
        if (t > end + 35) break;
        double wait = next - now_seconds();
        int timeout = wait > 0 ? (int)(wait * 1000) : 0;
        if (timeout > 5) timeout = 5;
        curl_multi_poll(multi, NULL, 0, timeout, NULL);
    }
    printf("load %.0f %ld %ld %ld %ld %ld %.3f %.3f %.3f %.3f\n", rate, sent, n_admitted, n_refused, other, skipped,
           percentile(admitted, n_admitted, 0.5), percentile(admitted, n_admitted, 0.99),
           percentile(refused, n_refused, 0.5), percentile(refused, n_refused, 0.99));
    return 0;
}
