/* replicer-hooks endpoint, private: its structure, record codec and
 * freeing (rh_endpoint_record.c). */
#ifndef RH_ENDPOINT_RECORD_H
#define RH_ENDPOINT_RECORD_H

#include "rh_util.h"

/* -------------------------------------------------------------- endpoints */
/* An endpoint's own delivery settings, each overriding the context's when
 * set (rh_endpoint_settings.c). */
typedef struct rh_endpoint_settings {
    int64_t timeout_ms;   /* 0: the context's */
    size_t max_in_flight; /* 0: the context's per-endpoint cap */
    double rate_per_s;    /* 0: no rate limit */
    int http_version;     /* an rh_http_version; 0: the context's */
    int has_schedule;     /* else the context's */
    size_t schedule_len;
    int64_t schedule_ms[RH_SCHEDULE_MAX];
} rh_endpoint_settings;

/* What an endpoint's outcomes say of it (rh_health.c). */
typedef struct rh_health {
    int64_t last_success_ms;  /* when the last successful attempt ended */
    int64_t failing_since_ms; /* first failed attempt since then, or 0 */
    int64_t failed_in_a_row;  /* deliveries failed for good since then */
    int64_t reset_ms;         /* enabled by the host: older failures void */
    int64_t resumed_ms;       /* resumed by the host: the failure clock
                               * restarts here, whoever saw older ones */
} rh_health;

/* Who it belongs to and how people know it (rh_endpoint_profile.c): all
 * stored with the record, all optional. */
/* (the limits are rh_account.h's RH_ENDPOINT_NAME_MAX and the rest) */
typedef struct rh_endpoint_profile {
    char *tenant;      /* NULL: none */
    char *name;        /* NULL: none */
    char *description; /* NULL: none */
    char **label_keys; /* sorted by key */
    char **label_values;
    size_t n_labels;
} rh_endpoint_profile;

struct rh_endpoint {
    char id[RH_ID_SIZE];
    char *url;
    char **events;
    size_t n_events;
    int enabled;
    int paused; /* queued for, not sent to, until resumed (stored) */
    int disabled_reason; /* rh_disabled_reason, while disabled (stored) */
    int mode;            /* the context's mode when it was added (stored) */
    rh_health health;    /* stored, at most once a minute, see rh_health.c */
    int health_dirty;    /* not stored: health changed since it was saved */
    int64_t disable_unsaved_ms; /* not stored: when we disabled it, while
                                 * that is not stored yet; else 0 */
    int64_t health_saved_ms;
    int held_told; /* not stored: the host heard it is held for its mode */
    rh_endpoint_settings set; /* stored */
    rh_endpoint_profile profile; /* stored */
    char *client_cert;        /* PEM, or NULL (stored) */
    char *client_key;         /* PEM, or NULL (stored, sealed with a key) */
    char *token;              /* not stored: the token callback's, cached */
    int64_t token_expires_ms;
    double tokens;            /* not stored: its rate limit's bucket */
    int64_t tokens_at_ms;     /* when it was last filled; 0: full */
    int64_t created_ms;
    char *secret;     /* "whsec_..." */
    char *old_secret; /* during a rotation's grace period, else NULL */
    int64_t old_secret_until_ms;
    char **hdr_names; /* custom request headers */
    char **hdr_values;
    size_t n_headers;
    size_t in_flight;       /* not stored: transfers running now */
    size_t idle_hint;       /* connections this endpoint may have idle */
    uint64_t claim_stamp;   /* the claim's de-duplication, see rh_claim.c */
    uint64_t match_stamp;   /* emit's de-duplication, see rh_index.c */
    struct rh_mac *mac;     /* keyed HMAC of secret, made on first use */
    struct rh_mac *old_mac; /* of old_secret */
};

int rh__endpoint_encode(const rh_allocator *a, const rh_endpoint *ep,
                        char **out, size_t *out_len);
int rh__endpoint_decode(const rh_allocator *a, const char *json, size_t len,
                        rh_endpoint **out);
/* Merge what this context knows of an endpoint (mine: its health, its
 * transfers) into the record just read from storage. */
void rh__endpoint_carry(rh_endpoint *stored, rh_endpoint *mine);
/* Every setting in range (the setters' rules, applied to stored ones). */
int rh__endpoint_settings_valid(const rh_endpoint_settings *st);
/* The profile: into and out of the record's JSON object (a stored record
 * is input too: checked as the setters check), copied, freed. */
struct json_t;
int rh__profile_encode(struct json_t *o, const rh_endpoint_profile *p);
int rh__profile_decode(const rh_allocator *a, struct json_t *o,
                       rh_endpoint_profile *p);
int rh__profile_copy(const rh_allocator *a, rh_endpoint_profile *dst,
                     const rh_endpoint_profile *src);
void rh__profile_free(const rh_allocator *a, rh_endpoint_profile *p);
/* NULL when text is a valid name (or description, with newlines), else
 * why not. */
const char *rh__profile_text_invalid(const char *text, size_t max,
                                     int multiline);
/* NULL when key=value is a valid label, else why not. */
const char *rh__label_invalid(const char *key, const char *value);
/* Set (value) or remove (NULL) a label, keeping the keys sorted: RH_OK,
 * RH_E_NOT_FOUND (nothing to remove), RH_E_INVALID_ARG (too many),
 * RH_E_NOMEM. Checked by the caller. */
int rh__profile_set_label(const rh_allocator *a, rh_endpoint_profile *p,
                          const char *key, const char *value);
/* Replace a text field (NULL or "": none): RH_OK or RH_E_NOMEM. */
int rh__profile_set_text(const rh_allocator *a, char **field,
                         const char *text);
/* The tenant, "" for none. */
const char *rh__endpoint_tenant(const rh_endpoint *ep);
/* A copy of n subscriptions from a's heap, or NULL (out of memory). */
char **rh__events_copy(const rh_allocator *a, const char *const *events,
                       size_t n);

/* ----------------------------------------------------------- endpoints */
void rh__endpoint_free(const rh_allocator *a, rh_endpoint *ep);
void rh__endpoint_free_headers(const rh_allocator *a, rh_endpoint *ep);

#endif
