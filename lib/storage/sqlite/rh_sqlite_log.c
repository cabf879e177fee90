/* replicer-hooks SQLite storage's delivery log: the slots that look back
 * over what was sent (attempts and deliveries by query) and act on it (a
 * failed delivery resent or skipped, bulk recovery, retention's prune).
 * Apart from rh_sqlite.c, whose slots move the queue itself (enqueue,
 * outcomes, the emit batch): these read and rewrite the log's rows in the
 * caller's or retention's time, each a statement or a transaction of its
 * own. */
#include "rh_sqlite_store.h"

#include <limits.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bind_query_ids(sqlite3_stmt *st, const rh_query *q, int ep,
                           int dl, int ev)
{
    rh__sqlite_bind_text_or_null(st, ep, rh_query_endpoint(q));
    rh__sqlite_bind_text_or_null(st, dl, rh_query_delivery(q));
    rh__sqlite_bind_text_or_null(st, ev, rh_query_event(q));
}

/* The event type filter at parameters i (exact) and i + 1 (prefix). */
static void bind_type_filter(sqlite3_stmt *st, const rh_query *q, int i)
{
    adapter_type_filter f;
    adapter_type_filter_of(q, &f);
    if (f.exact)
        sqlite3_bind_text(st, i, f.exact, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
    if (f.prefix)
        sqlite3_bind_text(st, i + 1, f.prefix, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i + 1);
}

/* A log query's statement: the endpoint's own (through its index) when
 * the query names one, else the tenant's own (through the tenant's index)
 * when it names a tenant, else the plain one; the tenant, or NULL, bound as
 * ?13 to either of the first two. */
static sqlite3_stmt *log_stmt(store *s, const rh_query *q, int plain,
                              int tenanted, int by_endpoint)
{
    const char *tenant = rh_query_tenant(q);
    int which = rh_query_endpoint(q) ? by_endpoint : tenant ? tenanted : plain;
    sqlite3_stmt *st = rh__sqlite_stmt(s, which);
    if (st && which != plain)
        rh__sqlite_bind_text_or_null(st, 13, tenant);
    return st;
}

static int attempt_row(store *s, sqlite3_stmt *st, void *ud)
{
    each_pass *p = ud;
    rh_attempt *at = NULL;
    int rc = rh_attempt_new(
        &at, sqlite3_column_int64(st, 0),
        (const char *)sqlite3_column_text(st, 1),
        (const char *)sqlite3_column_text(st, 2),
        (const char *)sqlite3_column_text(st, 3),
        (const char *)sqlite3_column_text(st, 4), sqlite3_column_int(st, 5),
        sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
        sqlite3_column_int(st, 8), sqlite3_column_int(st, 9),
        sqlite3_column_int(st, 10), (const char *)sqlite3_column_blob(st, 11),
        (size_t)sqlite3_column_bytes(st, 11),
        (const char *)sqlite3_column_text(st, 12));
    if (rc == RH_OK &&
        (rc = rh_attempt_set_tenant(
             at, (const char *)sqlite3_column_text(st, 13))) != RH_OK) {
        rh_attempt_free(at);
        at = NULL;
    }
    return adapter_give_attempt(p, rc, at, s->err, sizeof s->err);
}

int rh__sqlite_query_attempts(store *s, const rh_query *q, rh_attempt_cb each,
                              void *each_ud)
{
    sqlite3_stmt *st =
        log_stmt(s, q, S_QUERY_ATTEMPTS, S_QUERY_ATTEMPTS_TENANT,
                 S_QUERY_ATTEMPTS_ENDPOINT);
    each_pass p = {NULL, each, NULL, each_ud};
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_int64(st, 1, rh_query_cursor(q));
    bind_query_ids(st, q, 2, 3, 4);
    sqlite3_bind_int(st, 5, rh_query_failed_only(q));
    sqlite3_bind_int64(st, 6, rh_query_since_ms(q));
    sqlite3_bind_int64(st, 7, rh_query_until_ms(q));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)rh_query_limit(q));
    bind_type_filter(st, q, 9);
    sqlite3_bind_int(st, 11, rh_query_status(q));
    sqlite3_bind_int(st, 12, rh_query_outcome(q));
    return rh__sqlite_for_each_row(s, st, "query_attempts", attempt_row, &p);
}

static int delivery_row(store *s, sqlite3_stmt *st, void *ud)
{
    each_pass *p = ud;
    rh_delivery *dl = NULL;
    int rc = rh__sqlite_row_delivery(s, st, &dl);
    if (rc == RH_OK && sqlite3_column_type(st, 9) != SQLITE_NULL)
        rc = rh_delivery_set_ordering_key(
            dl, (const char *)sqlite3_column_text(st, 9));
    if (rc == RH_OK)
        rc = rh_delivery_set_tenant(dl,
                                    (const char *)sqlite3_column_text(st, 10));
    if (rc != RH_OK && dl) {
        rh_delivery_free(dl);
        return adapter_row_rc(rc, "delivery", s->err, sizeof s->err);
    }
    return rc == RH_OK ? adapter_give_delivery(p, dl) : rc;
}

int rh__sqlite_query_deliveries(store *s, const rh_query *q,
                                rh_delivery_cb each, void *each_ud)
{
    sqlite3_stmt *st =
        log_stmt(s, q, S_QUERY_DELIVERIES, S_QUERY_DELIVERIES_TENANT,
                 S_QUERY_DELIVERIES_ENDPOINT);
    each_pass p = {NULL, NULL, each, each_ud};
    if (!st)
        return RH_E_STORAGE;
    bind_query_ids(st, q, 1, 2, 3);
    sqlite3_bind_int(st, 4, rh_query_failed_only(q));
    sqlite3_bind_int(st, 5, rh_query_state(q));
    sqlite3_bind_int64(st, 6, rh_query_since_ms(q));
    sqlite3_bind_int64(st, 7, rh_query_until_ms(q));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)rh_query_limit(q));
    bind_type_filter(st, q, 9);
    rh__sqlite_bind_text_or_null(st, 11, rh_query_delivery_cursor_id(q));
    sqlite3_bind_int64(st, 12, rh_query_delivery_cursor_ms(q));
    return rh__sqlite_for_each_row(s, st, "query_deliveries", delivery_row, &p);
}

/* An update of one failed delivery (resend, skip): RH_E_NOT_FOUND when it
 * is unknown, RH_E_STATE when it is not in the state the update needs. */
int rh__sqlite_update_failed(store *s, int which, const char *id,
                             int64_t now_ms, const char *what)
{
    sqlite3_stmt *up = rh__sqlite_stmt(s, which),
                 *get = rh__sqlite_stmt(s, S_STATE_OF);
    int rc;
    if (!up || !get)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(up, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, now_ms);
    rc = sqlite3_step(up) == SQLITE_DONE ? RH_OK : rh__sqlite_fail(s, what);
    rh__sqlite_done_with(up);
    if (rc == RH_OK && sqlite3_changes(s->db) == 0) {
        sqlite3_bind_text(get, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(get) == SQLITE_ROW ? RH_E_STATE : RH_E_NOT_FOUND;
        rh__sqlite_done_with(get);
    }
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

/* Recovery of what q selects (its endpoint, event, event type and time
 * range), in one transaction. */
int rh__sqlite_recover(store *s, const char *endpoint_id, const rh_query *q,
                       int64_t since_ms, int64_t now_ms)
{
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_RECOVER);
    int rc, n = 0;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    rh__sqlite_bind_text_or_null(st, 1, endpoint_id);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, rh_query_until_ms(q));
    rh__sqlite_bind_text_or_null(st, 5, rh_query_event(q));
    bind_type_filter(st, q, 6);
    rh__sqlite_bind_text_or_null(st, 8, rh_query_tenant(q));
    rc =
        sqlite3_step(st) == SQLITE_DONE ? RH_OK : rh__sqlite_fail(s, "recover");
    if (rc == RH_OK)
        n = sqlite3_changes(s->db);
    rh__sqlite_done_with(st);
    rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    return rc == RH_OK ? n : rc;
}

/* The event ids of the deliveries pruned, for the events' own prune. */
typedef struct id_list {
    char (*ids)[RH_ID_SIZE];
    size_t n, cap;
} id_list;

static int id_list_add(id_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->ids, cap * sizeof *l->ids);
        if (!p)
            return RH_E_NOMEM;
        l->ids = p;
        l->cap = cap;
    }
    snprintf(l->ids[l->n++], RH_ID_SIZE, "%s", id ? id : "");
    return RH_OK;
}

/* tenant NULL: every tenant's */
static int prune_in_txn(store *s, const char *tenant, int64_t before_ms,
                        size_t max, int *n)
{
    sqlite3_stmt *at = rh__sqlite_stmt(
                     s, tenant ? S_PRUNE_ATTEMPTS_TENANT : S_PRUNE_ATTEMPTS),
                 *dl = rh__sqlite_stmt(s, tenant ? S_PRUNE_DELIVERIES_TENANT
                                                 : S_PRUNE_DELIVERIES),
                 *ev = rh__sqlite_stmt(s, S_PRUNE_EVENT);
    id_list events = {0};
    int rc = at && dl && ev ? RH_OK : RH_E_STORAGE, step;
    if (rc == RH_OK) {
        sqlite3_bind_int64(at, 1, before_ms);
        sqlite3_bind_int64(at, 2, (sqlite3_int64)max);
        if (tenant)
            sqlite3_bind_text(at, 3, tenant, -1, SQLITE_STATIC);
        rc = sqlite3_step(at) == SQLITE_DONE ? RH_OK
                                             : rh__sqlite_fail(s, "prune");
        rh__sqlite_done_with(at);
    }
    if (rc == RH_OK) {
        sqlite3_bind_int64(dl, 1, before_ms);
        sqlite3_bind_int64(dl, 2, (sqlite3_int64)max);
        if (tenant)
            sqlite3_bind_text(dl, 3, tenant, -1, SQLITE_STATIC);
        while (rc == RH_OK && (step = sqlite3_step(dl)) == SQLITE_ROW)
            rc = id_list_add(&events, (const char *)sqlite3_column_text(dl, 0));
        if (rc == RH_OK && step != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "prune");
        rh__sqlite_done_with(dl);
    }
    *n = (int)events.n;
    for (size_t i = 0; rc == RH_OK && i < events.n; i++) {
        sqlite3_bind_text(ev, 1, events.ids[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(ev) == SQLITE_DONE ? RH_OK
                                             : rh__sqlite_fail(s, "prune");
        rh__sqlite_done_with(ev);
    }
    free(events.ids);
    return rc;
}

/* On the tick's path, like a claim: a short lock wait, and a commit that is
 * not synced (a prune lost in a crash is done again). */
int rh__sqlite_prune(store *s, const char *tenant, int64_t before_ms,
                     size_t max)
{
    int rc, n = 0;
    rh__sqlite_tick_path(s, 1);
    rh__sqlite_claim_sync(s, 1);
    if ((rc = rh__sqlite_begin(s)) == RH_OK) {
        rc = prune_in_txn(s, tenant, before_ms, max, &n);
        rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    }
    rh__sqlite_claim_sync(s, 0);
    rh__sqlite_tick_path(s, 0);
    return rc == RH_OK ? n : rc;
}

/* A tenant's open deliveries, read through rh_deliveries_open_due. */
int rh__sqlite_count_open(store *s, const char *tenant, size_t cap)
{
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_COUNT_OPEN);
    int n;
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cap > INT_MAX ? INT_MAX : (sqlite3_int64)cap);
    n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0)
                                       : rh__sqlite_fail(s, "count_open");
    rh__sqlite_done_with(st);
    return n;
}
