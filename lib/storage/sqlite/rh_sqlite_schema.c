/* replicer-hooks SQLite storage's schema: creating and migrating it, telling
 * a damaged file from a busy one, and the connection's settings. */
#include "rh_sqlite_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* For the fair claim and for retention's oldest finished deliveries, the
 * idempotency keys, a tenant's counts and prune, and the documents; made
 * on every open, so that a file written by an older version gains them
 * (they change nothing an older version reads). */
static const char index_ready[] =
    "CREATE INDEX IF NOT EXISTS rh_deliveries_ready ON rh_deliveries("
    "endpoint_id, due_ms, id) WHERE state < 2;"
    "CREATE INDEX IF NOT EXISTS rh_deliveries_done ON rh_deliveries("
    "updated_ms, id) WHERE state >= 2;"
    "CREATE TABLE IF NOT EXISTS rh_idempotency(key TEXT PRIMARY KEY,"
    " event_id TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rh_idempotency_created ON rh_idempotency("
    "created_ms);"
    /* a tenant's open deliveries by due time (count_open, the queue's
     * figures; it replaced rh_deliveries_open, on the tenant alone) and
     * its finished ones (prune_tenant); documents (the catalog, tenants'
     * limits) */
    "CREATE INDEX IF NOT EXISTS rh_deliveries_open_due ON rh_deliveries("
    "tenant, due_ms) WHERE state < 2;"
    "DROP INDEX IF EXISTS rh_deliveries_open;"
    /* the queue's figures: in flight and failed, both few at any time */
    "CREATE INDEX IF NOT EXISTS rh_deliveries_flight ON rh_deliveries("
    "due_ms) WHERE state = 1;"
    "CREATE INDEX IF NOT EXISTS rh_deliveries_failed ON rh_deliveries("
    "updated_ms) WHERE state = 3;"
    "CREATE INDEX IF NOT EXISTS rh_deliveries_tenant_done ON rh_deliveries("
    "tenant, updated_ms, id) WHERE state >= 2;"
    "CREATE TABLE IF NOT EXISTS rh_documents(kind TEXT NOT NULL, key TEXT"
    " NOT NULL, value TEXT NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID";

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

/* Version 2: ordering keys. A library of version 1 refuses the file after
 * this, since its claims would not keep a key's deliveries in order. */
static const char schema_v2[] =
    "ALTER TABLE rh_deliveries ADD COLUMN ordering_key TEXT;"
    "ALTER TABLE rh_deliveries ADD COLUMN hold_key INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX rh_deliveries_key ON rh_deliveries(endpoint_id,"
    " ordering_key, id) WHERE ordering_key IS NOT NULL;"
    "UPDATE rh_meta SET value = 2 WHERE key = 'schema_version';";

/* Version 3: endpoint state in parts apart from the record, and the
 * tenant of each event, delivery and attempt (the documents and the
 * tenant indexes are index_ready's). A library of version 2 refuses the
 * file after this: it would store a pause in the record, under the part
 * that says otherwise, and queue deliveries of no tenant. */
static const char schema_v3[] =
    "CREATE TABLE rh_endpoint_state(endpoint_id TEXT NOT NULL,"
    " part TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(endpoint_id, part)) WITHOUT ROWID;"
    /* tenants: older rows belong to none ('') */
    "ALTER TABLE rh_events ADD COLUMN tenant TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE rh_deliveries ADD COLUMN tenant TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE rh_attempts ADD COLUMN tenant TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX rh_deliveries_tenant ON rh_deliveries(tenant, created_ms,"
    " id);"
    "CREATE INDEX rh_attempts_tenant ON rh_attempts(tenant, seq);"
    "UPDATE rh_meta SET value = 3 WHERE key = 'schema_version';";

/* Version 4: the trace context of each event (W3C traceparent and
 * tracestate, one column: adapter_trace_text). A library of version 3
 * refuses the file after this: it would send the events unlinked from
 * their traces. */
static const char schema_v4[] =
    "ALTER TABLE rh_events ADD COLUMN trace TEXT;"
    "UPDATE rh_meta SET value = 4 WHERE key = 'schema_version';";

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
                   : rh__sqlite_fail(s, "open");
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
        return rh__sqlite_fail(s, "open"); /* busy, out of memory: not damage */
    return damaged(s, rc == SQLITE_DONE || rc == SQLITE_ROW
                          ? "its replicer-hooks tables have no schema version"
                          : sqlite3_errmsg(s->db));
}

/* An upgrade inside the host's open transaction would be undone with the
 * host's work by a rollback, and this store would go on as if it had been
 * made: refused, with what to do. */
static int upgrade_in_host_txn(store *s, int version)
{
    const char *file = sqlite3_db_filename(s->db, "main");
    snprintf(s->err, sizeof s->err,
             "%s has schema version %d and needs version %d: open it once "
             "outside a transaction, so that the upgrade is committed on "
             "its own",
             file && *file ? file : "the database", version, SCHEMA_VERSION);
    return RH_E_STORAGE;
}

int rh__sqlite_setup(store *s, unsigned int flags)
{
    int version = 0, rc;
    int host_txn = !sqlite3_get_autocommit(s->db);
    if ((rc = read_schema_version(s, &version)) != RH_OK)
        return rc;
    if (sqlite3_get_autocommit(s->db)) {
        /* WAL lets readers and one writer share the file; FULL makes a
         * commit durable before emit returns. */
        if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) !=
            SQLITE_OK)
            return rh__sqlite_fail(s, "journal_mode");
        if (sqlite3_exec(s->db,
                         flags & RH_SQLITE_SYNC_NORMAL
                             ? "PRAGMA synchronous=NORMAL"
                             : "PRAGMA synchronous=FULL",
                         NULL, NULL, NULL) != SQLITE_OK)
            return rh__sqlite_fail(s, "synchronous");
        s->sync_full = !(flags & RH_SQLITE_SYNC_NORMAL);
        /* a removed endpoint's record (its secrets) is zeroed in the page
         * that held it, where that costs no extra write: the bytes do not
         * outlive the removal in the file once the WAL is checkpointed */
        if (sqlite3_exec(s->db, "PRAGMA secure_delete=FAST", NULL, NULL,
                         NULL) != SQLITE_OK)
            return rh__sqlite_fail(s, "secure_delete");
    }
    sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    /* again inside the write transaction: another process may have
     * created the schema since */
    if ((rc = read_schema_version(s, &version)) != RH_OK)
        return rh__sqlite_rollback(s, rc);
    if (version > SCHEMA_VERSION)
        return rh__sqlite_rollback(s,
                                   adapter_schema_newer(version, SCHEMA_VERSION,
                                                        s->err, sizeof s->err));
    if (version >= 1 && version < SCHEMA_VERSION && host_txn)
        return rh__sqlite_rollback(s, upgrade_in_host_txn(s, version));
    if (version < 1 &&
        sqlite3_exec(s->db, schema_v1, NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "create schema"));
    if (version < 2 &&
        sqlite3_exec(s->db, schema_v2, NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "migrate schema"));
    if (version < 3 &&
        sqlite3_exec(s->db, schema_v3, NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "migrate schema"));
    if (version < 4 &&
        sqlite3_exec(s->db, schema_v4, NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "migrate schema"));
    if (sqlite3_exec(s->db, index_ready, NULL, NULL, NULL) != SQLITE_OK)
        return rh__sqlite_rollback(s, rh__sqlite_fail(s, "create index"));
    return rh__sqlite_commit(s);
}
