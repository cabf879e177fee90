/* replicer-hooks SQLite storage's statements and the helpers every file of
 * the adapter uses: preparing, failing with SQLite's text, framing writes. */
#include "rh_sqlite_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The log's queries, with or without a tenant first (its own index). */
#define QUERY_ATTEMPTS(first)                                                  \
    "SELECT seq, delivery_id, endpoint_id, event_id, event_type, number, "     \
    "started_ms, duration_ms, status, success, outcome, response, error, "     \
    "tenant FROM rh_attempts WHERE " first " "                                 \
    "AND (?2 IS NULL OR endpoint_id = ?2) "                                    \
    "AND (?3 IS NULL OR delivery_id = ?3) "                                    \
    "AND (?4 IS NULL OR event_id = ?4) AND (?5 = 0 OR success = 0) "          \
    "AND started_ms >= ?6 AND (?7 = 0 OR started_ms < ?7) "                    \
    "AND (?9 IS NULL OR event_type = ?9) "                                     \
    "AND (?10 IS NULL OR (substr(event_type, 1, length(?10)) = ?10 "          \
    "AND length(event_type) > length(?10))) "                                  \
    "AND (?11 < 0 OR status = ?11) AND (?12 < 0 OR outcome = ?12) "           \
    "ORDER BY seq LIMIT ?8"
#define QUERY_DELIVERIES(first)                                                \
    "SELECT id, event_id, endpoint_id, event_type, state, attempts, "          \
    "next_attempt_ms, created_ms, updated_ms, ordering_key, tenant "           \
    "FROM rh_deliveries WHERE " first " "                                      \
    "AND (?1 IS NULL OR endpoint_id = ?1) AND (?2 IS NULL OR id = ?2) "        \
    "AND (?3 IS NULL OR event_id = ?3) AND (?4 = 0 OR state = 3) "            \
    "AND (?5 < 0 OR state = ?5) AND created_ms >= ?6 "                         \
    "AND (?7 = 0 OR created_ms < ?7) "                                         \
    "AND (?9 IS NULL OR event_type = ?9) "                                     \
    "AND (?10 IS NULL OR (substr(event_type, 1, length(?10)) = ?10 "          \
    "AND length(event_type) > length(?10))) "                                  \
    "AND (?11 IS NULL OR created_ms > ?12 OR (created_ms = ?12 "               \
    "AND id > ?11)) ORDER BY created_ms, id LIMIT ?8"

static const char *const sql_text[S_COUNT] = {
    [S_EP_SAVE] = "INSERT INTO rh_endpoints(id, record) VALUES(?1, ?2) "
                  "ON CONFLICT(id) DO UPDATE SET record = excluded.record",
    [S_EP_REMOVE] = "DELETE FROM rh_endpoints WHERE id = ?1",
    [S_EP_LOAD] = "SELECT record FROM rh_endpoints ORDER BY rowid",
    /* no change: the endpoint is not stored (WHERE makes the SELECT's end
     * plain to SQLite's parser before ON CONFLICT) */
    [S_STATE_SAVE] =
        "INSERT INTO rh_endpoint_state(endpoint_id, part, value) "
        "SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM rh_endpoints WHERE "
        "id = ?1) ON CONFLICT(endpoint_id, part) DO UPDATE SET "
        "value = excluded.value",
    [S_STATE_LOAD] = "SELECT endpoint_id, part, value FROM rh_endpoint_state",
    [S_STATE_REMOVE] = "DELETE FROM rh_endpoint_state WHERE endpoint_id = ?1",
    [S_DOC_SAVE] = "INSERT INTO rh_documents(kind, key, value) "
                   "VALUES(?1, ?2, ?3) ON CONFLICT(kind, key) DO UPDATE SET "
                   "value = excluded.value",
    /* through rh_deliveries_open_due: no more than ?2 index entries read */
    [S_COUNT_OPEN] = "SELECT count(*) FROM (SELECT 1 FROM rh_deliveries "
                     "WHERE tenant = ?1 AND state < 2 LIMIT ?2)",
    [S_DOC_LOAD] = "SELECT key, value FROM rh_documents WHERE kind = ?1 "
                   "ORDER BY key",
    /* taken unless an event holds it since ?4: one change, else none */
    [S_KEY_TAKE] =
        "INSERT INTO rh_idempotency(key, event_id, created_ms) "
        "VALUES(?1, ?2, ?3) ON CONFLICT(key) DO UPDATE SET "
        "event_id = excluded.event_id, created_ms = excluded.created_ms "
        "WHERE rh_idempotency.created_ms < ?4",
    [S_KEY_HELD] = "SELECT event_id FROM rh_idempotency WHERE key = ?1",
    /* a few a time: each keyed emit clears more than it adds */
    [S_KEY_EXPIRE] = "DELETE FROM rh_idempotency WHERE rowid IN (SELECT rowid "
                     "FROM rh_idempotency WHERE created_ms < ?1 LIMIT 8)",
    /* the last success through rh_attempts_endpoint, newest first: a seek
     * for a healthy endpoint; the failures after it, and its deliveries
     * failed for good since */
    [S_ENDPOINT_HEALTH] =
        "WITH ok AS (SELECT seq, started_ms + duration_ms AS at FROM "
        "rh_attempts WHERE endpoint_id = ?1 AND success = 1 ORDER BY seq DESC "
        "LIMIT 1) SELECT (SELECT at FROM ok), (SELECT min(started_ms) FROM "
        "rh_attempts WHERE endpoint_id = ?1 AND seq > coalesce((SELECT seq "
        "FROM ok), 0) AND success = 0), (SELECT count(*) FROM rh_deliveries "
        "WHERE endpoint_id = ?1 AND state = 3 AND updated_ms > "
        "coalesce((SELECT at FROM ok), 0))",
    [S_DELIVERY_EVENT] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data, d.tenant, e.trace FROM rh_deliveries d "
        "JOIN rh_events e ON e.id = d.event_id WHERE d.id = ?1",
    [S_EV_INSERT] = "INSERT INTO rh_events(id, type, timestamp_ms, data, "
                    "tenant, trace) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_DL_INSERT] =
        "INSERT INTO rh_deliveries(id, event_id, endpoint_id, event_type, "
        "state, attempts, next_attempt_ms, due_ms, created_ms, updated_ms, "
        "ordering_key, hold_key, tenant) "
        "VALUES(?1, ?2, ?3, ?4, 0, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_CLAIM_SCAN] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data, d.tenant, e.trace FROM rh_deliveries d "
        "JOIN rh_events e ON e.id = d.event_id "
        "WHERE d.state < 2 AND d.due_ms <= ?1 "
        "AND (d.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM "
        "rh_deliveries o WHERE o.endpoint_id = d.endpoint_id "
        "AND o.ordering_key = d.ordering_key AND o.id <> d.id "
        "AND (o.state = 1 OR (o.id < d.id AND (o.state = 0 "
        "OR (o.state = 3 AND o.hold_key = 1)))))) "
        "ORDER BY d.due_ms, d.id LIMIT ?2",
    [S_CLAIM_TAKE] = "UPDATE rh_deliveries SET state = 1, due_ms = ?2 "
                     "WHERE id = ?1",
    [S_AT_INSERT] =
        "INSERT INTO rh_attempts(delivery_id, endpoint_id, event_id, "
        "event_type, number, started_ms, duration_ms, status, success, "
        "outcome, response, error, tenant) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_DL_UPDATE] =
        "UPDATE rh_deliveries SET state = ?2, attempts = ?3, "
        "next_attempt_ms = ?4, due_ms = ?5, updated_ms = ?6 WHERE id = ?1",
    [S_QUERY_ATTEMPTS] = QUERY_ATTEMPTS("seq > ?1"),
    [S_QUERY_ATTEMPTS_TENANT] = QUERY_ATTEMPTS("tenant = ?13 AND seq > ?1"),
    [S_QUERY_DELIVERIES] = QUERY_DELIVERIES("1"),
    [S_QUERY_DELIVERIES_TENANT] = QUERY_DELIVERIES("tenant = ?13"),
    [S_QUERY_ATTEMPTS_ENDPOINT] = QUERY_ATTEMPTS(
        "endpoint_id = ?2 AND (?13 IS NULL OR tenant = ?13) AND seq > ?1"),
    [S_QUERY_DELIVERIES_ENDPOINT] = QUERY_DELIVERIES(
        "endpoint_id = ?1 AND (?13 IS NULL OR tenant = ?13)"),
    [S_RESEND] = "UPDATE rh_deliveries SET state = 0, attempts = 0, "
                 "next_attempt_ms = ?2, due_ms = ?2, updated_ms = ?2 "
                 "WHERE id = ?1 AND state = 3",
    [S_STATE_OF] = "SELECT state FROM rh_deliveries WHERE id = ?1",
    [S_SKIP] = "UPDATE rh_deliveries SET hold_key = 0, updated_ms = ?2 "
               "WHERE id = ?1 AND state = 3 AND hold_key = 1",
    [S_RECOVER] = "UPDATE rh_deliveries SET state = 0, attempts = 0, "
                  "next_attempt_ms = ?3, due_ms = ?3, updated_ms = ?3 "
                  "WHERE state = 3 AND (?1 IS NULL OR endpoint_id = ?1) "
                  "AND created_ms >= ?2 AND (?4 = 0 OR created_ms < ?4) "
                  "AND (?5 IS NULL OR event_id = ?5) "
                  "AND (?6 IS NULL OR event_type = ?6) "
                  "AND (?7 IS NULL OR (substr(event_type, 1, length(?7)) = ?7 "
                  "AND length(event_type) > length(?7))) "
                  "AND (?8 IS NULL OR tenant = ?8)",
    [S_NEXT_DUE] = "SELECT MIN(due_ms) FROM rh_deliveries WHERE state < 2",
    /* the oldest finished deliveries, through rh_deliveries_done; the same
     * rows for both statements inside the prune's write transaction */
    [S_PRUNE_ATTEMPTS] =
        "DELETE FROM rh_attempts WHERE delivery_id IN (SELECT id FROM "
        "rh_deliveries WHERE state >= 2 AND updated_ms < ?1 "
        "ORDER BY updated_ms, id LIMIT ?2)",
    [S_PRUNE_DELIVERIES] =
        "DELETE FROM rh_deliveries WHERE id IN (SELECT id FROM rh_deliveries "
        "WHERE state >= 2 AND updated_ms < ?1 ORDER BY updated_ms, id "
        "LIMIT ?2) RETURNING event_id",
    /* the same for one tenant (?3), through rh_deliveries_tenant_done */
    [S_PRUNE_ATTEMPTS_TENANT] =
        "DELETE FROM rh_attempts WHERE delivery_id IN (SELECT id FROM "
        "rh_deliveries WHERE tenant = ?3 AND state >= 2 AND updated_ms < ?1 "
        "ORDER BY updated_ms, id LIMIT ?2)",
    [S_PRUNE_DELIVERIES_TENANT] =
        "DELETE FROM rh_deliveries WHERE id IN (SELECT id FROM rh_deliveries "
        "WHERE tenant = ?3 AND state >= 2 AND updated_ms < ?1 ORDER BY "
        "updated_ms, id LIMIT ?2) RETURNING event_id",
    [S_PRUNE_EVENT] = "DELETE FROM rh_events WHERE id = ?1 AND NOT EXISTS "
                      "(SELECT 1 FROM rh_deliveries WHERE event_id = ?1)",
    /* The endpoints with unfinished deliveries, one index seek each (a
     * skip-scan of rh_deliveries_ready), with their first due time and
     * tenant: the claim's cost follows the endpoints, never one endpoint's
     * backlog. Each tenant's earliest endpoint comes before any tenant's
     * second (trank), so that a tenant with many endpoints cannot fill
     * the claim's picks while another waits; the tenants in the rotation
     * that starts after ?3; none of a tenant at its cap (?4, a JSON
     * array). */
    [S_DUE_ENDPOINTS] =
        "WITH RECURSIVE eps(id) AS ("
        " SELECT (SELECT MIN(endpoint_id) FROM rh_deliveries WHERE state < 2)"
        " UNION ALL SELECT (SELECT MIN(endpoint_id) FROM rh_deliveries"
        "  WHERE state < 2 AND endpoint_id > eps.id) FROM eps"
        " WHERE eps.id IS NOT NULL) "
        "SELECT id, first, tenant FROM (SELECT id, first, tenant,"
        " row_number() OVER (PARTITION BY tenant ORDER BY first, id) AS trank"
        " FROM (SELECT id, (SELECT MIN(due_ms) FROM rh_deliveries"
        "  WHERE state < 2 AND endpoint_id = eps.id) AS first,"
        "  (SELECT tenant FROM rh_deliveries WHERE state < 2"
        "  AND endpoint_id = eps.id LIMIT 1) AS tenant"
        "  FROM eps WHERE id IS NOT NULL) WHERE first <= ?1"
        "  AND tenant NOT IN (SELECT value FROM json_each(?4))) "
        "ORDER BY trank, tenant <= ?3, tenant, first, id LIMIT ?2",
    /* One endpoint's due deliveries, earliest first, up to its room; the
     * state read is the one they are handed back in (in flight). */
    [S_ENDPOINT_DUE] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, 1, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data, d.tenant, e.trace FROM rh_deliveries d "
        "JOIN rh_events e ON e.id = d.event_id "
        "WHERE d.endpoint_id = ?1 AND d.state < 2 AND d.due_ms <= ?2 "
        "AND (d.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM "
        "rh_deliveries o WHERE o.endpoint_id = d.endpoint_id "
        "AND o.ordering_key = d.ordering_key AND o.id <> d.id "
        "AND (o.state = 1 OR (o.id < d.id AND (o.state = 0 "
        "OR (o.state = 3 AND o.hold_key = 1)))))) "
        "ORDER BY d.due_ms, d.id LIMIT ?3",
};

int rh__sqlite_fail(store *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return RH_E_STORAGE;
}

sqlite3_stmt *rh__sqlite_stmt(store *s, int which)
{
    if (!s->stmt[which] &&
        sqlite3_prepare_v3(s->db, sql_text[which], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->stmt[which],
                           NULL) != SQLITE_OK) {
        rh__sqlite_fail(s, "prepare");
        return NULL;
    }
    return s->stmt[which];
}

void rh__sqlite_done_with(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void rh__sqlite_bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* rh_tick's slots wait at most TICK_BUSY_MS for a lock; everything else
 * BUSY_MS. Only on our own connection: the host's keeps its own setting. */
void rh__sqlite_tick_path(store *s, int on)
{
    if (s->owned)
        sqlite3_busy_timeout(s->db, on ? TICK_BUSY_MS : BUSY_MS);
}

/* A claim's commit is not synced to disk even under synchronous=FULL: if a
 * crash loses it, its deliveries are due again, and they would be sent
 * again after their lease anyway (at least once either way). The next
 * synced commit (an outcome, an emit) makes it durable too: the WAL is
 * written in order. This halves the fsyncs of the delivery path. */
void rh__sqlite_claim_sync(store *s, int claiming)
{
    if (s->owned && s->sync_full)
        sqlite3_exec(s->db,
                     claiming ? "PRAGMA synchronous=NORMAL"
                              : "PRAGMA synchronous=FULL",
                     NULL, NULL, NULL);
}

int rh__sqlite_begin(store *s)
{
    if (s->batch_txn && !sqlite3_get_autocommit(s->db)) {
        s->own_txn = TXN_IN_BATCH;
        return RH_OK;
    }
    s->own_txn = sqlite3_get_autocommit(s->db) ? TXN_OWN : TXN_SAVEPOINT;
    if (sqlite3_exec(s->db,
                     s->own_txn == TXN_OWN ? "BEGIN IMMEDIATE" : "SAVEPOINT rh",
                     NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_fail(s, "begin");
    return RH_OK;
}

int rh__sqlite_rollback(store *s, int rc)
{
    if (s->own_txn == TXN_OWN) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (s->own_txn == TXN_SAVEPOINT) {
        sqlite3_exec(s->db, "ROLLBACK TO rh", NULL, NULL, NULL);
        sqlite3_exec(s->db, "RELEASE rh", NULL, NULL, NULL);
    } else if (rc < 0 && rc != RH_E_NOT_FOUND && rc != RH_E_STATE) {
        /* part of it may be written: undone at commit. Not for an answer
         * that wrote nothing (a held key's 1) */
        s->batch_failed = 1;
    }
    return rc;
}

int rh__sqlite_commit(store *s)
{
    if (s->own_txn == TXN_IN_BATCH)
        return RH_OK; /* the batch's commit makes it durable */
    if (sqlite3_exec(s->db, s->own_txn == TXN_OWN ? "COMMIT" : "RELEASE rh",
                     NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "commit"));
    return RH_OK;
}

/* A row's columns 0..8 (id, event_id, endpoint_id, event_type, state,
 * attempts, next_attempt_ms, created_ms, updated_ms) as a delivery. */
int rh__sqlite_row_delivery(store *s, sqlite3_stmt *st, rh_delivery **out)
{
    int rc = rh_delivery_new(
        out, (const char *)sqlite3_column_text(st, 0),
        (const char *)sqlite3_column_text(st, 1),
        (const char *)sqlite3_column_text(st, 2),
        (const char *)sqlite3_column_text(st, 3), sqlite3_column_int(st, 4),
        sqlite3_column_int(st, 5), sqlite3_column_int64(st, 6),
        sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8));
    return adapter_row_rc(rc, "delivery", s->err, sizeof s->err);
}

/* Step through st, handing each row to fn; the number of rows, or the
 * first negative value. */
int rh__sqlite_for_each_row(store *s, sqlite3_stmt *st, const char *slot,
                            row_fn fn, void *fn_ud)
{
    int rc = RH_OK, n = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(s, st, fn_ud);
        if (rc < 0)
            break;
        n++;
    }
    if (rc >= 0 && step != SQLITE_DONE)
        rc = rh__sqlite_fail(s, slot);
    rh__sqlite_done_with(st);
    return rc < 0 ? rc : n;
}
