/*
 * A fixed number of requests for Benchmarks/profile.sh: CONNECTIONS keep-alive transfers on one
 * libcurl multi handle, each re-added as it finishes, until REQUESTS have completed. Every answer
 * must have STATUS (default 200; 429 to profile refusals); the program exits 1 otherwise.
 * Prints "completed N failed F".
 *
 *   cc -O2 -o fixed-load Benchmarks/Profile/fixed-load.c -lcurl
 *   ./fixed-load http://127.0.0.1:19203/proxy/bench/item 16 2000 "Authorization: Bearer gh_..." [STATUS]
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static size_t discard(char *data, size_t size, size_t count, void *user) {
    (void)data; (void)user;
    return size * count;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL CONNECTIONS REQUESTS [HEADER [STATUS]]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    long connections = strtol(argv[2], NULL, 10);
    long requests = strtol(argv[3], NULL, 10);
    long expected = argc > 5 ? strtol(argv[5], NULL, 10) : 200;
    if (connections < 1 || connections > 1024 || requests < 1 || requests > 100000000) {
        fprintf(stderr, "connections must be 1-1024 and requests 1-100000000\n");
        return 2;
    }
    if (connections > requests) connections = requests;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    if (argc > 4) headers = curl_slist_append(headers, argv[4]);
    for (long i = 0; i < connections; i++) {
        CURL *easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT, 120L);
        curl_multi_add_handle(multi, easy);
    }
    long started = connections, completed = 0, failed = 0;
    int running = 1;
    while (completed < requests) {
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int remaining;
        while ((message = curl_multi_info_read(multi, &remaining))) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL *easy = message->easy_handle;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (message->data.result != CURLE_OK || status != expected) failed++;
            completed++;
            curl_multi_remove_handle(multi, easy);
            if (started < requests) {
                started++;
                curl_multi_add_handle(multi, easy);
            }
        }
        if (completed < requests) curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    printf("completed %ld failed %ld\n", completed, failed);
    return failed ? 1 : 0;
}
