/* PostgreSQL in use: the outbox in the host's transaction, a lost
 * connection, several worker processes on one queue with one of them killed
 * again and again, and a database restart during delivery. Skipped, and
 * counted so, when there is no test cluster. */
#include "backends.h"
#include "rh_test.h"

#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#include <libpq-fe.h>
#endif

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NEED_PG()                                                              \
    do {                                                                       \
        if (!rh_test_pg())                                                     \
            RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");                \
    } while (0)

#ifdef RH_HAVE_PG

static void fresh_schema(char *out, size_t size, const char *stem)
{
    static unsigned n;
    snprintf(out, size, "%s_%u_%u", stem, (unsigned)getpid(), ++n);
}

static int64_t scalar(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int64_t v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* A context on a connection of the host's own (*db, the caller's to
 * finish) to a fresh schema (its name into schema, of 64), with one
 * endpoint at url for the events of pattern; *ctx is NULL when a step
 * failed (the failure said). */
static void host_connection_ctx(const char *stem, const char *url,
                                const char *pattern, char *schema,
                                PGconn **db, rh_ctx **ctx)
{
    char err[512], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_storage st;
    *ctx = NULL;
    fresh_schema(schema, 64, stem);
    *db = PQconnectdb(rh_test_pg());
    RH_CHECK_EQ_INT(CONNECTION_OK, PQstatus(*db));
    RH_CHECK_EQ_INT(RH_OK, rh_pg_attach(&st, *db, schema, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *made = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(made, url, &pattern, 1, ep,
                                           sizeof ep, secret, sizeof secret));
    *ctx = made;
}

static void test_pg__outbox_commits_and_rolls_back_with_the_host(void)
{
    NEED_PG();
    char schema[64], sql[256];
    PGconn *db = NULL;
    rh_ctx *ctx = NULL;
    host_connection_ctx("outbox", "http://127.0.0.1:9/o", "order.*", schema,
                        &db, &ctx);
    RH_CHECK(ctx);
    snprintf(sql, sizeof sql, "CREATE TABLE %s.orders(id text)", schema);
    PQclear(PQexec(db, sql));
    for (int commit = 0; commit < 2; commit++) {
        PQclear(PQexec(db, "BEGIN"));
        snprintf(sql, sizeof sql, "INSERT INTO %s.orders VALUES('o_%d')",
                 schema, commit);
        PQclear(PQexec(db, sql));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "order.created", "{}", 2, NULL, 0));
        PQclear(PQexec(db, commit ? "COMMIT" : "ROLLBACK"));
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.orders", schema);
        RH_CHECK_EQ_INT(commit, scalar(db, sql));
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.events", schema);
        RH_CHECK_EQ_INT(commit, scalar(db, sql));
        RH_CHECK_EQ_INT(commit, rh_test_count_deliveries(ctx, NULL));
    }
    rh_ctx_free(ctx);
    PQfinish(db); /* ours; the adapter never closed it */
}

/* On the host's connection an emit batch is a plain transaction, which
 * answers a keyed emit at once: the batch's second emit of a key is a
 * repeat, and a batch rolled back with the host's transaction frees it. */
static void test_pg__host_connection_batch_answers_keys(void)
{
    NEED_PG();
    char schema[64], first[RH_ID_SIZE], again[RH_ID_SIZE];
    PGconn *db = NULL;
    rh_ctx *ctx = NULL;
    rh_emit_options *o = NULL;
    host_connection_ctx("batchkeys", "http://127.0.0.1:9/k", "*", schema, &db,
                        &ctx);
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_idempotency_key(o, "k-1"));
    for (int keep = 0; keep < 2; keep++) {
        PQclear(PQexec(db, "BEGIN")); /* the host's transaction */
        RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
        RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "a.b", "{}", 2, o, first,
                                        sizeof first));
        RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "a.b", "{}", 2, o, again,
                                        sizeof again));
        RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
        RH_CHECK_EQ_STR(first, again);
        RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
        PQclear(PQexec(db, keep ? "COMMIT" : "ROLLBACK"));
        RH_CHECK_EQ_INT(keep, rh_test_count_deliveries(ctx, NULL));
    }
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    PQfinish(db);
}

/* The counter of one of the schema's indexes on deliveries, or of its
 * sequential scans (index NULL); -1 until the server has it. */
static int64_t scans_of(PGconn *db, const char *schema, const char *index)
{
    char sql[512];
    if (index)
        snprintf(sql, sizeof sql,
                 "SELECT idx_scan FROM pg_stat_user_indexes WHERE "
                 "schemaname = '%s' AND indexrelname = '%s'",
                 schema, index);
    else
        snprintf(sql, sizeof sql,
                 "SELECT seq_scan FROM pg_stat_user_tables WHERE "
                 "schemaname = '%s' AND relname = 'deliveries'",
                 schema);
    PQclear(PQexec(db, "SELECT pg_stat_clear_snapshot()"));
    return scalar(db, sql);
}

/* A schema made by 0.1 (its claim indexes) is opened: it gains the claim's
 * index and loses the two the planner used to pick instead. Then, on a
 * table that has never been analysed, 3,000 queued deliveries are claimed
 * tick by tick: every claim seeks through deliveries_ready_c, none walks
 * (endpoint_id, created_ms), which holds the finished rows too, and none
 * reads the whole table. */
static void test_pg__claim_seeks_its_own_index_whatever_the_statistics(void)
{
    NEED_PG();
    char schema[64], err[512], sql[1024], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_storage st;
    fresh_schema(schema, sizeof schema, "plan");
    PGconn *db = PQconnectdb(rh_test_pg());
    RH_CHECK_EQ_INT(CONNECTION_OK, PQstatus(db));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_pg_open(&st, rh_test_pg(), schema, err, sizeof err));
    st.destroy(st.userdata);
    snprintf(sql, sizeof sql,
             "DROP INDEX %s.deliveries_ready_c; DROP INDEX %s.deliveries_due;"
             "CREATE INDEX deliveries_ready ON %s.deliveries(endpoint_id,"
             " due_ms, id) WHERE state < 2;"
             "CREATE INDEX ON %s.deliveries(due_ms) WHERE state < 2;"
             /* as an older version left it: no index layout noted */
             "DELETE FROM %s.meta WHERE key = 'index_layout'",
             schema, schema, schema, schema, schema);
    PGresult *r = PQexec(db, sql);
    RH_CHECK_EQ_INT(PGRES_COMMAND_OK, PQresultStatus(r));
    PQclear(r);
    int opened = rh_pg_open(&st, rh_test_pg(), schema, err, sizeof err);
    if (opened != RH_OK)
        fprintf(stderr, "    reopen: %s\n", err);
    RH_CHECK_EQ_INT(RH_OK, opened);
    snprintf(sql, sizeof sql,
             "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM "
             "pg_indexes WHERE schemaname = '%s' AND tablename = "
             "'deliveries'",
             schema);
    r = PQexec(db, sql);
    RH_CHECK_EQ_STR("deliveries_done deliveries_due "
                    "deliveries_endpoint_id_created_ms_idx "
                    "deliveries_event_id_idx deliveries_failed "
                    "deliveries_flight deliveries_key deliveries_open_due "
                    "deliveries_pkey deliveries_ready_c deliveries_tenant "
                    "deliveries_tenant_done",
                    PQgetvalue(r, 0, 0));
    PQclear(r);

    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    /* nothing listens on port 9: each delivery fails at once and waits 5 s
     * for its retry, so each is claimed once here */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/x", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    const int queued = 3000;
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    for (int i = 0; i < queued; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "plan.test", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    int drove = rh_test_drive(ctx, 60000);
    if (drove != queued)
        fprintf(stderr, "    drive: %s\n", rh_ctx_last_error(ctx));
    RH_CHECK_EQ_INT(queued, drove);
    /* counted in the attempts: this test itself reads no deliveries */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.attempts", schema);
    RH_CHECK_EQ_INT(queued, scalar(db, sql));
    /* the adapter's backend reports its counters as it exits */
    rh_ctx_free(ctx);
    int64_t ready = -1, deadline = rh_test_mono_ms() + 10000;
    while ((ready = scans_of(db, schema, "deliveries_ready_c")) <= 0 &&
           rh_test_mono_ms() < deadline)
        usleep(50000);
    RH_CHECK(ready > 0);
    RH_CHECK_EQ_INT(
        0, scans_of(db, schema, "deliveries_endpoint_id_created_ms_idx"));
    /* the index builds of the schema's creation and of both opens read the
     * table (under ten); a claim that read it would add one per claim,
     * hundreds here */
    int64_t seq = scans_of(db, schema, NULL);
    RH_CHECK(seq >= 0 && seq < 20);
    PQfinish(db);
}

static void test_pg__lost_connection_is_an_error_then_recovers(void)
{
    NEED_PG();
    char schema[64], err[512];
    rh_storage st;
    fresh_schema(schema, sizeof schema, "lost");
    RH_CHECK_EQ_INT(RH_OK, rh_pg_open(&st, rh_test_pg(), schema, err,
                                      sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    /* the server drops our session, as a restart or failover would */
    PGconn *admin = PQconnectdb(rh_test_pg());
    /* the runner runs this test alone (run_alone in rh_runner.c): the
     * only other client session is ours */
    RH_CHECK(scalar(admin, "SELECT count(pg_terminate_backend(pid)) FROM "
                           "pg_stat_activity WHERE pid <> pg_backend_pid() "
                           "AND backend_type = 'client backend'") >= 1);
    /* emit never pretends: an error while the database is unreachable */
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "enqueue") != NULL);
    /* then the connection is made again, and nothing was half written */
    int rc = RH_E_STORAGE;
    for (int i = 0; i < 100 && rc < 0; i++) {
        usleep(50000);
        rc = rh_emit(ctx, "t", "{}", 2, NULL, 0);
    }
    RH_CHECK_EQ_INT(1, rc);
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
    PQfinish(admin);
    rh_ctx_free(ctx);
}

static pid_t spawn_worker(const char *schema)
{
    char store[600];
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    const char *args[] = {"worker", "--store",    store,     "--schema",
                          schema,   "--dev",      "--quiet", "--timeout-ms",
                          "1000",   "--lease-ms", "2000",    NULL};
    /* what the workers say about the restarts the tests make goes to a
     * file in the test's folder, not into make check's output */
    char log[160];
    rh_test_path(log, sizeof log, "workers.log");
    return rh_test_tool_spawn(args, NULL, log);
}

/* A SIGKILL for a worker, and a new one in its place. */
static void kill_and_respawn(pid_t *pid, const char *schema, int *kills)
{
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = spawn_worker(schema);
    (*kills)++;
}

/* SIGTERM: each finishes what it has in flight and exits. */
static void stop_workers(const pid_t *pids, int n)
{
    for (int w = 0; w < n; w++) {
        kill(pids[w], SIGTERM);
        waitpid(pids[w], NULL, 0);
    }
}

/* Emit n events to the store in one host transaction per 500. */
static int emit_batched(const char *schema, int n, rh_ctx **ctx_out,
                        PGconn **db_out, sink *const *sinks, int n_sinks)
{
    char err[512];
    rh_storage st;
    PGconn *db = PQconnectdb(rh_test_pg());
    if (PQstatus(db) != CONNECTION_OK ||
        rh_pg_attach(&st, db, schema, err, sizeof err) != RH_OK)
        return -1;
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    for (int i = 0; i < n_sinks; i++) {
        char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], path[16];
        snprintf(path, sizeof path, "/w%d", i);
        if (rh_test_endpoint(ctx, sinks[i], path, "*", ep, secret) != RH_OK)
            return -1;
    }
    for (int i = 0; i < n; i++) {
        if (i % 500 == 0)
            PQclear(PQexec(db, "BEGIN"));
        if (rh_emit(ctx, "job.done", "{\"n\":1}", 7, NULL, 0) != n_sinks)
            return -1;
        if (i % 500 == 499 || i == n - 1)
            PQclear(PQexec(db, "COMMIT"));
    }
    *ctx_out = ctx;
    *db_out = db;
    return 0;
}

typedef struct seen_ids {
    size_t requests, unique, duplicates, overlaps;
} seen_ids;

static void count_ids(sink *const *sinks, int n_sinks, seen_ids *out)
{
    size_t total = 0;
    for (int i = 0; i < n_sinks; i++)
        total += sink_count(sinks[i]);
    char **ids = calloc(total + 1, sizeof *ids);
    size_t k = 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < n_sinks; i++) {
        out->overlaps += sink_overlaps(sinks[i]);
        for (size_t j = 0; j < sink_count(sinks[i]) && k < total; j++) {
            sink_request r;
            if (sink_get(sinks[i], j, &r) == 0) {
                ids[k++] = strdup(sink_header(&r, "webhook-id"));
                sink_request_free(&r);
            }
        }
    }
    qsort(ids, k, sizeof *ids, rh_test_by_str);
    for (size_t i = 0; i < k; i++)
        out->unique += i == 0 || strcmp(ids[i], ids[i - 1]) != 0;
    out->requests = k;
    out->duplicates = k - out->unique;
    for (size_t i = 0; i < k; i++)
        free(ids[i]);
    free(ids);
}

/* n receivers that answer 200 after delay_ms, for up to 5 minutes. */
static int start_sinks(sink **sinks, int n, int delay_ms)
{
    for (int i = 0; i < n; i++) {
        if (sink_start(&sinks[i], 300000) != 0)
            return -1;
        sink_rule(sinks[i], "/", 200, delay_ms, NULL, NULL, -1);
    }
    return 0;
}

static size_t unique_received(sink *const *sinks, int n_sinks)
{
    seen_ids s;
    count_ids(sinks, n_sinks, &s);
    return s.unique;
}

static void test_pg__workers_share_one_queue_through_kills(void)
{
    NEED_PG();
    enum { SINKS = 4, WORKERS = 3, KILLS = 6 };
    /* Under valgrind the receivers (threads of this process) answer some
     * 50 times slower: a fifth of the load keeps them under the workers'
     * 1 s timeout, where the full load made the test a retry storm. */
    const int events = getenv("RH_TEST_VALGRIND") ? 1000 : 5000;
    char schema[64], sql[256];
    sink *sinks[SINKS];
    rh_ctx *ctx = NULL;
    PGconn *db = NULL;
    fresh_schema(schema, sizeof schema, "workers");
    /* answers take a moment: kills land on transfers in flight, and a
     * delivery sent by two workers at once would overlap */
    RH_CHECK_EQ_INT(0, start_sinks(sinks, SINKS, 3));
    int64_t t0 = rh_test_mono_ms();
    RH_CHECK_EQ_INT(0, emit_batched(schema, events, &ctx, &db, sinks, SINKS));
    int64_t t_emit = rh_test_mono_ms() - t0;
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++)
        pids[w] = spawn_worker(schema);
    int kills = 0;
    int64_t deadline = rh_test_mono_ms() + 180000;
    const size_t want = (size_t)events * SINKS;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.deliveries WHERE state = 2", schema);
    /* done when the store says so: a delivery a kill interrupted has
     * arrived already, but is sent and recorded again after its lease */
    while ((unique_received(sinks, SINKS) < want ||
            scalar(db, sql) < (int64_t)want) &&
           rh_test_mono_ms() < deadline) {
        usleep(300000);
        if (kills < KILLS)
            kill_and_respawn(&pids[0], schema, &kills);
    }
    int64_t t_deliver = rh_test_mono_ms() - t0 - t_emit;
    stop_workers(pids, WORKERS);
    seen_ids s;
    count_ids(sinks, SINKS, &s);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.deliveries WHERE state = 2", schema);
    int64_t succeeded = scalar(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.attempts WHERE success = 1", schema);
    int64_t logged = scalar(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.attempts WHERE success = 0", schema);
    int64_t failed_attempts = scalar(db, sql);
    printf("    pg workers: %d workers, %d kills, %zu deliveries in %.1f s "
           "(%.0f/s; emitted in %.1f s): %zu arrived, %zu duplicates, "
           "%zu overlapping, %lld succeeded in the store, %lld successes "
           "logged, %lld failed attempts logged\n",
           WORKERS, kills, want, (double)t_deliver / 1000,
           want * 1000.0 / (double)(t_deliver ? t_deliver : 1),
           (double)t_emit / 1000, s.unique, s.duplicates, s.overlaps,
           (long long)succeeded, (long long)logged,
           (long long)failed_attempts);
    RH_CHECK_EQ_INT(want, s.unique);     /* every delivery arrived */
    RH_CHECK_EQ_INT(0, s.overlaps);      /* never in two workers at once */
    /* a second receipt is a claim a kill interrupted (at most the 64 in
     * flight) or a logged failure the receiver saw (a timeout, when a
     * loaded machine answers past the workers' 1 s) */
    RH_CHECK(s.duplicates <= (size_t)kills * 64 + (size_t)failed_attempts);
    RH_CHECK_EQ_INT((int64_t)want, succeeded);
    RH_CHECK_EQ_INT((int64_t)want, logged); /* the log matches */
    rh_ctx_free(ctx);
    PQfinish(db);
    for (int i = 0; i < SINKS; i++)
        sink_stop(sinks[i]);
}

static void test_pg__database_restart_during_delivery(void)
{
    NEED_PG();
    const char *restart = getenv("RH_TEST_PG_RESTART");
    if (!restart || !*restart)
        RH_SKIP("no way to restart the test cluster (RH_TEST_PG_RESTART)");
    enum { EVENTS = 1500, SINKS = 2, WORKERS = 2 };
    char schema[64], sql[256];
    sink *sinks[SINKS];
    rh_ctx *ctx = NULL;
    PGconn *db = NULL;
    fresh_schema(schema, sizeof schema, "restart");
    RH_CHECK_EQ_INT(0, start_sinks(sinks, SINKS, 5));
    RH_CHECK_EQ_INT(0, emit_batched(schema, EVENTS, &ctx, &db, sinks, SINKS));
    rh_ctx_free(ctx);
    PQfinish(db);
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++)
        pids[w] = spawn_worker(schema);
    const size_t want = (size_t)EVENTS * SINKS;
    int64_t deadline = rh_test_mono_ms() + 10000;
    while (unique_received(sinks, SINKS) < want / 4 && rh_test_mono_ms() < deadline)
        usleep(20000);
    size_t before = unique_received(sinks, SINKS);
    RH_CHECK_EQ_INT(0, system(restart));
    deadline = rh_test_mono_ms() + 180000;
    db = PQconnectdb(rh_test_pg());
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.deliveries WHERE state = 2", schema);
    while ((unique_received(sinks, SINKS) < want ||
            scalar(db, sql) < (int64_t)want) &&
           rh_test_mono_ms() < deadline) {
        usleep(100000);
        if (PQstatus(db) != CONNECTION_OK)
            PQreset(db); /* our own view survives the restart too */
    }
    stop_workers(pids, WORKERS);
    int64_t succeeded = scalar(db, sql);
    seen_ids s;
    count_ids(sinks, SINKS, &s);
    printf("    pg restart: %zu of %zu delivered before the restart, %zu "
           "after; %zu duplicates; %lld succeeded in the store\n",
           before, want, s.unique - before, s.duplicates,
           (long long)succeeded);
    RH_CHECK(before < want); /* the restart happened mid-delivery */
    RH_CHECK_EQ_INT(want, s.unique);
    RH_CHECK_EQ_INT((int64_t)want, succeeded);
    PQfinish(db);
    for (int i = 0; i < SINKS; i++)
        sink_stop(sinks[i]);
}

/* Ordering keys with several workers, one killed again and again: per key
 * the receiver sees the deliveries in emit order (a repeat of the last one
 * after a kill, never an older one after a newer), and never two of a key
 * at once: each arrives at least the receiver's answer time after the one
 * before. Other keys go on meanwhile. */
static void test_pg__ordering_keys_through_kills(void)
{
    NEED_PG();
    enum { KEYS = 20, PER_KEY = 15, WORKERS = 3, KILLS = 4, DELAY = 20 };
    char schema[64], sql[256], err[256];
    sink *s = NULL;
    rh_storage st;
    fresh_schema(schema, sizeof schema, "ordered");
    RH_CHECK_EQ_INT(0, start_sinks(&s, 1, DELAY));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_pg_open(&st, rh_test_pg(), schema, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/o", "*", ep, secret));
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o);
    for (int n = 0; n < PER_KEY; n++)
        for (int k = 0; k < KEYS; k++) {
            char key[16], data[64];
            snprintf(key, sizeof key, "k%02d", k);
            int len = snprintf(data, sizeof data, "{\"key\":\"%s\",\"n\":%d}",
                               key, n);
            rh_emit_options_set_ordering_key(o, key, RH_ORDERING_CONTINUE);
            RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "job.step", data, (size_t)len,
                                            o, NULL, 0));
        }
    rh_emit_options_free(o);
    PGconn *db = PQconnectdb(rh_test_pg());
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++)
        pids[w] = spawn_worker(schema);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s.deliveries WHERE state = 2", schema);
    int kills = 0;
    int64_t t0 = rh_test_mono_ms(), deadline = t0 + 120000;
    while (scalar(db, sql) < KEYS * PER_KEY && rh_test_mono_ms() < deadline) {
        usleep(300000);
        if (kills < KILLS)
            kill_and_respawn(&pids[0], schema, &kills);
    }
    int64_t took_ms = rh_test_mono_ms() - t0;
    stop_workers(pids, WORKERS);
    /* per key, in arrival order: n never goes back, and arrivals are at
     * least the answer time apart */
    int last_n[KEYS], seen[KEYS][PER_KEY];
    int64_t last_at[KEYS];
    int back = 0, overlap = 0, repeats = 0;
    memset(seen, 0, sizeof seen);
    for (int k = 0; k < KEYS; k++) {
        last_n[k] = -1;
        last_at[k] = -1;
    }
    size_t total = sink_count(s);
    for (size_t i = 0; i < total; i++) {
        sink_request r;
        if (sink_get(s, i, &r) != 0)
            continue;
        const char *kp = strstr(r.body, "\"key\":\"k"),
                   *np = strstr(r.body, "\"n\":");
        int k = kp ? atoi(kp + 8) : -1, n = np ? atoi(np + 4) : -1;
        if (k >= 0 && k < KEYS && n >= 0 && n < PER_KEY) {
            back += n < last_n[k];
            repeats += n == last_n[k];
            overlap +=
                last_at[k] >= 0 && r.received_ms < last_at[k] + DELAY - 1;
            last_n[k] = n;
            last_at[k] = r.received_ms;
            seen[k][n] = 1;
        }
        sink_request_free(&r);
    }
    int missing = 0;
    for (int k = 0; k < KEYS; k++)
        for (int n = 0; n < PER_KEY; n++)
            missing += !seen[k][n];
    printf("    pg ordering keys: %d keys x %d, %d workers, %d kills, %.1f s: "
           "%zu requests, %d repeats after kills, %d out of order, %d "
           "overlapping, %d missing\n",
           KEYS, PER_KEY, WORKERS, kills, (double)took_ms / 1000, total,
           repeats, back, overlap, missing);
    RH_CHECK_EQ_INT(KEYS * PER_KEY, scalar(db, sql));
    RH_CHECK_EQ_INT(0, missing);
    RH_CHECK_EQ_INT(0, back);
    RH_CHECK_EQ_INT(0, overlap);
    PQfinish(db);
    rh_ctx_free(ctx);
    sink_stop(s);
}

#else /* no libpq in this build */

static void test_pg__host_connection_batch_answers_keys(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__outbox_commits_and_rolls_back_with_the_host(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__claim_seeks_its_own_index_whatever_the_statistics(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__lost_connection_is_an_error_then_recovers(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__workers_share_one_queue_through_kills(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__database_restart_during_delivery(void)
{
    RH_SKIP("built without libpq");
}
static void test_pg__ordering_keys_through_kills(void)
{
    RH_SKIP("built without libpq");
}

#endif

const rh_test_case rh_tests_pg[] = {
    {"pg__outbox_commits_and_rolls_back_with_the_host",
     test_pg__outbox_commits_and_rolls_back_with_the_host},
    {"pg__host_connection_batch_answers_keys",
     test_pg__host_connection_batch_answers_keys},
    {"pg__claim_seeks_its_own_index_whatever_the_statistics",
     test_pg__claim_seeks_its_own_index_whatever_the_statistics},
    {"pg__lost_connection_is_an_error_then_recovers",
     test_pg__lost_connection_is_an_error_then_recovers},
    {"pg__workers_share_one_queue_through_kills",
     test_pg__workers_share_one_queue_through_kills},
    {"pg__database_restart_during_delivery",
     test_pg__database_restart_during_delivery},
    {"pg__ordering_keys_through_kills", test_pg__ordering_keys_through_kills},
    {NULL, NULL}};
