/* replicer-hooks SQLite storage: the rh_storage contract on one database file
 * (WAL, synchronous FULL), with fair claims under BEGIN IMMEDIATE so that
 * several processes sharing the file never claim one delivery at once, and
 * outcomes stored a batch per transaction. */
#include <replicer-hooks/rh_sqlite.h>

#include "rh_adapter.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 1
/* A shared file may gain work from another process: look at least this
 * often while anything is pending. */
#define POLL_MS 1000
/* How long an emit (or anything the host calls) waits for another process's
 * lock, and how long rh_tick's slots do: a tick must not stall its
 * transfers, so it gives up quickly and the engine tries again later. */
#define BUSY_MS 5000
#define TICK_BUSY_MS 10
/* WAL pages between automatic checkpoints on our own connection (SQLite's
 * default is 1,000). Each checkpoint costs two syncs and writes every
 * page again into the database file; a queue rewrites the same pages
 * (a delivery row: emit, claim, outcome) within that span, so a longer
 * one writes them to the file once. Measured by make bench: syncs per
 * delivery 1.06 -> 1.04 (FULL), 0.03 -> 0.01 (NORMAL). The cost is a WAL
 * of up to 16 MiB between checkpoints. */
#define AUTOCHECKPOINT_PAGES "4000"

enum {
    S_EP_SAVE,
    S_EP_REMOVE,
    S_EP_LOAD,
    S_EV_INSERT,
    S_DL_INSERT,
    S_CLAIM_SCAN,
    S_CLAIM_TAKE,
    S_AT_INSERT,
    S_DL_UPDATE,
    S_QUERY_ATTEMPTS,
    S_QUERY_DELIVERIES,
    S_RESEND,
    S_STATE_OF,
    S_RECOVER,
    S_NEXT_DUE,
    S_DUE_ENDPOINTS,
    S_ENDPOINT_DUE,
    S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_EP_SAVE] = "INSERT INTO rh_endpoints(id, record) VALUES(?1, ?2) "
                  "ON CONFLICT(id) DO UPDATE SET record = excluded.record",
    [S_EP_REMOVE] = "DELETE FROM rh_endpoints WHERE id = ?1",
    [S_EP_LOAD] = "SELECT record FROM rh_endpoints ORDER BY rowid",
    [S_EV_INSERT] = "INSERT INTO rh_events(id, type, timestamp_ms, data) "
                    "VALUES(?1, ?2, ?3, ?4)",
    [S_DL_INSERT] =
        "INSERT INTO rh_deliveries(id, event_id, endpoint_id, event_type, "
        "state, attempts, next_attempt_ms, due_ms, created_ms, updated_ms) "
        "VALUES(?1, ?2, ?3, ?4, 0, ?5, ?6, ?6, ?7, ?8)",
    [S_CLAIM_SCAN] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data FROM rh_deliveries d "
        "JOIN rh_events e ON e.id = d.event_id "
        "WHERE d.state < 2 AND d.due_ms <= ?1 ORDER BY d.due_ms, d.id "
        "LIMIT ?2",
    [S_CLAIM_TAKE] = "UPDATE rh_deliveries SET state = 1, due_ms = ?2 "
                     "WHERE id = ?1",
    [S_AT_INSERT] =
        "INSERT INTO rh_attempts(delivery_id, endpoint_id, event_id, "
        "event_type, number, started_ms, duration_ms, status, success, "
        "outcome, response, error) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [S_DL_UPDATE] =
        "UPDATE rh_deliveries SET state = ?2, attempts = ?3, "
        "next_attempt_ms = ?4, due_ms = ?5, updated_ms = ?6 WHERE id = ?1",
    [S_QUERY_ATTEMPTS] =
        "SELECT seq, delivery_id, endpoint_id, event_id, event_type, number, "
        "started_ms, duration_ms, status, success, outcome, response, error "
        "FROM rh_attempts WHERE seq > ?1 "
        "AND (?2 IS NULL OR endpoint_id = ?2) "
        "AND (?3 IS NULL OR delivery_id = ?3) "
        "AND (?4 IS NULL OR event_id = ?4) AND (?5 = 0 OR success = 0) "
        "AND started_ms >= ?6 AND (?7 = 0 OR started_ms < ?7) "
        "ORDER BY seq LIMIT ?8",
    [S_QUERY_DELIVERIES] =
        "SELECT id, event_id, endpoint_id, event_type, state, attempts, "
        "next_attempt_ms, created_ms, updated_ms FROM rh_deliveries "
        "WHERE (?1 IS NULL OR endpoint_id = ?1) AND (?2 IS NULL OR id = ?2) "
        "AND (?3 IS NULL OR event_id = ?3) AND (?4 = 0 OR state = 3) "
        "AND (?5 < 0 OR state = ?5) AND created_ms >= ?6 "
        "AND (?7 = 0 OR created_ms < ?7) ORDER BY created_ms, id LIMIT ?8",
    [S_RESEND] = "UPDATE rh_deliveries SET state = 0, attempts = 0, "
                 "next_attempt_ms = ?2, due_ms = ?2, updated_ms = ?2 "
                 "WHERE id = ?1 AND state = 3",
    [S_STATE_OF] = "SELECT state FROM rh_deliveries WHERE id = ?1",
    [S_RECOVER] = "UPDATE rh_deliveries SET state = 0, attempts = 0, "
                  "next_attempt_ms = ?3, due_ms = ?3, updated_ms = ?3 "
                  "WHERE endpoint_id = ?1 AND state = 3 AND created_ms >= ?2",
    [S_NEXT_DUE] = "SELECT MIN(due_ms) FROM rh_deliveries WHERE state < 2",
    /* The endpoints with unfinished deliveries, one index seek each (a
     * skip-scan of rh_deliveries_ready), with their first due time: the
     * claim's cost follows the endpoints, never one endpoint's backlog. */
    [S_DUE_ENDPOINTS] =
        "WITH RECURSIVE eps(id) AS ("
        " SELECT (SELECT MIN(endpoint_id) FROM rh_deliveries WHERE state < 2)"
        " UNION ALL SELECT (SELECT MIN(endpoint_id) FROM rh_deliveries"
        "  WHERE state < 2 AND endpoint_id > eps.id) FROM eps"
        " WHERE eps.id IS NOT NULL) "
        "SELECT id, first FROM (SELECT id, (SELECT MIN(due_ms) FROM"
        " rh_deliveries WHERE state < 2 AND endpoint_id = eps.id) AS first"
        " FROM eps WHERE id IS NOT NULL) WHERE first <= ?1 "
        "ORDER BY first, id LIMIT ?2",
    /* One endpoint's due deliveries, earliest first, up to its room; the
     * state read is the one they are handed back in (in flight). */
    [S_ENDPOINT_DUE] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, 1, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data FROM rh_deliveries d "
        "JOIN rh_events e ON e.id = d.event_id "
        "WHERE d.endpoint_id = ?1 AND d.state < 2 AND d.due_ms <= ?2 "
        "ORDER BY d.due_ms, d.id LIMIT ?3",
};

/* For the fair claim; made on every open, so that a file written by an
 * older version gains it (it changes nothing an older version reads). */
static const char index_ready[] =
    "CREATE INDEX IF NOT EXISTS rh_deliveries_ready ON rh_deliveries("
    "endpoint_id, due_ms, id) WHERE state < 2";

/* Version 1. Our own meta table, not PRAGMA user_version: on the host's
 * database (the outbox case) user_version belongs to the host. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS rh_meta(key TEXT PRIMARY KEY, value INTEGER);"
    "CREATE TABLE rh_endpoints(id TEXT PRIMARY KEY, record TEXT NOT NULL);"
    "CREATE TABLE rh_events(id TEXT PRIMARY KEY, type TEXT NOT NULL,"
    " timestamp_ms INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE rh_deliveries(id TEXT PRIMARY KEY,"
    " event_id TEXT NOT NULL REFERENCES rh_events(id),"
    " endpoint_id TEXT NOT NULL, event_type TEXT NOT NULL,"
    " state INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    " next_attempt_ms INTEGER NOT NULL,"
    /* due_ms: the next attempt while pending, the lease end in flight */
    " due_ms INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX rh_deliveries_due ON rh_deliveries(due_ms) WHERE state < 2;"
    "CREATE INDEX rh_deliveries_endpoint ON rh_deliveries(endpoint_id,"
    " created_ms);"
    "CREATE INDEX rh_deliveries_event ON rh_deliveries(event_id);"
    "CREATE TABLE rh_attempts(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " delivery_id TEXT NOT NULL, endpoint_id TEXT NOT NULL,"
    " event_id TEXT NOT NULL, event_type TEXT NOT NULL,"
    " number INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
    " duration_ms INTEGER NOT NULL, status INTEGER NOT NULL,"
    " success INTEGER NOT NULL, outcome INTEGER NOT NULL,"
    " response BLOB, error TEXT);"
    "CREATE INDEX rh_attempts_delivery ON rh_attempts(delivery_id);"
    "CREATE INDEX rh_attempts_endpoint ON rh_attempts(endpoint_id, seq);"
    "INSERT INTO rh_meta(key, value) VALUES('schema_version', 1);";

typedef struct store {
    sqlite3 *db;
    int owned;
    int own_txn; /* how this write is framed: one of the TXN_ below */
    int batch_txn; /* batch_begin opened BEGIN */
    int batch_failed; /* a write in that batch failed: it must roll back */
    int sync_full; /* our connection runs synchronous=FULL */
    sqlite3_stmt *stmt[S_COUNT];
    char err[256];
} store;

static int fail(store *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return RH_E_STORAGE;
}

static sqlite3_stmt *stmt(store *s, int which)
{
    if (!s->stmt[which] &&
        sqlite3_prepare_v3(s->db, sql_text[which], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->stmt[which],
                           NULL) != SQLITE_OK) {
        fail(s, "prepare");
        return NULL;
    }
    return s->stmt[which];
}

static void done_with(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* rh_tick's slots wait at most TICK_BUSY_MS for a lock; everything else
 * BUSY_MS. Only on our own connection: the host's keeps its own setting. */
static void tick_path(store *s, int on)
{
    if (s->owned)
        sqlite3_busy_timeout(s->db, on ? TICK_BUSY_MS : BUSY_MS);
}

/* A claim's commit is not synced to disk even under synchronous=FULL: if a
 * crash loses it, its deliveries are due again, and they would be sent
 * again after their lease anyway (at least once either way). The next
 * synced commit (an outcome, an emit) makes it durable too: the WAL is
 * written in order. This halves the fsyncs of the delivery path. */
static void claim_sync(store *s, int claiming)
{
    if (s->owned && s->sync_full)
        sqlite3_exec(s->db,
                     claiming ? "PRAGMA synchronous=NORMAL"
                              : "PRAGMA synchronous=FULL",
                     NULL, NULL, NULL);
}

/* How one write is framed. Our writes join the host's transaction when
 * one is open (the outbox), as a SAVEPOINT so that each stays all or none
 * inside it; otherwise each is one IMMEDIATE transaction. Inside our own
 * emit batch they run bare: a SAVEPOINT makes SQLite copy every page it
 * touches to a sub-journal, which grows over the batch and spills to a
 * temporary file (37 KB written per emit, measured), so instead a failed
 * write fails the whole batch at its commit. */
enum { TXN_SAVEPOINT, TXN_OWN, TXN_IN_BATCH };

static int begin(store *s)
{
    if (s->batch_txn && !sqlite3_get_autocommit(s->db)) {
        s->own_txn = TXN_IN_BATCH;
        return RH_OK;
    }
    s->own_txn = sqlite3_get_autocommit(s->db) ? TXN_OWN : TXN_SAVEPOINT;
    if (sqlite3_exec(s->db,
                     s->own_txn == TXN_OWN ? "BEGIN IMMEDIATE" : "SAVEPOINT rh",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, "begin");
    return RH_OK;
}

static int rollback(store *s, int rc)
{
    if (s->own_txn == TXN_OWN) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (s->own_txn == TXN_SAVEPOINT) {
        sqlite3_exec(s->db, "ROLLBACK TO rh", NULL, NULL, NULL);
        sqlite3_exec(s->db, "RELEASE rh", NULL, NULL, NULL);
    } else if (rc != RH_E_NOT_FOUND && rc != RH_E_STATE) {
        s->batch_failed = 1; /* part of it may be written: undone at commit */
    }
    return rc;
}

static int commit(store *s)
{
    if (s->own_txn == TXN_IN_BATCH)
        return RH_OK; /* the batch's commit makes it durable */
    if (sqlite3_exec(s->db, s->own_txn == TXN_OWN ? "COMMIT" : "RELEASE rh",
                     NULL, NULL, NULL) != SQLITE_OK)
        return rollback(s, fail(s, "commit"));
    return RH_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}


/* A row's columns 0..8 (id, event_id, endpoint_id, event_type, state,
 * attempts, next_attempt_ms, created_ms, updated_ms) as a delivery. */
static int row_delivery(store *s, sqlite3_stmt *st, rh_delivery **out)
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

typedef int (*row_fn)(store *s, sqlite3_stmt *st, void *fn_ud);

/* Step through st, handing each row to fn; the number of rows, or the
 * first negative value. */
static int for_each_row(store *s, sqlite3_stmt *st, const char *slot,
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
        rc = fail(s, slot);
    done_with(st);
    return rc < 0 ? rc : n;
}

/* ---------------------------------------------------------------- slots */

static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_EP_SAVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? RH_OK : fail(s, "endpoint_save");
    done_with(st);
    return rc == RH_OK ? commit(s) : rollback(s, rc);
}

static int s_endpoint_remove(const char *id, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_EP_REMOVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? RH_OK : fail(s, "endpoint_remove");
    done_with(st);
    if (rc == RH_OK && sqlite3_changes(s->db) == 0)
        rc = RH_E_NOT_FOUND;
    return rc == RH_OK ? commit(s) : rollback(s, rc);
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
    sqlite3_stmt *st = stmt(s, S_EP_LOAD);
    each_pass p = {each, NULL, NULL, each_ud};
    int rc;
    if (!st)
        return RH_E_STORAGE;
    rc = for_each_row(s, st, "endpoint_load", endpoint_row, &p);
    return rc < 0 ? rc : RH_OK;
}

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    store *s = ud;
    sqlite3_stmt *ei = stmt(s, S_EV_INSERT), *di = stmt(s, S_DL_INSERT);
    int rc;
    if (!ei || !di)
        return RH_E_STORAGE;
    if (n == 0)
        return RH_OK;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(ei, 1, rh_event_id(ev), -1, SQLITE_STATIC);
    sqlite3_bind_text(ei, 2, rh_event_type(ev), -1, SQLITE_STATIC);
    sqlite3_bind_int64(ei, 3, rh_event_timestamp_ms(ev));
    sqlite3_bind_blob(ei, 4, rh_event_data(ev), (int)rh_event_data_len(ev),
                      SQLITE_STATIC);
    rc = sqlite3_step(ei) == SQLITE_DONE ? RH_OK : fail(s, "enqueue event");
    done_with(ei);
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
        if (sqlite3_step(di) != SQLITE_DONE)
            rc = fail(s, "enqueue delivery");
        done_with(di);
    }
    return rc == RH_OK ? commit(s) : rollback(s, rc);
}

typedef struct claimed_row {
    rh_delivery *dl;
    rh_event *ev;
} claimed_row;

typedef struct scan_state {
    claimed_row *rows;
    size_t n;
} scan_state;

/* A due row: the delivery in columns 0..8, its event's time and data. */
static int claim_row(store *s, sqlite3_stmt *st, void *ud)
{
    scan_state *sc = ud;
    claimed_row *r = &sc->rows[sc->n];
    int rc = row_delivery(s, st, &r->dl);
    if (rc == RH_OK)
        rc = rh_event_new(&r->ev, (const char *)sqlite3_column_text(st, 1),
                          (const char *)sqlite3_column_text(st, 3),
                          sqlite3_column_int64(st, 9),
                          (const char *)sqlite3_column_blob(st, 10),
                          (size_t)sqlite3_column_bytes(st, 10));
    if (rc != RH_OK) {
        rh_delivery_free(r->dl);
        r->dl = NULL;
        return adapter_row_rc(rc, "event", s->err, sizeof s->err);
    }
    sc->n++;
    return RH_OK;
}

/* Version 1's claim: offered in the transaction, within a window. */
static int claim_offered(store *s, int64_t now_ms, int64_t lease_until_ms,
                         size_t max, rh_claim_cb each, void *each_ud)
{
    sqlite3_stmt *scan = stmt(s, S_CLAIM_SCAN), *take = stmt(s, S_CLAIM_TAKE);
    size_t budget = adapter_scan_budget(max), n = 0, taken = 0;
    claimed_row *rows;
    int rc;
    if (!scan || !take)
        return RH_E_STORAGE;
    if (max == 0)
        return 0;
    rows = calloc(budget, sizeof *rows);
    if (!rows)
        return RH_E_NOMEM;
    /* The scan runs under the write lock: nobody else can claim the rows
     * we read before we mark them. */
    if ((rc = begin(s)) != RH_OK) {
        free(rows);
        return rc;
    }
    sqlite3_bind_int64(scan, 1, now_ms);
    sqlite3_bind_int64(scan, 2, (sqlite3_int64)budget);
    scan_state sc = {rows, 0};
    rc = for_each_row(s, scan, "claim", claim_row, &sc);
    n = sc.n;
    rc = rc < 0 ? rc : RH_OK;
    for (size_t i = 0; rc == RH_OK && i < n && taken < max; i++) {
        int want = each(rows[i].dl, rows[i].ev, each_ud);
        if (want < 0) {
            rc = want;
            break;
        }
        if (want == 0)
            continue;
        sqlite3_bind_text(take, 1, rh_delivery_id(rows[i].dl), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(take, 2, lease_until_ms);
        if (sqlite3_step(take) != SQLITE_DONE)
            rc = fail(s, "claim");
        done_with(take);
        taken++;
    }
    for (size_t i = 0; i < n; i++) {
        rh_delivery_free(rows[i].dl);
        rh_event_free(rows[i].ev);
    }
    free(rows);
    if (rc == RH_OK)
        rc = commit(s);
    else
        /* A callback that fails mid-claim keeps what it accepted before:
         * those transfers were started. */
        rc = rc == RH_E_STORAGE || rc == RH_E_NOMEM ? rollback(s, rc)
                                                    : (commit(s), rc);
    return rc == RH_OK ? (int)taken : rc;
}

static int s_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                   rh_claim_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    tick_path(s, 1);
    claim_sync(s, 1);
    int rc = claim_offered(s, now_ms, lease_until_ms, max, each, each_ud);
    claim_sync(s, 0);
    tick_path(s, 0);
    return rc;
}

/* The delivery's new state and its attempt, inside the caller's
 * transaction: RH_E_NOT_FOUND (nothing written) for an unknown delivery. */
static int complete_one(store *s, const rh_delivery *dl, const rh_attempt *at)
{
    sqlite3_stmt *ai = stmt(s, S_AT_INSERT), *du = stmt(s, S_DL_UPDATE);
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
    rc = sqlite3_step(du) == SQLITE_DONE ? RH_OK : fail(s, "complete");
    done_with(du);
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
        if (sqlite3_step(ai) != SQLITE_DONE)
            rc = fail(s, "complete attempt");
        done_with(ai);
    }
    return rc;
}

static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    store *s = ud;
    int rc;
    tick_path(s, 1);
    if ((rc = begin(s)) == RH_OK) {
        rc = complete_one(s, dl, at);
        rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    }
    tick_path(s, 0);
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
    tick_path(s, 1);
    if ((rc = begin(s)) == RH_OK) {
        for (size_t i = 0; i < n && rc == RH_OK; i++) {
            rc = complete_one(s, dls[i], ats[i]);
            if (rc == RH_E_NOT_FOUND)
                rc = RH_OK; /* gone: skipped */
        }
        rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    }
    tick_path(s, 0);
    return rc;
}

/* ------------------------------------------------------------ fair claim */

typedef struct due_endpoint {
    char id[RH_ID_SIZE];
    size_t room;
    size_t first, n, next; /* its rows in the claim's row array */
} due_endpoint;

typedef struct due_scan {
    const rh_claim_request *req;
    due_endpoint *eps;
    size_t n, max;
} due_scan;

static int due_endpoint_row(store *s, sqlite3_stmt *st, void *ud)
{
    due_scan *de = ud;
    const char *id = (const char *)sqlite3_column_text(st, 0);
    size_t room;
    (void)s;
    if (!id || de->n >= de->max)
        return RH_OK;
    room = rh_claim_request_room_of(de->req, id);
    if (room == 0)
        return RH_OK; /* at its cap: none of its rows is read */
    due_endpoint *e = &de->eps[de->n++];
    snprintf(e->id, sizeof e->id, "%s", id);
    e->room = room;
    return RH_OK;
}

static int s_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                         void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *eps_st = stmt(s, S_DUE_ENDPOINTS),
                 *rows_st = stmt(s, S_ENDPOINT_DUE),
                 *take = stmt(s, S_CLAIM_TAKE);
    size_t max = rh_claim_request_max(req), full = 0, n_rows = 0, taken = 0;
    size_t cap_rows = 0;
    int64_t now = rh_claim_request_now_ms(req);
    claimed_row *rows = NULL, **chosen = NULL;
    due_endpoint *eps = NULL;
    int rc;
    if (!eps_st || !rows_st || !take)
        return RH_E_STORAGE;
    if (max == 0)
        return 0;
    for (size_t i = 0; i < rh_claim_request_limit_count(req); i++)
        full += rh_claim_request_limit_room(req, i) == 0;
    eps = calloc(max, sizeof *eps);
    chosen = calloc(max, sizeof *chosen);
    if (!eps || !chosen) {
        free(eps);
        free(chosen);
        return RH_E_NOMEM;
    }
    tick_path(s, 1);
    claim_sync(s, 1);
    /* Under the write lock: nobody else claims the rows we read. */
    if ((rc = begin(s)) != RH_OK)
        goto out;
    due_scan de = {req, eps, 0, max};
    sqlite3_bind_int64(eps_st, 1, now);
    sqlite3_bind_int64(eps_st, 2, (sqlite3_int64)(max + full));
    rc = for_each_row(s, eps_st, "claim", due_endpoint_row, &de);
    rc = rc < 0 ? rc : RH_OK;
    for (size_t i = 0; rc == RH_OK && i < de.n; i++)
        cap_rows += eps[i].room < max ? eps[i].room : max;
    if (rc == RH_OK && cap_rows && !(rows = calloc(cap_rows, sizeof *rows)))
        rc = RH_E_NOMEM;
    for (size_t i = 0; rc == RH_OK && i < de.n; i++) {
        size_t want = eps[i].room < max ? eps[i].room : max;
        scan_state sc = {rows + n_rows, 0};
        sqlite3_bind_text(rows_st, 1, eps[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(rows_st, 2, now);
        sqlite3_bind_int64(rows_st, 3, (sqlite3_int64)want);
        rc = for_each_row(s, rows_st, "claim", claim_row, &sc);
        rc = rc < 0 ? rc : RH_OK;
        eps[i].first = eps[i].next = n_rows;
        eps[i].n = sc.n;
        n_rows += sc.n;
    }
    /* Turns: one row of each endpoint, earliest first due first, then
     * again, until the claim is full. */
    for (int progress = 1; rc == RH_OK && progress && taken < max;) {
        progress = 0;
        for (size_t i = 0; i < de.n && taken < max; i++) {
            if (eps[i].next >= eps[i].first + eps[i].n)
                continue;
            chosen[taken++] = &rows[eps[i].next++];
            progress = 1;
        }
    }
    for (size_t i = 0; rc == RH_OK && i < taken; i++) {
        sqlite3_bind_text(take, 1, rh_delivery_id(chosen[i]->dl), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(take, 2, rh_claim_request_lease_until_ms(req));
        if (sqlite3_step(take) != SQLITE_DONE)
            rc = fail(s, "claim");
        done_with(take);
    }
    rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    /* Committed: only now is anything handed back. */
    for (size_t i = 0; rc == RH_OK && i < taken; i++) {
        int r = each(chosen[i]->dl, chosen[i]->ev, each_ud);
        if (r < 0)
            rc = r;
    }
    for (size_t i = 0; i < n_rows; i++) {
        rh_delivery_free(rows[i].dl);
        rh_event_free(rows[i].ev);
    }
out:
    claim_sync(s, 0);
    tick_path(s, 0);
    free(rows);
    free(eps);
    free(chosen);
    return rc == RH_OK ? (int)taken : rc;
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
        return fail(s, "batch_begin");
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
        int rc = fail(s, "batch_commit");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return RH_OK;
}

static void bind_query_ids(sqlite3_stmt *st, const rh_query *q, int ep,
                           int dl, int ev)
{
    bind_text_or_null(st, ep, rh_query_endpoint(q));
    bind_text_or_null(st, dl, rh_query_delivery(q));
    bind_text_or_null(st, ev, rh_query_event(q));
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
    return adapter_give_attempt(p, rc, at, s->err, sizeof s->err);
}

static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_QUERY_ATTEMPTS);
    each_pass p = {NULL, each, NULL, each_ud};
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_int64(st, 1, rh_query_cursor(q));
    bind_query_ids(st, q, 2, 3, 4);
    sqlite3_bind_int(st, 5, rh_query_failed_only(q));
    sqlite3_bind_int64(st, 6, rh_query_since_ms(q));
    sqlite3_bind_int64(st, 7, rh_query_until_ms(q));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)rh_query_limit(q));
    return for_each_row(s, st, "query_attempts", attempt_row, &p);
}

static int delivery_row(store *s, sqlite3_stmt *st, void *ud)
{
    each_pass *p = ud;
    rh_delivery *dl = NULL;
    int rc = row_delivery(s, st, &dl);
    return rc == RH_OK ? adapter_give_delivery(p, dl) : rc;
}

static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_QUERY_DELIVERIES);
    each_pass p = {NULL, NULL, each, each_ud};
    if (!st)
        return RH_E_STORAGE;
    bind_query_ids(st, q, 1, 2, 3);
    sqlite3_bind_int(st, 4, rh_query_failed_only(q));
    sqlite3_bind_int(st, 5, rh_query_state(q));
    sqlite3_bind_int64(st, 6, rh_query_since_ms(q));
    sqlite3_bind_int64(st, 7, rh_query_until_ms(q));
    sqlite3_bind_int64(st, 8, (sqlite3_int64)rh_query_limit(q));
    return for_each_row(s, st, "query_deliveries", delivery_row, &p);
}

static int s_resend(const char *id, int64_t now_ms, void *ud)
{
    store *s = ud;
    sqlite3_stmt *up = stmt(s, S_RESEND), *get = stmt(s, S_STATE_OF);
    int rc;
    if (!up || !get)
        return RH_E_STORAGE;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(up, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, now_ms);
    rc = sqlite3_step(up) == SQLITE_DONE ? RH_OK : fail(s, "resend");
    done_with(up);
    if (rc == RH_OK && sqlite3_changes(s->db) == 0) {
        sqlite3_bind_text(get, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(get) == SQLITE_ROW ? RH_E_STATE : RH_E_NOT_FOUND;
        done_with(get);
    }
    return rc == RH_OK ? commit(s) : rollback(s, rc);
}

static int s_recover(const char *endpoint_id, int64_t since_ms,
                     int64_t now_ms, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_RECOVER);
    int rc, n = 0;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, endpoint_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, now_ms);
    rc = sqlite3_step(st) == SQLITE_DONE ? RH_OK : fail(s, "recover");
    if (rc == RH_OK)
        n = sqlite3_changes(s->db);
    done_with(st);
    rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    return rc == RH_OK ? n : rc;
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = stmt(s, S_NEXT_DUE);
    int rc = RH_OK;
    if (!st)
        return RH_E_STORAGE;
    tick_path(s, 1);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = fail(s, "next_due");
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        *due_out = -1;
    } else {
        int64_t due = sqlite3_column_int64(st, 0);
        /* Another process sharing the file may add earlier work. */
        *due_out = due < now_ms + POLL_MS ? due : now_ms + POLL_MS;
    }
    done_with(st);
    tick_path(s, 0);
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

/* ------------------------------------------------------------ opening */

static int damaged(store *s, const char *why)
{
    const char *file = sqlite3_db_filename(s->db, "main");
    snprintf(s->err, sizeof s->err,
             "%s is damaged or not a replicer-hooks store (%s); nothing in "
             "it was changed",
             file && *file ? file : "the database", why);
    return RH_E_STORAGE;
}

static int is_damage(int code)
{
    code &= 0xff; /* the primary code of an extended one */
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

/* Before anything is written (not even the journal mode): our tables
 * without their schema version, or pages SQLite cannot read, mean a
 * damaged store or someone else's file, and creating the schema over it
 * would fail half-way or bury the damage. No tables of ours is a new store.
 * Sets *version (0: none yet). */
static int read_schema_version(store *s, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc, ours = 0;
    *version = 0;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT count(*) FROM sqlite_master WHERE type = "
                            "'table' AND name IN ('rh_meta', 'rh_endpoints', "
                            "'rh_events', 'rh_deliveries', 'rh_attempts')",
                            -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ours = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK && rc != SQLITE_ROW)
        return is_damage(sqlite3_errcode(s->db))
                   ? damaged(s, sqlite3_errmsg(s->db))
                   : fail(s, "open");
    if (ours == 0)
        return RH_OK;
    st = NULL;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT value FROM rh_meta WHERE key = "
                            "'schema_version'",
                            -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW && *version >= 1)
        return RH_OK;
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW &&
        !is_damage(sqlite3_errcode(s->db)) &&
        !strstr(sqlite3_errmsg(s->db), "no such table"))
        return fail(s, "open"); /* busy, out of memory: not damage */
    return damaged(s, rc == SQLITE_DONE || rc == SQLITE_ROW
                          ? "its replicer-hooks tables have no schema version"
                          : sqlite3_errmsg(s->db));
}

static int setup(store *s, unsigned int flags)
{
    int version = 0, rc;
    if ((rc = read_schema_version(s, &version)) != RH_OK)
        return rc;
    if (sqlite3_get_autocommit(s->db)) {
        /* WAL lets readers and one writer share the file; FULL makes a
         * commit durable before emit returns. */
        if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL,
                         NULL) != SQLITE_OK)
            return fail(s, "journal_mode");
        if (sqlite3_exec(s->db,
                         flags & RH_SQLITE_SYNC_NORMAL
                             ? "PRAGMA synchronous=NORMAL"
                             : "PRAGMA synchronous=FULL",
                         NULL, NULL, NULL) != SQLITE_OK)
            return fail(s, "synchronous");
        s->sync_full = !(flags & RH_SQLITE_SYNC_NORMAL);
    }
    sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    if ((rc = begin(s)) != RH_OK)
        return rc;
    /* again inside the write transaction: another process may have
     * created the schema since */
    if ((rc = read_schema_version(s, &version)) != RH_OK)
        return rollback(s, rc);
    if (version > SCHEMA_VERSION)
        return rollback(s, adapter_schema_newer(version, SCHEMA_VERSION,
                                                s->err, sizeof s->err));
    if (version < 1 &&
        sqlite3_exec(s->db, schema_v1, NULL, NULL, NULL) != SQLITE_OK)
        return rollback(s, fail(s, "create schema"));
    if (sqlite3_exec(s->db, index_ready, NULL, NULL, NULL) != SQLITE_OK)
        return rollback(s, fail(s, "create index"));
    return commit(s);
}

static int finish(rh_storage *out, store *s, unsigned int flags, char *err,
                  size_t err_size)
{
    int rc = setup(s, flags);
    if (rc != RH_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s", s->err);
        s_destroy(s);
        return rc;
    }
    adapter_fill(out, s);
    return RH_OK;
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
