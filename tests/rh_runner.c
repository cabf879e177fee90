/* The test runner: every test (or those whose name contains the filter
 * given as the first argument) in a process of its own, so that a crash or
 * a hang is that test's failure and the others go on; each with a time
 * limit (RH_TEST_TIMEOUT_S, 300 s) and its
 * duration printed; RH_TEST_JOBS at once (three times the processors). Under
 * valgrind they run in this process, one after another (run_inline). A
 * test's output is held until it ends, so that lines of tests running side
 * by side do not mix. The tests that restart the shared PostgreSQL cluster,
 * kill processes or judge the length of ticks run alone, after the others.
 * Ends with "N passed, N failed" (", N skipped" when some were). */
#include "backends.h"
#include "rh_test.h"

#include <signal.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern const rh_test_case rh_tests_sign[];
extern const rh_test_case rh_tests_api[];
extern const rh_test_case rh_tests_endpoint[];
extern const rh_test_case rh_tests_emit[];
extern const rh_test_case rh_tests_delivery[];
extern const rh_test_case rh_tests_storage[];
extern const rh_test_case rh_tests_failalloc[];
extern const rh_test_case rh_tests_cli[];
extern const rh_test_case rh_tests_cli_seal[];
extern const rh_test_case rh_tests_cli_fulldisk[];
extern const rh_test_case rh_tests_cli_list[];
extern const rh_test_case rh_tests_readme[];
extern const rh_test_case rh_tests_cli_pause[];
extern const rh_test_case rh_tests_tls[];
extern const rh_test_case rh_tests_h2[];
extern const rh_test_case rh_tests_portal_pages[];
extern const rh_test_case rh_tests_conformance[];
extern const rh_test_case rh_tests_sqlite[];
extern const rh_test_case rh_tests_crash[];
extern const rh_test_case rh_tests_guard[];
extern const rh_test_case rh_tests_pg[];
extern const rh_test_case rh_tests_loop[];
extern const rh_test_case rh_tests_engine[];
extern const rh_test_case rh_tests_wire[];
extern const rh_test_case rh_tests_health[];
extern const rh_test_case rh_tests_settings[];
extern const rh_test_case rh_tests_retention[];
extern const rh_test_case rh_tests_serve[];
extern const rh_test_case rh_tests_serve_hostile[];
extern const rh_test_case rh_tests_idempotency[];
extern const rh_test_case rh_tests_emitter[];
extern const rh_test_case rh_tests_emitter_groups[];
extern const rh_test_case rh_tests_bindings[];
extern const rh_test_case rh_tests_queue[];
extern const rh_test_case rh_tests_serve_queue[];
extern const rh_test_case rh_tests_trace[];
extern const rh_test_case rh_tests_cli_follow[];
extern const rh_test_case rh_tests_inspect[];
extern const rh_test_case rh_tests_stats_by[];
extern const rh_test_case rh_tests_health_now[];
extern const rh_test_case rh_tests_cli_emit_lines[];
extern const rh_test_case rh_tests_endpoint_state[];
extern const rh_test_case rh_tests_state_faults[];
extern const rh_test_case rh_tests_idle[];
extern const rh_test_case rh_tests_tenant[];
extern const rh_test_case rh_tests_cli_tenant[];
extern const rh_test_case rh_tests_catalog[];
extern const rh_test_case rh_tests_cli_catalog[];
extern const rh_test_case rh_tests_tenant_limits[];
extern const rh_test_case rh_tests_portal[];
extern const rh_test_case rh_tests_cli_portal[];

/* The longest first (two 15 s probes), so that they overlap the rest. */
static const rh_test_case *const suites[] = {
    rh_tests_endpoint_state, rh_tests_sign,        rh_tests_api,      rh_tests_endpoint,
    rh_tests_emit,        rh_tests_delivery, rh_tests_storage,
    rh_tests_failalloc,   rh_tests_cli,      rh_tests_cli_seal,
    rh_tests_cli_fulldisk, rh_tests_cli_list, rh_tests_readme,
    rh_tests_cli_pause,
    rh_tests_tls,
    rh_tests_h2,
    rh_tests_portal_pages,
    rh_tests_conformance, rh_tests_sqlite,   rh_tests_guard,
    rh_tests_loop,        rh_tests_engine,   rh_tests_wire,
    rh_tests_pg,          rh_tests_health,   rh_tests_settings,
    rh_tests_retention,   rh_tests_serve,    rh_tests_serve_hostile,
    rh_tests_idempotency, rh_tests_emitter, rh_tests_emitter_groups,
    rh_tests_state_faults, rh_tests_idle,
    rh_tests_tenant,      rh_tests_cli_tenant,   rh_tests_catalog,
    rh_tests_cli_catalog, rh_tests_tenant_limits, rh_tests_portal,
    rh_tests_cli_portal,  rh_tests_bindings,    rh_tests_queue, rh_tests_serve_queue,
    rh_tests_trace, rh_tests_cli_follow, rh_tests_inspect,
    rh_tests_stats_by, rh_tests_health_now, rh_tests_cli_emit_lines,    rh_tests_crash};


/* Names (or parts of names) of the tests that must not share the machine:
 * they restart the cluster every PostgreSQL test uses, or measure ticks and
 * answers in milliseconds, which a busy neighbour would stretch. */
static const char *const run_alone[] = {
    "pg__database_restart", "pg__lost_connection", "crash__", "engine",
    "lock_never_stalls",
    "serve_hostile__servers_survive_idle", "bindings__", "loop__",
    "delivery__timeout", "wire/", "wire__hostile",
    /* 600 hosts, 1,200 descriptors, within 20 s: stretched past it under
     * the sanitizers beside two other tests */
    "idle__kept_past",
    /* counts opens of the system's CA bundle with inotify, which sees every
     * process's: a TLS test beside it opening the bundle was counted (3
     * opens for 2, once, in CI's sanitizer run) */
    "tls__ca_bundle_read_once"};

#define EXIT_SKIPPED 77

typedef struct slot {
    pid_t pid; /* 0: free */
    const rh_test_case *t;
    int64_t started_ms;
    char log[200];
} slot;

static int alone(const char *name)
{
    for (size_t i = 0; i < sizeof run_alone / sizeof *run_alone; i++)
        if (strstr(name, run_alone[i]))
            return 1;
    return 0;
}

/* In the child: the test, its output into log, its verdict as the exit
 * code. Its own temporary directory (rh_test_path), removed at its exit. */
static void run_child(const rh_test_case *t, const char *log)
{
    setpgid(0, 0); /* its sinks' and tools' processes go with it */
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    rh_test_forked();
    rh_test_failed = 0;
    rh_test_skipped = 0;
    rh_test_now_ms = 1700000000000LL;
    t->fn();
    fflush(stdout);
    fflush(stderr);
    exit(rh_test_failed ? 1 : rh_test_skipped ? EXIT_SKIPPED : 0);
}

static void print_log(const char *log)
{
    char buf[8192];
    ssize_t n;
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    if (fd >= 0)
        close(fd);
    unlink(log);
}

typedef struct tally {
    int passed, failed, skipped;
} tally;

/* A child ended (status) or ran out of time (status -1): its verdict. */
static void report(slot *sl, int status, tally *tl)
{
    double took = (double)(rh_test_mono_ms() - sl->started_ms) / 1000;
    print_log(sl->log);
    const char *verdict = "FAIL";
    if (status == -1) {
        printf("    timed out: killed after %.0f s\n", took);
        tl->failed++;
    } else if (WIFSIGNALED(status)) {
        printf("    crashed: killed by signal %d\n", WTERMSIG(status));
        tl->failed++;
    } else if (WEXITSTATUS(status) == 0) {
        verdict = "ok  ";
        tl->passed++;
    } else if (WEXITSTATUS(status) == EXIT_SKIPPED) {
        verdict = "skip";
        tl->skipped++;
    } else {
        if (WEXITSTATUS(status) != 1)
            printf("    exit code %d (a sanitizer's or valgrind's report "
                   "above)\n",
                   WEXITSTATUS(status));
        tl->failed++;
    }
    printf("%s %s (%.2f s)\n", verdict, sl->t->name, took);
    fflush(stdout);
    sl->pid = 0;
}

static int64_t time_limit_ms(void)
{
    const char *v = getenv("RH_TEST_TIMEOUT_S");
    int64_t s = v && atoll(v) > 0 ? atoll(v) : 300;
    return s * 1000; /* under valgrind tests run in process, unlimited */
}

/* Reap whatever has ended, and end what ran out of time; waits up to
 * 50 ms for news. */
static void reap(slot *slots, size_t n, tally *tl)
{
    int64_t limit = time_limit_ms(), now = rh_test_mono_ms();
    for (size_t i = 0; i < n; i++) {
        int status;
        siginfo_t info;
        if (!slots[i].pid)
            continue;
        /* ended? Look without reaping: while it is a zombie its process
         * group's id cannot be taken by another process, so the kill of
         * what it left behind hits only that */
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)slots[i].pid, &info,
                   WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == slots[i].pid) {
            kill(-slots[i].pid, SIGKILL);
            waitpid(slots[i].pid, &status, 0);
            report(&slots[i], status, tl);
        } else if (now - slots[i].started_ms > limit) {
            kill(-slots[i].pid, SIGKILL);
            waitpid(slots[i].pid, &status, 0);
            report(&slots[i], -1, tl);
        }
    }
    struct timespec nap = {0, 50 * 1000 * 1000};
    nanosleep(&nap, NULL);
}

static void start(slot *sl, const rh_test_case *t, const char *dir,
                  tally *tl)
{
    static unsigned seq;
    sl->t = t;
    sl->started_ms = rh_test_mono_ms();
    snprintf(sl->log, sizeof sl->log, "%s/test-%u.log", dir, ++seq);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        run_child(t, sl->log);
    sl->pid = pid > 0 ? pid : 0;
    if (pid < 0) {
        printf("FAIL %s (cannot fork: %s)\n", t->name, strerror(errno));
        tl->failed++;
    }
}

static size_t jobs(void)
{
    const char *v = getenv("RH_TEST_JOBS");
    /* three times the processors: most tests spend their time waiting on
     * receivers and timers, not computing (on 2 cores the runner took
     * 85 s with 2 at once, 71 s with 4, 58 s with 6; the tests timed in
     * milliseconds run alone, after the others) */
    long n = v && atol(v) > 0 ? atol(v) : 3 * sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 16 ? 16 : (size_t)n;
}

/* Under valgrind every test runs in this process, one after another, as
 * before the runner forked: a forked child starts with valgrind's
 * translations of the library's code cold, which stretched the first
 * moments of tests that count what happens in 400 ms of real time. A
 * crash then ends the run, as it did. */
static void run_inline(const rh_test_case *t, tally *tl)
{
    int64_t t0 = rh_test_mono_ms();
    rh_test_failed = 0;
    rh_test_skipped = 0;
    rh_test_now_ms = 1700000000000LL;
    t->fn();
    const char *verdict = rh_test_failed    ? "FAIL"
                          : rh_test_skipped ? "skip"
                                            : "ok  ";
    tl->failed += rh_test_failed != 0;
    tl->skipped += !rh_test_failed && rh_test_skipped;
    tl->passed += !rh_test_failed && !rh_test_skipped;
    printf("%s %s (%.2f s)\n", verdict, t->name,
           (double)(rh_test_mono_ms() - t0) / 1000);
    fflush(stdout);
}

/* Run the tests of one phase (alone or not) with at most width at once. */
static void run_phase(const char *filter, int alone_phase, size_t width,
                      const char *dir, tally *tl)
{
    slot slots[16];
    int inline_ = getenv("RH_TEST_VALGRIND") != NULL;
    memset(slots, 0, sizeof slots);
    for (size_t s = 0; s < sizeof suites / sizeof *suites; s++) {
        for (const rh_test_case *t = suites[s]; t->name; t++) {
            if ((filter && !strstr(t->name, filter)) ||
                alone(t->name) != alone_phase)
                continue;
            if (inline_) {
                run_inline(t, tl);
                continue;
            }
            for (;;) {
                size_t i = 0;
                while (i < width && slots[i].pid)
                    i++;
                if (i < width) {
                    start(&slots[i], t, dir, tl);
                    break;
                }
                reap(slots, width, tl);
            }
        }
    }
    for (;;) {
        size_t busy = 0;
        for (size_t i = 0; i < width; i++)
            busy += slots[i].pid != 0;
        if (!busy)
            break;
        reap(slots, width, tl);
    }
}

/* Made here, before any test runs the tool, so that no test's output
 * carries the tool's "made a sealing key" notice. */
static void make_test_sealing_key(void)
{
    char path[256], hex[65];
    unsigned char key[32];
    rh_test_path(path, sizeof path, "sealing-key");
    int rnd = open("/dev/urandom", O_RDONLY);
    if (rnd < 0 || read(rnd, key, sizeof key) != (ssize_t)sizeof key)
        abort();
    close(rnd);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, hex, 64) != 64)
        abort();
    close(fd);
    setenv("REPLICER_HOOKS_KEY_FILE", path, 1);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    tally tl = {0, 0, 0};
    char dir[256];
    /* The test receivers write to peers that may have hung up on purpose;
     * the library itself never needs this (libcurl uses MSG_NOSIGNAL). */
    signal(SIGPIPE, SIG_IGN);
    /* the tool seals its stores' secrets with a key it makes when absent:
     * the tests' key lives in their own folder, not in $HOME */
    if (!getenv("REPLICER_HOOKS_KEY_FILE"))
        make_test_sealing_key();
    rh_test_path(dir, sizeof dir, "logs");
    if (mkdir(dir, 0700) != 0)
        return 2;
    run_phase(filter, 0, jobs(), dir, &tl);
    run_phase(filter, 1, 1, dir, &tl);
    if (tl.skipped)
        printf("%d passed, %d failed, %d skipped\n", tl.passed, tl.failed,
               tl.skipped);
    else
        printf("%d passed, %d failed\n", tl.passed, tl.failed);
    return tl.failed ? 1 : 0;
}
