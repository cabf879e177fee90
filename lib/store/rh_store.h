/* replicer-hooks store layer, private: the only code that calls the storage
 * table (rh_store.c). It owns what the engine used to spread through its
 * context: the table, the emit batch, the backoff after a failure, the
 * claim's and the outcome batch's scratch, and the mapping of a slot's
 * failure to a code and a message. A version-1 or version-2 table is
 * served through rh_store_compat.c, so that the engine has one path for
 * each operation whatever the host's table. */
#ifndef RH_STORE_H
#define RH_STORE_H

#include "rh_records.h"

typedef struct rh_store {
    rh_storage table; /* the host's (copied by its version) or ours */
    const rh_allocator *alloc;
    int batch_open;       /* rh_emit_batch_begin: the next commit is ours */
    int64_t retry_at_ms;  /* monotonic; 0: the store is healthy */
    int64_t backoff_ms;   /* after a failure: 25 ms doubling to 1 s */
    rh_claim_limit *limits; /* the fair claim's request scratch */
    size_t limits_cap;
    rh_tenant_limit *tenant_limits; /* and its tenants' */
    size_t tenant_limits_cap;
    const rh_delivery **dls; /* the outcome batch's scratch */
    const rh_attempt **ats;
    size_t batch_cap;
    char err[448]; /* why the last call failed, for the context's error */
} rh_store;

/* What a table can do beyond the required slots. */
enum {
    RH__STORE_KEYS,     /* idempotency keys (enqueue_keyed) */
    RH__STORE_ORDERING, /* ordering keys (skip) */
    RH__STORE_PRUNE,    /* retention (prune) */
    RH__STORE_STATE,    /* endpoint state in parts (endpoint_state_*) */
    RH__STORE_BATCH,    /* emit batches in one commit (batch_*) */
    RH__STORE_TENANTS,  /* keeps and filters by tenant (a version-3 table) */
    RH__STORE_DOCUMENTS, /* keeps documents (document_*): the catalog */
    RH__STORE_COUNT_OPEN, /* counts a tenant's open deliveries (count_open) */
    RH__STORE_BATCH_KEYS  /* a keyed enqueue answers inside a batch */
};

/* RH_OK, RH_E_UNSUPPORTED (newer than we know) or RH_E_INVALID_ARG (a
 * required slot missing, or half a pair). */
int rh__store_table_check(const rh_storage *table);
/* How many bytes of a table of this version are the host's. */
size_t rh__store_table_size(unsigned int version);
void rh__store_init(rh_store *st, const rh_storage *table,
                    const rh_allocator *a);
/* Free the scratch; destroy: close the backend too. */
void rh__store_fini(rh_store *st, int destroy);
int rh__store_can(const rh_store *st, int what);

/* Backoff: a tick asks the store only when it is ready; each tick's store
 * work reports how it went. */
int rh__store_ready(const rh_store *st);
int rh__store_outcome(rh_store *st, int rc);
int64_t rh__store_backoff_left_ms(const rh_store *st); /* 0: none */

/* Every call below returns what its slot returned when that is not below
 * zero; a failure is mapped (RH_E_NOT_FOUND, RH_E_STATE, RH_E_FULL and
 * RH_E_NOMEM kept, anything else RH_E_STORAGE, as sys/storage.h says) with
 * st->err saying what failed and why. RH_E_UNSUPPORTED comes only from the
 * layer itself, for a slot the table lacks. */
int rh__store_endpoint_save(rh_store *st, const char *id, const char *json,
                            size_t len);
int rh__store_endpoint_remove(rh_store *st, const char *id);
int rh__store_endpoint_load(rh_store *st, rh_endpoint_record_cb each, void *ud);
int rh__store_state_save(rh_store *st, const char *id, const char *part,
                         const char *json, size_t len);
int rh__store_state_load(rh_store *st, rh_endpoint_part_cb each, void *ud);
/* A document of a kind (the event-type catalog); the load hands each of
 * the kind to each (RH_OK with none on a table without the slots). */
int rh__store_document_save(rh_store *st, const char *kind, const char *key,
                            const char *json, size_t len);
int rh__store_document_load(rh_store *st, const char *kind, rh_document_cb each,
                            void *ud);
/* A tenant's pending and in-flight deliveries, up to cap. */
int rh__store_count_open(rh_store *st, const char *tenant, size_t cap);
/* RH_E_UNSUPPORTED without the slot (the caller falls back). */
int rh__store_endpoint_health(rh_store *st, const char *endpoint_id,
                              int64_t out[3]);
int rh__store_delivery_event(rh_store *st, const char *delivery_id,
                             rh_claimed_cb each, void *each_userdata);
int rh__store_queue_figures(rh_store *st, int64_t now_ms,
                            int64_t failed_since_ms, int group,
                            rh_queue_figures_cb each, void *each_userdata);
/* An event and its deliveries; behind an idempotency key when key is set
 * (1: the key was held, the holder's id in held_event_id). */
int rh__store_enqueue(rh_store *st, const rh_event *ev,
                      const rh_delivery *const *dls, size_t n, const char *key,
                      int64_t window_start_ms, char *held_event_id);
/* Room for the claim request's list of n endpoints, and of n tenants. */
rh_claim_limit *rh__store_limits(rh_store *st, size_t n);
rh_tenant_limit *rh__store_tenant_limits(rh_store *st, size_t n);
int rh__store_claim(rh_store *st, const rh_claim_request *req,
                    rh_claimed_cb each, void *ud);
/* Room for n outcomes in st->dls and st->ats. */
int rh__store_reserve_outcomes(rh_store *st, size_t n);
/* The first n of st->dls / st->ats, in one transaction where the table can;
 * *stored says how many are in the store whatever the result. */
int rh__store_complete(rh_store *st, size_t n, size_t *stored);
int rh__store_query_attempts(rh_store *st, const rh_query *q,
                             rh_attempt_cb each, void *ud);
int rh__store_query_deliveries(rh_store *st, const rh_query *q,
                               rh_delivery_cb each, void *ud);
int rh__store_resend(rh_store *st, const char *delivery_id, int64_t now_ms);
int rh__store_skip(rh_store *st, const char *delivery_id, int64_t now_ms);
int rh__store_recover(rh_store *st, const rh_query *q, int64_t now_ms);
int rh__store_prune(rh_store *st, int64_t before_ms, size_t max);
int rh__store_prune_tenant(rh_store *st, const char *tenant, int64_t before_ms,
                           size_t max);
/* The table's answer as it is: asked for timing, a failure is no error. */
int rh__store_next_due(const rh_store *st, int64_t now_ms, int64_t *due_ms);
int rh__store_batch_begin(rh_store *st);
int rh__store_batch_commit(rh_store *st);

/* rh_store_compat.c: a version-1 or version-2 table's old slots doing the
 * work of the version-3 ones it lacks. */
int rh__store_compat_claim(rh_store *st, const rh_claim_request *req,
                           rh_claimed_cb each, void *ud);
int rh__store_compat_complete(rh_store *st, size_t n, size_t *stored);
int rh__store_compat_recover(rh_store *st, const rh_query *q, int64_t now_ms);

#endif
