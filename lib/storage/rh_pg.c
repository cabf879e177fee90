/* replicer-hooks PostgreSQL storage: the rh_storage contract for many
 * processes on many machines. Fair claims are one statement with FOR UPDATE
 * SKIP LOCKED and a lease, so work spreads without double sends; a tick's
 * outcomes go in one pipelined round trip; a lost connection is
 * re-established with backoff. */
#include <replicer-hooks/rh_pg.h>

#include "rh_adapter.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 1
#define POLL_MS 1000        /* other processes add work: look this often */
#define BACKOFF_MIN_MS 200  /* reconnect attempts, doubling ... */
#define BACKOFF_MAX_MS 5000 /* ... up to this */

/* "@." stands for the schema. */
static const char *const sql_template[S_COUNT] = {
    [S_EP_SAVE] = "INSERT INTO @.endpoints(id, record) VALUES($1, $2) "
                  "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
    [S_EP_REMOVE] = "DELETE FROM @.endpoints WHERE id = $1",
    [S_EP_LOAD] = "SELECT record FROM @.endpoints ORDER BY seq",
    /* One statement: atomic on its own, one round trip, no savepoint. */
    [S_DL_INSERT] =
        "WITH ev AS (INSERT INTO @.events(id, type, timestamp_ms, data) "
        "VALUES($2, $3, $9, $10)) "
        "INSERT INTO @.deliveries(id, event_id, endpoint_id, event_type, "
        "state, attempts, next_attempt_ms, due_ms, created_ms, updated_ms) "
        "SELECT d.id, $2, d.ep, $3, 0, d.att, d.nxt, d.nxt, d.cr, d.up "
        "FROM unnest($1::text[], $4::text[], $5::int[], $6::bigint[], "
        "$7::bigint[], $8::bigint[]) AS d(id, ep, att, nxt, cr, up)",
    [S_CLAIM_SCAN] =
        "WITH due AS (SELECT id FROM @.deliveries WHERE state < 2 AND "
        "attempts >= 0 AND due_ms <= $1 ORDER BY due_ms LIMIT $2 "
        "FOR UPDATE SKIP LOCKED) "
        "SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.state, "
        "d.attempts, d.next_attempt_ms, d.created_ms, d.updated_ms, "
        "e.timestamp_ms, e.data FROM @.deliveries d JOIN due USING (id) "
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
        "outcome, response, error) "
        "SELECT d.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM d",
    [S_DL_UPDATE] =
        "UPDATE @.deliveries SET state = $2, attempts = $3, "
        "next_attempt_ms = $4, due_ms = $5, updated_ms = $6 WHERE id = $1",
    [S_QUERY_ATTEMPTS] =
        "SELECT seq, delivery_id, endpoint_id, event_id, event_type, number, "
        "started_ms, duration_ms, status, success, outcome, response, error "
        "FROM @.attempts WHERE seq > $1 "
        "AND ($2::text IS NULL OR endpoint_id = $2) "
        "AND ($3::text IS NULL OR delivery_id = $3) "
        "AND ($4::text IS NULL OR event_id = $4) "
        "AND ($5::int = 0 OR success = 0) AND started_ms >= $6 "
        "AND ($7::bigint = 0 OR started_ms < $7) ORDER BY seq LIMIT $8",
    [S_QUERY_DELIVERIES] =
        "SELECT id, event_id, endpoint_id, event_type, state, attempts, "
        "next_attempt_ms, created_ms, updated_ms FROM @.deliveries "
        "WHERE ($1::text IS NULL OR endpoint_id = $1) "
        "AND ($2::text IS NULL OR id = $2) "
        "AND ($3::text IS NULL OR event_id = $3) "
        "AND ($4::int = 0 OR state = 3) AND ($5::int < 0 OR state = $5) "
        "AND created_ms >= $6 AND ($7::bigint = 0 OR created_ms < $7) "
        "ORDER BY created_ms, id LIMIT $8",
    [S_RESEND] = "UPDATE @.deliveries SET state = 0, attempts = 0, "
                 "next_attempt_ms = $2, due_ms = $2, updated_ms = $2 "
                 "WHERE id = $1 AND state = 3",
    [S_STATE_OF] = "SELECT state FROM @.deliveries WHERE id = $1",
    [S_RECOVER] = "UPDATE @.deliveries SET state = 0, attempts = 0, "
                  "next_attempt_ms = $3, due_ms = $3, updated_ms = $3 "
                  "WHERE endpoint_id = $1 AND state = 3 AND created_ms >= $2",
    /* "attempts >= 0" (always true) names the index deliveries_due */
    [S_NEXT_DUE] = "SELECT MIN(due_ms) FROM @.deliveries WHERE state < 2 "
                   "AND attempts >= 0",
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
        "WITH RECURSIVE eps(id, first) AS ("
        " (SELECT endpoint_id COLLATE \"C\", due_ms FROM @.deliveries"
        "  WHERE state < 2"
        "  ORDER BY endpoint_id COLLATE \"C\", due_ms, id LIMIT 1)"
        " UNION ALL SELECT n.id, n.first FROM eps CROSS JOIN LATERAL"
        " (SELECT endpoint_id COLLATE \"C\" AS id, due_ms AS first"
        "  FROM @.deliveries"
        "  WHERE state < 2 AND endpoint_id COLLATE \"C\" > eps.id"
        "  ORDER BY endpoint_id COLLATE \"C\", due_ms, id LIMIT 1) n), "
        "lim AS (SELECT * FROM unnest($3::text[], $4::int[]) AS l(id, room)), "
        "pick AS (SELECT e.id, e.first,"
        " LEAST(COALESCE(l.room, $5::int), $2::int) AS room FROM eps e"
        " LEFT JOIN lim l ON l.id = e.id COLLATE \"C\""
        " WHERE e.first <= $1"
        " AND COALESCE(l.room, $5::int) > 0 ORDER BY e.first, e.id LIMIT $2), "
        "cand AS (SELECT c.id, p.first, p.id AS ep, row_number() OVER"
        " (PARTITION BY p.id ORDER BY c.due_ms, c.id) AS turn FROM pick p"
        " CROSS JOIN LATERAL (SELECT id, due_ms FROM @.deliveries"
        "  WHERE state < 2 AND endpoint_id COLLATE \"C\" = p.id"
        "  AND due_ms <= $1 ORDER BY endpoint_id COLLATE \"C\", due_ms, id"
        "  LIMIT p.room FOR UPDATE SKIP LOCKED) c), "
        "chosen AS (SELECT id FROM cand ORDER BY turn, first, ep LIMIT $2), "
        "took AS (UPDATE @.deliveries d SET state = 1, due_ms = $6"
        " WHERE d.id = ANY(ARRAY(SELECT id FROM chosen)) RETURNING d.id,"
        " d.event_id,"
        " d.endpoint_id, d.event_type, d.state, d.attempts,"
        " d.next_attempt_ms, d.created_ms, d.updated_ms) "
        "SELECT t.id, t.event_id, t.endpoint_id, t.event_type, t.state,"
        " t.attempts, t.next_attempt_ms, t.created_ms, t.updated_ms,"
        " e.timestamp_ms, e.data FROM took t JOIN @.events e"
        " ON e.id = t.event_id ORDER BY t.next_attempt_ms, t.id",
};

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
static const char index_ready[] =
    "CREATE INDEX IF NOT EXISTS deliveries_ready_c ON @.deliveries("
    "(endpoint_id COLLATE \"C\"), due_ms, id) WHERE state < 2;"
    "CREATE INDEX IF NOT EXISTS deliveries_due ON @.deliveries(due_ms)"
    " WHERE state < 2 AND attempts >= 0;"
    "DROP INDEX IF EXISTS @.deliveries_ready;"
    "DROP INDEX IF EXISTS @.deliveries_due_ms_idx";

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

typedef struct store {
    PGconn *conn;
    int owned;
    int own_txn;
    int batch_txn;    /* batch_begin opened BEGIN */
    int pipelined;    /* that batch's enqueues are pipelined */
    int batch_failed; /* and one of them failed: the commit must fail */
    int n_unread;     /* statements sent in the pipeline, not yet read */
    char schema[64];
    char *sql[S_COUNT];
    unsigned char prepared[S_COUNT]; /* on this connection's session */
    int64_t retry_at_ms;
    int64_t backoff_ms;
    char err[512];
} store;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The template with every "@." replaced by "<schema>.". */
static char *expand(const char *tmpl, const char *schema)
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

static int fail(store *s, const char *what, const PGresult *res)
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
static int pipeline_drain(store *s);
static int pipeline_sync_read(store *s);

static int ensure(store *s)
{
    if (s->pipelined)
        pipeline_drain(s); /* another slot in a batch: read what was sent */
    if (PQstatus(s->conn) == CONNECTION_OK)
        return RH_OK;
    if (!s->owned) {
        snprintf(s->err, sizeof s->err, "the host's connection is broken");
        return RH_E_STORAGE;
    }
    int64_t now = mono_ms();
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
    return fail(s, "database unreachable", NULL);
}

static int exec_simple(store *s, const char *sql, const char *what)
{
    PGresult *r = PQexec(s->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
             PQresultStatus(r) == PGRES_TUPLES_OK;
    int rc = ok ? RH_OK : fail(s, what, r);
    PQclear(r);
    return rc;
}

/* Our writes join the host's transaction when one is open (the outbox). */
static int begin(store *s)
{
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    if (t == PQTRANS_INERROR) {
        snprintf(s->err, sizeof s->err,
                 "the host's transaction has failed: roll it back");
        return RH_E_STORAGE;
    }
    s->own_txn = t == PQTRANS_IDLE;
    return exec_simple(s, s->own_txn ? "BEGIN" : "SAVEPOINT rh", "begin");
}

static int rollback(store *s, int rc)
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

static int commit(store *s)
{
    int rc = exec_simple(s, s->own_txn ? "COMMIT" : "RELEASE SAVEPOINT rh",
                         "commit");
    return rc == RH_OK ? RH_OK : rollback(s, rc);
}

/* Run statement `which` with text parameters (NULL is SQL NULL); lens and
 * binary mark bytea parameters. The result, or NULL after fail(). */
/* Statement `which` is parsed and planned once per connection (the fair
 * claim's planning alone cost about 1 ms a call), under a name of our
 * schema's, so that adapters of two schemas may share a connection. */
static void statement_name(const store *s, int which, char *out, size_t n)
{
    snprintf(out, n, "replicer_hooks_%s_%d", s->schema, which);
}

static int prepare(store *s, int which)
{
    char name[96];
    if (s->prepared[which])
        return RH_OK;
    statement_name(s, which, name, sizeof name);
    PGresult *r = PQprepare(s->conn, name, s->sql[which], 0, NULL);
    int rc =
        PQresultStatus(r) == PGRES_COMMAND_OK ? RH_OK : fail(s, "prepare", r);
    PQclear(r);
    if (rc == RH_OK)
        s->prepared[which] = 1;
    return rc;
}

/* Send statement `which` without waiting (pipeline mode); prepared. */
static int send_prepared(store *s, int which, int n, const char *const *vals,
                         const int *lens, const int *binary)
{
    char name[96];
    statement_name(s, which, name, sizeof name);
    return PQsendQueryPrepared(s->conn, name, n, vals, lens, binary, 0)
               ? RH_OK
               : fail(s, "send", NULL);
}

static PGresult *run(store *s, int which, int n, const char *const *vals,
                     const int *lens, const int *binary, const char *what)
{
    char name[96];
    if (prepare(s, which) != RH_OK)
        return NULL;
    statement_name(s, which, name, sizeof name);
    PGresult *r = PQexecPrepared(s->conn, name, n, vals, lens, binary, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fail(s, what, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

#define I64(buf, v) (snprintf(buf, sizeof buf, "%lld", (long long)(v)), buf)

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

typedef int (*row_fn)(store *s, const PGresult *r, int row, void *fn_ud);

/* Hand each row of r to fn and clear r; the number of rows, or the first
 * negative value. */
static int for_each_row(store *s, PGresult *r, row_fn fn, void *fn_ud)
{
    int rc = RH_OK, n = 0;
    for (int i = 0; i < PQntuples(r); i++, n++)
        if ((rc = fn(s, r, i, fn_ud)) < 0)
            break;
    PQclear(r);
    return rc < 0 ? rc : n;
}


/* ---------------------------------------------------------------- slots */

static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud)
{
    store *s = ud;
    char *text = malloc(len + 1);
    int rc;
    if (!text)
        return RH_E_NOMEM;
    memcpy(text, json, len);
    text[len] = '\0';
    if ((rc = begin(s)) == RH_OK) {
        const char *v[2] = {id, text};
        PGresult *r = run(s, S_EP_SAVE, 2, v, NULL, NULL, "endpoint_save");
        rc = r ? RH_OK : RH_E_STORAGE;
        PQclear(r);
        rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    }
    free(text);
    return rc;
}

static int s_endpoint_remove(const char *id, void *ud)
{
    store *s = ud;
    int rc = begin(s);
    if (rc != RH_OK)
        return rc;
    const char *v[1] = {id};
    PGresult *r = run(s, S_EP_REMOVE, 1, v, NULL, NULL, "endpoint_remove");
    rc = !r ? RH_E_STORAGE
            : (strcmp(PQcmdTuples(r), "0") == 0 ? RH_E_NOT_FOUND : RH_OK);
    PQclear(r);
    return rc == RH_OK ? commit(s) : rollback(s, rc);
}

static int endpoint_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    (void)s;
    return p->on_endpoint(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0),
                          p->each_ud);
}

static int s_endpoint_load(rh_endpoint_record_cb each, void *each_ud,
                           void *ud)
{
    store *s = ud;
    each_pass p = {each, NULL, NULL, each_ud};
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r = run(s, S_EP_LOAD, 0, NULL, NULL, NULL, "endpoint_load");
    if (!r)
        return RH_E_STORAGE;
    rc = for_each_row(s, r, endpoint_row, &p);
    return rc < 0 ? rc : RH_OK;
}

/* "{a,b,c}": ids and numbers need no quoting in an array literal. */
typedef struct arr {
    char *buf;
    size_t len, cap;
} arr;

static int arr_add(arr *a, const char *item)
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

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    store *s = ud;
    arr ids = {0}, eps = {0}, att = {0}, nxt = {0}, cr = {0}, up = {0};
    char b1[24], b2[24];
    int rc = RH_OK;
    if (n == 0)
        return RH_OK;
    for (size_t i = 0; rc == RH_OK && i < n; i++) {
        rc = arr_add(&ids, rh_delivery_id(dls[i]));
        if (rc == RH_OK)
            rc = arr_add(&eps, rh_delivery_endpoint_id(dls[i]));
        if (rc == RH_OK)
            rc = arr_add(&att, I64(b1, rh_delivery_attempts(dls[i])));
        if (rc == RH_OK)
            rc = arr_add(&nxt, I64(b1, rh_delivery_next_attempt_ms(dls[i])));
        if (rc == RH_OK)
            rc = arr_add(&cr, I64(b1, rh_delivery_created_ms(dls[i])));
        if (rc == RH_OK)
            rc = arr_add(&up, I64(b1, rh_delivery_updated_ms(dls[i])));
    }
    if (rc == RH_OK && !s->pipelined)
        rc = ensure(s);
    if (rc == RH_OK) {
        const char *dv[10] = {ids.buf, rh_event_id(ev), rh_event_type(ev),
                              eps.buf, att.buf, nxt.buf, cr.buf, up.buf,
                              I64(b2, rh_event_timestamp_ms(ev)),
                              rh_event_data(ev)};
        int lens[10] = {0};
        int bin[10] = {0};
        lens[9] = (int)rh_event_data_len(ev);
        bin[9] = 1;
        if (s->pipelined) {
            /* in a batch: sent now, its answer read at the commit (or
             * every so often, so that answers never pile up unread) */
            if ((rc = send_prepared(s, S_DL_INSERT, 10, dv, lens, bin)) !=
                RH_OK)
                ;
            else if (++s->n_unread >= 256)
                rc = pipeline_sync_read(s);
        } else {
            PGresult *r = run(s, S_DL_INSERT, 10, dv, lens, bin, "enqueue");
            rc = r ? RH_OK : RH_E_STORAGE;
            PQclear(r);
        }
    }
    free(ids.buf);
    free(eps.buf);
    free(att.buf);
    free(nxt.buf);
    free(cr.buf);
    free(up.buf);
    return rc;
}

/* A result row's columns 0..8 as a delivery. */
static int row_delivery(store *s, const PGresult *r, int i, rh_delivery **out)
{
    int rc = rh_delivery_new(out, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                             PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                             (int)col_i64(r, i, 4), (int)col_i64(r, i, 5),
                             col_i64(r, i, 6), col_i64(r, i, 7),
                             col_i64(r, i, 8));
    return adapter_row_rc(rc, "delivery", s->err, sizeof s->err);
}

/* A bytea column, text format, decoded; *len 0 and "" for NULL. */
static unsigned char *col_bytea(const PGresult *r, int i, int c, size_t *len)
{
    if (PQgetisnull(r, i, c)) {
        *len = 0;
        return PQunescapeBytea((const unsigned char *)"", len);
    }
    return PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, c), len);
}

/* Row i of a claim's result (the delivery in columns 0..8, its event's
 * time and data in 9 and 10) as the records handed to the caller. */
static int claimed_records(store *s, const PGresult *r, int i, rh_delivery **dl,
                           rh_event **ev)
{
    size_t dlen = 0;
    unsigned char *data = col_bytea(r, i, 10, &dlen);
    int rc = data ? row_delivery(s, r, i, dl) : RH_E_NOMEM;
    *ev = NULL;
    if (rc == RH_OK)
        rc = rh_event_new(ev, PQgetvalue(r, i, 1), PQgetvalue(r, i, 3),
                          col_i64(r, i, 9), (const char *)data, dlen);
    PQfreemem(data);
    return adapter_row_rc(rc, "event", s->err, sizeof s->err);
}

static int s_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                   rh_claim_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    char b1[24], b2[24];
    size_t budget = adapter_scan_budget(max), taken = 0;
    arr took = {0};
    int rc;
    if (max == 0)
        return 0;
    if ((rc = begin(s)) != RH_OK)
        return rc;
    /* the rows stay locked until commit: other workers skip them */
    const char *v[2] = {I64(b1, now_ms), I64(b2, (int64_t)budget)};
    PGresult *r = run(s, S_CLAIM_SCAN, 2, v, NULL, NULL, "claim");
    if (!r)
        return rollback(s, RH_E_STORAGE);
    for (int i = 0; i < PQntuples(r) && taken < max; i++) {
        rh_delivery *dl = NULL;
        rh_event *ev = NULL;
        rc = claimed_records(s, r, i, &dl, &ev);
        if (rc == RH_OK) {
            int want = each(dl, ev, each_ud);
            if (want < 0)
                rc = want;
            else if (want > 0) {
                rc = arr_add(&took, rh_delivery_id(dl));
                taken++;
            }
        }
        rh_delivery_free(dl);
        rh_event_free(ev);
        if (rc != RH_OK)
            break;
    }
    PQclear(r);
    /* what was accepted was started: mark it even if a callback failed */
    if (taken && (rc == RH_OK || (rc != RH_E_STORAGE && rc != RH_E_NOMEM))) {
        const char *tv[2] = {took.buf, I64(b1, lease_until_ms)};
        PGresult *t = run(s, S_CLAIM_TAKE, 2, tv, NULL, NULL, "claim");
        if (!t)
            rc = RH_E_STORAGE;
        PQclear(t);
    }
    free(took.buf);
    if (rc == RH_OK)
        rc = commit(s);
    else if (rc == RH_E_STORAGE || rc == RH_E_NOMEM)
        rc = rollback(s, rc);
    else if (commit(s) != RH_OK)
        rc = RH_E_STORAGE;
    return rc == RH_OK ? (int)taken : rc;
}

/* The statement and parameters that store one outcome: the delivery's new
 * state alone, or with its attempt in one statement (appended only if the
 * delivery exists). The texts live in b. */
typedef struct outcome_params {
    char b[12][24];
    const char *v[17];
    int lens[17];
    int bin[17];
    int which, n;
} outcome_params;

static void outcome_fill(outcome_params *o, const rh_delivery *dl,
                         const rh_attempt *at)
{
    int state = rh_delivery_state(dl);
    const char *dv[6] = {rh_delivery_id(dl),
                         I64(o->b[0], state),
                         I64(o->b[1], rh_delivery_attempts(dl)),
                         I64(o->b[2], rh_delivery_next_attempt_ms(dl)),
                         I64(o->b[3], state == RH_DELIVERY_PENDING
                                          ? rh_delivery_next_attempt_ms(dl)
                                          : 0),
                         I64(o->b[4], rh_delivery_updated_ms(dl))};
    memset(o->lens, 0, sizeof o->lens);
    memset(o->bin, 0, sizeof o->bin);
    if (!at) {
        memcpy(o->v, dv, sizeof dv);
        o->which = S_DL_UPDATE;
        o->n = 6;
        return;
    }
    const char *av[17] = {rh_delivery_id(dl),
                          rh_attempt_endpoint_id(at),
                          rh_attempt_event_id(at),
                          rh_attempt_event_type(at),
                          I64(o->b[5], rh_attempt_number(at)),
                          I64(o->b[6], rh_attempt_started_ms(at)),
                          I64(o->b[7], rh_attempt_duration_ms(at)),
                          I64(o->b[8], rh_attempt_status(at)),
                          I64(o->b[9], rh_attempt_success(at)),
                          I64(o->b[10], rh_attempt_outcome(at)),
                          rh_attempt_response(at),
                          rh_attempt_error(at),
                          dv[1],
                          dv[2],
                          dv[3],
                          dv[4],
                          dv[5]};
    memcpy(o->v, av, sizeof av);
    o->lens[10] = (int)rh_attempt_response_len(at);
    o->bin[10] = 1;
    o->which = S_AT_INSERT;
    o->n = 17;
}

static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    store *s = ud;
    outcome_params o;
    int rc = ensure(s);
    PGresult *r;
    if (rc != RH_OK)
        return rc;
    outcome_fill(&o, dl, at);
    r = run(s, o.which, o.n, o.v, o.lens, o.bin, "complete");
    rc = !r ? RH_E_STORAGE
            : (strcmp(PQcmdTuples(r), "0") == 0 ? RH_E_NOT_FOUND : RH_OK);
    PQclear(r);
    return rc;
}

/* Sync the pipeline and read every answer, up to and including the sync's.
 * rc is what sending them gave; the first failure is kept. */
static int pipeline_sync(store *s, int rc, const char *what)
{
    if (!PQpipelineSync(s->conn) && rc == RH_OK)
        rc = fail(s, what, NULL);
    for (;;) {
        PGresult *r = PQgetResult(s->conn);
        if (!r) {
            if (PQstatus(s->conn) != CONNECTION_OK) {
                rc = fail(s, what, NULL);
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
            rc = fail(s, what, r);
        PQclear(r);
    }
    return rc;
}

/* A tick's outcomes in one round trip: the statements are pipelined, and
 * between two syncs they are one implicit transaction, all or none. */
static int s_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud)
{
    store *s = ud;
    outcome_params o;
    int rc = ensure(s);
    if (rc != RH_OK || n == 0)
        return rc;
    if (n == 1) {
        rc = s_complete(dls[0], ats[0], ud);
        return rc == RH_E_NOT_FOUND ? RH_OK : rc;
    }
    if ((rc = prepare(s, S_DL_UPDATE)) != RH_OK ||
        (rc = prepare(s, S_AT_INSERT)) != RH_OK)
        return rc;
    if (!PQenterPipelineMode(s->conn))
        return fail(s, "complete_batch", NULL);
    for (size_t i = 0; i < n && rc == RH_OK; i++) {
        outcome_fill(&o, dls[i], ats[i]);
        rc = send_prepared(s, o.which, o.n, o.v, o.lens, o.bin);
    }
    rc = pipeline_sync(s, rc, "complete_batch");
    if (!PQexitPipelineMode(s->conn) && rc == RH_OK)
        rc = fail(s, "complete_batch", NULL);
    return rc;
}

/* ------------------------------------------------------------ fair claim */

static int s_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                         void *each_ud, void *ud)
{
    store *s = ud;
    char b[4][24];
    arr ids = {0}, rooms = {0};
    size_t max = rh_claim_request_max(req), n = 0;
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    if (max == 0)
        return 0;
    for (size_t i = 0; rc == RH_OK && i < rh_claim_request_limit_count(req);
         i++) {
        rc = arr_add(&ids, rh_claim_request_limit_endpoint(req, i));
        if (rc == RH_OK)
            rc = arr_add(&rooms, I64(b[0], (int64_t)rh_claim_request_limit_room(
                                               req, i)));
    }
    if (rc != RH_OK) {
        free(ids.buf);
        free(rooms.buf);
        return rc;
    }
    char nowb[24], maxb[24], leaseb[24];
    const char *v[6] = {
        I64(nowb, rh_claim_request_now_ms(req)),
        I64(maxb, (int64_t)max),
        ids.buf ? ids.buf : "{}",
        rooms.buf ? rooms.buf : "{}",
        I64(b[1], (int64_t)rh_claim_request_max_per_endpoint(req)),
        I64(leaseb, rh_claim_request_lease_until_ms(req))};
    /* one statement: committed when it returns */
    PGresult *r = run(s, S_CLAIM_FAIR, 6, v, NULL, NULL, "claim");
    free(ids.buf);
    free(rooms.buf);
    if (!r)
        return RH_E_STORAGE;
    for (int i = 0; i < PQntuples(r) && rc == RH_OK; i++, n++) {
        rh_delivery *dl = NULL;
        rh_event *ev = NULL;
        rc = claimed_records(s, r, i, &dl, &ev);
        if (rc == RH_OK)
            rc = each(dl, ev, each_ud);
        rh_delivery_free(dl);
        rh_event_free(ev);
    }
    n = (size_t)PQntuples(r);
    PQclear(r);
    return rc < 0 ? rc : (int)n;
}

/* ------------------------------------------------------------ emit batch */

/* Read the answers to everything sent in the pipeline, up to a sync; the
 * first error fails the batch (the transaction is then aborted anyway). */
static int pipeline_sync_read(store *s)
{
    int rc = pipeline_sync(s, RH_OK, "batch");
    s->n_unread = 0;
    if (rc != RH_OK)
        s->batch_failed = 1;
    return rc;
}

/* Leave pipeline mode; the batch's transaction stays open. */
static int pipeline_drain(store *s)
{
    int rc = pipeline_sync_read(s);
    s->pipelined = 0;
    if (!PQexitPipelineMode(s->conn) && rc == RH_OK)
        rc = fail(s, "batch", NULL);
    return rc;
}

/* On our own connection the batch's enqueues are pipelined: one round trip
 * for the lot instead of one per emit. The host's connection is left in
 * ordinary mode, so that the host may still use it between emits. */
static int s_batch_begin(void *ud)
{
    store *s = ud;
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    s->batch_failed = 0;
    s->batch_txn = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    if (!s->batch_txn)
        return RH_OK; /* inside the host's transaction: its to commit */
    if (s->owned && prepare(s, S_DL_INSERT) == RH_OK &&
        PQenterPipelineMode(s->conn)) {
        s->pipelined = 1;
        if (PQsendQueryParams(s->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
            s->n_unread = 1;
            return RH_OK;
        }
        rc = fail(s, "batch_begin", NULL);
        pipeline_drain(s);
        s->batch_txn = 0;
        return rc;
    }
    if ((rc = exec_simple(s, "BEGIN", "batch_begin")) != RH_OK)
        s->batch_txn = 0;
    return rc;
}

static int s_batch_commit(void *ud)
{
    store *s = ud;
    int rc = RH_OK;
    if (!s->batch_txn)
        return RH_OK; /* inside the host's transaction: its to commit */
    s->batch_txn = 0;
    if (s->pipelined) {
        if (!s->batch_failed &&
            !PQsendQueryParams(s->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            rc = fail(s, "batch_commit", NULL);
        int drained = pipeline_drain(s);
        if (rc == RH_OK)
            rc = drained;
    } else if (!s->batch_failed) {
        rc = exec_simple(s, "COMMIT", "batch_commit");
    }
    if (rc == RH_OK && s->batch_failed)
        rc = RH_E_STORAGE; /* its text is the failed statement's */
    if (PQstatus(s->conn) == CONNECTION_OK &&
        PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK")); /* nothing of it was kept */
    s->batch_failed = 0;
    return rc;
}

static int attempt_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    rh_attempt *at = NULL;
    size_t rlen = 0;
    unsigned char *resp = col_bytea(r, i, 11, &rlen);
    int rc = resp ? rh_attempt_new(&at, col_i64(r, i, 0), PQgetvalue(r, i, 1),
                                   PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                                   PQgetvalue(r, i, 4), (int)col_i64(r, i, 5),
                                   col_i64(r, i, 6), col_i64(r, i, 7),
                                   (int)col_i64(r, i, 8), (int)col_i64(r, i, 9),
                                   (int)col_i64(r, i, 10), (const char *)resp,
                                   rlen, PQgetvalue(r, i, 12))
                  : RH_E_NOMEM;
    PQfreemem(resp);
    return adapter_give_attempt(p, rc, at, s->err, sizeof s->err);
}

static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud)
{
    store *s = ud;
    each_pass p = {NULL, each, NULL, each_ud};
    char b[5][24];
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    const char *v[8] = {I64(b[0], rh_query_cursor(q)), rh_query_endpoint(q),
                        rh_query_delivery(q), rh_query_event(q),
                        I64(b[1], rh_query_failed_only(q)),
                        I64(b[2], rh_query_since_ms(q)),
                        I64(b[3], rh_query_until_ms(q)),
                        I64(b[4], (int64_t)rh_query_limit(q))};
    PGresult *r = run(s, S_QUERY_ATTEMPTS, 8, v, NULL, NULL,
                      "query_attempts");
    return r ? for_each_row(s, r, attempt_row, &p) : RH_E_STORAGE;
}

static int delivery_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    rh_delivery *dl = NULL;
    int rc = row_delivery(s, r, i, &dl);
    return rc == RH_OK ? adapter_give_delivery(p, dl) : rc;
}

static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud)
{
    store *s = ud;
    each_pass p = {NULL, NULL, each, each_ud};
    char b[5][24];
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    const char *v[8] = {rh_query_endpoint(q), rh_query_delivery(q),
                        rh_query_event(q), I64(b[0], rh_query_failed_only(q)),
                        I64(b[1], rh_query_state(q)),
                        I64(b[2], rh_query_since_ms(q)),
                        I64(b[3], rh_query_until_ms(q)),
                        I64(b[4], (int64_t)rh_query_limit(q))};
    PGresult *r = run(s, S_QUERY_DELIVERIES, 8, v, NULL, NULL,
                      "query_deliveries");
    return r ? for_each_row(s, r, delivery_row, &p) : RH_E_STORAGE;
}

static int s_resend(const char *id, int64_t now_ms, void *ud)
{
    store *s = ud;
    char b[24];
    int rc = begin(s);
    if (rc != RH_OK)
        return rc;
    const char *v[2] = {id, I64(b, now_ms)};
    PGresult *r = run(s, S_RESEND, 2, v, NULL, NULL, "resend");
    rc = r ? RH_OK : RH_E_STORAGE;
    if (r && strcmp(PQcmdTuples(r), "0") == 0) {
        PGresult *g = run(s, S_STATE_OF, 1, v, NULL, NULL, "resend");
        rc = !g ? RH_E_STORAGE : PQntuples(g) ? RH_E_STATE : RH_E_NOT_FOUND;
        PQclear(g);
    }
    PQclear(r);
    return rc == RH_OK ? commit(s) : rollback(s, rc);
}

static int s_recover(const char *endpoint_id, int64_t since_ms,
                     int64_t now_ms, void *ud)
{
    store *s = ud;
    char b1[24], b2[24];
    int rc = begin(s), n = 0;
    if (rc != RH_OK)
        return rc;
    const char *v[3] = {endpoint_id, I64(b1, since_ms), I64(b2, now_ms)};
    PGresult *r = run(s, S_RECOVER, 3, v, NULL, NULL, "recover");
    rc = r ? RH_OK : RH_E_STORAGE;
    if (r)
        n = atoi(PQcmdTuples(r));
    PQclear(r);
    rc = rc == RH_OK ? commit(s) : rollback(s, rc);
    return rc == RH_OK ? n : rc;
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    store *s = ud;
    int rc = ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r = run(s, S_NEXT_DUE, 0, NULL, NULL, NULL, "next_due");
    if (!r)
        return RH_E_STORAGE;
    if (PQgetisnull(r, 0, 0)) {
        *due_out = -1;
    } else {
        int64_t due = col_i64(r, 0, 0);
        /* another process may add earlier work */
        *due_out = due < now_ms + POLL_MS ? due : now_ms + POLL_MS;
    }
    PQclear(r);
    return RH_OK;
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
        free(s->sql[i]);
    if (s->owned && s->conn)
        PQfinish(s->conn);
    free(s);
}

/* ------------------------------------------------------------ opening */

static int schema_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 63 || (n[0] >= '0' && n[0] <= '9'))
        return 0;
    return strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

static int migrate(store *s)
{
    char sql[512];
    int rc = begin(s), version = 0;
    if (rc != RH_OK)
        return rc;
    /* one process migrates at a time; the others wait, then see it done */
    snprintf(sql, sizeof sql,
             "SET LOCAL client_min_messages = warning;"
             "SELECT pg_advisory_xact_lock(hashtext('replicer_hooks:%s'));"
             "CREATE SCHEMA IF NOT EXISTS %s;"
             "CREATE TABLE IF NOT EXISTS %s.meta(key text PRIMARY KEY,"
             " value bigint NOT NULL)",
             s->schema, s->schema, s->schema);
    if ((rc = exec_simple(s, sql, "create schema")) != RH_OK)
        return rollback(s, rc);
    snprintf(sql, sizeof sql,
             "SELECT value FROM %s.meta WHERE key = 'schema_version'",
             s->schema);
    PGresult *r = PQexec(s->conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = fail(s, "schema version", r);
        PQclear(r);
        return rollback(s, rc);
    }
    if (PQntuples(r))
        version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (version > SCHEMA_VERSION)
        return rollback(s, adapter_schema_newer(version, SCHEMA_VERSION,
                                                s->err, sizeof s->err));
    if (version < 1) {
        char *create = expand(schema_v1, s->schema);
        if (!create)
            return rollback(s, RH_E_NOMEM);
        rc = exec_simple(s, create, "create tables");
        free(create);
        if (rc != RH_OK)
            return rollback(s, rc);
    }
    char *index = expand(index_ready, s->schema);
    if (!index)
        return rollback(s, RH_E_NOMEM);
    rc = exec_simple(s, index, "create index");
    free(index);
    if (rc != RH_OK)
        return rollback(s, rc);
    return commit(s);
}

static int finish(rh_storage *out, store *s, const char *schema, char *err,
                  size_t err_size)
{
    int rc = RH_OK;
    snprintf(s->schema, sizeof s->schema, "%s",
             schema ? schema : "replicer_hooks");
    for (int i = 0; i < S_COUNT && rc == RH_OK; i++)
        if (sql_template[i] &&
            !(s->sql[i] = expand(sql_template[i], s->schema)))
            rc = RH_E_NOMEM;
    if (rc == RH_OK)
        rc = migrate(s);
    if (rc != RH_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s", s->err);
        s_destroy(s);
        return rc;
    }
    adapter_fill(out, s);
    return RH_OK;
}

int rh_pg_open(rh_storage *out, const char *conninfo, const char *schema,
               char *err, size_t err_size)
{
    store *s;
    if (!out || !conninfo || (schema && !schema_name_ok(schema)))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->owned = 1;
    s->conn = PQconnectdb(conninfo);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        if (err && err_size) {
            snprintf(err, err_size, "cannot connect: %s",
                     s->conn ? PQerrorMessage(s->conn) : "out of memory");
            size_t n = strlen(err);
            while (n && err[n - 1] == '\n')
                err[--n] = '\0';
        }
        s_destroy(s);
        return RH_E_STORAGE;
    }
    return finish(out, s, schema, err, err_size);
}

int rh_pg_attach(rh_storage *out, struct pg_conn *conn, const char *schema,
                 char *err, size_t err_size)
{
    store *s;
    if (!out || !conn || (schema && !schema_name_ok(schema)))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->conn = conn;
    return finish(out, s, schema, err, err_size);
}
