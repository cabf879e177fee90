/* Endpoint state on a bad day: a resume's failure clock kept over reloads,
 * a disable that could not be stored kept (and not over a later enable by
 * the host), a state save racing a removal on PostgreSQL, and a version-1
 * table whose claim fails telling the host so. Each failed before its
 * fix. */
#include "backends.h"
#include "rh_internal.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <libpq-fe.h>
#include <pthread.h>
#include <replicer-hooks/rh_pg.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_MS (24LL * 3600 * 1000)

/* A SQLite table whose endpoint_state_save can be made to fail. */
static rh_storage inner;
static int fail_state_save;

static int flaky_state_save(const char *id, const char *part, const char *json,
                            size_t len, void *ud)
{
    if (fail_state_save)
        return RH_E_STORAGE;
    return inner.endpoint_state_save(id, part, json, len, ud);
}

static rh_ctx *sqlite_ctx(const char *path, int flaky)
{
    rh_storage st;
    char err[256];
    if (rh_sqlite_open(&st, path, 0, err, sizeof err) != RH_OK)
        return NULL;
    if (flaky) {
        inner = st;
        st.endpoint_state_save = flaky_state_save;
    }
    rh_config *cfg = rh_test_config();
    rh_config_set_auto_disable_ms(cfg, 5 * DAY_MS);
    if (rh_config_set_storage(cfg, &st) != RH_OK)
        return NULL;
    return rh_test_ctx_from(cfg);
}

static void note(rh_ctx *ctx, const char *ep, int status)
{
    rh_delivery *dl = NULL;
    rh_attempt *at = NULL;
    int64_t now = rh_test_now_ms;
    if (rh_delivery_new(&dl, "d", "e", ep, "t", RH_DELIVERY_PENDING, 1, now,
                        now, now) == RH_OK &&
        rh_attempt_new(&at, 1, "d", ep, "e", "t", 1, now, 5, status, 0,
                       RH_OUTCOME_HTTP_STATUS, NULL, 0, NULL) == RH_OK)
        rh__health_note(ctx, dl, at);
    rh_delivery_free(dl);
    rh_attempt_free(at);
}

static const rh_endpoint *get(rh_ctx *ctx, const char *id)
{
    const rh_endpoint *e = NULL;
    rh_endpoint_get(ctx, id, &e);
    return e;
}

/* A fresh SQLite file (its path in path) with one endpoint (its id in ep),
 * and a context on it; NULL when either fails. */
static rh_ctx *ctx_with_endpoint(const char *stem, int flaky, char *path,
                                 size_t path_size, char ep[RH_ID_SIZE])
{
    char secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_test_path(path, path_size, stem);
    rh_ctx *ctx = sqlite_ctx(path, flaky);
    if (ctx && rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                               RH_ID_SIZE, secret, sizeof secret) != RH_OK) {
        rh_ctx_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* Resuming restarts the failure clock, stored with the paused part: a
 * reload must not bring the old one back, nor one failure a second after
 * the resume disable an endpoint paused for ten days. */
static void test_state_faults__resume_clock_survives_reload(void)
{
    char path[256], ep[RH_ID_SIZE];
    rh_ctx *ctx = ctx_with_endpoint("resume", 0, path, sizeof path, ep);
    RH_CHECK(ctx != NULL);
    int64_t t0 = rh_test_now_ms;
    note(ctx, ep, 500); /* failing since t0 */
    rh__health_save_due(ctx, 1);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, ep));
    rh_test_now_ms += 10 * DAY_MS; /* paused for ten days */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(ctx, ep));
    int64_t t1 = rh_test_now_ms;
    RH_CHECK_EQ_INT(t1, rh_endpoint_failing_since_ms(get(ctx, ep)));
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx)); /* a refresh */
    printf("    failing since after resume %lld, after reload %lld (t0 %lld)\n",
           (long long)t1, (long long)rh_endpoint_failing_since_ms(get(ctx, ep)),
           (long long)t0);
    rh_test_now_ms += 1000;
    note(ctx, ep, 500); /* one failure a second after the resume */
    printf("    enabled after one failure 1 s after resume: %d\n",
           rh_endpoint_enabled(get(ctx, ep)));
    RH_CHECK_EQ_INT(t1, rh_endpoint_failing_since_ms(get(ctx, ep)));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(get(ctx, ep)));
    rh_ctx_free(ctx);
}

/* A 410 disables; storing it fails; the host's enable then fails too and
 * is undone, with it the note that the disable is still to be stored. */
static void test_state_faults__failed_enable_keeps_unsaved_disable(void)
{
    char path[256], ep[RH_ID_SIZE];
    rh_ctx *ctx = ctx_with_endpoint("gone", 1, path, sizeof path, ep);
    RH_CHECK(ctx != NULL);
    fail_state_save = 1;
    note(ctx, ep, 410);
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(get(ctx, ep)));
    RH_CHECK(rh_endpoint_enable(ctx, ep) < 0); /* the store still fails */
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(get(ctx, ep)));
    fail_state_save = 0;
    rh_test_now_ms += 1000;
    rh__health_save_due(ctx, 1); /* the store is back */
    rh_ctx *other = sqlite_ctx(path, 0);
    RH_CHECK(other != NULL);
    printf("    here: enabled %d; stored: enabled %d\n",
           rh_endpoint_enabled(get(ctx, ep)),
           rh_endpoint_enabled(get(other, ep)));
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(get(other, ep)));
    rh_ctx_free(other);
    rh_ctx_free(ctx);
}

/* A worker's 410 disable that could not be stored is carried over a
 * reload, but not over the host's enable made after it. */
static void test_state_faults__later_enable_beats_unsaved_disable(void)
{
    char path[256], ep[RH_ID_SIZE];
    rh_ctx *worker = ctx_with_endpoint("carry", 1, path, sizeof path, ep);
    RH_CHECK(worker != NULL);
    rh_ctx *host = sqlite_ctx(path, 0);
    RH_CHECK(host != NULL);
    fail_state_save = 1;
    note(worker, ep, 410); /* disabled here, not stored */
    fail_state_save = 0;
    rh_test_now_ms += 60000;
    /* the host, a minute later: disables, fixes the receiver, enables */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(host, ep));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(host, ep));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(worker)); /* a refresh */
    rh__health_save_due(worker, 1);
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(host));
    printf("    after the worker's save: host sees enabled %d (reason %d)\n",
           rh_endpoint_enabled(get(host, ep)),
           rh_endpoint_disabled_reason(get(host, ep)));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(get(host, ep)));
    rh_ctx_free(host);
    rh_ctx_free(worker);
}


/* A version-1 table whose claim hands over a delivery without its event:
 * the tick says so (RH_E_STORAGE, "cannot take a claimed delivery"), as
 * with a fair claim. */
static rh_storage v1_inner;
typedef struct v1_pass { rh_claim_cb each; void *ud; } v1_pass;
static int v1_no_event(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    v1_pass *p = ud;
    (void)ev;
    return p->each(dl, NULL, p->ud);
}
static int v1_claim(int64_t now, int64_t lease, size_t max, rh_claim_cb each,
                    void *eu, void *ud)
{
    v1_pass p = {each, eu};
    (void)ud;
    return v1_inner.claim(now, lease, max, v1_no_event, &p,
                          v1_inner.userdata);
}

static void test_state_faults__v1_claim_failure_is_reported(void)
{
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK, rh_test_memory_backend.open(&v1_inner));
    rh_storage st = v1_inner;
    st.version = 1;
    st.claim = v1_claim;
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    int rc = rh_tick(ctx);
    printf("    tick: %d (%s); in flight %zu\n", rc, rh_ctx_last_error(ctx),
           rh_ctx_in_flight(ctx));
    RH_CHECK(rc < 0);
    rh_ctx_free(ctx);
}

#ifdef RH_HAVE_PG
static void *commit_later(void *conn)
{
    usleep(300 * 1000);
    PQclear(PQexec(conn, "COMMIT"));
    return NULL;
}

/* endpoint_state_save while another process removes the endpoint:
 * RH_E_NOT_FOUND, as storage.h says, never a foreign key's failure. */
static void test_state_faults__pg_state_save_racing_remove_is_not_found(void)
{
    char schema[64], sql[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_storage st;
    char err[512];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(schema, sizeof schema, "sf%u", (unsigned)getpid());
    RH_CHECK_EQ_INT(RH_OK, rh_pg_open(&st, rh_test_pg(), schema, err,
                                      sizeof err));
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    for (int with_part = 0; with_part < 2; with_part++) {
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/",
                                               events, 1, ep, sizeof ep,
                                               secret, sizeof secret));
        if (with_part) { /* a part row exists already */
            RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, ep));
            RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(ctx, ep));
        }
        PGconn *c = PQconnectdb(rh_test_pg());
        RH_CHECK(PQstatus(c) == CONNECTION_OK);
        PQclear(PQexec(c, "BEGIN"));
        snprintf(sql, sizeof sql, "DELETE FROM %s.endpoints WHERE id = '%s'",
                 schema, ep);
        PGresult *r = PQexec(c, sql);
        RH_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
        pthread_t t;
        pthread_create(&t, NULL, commit_later, c);
        int rc = rh_endpoint_pause(ctx, ep);
        pthread_join(t, NULL);
        PQfinish(c);
        printf("    part row before: %d; pause during the removal: %d (%s)\n",
               with_part, rc, rh_ctx_last_error(ctx));
        RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rc);
    }
    rh_ctx_free(ctx);
}
#endif

#ifdef RH_HAVE_PG
static int64_t pg_scalar(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int64_t v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                    ? atoll(PQgetvalue(r, 0, 0))
                    : -1;
    PQclear(r);
    return v;
}

/* A schema of version 2 attached inside the host's open transaction is
 * refused, with what to do: the host's rollback would undo the upgrade
 * while the store went on as if it were made. Outside one it upgrades. */
static void test_state_faults__pg_upgrade_inside_host_transaction_is_refused(
    void)
{
    char schema[64], sql[1024], err[512];
    rh_storage st;
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(schema, sizeof schema, "su%u", (unsigned)getpid());
    RH_CHECK_EQ_INT(RH_OK, rh_pg_open(&st, rh_test_pg(), schema, err,
                                      sizeof err));
    st.destroy(st.userdata);
    PGconn *c = PQconnectdb(rh_test_pg());
    RH_CHECK(PQstatus(c) == CONNECTION_OK);
    snprintf(sql, sizeof sql,
             "DROP TABLE %s.endpoint_state; UPDATE %s.meta SET value = 2 "
             "WHERE key = 'schema_version'; ALTER TABLE %s.events DROP "
             "COLUMN tenant; ALTER TABLE %s.deliveries DROP COLUMN tenant; "
             "ALTER TABLE %s.attempts DROP COLUMN tenant; DROP TABLE "
             "%s.documents; ALTER TABLE %s.events DROP COLUMN trace",
             schema, schema, schema, schema, schema, schema, schema);
    PQclear(PQexec(c, sql));
    PQclear(PQexec(c, "BEGIN"));
    RH_CHECK_EQ_INT(RH_E_STORAGE,
                    rh_pg_attach(&st, c, schema, err, sizeof err));
    RH_CHECK(strstr(err, "outside a transaction") != NULL);
    PQclear(PQexec(c, "ROLLBACK"));
    snprintf(sql, sizeof sql,
             "SELECT value FROM %s.meta WHERE key = 'schema_version'", schema);
    RH_CHECK_EQ_INT(2, pg_scalar(c, sql));
    RH_CHECK_EQ_INT(RH_OK, rh_pg_attach(&st, c, schema, err, sizeof err));
    RH_CHECK_EQ_INT(4, pg_scalar(c, sql));
    st.destroy(st.userdata); /* the host's connection stays open */
    PQfinish(c);
}
#endif

/* An edit the store refuses changes nothing: not this context's copy, not
 * the store, and the fan-out still follows the old subscriptions. After
 * the store recovers, the same edit is made. */
static void test_state_faults__refused_edit_changes_nothing(void)
{
    char path[128], ep[RH_ID_SIZE];
    const char *events[] = {"order.*"};
    rh_ctx *ctx = ctx_with_endpoint("edit-refused", 1, path, sizeof path, ep);
    RH_CHECK(ctx != NULL);
    fail_state_save = 1;
    RH_CHECK_EQ_INT(RH_E_STORAGE,
                    rh_endpoint_set_url(ctx, ep, "http://127.0.0.1:9/new"));
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_set_events(ctx, ep, events, 1));
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_set_name(ctx, ep, "Orders"));
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_set_label(ctx, ep, "k", "v"));
    RH_CHECK_EQ_STR("http://127.0.0.1:9/", rh_endpoint_url(get(ctx, ep)));
    RH_CHECK_EQ_STR("*", rh_endpoint_event(get(ctx, ep), 0));
    RH_CHECK_EQ_STR("", rh_endpoint_name(get(ctx, ep)));
    RH_CHECK_EQ_INT(0, (int)rh_endpoint_label_count(get(ctx, ep)));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "user.made", "{}", 2, NULL, 0));
    fail_state_save = 0;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_events(ctx, ep, events, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_name(ctx, ep, "Orders"));
    rh_ctx_free(ctx);
    ctx = sqlite_ctx(path, 0); /* what the store holds */
    RH_CHECK_EQ_STR("http://127.0.0.1:9/", rh_endpoint_url(get(ctx, ep)));
    RH_CHECK_EQ_STR("order.*", rh_endpoint_event(get(ctx, ep), 0));
    RH_CHECK_EQ_STR("Orders", rh_endpoint_name(get(ctx, ep)));
    RH_CHECK_EQ_INT(0, rh_emit(ctx, "user.made", "{}", 2, NULL, 0));
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_state_faults[] = {
    {"state_faults__resume_clock_survives_reload",
     test_state_faults__resume_clock_survives_reload},
    {"state_faults__failed_enable_keeps_unsaved_disable",
     test_state_faults__failed_enable_keeps_unsaved_disable},
    {"state_faults__later_enable_beats_unsaved_disable",
     test_state_faults__later_enable_beats_unsaved_disable},
    {"state_faults__v1_claim_failure_is_reported",
     test_state_faults__v1_claim_failure_is_reported},
    {"state_faults__refused_edit_changes_nothing",
     test_state_faults__refused_edit_changes_nothing},
#ifdef RH_HAVE_PG
    {"state_faults__pg_upgrade_inside_host_transaction_is_refused",
     test_state_faults__pg_upgrade_inside_host_transaction_is_refused},
    {"state_faults__pg_state_save_racing_remove_is_not_found",
     test_state_faults__pg_state_save_racing_remove_is_not_found},
#endif
    {NULL, NULL}};
