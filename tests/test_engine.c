/* The delivery engine on a bad day: a dead endpoint with a backlog never
 * holds back another endpoint (every backend), storage locked by another
 * process or on a full disk never stalls the transfers in flight, emit
 * batches, and transfers spread over several libcurl multi handles. */
#define _GNU_SOURCE /* unshare, for the full disk's own mount namespace */
#include "backends.h"
#include "rh_http.h"     /* rh__http_test_per_handle */
#include "rh_internal.h" /* rh__ctx_load_endpoints: read them back */
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int under_valgrind(void)
{
    return getenv("RH_TEST_VALGRIND") != NULL;
}

/* ------------------------------------------------------- head of line */

/* 10,000 due deliveries for an endpoint that never answers (8 of them in
 * flight, its cap), then one for a healthy endpoint: the healthy one is
 * sent at once, not after the backlog. */
static void engine_dead_endpoint_does_not_hold_back_others(void)
{
    sink *dead = rh_test_sink(), *ok = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep_dead[RH_ID_SIZE], ep_ok[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const int backlog = under_valgrind() ? 1000 : 10000;
    sink_rule(dead, "/", 200, -1, NULL, NULL, -1); /* holds every request */
    rh_config_set_max_in_flight_per_endpoint(cfg, 8);
    rh_config_set_timeout_ms(cfg, 3000);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, dead, "/never", "dead.*",
                                            ep_dead, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, ok, "/fine", "ok.*", ep_ok, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    for (int i = 0; i < backlog; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "dead.call", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    /* the dead endpoint fills its cap and its requests hang */
    for (int i = 0; i < 50 && sink_count(dead) < 8; i++) {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 10);
    }
    RH_CHECK_EQ_INT(8, sink_count(dead));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "ok.call", "{\"n\":1}", 7, NULL, 0));
    int64_t start = rh_test_mono_ms(), took = -1;
    while (rh_test_mono_ms() - start < 5000) {
        RH_CHECK(rh_tick(ctx) >= 0);
        if (sink_count(ok) == 1) {
            took = rh_test_mono_ms() - start;
            break;
        }
        rh_test_pause(ctx, 1);
    }
    fprintf(stderr,
            "    %s: healthy request after %lld ms behind %d due "
            "for a dead endpoint\n",
            rh_test_backend_now->name, (long long)took, backlog);
    RH_CHECK(took >= 0);
    RH_CHECK(took <= (under_valgrind() ? 10000 : 1000));
    /* the cap still holds for the dead one, and nothing else was taken */
    RH_CHECK_EQ_INT(8, sink_count(dead));
    RH_CHECK(rh_ctx_in_flight(ctx) <= 9);
    rh_ctx_free(ctx);
    sink_stop(dead);
    sink_stop(ok);
}

/* ------------------------------------------------- storage held by another */

/* The sqlite3 shell, in another process, holding the file's write lock for
 * hold_s seconds; *flag exists once it holds it. */
static pid_t hold_sqlite_lock(const char *db, const char *flag, int hold_s)
{
    int in[2];
    pid_t pid;
    char script[512];
    if (pipe(in) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[0]);
        close(in[1]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 1);
        execlp("sqlite3", "sqlite3", db, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    snprintf(script, sizeof script,
             ".timeout 5000\n"
             "BEGIN EXCLUSIVE;\n"
             "INSERT OR REPLACE INTO rh_meta(key, value) VALUES('held', 1);\n"
             ".shell touch '%s'\n"
             ".shell sleep %d\n"
             "COMMIT;\n",
             flag, hold_s);
    if (write(in[1], script, strlen(script)) < 0)
        perror("write");
    close(in[1]);
    return pid;
}

static void test_engine__sqlite_lock_never_stalls_transfers(void)
{
    sink *s = rh_test_sink();
    char path[128], flag[160], err[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_storage st;
    rh_test_path(path, sizeof path, "locked");
    snprintf(flag, sizeof flag, "%s.held", path);
    if (system("command -v sqlite3 >/dev/null 2>&1") != 0)
        RH_SKIP("no sqlite3 shell to hold the lock");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    sink_rule(s, "/slow", 200, 2000, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/slow", "*", ep, secret));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 3, 2000));
    pid_t holder = hold_sqlite_lock(path, flag, 6);
    RH_CHECK(holder > 0);
    for (int i = 0; i < 500 && access(flag, F_OK) != 0; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    RH_CHECK(access(flag, F_OK) == 0);
    /* ticking through the lock: every tick short, failures reported */
    int64_t worst = 0;
    int failures = 0, status = 0;
    while (waitpid(holder, &status, WNOHANG) != holder)
        RH_CHECK_EQ_INT(
            0, rh_test_tick_through(ctx, 100, &worst, &failures, NULL, 0));
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fprintf(stderr,
            "    lock held 6 s: longest tick %lld ms, %d ticks "
            "reported the busy store\n",
            (long long)worst, failures);
    RH_CHECK(failures > 0); /* the store was busy, and we said so */
    RH_CHECK(worst <= (under_valgrind() ? 1000 : 50));
    /* the lock is gone: the outcomes kept in memory are stored */
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(0, rh_ctx_in_flight(ctx));
    RH_CHECK_EQ_INT(3, sink_count(s)); /* nothing sent twice */
    RH_CHECK_EQ_INT(3, rh_test_count_attempts(ctx, NULL));
    /* the receiver answered after 2 s: that, not the lock's 6 s */
    RH_CHECK_EQ_INT(0, rh_test_attempts_outside(ctx, 1500, 5000));
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ------------------------------------------------------------- full disk */

/* In the child, in its own mount namespace on a 4 MiB tmpfs at dir: five
 * transfers in flight to a receiver that answers after 1 s, then the disk
 * fills. The ticks stay short while nothing can be stored; once space
 * returns the five outcomes are stored, with their real durations, by the
 * same context. Returns 0, or the line that failed. */
#define FULL_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "    full disk: %s:%d: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
            return __LINE__ % 250 + 1;                                         \
        }                                                                      \
    } while (0)

/* The child's exit code when the machine cannot make a private tmpfs. */
#define FULL_DISK_CANNOT 253

static int full_disk_child(const char *dir, const char *url)
{
    char path[160], fill[160], err[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    static char chunk[65536];
    rh_storage st;
    /* A container without CAP_SYS_ADMIN refuses the namespace, and a chroot
     * whose / is no mount point refuses to make / private: the machine
     * cannot show this, which the parent reports as a skip. */
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=4m") != 0) {
        fprintf(stderr, "    full disk: no private tmpfs here: %s\n",
                strerror(errno));
        return FULL_DISK_CANNOT;
    }
    snprintf(path, sizeof path, "%s/hooks.db", dir);
    snprintf(fill, sizeof fill, "%s/fill", dir);
    FULL_CHECK(rh_sqlite_open(&st, path, 0, err, sizeof err) == RH_OK);
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    FULL_CHECK(rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret,
                               sizeof secret) == RH_OK);
    for (int i = 0; i < 5; i++)
        FULL_CHECK(rh_emit(ctx, "t", "{}", 2, NULL, 0) == 1);
    for (int i = 0; i < 20; i++) {
        FULL_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 10);
    }
    FULL_CHECK(rh_ctx_in_flight(ctx) == 5);
    /* the disk fills up */
    int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FULL_CHECK(fd >= 0);
    while (write(fd, chunk, sizeof chunk) > 0)
        ;
    FULL_CHECK(errno == ENOSPC);
    close(fd);
    int64_t worst = 0;
    int failures = 0;
    char why[512] = "";
    FULL_CHECK(rh_test_tick_through(ctx, 2500, &worst, &failures, why,
                                    sizeof why) == 0);
    fprintf(stderr, "    full disk: longest tick %lld ms, %d ticks said: %s\n",
            (long long)worst, failures, why);
    FULL_CHECK(strstr(why, "full") != NULL); /* SQLite's own words */
    FULL_CHECK(failures > 0);
    FULL_CHECK(worst <= (under_valgrind() ? 1000 : 50));
    FULL_CHECK(rh_ctx_in_flight(ctx) == 5); /* answered, kept in memory */
    /* space returns: the same context stores them, no restart */
    FULL_CHECK(unlink(fill) == 0);
    FULL_CHECK(rh_test_drive(ctx, 5000) >= 0);
    FULL_CHECK(rh_ctx_in_flight(ctx) == 0);
    FULL_CHECK(rh_test_count_attempts(ctx, NULL) == 5);
    FULL_CHECK(rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED) == 5);
    FULL_CHECK(rh_test_attempts_outside(ctx, 800, 2400) == 0);
    rh_ctx_free(ctx);
    return 0;
}

/* The parent's sink, reachable from the forked child too (which leaves it
 * to the parent), so that a leak check in the child does not count it;
 * volatile, or the compiler drops a store nobody reads. */
static sink *volatile full_disk_sink;

static void test_engine__full_disk_keeps_outcomes_until_space_returns(void)
{
    char dir[128], url[128];
    if (geteuid() != 0)
        RH_SKIP("needs root for a tmpfs in its own mount namespace");
    sink *s = full_disk_sink = rh_test_sink();
    sink_rule(s, "/full", 200, 1000, NULL, NULL, -1);
    sink_url(s, "/full", url, sizeof url);
    rh_test_path(dir, sizeof dir, "fulldisk");
    RH_CHECK(mkdir(dir, 0700) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(full_disk_child(dir, url));
    int status = 0;
    RH_CHECK(waitpid(pid, &status, 0) == pid);
    RH_CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == FULL_DISK_CANNOT) {
        rmdir(dir);
        sink_stop(s);
        full_disk_sink = NULL;
        RH_SKIP("needs a mount namespace with / a mount point (not a chroot "
                "or a container without CAP_SYS_ADMIN)");
    }
    RH_CHECK_EQ_INT(0, WEXITSTATUS(status));
    RH_CHECK_EQ_INT(5, sink_count(s)); /* each sent once */
    rmdir(dir);
    sink_stop(s);
    full_disk_sink = NULL;
}

/* ---------------------------------------------------------- emit batches */

static void engine_emit_batch_commits_once_and_holds_the_tick(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/b", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_E_STATE, rh_emit_batch_commit(ctx));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    RH_CHECK_EQ_INT(RH_E_STATE, rh_emit_batch_begin(ctx));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "open") != NULL);
    for (int i = 0; i < 100; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    /* while the batch is open the tick claims nothing */
    for (int i = 0; i < 20; i++) {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 2);
    }
    RH_CHECK_EQ_INT(0, sink_count(s));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    RH_CHECK_EQ_INT(100, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(100, sink_count(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* A batch left open when the context is freed is committed: its emits
 * were acknowledged. */
static void test_engine__open_batch_is_committed_by_ctx_free(void)
{
    char path[128], err[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_storage st;
    rh_test_path(path, sizeof path, "batch");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, NULL));
    rh_ctx_free(ctx);
}
/* ------------------------------------------------------------- pause */

static int paused_now(rh_ctx *ctx, const char *id)
{
    const rh_endpoint *ep = NULL;
    return rh_endpoint_get(ctx, id, &ep) == RH_OK ? rh_endpoint_paused(ep) : -1;
}

/* A paused endpoint's deliveries are queued and none is sent, while another
 * endpoint is served; the pause is stored (it survives the endpoints being
 * read back from storage); on resume everything queued goes, once. */
static void engine_paused_endpoint_queues_and_sends_on_resume(void)
{
    sink *held = rh_test_sink(), *ok = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep_held[RH_ID_SIZE], ep_ok[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(
        RH_OK, rh_test_endpoint(ctx, held, "/held", "t.*", ep_held, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, ok, "/ok", "t.*", ep_ok, secret));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_pause(ctx, "ep_nobody"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, ep_held));
    for (int i = 0; i < 5; i++) /* queued for both */
        RH_CHECK_EQ_INT(2, rh_emit(ctx, "t.x", "{}", 2, NULL, 0));
    int64_t end = rh_test_mono_ms() + 400;
    while (rh_test_mono_ms() < end) {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 5);
    }
    RH_CHECK_EQ_INT(5, sink_count(ok));
    RH_CHECK_EQ_INT(0, sink_count(held));
    RH_CHECK_EQ_INT(0, (int)rh_ctx_in_flight(ctx)); /* none claimed for it */
    /* stored with the endpoint, not only in this context's cache */
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx));
    RH_CHECK_EQ_INT(1, paused_now(ctx, ep_held));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(ctx, ep_held));
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, held, 5, 5000));
    RH_CHECK(rh_test_drive(ctx, 2000) >= 0);
    RH_CHECK_EQ_INT(5, sink_count(held));
    RH_CHECK_EQ_INT(5, sink_count(ok));
    RH_CHECK_EQ_INT(0, paused_now(ctx, ep_held));
    rh_ctx_free(ctx);
    sink_stop(held);
    sink_stop(ok);
}

/* ------------------------------------------- many libcurl multi handles */

/* Transfers past one libcurl multi handle's share (4 here, 512 in a
 * shipped library) run on the next handles, in libcurl's multi_socket mode.
 * 40 held for a while by the receiver are all in flight at once and all
 * succeed; a second round takes every connection again (reused within
 * its handle: still 40 connections). */
static void test_engine__transfers_span_multi_handles(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const int hold_ms = under_valgrind() ? 3000 : 1000;
    enum { N = 40 };
    sink_rule(s, "/held", 204, hold_ms, NULL, NULL, -1);
    rh_config_set_max_in_flight_per_endpoint(cfg, 64);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    rh__http_test_per_handle(ctx->http, 4);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/held", "*", ep, secret));
    for (int round = 1; round <= 2; round++) {
        for (int i = 0; i < N; i++)
            RH_CHECK_EQ_INT(1, rh_emit(ctx, "t.held", "{}", 2, NULL, 0));
        RH_CHECK_EQ_INT(
            0, rh_test_tick_until_sent(ctx, s, (size_t)N * round, hold_ms * 5));
        sink_request first, last;
        RH_CHECK_EQ_INT(0, sink_get(s, (size_t)N * (round - 1), &first));
        RH_CHECK_EQ_INT(0, sink_get(s, (size_t)N * round - 1, &last));
        /* the last arrived before the first could have been answered */
        RH_CHECK(last.received_ms - first.received_ms < hold_ms);
        RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&last, secret, -1));
        sink_request_free(&first);
        sink_request_free(&last);
        RH_CHECK(rh_test_drive(ctx, hold_ms * 5) >= 0);
        RH_CHECK_EQ_INT(0, (int)rh_ctx_in_flight(ctx));
        RH_CHECK_EQ_INT(N * round,
                        rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    }
    RH_CHECK_EQ_INT(N * 2, sink_count(s));
    RH_CHECK_EQ_INT(N, sink_connections(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* A receiver that never answers, its transfers on several multi handles:
 * each ends by its timeout (libcurl's timers run on every handle, not only
 * the first), while a healthy endpoint's transfers on further handles
 * succeed beside them. */
static void test_engine__silent_receiver_times_out_on_every_handle(void)
{
    sink *silent = rh_test_sink(), *ok = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep_silent[RH_ID_SIZE], ep_ok[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_query *q = NULL;
    enum { N = 8 };
    sink_rule(silent, "/", 200, -1, NULL, NULL, -1);
    rh_config_set_timeout_ms(cfg, 1000);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    rh__http_test_per_handle(ctx->http, 2);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, silent, "/never", "silent.*",
                                            ep_silent, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, ok, "/fine", "ok.*", ep_ok, secret));
    for (int i = 0; i < N; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "silent.x", "{}", 2, NULL, 0));
    for (int i = 0; i < N; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "ok.x", "{}", 2, NULL, 0));
    int64_t start = rh_test_mono_ms();
    RH_CHECK(rh_test_drive(ctx, under_valgrind() ? 30000 : 10000) >= 0);
    RH_CHECK_EQ_INT(0, (int)rh_ctx_in_flight(ctx));
    RH_CHECK(rh_test_mono_ms() - start < (under_valgrind() ? 30000 : 10000));
    RH_CHECK_EQ_INT(N, sink_count(silent));
    RH_CHECK_EQ_INT(N, sink_count(ok));
    RH_CHECK_EQ_INT(N, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(q, ep_silent));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_outcome(q, RH_OUTCOME_TIMEOUT));
    RH_CHECK_EQ_INT(N, rh_test_count_attempts(ctx, q));
    rh_query_free(q);
    rh_ctx_free(ctx);
    sink_stop(silent);
    sink_stop(ok);
}

#define ON_EVERY_BACKEND(X)                                                    \
    X(dead_endpoint_does_not_hold_back_others)                                 \
    X(paused_endpoint_queues_and_sends_on_resume)                              \
    X(emit_batch_commits_once_and_holds_the_tick)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, engine_##name)
ON_EVERY_BACKEND(WRAP)
#define ROWS(name) RH_BACKEND_ROWS("engine", name)
const rh_test_case rh_tests_engine[] = {
    ON_EVERY_BACKEND(ROWS){"engine__sqlite_lock_never_stalls_transfers",
                           test_engine__sqlite_lock_never_stalls_transfers},
    {"engine__open_batch_is_committed_by_ctx_free",
     test_engine__open_batch_is_committed_by_ctx_free},
    {"engine__full_disk_keeps_outcomes_until_space_returns",
     test_engine__full_disk_keeps_outcomes_until_space_returns},
    {"engine__transfers_span_multi_handles",
     test_engine__transfers_span_multi_handles},
    {"engine__silent_receiver_times_out_on_every_handle",
     test_engine__silent_receiver_times_out_on_every_handle},
    {NULL, NULL}};
