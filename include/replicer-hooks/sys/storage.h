/* replicer-hooks storage, for implementors: the versioned method table a
 * backend fills, the fair claim's request, and the record constructors.
 * Users of a shipped backend get this through its header (rh_sqlite.h,
 * rh_pg.h); a host writing its own backend includes it. */
#ifndef RH_SYS_STORAGE_H
#define RH_SYS_STORAGE_H

#include "../rh_storage.h"

RH_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Records built by a backend (claimed rows, query answers) use the C heap
 * and are released with the matching rh_*_free(), where NULL is a no-op.   */

/**
 * Build an event record (for storage adapters returning claimed rows).
 * Strings and data are copied. @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM.
 * @since 0.1.0
 */
RH_EXTERN int rh_event_new(rh_event **out, const char *id, const char *type,
                           int64_t timestamp_ms, const char *data,
                           size_t data_len);
RH_EXTERN void rh_event_free(rh_event *ev);
/** Set a built event's tenant (copied; NULL or "": none).
 *  @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_event_set_tenant(rh_event *ev, const char *tenant);
/** Set a built event's trace context (copied; traceparent NULL or "":
 *  none), as rh_emit_options_set_trace_context checks it. A store keeps
 *  both with the event and gives them back on the events it claims.
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_set_trace_context(rh_event *ev, const char *traceparent,
                                         const char *tracestate);

/**
 * Build a delivery record (for storage adapters). Strings are copied.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.1.0
 */
RH_EXTERN int rh_delivery_new(rh_delivery **out, const char *id,
                              const char *event_id, const char *endpoint_id,
                              const char *event_type, int state, int attempts,
                              int64_t next_attempt_ms, int64_t created_ms,
                              int64_t updated_ms);
RH_EXTERN void rh_delivery_free(rh_delivery *dl);
/** Set a built delivery's ordering key (copied; NULL: none), for the rows
 *  a query answers with. @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM.
 *  @since 0.2.0 */
RH_EXTERN int rh_delivery_set_ordering_key(rh_delivery *dl, const char *key);
/** Set a built delivery's tenant (copied; NULL or "": none).
 *  @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_delivery_set_tenant(rh_delivery *dl, const char *tenant);

/**
 * Build an attempt record (for storage adapters answering queries). Strings
 * are copied; response may be NULL when response_len is 0, error may be NULL.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.1.0
 */
RH_EXTERN int rh_attempt_new(rh_attempt **out, int64_t seq,
                             const char *delivery_id, const char *endpoint_id,
                             const char *event_id, const char *event_type,
                             int number, int64_t started_ms,
                             int64_t duration_ms, int status, int success,
                             int outcome, const char *response,
                             size_t response_len, const char *error);
RH_EXTERN void rh_attempt_free(rh_attempt *at);
/** Set a built attempt's tenant (copied; NULL or "": none).
 *  @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_attempt_set_tenant(rh_attempt *at, const char *tenant);

/* ------------------------------------------------------------------------ */
/* The storage method table. The semantics every backend keeps are in
 * docs/storage.md: atomic enqueue, exclusive claims with a lease, atomic
 * complete. Every slot returns RH_OK (or a count) or a negative code; any
 * negative value other than RH_E_NOT_FOUND / RH_E_STATE / RH_E_FULL is
 * reported to the caller as RH_E_STORAGE with the slot's name.             */

/** Storage hands back each endpoint record, as the JSON text it was saved
 *  with. Return RH_OK or a negative code to stop. */
typedef int (*rh_endpoint_record_cb)(const char *json, size_t json_len,
                                     void *each_userdata);
/** Storage offers each due delivery with its event. Return 1 to claim it,
 *  0 to leave it as it is, or a negative code to stop. */
typedef int (*rh_claim_cb)(const rh_delivery *dl, const rh_event *ev,
                           void *each_userdata);

/* ------------------------------------------------------------------------ */
/* A fair claim (storage version 2). The library says how many deliveries it
 * can take in all and per endpoint; endpoints it has partly or wholly busy
 * are listed with the room they have left (0: take none of theirs). Every
 * endpoint not listed has room for max_per_endpoint. Lent to the claim_batch
 * slot for the duration of the call.                                       */

typedef struct rh_claim_request rh_claim_request;
/** Deliveries due at or before this time (pending) or whose lease ended by
 *  it (in flight) may be claimed. @since 0.2.0 */
RH_EXTERN int64_t rh_claim_request_now_ms(const rh_claim_request *r);
/** Mark what is claimed in flight until this time. @since 0.2.0 */
RH_EXTERN int64_t rh_claim_request_lease_until_ms(const rh_claim_request *r);
/** Claim at most this many in all. @since 0.2.0 */
RH_EXTERN size_t rh_claim_request_max(const rh_claim_request *r);
/** Claim at most this many of one endpoint not listed below. @since 0.2.0 */
RH_EXTERN size_t rh_claim_request_max_per_endpoint(const rh_claim_request *r);
/** The endpoints with less room than max_per_endpoint, listed in ascending
 *  strcmp() order of their ids. @since 0.2.0 */
RH_EXTERN size_t rh_claim_request_limit_count(const rh_claim_request *r);
/** The i-th listed endpoint's id ("" out of range). @since 0.2.0 */
RH_EXTERN const char *rh_claim_request_limit_endpoint(const rh_claim_request *r,
                                                      size_t i);
/** The i-th listed endpoint's room (0 out of range). @since 0.2.0 */
RH_EXTERN size_t rh_claim_request_limit_room(const rh_claim_request *r,
                                             size_t i);
/** The room of endpoint_id: its listed room, else max_per_endpoint (a
 *  binary search of the list). @since 0.2.0 */
RH_EXTERN size_t rh_claim_request_room_of(const rh_claim_request *r,
                                          const char *endpoint_id);

/** Where the tenants' rotation starts: tenants (by strcmp() order of their
 *  ids, "" being no tenant) after this one go first, then from the first
 *  round to it. The library passes the tenant that went first in its last
 *  claim, so that claims too small to serve every tenant serve them in
 *  turn. "" when there was none. @since 0.3.0 */
RH_EXTERN const char *rh_claim_request_tenant_after(const rh_claim_request *r);

/** Claim at most this many of one tenant not listed below; 0: no cap per
 *  tenant (then only max applies). @since 0.3.0 */
RH_EXTERN size_t rh_claim_request_max_per_tenant(const rh_claim_request *r);
/** The tenants with less room than max_per_tenant, in ascending strcmp()
 *  order ("" is no tenant): how many, each one's id and room ("" and 0
 *  out of range). A tenant listed with room 0 takes nothing: skip its
 *  endpoints unread. @since 0.3.0 */
RH_EXTERN size_t rh_claim_request_tenant_limit_count(const rh_claim_request *r);
RH_EXTERN const char *rh_claim_request_tenant_limit_tenant(
    const rh_claim_request *r, size_t i);
RH_EXTERN size_t rh_claim_request_tenant_limit_room(const rh_claim_request *r,
                                                    size_t i);
/** The room of a tenant: its listed room, else max_per_tenant, else max
 *  (no cap per tenant). @since 0.3.0 */
RH_EXTERN size_t rh_claim_request_tenant_room_of(const rh_claim_request *r,
                                                 const char *tenant);

/** A claimed delivery and its event, handed back after the claim committed.
 *  Return RH_OK, or a negative code to stop (the rest stay claimed and come
 *  back when their lease ends). */
typedef int (*rh_claimed_cb)(const rh_delivery *dl, const rh_event *ev,
                             void *each_userdata);

/** Storage hands back each stored part of an endpoint's state (see the
 *  endpoint_state slots): the endpoint's id, the part's name and its JSON
 *  text. Return RH_OK or a negative code to stop. */
typedef int (*rh_endpoint_part_cb)(const char *endpoint_id, const char *part,
                                   const char *json, size_t json_len,
                                   void *each_userdata);

/** Storage hands back each stored document of the kind asked for (see the
 *  document slots): its key and JSON text. Return RH_OK or a negative code
 *  to stop. @since 0.3.0 */
typedef int (*rh_document_cb)(const char *key, const char *json,
                              size_t json_len, void *each_userdata);

#define RH_STORAGE_VERSION 3

/**
 * A storage backend. Slots are only appended; each addition bumps
 * RH_STORAGE_VERSION. Set version to the RH_STORAGE_VERSION you compiled
 * with (RH_STORAGE_INIT does); the library reads only the slots of that
 * version, and a version newer than the library knows gets
 * RH_E_UNSUPPORTED. In a version-3 table the required slots are
 * endpoint_save, endpoint_remove, endpoint_load, enqueue, claim_batch,
 * complete_batch, query_attempts, query_deliveries, resend,
 * recover_matching and next_due; claim, complete and recover are not read
 * (leave them NULL). A version-1 or version-2 table keeps working: it
 * needs claim, complete and recover instead, and the library does the
 * batched work through them.
 * @since 0.1.0
 */
struct rh_storage {
    unsigned int version;
    void *userdata;
    /* Endpoints: insert or replace the record (JSON text we produce and
     * parse; it contains the secrets), remove by id (RH_E_NOT_FOUND if
     * unknown), and hand every stored record to `each`. */
    int (*endpoint_save)(const char *endpoint_id, const char *json,
                         size_t json_len, void *userdata);
    int (*endpoint_remove)(const char *endpoint_id, void *userdata);
    int (*endpoint_load)(rh_endpoint_record_cb each, void *each_userdata,
                         void *userdata);
    /* One event and all of its deliveries, atomically: all or none.
     * RH_E_FULL when the backend is at its capacity. */
    int (*enqueue)(const rh_event *ev, const rh_delivery *const *dls, size_t n,
                   void *userdata);
    /* Offer deliveries that are pending and due (next_attempt_ms <= now_ms)
     * or in flight with an expired lease, earliest due first, to `each`;
     * mark those it accepts in flight until lease_until_ms. Stop after `max`
     * accepted. Two processes sharing one store never claim one delivery
     * at once. Returns the number claimed. */
    int (*claim)(int64_t now_ms, int64_t lease_until_ms, size_t max,
                 rh_claim_cb each, void *each_userdata, void *userdata);
    /* Append the attempt (NULL when no request was made) and set the
     * delivery's new state, attempts, next attempt and updated time, all at
     * once. */
    int (*complete)(const rh_delivery *dl, const rh_attempt *at,
                    void *userdata);
    /* The delivery log: records matching every filter of q that is set
     * (rh_query.h's getters), at most rh_query_limit(q), attempts by seq
     * and deliveries by (created time, id). Return the number of records
     * handed to `each`. */
    int (*query_attempts)(const rh_query *q, rh_attempt_cb each,
                          void *each_userdata, void *userdata);
    int (*query_deliveries)(const rh_query *q, rh_delivery_cb each,
                            void *each_userdata, void *userdata);
    /* Put one failed delivery back to pending, due at now_ms, attempts 0:
     * RH_E_NOT_FOUND if unknown, RH_E_STATE if it is not failed. */
    int (*resend)(const char *delivery_id, int64_t now_ms, void *userdata);
    /* The same for every failed delivery of an endpoint created at or after
     * since_ms. Returns how many. */
    int (*recover)(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                   void *userdata);
    /* The earliest time a claim could find work: the first pending due time
     * or lease end, in *due_ms_out; -1 when there is none. A shared backend
     * may answer with its polling interval. */
    int (*next_due)(int64_t now_ms, int64_t *due_ms_out, void *userdata);
    /* Optional: called once by rh_ctx_free(). */
    void (*destroy)(void *userdata);
    /* Optional: text about the backend's last failure (e.g. the database's
     * message), copied into rh_ctx_last_error(); valid until the next slot
     * call. */
    const char *(*last_error)(void *userdata);

    /* ---- version 2. claim_batch, complete_batch and recover_matching are
     * required from version 3 on; in an older table, when NULL, the
     * library does their work through claim, complete and recover. The
     * others are optional. */

    /* A fair claim in one transaction: due deliveries (as for claim), at
     * most rh_claim_request_max() in all and no more of one endpoint than
     * its room, so that an endpoint with no room costs nothing however many
     * of its deliveries are due. Tenants (rh_delivery_tenant; "" is one
     * more) with due work take turns, one delivery each, in the rotation
     * rh_claim_request_tenant_after() starts, then again; the endpoints the
     * claim looks at are picked the same way (each tenant's earliest due
     * before any tenant's second). Within a tenant its endpoints take turns,
     * earliest first due first (since 0.3.0; before, endpoints alone);
     * within one endpoint the earliest due goes first. No more of one
     * tenant than rh_claim_request_tenant_room_of() (since 0.3.0). Hand them
     * back in the order of the turns. Mark them in flight until the lease time,
     * COMMIT, and only then hand each to `each`. Returns how many were
     * claimed. Called on rh_tick's path: do not wait long on locks. */
    int (*claim_batch)(const rh_claim_request *req, rh_claimed_cb each,
                       void *each_userdata, void *userdata);
    /* complete for n deliveries at once, in order, in one transaction: all
     * or none. ats[i] may be NULL (no request was made). A delivery the
     * store does not know is skipped, its attempt not appended. Called on
     * rh_tick's path: do not wait long on locks. */
    int (*complete_batch)(const rh_delivery *const *dls,
                          const rh_attempt *const *ats, size_t n,
                          void *userdata);
    /* rh_emit_batch_begin / rh_emit_batch_commit: the enqueues between
     * them are made durable by one commit. Both set or both NULL (then a
     * batch is one commit per emit, as without one). */
    int (*batch_begin)(void *userdata);
    int (*batch_commit)(void *userdata);
    /* Retention: remove at most max deliveries that succeeded or failed
     * and were last updated before before_ms (oldest first), their
     * attempts, and their events when no other delivery refers to them, in
     * one short transaction. Never a pending or in-flight one. Returns how
     * many deliveries went (fewer than max: no older one is left). Called
     * on rh_tick's path after the claim: keep it small and do not wait
     * long on locks. @since 0.2.0 */
    int (*prune)(int64_t before_ms, size_t max, void *userdata);
    /* Bulk recovery: put every failed delivery matching q's endpoint,
     * event, event type and creation time range (rh_query_endpoint,
     * _event, _event_type, _since_ms, _until_ms; each may be unset) back to
     * pending, due at now_ms, attempts 0, in one transaction. Returns how
     * many. Without it, rh_recover takes only an endpoint and a start
     * time, through recover. @since 0.2.0 */
    int (*recover_matching)(const rh_query *q, int64_t now_ms, void *userdata);
    /* An idempotent enqueue, in one transaction: unless idempotency_key is
     * held by an event recorded at or after window_start_ms, record it for
     * ev (its id and rh_event_timestamp_ms) and enqueue ev and its n
     * deliveries (n may be 0: the key alone is recorded, so that a retry
     * queues nothing either). Returns 0 when it enqueued, 1 when the key
     * was held (nothing written; the holding event's id copied into
     * held_event_id, RH_ID_SIZE bytes), or a negative code. Processes
     * racing on one key must get one 0 and the rest 1: the store decides
     * (a unique key), never a read then a write. Without this slot an emit
     * with a key gets RH_E_UNSUPPORTED. @since 0.2.0 */
    int (*enqueue_keyed)(const rh_event *ev, const rh_delivery *const *dls,
                         size_t n, const char *idempotency_key,
                         int64_t window_start_ms, char *held_event_id,
                         void *userdata);
    /* Ordering keys. A store that keeps rh_event_ordering_key with each
     * delivery makes its claims offer, of one endpoint and one key, only a
     * delivery with no other of them in flight and no older one pending
     * or failed and holding (rh_event_ordering_holds); and sets skip. skip
     * lets a failed delivery that holds its key go of it: RH_E_NOT_FOUND,
     * RH_E_STATE (not failed, or holding nothing). Without skip, an emit
     * with an ordering key gets RH_E_UNSUPPORTED. @since 0.2.0 */
    int (*skip)(const char *delivery_id, int64_t now_ms, void *userdata);

    /* ---- version 3. Tenants (no slot of their own): a version-3 store
     * keeps rh_event_tenant with each event, rh_delivery_tenant with each
     * delivery and rh_attempt_tenant with each attempt, gives them back
     * on the records it builds (rh_*_set_tenant), and when
     * rh_query_tenant(q) is not NULL answers query_attempts,
     * query_deliveries and recover_matching with that tenant's records
     * only ("" : those of no tenant) (an index on it, so a tenant's page costs
     * the same among 10 tenants or 100,000). A tenant's idempotency keys reach
     * enqueue_keyed as the tenant, a 0x1F byte and the key: up to
     * RH_TENANT_MAX + 1 + RH_IDEMPOTENCY_KEY_MAX bytes, so that each
     * tenant has its own keys and the store needs nothing more. */

    /* ---- version 3: both set or both NULL. */

    /* An endpoint's state apart from its record: the library stores each
     * part (today "health", "enabled", "paused", and the edits "url",
     * "events" and "profile"; short ASCII names, and more may come) as JSON
     * text that the store keeps as it is, one row per endpoint and part.
     * endpoint_state_save inserts or replaces one part of a stored endpoint in
     * its own short transaction and touches nothing else, so that a worker
     * storing health never writes over a pause or an edit made by another
     * process: RH_E_NOT_FOUND when the endpoint is not stored. endpoint_remove
     * removes the endpoint's parts with it. endpoint_state_load hands every
     * stored part to `each`; a part overrides what the endpoint's record says
     * of the same thing. Without these slots, state is stored by rewriting the
     * whole record.
     * @since 0.3.0 */
    int (*endpoint_state_save)(const char *endpoint_id, const char *part,
                               const char *json, size_t json_len,
                               void *userdata);
    int (*endpoint_state_load)(rh_endpoint_part_cb each, void *each_userdata,
                               void *userdata);

    /* ---- version 3: both set or both NULL. */

    /* Documents: small JSON texts the library keeps for every process
     * sharing the store, under a kind and a key (short ASCII both; today
     * the event-type catalog: kind "event_type" keyed by the type's name,
     * and kind "catalog" key "settings"; more kinds may come). The store
     * keeps the text as it is. document_save inserts or replaces one in
     * its own short transaction; document_load hands every document of
     * one kind to `each`, by key in byte order. Without these slots the
     * catalog calls get RH_E_UNSUPPORTED. @since 0.3.0 */
    int (*document_save)(const char *kind, const char *key, const char *json,
                         size_t json_len, void *userdata);
    int (*document_load)(const char *kind, rh_document_cb each,
                         void *each_userdata, void *userdata);

    /* ---- version 3, optional. */

    /* How many deliveries of a tenant ("": those of none) are pending or
     * in flight, counting no further than cap: min(n, cap), so that the
     * answer costs at most cap index entries (an index of the open
     * deliveries by tenant). Without it a tenant's limit of pending
     * deliveries (rh_tenant_set_limit) gets RH_E_UNSUPPORTED. @since 0.3.0
     */
    int (*count_open)(const char *tenant, size_t cap, void *userdata);
    /* prune for one tenant's deliveries only ("": those of none), through
     * an index of finished deliveries by tenant, so that pruning a small
     * tenant never reads a large one's rows. Without it rh_tenant_prune
     * gets RH_E_UNSUPPORTED. @since 0.3.0 */
    int (*prune_tenant)(const char *tenant, int64_t before_ms, size_t max,
                        void *userdata);
    /* The queue's figures at now_ms (rh_queue_figure), counting failed
     * deliveries last updated at or after failed_since_ms, grouped by
     * group (rh_queue_group): one row for RH_QUEUE_TOTAL, even when all
     * are 0; else a row per endpoint or tenant that has any figure not 0,
     * in ascending strcmp() order of keys. Read from one snapshot, through
     * indexes of the open deliveries and of the failed ones, so that the
     * cost follows the open deliveries, never the log. Without it
     * rh_queue_figures gets RH_E_UNSUPPORTED. @since 0.3.0 */
    int (*queue_figures)(int64_t now_ms, int64_t failed_since_ms, int group,
                         rh_queue_figures_cb each, void *each_userdata,
                         void *userdata);
    /* One delivery and its event (data, tenant and trace context), by the
     * delivery's id, handed to each once: RH_E_NOT_FOUND when the delivery
     * is not stored (never made, or pruned with its event). Read, never
     * claimed. Without it rh_attempt_request gets RH_E_UNSUPPORTED.
     * @since 0.3.0 */
    int (*delivery_event)(const char *delivery_id, rh_claimed_cb each,
                          void *each_userdata, void *userdata);
    /* An endpoint's health from the log, now: out[0] when its last
     * successful attempt ended (0: none logged), out[1] when its first
     * failed attempt after that began (0: none), out[2] its deliveries that
     * failed for good and were last updated after that success. Through
     * the log's index of each endpoint's attempts, newest first, so that a
     * healthy endpoint costs a seek. Without it rh_endpoint_health gives
     * the health the delivering contexts stored. @since 0.3.0 */
    int (*endpoint_health)(const char *endpoint_id, int64_t *out,
                           void *userdata);
    /* 1 when enqueue_keyed answers inside an emit batch (between
     * batch_begin and batch_commit): the key's verdict is known when it
     * returns, later writes of the batch see the key taken, and a batch
     * rolled back frees it. 0 when the batch's writes go unanswered until
     * the commit (PostgreSQL's pipeline on its own connection). Without it,
     * or when 0, an emit with a key inside a batch is RH_E_STATE, and an
     * emitter commits such emits one by one. @since 0.3.0 */
    int (*batch_keys)(void *userdata);
};

/** Free a table that rh_sqlite_new() or rh_pg_new() made, once
 *  rh_config_set_storage() copied it: the table only (the context that
 *  gets the copy closes the store). NULL is a no-op. @since 0.2.0 */
RH_EXTERN void rh_storage_free(rh_storage *table);
/** Close the store of such a table that no context got, and free it.
 *  @since 0.2.0 */
RH_EXTERN void rh_storage_close(rh_storage *table);

/** An initialiser for a table of this version with every slot NULL:
 *  rh_storage st = RH_STORAGE_INIT; then set the slots you implement.
 *  @since 0.2.0 */
#define RH_STORAGE_INIT                                                        \
    {                                                                          \
        RH_STORAGE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0                        \
    }

RH_END_DECLS

#endif /* RH_SYS_STORAGE_H */
