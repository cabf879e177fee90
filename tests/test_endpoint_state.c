/* Endpoint state stored apart from the endpoint's record: a worker storing
 * health for a failing endpoint, every 10 ms in a process of its own,
 * never undoes a pause, an edit or a resume made by another process, on
 * SQLite and on PostgreSQL. Before version 3 the health save rewrote the
 * whole record and a 1 s reload was the only guard: a pause made between
 * the worker's reload and its save came back undone. */
#include "backends.h"
#include "rh_internal.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 200
#define SAVE_EVERY_MS 10
#define SETTLE_MS 20

/* One shared store: a SQLite file, or a PostgreSQL schema. */
typedef struct shared_store {
    int pg;
    char where[128];
} shared_store;

static rh_ctx *open_ctx(const shared_store *ss)
{
    rh_storage st;
    char err[512];
    int rc;
#ifdef RH_HAVE_PG
    if (ss->pg)
        rc = rh_pg_open(&st, rh_test_pg(), ss->where, err, sizeof err);
    else
#endif
        rc = rh_sqlite_open(&st, ss->where, 0, err, sizeof err);
    if (rc != RH_OK) {
        fprintf(stderr, "open: %s\n", err);
        return NULL;
    }
    rh_config *cfg = rh_test_config();
    if (rh_config_set_storage(cfg, &st) != RH_OK) {
        rh_config_free(cfg);
        return NULL;
    }
    return rh_test_ctx_from(cfg);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One failed attempt of a delivery to ep, as the tick notes it. */
static void note_failure(rh_ctx *ctx, const char *ep, int n)
{
    rh_delivery *dl = NULL;
    rh_attempt *at = NULL;
    int64_t now = rh_test_now_ms;
    if (rh_delivery_new(&dl, "d", "e", ep, "t", RH_DELIVERY_FAILED, n, now,
                        now, now) == RH_OK &&
        rh_attempt_new(&at, n, "d", ep, "e", "t", n, now, 5, 500, 0,
                       RH_OUTCOME_HTTP_STATUS, NULL, 0, NULL) == RH_OK)
        rh__health_note(ctx, dl, at);
    rh_delivery_free(dl);
    rh_attempt_free(at);
}

/* The worker: health saved every SAVE_EVERY_MS until stop_fd reads EOF,
 * the endpoints read again every half second as a refreshing worker does.
 * Exits 0 when it stored health at least 50 times. */
static void health_saver(const shared_store *ss, const char *ep, int stop_fd)
{
    rh_ctx *ctx = open_ctx(ss);
    int saves = 0;
    char c;
    if (!ctx)
        _exit(2);
    fcntl(stop_fd, F_SETFL, O_NONBLOCK);
    for (int i = 0; read(stop_fd, &c, 1) != 0; i++) {
        rh_test_now_ms += SAVE_EVERY_MS;
        if (i % 25 == 0)
            rh__ctx_load_endpoints(ctx);
        note_failure(ctx, ep, i + 1);
        rh__health_save_due(ctx, 1);
        saves += rh__ctx_find_endpoint(ctx, ep) &&
                 !rh__ctx_find_endpoint(ctx, ep)->health_dirty;
        sleep_ms(SAVE_EVERY_MS);
    }
    rh_ctx_free(ctx);
    _exit(saves >= 50 ? 0 : 1);
}

/* What the store says now, read by a context of its own. */
static int read_back(rh_ctx *reader, const char *ep, int *paused,
                     char *round, size_t round_size)
{
    const rh_endpoint *e = NULL;
    if (rh__ctx_load_endpoints(reader) != RH_OK ||
        rh_endpoint_get(reader, ep, &e) != RH_OK)
        return -1;
    *paused = rh_endpoint_paused(e);
    round[0] = '\0';
    for (size_t i = 0; i < rh_endpoint_header_count(e); i++)
        if (strcmp(rh_endpoint_header_name(e, i), "X-Round") == 0)
            snprintf(round, round_size, "%s", rh_endpoint_header_value(e, i));
    return 0;
}

/* Set, wait for the worker to save over it, and read it back. Adds how
 * many of the three changes of one round were undone. */
static void one_round(rh_ctx *admin, rh_ctx *reader, const char *ep, int r,
                      int *undone_out)
{
    char want[16], got[16];
    int paused, undone = 0;
    snprintf(want, sizeof want, "%d", r);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(admin, ep));
    sleep_ms(SETTLE_MS);
    undone += read_back(reader, ep, &paused, got, sizeof got) != 0 || !paused;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(admin, ep, "X-Round", want));
    sleep_ms(SETTLE_MS);
    undone += read_back(reader, ep, &paused, got, sizeof got) != 0 ||
              !paused || strcmp(got, want) != 0;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(admin, ep));
    sleep_ms(SETTLE_MS);
    undone += read_back(reader, ep, &paused, got, sizeof got) != 0 || paused ||
              strcmp(got, want) != 0;
    *undone_out += undone;
}

static void state_survives_health_saves(const shared_store *ss)
{
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    int stop[2], status = -1, undone = 0;
    rh_ctx *admin = open_ctx(ss);
    RH_CHECK(admin != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(admin, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    rh_ctx_free(admin); /* no connection crosses the fork */
    RH_CHECK_EQ_INT(0, pipe(stop));
    pid_t pid = fork();
    RH_CHECK(pid >= 0);
    if (pid == 0) {
        close(stop[1]);
        health_saver(ss, ep, stop[0]);
    }
    close(stop[0]);
    admin = open_ctx(ss);
    rh_ctx *reader = open_ctx(ss);
    RH_CHECK(admin != NULL && reader != NULL);
    sleep_ms(200); /* the worker has read the endpoint and is saving */
    for (int r = 0; r < ROUNDS; r++)
        one_round(admin, reader, ep, r, &undone);
    close(stop[1]);
    RH_CHECK_EQ_INT(pid, waitpid(pid, &status, 0));
    RH_CHECK_EQ_INT(0, undone);
    /* the worker did store health all along, and it is there */
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(reader));
    const rh_endpoint *e = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(reader, ep, &e));
    RH_CHECK(rh_endpoint_failed_in_a_row(e) >= 50);
    RH_CHECK(rh_endpoint_failing_since_ms(e) > 0);
    printf("    %d rounds of pause, edit and resume, %d undone\n", ROUNDS,
           undone);
    rh_ctx_free(admin);
    rh_ctx_free(reader);
}

static void test_endpoint_state__sqlite_pause_and_edit_are_never_undone(void)
{
    shared_store ss = {0, ""};
    rh_test_path(ss.where, sizeof ss.where, "state");
    state_survives_health_saves(&ss);
}

static void test_endpoint_state__pg_pause_and_edit_are_never_undone(void)
{
    shared_store ss = {1, ""};
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(ss.where, sizeof ss.where, "st%u", (unsigned)getpid());
    state_survives_health_saves(&ss);
}

const rh_test_case rh_tests_endpoint_state[] = {
    {"endpoint_state__sqlite_pause_and_edit_are_never_undone",
     test_endpoint_state__sqlite_pause_and_edit_are_never_undone},
    {"endpoint_state__pg_pause_and_edit_are_never_undone",
     test_endpoint_state__pg_pause_and_edit_are_never_undone},
    {NULL, NULL}};
