/* replicer-hooks PostgreSQL storage's statements (templates over the schema
 * name) and the helpers every file of the adapter uses: the connection and
 * its reconnection, prepared statements, transactions, the pipeline. */
#include "rh_pg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The log's queries, with or without a tenant first: a tenant's page
 * through its own index, whatever the plan does with the other filters. */
#define QUERY_ATTEMPTS(first)                                                  \
    "SELECT seq, delivery_id, endpoint_id, event_id, event_type, number, "     \
    "started_ms, duration_ms, status, success, outcome, response, error, "     \
    "tenant FROM @.attempts WHERE " first " "                                  \
    "AND ($2::text IS NULL OR endpoint_id = $2) "                              \
    "AND ($3::text IS NULL OR delivery_id = $3) "                              \
    "AND ($4::text IS NULL OR event_id = $4) "                                 \
    "AND ($5::int = 0 OR success = 0) AND started_ms >= $6 "                   \
    "AND ($7::bigint = 0 OR started_ms < $7) "                                 \
    "AND ($9::text IS NULL OR event_type = $9) "                               \
    "AND ($10::text IS NULL OR (left(event_type, length($10)) = $10 "          \
    "AND length(event_type) > length($10))) "                                  \
    "AND ($11::int < 0 OR status = $11) "                                      \
    "AND ($12::int < 0 OR outcome = $12) ORDER BY seq LIMIT $8"
#define QUERY_DELIVERIES(first)                                                \
    "SELECT id, event_id, endpoint_id, event_type, state, attempts, "          \
    "next_attempt_ms, created_ms, updated_ms, ordering_key, tenant "           \
    "FROM @.deliveries WHERE " first " "                                       \
    "AND ($1::text IS NULL OR endpoint_id = $1) "                              \
    "AND ($2::text IS NULL OR id = $2) "                                       \
    "AND ($3::text IS NULL OR event_id = $3) "                                 \
    "AND ($4::int = 0 OR state = 3) AND ($5::int < 0 OR state = $5) "          \
    "AND created_ms >= $6 AND ($7::bigint = 0 OR created_ms < $7) "            \
    "AND ($9::text IS NULL OR event_type = $9) "                               \
    "AND ($10::text IS NULL OR (left(event_type, length($10)) = $10 "          \
    "AND length(event_type) > length($10))) "                                  \
    "AND ($11::text IS NULL OR (created_ms, id) > ($12::bigint, $11)) "        \
    "ORDER BY created_ms, id LIMIT $8"

/* The queue's figures grouped by KEY (an expression): the open deliveries
 * through the partial indexes that hold them by due time, the in-flight
 * and the failed ones through indexes of their own. $1 now, $2 the start
 * of the failed window. */
#define FIGURES_SQL(KEY)                                                       \
    "SELECT key, sum(open) - sum(flight), sum(due), sum(live), sum(failed), "  \
    "coalesce(min(oldest), 0) FROM (SELECT " KEY " AS key, count(*) AS open, " \
    "count(*) FILTER (WHERE due_ms <= $1::bigint) AS due, min(due_ms) "       \
    "FILTER (WHERE due_ms <= $1::bigint) AS oldest, 0 AS flight, 0 AS live, " \
    "0 AS failed FROM @.deliveries WHERE state < 2 GROUP BY 1 UNION ALL "     \
    "SELECT " KEY ", 0, 0, NULL, count(*), count(*) FILTER (WHERE due_ms > "  \
    "$1::bigint), 0 FROM @.deliveries WHERE state = 1 GROUP BY 1 UNION ALL "  \
    "SELECT " KEY ", 0, 0, NULL, 0, 0, count(*) FROM @.deliveries WHERE "     \
    "state = 3 AND updated_ms >= $2::bigint GROUP BY 1) f GROUP BY key "      \
    "ORDER BY key COLLATE \"C\""

/* "@." stands for the schema. */
static const char *const sql_template[S_COUNT] = {
    [S_ENDPOINT_HEALTH] =
        "WITH ok AS (SELECT seq, started_ms + duration_ms AS at FROM "
        "@.attempts WHERE endpoint_id = $1::text AND success = 1 ORDER BY "
        "seq DESC LIMIT 1) SELECT coalesce((SELECT at FROM ok), 0), "
        "coalesce((SELECT min(started_ms) FROM @.attempts WHERE endpoint_id "
        "= $1::text AND seq > coalesce((SELECT seq FROM ok), 0) AND success "
        "= 0), 0), (SELECT count(*) FROM @.deliveries WHERE endpoint_id = "
        "$1::text AND state = 3 AND updated_ms > coalesce((SELECT at FROM "
        "ok), 0))",
    [S_DELIVERY_EVENT] =
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data, d.tenant, e.trace FROM @.deliveries d "
        "JOIN @.events e ON e.id = d.event_id WHERE d.id = $1::text",
    [S_FIGURES_TOTAL] = FIGURES_SQL("''::text"),
    [S_FIGURES_ENDPOINT] = FIGURES_SQL("endpoint_id"),
    [S_FIGURES_TENANT] = FIGURES_SQL("tenant"),
    [S_EP_SAVE] = "INSERT INTO @.endpoints(id, record) VALUES($1, $2) "
                  "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
    [S_EP_REMOVE] = "DELETE FROM @.endpoints WHERE id = $1",
    [S_EP_LOAD] = "SELECT record FROM @.endpoints ORDER BY seq",
    /* no row: the endpoint is not stored. FOR KEY SHARE waits for a
     * removal under way and then sees the endpoint gone, where an EXISTS
     * would see it and the foreign key then fail. */
    [S_STATE_SAVE] =
        "WITH ep AS (SELECT id FROM @.endpoints WHERE id = $1::text FOR KEY "
        "SHARE) INSERT INTO @.endpoint_state(endpoint_id, part, value) "
        "SELECT id, $2::text, $3::text FROM ep ON CONFLICT (endpoint_id, "
        "part) DO UPDATE SET value = EXCLUDED.value",
    [S_STATE_LOAD] = "SELECT endpoint_id, part, value FROM @.endpoint_state",
    [S_DOC_SAVE] = "INSERT INTO @.documents(kind, key, value) "
                   "VALUES($1::text, $2::text, $3::text) ON CONFLICT (kind, "
                   "key) DO UPDATE SET value = EXCLUDED.value",
    [S_COUNT_OPEN] = "SELECT count(*) FROM (SELECT 1 FROM @.deliveries "
                     "WHERE tenant = $1::text AND state < 2 LIMIT $2::bigint) "
                     "o",
    [S_DOC_LOAD] = "SELECT key, value FROM @.documents WHERE kind = $1::text "
                   "ORDER BY key COLLATE \"C\"",
    /* One statement: atomic on its own, one round trip, no savepoint. */
    [S_DL_INSERT] =
        "WITH ev AS (INSERT INTO @.events(id, type, timestamp_ms, data, "
        "tenant, trace) VALUES($2, $3, $9, $10, $13, $14::text)) "
        "INSERT INTO @.deliveries(id, event_id, endpoint_id, event_type, "
        "state, attempts, next_attempt_ms, due_ms, created_ms, updated_ms, "
        "ordering_key, hold_key, tenant) "
        "SELECT d.id, $2, d.ep, $3, 0, d.att, d.nxt, d.nxt, d.cr, d.up, "
        "$11::text, $12::int, $13::text "
        "FROM unnest($1::text[], $4::text[], $5::int[], $6::bigint[], "
        "$7::bigint[], $8::bigint[]) AS d(id, ep, att, nxt, cr, up)",
    /* S_DL_INSERT behind an idempotency key, one statement: the key is
     * taken (inserted, or an expired holder replaced) or not, and the event
     * and deliveries are written only if it was. A racing insert of the
     * key waits for the other's commit, then finds it held. A few expired
     * keys go too. Returns the row count of the take: 1 or 0. */
    [S_KEY_TAKE] =
        "WITH k AS (INSERT INTO @.idempotency(key, event_id, created_ms) "
        "VALUES($15, $2, $9) ON CONFLICT (key) DO UPDATE SET "
        "event_id = EXCLUDED.event_id, created_ms = EXCLUDED.created_ms "
        "WHERE @.idempotency.created_ms < $16 RETURNING 1 AS one), "
        "ev AS (INSERT INTO @.events(id, type, timestamp_ms, data, tenant, "
        "trace) SELECT $2, $3, $9, $10, $13, $14::text FROM k WHERE "
        "cardinality($1::text[]) > "
        "0), "
        "dl AS (INSERT INTO @.deliveries(id, event_id, endpoint_id, "
        "event_type, state, attempts, next_attempt_ms, due_ms, created_ms, "
        "updated_ms, ordering_key, hold_key, tenant) "
        "SELECT d.id, $2, d.ep, $3, 0, d.att, d.nxt, d.nxt, d.cr, d.up, "
        "$11::text, $12::int, $13::text "
        "FROM unnest($1::text[], $4::text[], $5::int[], $6::bigint[], "
        "$7::bigint[], $8::bigint[]) AS d(id, ep, att, nxt, cr, up), k), "
        "gone AS (DELETE FROM @.idempotency WHERE key IN (SELECT key FROM "
        "@.idempotency WHERE created_ms < $16 AND key <> $15 LIMIT 8 "
        "FOR UPDATE SKIP LOCKED)) "
        "SELECT count(*) FROM k",
    [S_KEY_HELD] = "SELECT event_id FROM @.idempotency WHERE key = $1",
    [S_CLAIM_SCAN] =
        "WITH due AS (SELECT x.id FROM @.deliveries x WHERE x.state < 2 AND "
        "x.attempts >= 0 AND x.due_ms <= $1 "
        "  AND (x.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM"
        "  @.deliveries o WHERE o.endpoint_id = x.endpoint_id"
        "  AND o.ordering_key = x.ordering_key AND o.id <> x.id"
        "  AND (o.state = 1 OR (o.id < x.id AND (o.state = 0"
        "  OR (o.state = 3 AND o.hold_key = 1))))))"
        " ORDER BY x.due_ms LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data, d.tenant, e.trace FROM @.deliveries d "
        "JOIN due USING (id) "
        "JOIN @.events e ON e.id = d.event_id ORDER BY d.due_ms, d.id",
    [S_CLAIM_TAKE] = "UPDATE @.deliveries SET state = 1, due_ms = $2 "
                     "WHERE id = ANY($1::text[])",
    /* The delivery's new state and its attempt, in one statement: the
     * attempt is appended only if the delivery exists. */
    [S_AT_INSERT] =
        "WITH d AS (UPDATE @.deliveries SET state = $13, attempts = $14, "
        "next_attempt_ms = $15, due_ms = $16, updated_ms = $17 "
        "WHERE id = $1 RETURNING id) "
        "INSERT INTO @.attempts(delivery_id, endpoint_id, event_id, "
        "event_type, number, started_ms, duration_ms, status, success, "
        "outcome, response, error, tenant) "
        "SELECT d.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $18 "
        "FROM d",
    [S_DL_UPDATE] =
        "UPDATE @.deliveries SET state = $2, attempts = $3, "
        "next_attempt_ms = $4, due_ms = $5, updated_ms = $6 WHERE id = $1",
    [S_QUERY_ATTEMPTS] = QUERY_ATTEMPTS("seq > $1"),
    [S_QUERY_ATTEMPTS_TENANT] = QUERY_ATTEMPTS("tenant = $13 AND seq > $1"),
    [S_QUERY_DELIVERIES] = QUERY_DELIVERIES("true"),
    [S_QUERY_DELIVERIES_TENANT] = QUERY_DELIVERIES("tenant = $13"),
    [S_QUERY_ATTEMPTS_ENDPOINT] =
        QUERY_ATTEMPTS("endpoint_id = $2 AND ($13::text IS NULL OR "
                       "tenant = $13) AND seq > $1"),
    [S_QUERY_DELIVERIES_ENDPOINT] = QUERY_DELIVERIES(
        "endpoint_id = $1 AND ($13::text IS NULL OR tenant = $13)"),
    [S_RESEND] = "UPDATE @.deliveries SET state = 0, attempts = 0, "
                 "next_attempt_ms = $2, due_ms = $2, updated_ms = $2 "
                 "WHERE id = $1 AND state = 3",
    [S_STATE_OF] = "SELECT state FROM @.deliveries WHERE id = $1",
    [S_SKIP] = "UPDATE @.deliveries SET hold_key = 0, updated_ms = $2 "
               "WHERE id = $1 AND state = 3 AND hold_key = 1",
    [S_RECOVER] =
        "UPDATE @.deliveries SET state = 0, attempts = 0, "
        "next_attempt_ms = $3, due_ms = $3, updated_ms = $3 "
        "WHERE state = 3 AND ($1::text IS NULL OR endpoint_id = $1) "
        "AND created_ms >= $2 AND ($4::bigint = 0 OR created_ms < $4) "
        "AND ($5::text IS NULL OR event_id = $5) "
        "AND ($6::text IS NULL OR event_type = $6) "
        "AND ($7::text IS NULL OR (left(event_type, length($7)) = $7 "
        "AND length(event_type) > length($7))) "
        "AND ($8::text IS NULL OR tenant = $8)",
    /* "attempts >= 0" (always true) names the index deliveries_due */
    [S_NEXT_DUE] = "SELECT MIN(due_ms) FROM @.deliveries WHERE state < 2 "
                   "AND attempts >= 0",
    /* Retention, one statement and so one transaction: the oldest finished
     * deliveries (rows another worker's prune holds are skipped), their
     * attempts, and each event no delivery left needs. The statement sees
     * the rows as they were before it, so the deliveries it removes are
     * left out of the events' check by hand. */
    [S_PRUNE_DELIVERIES] =
        "WITH d AS (DELETE FROM @.deliveries WHERE id IN (SELECT id FROM "
        "@.deliveries WHERE state >= 2 AND updated_ms < $1 ORDER BY "
        "updated_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id, "
        "event_id), a AS (DELETE FROM @.attempts WHERE delivery_id IN "
        "(SELECT id FROM d)), e AS (DELETE FROM @.events v WHERE v.id IN "
        "(SELECT event_id FROM d) AND NOT EXISTS (SELECT 1 FROM @.deliveries "
        "x WHERE x.event_id = v.id AND x.id NOT IN (SELECT id FROM d))) "
        "SELECT count(*) FROM d",
    /* the same for one tenant ($3), through deliveries_tenant_done */
    [S_PRUNE_DELIVERIES_TENANT] =
        "WITH d AS (DELETE FROM @.deliveries WHERE id IN (SELECT id FROM "
        "@.deliveries WHERE tenant = $3::text AND state >= 2 AND updated_ms "
        "< $1 ORDER BY updated_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, event_id), a AS (DELETE FROM @.attempts WHERE "
        "delivery_id IN (SELECT id FROM d)), e AS (DELETE FROM @.events v "
        "WHERE v.id IN (SELECT event_id FROM d) AND NOT EXISTS (SELECT 1 "
        "FROM @.deliveries x WHERE x.event_id = v.id AND x.id NOT IN "
        "(SELECT id FROM d))) SELECT count(*) FROM d",
    /* The fair claim, one statement and so one transaction: the endpoints
     * with unfinished work and the first due time of each, one index seek
     * each (a loose index scan of deliveries_ready_c); those with room and
     * work due, earliest first due first, at most $2; up to each one's
     * room of its due rows, locked, skipping what another worker holds;
     * then turns (the first row of each, then the second ...) up to $2,
     * marked in flight until $6.
     * $3/$4: the endpoints with less room than $5, and their room.
     * Every seek names endpoint_id in the C collation, as deliveries_ready_c
     * is built, so that no other index on endpoint_id can serve it (see
     * index_ready). */
    [S_CLAIM_FAIR] =
        "WITH RECURSIVE eps(id, first, tenant) AS ("
        " (SELECT endpoint_id COLLATE \"C\", due_ms, tenant FROM @.deliveries"
        "  WHERE state < 2"
        "  ORDER BY endpoint_id COLLATE \"C\", due_ms, id LIMIT 1)"
        " UNION ALL SELECT n.id, n.first, n.tenant FROM eps CROSS JOIN LATERAL"
        " (SELECT endpoint_id COLLATE \"C\" AS id, due_ms AS first, tenant"
        "  FROM @.deliveries"
        "  WHERE state < 2 AND endpoint_id COLLATE \"C\" > eps.id"
        "  ORDER BY endpoint_id COLLATE \"C\", due_ms, id LIMIT 1) n), "
        "lim AS (SELECT * FROM unnest($3::text[], $4::int[]) AS l(id, room)), "
        /* each tenant's earliest endpoint before any tenant's second */
        "pick AS (SELECT e.id, e.first, e.tenant,"
        " LEAST(COALESCE(l.room, $5::int), $2::int) AS room,"
        " row_number() OVER (PARTITION BY e.tenant ORDER BY e.first, e.id)"
        " AS trank FROM eps e"
        " LEFT JOIN lim l ON l.id = e.id COLLATE \"C\""
        " WHERE e.first <= $1"
        " AND COALESCE(l.room, $5::int) > 0"
        " AND e.tenant <> ALL($8::text[])"
        " ORDER BY trank, e.tenant COLLATE \"C\" <= $7::text,"
        " e.tenant COLLATE \"C\", e.first, e.id"
        " LIMIT $2), "
        "cand AS (SELECT c.id, p.first, p.id AS ep, p.tenant, p.trank,"
        " row_number() OVER"
        " (PARTITION BY p.id ORDER BY c.due_ms, c.id) AS turn FROM pick p"
        " CROSS JOIN LATERAL (SELECT x.id, x.due_ms FROM @.deliveries x"
        "  WHERE x.state < 2 AND x.endpoint_id COLLATE \"C\" = p.id"
        "  AND x.due_ms <= $1"
        "  AND (x.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM"
        "  @.deliveries o WHERE o.endpoint_id = x.endpoint_id"
        "  AND o.ordering_key = x.ordering_key AND o.id <> x.id"
        "  AND (o.state = 1 OR (o.id < x.id AND (o.state = 0"
        "  OR (o.state = 3 AND o.hold_key = 1))))))"
        "  ORDER BY x.endpoint_id COLLATE \"C\", x.due_ms, x.id"
        "  LIMIT p.room FOR UPDATE SKIP LOCKED) c), "
        /* tenants take turns in the rotation after $7, and within one its
         * endpoints; pos keeps the turns' order to hand them back in */
        "troom AS (SELECT * FROM unnest($9::text[], $10::int[])"
        " AS r(tenant, room)), "
        "chosen AS (SELECT id, row_number() OVER (ORDER BY tturn,"
        " tenant COLLATE \"C\" <= $7::text, tenant COLLATE \"C\") AS pos"
        " FROM (SELECT c.id, row_number()"
        " OVER (PARTITION BY c.tenant ORDER BY c.turn, c.trank) AS tturn,"
        " c.tenant, COALESCE(r.room, $11::int) AS room FROM cand c"
        " LEFT JOIN troom r ON r.tenant = c.tenant) t WHERE tturn <= room"
        " ORDER BY pos LIMIT $2), "
        "took AS (UPDATE @.deliveries d SET state = 1, due_ms = $6"
        " WHERE d.id = ANY(ARRAY(SELECT id FROM chosen)) RETURNING d.id,"
        " d.event_id,"
        " d.endpoint_id, d.event_type, d.state, d.attempts,"
        " d.next_attempt_ms, d.created_ms, d.updated_ms, d.tenant) "
        "SELECT t.id, t.event_id, t.endpoint_id, t.event_type, t.state,"
        " t.attempts, t.next_attempt_ms, t.created_ms, t.updated_ms,"
        " e.timestamp_ms, e.data, t.tenant, e.trace FROM took t JOIN chosen c"
        " ON c.id = t.id JOIN @.events e ON e.id = t.event_id ORDER BY c.pos",
};

int rh__pg_write_json(store *s, int which, const char **v, int n,
                      const char *json, size_t len, int need_row,
                      const char *what)
{
    char *text = malloc(len + 1); /* libpq takes text NUL-terminated */
    int rc;
    if (!text)
        return RH_E_NOMEM;
    memcpy(text, json, len);
    text[len] = '\0';
    v[n - 1] = text;
    if ((rc = rh__pg_begin(s)) == RH_OK) {
        PGresult *r = rh__pg_run(s, which, n, v, NULL, NULL, what);
        rc = !r ? RH_E_STORAGE
                : (need_row && strcmp(PQcmdTuples(r), "0") == 0
                       ? RH_E_NOT_FOUND
                       : RH_OK);
        PQclear(r);
        rc = rc == RH_OK ? rh__pg_commit(s) : rh__pg_rollback(s, rc);
    }
    free(text);
    return rc;
}

int64_t rh__pg_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The template with every "@." replaced by "<schema>.". */
char *rh__pg_expand(const char *tmpl, const char *schema)
{
    size_t n = 0, sl = strlen(schema);
    for (const char *p = tmpl; *p; p++)
        n += (p[0] == '@' && p[1] == '.') ? sl : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '@' && p[1] == '.') {
            memcpy(o, schema, sl);
            o += sl;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int rh__pg_fail(store *s, const char *what, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(s->conn);
    snprintf(s->err, sizeof s->err, "%s: %s", what, msg);
    size_t n = strlen(s->err);
    while (n && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
        s->err[--n] = '\0';
    return RH_E_STORAGE;
}

/* A usable connection, or RH_E_STORAGE. Our own connection is re-made after
 * a loss, at most once per backoff period, so a database that is down costs
 * the host little. */
int rh__pg_ensure(store *s)
{
    if (s->pipelined)
        rh__pg_pipeline_drain(
            s); /* another slot in a batch: read what was sent */
    if (PQstatus(s->conn) == CONNECTION_OK)
        return RH_OK;
    if (!s->owned) {
        snprintf(s->err, sizeof s->err, "the host's connection is broken");
        return RH_E_STORAGE;
    }
    int64_t now = rh__pg_mono_ms();
    if (now < s->retry_at_ms) {
        snprintf(s->err, sizeof s->err,
                 "database unreachable; reconnecting in %lld ms",
                 (long long)(s->retry_at_ms - now));
        return RH_E_STORAGE;
    }
    PQreset(s->conn);
    if (PQstatus(s->conn) == CONNECTION_OK) {
        s->backoff_ms = 0;
        memset(s->prepared, 0, sizeof s->prepared); /* a new session */
        return RH_OK;
    }
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (s->backoff_ms > BACKOFF_MAX_MS)
        s->backoff_ms = BACKOFF_MAX_MS;
    s->retry_at_ms = now + s->backoff_ms;
    return rh__pg_fail(s, "database unreachable", NULL);
}

int rh__pg_exec_simple(store *s, const char *sql, const char *what)
{
    PGresult *r = PQexec(s->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
             PQresultStatus(r) == PGRES_TUPLES_OK;
    int rc = ok ? RH_OK : rh__pg_fail(s, what, r);
    PQclear(r);
    return rc;
}

/* Our writes join the host's transaction when one is open (the outbox). */
int rh__pg_begin(store *s)
{
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    if (t == PQTRANS_INERROR) {
        snprintf(s->err, sizeof s->err,
                 "the host's transaction has failed: roll it back");
        return RH_E_STORAGE;
    }
    s->own_txn = t == PQTRANS_IDLE;
    return rh__pg_exec_simple(s, s->own_txn ? "BEGIN" : "SAVEPOINT rh",
                              "begin");
}

int rh__pg_rollback(store *s, int rc)
{
    if (PQstatus(s->conn) == CONNECTION_OK) {
        if (s->own_txn) {
            PQclear(PQexec(s->conn, "ROLLBACK"));
        } else {
            PQclear(PQexec(s->conn, "ROLLBACK TO SAVEPOINT rh"));
            PQclear(PQexec(s->conn, "RELEASE SAVEPOINT rh"));
        }
    }
    return rc;
}

int rh__pg_commit(store *s)
{
    int rc = rh__pg_exec_simple(
        s, s->own_txn ? "COMMIT" : "RELEASE SAVEPOINT rh", "commit");
    return rc == RH_OK ? RH_OK : rh__pg_rollback(s, rc);
}

/* Statement `which` is parsed and planned once per connection (the fair
 * claim's planning alone cost about 1 ms a call), under a name of our
 * schema's, so that adapters of two schemas may share a connection. */
void rh__pg_statement_name(const store *s, int which, char *out, size_t n)
{
    snprintf(out, n, "replicer_hooks_%s_%d", s->schema, which);
}

/* Run statement `which` with text parameters (NULL is SQL NULL); lens and
 * binary mark bytea parameters. The result, or NULL after rh__pg_fail(). */
int rh__pg_prepare(store *s, int which)
{
    char name[96];
    if (s->prepared[which])
        return RH_OK;
    rh__pg_statement_name(s, which, name, sizeof name);
    PGresult *r = PQprepare(s->conn, name, s->sql[which], 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? RH_OK
                 : rh__pg_fail(s, "prepare", r);
    PQclear(r);
    if (rc == RH_OK)
        s->prepared[which] = 1;
    return rc;
}

/* Send statement `which` without waiting (pipeline mode); prepared. */
int rh__pg_send_prepared(store *s, int which, int n, const char *const *vals,
                         const int *lens, const int *binary)
{
    char name[96];
    rh__pg_statement_name(s, which, name, sizeof name);
    return PQsendQueryPrepared(s->conn, name, n, vals, lens, binary, 0)
               ? RH_OK
               : rh__pg_fail(s, "send", NULL);
}

PGresult *rh__pg_run(store *s, int which, int n, const char *const *vals,
                     const int *lens, const int *binary, const char *what)
{
    char name[96];
    if (rh__pg_prepare(s, which) != RH_OK)
        return NULL;
    rh__pg_statement_name(s, which, name, sizeof name);
    PGresult *r = PQexecPrepared(s->conn, name, n, vals, lens, binary, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rh__pg_fail(s, what, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

int64_t rh__pg_col_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Hand each row of r to fn and clear r; the number of rows, or the first
 * negative value. */
int rh__pg_for_each_row(store *s, PGresult *r, row_fn fn, void *fn_ud)
{
    int rc = RH_OK, n = 0;
    for (int i = 0; i < PQntuples(r); i++, n++)
        if ((rc = fn(s, r, i, fn_ud)) < 0)
            break;
    PQclear(r);
    return rc < 0 ? rc : n;
}

/* Sync the pipeline and read every answer, up to and including the sync's.
 * rc is what sending them gave; the first failure is kept. */
int rh__pg_pipeline_sync(store *s, int rc, const char *what)
{
    if (!PQpipelineSync(s->conn) && rc == RH_OK)
        rc = rh__pg_fail(s, what, NULL);
    for (;;) {
        PGresult *r = PQgetResult(s->conn);
        if (!r) {
            if (PQstatus(s->conn) != CONNECTION_OK) {
                rc = rh__pg_fail(s, what, NULL);
                break;
            }
            continue; /* the end of one statement's results */
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == RH_OK)
            rc = rh__pg_fail(s, what, r);
        PQclear(r);
    }
    return rc;
}

/* Read the answers to everything sent in the pipeline, up to a sync; the
 * first error fails the batch (the transaction is then aborted anyway). */
int rh__pg_pipeline_sync_read(store *s)
{
    int rc = rh__pg_pipeline_sync(s, RH_OK, "batch");
    s->n_unread = 0;
    if (rc != RH_OK)
        s->batch_failed = 1;
    return rc;
}

/* Leave pipeline mode; the batch's transaction stays open. */
int rh__pg_pipeline_drain(store *s)
{
    int rc = rh__pg_pipeline_sync_read(s);
    s->pipelined = 0;
    if (!PQexitPipelineMode(s->conn) && rc == RH_OK)
        rc = rh__pg_fail(s, "batch", NULL);
    return rc;
}

int rh__pg_arr_add(arr *a, const char *item)
{
    size_t n = strlen(item);
    if (a->len + n + 3 > a->cap) {
        size_t cap = (a->cap ? a->cap : 256);
        while (cap < a->len + n + 3)
            cap *= 2;
        char *b = realloc(a->buf, cap);
        if (!b)
            return RH_E_NOMEM;
        a->buf = b;
        a->cap = cap;
    }
    a->buf[a->len] = a->len == 0 ? '{' : ',';
    a->len++;
    memcpy(a->buf + a->len, item, n);
    a->len += n;
    a->buf[a->len] = '}';
    a->buf[a->len + 1] = '\0';
    return RH_OK;
}

/* Every statement's text for this store's schema. */
int rh__pg_statements(store *s)
{
    for (int i = 0; i < S_COUNT; i++)
        if (sql_template[i] &&
            !(s->sql[i] = rh__pg_expand(sql_template[i], s->schema)))
            return RH_E_NOMEM;
    return RH_OK;
}
