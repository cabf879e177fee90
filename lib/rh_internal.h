/* replicer-hooks internals: the structures behind the opaque handles and the
 * rh__<module>_<name> functions that modules call across files. */
#ifndef RH_INTERNAL_H
#define RH_INTERNAL_H

#include <replicer-hooks/rh.h>
#include <replicer-hooks/sys/storage.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RH_TYPE_MAX 128      /* longest event type */
#define RH_URL_MAX 2048      /* longest endpoint URL */
#define RH_KEY_MAX 64        /* longest decoded secret */
#define RH_SCHEDULE_MAX 32   /* most retries in a schedule */
#define RH_RESPONSE_KEEP 65536 /* response body prefix kept in the log */
#define RH_ALLOW_MAX 64        /* CIDR allowlist entries */
#define RH_HEADERS_MAX 32      /* custom headers per endpoint */
#define RH_STANDARD_HEADERS 9  /* the wire contract's request headers */
#define RH_REQUEST_HEADERS_MAX (RH_STANDARD_HEADERS + RH_HEADERS_MAX)

/* ------------------------------------------------------------ allocation */
extern const rh_allocator rh__default_allocator;
void *rh__malloc(const rh_allocator *a, size_t n);
void *rh__calloc(const rh_allocator *a, size_t n);
void *rh__realloc(const rh_allocator *a, void *p, size_t n);
void rh__free(const rh_allocator *a, void *p);
char *rh__strdup(const rh_allocator *a, const char *s);
char *rh__memdup(const rh_allocator *a, const char *s, size_t n);
/* Wipe then free a NUL-terminated secret. */
void rh__free_secret(const rh_allocator *a, char *s);

/* ------------------------------------------------------ address guard */
typedef struct rh_cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix;
} rh_cidr;
struct sockaddr;
int rh__cidr_parse(const char *s, rh_cidr *out);
/* NULL when production mode may connect, else why not (static text). */
const char *rh__addr_refusal(int family, const unsigned char *addr,
                             const rh_cidr *allow, size_t n_allow);
const char *rh__sockaddr_refusal(const struct sockaddr *sa,
                                 const rh_cidr *allow, size_t n_allow);
/* For a URL's host: IP literals and localhost are judged now, names later. */
const char *rh__host_refusal(const char *host, const rh_cidr *allow,
                             size_t n_allow);

/* ---------------------------------------------------------------- records */
struct rh_event {
    const rh_allocator *alloc;
    size_t refs; /* the memory store shares one event among deliveries */
    char id[RH_ID_SIZE];
    char type[RH_TYPE_MAX + 1];
    int64_t timestamp_ms;
    char *data;
    size_t data_len;
};

struct rh_delivery {
    const rh_allocator *alloc;
    char id[RH_ID_SIZE];
    char event_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    char *event_type; /* owned; NULL when ev is set */
    rh_event *ev;     /* memory store only: a counted reference */
    int state;
    int attempts;
    int64_t next_attempt_ms;
    int64_t created_ms;
    int64_t updated_ms;
    int64_t lease_until_ms;
    size_t heap_index; /* memory store only */
    struct rh_delivery *done_next; /* memory store: list of finished ones */
    struct rh_delivery *done_prev;
};

struct rh_attempt {
    const rh_allocator *alloc;
    int64_t seq;
    char delivery_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    char event_id[RH_ID_SIZE];
    char event_type[RH_TYPE_MAX + 1];
    int number;
    int64_t started_ms;
    int64_t duration_ms;
    int status;
    int success;
    int outcome;
    char *response;
    size_t response_len;
    char *error;
    struct rh_attempt *next; /* memory store: the log's FIFO */
};

struct rh_query {
    char endpoint[RH_ID_SIZE];
    char delivery[RH_ID_SIZE];
    char event[RH_ID_SIZE];
    int failed_only;
    int state;
    int64_t since_ms;
    int64_t until_ms;
    size_t limit;
    int64_t cursor;
};

/* What one fair claim may take (rh_storage.h, version 2). */
typedef struct rh_claim_limit {
    char endpoint_id[RH_ID_SIZE];
    size_t room;
} rh_claim_limit;
struct rh_claim_request {
    int64_t now_ms;
    int64_t lease_until_ms;
    size_t max;
    size_t max_per_endpoint;
    rh_claim_limit *limits; /* sorted by endpoint_id */
    size_t n_limits;
};

int rh__event_make(rh_event **out, const rh_allocator *a, const char *id,
                   const char *type, int64_t ts_ms, const char *data,
                   size_t len);
void rh__event_release(rh_event *ev); /* drops one reference */
int rh__delivery_make(rh_delivery **out, const rh_allocator *a);
rh_delivery *rh__delivery_copy(const rh_allocator *a, const rh_delivery *dl);
int rh__attempt_make(rh_attempt **out, const rh_allocator *a);
rh_attempt *rh__attempt_copy(const rh_allocator *a, const rh_attempt *at);
int rh__query_matches_attempt(const rh_query *q, const rh_attempt *at);
int rh__query_matches_delivery(const rh_query *q, const rh_delivery *dl);
size_t rh__query_effective_limit(const rh_query *q);

/* ---------------------------------------------------------------- config */
typedef struct rh_settings {
    int mode;
    int64_t timeout_ms;
    int64_t schedule_ms[RH_SCHEDULE_MAX];
    size_t schedule_len;
    int jitter_pct;
    size_t max_in_flight;
    size_t max_in_flight_per_endpoint;
    size_t max_pending;
    size_t max_log;
    size_t max_data_bytes;
    int64_t lease_ms; /* 0: timeout + 60 s */
    int64_t endpoint_refresh_ms; /* 0: reload only for an unknown id */
    int standard_headers;
    rh_cidr allow[RH_ALLOW_MAX];
    size_t n_allow;
    unsigned char sealing_key[32];
    int has_sealing_key;
    rh_clock_cb clock;
    void *clock_ud;
    rh_random_cb random;
    void *random_ud;
    rh_attempt_notify_cb attempt_cb;
    void *attempt_ud;
    rh_failed_cb failed_cb;
    void *failed_ud;
    rh_socket_cb socket_cb;
    void *socket_ud;
    rh_timer_cb timer_cb;
    void *timer_ud;
} rh_settings;

struct rh_config {
    rh_settings s;
    rh_allocator alloc;
    int has_storage;
    rh_storage storage;
    char *ca_file; /* malloc'd: the config exists before any allocator */
    char *proxy;
};

/* -------------------------------------------------------------- endpoints */
struct rh_endpoint {
    char id[RH_ID_SIZE];
    char *url;
    char **events;
    size_t n_events;
    int enabled;
    int64_t created_ms;
    char *secret;         /* "whsec_..." */
    char *old_secret;     /* during a rotation's grace period, else NULL */
    int64_t old_secret_until_ms;
    char **hdr_names;     /* custom request headers */
    char **hdr_values;
    size_t n_headers;
    size_t in_flight;     /* not stored: transfers running now */
    size_t claimed;       /* version-1 claim: taken, not started yet */
    size_t idle_hint;     /* connections this endpoint may have idle */
    uint64_t claim_stamp; /* the claim's de-duplication, see rh_deliver.c */
    uint64_t match_stamp; /* emit's de-duplication, see rh_index.c */
    struct rh_mac *mac;     /* keyed HMAC of secret, made on first use */
    struct rh_mac *old_mac; /* of old_secret */
};

/* ------------------------------------------------------------ http (curl) */
typedef struct rh_http rh_http;
typedef struct rh_job {
    struct rh_job *next, *prev; /* in the context's running or unsaved list */
    rh_delivery *dl;   /* owned copy of the claimed delivery */
    char *url;
    char *body;
    size_t body_len;
    char **headers;    /* "Name: value" lines */
    size_t n_headers;
    int64_t started_ms;
    int fresh_connect; /* no idle connection to reuse: skip libcurl's search */
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
} rh_http_opts;
int rh__http_new(rh_http **out, const rh_allocator *a, const rh_http_opts *o);
#ifdef RH_TEST_HOOKS
/* The test runner's own build of rh_http.c only, never a shipped library: a
 * CURLOPT_RESOLVE entry ("host:port:addr", "-host:port") for every later
 * transfer. */
int rh__http_test_resolve(rh_http *h, const char *entry);
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
int rh__http_check_url(const char *url, int mode, const rh_cidr *allow,
                       size_t n_allow, char *err, size_t errsz);
/* Past this many seconds a Retry-After counts as this many (about 3 years). */
#define RH_RETRY_AFTER_MAX_S 100000000
int64_t rh__http_parse_retry_after(const char *value, int64_t now_s);
int rh__http_supported(void);

/* ------------------------------------------------- signing (Mbed TLS) */
typedef struct rh_rng rh_rng;
int rh__rng_new(rh_rng **out, const rh_allocator *a);
void rh__rng_free(rh_rng *r);
int rh__rng_fill(rh_rng *r, unsigned char *buf, size_t len);
/* Decode "whsec_<base64>" into key (RH_KEY_MAX); RH_E_INVALID_ARG if bad. */
int rh__secret_decode(const char *secret, unsigned char *key, size_t *keylen);
int rh__secret_encode(const unsigned char *key, size_t keylen, char *out,
                      size_t outsz);
/* Append "v1,<sig>" for key over id.ts.body to out. */
int rh__sign_key(const unsigned char *key, size_t keylen, const char *msg_id,
                 int64_t timestamp_s, const char *body, size_t body_len,
                 char *out, size_t outsz);
void rh__wipe(void *p, size_t n);
size_t rh__hash(const char *s, size_t n);
typedef struct rh_mac rh_mac;
int rh__mac_new(rh_mac **out, const rh_allocator *a, const char *secret);
void rh__mac_free(rh_mac *m);
/* "v1,<sig>" over msg_id "." ts "." body; ts is the decimal text sent. */
int rh__mac_sign(rh_mac *m, const char *msg_id, const char *ts,
                 const char *body, size_t body_len, char *out, size_t outsz);
/* AES-256-GCM of a secret, bound to its endpoint id, as "sealed:v1:...". */
int rh__seal(const unsigned char key[32], const unsigned char nonce[12],
             const char *aad, const char *plain, char *out, size_t outsz);
int rh__unseal(const unsigned char key[32], const char *aad,
               const char *sealed, char *out, size_t outsz);
int rh__is_sealed(const char *s);
#define RH_SEALED_SIZE 256
/* HMAC-SHA256 of the concatenated parts: on the CPU's SHA instructions
 * when it has them (rh_sha256.c), else Mbed TLS. */
int rh__hmac_sha256(const unsigned char *key, size_t keylen,
                    const void *const *parts, const size_t *lens, size_t n,
                    unsigned char mac[32]);
/* The Mbed TLS path alone, whatever the CPU (tests compare the two). */
int rh__hmac_sha256_mbedtls(const unsigned char *key, size_t keylen,
                            const void *const *parts, const size_t *lens,
                            size_t n, unsigned char mac[32]);

/* ------------------------------------ fast HMAC-SHA256 (rh_sha256.c) */
/* A key's hash state after its inner and outer padded blocks. */
typedef struct rh_hmac_fast {
    uint32_t inner[8], outer[8];
} rh_hmac_fast;
/* 1 when this CPU has the SHA instructions rh_sha256.c uses. */
int rh__sha_fast_available(void);
/* RH_E_UNSUPPORTED when the CPU lacks them or the key is over 64 bytes. */
int rh__hmac_fast_key(rh_hmac_fast *h, const unsigned char *key,
                      size_t keylen);
void rh__hmac_fast(const rh_hmac_fast *h, const void *const *parts,
                   const size_t *lens, size_t n, unsigned char mac[32]);

/* ------------------------------------------------------------- JSON */
/* RH_OK when json is one valid object without duplicate keys (rh_json.c,
 * no tree built); else RH_E_INVALID_ARG with the reason in err, or
 * RH_E_NOMEM. */
int rh__json_check_object(const rh_allocator *a, const char *json, size_t len,
                          char *err, size_t errsz);
int rh__envelope_build(const rh_allocator *a, const char *delivery_id,
                       const char *type, int64_t ts_ms, const char *data,
                       size_t data_len, char **out, size_t *out_len);
int rh__endpoint_encode(const rh_allocator *a, const rh_endpoint *ep,
                        char **out, size_t *out_len);
int rh__endpoint_decode(const rh_allocator *a, const char *json, size_t len,
                        rh_endpoint **out);
void rh__job_list_append(rh_job_list *list, rh_job *job);
void rh__job_list_remove(rh_job_list *list, rh_job *job);
/* rh_claim.c: claim what is due and start it (rh_tick's storage half) */
int rh__claim_due(rh_ctx *ctx);
/* rh_request.c: a started job's header lines, signed (job->body is set) */
int rh__request_headers(rh_ctx *ctx, rh_job *job, rh_endpoint *ep,
                        const char *type, int64_t ts_s);

/* ----------------------------------------------------------- endpoints */
void rh__endpoint_free(const rh_allocator *a, rh_endpoint *ep);
void rh__endpoint_free_headers(const rh_allocator *a, rh_endpoint *ep);
int rh__event_type_valid(const char *type);
int rh__header_valid(const char *name, const char *value, const char **why);
int rh__pattern_matches(const char *pattern, const char *type);
int rh__pattern_valid(const char *pattern);

/* ---------------------------------------------------------- the store */
int rh__memstore_new(rh_storage *out, const rh_allocator *a, size_t max_pending,
                     size_t max_log);

/* ----------------------------------------------------------------- util */
void rh__format_rfc3339(int64_t ms, char out[32]);
int64_t rh__system_clock_ms(void);
/* An id: prefix + 10 time chars + 16 random chars, ASCII-sortable. */
int rh__id_make(const char *prefix, int64_t now_ms, unsigned int seq,
                const unsigned char *rnd16, char out[RH_ID_SIZE]);
int rh__id_valid(const char *id);
size_t rh__strlcpy(char *dst, const char *src, size_t size);

/* ---------------------------------------------------------------- context */
struct rh_ctx {
    rh_allocator alloc;
    rh_settings s;
    char *ca_file;
    char *proxy;
    rh_storage storage;
    rh_http *http;
    rh_rng *rng;
    rh_endpoint **eps;
    size_t n_eps;
    size_t cap_eps;
    rh_job_list running; /* transfers in flight */
    rh_job_list unsaved; /* finished, outcome not yet stored, oldest first */
    size_t in_flight;    /* transfers running */
    size_t n_unsaved;    /* finished, in `unsaved` */
    rh_job_list ready;   /* claimed, not started yet (out of memory) */
    size_t n_ready;
    int in_callback;
    int batch_open; /* rh_emit_batch_begin: storage is the host's */
    int64_t storage_retry_at_ms; /* monotonic; 0: storage is healthy */
    int64_t storage_backoff_ms;
    int64_t claim_blocked_at; /* the delivery clock at that claim */
    uint64_t claim_stamp;
    rh_claim_limit *limits; /* scratch of the fair claim's request */
    size_t limits_cap;
    const rh_delivery **batch_dls; /* scratch of complete_batch */
    const rh_attempt **batch_ats;
    size_t batch_cap;
    int claim_blocked; /* due work waits on per-endpoint caps */
    struct rh_index *index; /* NULL or current unless index_dirty */
    int index_dirty;
    uint64_t match_stamp;
    int64_t timer_told; /* the last timeout given to the host's timer cb */
    int paused;        /* rh_ctx_pause: finish transfers, claim nothing */
    int64_t endpoints_loaded_ms;
    int64_t last_id_ms;
    unsigned int id_seq;
    char err[512];
};

int rh__ctx_error(rh_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int64_t rh__ctx_now(const rh_ctx *ctx);
int rh__ctx_random(rh_ctx *ctx, unsigned char *buf, size_t len);
int rh__ctx_new_id(rh_ctx *ctx, const char *prefix, char out[RH_ID_SIZE]);
typedef struct rh_index rh_index;
rh_endpoint *rh__ctx_find_endpoint(rh_ctx *ctx, const char *id);
/* The enabled endpoints subscribed to type, each once (caller frees). */
int rh__ctx_match(rh_ctx *ctx, const char *type, rh_endpoint ***out,
                  size_t *n_out);
void rh__index_free(rh_ctx *ctx);
int rh__ctx_endpoints_reserve(rh_ctx *ctx);
int rh__ctx_load_endpoints(rh_ctx *ctx);
void rh__ctx_free_endpoints(rh_ctx *ctx);
int rh__ctx_save_endpoint(rh_ctx *ctx, const rh_endpoint *ep);
int rh__storage_code(rh_ctx *ctx, int rc, const char *slot);
/* Start the call from the host: refuses re-entrance and clears the error. */
int rh__ctx_enter(rh_ctx *ctx);
/* Tell the host's timer callback when to tick next, if that changed. */
void rh__ctx_update_timer(rh_ctx *ctx);
void rh__job_free(rh_ctx *ctx, rh_job *job);

#endif /* RH_INTERNAL_H */
