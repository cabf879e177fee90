/* replicer-hooks HTTP, private: what one request learns of its answer,
 * and libcurl's result judged in our outcome classes (rh_http_outcome.c),
 * apart from the transfers that fill it in (rh_http.c). */
#ifndef RH_HTTP_OUTCOME_H
#define RH_HTTP_OUTCOME_H

#include <curl/curl.h>
#include <stddef.h>

/* Past this many response bytes the transfer is cut: a receiver answering a
 * webhook has nothing that large to say, and we must not buffer it. */
#define RESPONSE_ABORT (1024 * 1024)

/* What one request learns, cleared when a transfer starts. */
typedef struct request_state {
    size_t received; /* response bytes seen, kept or not */
    int too_large;
    int header_flood;
    const char *blocked; /* why the guard refused the dialled address */
    char blocked_addr[64];
    size_t header_bytes;
    int headers_done;   /* the final answer's blank line after its headers */
    int informational;  /* the last status line read was a 1xx */
    int h2_success;     /* an h2 2xx whose headers are in */
    int answered_early; /* ... before our body had gone out: we ended it */
    char retry_after[64];
    char errbuf[CURL_ERROR_SIZE];
} request_state;

/* libcurl's result code (a CURLcode) for the transfer on easy, in an
 * rh_outcome; a 2xx check on the status follows in the caller. */
int rh__http_classify(int curl_code, void *easy, const request_state *rq);

#endif
