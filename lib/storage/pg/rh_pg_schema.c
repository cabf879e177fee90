/* replicer-hooks PostgreSQL storage's schema: its name checked, created and
 * migrated, the fair claim's indexes made on every open. */
#include "rh_pg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Made on every open, so that a schema made by an older version gains them
 * (nothing an older version reads changes, it only loses speed).
 * deliveries_ready_c serves the fair claim, whose seeks must use it
 * whatever the statistics say. With statistics taken while the table was
 * small, the planner sorted every unfinished row of the endpoint on each
 * claim through the index on (due_ms), or walked the finished rows through
 * the one on (endpoint_id, created_ms): 12 to 24 ms a claim with 20,000
 * queued, against 1 ms. So the claim's index is built on endpoint_id in the
 * C collation, which the claim names and no other index has, and the
 * due-order index carries a condition that is always true (attempts >= 0)
 * and that only the statements in due order (next_due, the version-1 claim)
 * state. The indexes they replace go. */
/* The indexes index_ready makes, as a number in meta: an open that finds
 * this number and the schema version current touches nothing. */
#define INDEX_LAYOUT 3
#define INDEX_LAYOUT_S "3"

static const char index_ready[] =
    /* idempotency before deliveries, the order a single keyed emit locks
     * them in, so that an upgrade beside such emits waits; a host's batch
     * that locks deliveries first may still meet it in a deadlock, once,
     * at the upgrade (PostgreSQL then aborts one side, which says so) */
    "CREATE TABLE IF NOT EXISTS @.idempotency(key text PRIMARY KEY,"
    " event_id text NOT NULL, created_ms bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS idempotency_created ON @.idempotency("
    "created_ms);"
    "CREATE INDEX IF NOT EXISTS deliveries_ready_c ON @.deliveries("
    "(endpoint_id COLLATE \"C\"), due_ms, id) WHERE state < 2;"
    "CREATE INDEX IF NOT EXISTS deliveries_due ON @.deliveries(due_ms)"
    " WHERE state < 2 AND attempts >= 0;"
    "CREATE INDEX IF NOT EXISTS deliveries_done ON @.deliveries(updated_ms,"
    " id) WHERE state >= 2;"
    /* layout 2: a tenant's open deliveries (count_open) and finished ones
     * (prune_tenant), and documents (the catalog, tenants' limits) */
    /* layout 3: a tenant's open deliveries by due time (count_open and
     * the queue's figures; deliveries_open, on the tenant alone, goes),
     * and the in-flight and failed ones, both few at any time */
    "CREATE INDEX IF NOT EXISTS deliveries_open_due ON @.deliveries(tenant,"
    " due_ms) WHERE state < 2;"
    "DROP INDEX IF EXISTS @.deliveries_open;"
    "CREATE INDEX IF NOT EXISTS deliveries_flight ON @.deliveries(due_ms)"
    " WHERE state = 1;"
    "CREATE INDEX IF NOT EXISTS deliveries_failed ON @.deliveries("
    "updated_ms) WHERE state = 3;"
    "CREATE INDEX IF NOT EXISTS deliveries_tenant_done ON @.deliveries("
    "tenant, updated_ms, id) WHERE state >= 2;"
    "CREATE TABLE IF NOT EXISTS @.documents(kind text NOT NULL, key text"
    " NOT NULL, value text NOT NULL, PRIMARY KEY(kind, key));"
    "DROP INDEX IF EXISTS @.deliveries_ready;"
    "DROP INDEX IF EXISTS @.deliveries_due_ms_idx;"
    "INSERT INTO @.meta(key, value) VALUES('index_layout', " INDEX_LAYOUT_S ")"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";

static const char schema_v1[] =
    "CREATE TABLE @.endpoints(id text PRIMARY KEY, seq bigserial,"
    " record text NOT NULL);"
    "CREATE TABLE @.events(id text PRIMARY KEY, type text NOT NULL,"
    " timestamp_ms bigint NOT NULL, data bytea NOT NULL);"
    "CREATE TABLE @.deliveries(id text PRIMARY KEY,"
    " event_id text NOT NULL REFERENCES @.events(id),"
    " endpoint_id text NOT NULL, event_type text NOT NULL,"
    " state int NOT NULL, attempts int NOT NULL,"
    " next_attempt_ms bigint NOT NULL,"
    /* due_ms: the next attempt while pending, the lease end in flight */
    " due_ms bigint NOT NULL,"
    " created_ms bigint NOT NULL, updated_ms bigint NOT NULL);"
    "CREATE INDEX ON @.deliveries(endpoint_id, created_ms);"
    "CREATE INDEX ON @.deliveries(event_id);"
    "CREATE TABLE @.attempts(seq bigserial PRIMARY KEY,"
    " delivery_id text NOT NULL, endpoint_id text NOT NULL,"
    " event_id text NOT NULL, event_type text NOT NULL,"
    " number int NOT NULL, started_ms bigint NOT NULL,"
    " duration_ms bigint NOT NULL, status int NOT NULL,"
    " success int NOT NULL, outcome int NOT NULL,"
    " response bytea, error text);"
    "CREATE INDEX ON @.attempts(delivery_id);"
    "CREATE INDEX ON @.attempts(endpoint_id, seq);"
    "INSERT INTO @.meta(key, value) VALUES('schema_version', 1);";

/* Version 2: ordering keys. A library of version 1 refuses the schema
 * after this, since its claims would not keep a key's deliveries in order. */
static const char schema_v2[] =
    "ALTER TABLE @.deliveries ADD COLUMN ordering_key text;"
    "ALTER TABLE @.deliveries ADD COLUMN hold_key int NOT NULL DEFAULT 0;"
    "CREATE INDEX deliveries_key ON @.deliveries(endpoint_id, ordering_key,"
    " id) WHERE ordering_key IS NOT NULL;"
    "UPDATE @.meta SET value = 2 WHERE key = 'schema_version';";

/* Version 3: endpoint state in parts apart from the record, removed with
 * it, and the tenant of each event, delivery and attempt (the documents
 * and the tenant indexes are index_ready's, layout 2). A library of
 * version 2 refuses the schema after this: it would store a pause in the
 * record, under the part that says otherwise. */
static const char schema_v3[] =
    "CREATE TABLE @.endpoint_state(endpoint_id text NOT NULL"
    " REFERENCES @.endpoints(id) ON DELETE CASCADE, part text NOT NULL,"
    " value text NOT NULL, PRIMARY KEY(endpoint_id, part));"
    /* tenants: older rows belong to none ('') */
    "ALTER TABLE @.events ADD COLUMN tenant text NOT NULL DEFAULT '';"
    "ALTER TABLE @.deliveries ADD COLUMN tenant text NOT NULL DEFAULT '';"
    "ALTER TABLE @.attempts ADD COLUMN tenant text NOT NULL DEFAULT '';"
    "CREATE INDEX deliveries_tenant ON @.deliveries(tenant, created_ms, id);"
    "CREATE INDEX attempts_tenant ON @.attempts(tenant, seq);"
    "UPDATE @.meta SET value = 3 WHERE key = 'schema_version';";

/* Version 4: each event's trace context (adapter_trace_text). A library
 * of version 3 refuses the schema after this: it would send the events
 * unlinked from their traces. */
static const char schema_v4[] =
    "ALTER TABLE @.events ADD COLUMN trace text;"
    "UPDATE @.meta SET value = 4 WHERE key = 'schema_version';";

int rh__pg_schema_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 63 || (n[0] >= '0' && n[0] <= '9'))
        return 0;
    return strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* A template of statements run for this store's schema ("@." expanded). */
static int exec_in_schema(store *s, const char *tmpl, const char *what)
{
    char *sql = rh__pg_expand(tmpl, s->schema);
    if (!sql)
        return RH_E_NOMEM;
    int rc = rh__pg_exec_simple(s, sql, what);
    free(sql);
    return rc;
}

/* The schema version and index layout in meta; 0 for each when there is
 * no schema yet, -1 when they cannot be read. */
static int read_versions(store *s, int *version, int *layout)
{
    char sql[512];
    *version = *layout = 0;
    snprintf(sql, sizeof sql, "SELECT to_regclass('%s.meta') IS NOT NULL",
             s->schema);
    PGresult *r = PQexec(s->conn, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    int exists = ok && PQgetvalue(r, 0, 0)[0] == 't';
    if (!ok)
        rh__pg_fail(s, "schema version", r);
    PQclear(r);
    if (!ok || !exists)
        return ok ? 0 : -1;
    snprintf(sql, sizeof sql,
             "SELECT (SELECT value FROM %s.meta WHERE key = 'schema_version'),"
             " (SELECT value FROM %s.meta WHERE key = 'index_layout')",
             s->schema, s->schema);
    r = PQexec(s->conn, sql);
    ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        *version = atoi(PQgetvalue(r, 0, 0));
        *layout = atoi(PQgetvalue(r, 0, 1));
    } else {
        rh__pg_fail(s, "schema version", r);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

#define SCHEMA_NEEDS_WORK 1

/* RH_OK when the schema and its indexes are current, SCHEMA_NEEDS_WORK
 * (with *version) when they are to be made or migrated, else an error:
 * unreadable, or made by a newer version. */
static int schema_state(store *s, int *version)
{
    int layout;
    if (read_versions(s, version, &layout) != 0)
        return RH_E_STORAGE;
    if (*version > SCHEMA_VERSION)
        return adapter_schema_newer(*version, SCHEMA_VERSION, s->err,
                                    sizeof s->err);
    return *version == SCHEMA_VERSION && layout == INDEX_LAYOUT
               ? RH_OK
               : SCHEMA_NEEDS_WORK;
}

/* Under the advisory lock: create or migrate, then the indexes. */
static int migrate_locked(store *s)
{
    char sql[512];
    int version;
    snprintf(sql, sizeof sql,
             "SET LOCAL client_min_messages = warning;"
             "CREATE SCHEMA IF NOT EXISTS %s;"
             "CREATE TABLE IF NOT EXISTS %s.meta(key text PRIMARY KEY,"
             " value bigint NOT NULL)",
             s->schema, s->schema);
    int rc = rh__pg_exec_simple(s, sql, "create schema");
    if (rc != RH_OK)
        return rc;
    if ((rc = schema_state(s, &version)) != SCHEMA_NEEDS_WORK)
        return rc; /* current: another process did it while we waited */
    if (version < 1 &&
        (rc = exec_in_schema(s, schema_v1, "create tables")) != RH_OK)
        return rc;
    if (version < 2 &&
        (rc = exec_in_schema(s, schema_v2, "migrate schema")) != RH_OK)
        return rc;
    if (version < 3 &&
        (rc = exec_in_schema(s, schema_v3, "migrate schema")) != RH_OK)
        return rc;
    if (version < 4 &&
        (rc = exec_in_schema(s, schema_v4, "migrate schema")) != RH_OK)
        return rc;
    return exec_in_schema(s, index_ready, "create index");
}

/* Opening a current schema (every open but the first after an upgrade)
 * reads two numbers and takes no lock an emit or a claim could wait on:
 * the index statements that used to run on every open took share locks on
 * deliveries and idempotency that crossed a keyed emit's row locks, and
 * six processes emitting with keys deadlocked. A schema to create or
 * migrate is done by one process at a time, under an advisory lock, in
 * one transaction. */
int rh__pg_migrate(store *s)
{
    char sql[160];
    int version;
    int rc = schema_state(s, &version);
    if (rc != SCHEMA_NEEDS_WORK)
        return rc;
    rc = rh__pg_begin(s);
    if (rc != RH_OK)
        return rc;
    /* An upgrade inside the host's open transaction would be undone with
     * the host's work by a rollback, and this store would go on as if it
     * had been made. */
    if (!s->own_txn && version >= 1 && version < SCHEMA_VERSION) {
        snprintf(s->err, sizeof s->err,
                 "schema %s has version %d and needs version %d: open it "
                 "once outside a transaction, so that the upgrade is "
                 "committed on its own",
                 s->schema, version, SCHEMA_VERSION);
        return rh__pg_rollback(s, RH_E_STORAGE);
    }
    /* Read committed whatever the database's default: under repeatable
     * read the snapshot is taken before the lock is granted, and a process
     * that waited would not see the schema the other one just made. */
    if (s->own_txn &&
        (rc = rh__pg_exec_simple(s, "SET TRANSACTION ISOLATION LEVEL READ "
                                    "COMMITTED",
                                 "migration isolation")) != RH_OK)
        return rh__pg_rollback(s, rc);
    snprintf(sql, sizeof sql,
             "SELECT pg_advisory_xact_lock(hashtext('replicer_hooks:%s'))",
             s->schema);
    if ((rc = rh__pg_exec_simple(s, sql, "migration lock")) != RH_OK ||
        (rc = migrate_locked(s)) != RH_OK)
        return rh__pg_rollback(s, rc);
    return rh__pg_commit(s);
}
