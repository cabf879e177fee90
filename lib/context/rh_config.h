/* replicer-hooks configuration, private: the settings a context copies
 * (rh_config.c). */
#ifndef RH_CONFIG_H
#define RH_CONFIG_H

#include "rh_addr.h"
#include "rh_endpoint_record.h"

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
    int64_t lease_ms;            /* 0: timeout + 60 s */
    size_t idle_connections;     /* 0: max(256, max_in_flight) */
    int http_version;            /* an rh_http_version; 0: HTTP/1.1 */
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
    int64_t auto_disable_ms; /* 0: never */
    int64_t retention_ms;    /* 0: keep everything */
    int64_t idempotency_window_ms;
    rh_token_cb token_cb;
    void *token_ud;
    rh_endpoint_state_cb endpoint_state_cb;
    void *endpoint_state_ud;
    int tenant_required; /* an emit or add without a tenant is refused */
    size_t max_in_flight_per_tenant; /* 0: no cap */
    rh_event_type_notice_cb event_type_cb;
    void *event_type_ud;
} rh_settings;

struct rh_config {
    rh_settings s;
    rh_allocator alloc;
    int has_storage;
    rh_storage storage;
    char *ca_file; /* malloc'd: the config exists before any allocator */
    char *proxy;
};

/* ----------------------------------------------------------- emit options */
struct rh_emit_options {
    char idempotency_key[RH_IDEMPOTENCY_KEY_MAX + 1]; /* "": none */
    char endpoint[RH_ID_SIZE];                        /* "": every subscriber */
    char ordering_key[RH_ORDERING_KEY_MAX + 1];       /* "": none */
    int ordering_hold;
    char tenant[RH_TENANT_MAX + 1]; /* "": none */
    int test; /* a catalog example (rh_event_type_send_example): "tst_" */
    char traceparent[RH_TRACEPARENT_SIZE];  /* "": none */
    char tracestate[RH_TRACESTATE_MAX + 1]; /* "": none */
};

/* -------------------------------------------------------- endpoint options */
struct rh_endpoint_options {
    rh_endpoint_profile profile; /* the C heap's: no context yet */
    char *secret;                /* NULL: generate one */
};

#endif
