/* The SQLite adapter in use: restarts lose nothing and keep the schedule,
 * the transactional outbox, open errors, claims shared by processes, and
 * endpoints changed by another process. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#include <sqlite3.h>

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A store of schema version 3 made back into what version 2 wrote: no
 * endpoint state table, no tenants, no documents. */
static const char back_to_v2[] = "DROP TABLE rh_endpoint_state;"
                                 "DROP TABLE rh_documents;"
                                 "DROP INDEX rh_deliveries_open_due;"
                                 "DROP INDEX rh_deliveries_flight;"
                                 "DROP INDEX rh_deliveries_failed;"
                                 "DROP INDEX rh_deliveries_tenant_done;"
                                 "DROP INDEX rh_deliveries_tenant;"
                                 "DROP INDEX rh_attempts_tenant;"
                                 "ALTER TABLE rh_events DROP COLUMN trace;"
                                 "ALTER TABLE rh_events DROP COLUMN tenant;"
                                 "ALTER TABLE rh_deliveries DROP COLUMN tenant;"
                                 "ALTER TABLE rh_attempts DROP COLUMN tenant";

static rh_ctx *ctx_on(const char *path, rh_config *cfg)
{
    rh_storage st;
    char err[256];
    if (!cfg)
        cfg = rh_test_config();
    if (rh_sqlite_open(&st, path, 0, err, sizeof err) != RH_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    rh_config_set_storage(cfg, &st);
    return rh_test_ctx_from(cfg);
}

static void test_sqlite__restart_keeps_everything(void)
{
    sink *s = rh_test_sink();
    char path[128], ep[RH_ID_SIZE], bad[RH_ID_SIZE], secret[RH_SECRET_SIZE],
        bad_secret[RH_SECRET_SIZE];
    sink_request r;
    rh_test_path(path, sizeof path, "restart");
    sink_rule(s, "/down", 500, 0, NULL, NULL, -1);
    rh_ctx *ctx = ctx_on(path, NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/up", "a.*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/down", "b", bad,
                                            bad_secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "b", "{\"n\":2}", 7, NULL, 0));
    /* the failing one makes its first attempt before the "crash" ... */
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s));
    /* ... and this one is acknowledged but never sent by this process */
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.one", "{\"n\":1}", 7, NULL, 0));
    rh_ctx_free(ctx);

    /* a new process on the same file: endpoints, secrets, pending work,
     * attempt counts and the log are all there */
    ctx = ctx_on(path, NULL);
    const rh_endpoint *e = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    RH_CHECK_EQ_STR("a.*", rh_endpoint_event(e, 0));
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, NULL));
    /* a.one was due while we were down: sent on the first tick */
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(2, sink_count(s));
    RH_CHECK_EQ_INT(0, sink_get(s, 1, &r));
    RH_CHECK_EQ_STR("/up", r.path);
    RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, secret, 1700000000));
    sink_request_free(&r);
    /* b keeps its schedule: attempt 2 exactly 5 s after attempt 1 */
    rh_test_now_ms += 4999;
    RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 5000));
    rh_test_now_ms += 1;
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, sink_count(s));
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_endpoint(q, bad);
    RH_CHECK_EQ_INT(2, rh_test_count_attempts(ctx, q));
    rh_query_free(q);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_sqlite__outbox_commits_and_rolls_back_with_the_host(void)
{
    char path[128], err[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"order.*"};
    sqlite3 *db = NULL;
    rh_storage st;
    rh_test_path(path, sizeof path, "outbox");
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    RH_CHECK_EQ_INT(SQLITE_OK,
                    sqlite3_exec(db, "CREATE TABLE orders(id TEXT)", NULL,
                                 NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_attach(&st, db, 0, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/o",
                                           events, 1, ep, sizeof ep, secret,
                                           sizeof secret));
    /* the host's business change and the event, rolled back together */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_exec(db, "INSERT INTO orders VALUES('o_1')", NULL, NULL, NULL);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "order.created", "{\"id\":\"o_1\"}", 12,
                               NULL, 0));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    RH_CHECK_EQ_INT(0, count_rows(db, "SELECT COUNT(*) FROM orders"));
    RH_CHECK_EQ_INT(0, count_rows(db, "SELECT COUNT(*) FROM rh_events"));
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    /* and committed together */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_exec(db, "INSERT INTO orders VALUES('o_2')", NULL, NULL, NULL);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "order.created", "{\"id\":\"o_2\"}", 12,
                               NULL, 0));
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    RH_CHECK_EQ_INT(1, count_rows(db, "SELECT COUNT(*) FROM orders"));
    RH_CHECK_EQ_INT(1, count_rows(db, "SELECT COUNT(*) FROM rh_events"));
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
    /* the host's user_version is the host's */
    RH_CHECK_EQ_INT(0, count_rows(db, "PRAGMA user_version"));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_close(db)); /* ours are finalized */
}

static void test_sqlite__open_errors_are_clear(void)
{
    rh_storage st;
    char err[256] = "", path[128];
    RH_CHECK_EQ_INT(RH_E_STORAGE,
                    rh_sqlite_open(&st, "/nonexistent/dir/x.db", 0, err,
                                   sizeof err));
    RH_CHECK(strstr(err, "/nonexistent/dir/x.db") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sqlite_open(&st, "", 0, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sqlite_open(NULL, "x", 0, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sqlite_open(&st, "x", 99, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sqlite_attach(&st, NULL, 0, NULL, 0));
    /* a file that is not a database */
    rh_test_path(path, sizeof path, "garbage");
    FILE *f = fopen(path, "w");
    RH_CHECK(f != NULL);
    fputs("this is not a database, just text long enough to be a header.....",
          f);
    fclose(f);
    err[0] = '\0';
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_sqlite_open(&st, path, 0, err, sizeof err));
    RH_CHECK(strstr(err, "is damaged or not a replicer-hooks store") != NULL);
    /* a schema written by a newer library */
    rh_test_path(path, sizeof path, "newer");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
    st.destroy(st.userdata);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "UPDATE rh_meta SET value = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_sqlite_open(&st, path, 0, err, sizeof err));
    RH_CHECK(strstr(err, "newer") != NULL);
}

/* The file's bytes, to show that a refused open changed nothing. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    b = malloc(*len + 1);
    if (b && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* A store with one endpoint and one event in it, closed. */
static void make_store(const char *path)
{
    rh_ctx *ctx = ctx_on(path, NULL);
    const char *events[] = {"*"};
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, id, sizeof id,
                    secret, sizeof secret);
    rh_emit(ctx, "t", "{}", 2, NULL, 0);
    rh_ctx_free(ctx);
}

/* Damage of four kinds: each open is refused with a message that says the
 * file is damaged or not ours, and leaves the file's bytes as they were. */
static void test_sqlite__damaged_store_is_named_and_left_alone(void)
{
    static const char *const kinds[] = {"text", "pages", "no meta row",
                                        "no meta table"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        char path[128], err[512] = "";
        rh_storage st;
        size_t before_len = 0, after_len = 0;
        rh_test_path(path, sizeof path, "damaged");
        if (k == 0) {
            FILE *f = fopen(path, "w");
            RH_CHECK(f != NULL);
            for (int i = 0; i < 200; i++)
                fputs("not a database, a text file of many lines\n", f);
            fclose(f);
        } else {
            make_store(path);
            sqlite3 *db;
            RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
            if (k == 2)
                sqlite3_exec(db, "DELETE FROM rh_meta", NULL, NULL, NULL);
            if (k == 3)
                sqlite3_exec(db, "DROP TABLE rh_meta", NULL, NULL, NULL);
            sqlite3_close(db);
            if (k == 1) {
                /* every page after the first (the schema) overwritten */
                size_t len;
                char *b = slurp(path, &len);
                RH_CHECK(b != NULL && len > 8192);
                srand(7);
                for (size_t i = 4096; i < len; i++)
                    b[i] = (char)rand();
                FILE *f = fopen(path, "wb");
                RH_CHECK(f != NULL);
                fwrite(b, 1, len, f);
                fclose(f);
                free(b);
            }
        }
        char *before = slurp(path, &before_len);
        RH_CHECK(before != NULL);
        int rc = rh_sqlite_open(&st, path, 0, err, sizeof err);
        if (rc == RH_OK)
            st.destroy(st.userdata);
        char *after = slurp(path, &after_len);
        if (rc != RH_E_STORAGE || !strstr(err, "is damaged or not a "
                                               "replicer-hooks store"))
            fprintf(stderr, "    %s: rc %d, \"%s\"\n", kinds[k], rc, err);
        RH_CHECK_EQ_INT(RH_E_STORAGE, rc);
        RH_CHECK(strstr(err, "is damaged or not a replicer-hooks store") !=
                 NULL);
        RH_CHECK(strstr(err, path) != NULL);
        RH_CHECK(strstr(err, "already exists") == NULL);
        RH_CHECK(after != NULL && before_len == after_len &&
                 memcmp(before, after, before_len) == 0);
        free(before);
        free(after);
    }
}

static int take_all(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    (void)ev;
    FILE *out = ud;
    fprintf(out, "%s\n", rh_delivery_id(dl));
    return 1;
}

static void test_sqlite__processes_never_claim_one_delivery_twice(void)
{
    enum { N = 400, PROCS = 3 };
    char path[128];
    rh_storage st;
    rh_test_path(path, sizeof path, "claims");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
    for (int i = 0; i < N; i++) {
        char eid[32], did[32];
        rh_event *ev = NULL;
        rh_delivery *dl = NULL;
        snprintf(eid, sizeof eid, "evt_%04d", i);
        snprintf(did, sizeof did, "dlv_%04d", i);
        rh_event_new(&ev, eid, "t", 1, "{}", 2);
        rh_delivery_new(&dl, did, eid, "ep_1", "t", 0, 0, 1, 1, 1);
        const rh_delivery *one[1] = {dl};
        RH_CHECK_EQ_INT(RH_OK, st.enqueue(ev, one, 1, st.userdata));
        rh_delivery_free(dl);
        rh_event_free(ev);
    }
    st.destroy(st.userdata);
    char outs[PROCS][160];
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        snprintf(outs[p], sizeof outs[p], "%s.claimed%d", path, p);
        pids[p] = fork();
        if (pids[p] == 0) {
            rh_storage mine;
            FILE *out = fopen(outs[p], "w");
            if (!out || rh_sqlite_open(&mine, path, 0, NULL, 0) != RH_OK)
                _exit(1);
            /* small claims, many times, all racing for the same rows; a
             * claim waits at most 10 ms for the lock (it is on rh_tick's
             * path), so racing processes often find it busy and simply
             * try again, as a worker's next tick does */
            int failures = 0;
            for (int k = 0; k < 200;) {
                if (mine.claim(10, 1000000, 3, take_all, out, mine.userdata) >=
                    0) {
                    k++;
                    continue;
                }
                if (++failures > 20000)
                    _exit(2);
                struct timespec pause = {0, 1000000};
                nanosleep(&pause, NULL);
            }
            fclose(out);
            mine.destroy(mine.userdata);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        waitpid(pids[p], &status, 0);
        RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    static char seen[N];
    int total = 0;
    memset(seen, 0, sizeof seen);
    for (int p = 0; p < PROCS; p++) {
        FILE *in = fopen(outs[p], "r");
        char line[64];
        RH_CHECK(in != NULL);
        while (fgets(line, sizeof line, in)) {
            int i = atoi(line + 4);
            RH_CHECK(i >= 0 && i < N);
            RH_CHECK_EQ_INT(0, seen[i]); /* nobody else had it */
            seen[i] = 1;
            total++;
        }
        fclose(in);
    }
    RH_CHECK_EQ_INT(N, total);
}

static void test_sqlite__endpoint_changes_reach_a_running_worker(void)
{
    sink *s = rh_test_sink();
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_test_path(path, sizeof path, "shared");
    rh_ctx *worker = ctx_on(path, NULL);
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_refresh_ms(cfg, 1000);
    rh_ctx *refreshing = ctx_on(path, cfg);
    rh_ctx *admin = ctx_on(path, NULL);
    /* added after the workers started: found when a delivery names it */
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(admin, s, "/new", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(admin, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(worker, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s));
    /* disabled elsewhere: the refreshing worker sees it within 1 s */
    RH_CHECK_EQ_INT(0, rh_test_drive(refreshing, 5000)); /* loads it */
    RH_CHECK_EQ_INT(1, rh_emit(admin, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(admin, ep));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(0, rh_test_drive(refreshing, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s)); /* not sent */
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(admin, RH_DELIVERY_FAILED));
    rh_ctx_free(worker);
    rh_ctx_free(refreshing);
    rh_ctx_free(admin);
    sink_stop(s);
}

static int64_t sqlite_scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A store of schema version 1 (0.1, no ordering keys) is migrated on open,
 * keeping what it held, and its old deliveries have no key. */
static void test_sqlite__version_1_store_is_migrated(void)
{
    char path[128];
    sqlite3 *db;
    rh_test_path(path, sizeof path, "v1");
    rh_ctx *ctx = ctx_on(path, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "old.one", "{}", 2, NULL, 0));
    rh_ctx_free(ctx);
    /* made back into what 0.1 wrote */
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    /* as version 2 left it: no state table, no tenants */
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_exec(db, back_to_v2, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(SQLITE_OK,
                    sqlite3_exec(db,
                                 "DROP INDEX rh_deliveries_key;"
                                 "ALTER TABLE rh_deliveries DROP COLUMN "
                                 "hold_key;"
                                 "ALTER TABLE rh_deliveries DROP COLUMN "
                                 "ordering_key;"
                                 "UPDATE rh_meta SET value = 1",
                                 NULL, NULL, NULL));
    sqlite3_close(db);
    ctx = ctx_on(path, NULL);
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o);
    rh_emit_options_set_ordering_key(o, "k", RH_ORDERING_CONTINUE);
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "new.one", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, NULL));
    /* the old rows belong to no tenant: a tenant's log has none of them,
     * and the old endpoint gets an untenanted emit only */
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_tenant(q, "acct");
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    rh_emit_options_new(&o);
    rh_emit_options_set_tenant(o, "acct");
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "old.two", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "old.two", "{}", 2, NULL, 0));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    RH_CHECK_EQ_INT(4, sqlite_scalar(db, "SELECT value FROM rh_meta WHERE "
                                         "key = 'schema_version'"));
    RH_CHECK_EQ_INT(3, sqlite_scalar(db, "SELECT count(*) FROM rh_deliveries "
                                         "WHERE tenant = ''"));
    RH_CHECK_EQ_INT(2, sqlite_scalar(db, "SELECT count(*) FROM rh_deliveries "
                                         "WHERE ordering_key IS NULL"));
    RH_CHECK_EQ_INT(1, sqlite_scalar(db, "SELECT count(*) FROM rh_deliveries "
                                         "WHERE ordering_key = 'k'"));
    sqlite3_close(db);
}

/* A host that attaches a store of an older schema inside its own open
 * transaction is refused, with what to do: the upgrade would be undone by
 * the host's rollback while this store went on as if it were made. Outside
 * a transaction the same file is upgraded. */
static void test_sqlite__upgrade_inside_host_transaction_is_refused(void)
{
    char path[128], err[512];
    sqlite3 *db;
    rh_storage st;
    rh_test_path(path, sizeof path, "v2");
    rh_ctx *ctx = ctx_on(path, NULL);
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_exec(db, back_to_v2, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(SQLITE_OK,
                    sqlite3_exec(db, "UPDATE rh_meta SET value = 2 WHERE "
                                     "key = 'schema_version'",
                                 NULL, NULL, NULL));
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_sqlite_attach(&st, db, 0, err,
                                                   sizeof err));
    RH_CHECK(strstr(err, "outside a transaction") != NULL);
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(2, sqlite_scalar(db, "SELECT value FROM rh_meta WHERE "
                                         "key = 'schema_version'"));
    int attached = rh_sqlite_attach(&st, db, 0, err, sizeof err);
    if (attached != RH_OK)
        fprintf(stderr, "    attach: %s\n", err);
    RH_CHECK_EQ_INT(RH_OK, attached);
    RH_CHECK_EQ_INT(4, sqlite_scalar(db, "SELECT value FROM rh_meta WHERE "
                                         "key = 'schema_version'"));
    st.destroy(st.userdata); /* the host's connection stays open */
    sqlite3_close(db);
}

const rh_test_case rh_tests_sqlite[] = {
    {"sqlite__upgrade_inside_host_transaction_is_refused",
     test_sqlite__upgrade_inside_host_transaction_is_refused},
    {"sqlite__version_1_store_is_migrated",
     test_sqlite__version_1_store_is_migrated},
    {"sqlite__restart_keeps_everything", test_sqlite__restart_keeps_everything},
    {"sqlite__outbox_commits_and_rolls_back_with_the_host",
     test_sqlite__outbox_commits_and_rolls_back_with_the_host},
    {"sqlite__open_errors_are_clear", test_sqlite__open_errors_are_clear},
    {"sqlite__damaged_store_is_named_and_left_alone",
     test_sqlite__damaged_store_is_named_and_left_alone},
    {"sqlite__processes_never_claim_one_delivery_twice",
     test_sqlite__processes_never_claim_one_delivery_twice},
    {"sqlite__endpoint_changes_reach_a_running_worker",
     test_sqlite__endpoint_changes_reach_a_running_worker},
    {NULL, NULL}};
