/* replicer-hooks context, private: its structure and what the files of the
 * context call across (rh_base.c, rh_index.c, rh_request.c, rh_claim.c,
 * rh_deliver.c, rh_endpoint.c, rh_endpoint_cache.c, rh_ctx.c). */
#ifndef RH_BASE_H
#define RH_BASE_H

#include "rh_config.h"
#include "rh_http.h"
#include "rh_idmap.h"
#include "rh_records.h"
#include "rh_store.h"

int rh__envelope_build(const rh_allocator *a, const char *delivery_id,
                       const char *type, int64_t ts_ms, const char *data,
                       size_t data_len, char **out, size_t *out_len);
void rh__job_list_append(rh_job_list *list, rh_job *job);
void rh__job_list_remove(rh_job_list *list, rh_job *job);
/* rh_claim.c: claim what is due and start it (rh_tick's storage half) */
int rh__claim_due(rh_ctx *ctx);
/* rh_request.c: a started job's header lines, signed (job->body is set) */
int rh__request_headers(rh_ctx *ctx, rh_job *job, rh_endpoint *ep,
                        const char *type, int64_t ts_s);

/* ---------------------------------------------------------------- context */
struct rh_ctx {
    rh_allocator alloc;
    rh_settings s;
    char *ca_file;
    char *proxy;
    rh_store store; /* every storage call goes through it (rh_store.h) */
    int store_private; /* the memory store it made: no other context sees it */
    int lent_to_emitter; /* rh_emitter_new: its timer callback is not called */
    rh_http *http;
    struct rh_rng *rng; /* rh_sign.h */
    rh_endpoint **eps; /* oldest first */
    size_t n_eps;
    size_t cap_eps;
    rh_idmap ep_ids;     /* the same by id (rh_endpoint_cache.c) */
    rh_job_list running; /* transfers in flight */
    rh_job_list unsaved; /* finished, outcome not yet stored, oldest first */
    size_t in_flight;    /* transfers running */
    size_t n_unsaved;    /* finished, in `unsaved` */
    rh_job_list ready;   /* claimed, not started yet (out of memory) */
    size_t n_ready;
    int in_callback;
    int64_t claim_blocked_at; /* the delivery clock at that claim */
    /* the tenant that went first in the last claim: the next starts after
     * it, so that small claims serve the tenants in turn */
    char claim_after[RH_TENANT_MAX + 1];
    uint64_t claim_stamp;
    int claim_blocked;      /* due work waits on per-endpoint caps */
    struct rh_index *index; /* NULL or current unless index_dirty */
    int index_dirty;
    uint64_t match_stamp;
    int64_t timer_told; /* the last timeout given to the host's timer cb */
    int paused;         /* rh_ctx_pause: finish transfers, claim nothing */
    int64_t endpoints_loaded_ms;
    struct rh_catalog *catalog;    /* the event types (lib/catalog/) */
    uint64_t stats[RH_STAT_COUNT]; /* rh_stats.c */
    /* the same per endpoint and per tenant (rh_stats_by.c): records of
     * struct rh_key_stats, by key */
    rh_idmap stats_by[2];
    int64_t prune_at_ms;           /* the tick's next retention batch */
    int64_t last_id_ms;
    unsigned int id_seq;
    int last_emit_duplicate; /* rh_ctx_last_emit_duplicate */
    int err_arg;             /* rh_arg of the last failure, RH_ARG_NONE */
    int err_refusal;         /* rh_refusal of the last failure */
    char err[512];
};

int rh__ctx_error(rh_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* As rh__ctx_error, naming the argument that was refused and why, for
 * rh_ctx_last_error_arg / _refusal. */
int rh__ctx_refuse(rh_ctx *ctx, int code, int arg, int refusal, const char *fmt,
                   ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
int64_t rh__ctx_now(const rh_ctx *ctx);
int rh__ctx_random(rh_ctx *ctx, unsigned char *buf, size_t len);
int rh__ctx_new_id(rh_ctx *ctx, const char *prefix, char out[RH_ID_SIZE]);
typedef struct rh_index rh_index;
/* rh_endpoint_cache.c: the endpoint of that id, or NULL */
rh_endpoint *rh__ctx_find_endpoint(rh_ctx *ctx, const char *id);
/* What every request says it is (rh_request.c, rh_inspect.c). */
#define RH__USER_AGENT "replicer-hooks/" RH_VERSION_STRING
/* The enabled endpoints of tenant ("": of none) subscribed to type, each
 * once (caller frees). */
int rh__ctx_match(rh_ctx *ctx, const char *tenant, const char *type,
                  rh_endpoint ***out, size_t *n_out);
void rh__index_free(rh_ctx *ctx);
/* The endpoints every claim lists with their room: those held (paused, or
 * of the other mode). Rebuilt with the index when one is paused. */
size_t rh__ctx_listed(rh_ctx *ctx, rh_endpoint *const **out);
int rh__ctx_endpoints_reserve(rh_ctx *ctx);
int rh__ctx_load_endpoints(rh_ctx *ctx);
/* 1 when the endpoints are due a reload at now (the context's clock):
 * rh_config_set_endpoint_refresh_ms has passed since the last one. */
int rh__ctx_endpoints_stale(const rh_ctx *ctx, int64_t now);
void rh__ctx_free_endpoints(rh_ctx *ctx);
int rh__ctx_save_endpoint(rh_ctx *ctx, const rh_endpoint *ep);
/* One part of an endpoint's state stored on its own (rh_endpoint_cache.c:
 * the whole record on a store without the state slots); rh_endpoint_state.c
 * stores a part, and lays the stored parts over the endpoints loaded. */
#define RH__PART_HEALTH "health"
#define RH__PART_ENABLED "enabled"
#define RH__PART_PAUSED "paused"
/* what an edit in place changes (rh_endpoint_edit.c): each its own part,
 * so that two processes editing one endpoint never write back each
 * other's older copy, and a whole-record save keeps none of them back */
#define RH__PART_URL "url"
#define RH__PART_EVENTS "events"
#define RH__PART_PROFILE "profile"
int rh__ctx_save_endpoint_state(rh_ctx *ctx, const rh_endpoint *ep,
                                const char *part);
int rh__endpoint_state_store(rh_ctx *ctx, const rh_endpoint *ep,
                             const char *part);
int rh__ctx_load_endpoint_state(rh_ctx *ctx);
/* Set and store an endpoint's enabled or paused flag. */
enum { RH__FLAG_ENABLED, RH__FLAG_PAUSED };
int rh__endpoint_set_flag(rh_ctx *ctx, const char *id, int flag, int value);
/* Enter ctx and find an endpoint by id (RH_E_NOT_FOUND, with the error). */
int rh__endpoint_lookup(rh_ctx *ctx, const char *id, rh_endpoint **out);
/* rh_endpoint.c: an add's or an edit's URL and subscriptions checked (the
 * error set); and the add itself, with a valid secret and the
 * options' profile (NULL: none). */
int rh__endpoint_check_url(rh_ctx *ctx, const char *url);
int rh__new_secret(rh_ctx *ctx, char *out, size_t outsz); /* "whsec_..." */
int rh__endpoint_check_events(rh_ctx *ctx, const char *const *events,
                              size_t n_events);
int rh__endpoint_add(rh_ctx *ctx, const char *url, const char *const *events,
                     size_t n_events, const char *secret,
                     const rh_endpoint_profile *profile, char *id_out,
                     size_t id_size);
/* rh_endpoint_settings.c: the endpoint's schedule, or the context's */
const int64_t *rh__endpoint_schedule(const rh_ctx *ctx, const rh_endpoint *ep,
                                     size_t *n);
/* Deliveries the claim may start for ep now: 0 while it is held, else the
 * room under its in-flight cap and its rate limit. */
size_t rh__endpoint_room(rh_ctx *ctx, rh_endpoint *ep, int64_t now);
/* A transfer to ep starts: it takes a token of its rate limit. */
void rh__endpoint_take_token(rh_endpoint *ep);
/* rc from the store layer: a failure becomes the context's error, with
 * the store's text; anything else is returned as it is. */
int rh__ctx_store_failed(rh_ctx *ctx, int rc);
/* Start the call from the host: refuses re-entrance and clears the error. */
int rh__ctx_enter(rh_ctx *ctx);
/* Tell the host's timer callback when to tick next, if that changed. */
void rh__ctx_update_timer(rh_ctx *ctx);
void rh__job_free(rh_ctx *ctx, rh_job *job);
/* An endpoint's own header the request leaves out: Authorization when a
 * token is sent, traceparent and tracestate when the event has a trace. */
int rh__header_overridden(const char *name, int token, int trace);
/* The job keeps a copy of its event's trace context, for its headers. */
int rh__job_trace(rh_ctx *ctx, rh_job *job, const rh_event *ev);
/* rh_base.c: the host's endpoint state callback (rh_endpoint_change) */
void rh__endpoint_tell(rh_ctx *ctx, const rh_endpoint *ep, int change);
/* rh_health.c: what an outcome says of its endpoint (after it is stored),
 * and the health records due to be stored (after a tick's outcomes) */
void rh__health_note(rh_ctx *ctx, const rh_delivery *dl, const rh_attempt *at);
void rh__health_save_due(rh_ctx *ctx, int all);
/* rh_retention.c: a prune batch after the tick's claim, when one is due */
void rh__retention_tick(rh_ctx *ctx);
/* rh_stats_by.c: count a stored outcome (the context's counters, its
 * endpoint's and its tenant's); the per-key records, freed with it. */
void rh__stats_outcome(rh_ctx *ctx, const rh_delivery *dl,
                       const rh_attempt *at);
void rh__stats_by_free(rh_ctx *ctx);
/* rh_stats.c: one outcome into st, an array of RH_STAT_COUNT counters. */
void rh__stats_count(uint64_t *st, const rh_delivery *dl, const rh_attempt *at);
/* rh_index.c: paused, or added in development mode and ctx is not */
int rh__endpoint_held(const rh_ctx *ctx, const rh_endpoint *ep);

#endif
