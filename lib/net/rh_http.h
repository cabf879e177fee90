/* replicer-hooks HTTP, private: one delivery's job and the transfers
 * (rh_http.c, rh_http_parse.c). */
#ifndef RH_HTTP_H
#define RH_HTTP_H

#include "rh_addr.h"
#include "rh_records.h"

/* ------------------------------------------------------------ http (curl) */
typedef struct rh_http rh_http;
typedef struct rh_job {
    struct rh_job *next, *prev; /* in the context's running or unsaved list */
    rh_delivery *dl;            /* owned copy of the claimed delivery */
    char *url;
    char *body;
    size_t body_len;
    char **headers; /* "Name: value" lines */
    size_t n_headers;
    /* owned, NULL: none: the event's trace context (as rh_event keeps
     * it), and the traceparent this attempt sent */
    char *trace;
    char traceparent[RH_TRACEPARENT_SIZE];
    int64_t started_ms;
    int64_t timeout_ms; /* the endpoint's own; 0: the context's */
    /* the endpoint's client certificate and key (PEM) or NULL: read (and
     * copied by libcurl) only in rh__http_start */
    const char *client_cert;
    const char *client_key;
    int fresh_connect; /* no idle connection to reuse: skip libcurl's search */
    int http_version;  /* an rh_http_version: 1.1 unless RH_HTTP_VERSION_2 */
    void *priv;        /* rh_http's per-transfer state */
    /* the result, filled by rh_http */
    int done;
    int orphan; /* claimed for a gone or disabled endpoint: no request */
    int status;
    int outcome;
    int64_t duration_ms;
    char retry_after[64]; /* the raw Retry-After value, "" when none */
    char *response;
    size_t response_len;
    size_t response_cap;
    char error[256];
    rh_attempt *attempt; /* built by the engine when done */
} rh_job;

/* Jobs in order, with O(1) append and removal: 10,000 in flight must not
 * make every finished transfer walk a list. */
typedef struct rh_job_list {
    rh_job *head, *tail;
} rh_job_list;

typedef void (*rh__http_done_cb)(rh_job *job, void *userdata);
typedef struct rh_http_opts {
    int mode;
    int64_t timeout_ms;
    const char *ca_file; /* development only */
    const char *proxy;   /* NULL: none, never from the environment */
    const rh_cidr *allow;
    size_t n_allow;
    /* multi_socket mode when set: curl's socket notices go here */
    void (*on_socket)(int fd, unsigned int what, void *ud);
    void *on_socket_ud;
    size_t max_in_flight; /* connections kept open: at least this many */
    size_t idle;          /* kept while idle, besides (0: 256) */
} rh_http_opts;
int rh__http_new(rh_http **out, const rh_allocator *a, const rh_http_opts *o);
#ifdef RH_TEST_HOOKS
/* The test runner's own build of rh_http.c only, never a shipped library: a
 * CURLOPT_RESOLVE entry ("host:port:addr", "-host:port") for every later
 * transfer. */
int rh__http_test_resolve(rh_http *h, const char *entry);
/* Transfers per libcurl multi handle (512 in a shipped library), set
 * before the first transfer: a few in flight then span several. */
void rh__http_test_per_handle(rh_http *h, size_t transfers);
#endif
void rh__http_free(rh_http *h);
int rh__http_start(rh_http *h, rh_job *job);
void rh__http_abort(rh_http *h, rh_job *job);
int rh__http_perform(rh_http *h, rh__http_done_cb done, void *userdata);
/* multi_socket mode: a socket is ready (fd -1: timers only). */
int rh__http_socket_action(rh_http *h, int fd, unsigned int events,
                           rh__http_done_cb done, void *userdata);
int64_t rh__http_timeout_ms(const rh_http *h);
void rh__http_wait(rh_http *h, int64_t ms);
/* A URL an endpoint may have in this mode: RH_OK, or RH_E_INVALID_ARG with
 * the reason in err and *refusal (an rh_refusal), or RH_E_NOMEM. */
int rh__http_check_url(const char *url, int mode, const rh_cidr *allow,
                       size_t n_allow, char *err, size_t errsz, int *refusal);
/* Past this many seconds a Retry-After counts as this many (about 3 years). */
#define RH_RETRY_AFTER_MAX_S 100000000
int64_t rh__http_parse_retry_after(const char *value, int64_t now_s);
int rh__http_supported(void);


#endif
