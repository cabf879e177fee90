/* The emitter's groups made on purpose: a first emit held in the store
 * while others queue behind it, so that the next group is known. A refused
 * emit fails alone in it; a store locked by another connection fails the
 * whole group and keeps none of it; a callback of the commit cannot emit
 * into it; a SIGKILL in the middle of groups loses no emit that returned
 * success. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#include <sqlite3.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUEUED 12 /* the emits that queue behind the held one */

/* The SQLite table, with an enqueue that holds its first caller, after
 * the store kept its emit, until the test opens the gate. */
static rh_storage inner;
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_armed, gate_held, gate_open;

static int held_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                        size_t n, void *ud)
{
    int rc = inner.enqueue(ev, dls, n, ud);
    pthread_mutex_lock(&gate_mu);
    if (gate_armed) {
        gate_armed = 0;
        gate_held = 1;
        pthread_cond_broadcast(&gate_cv);
        while (!gate_open)
            pthread_cond_wait(&gate_cv, &gate_mu);
    }
    pthread_mutex_unlock(&gate_mu);
    return rc;
}

static rh_ctx *gated_ctx(const char *path)
{
    char err[256];
    if (rh_sqlite_open(&inner, path, 0, err, sizeof err) != RH_OK)
        return NULL;
    rh_storage st = inner;
    st.enqueue = held_enqueue;
    gate_armed = 1;
    gate_held = gate_open = 0;
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    return rh_test_ctx_from(cfg);
}

typedef struct one_emit {
    rh_emitter *em;
    const char *data;
    int rc;
    rh_emit_result *res;
    const rh_emit_options *opts; /* NULL: none */
} one_emit;

static void *emit_once(void *arg)
{
    one_emit *e = arg;
    e->rc = rh_emitter_emit(e->em, "group.test", e->data, strlen(e->data),
                            e->opts, e->res);
    return NULL;
}

/* Until the first emit is held in the store, its group under way. */
static void wait_held(void)
{
    pthread_mutex_lock(&gate_mu);
    while (!gate_held)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

/* Until the emitter has taken n emits (all queued behind the held one),
 * at most ms of real time. */
static void wait_taken(rh_emitter *em, uint64_t n, int64_t ms)
{
    uint64_t taken = 0;
    int64_t until = rh_test_mono_ms() + ms;
    while (taken < n && rh_test_mono_ms() < until) {
        rh_emitter_counts(em, &taken, NULL, NULL);
        usleep(1000);
    }
}

/* The held emit goes on: the next leader takes what queued meanwhile. */
static void open_gate(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* The held emit first; when it is held, QUEUED more behind it (their data
 * from data_of, their options from opts_of, or none when it is NULL),
 * then lock (a SQLite connection holding the file's write lock, or NULL)
 * and the gate opened: the QUEUED are one group. */
static void run_groups(rh_emitter *em, one_emit *e, const char **data_of,
                       rh_emit_options *const *opts_of, void (*lock)(void))
{
    pthread_t tid[QUEUED + 1];
    for (int i = 0; i <= QUEUED; i++) {
        e[i] = (one_emit){em, i ? data_of[i - 1] : "{\"first\":true}", 0, NULL,
                          i && opts_of ? opts_of[i - 1] : NULL};
        if (rh_emit_result_new(&e[i].res) != RH_OK)
            abort();
    }
    pthread_create(&tid[0], NULL, emit_once, &e[0]);
    wait_held();
    for (int i = 1; i <= QUEUED; i++)
        pthread_create(&tid[i], NULL, emit_once, &e[i]);
    wait_taken(em, QUEUED + 1, 10000);
    if (lock)
        lock();
    open_gate();
    for (int i = 0; i <= QUEUED; i++)
        pthread_join(tid[i], NULL);
}

static void free_results(one_emit *e)
{
    for (int i = 0; i <= QUEUED; i++)
        rh_emit_result_free(e[i].res);
}

/* One bad emit in a group: it alone is refused, with its own reason; the
 * others are stored, having shared one commit. */
static void test_emitter__refused_emit_fails_alone(void)
{
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *data[QUEUED];
    one_emit e[QUEUED + 1];
    rh_emitter *em = NULL;
    uint64_t commits = 0;
    rh_test_path(path, sizeof path, "refused");
    rh_ctx *ctx = gated_ctx(path);
    sink *s = rh_test_sink();
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/g", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    for (int i = 0; i < QUEUED; i++)
        data[i] = i == 5 ? "[\"not an object\"]" : "{\"ok\":true}";
    run_groups(em, e, data, NULL, NULL);
    RH_CHECK_EQ_INT(1, e[0].rc);
    RH_CHECK_EQ_INT(1, (int)rh_emit_result_group_size(e[0].res));
    for (int i = 1; i <= QUEUED; i++) {
        if (i == 6) {
            RH_CHECK_EQ_INT(RH_E_INVALID_ARG, e[i].rc);
            RH_CHECK_EQ_INT(RH_ARG_DATA, rh_emit_result_error_arg(e[i].res));
            RH_CHECK_EQ_INT(RH_REFUSAL_MALFORMED,
                            rh_emit_result_error_refusal(e[i].res));
            RH_CHECK(strstr(rh_emit_result_error(e[i].res), "object"));
            RH_CHECK_EQ_STR("", rh_emit_result_id(e[i].res));
            RH_CHECK_EQ_INT(0, (int)rh_emit_result_group_size(e[i].res));
            continue;
        }
        RH_CHECK_EQ_INT(1, e[i].rc);
        RH_CHECK_EQ_STR("", rh_emit_result_error(e[i].res));
        RH_CHECK_EQ_INT(QUEUED - 1, (int)rh_emit_result_group_size(e[i].res));
        RH_CHECK(strncmp(rh_emit_result_id(e[i].res), "evt_", 4) == 0);
    }
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_counts(em, NULL, &commits, NULL));
    RH_CHECK_EQ_INT(2, (int)commits); /* the held one, then the group */
    RH_CHECK_EQ_INT(QUEUED, rh_test_tick_until_sent(ctx, s, QUEUED, 20000)
                                ? -1
                                : (int)sink_count(s));
    free_results(e);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Another connection's write lock on the file, taken while the group
 * waits and given back after. */
static sqlite3 *locker;
static char locked_path[128];

static void take_lock(void)
{
    if (sqlite3_open(locked_path, &locker) != SQLITE_OK ||
        sqlite3_exec(locker, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

static int count_events(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM rh_events", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* More than RH_EMITTER_GROUP_MAX queued behind the held emit: the next
 * leader takes the most a group may hold, and the rest commit after, each
 * stored once. */
static void test_emitter__a_group_holds_at_most_the_max(void)
{
    enum { BEHIND = RH_EMITTER_GROUP_MAX + 10 };
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *all[] = {"*"};
    rh_emitter *em = NULL;
    uint64_t taken = 0, commits = 0, largest = 0;
    if (getenv("RH_TEST_VALGRIND"))
        RH_SKIP("1,035 threads: too slow under valgrind");
    rh_test_path(path, sizeof path, "group-max");
    rh_ctx *ctx = gated_ctx(path);
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/m", all, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    one_emit *e = calloc(BEHIND + 1, sizeof *e);
    pthread_t *tid = calloc(BEHIND + 1, sizeof *tid);
    RH_CHECK(e && tid);
    for (int i = 0; i <= BEHIND; i++)
        e[i] = (one_emit){em, "{\"n\":1}", 0, NULL, NULL};
    pthread_create(&tid[0], NULL, emit_once, &e[0]);
    wait_held();
    int started = 1;
    for (int i = 1; i <= BEHIND; i++)
        started += pthread_create(&tid[i], NULL, emit_once, &e[i]) == 0;
    RH_CHECK_EQ_INT(BEHIND + 1, started);
    wait_taken(em, BEHIND + 1, 20000);
    open_gate();
    int stored = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
        stored += e[i].rc == 1;
    }
    RH_CHECK_EQ_INT(BEHIND + 1, stored);
    RH_CHECK_EQ_INT(BEHIND + 1, count_events(path));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_counts(em, &taken, &commits, &largest));
    RH_CHECK_EQ_INT(RH_EMITTER_GROUP_MAX, (int)largest);
    RH_CHECK_EQ_INT(3, (int)commits); /* the held one, the most, the rest */
    free(e);
    free(tid);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
}

/* On SQLite, whose batch answers a key at once, keyed emits join the
 * group: distinct keys each stored, a key given twice in the group a
 * repeat of its first (its id, nothing queued), all in one commit. */
static void test_emitter__keyed_emits_join_the_group(void)
{
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], key[16];
    const char *data[QUEUED];
    rh_emit_options *opts[QUEUED];
    one_emit e[QUEUED + 1];
    rh_emitter *em = NULL;
    uint64_t commits = 0;
    rh_test_path(path, sizeof path, "keyed-group");
    rh_ctx *ctx = gated_ctx(path);
    sink *s = rh_test_sink();
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/k", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    for (int i = 0; i < QUEUED; i++) {
        /* keys k0..k9, then k0 twice more */
        snprintf(key, sizeof key, "k%d", i < QUEUED - 2 ? i : 0);
        data[i] = "{\"keyed\":true}";
        if (rh_emit_options_new(&opts[i]) != RH_OK ||
            rh_emit_options_set_idempotency_key(opts[i], key) != RH_OK)
            abort();
    }
    run_groups(em, e, data, opts, NULL);
    int stored = 0, repeats = 0;
    for (int i = 1; i <= QUEUED; i++) {
        stored += e[i].rc == 1 && !rh_emit_result_duplicate(e[i].res);
        repeats += e[i].rc == 0 && rh_emit_result_duplicate(e[i].res);
        RH_CHECK_EQ_INT(QUEUED, (int)rh_emit_result_group_size(e[i].res));
    }
    RH_CHECK_EQ_INT(QUEUED - 2, stored);
    RH_CHECK_EQ_INT(2, repeats);
    /* the repeats carry the first k0's id, whichever came first */
    const char *first = NULL;
    for (int i = 1; i <= QUEUED; i++)
        if (e[i].rc == 1 && (i == 1 || i >= QUEUED - 1))
            first = rh_emit_result_id(e[i].res);
    RH_CHECK(first != NULL);
    for (int i = 1; i <= QUEUED; i++)
        if (i == 1 || i >= QUEUED - 1)
            RH_CHECK_EQ_STR(first, rh_emit_result_id(e[i].res));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_counts(em, NULL, &commits, NULL));
    RH_CHECK_EQ_INT(2, (int)commits); /* the held one, then the group */
    RH_CHECK_EQ_INT(1 + QUEUED - 2, count_events(path));
    for (int i = 0; i < QUEUED; i++)
        rh_emit_options_free(opts[i]);
    free_results(e);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* A store locked by another process's connection (the busy wait runs
 * out): every emit of the group fails with the store's error and none is
 * kept; once the lock is gone the same emitter stores again. */
static void test_emitter__locked_store_fails_the_group(void)
{
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *data[QUEUED];
    one_emit e[QUEUED + 1];
    rh_emitter *em = NULL;
    rh_test_path(locked_path, sizeof locked_path, "locked");
    rh_ctx *ctx = gated_ctx(locked_path);
    sink *s = rh_test_sink();
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/l", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    for (int i = 0; i < QUEUED; i++)
        data[i] = "{\"ok\":true}";
    run_groups(em, e, data, NULL, take_lock);
    RH_CHECK_EQ_INT(1, e[0].rc); /* stored before the lock */
    for (int i = 1; i <= QUEUED; i++) {
        RH_CHECK_EQ_INT(RH_E_STORAGE, e[i].rc);
        RH_CHECK(strstr(rh_emit_result_error(e[i].res), "locked"));
        RH_CHECK_EQ_STR("", rh_emit_result_id(e[i].res));
    }
    sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(locker);
    RH_CHECK_EQ_INT(1, count_events(locked_path));
    RH_CHECK_EQ_INT(1,
                    rh_emitter_emit(em, "group.test", "{}", 2, NULL, e[0].res));
    RH_CHECK_EQ_INT(2, count_events(locked_path));
    free_results(e);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ------------------------------------------------- refusals and callbacks */

static rh_emitter *hook_em;
static int hook_rc = 1;

static void emit_from_hook(const char *type, int notice, void *ud)
{
    (void)type;
    (void)notice;
    (void)ud;
    hook_rc = rh_emitter_emit(hook_em, "group.test", "{}", 2, NULL, NULL);
}

/* The memory store, an open batch and NULLs are refused; a callback of
 * the commit (a deprecated type's notice) cannot emit into its group. */
static void test_emitter__refusals(void)
{
    char path[128];
    rh_emitter *em = NULL;
    rh_emit_result *res = NULL;
    rh_ctx *mem = rh_test_ctx_new();
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rh_emitter_new(mem, &em));
    RH_CHECK(strstr(rh_ctx_last_error(mem), "memory store"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emitter_new(NULL, &em));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emitter_emit(NULL, "a", "{}", 2, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emitter_counts(NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_STR("", rh_emit_result_id(NULL));
    rh_ctx_free(mem);
    rh_test_path(path, sizeof path, "refusals");
    rh_config *cfg = rh_test_config();
    rh_config_set_event_type_cb(cfg, emit_from_hook, NULL);
    rh_ctx *ctx = rh_test_sqlite_ctx(path, cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    RH_CHECK_EQ_INT(RH_E_STATE, rh_emitter_new(ctx, &em));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    RH_CHECK_EQ_INT(
        RH_OK, rh_event_type_define(ctx, "old.type", NULL) >= 0 ? RH_OK : -1);
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_set_state(ctx, "old.type",
                                                   RH_EVENT_TYPE_DEPRECATED));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    rh_emitter *second = NULL; /* two leaders would share the context */
    RH_CHECK_EQ_INT(RH_E_STATE, rh_emitter_new(ctx, &second));
    RH_CHECK(second == NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_emit_result_new(&res));
    hook_em = em;
    RH_CHECK_EQ_INT(0, rh_emitter_emit(em, "old.type", "{}", 2, NULL, res));
    RH_CHECK_EQ_INT(RH_E_REENTRANT, hook_rc);
    RH_CHECK_EQ_INT(1, (int)rh_emit_result_group_size(res));
    /* a bad call fails alone, and says why in its own result */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emitter_emit(em, "bad type!", "{}", 2, NULL, res));
    RH_CHECK_EQ_INT(RH_ARG_EVENT_TYPE, rh_emit_result_error_arg(res));
    RH_CHECK(strstr(rh_emit_result_error(res), "event type"));
    uint64_t commits = 0;
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_counts(em, NULL, &commits, NULL));
    RH_CHECK_EQ_INT(1, (int)commits); /* the refused emit kept nothing */
    /* a NULL emitter leaves no earlier answer in the result */
    RH_CHECK_EQ_INT(0, rh_emitter_emit(em, "old.type", "{}", 2, NULL, res));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emitter_emit(NULL, "old.type", "{}", 2, NULL, res));
    RH_CHECK_EQ_STR("", rh_emit_result_id(res));
    RH_CHECK(rh_emit_result_error(res)[0] != '\0');
    rh_emit_result_free(res);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
}

/* ---------------------------------------------------------- a SIGKILL */

static int kill_pipe;

/* A child's thread: emits until the process is killed, writing the id of
 * each that returned success to the pipe (a line is one atomic write). */
static void *emit_until_killed(void *arg)
{
    rh_emitter *em = arg;
    rh_emit_result *res = NULL;
    char line[RH_ID_SIZE + 1];
    if (rh_emit_result_new(&res) != RH_OK)
        _exit(2);
    for (;;) {
        if (rh_emitter_emit(em, "kill.test", "{\"x\":1}", 7, NULL, res) != 1)
            continue;
        snprintf(line, sizeof line, "%s\n", rh_emit_result_id(res));
        if (write(kill_pipe, line, strlen(line)) < 0)
            _exit(3);
    }
    return NULL;
}

static void emitting_child(const char *path, int fd)
{
    pthread_t tid;
    rh_emitter *em = NULL;
    rh_test_forked();
    kill_pipe = fd;
    rh_ctx *ctx = rh_test_sqlite_ctx(path, rh_test_config());
    if (rh_emitter_new(ctx, &em) != RH_OK)
        _exit(4);
    for (int t = 0; t < 16; t++)
        if (pthread_create(&tid, NULL, emit_until_killed, em) != 0)
            _exit(5);
    for (;;)
        pause();
}

/* What the child said it stored, read until it is killed and after. */
static char *read_acknowledged(int fd, pid_t pid, size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int64_t kill_at = rh_test_mono_ms() + 700;
    int killed = 0;
    for (;;) {
        if (!killed && rh_test_mono_ms() >= kill_at) {
            kill(pid, SIGKILL); /* wherever its groups are */
            killed = 1;
        }
        if (n + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + n, 4096);
        if (got <= 0)
            break; /* the child is gone: the pipe is closed */
        n += (size_t)got;
    }
    *len = n;
    return buf;
}

static int stored(sqlite3 *db, const char *id)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM rh_events WHERE id = ?", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) == SQLITE_OK)
        found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Killed in the middle of its groups, the process loses no emit that had
 * returned success: each acknowledged id is in the file. */
static void test_emitter__sigkill_keeps_every_acknowledged_emit(void)
{
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    int fds[2], status = 0;
    size_t len = 0;
    sqlite3 *db = NULL;
    rh_test_path(path, sizeof path, "killed");
    rh_ctx *ctx = rh_test_sqlite_ctx(path, rh_test_config());
    const char *all[] = {"*"};
    /* nothing is delivered here, so no receiver (and no thread of one in
     * this process when it forks: ThreadSanitizer refuses a child's
     * threads after a threaded parent's fork) */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/k", all, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    rh_ctx_free(ctx);
    RH_CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        emitting_child(path, fds[1]);
    }
    close(fds[1]);
    char *acks = read_acknowledged(fds[0], pid, &len);
    close(fds[0]);
    waitpid(pid, &status, 0);
    RH_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    int acknowledged = 0, missing = 0;
    for (char *line = acks; line < acks + len;) {
        char *end = memchr(line, '\n', (size_t)(acks + len - line));
        if (!end)
            break; /* a line cut by the kill was never acknowledged */
        *end = '\0';
        acknowledged++;
        missing += !stored(db, line);
        line = end + 1;
    }
    sqlite3_close(db);
    fprintf(stderr, "%d acknowledged before the kill, %d missing\n",
            acknowledged, missing);
    RH_CHECK(acknowledged > 0);
    RH_CHECK_EQ_INT(0, missing);
    RH_CHECK(count_events(path) >= acknowledged);
    free(acks);
}

const rh_test_case rh_tests_emitter_groups[] = {
    {"emitter__refused_emit_fails_alone",
     test_emitter__refused_emit_fails_alone},
    {"emitter__locked_store_fails_the_group",
     test_emitter__locked_store_fails_the_group},
    {"emitter__refusals", test_emitter__refusals},
    {"emitter__keyed_emits_join_the_group",
     test_emitter__keyed_emits_join_the_group},
    {"emitter__a_group_holds_at_most_the_max",
     test_emitter__a_group_holds_at_most_the_max},
    {"emitter__sigkill_keeps_every_acknowledged_emit",
     test_emitter__sigkill_keeps_every_acknowledged_emit},
    {NULL, NULL}};
