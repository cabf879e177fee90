/* The crash test: a worker process (the command-line tool) delivers from a
 * SQLite file to the loopback sink while this process emits; it is killed
 * with SIGKILL at random moments and restarted. Nothing acknowledged may be
 * lost; duplicates are allowed only as the price of a kill. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#include <sqlite3.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILLS 22
#define MAX_EVENTS 20000

static pid_t spawn_worker(const char *store, int until_idle)
{
    const char *args[] = {"worker",  "--store",
                          store,     "--dev",
                          "--quiet", "--timeout-ms",
                          "1000",    "--lease-ms",
                          "2000",    until_idle ? "--until-idle" : NULL,
                          NULL};
    /* the workers' words about the kills (a locked store) go to a file in
     * the test's folder, not into make check's output */
    char log[160];
    rh_test_path(log, sizeof log, "crash-workers.log");
    return rh_test_tool_spawn(args, NULL, log);
}

typedef struct tally {
    char **received; /* sorted webhook-ids the sink saw */
    size_t n_received;
    int deliveries, delivered, failed, lost, unlogged;
    rh_ctx *ctx;
} tally;

static int success_logged(const rh_attempt *at, void *ud)
{
    *(int *)ud += rh_attempt_success(at);
    return RH_OK;
}

static int check_delivery(const rh_delivery *dl, void *ud)
{
    tally *t = ud;
    const char *id = rh_delivery_id(dl);
    int got = bsearch(&id, t->received, t->n_received, sizeof(char *),
                      rh_test_by_str) != NULL;
    t->deliveries++;
    if (rh_delivery_state(dl) == RH_DELIVERY_SUCCEEDED && got)
        t->delivered++;
    else if (rh_delivery_state(dl) == RH_DELIVERY_FAILED)
        t->failed++;
    else
        t->lost++;
    return RH_OK;
}

static void test_crash__sigkill_loses_nothing(void)
{
    sink *s = NULL;
    char path[128], store[160], a[RH_ID_SIZE], b[RH_ID_SIZE],
        secret[RH_SECRET_SIZE];
    static char acked[MAX_EVENTS][RH_ID_SIZE];
    int n_acked = 0, refused = 0;
    rh_storage st;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    srand((unsigned)time(NULL));
    RH_CHECK_EQ_INT(0, sink_start(&s, 300000));
    /* answers take a few ms, so that kills land on transfers in flight */
    sink_rule(s, "/", 200, 4, NULL, NULL, -1);
    rh_test_path(path, sizeof path, "crash");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
    rh_config_new(&cfg); /* the real clock: the worker uses it too */
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_storage(cfg, &st);
    RH_CHECK_EQ_INT(RH_OK, rh_ctx_new(&ctx, cfg));
    rh_config_free(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/a", "*", a, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/b", "order.*", b,
                                            secret));
    for (int k = 0; k < KILLS; k++) {
        pid_t pid = spawn_worker(store, 0);
        RH_CHECK(pid > 0);
        int64_t until = rh_test_mono_ms() + 40 + rand() % 200;
        while (rh_test_mono_ms() < until && n_acked < MAX_EVENTS) {
            char data[64];
            snprintf(data, sizeof data, "{\"n\":%d}", n_acked);
            int rc = rh_emit(ctx, "order.placed", data, strlen(data),
                             acked[n_acked], RH_ID_SIZE);
            if (rc == 2)
                n_acked++;
            else
                refused++; /* not acknowledged: not counted */
            struct timespec ts = {0, 2 * 1000000L};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    /* one last worker, left to finish: claims of killed workers come back
     * when their lease ends */
    pid_t last = spawn_worker(store, 1);
    int status = -1;
    int64_t deadline = rh_test_mono_ms() + 60000;
    while (rh_test_mono_ms() < deadline && waitpid(last, &status, WNOHANG) == 0) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (rh_test_mono_ms() >= deadline) {
        kill(last, SIGKILL);
        waitpid(last, NULL, 0);
    }
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* what the receiver saw */
    tally t;
    memset(&t, 0, sizeof t);
    t.n_received = sink_count(s);
    t.received = calloc(t.n_received + 1, sizeof(char *));
    for (size_t i = 0; i < t.n_received; i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        t.received[i] = strdup(sink_header(&r, "webhook-id"));
        sink_request_free(&r);
    }
    qsort(t.received, t.n_received, sizeof(char *), rh_test_by_str);
    size_t unique = t.n_received ? 1 : 0;
    for (size_t i = 1; i < t.n_received; i++)
        unique += strcmp(t.received[i], t.received[i - 1]) != 0;

    /* every acknowledged event, delivery by delivery, against the store */
    rh_query *q = NULL;
    rh_query_new(&q);
    for (int i = 0; i < n_acked; i++) {
        int before = t.deliveries;
        rh_query_set_event(q, acked[i]);
        RH_CHECK(rh_log_deliveries(ctx, q, check_delivery, &t) >= 0);
        RH_CHECK_EQ_INT(2, t.deliveries - before); /* both endpoints */
    }
    rh_query_set_event(q, NULL);
    /* the store's log agrees: each delivered one has its success logged */
    for (size_t i = 0; i < t.n_received; i++) {
        if (i && strcmp(t.received[i], t.received[i - 1]) == 0)
            continue;
        int ok = 0;
        rh_query_set_delivery(q, t.received[i]);
        rh_query_set_limit(q, 1000);
        RH_CHECK(rh_log_attempts(ctx, q, success_logged, &ok) >= 0);
        t.unlogged += ok == 1 ? 0 : 1;
    }
    rh_query_free(q);
    size_t duplicates = t.n_received - unique;
    printf("    crash test: %d kills, %d events acknowledged (%d refused), "
           "%d deliveries: %d delivered, %d failed, %zu duplicates "
           "(%.2f per kill), %d lost\n",
           KILLS, n_acked, refused, t.deliveries, t.delivered, t.failed,
           duplicates, (double)duplicates / KILLS, t.lost);
    RH_CHECK(n_acked > KILLS * 5);
    RH_CHECK_EQ_INT(0, t.lost);
    RH_CHECK_EQ_INT(t.deliveries, t.delivered + t.failed);
    RH_CHECK_EQ_INT((size_t)t.delivered, unique); /* nothing unknown arrived */
    RH_CHECK_EQ_INT(0, t.unlogged);
    for (size_t i = 0; i < t.n_received; i++)
        free(t.received[i]);
    free(t.received);
    rh_ctx_free(ctx);
    sink_stop(s);

    sqlite3 *db = NULL;
    sqlite3_stmt *chk = NULL;
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_prepare_v2(db, "PRAGMA integrity_check",
                                                  -1, &chk, NULL));
    RH_CHECK_EQ_INT(SQLITE_ROW, sqlite3_step(chk));
    RH_CHECK_EQ_STR("ok", (const char *)sqlite3_column_text(chk, 0));
    sqlite3_finalize(chk);
    sqlite3_close(db);
}

const rh_test_case rh_tests_crash[] = {
    {"crash__sigkill_loses_nothing", test_crash__sigkill_loses_nothing},
    {NULL, NULL}};
