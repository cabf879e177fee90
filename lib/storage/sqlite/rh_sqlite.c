/* replicer-hooks SQLite storage: the rh_storage contract on one database file
 * (WAL, synchronous FULL), with fair claims under BEGIN IMMEDIATE so that
 * several processes sharing the file never claim one delivery at once, and
 * outcomes stored a batch per transaction. These are the queue's slots and
 * the table over every slot; the delivery log's are in rh_sqlite_log.c, the
 * claims in rh_sqlite_claim.c. */
#include <replicer-hooks/rh_sqlite.h>

#include "rh_sqlite_store.h"

#include "rh_adapter.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- slots */

static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_EP_SAVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? RH_OK
                                         : rh__sqlite_fail(s, "endpoint_save");
    rh__sqlite_done_with(st);
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

static int s_endpoint_remove(const char *id, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_EP_REMOVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    /* The record holds the secrets, and labels or a client key may spill
     * it onto overflow pages, which FAST leaves as they were on the
     * freelist: ON zeroes those too, for this delete only (outside a
     * transaction: the setting is the connection's, kept to its length). */
    int own = sqlite3_get_autocommit(s->db);
    if (own)
        sqlite3_exec(s->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL);
    if ((rc = rh__sqlite_begin(s)) == RH_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE
                 ? RH_OK
                 : rh__sqlite_fail(s, "endpoint_remove");
        rh__sqlite_done_with(st);
        if (rc == RH_OK && sqlite3_changes(s->db) == 0)
            rc = RH_E_NOT_FOUND;
        if (rc == RH_OK)
            rc = rh__sqlite_state_remove(s, id);
        rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    }
    if (own)
        sqlite3_exec(s->db, "PRAGMA secure_delete=FAST", NULL, NULL, NULL);
    return rc;
}


static int endpoint_row(store *s, sqlite3_stmt *st, void *ud)
{
    each_pass *p = ud;
    (void)s;
    return p->on_endpoint(
        (const char *)sqlite3_column_text(st, 0),
        (size_t)sqlite3_column_bytes(st, 0), p->each_ud);
}

static int s_endpoint_load(rh_endpoint_record_cb each, void *each_ud,
                           void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_EP_LOAD);
    each_pass p = {each, NULL, NULL, each_ud};
    int rc;
    if (!st)
        return RH_E_STORAGE;
    rc = rh__sqlite_for_each_row(s, st, "endpoint_load", endpoint_row, &p);
    return rc < 0 ? rc : RH_OK;
}

/* The event and its deliveries, inside the caller's transaction. */
static int insert_event(store *s, const rh_event *ev,
                        const rh_delivery *const *dls, size_t n)
{
    sqlite3_stmt *ei = rh__sqlite_stmt(s, S_EV_INSERT),
                 *di = rh__sqlite_stmt(s, S_DL_INSERT);
    int rc;
    if (!ei || !di)
        return RH_E_STORAGE;
    sqlite3_bind_text(ei, 1, rh_event_id(ev), -1, SQLITE_STATIC);
    sqlite3_bind_text(ei, 2, rh_event_type(ev), -1, SQLITE_STATIC);
    sqlite3_bind_int64(ei, 3, rh_event_timestamp_ms(ev));
    sqlite3_bind_blob(ei, 4, rh_event_data(ev), (int)rh_event_data_len(ev),
                      SQLITE_STATIC);
    char trace[ADAPTER_TRACE_SIZE];
    sqlite3_bind_text(ei, 5, rh_event_tenant(ev), -1, SQLITE_STATIC);
    rh__sqlite_bind_text_or_null(ei, 6, adapter_trace_text(ev, trace));
    rc = sqlite3_step(ei) == SQLITE_DONE ? RH_OK
                                         : rh__sqlite_fail(s, "enqueue event");
    rh__sqlite_done_with(ei);
    for (size_t i = 0; rc == RH_OK && i < n; i++) {
        const rh_delivery *d = dls[i];
        sqlite3_bind_text(di, 1, rh_delivery_id(d), -1, SQLITE_STATIC);
        sqlite3_bind_text(di, 2, rh_event_id(ev), -1, SQLITE_STATIC);
        sqlite3_bind_text(di, 3, rh_delivery_endpoint_id(d), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(di, 4, rh_event_type(ev), -1, SQLITE_STATIC);
        sqlite3_bind_int(di, 5, rh_delivery_attempts(d));
        sqlite3_bind_int64(di, 6, rh_delivery_next_attempt_ms(d));
        sqlite3_bind_int64(di, 7, rh_delivery_created_ms(d));
        sqlite3_bind_int64(di, 8, rh_delivery_updated_ms(d));
        rh__sqlite_bind_text_or_null(di, 9, rh_event_ordering_key(ev));
        sqlite3_bind_int(di, 10, rh_event_ordering_holds(ev));
        sqlite3_bind_text(di, 11, rh_event_tenant(ev), -1, SQLITE_STATIC);
        if (sqlite3_step(di) != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "enqueue delivery");
        rh__sqlite_done_with(di);
    }
    return rc;
}

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    store *s = ud;
    int rc;
    if (n == 0)
        return RH_OK;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    rc = insert_event(s, ev, dls, n);
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

/* SQLite has one writer at a time, so the key's upsert and the enqueue in
 * one write transaction decide a race between processes. */
static int s_enqueue_keyed(const rh_event *ev, const rh_delivery *const *dls,
                           size_t n, const char *key, int64_t window_start_ms,
                           char *held_event_id, void *ud)
{
    store *s = ud;
    sqlite3_stmt *take = rh__sqlite_stmt(s, S_KEY_TAKE),
                 *held = rh__sqlite_stmt(s, S_KEY_HELD),
                 *expire = rh__sqlite_stmt(s, S_KEY_EXPIRE);
    int rc, taken = 0;
    if (!take || !held || !expire)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(take, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(take, 2, rh_event_id(ev), -1, SQLITE_STATIC);
    sqlite3_bind_int64(take, 3, rh_event_timestamp_ms(ev));
    sqlite3_bind_int64(take, 4, window_start_ms);
    rc = sqlite3_step(take) == SQLITE_DONE
             ? RH_OK
             : rh__sqlite_fail(s, "enqueue_keyed");
    rh__sqlite_done_with(take);
    if (rc == RH_OK)
        taken = sqlite3_changes(s->db) > 0;
    if (rc == RH_OK && !taken) {
        sqlite3_bind_text(held, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(held) == SQLITE_ROW)
            snprintf(held_event_id, RH_ID_SIZE, "%s",
                     (const char *)sqlite3_column_text(held, 0));
        else
            rc = rh__sqlite_fail(s, "enqueue_keyed");
        rh__sqlite_done_with(held);
        return rc == RH_OK ? rh__sqlite_rollback(s, 1)
                           : rh__sqlite_rollback(s, rc);
    }
    if (rc == RH_OK && n)
        rc = insert_event(s, ev, dls, n);
    if (rc == RH_OK) {
        sqlite3_bind_int64(expire, 1, window_start_ms);
        if (sqlite3_step(expire) != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "enqueue_keyed expire");
        rh__sqlite_done_with(expire);
    }
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

/* The delivery's new state and its attempt, inside the caller's
 * transaction: RH_E_NOT_FOUND (nothing written) for an unknown delivery. */
static int complete_one(store *s, const rh_delivery *dl, const rh_attempt *at)
{
    sqlite3_stmt *ai = rh__sqlite_stmt(s, S_AT_INSERT),
                 *du = rh__sqlite_stmt(s, S_DL_UPDATE);
    int rc, state = rh_delivery_state(dl);
    if (!ai || !du)
        return RH_E_STORAGE;
    sqlite3_bind_text(du, 1, rh_delivery_id(dl), -1, SQLITE_STATIC);
    sqlite3_bind_int(du, 2, state);
    sqlite3_bind_int(du, 3, rh_delivery_attempts(dl));
    sqlite3_bind_int64(du, 4, rh_delivery_next_attempt_ms(dl));
    sqlite3_bind_int64(du, 5, state == RH_DELIVERY_PENDING
                                  ? rh_delivery_next_attempt_ms(dl)
                                  : 0);
    sqlite3_bind_int64(du, 6, rh_delivery_updated_ms(dl));
    rc = sqlite3_step(du) == SQLITE_DONE ? RH_OK
                                         : rh__sqlite_fail(s, "complete");
    rh__sqlite_done_with(du);
    if (rc == RH_OK && sqlite3_changes(s->db) == 0)
        rc = RH_E_NOT_FOUND;
    if (rc == RH_OK && at) {
        sqlite3_bind_text(ai, 1, rh_attempt_delivery_id(at), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(ai, 2, rh_attempt_endpoint_id(at), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(ai, 3, rh_attempt_event_id(at), -1, SQLITE_STATIC);
        sqlite3_bind_text(ai, 4, rh_attempt_event_type(at), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(ai, 5, rh_attempt_number(at));
        sqlite3_bind_int64(ai, 6, rh_attempt_started_ms(at));
        sqlite3_bind_int64(ai, 7, rh_attempt_duration_ms(at));
        sqlite3_bind_int(ai, 8, rh_attempt_status(at));
        sqlite3_bind_int(ai, 9, rh_attempt_success(at));
        sqlite3_bind_int(ai, 10, rh_attempt_outcome(at));
        sqlite3_bind_blob(ai, 11, rh_attempt_response(at),
                          (int)rh_attempt_response_len(at), SQLITE_STATIC);
        sqlite3_bind_text(ai, 12, rh_attempt_error(at), -1, SQLITE_STATIC);
        sqlite3_bind_text(ai, 13, rh_attempt_tenant(at), -1, SQLITE_STATIC);
        if (sqlite3_step(ai) != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "complete attempt");
        rh__sqlite_done_with(ai);
    }
    return rc;
}

static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    store *s = ud;
    int rc;
    rh__sqlite_tick_path(s, 1);
    if ((rc = rh__sqlite_begin(s)) == RH_OK) {
        rc = complete_one(s, dl, at);
        rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    }
    rh__sqlite_tick_path(s, 0);
    return rc;
}

/* Every outcome of a tick in one transaction: one commit, one fsync. */
static int s_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud)
{
    store *s = ud;
    int rc;
    if (n == 0)
        return RH_OK;
    rh__sqlite_tick_path(s, 1);
    if ((rc = rh__sqlite_begin(s)) == RH_OK) {
        for (size_t i = 0; i < n && rc == RH_OK; i++) {
            rc = complete_one(s, dls[i], ats[i]);
            if (rc == RH_E_NOT_FOUND)
                rc = RH_OK; /* gone: skipped */
        }
        rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    }
    rh__sqlite_tick_path(s, 0);
    return rc;
}

/* ------------------------------------------------------------ emit batch */

static int s_batch_begin(void *ud)
{
    store *s = ud;
    s->batch_failed = 0;
    s->batch_txn = sqlite3_get_autocommit(s->db);
    if (s->batch_txn &&
        sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        s->batch_txn = 0;
        return rh__sqlite_fail(s, "batch_begin");
    }
    return RH_OK;
}

static int s_batch_commit(void *ud)
{
    store *s = ud;
    if (!s->batch_txn)
        return RH_OK; /* inside the host's transaction: its to commit */
    s->batch_txn = 0;
    if (s->batch_failed) {
        /* s->err still says which write failed */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->batch_failed = 0;
        return RH_E_STORAGE;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = rh__sqlite_fail(s, "batch_commit");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return RH_OK;
}

/* A keyed enqueue inside a batch runs in the batch's transaction and
 * answers at once; later writes of the batch see the key taken. */
static int s_batch_keys(void *ud)
{
    (void)ud;
    return 1;
}

/* ---------------------------------------------------------- delivery log */

/* The log's slots, each on the store in rh_sqlite_log.c. */
static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud)
{
    return rh__sqlite_query_attempts(ud, q, each, each_ud);
}

static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud)
{
    return rh__sqlite_query_deliveries(ud, q, each, each_ud);
}

static int s_resend(const char *id, int64_t now_ms, void *ud)
{
    return rh__sqlite_update_failed(ud, S_RESEND, id, now_ms, "resend");
}

static int s_skip(const char *id, int64_t now_ms, void *ud)
{
    return rh__sqlite_update_failed(ud, S_SKIP, id, now_ms, "skip");
}

static int s_recover(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                     void *ud)
{
    return rh__sqlite_recover(ud, endpoint_id, NULL, since_ms, now_ms);
}

static int s_recover_matching(const rh_query *q, int64_t now_ms, void *ud)
{
    return rh__sqlite_recover(ud, rh_query_endpoint(q), q, rh_query_since_ms(q),
                              now_ms);
}

static int s_count_open(const char *tenant, size_t cap, void *ud)
{
    return rh__sqlite_count_open(ud, tenant, cap);
}

static int s_endpoint_health(const char *endpoint_id, int64_t *out, void *ud)
{
    return rh__sqlite_endpoint_health(ud, endpoint_id, out);
}

static int s_delivery_event(const char *delivery_id, rh_claimed_cb each,
                            void *each_ud, void *ud)
{
    return rh__sqlite_delivery_event(ud, delivery_id, each, each_ud);
}

static int s_queue_figures(int64_t now_ms, int64_t failed_since_ms, int group,
                           rh_queue_figures_cb each, void *each_ud, void *ud)
{
    return rh__sqlite_queue_figures(ud, now_ms, failed_since_ms, group, each,
                                    each_ud);
}

static int s_prune(int64_t before_ms, size_t max, void *ud)
{
    return rh__sqlite_prune(ud, NULL, before_ms, max);
}

static int s_prune_tenant(const char *tenant, int64_t before_ms, size_t max,
                          void *ud)
{
    return rh__sqlite_prune(ud, tenant, before_ms, max);
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_NEXT_DUE);
    int rc = RH_OK;
    if (!st)
        return RH_E_STORAGE;
    rh__sqlite_tick_path(s, 1);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rh__sqlite_fail(s, "next_due");
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        *due_out = -1;
    } else {
        int64_t due = sqlite3_column_int64(st, 0);
        /* Another process sharing the file may add earlier work. */
        *due_out = due < now_ms + POLL_MS ? due : now_ms + POLL_MS;
    }
    rh__sqlite_done_with(st);
    rh__sqlite_tick_path(s, 0);
    return rc;
}

static const char *s_last_error(void *ud)
{
    store *s = ud;
    return s->err;
}

static void s_destroy(void *ud)
{
    store *s = ud;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->owned)
        sqlite3_close_v2(s->db);
    free(s);
}

static int finish(rh_storage *out, store *s, unsigned int flags, char *err,
                  size_t err_size)
{
    int rc = rh__sqlite_setup(s, flags);
    if (rc != RH_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s", s->err);
        s_destroy(s);
        return rc;
    }
    adapter_fill(out, s);
    out->claim = rh__sqlite_claim; /* in the claim file */
    out->claim_batch = rh__sqlite_claim_batch;
    out->endpoint_state_save = rh__sqlite_state_save;
    out->endpoint_state_load = rh__sqlite_state_load;
    out->document_save = rh__sqlite_document_save;
    out->document_load = rh__sqlite_document_load;
    out->count_open = s_count_open;
    out->queue_figures = s_queue_figures;
    out->delivery_event = s_delivery_event;
    out->endpoint_health = s_endpoint_health;
    out->prune_tenant = s_prune_tenant;
    out->batch_keys = s_batch_keys;
    return RH_OK;
}

int rh_sqlite_new(rh_storage **out, const char *path, unsigned int flags,
                  char *err, size_t err_size)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = malloc(sizeof **out);
    if (!*out)
        return RH_E_NOMEM;
    int rc = rh_sqlite_open(*out, path, flags, err, err_size);
    if (rc != RH_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int rh_sqlite_open(rh_storage *out, const char *path, unsigned int flags,
                   char *err, size_t err_size)
{
    store *s;
    if (!out || !path || !*path || (flags & ~RH_SQLITE_SYNC_NORMAL))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->owned = 1;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        s_destroy(s);
        return RH_E_STORAGE;
    }
    sqlite3_busy_timeout(s->db, BUSY_MS);
    sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint=" AUTOCHECKPOINT_PAGES, NULL,
                 NULL, NULL);
    return finish(out, s, flags, err, err_size);
}

int rh_sqlite_attach(rh_storage *out, struct sqlite3 *db, unsigned int flags,
                     char *err, size_t err_size)
{
    store *s;
    if (!out || !db || (flags & ~RH_SQLITE_SYNC_NORMAL))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->db = db;
    return finish(out, s, flags, err, err_size);
}
