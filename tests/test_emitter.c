/* The emitter (rh_emitter.h): many threads emitting into one store (64 x
 * 500 on SQLite and PostgreSQL), their emits committed in groups, each
 * thread's answers its own (ids, repeats); what is emitted is delivered,
 * in order per ordering key. test_emitter_groups.c holds the groups made
 * on purpose: a refusal alone, a locked store, the cap, a SIGKILL. Run
 * under ASan by make check and under ThreadSanitizer by make race. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A context on the SQLite file at path, or on the PostgreSQL schema named
 * so; NULL when it cannot be opened. */
static rh_ctx *store_ctx(int pg, const char *where)
{
    rh_storage st;
    char err[512];
    int rc;
#ifdef RH_HAVE_PG
    rc = pg ? rh_pg_open(&st, rh_test_pg(), where, err, sizeof err)
            : rh_sqlite_open(&st, where, 0, err, sizeof err);
#else
    (void)pg;
    rc = rh_sqlite_open(&st, where, 0, err, sizeof err);
#endif
    if (rc != RH_OK) {
        fprintf(stderr, "open %s: %s\n", where, err);
        return NULL;
    }
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    return rh_test_ctx_from(cfg);
}

/* Pending deliveries in the store, as every process sees them. */
static int add_pending(const char *key, const int64_t *f, size_t n, void *ud)
{
    (void)key;
    (void)n;
    *(int64_t *)ud += f[RH_QUEUE_PENDING];
    return RH_OK;
}

static int64_t pending(rh_ctx *ctx)
{
    int64_t total = 0;
    if (rh_queue_figures(ctx, RH_QUEUE_TOTAL, 0, add_pending, &total) < 0)
        return -1;
    return total;
}

/* ----------------------------------------------------- many threads at once */

typedef struct thread_job {
    rh_emitter *em;
    int thread, emits;
    int wrong;               /* answers that were not what was asked for */
    char (*ids)[RH_ID_SIZE]; /* each emit's id */
} thread_job;

/* Emits with an ordering key of the thread's; the last two of every ten
 * carry an idempotency key, the second a repeat of the first. */
static void *emit_many(void *arg)
{
    thread_job *j = arg;
    rh_emit_result *res = NULL;
    rh_emit_options *o = NULL;
    char data[96], okey[32], ikey[48];
    if (rh_emit_result_new(&res) != RH_OK || rh_emit_options_new(&o) != RH_OK)
        abort();
    snprintf(okey, sizeof okey, "thread-%d", j->thread);
    rh_emit_options_set_ordering_key(o, okey, RH_ORDERING_CONTINUE);
    for (int i = 0; i < j->emits; i++) {
        int repeat = i % 10 == 9;
        snprintf(ikey, sizeof ikey, "t%d-%d", j->thread, i / 10);
        rh_emit_options_set_idempotency_key(o, i % 10 >= 8 ? ikey : NULL);
        snprintf(data, sizeof data, "{\"thread\":%d,\"n\":%d}", j->thread, i);
        int rc =
            rh_emitter_emit(j->em, "load.test", data, strlen(data), o, res);
        memcpy(j->ids[i], rh_emit_result_id(res), RH_ID_SIZE);
        if (rc != (repeat ? 0 : 1) || rh_emit_result_duplicate(res) != repeat ||
            (repeat && strcmp(j->ids[i], j->ids[i - 1]) != 0) ||
            strncmp(j->ids[i], "evt_", 4) != 0 ||
            rh_emit_result_error(res)[0]) {
            if (!j->wrong++)
                fprintf(stderr, "thread %d emit %d: %d %s\n", j->thread, i, rc,
                        rh_emit_result_error(res));
        }
    }
    rh_emit_result_free(res);
    rh_emit_options_free(o);
    return NULL;
}

/* threads x emits through one emitter; every answer right, the store
 * holding one delivery per emit that was not a repeat, and groups made. */
static void threads_emit(int pg, const char *where)
{
    int threads = getenv("RH_TEST_VALGRIND") ? 8 : 64;
    int emits = getenv("RH_TEST_VALGRIND") ? 40 : 500;
    rh_ctx *ctx = store_ctx(pg, where), *other = store_ctx(pg, where);
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_emitter *em = NULL;
    pthread_t tid[64];
    thread_job jobs[64];
    uint64_t taken = 0, commits = 0, largest = 0;
    RH_CHECK(ctx && other);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/t", "load.*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    for (int t = 0; t < threads; t++) {
        jobs[t] = (thread_job){em, t, emits, 0, calloc(emits, RH_ID_SIZE)};
        RH_CHECK(pthread_create(&tid[t], NULL, emit_many, &jobs[t]) == 0);
    }
    int wrong = 0, n = 0;
    char **all = calloc((size_t)threads * emits, sizeof *all);
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        wrong += jobs[t].wrong;
        for (int i = 0; i < emits; i++)
            if (i % 10 != 9) /* a repeat's id is its first emit's */
                all[n++] = jobs[t].ids[i];
    }
    RH_CHECK_EQ_INT(0, wrong);
    qsort(all, n, sizeof *all, rh_test_by_str);
    int same = 0;
    for (int i = 1; i < n; i++)
        same += strcmp(all[i - 1], all[i]) == 0;
    RH_CHECK_EQ_INT(0, same); /* every thread got ids of its own */
    RH_CHECK_EQ_INT(n, (int)pending(other));
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_counts(em, &taken, &commits, &largest));
    RH_CHECK_EQ_INT(threads * emits, (int)taken);
    /* groups were made (how large depends on the scheduler: valgrind runs
     * one thread at a time, so there only "some"); that keyed emits join
     * them on SQLite is test_emitter_groups.c's, where the group is known */
    if (getenv("RH_TEST_VALGRIND"))
        RH_CHECK((int)commits < threads * emits);
    else /* on PostgreSQL's own connection the keyed fifth commits alone */
        RH_CHECK((int)commits < threads * emits * (pg ? 3 : 1) / 5);
    RH_CHECK(largest > 1);
    fprintf(stderr, "%d emits, %llu commits, largest group %llu\n",
            threads * emits, (unsigned long long)commits,
            (unsigned long long)largest);
    rh_emitter_free(em);
    for (int t = 0; t < threads; t++)
        free(jobs[t].ids);
    free(all);
    rh_ctx_free(ctx);
    rh_ctx_free(other);
    sink_stop(s);
}

static void test_emitter__sqlite_threads_emit(void)
{
    char path[128];
    rh_test_path(path, sizeof path, "emitter");
    threads_emit(0, path);
}

static void test_emitter__pg_threads_emit(void)
{
    char schema[64];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(schema, sizeof schema, "emitter_%u", (unsigned)getpid());
    threads_emit(1, schema);
}

/* ------------------------------------------- delivered, in order per key */

typedef struct order_job {
    rh_emitter *em;
    int thread;
    int failed;
} order_job;

static void *emit_in_order(void *arg)
{
    order_job *j = arg;
    rh_emit_options *o = NULL;
    char data[64], okey[32];
    rh_emit_options_new(&o);
    snprintf(okey, sizeof okey, "k%d", j->thread);
    rh_emit_options_set_ordering_key(o, okey, RH_ORDERING_HOLD);
    for (int i = 0; i < 25; i++) {
        snprintf(data, sizeof data, "{\"thread\":%d,\"n\":%d}", j->thread, i);
        j->failed += rh_emitter_emit(j->em, "order.test", data, strlen(data), o,
                                     NULL) != 1;
    }
    rh_emit_options_free(o);
    return NULL;
}

/* An endpoint added by another context after the emitter was made is seen
 * at the next refresh; a worker context delivers everything, each thread's
 * events in its order. */
static void test_emitter__delivered_in_order_per_key(void)
{
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_test_path(path, sizeof path, "order");
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_refresh_ms(cfg, 1000);
    rh_ctx *ctx = rh_test_sqlite_ctx(path, cfg);
    rh_ctx *worker = rh_test_sqlite_ctx(path, rh_test_config());
    sink *s = rh_test_sink();
    rh_emitter *em = NULL;
    pthread_t tid[8];
    order_job jobs[8];
    RH_CHECK_EQ_INT(RH_OK, rh_emitter_new(ctx, &em));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(worker, s, "/o", "order.*", ep, secret));
    rh_test_now_ms += 1000; /* before the threads: the refresh is due */
    for (int t = 0; t < 8; t++) {
        jobs[t] = (order_job){em, t, 0};
        pthread_create(&tid[t], NULL, emit_in_order, &jobs[t]);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(tid[t], NULL);
        RH_CHECK_EQ_INT(0, jobs[t].failed);
    }
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(worker, s, 200, 30000));
    int next[8] = {0}, out_of_order = 0;
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        int thread = -1, n = -1;
        RH_CHECK(sink_get(s, i, &r) == 0);
        const char *d = strstr(r.body, "\"thread\":");
        if (d && sscanf(d, "\"thread\":%d,\"n\":%d", &thread, &n) == 2 &&
            thread >= 0 && thread < 8)
            out_of_order += n != next[thread]++;
        RH_CHECK_EQ_INT(0, rh_test_verify_request(&r, secret, -1));
        sink_request_free(&r);
    }
    RH_CHECK_EQ_INT(200, (int)sink_count(s));
    RH_CHECK_EQ_INT(0, out_of_order);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
    rh_ctx_free(worker);
    sink_stop(s);
}

const rh_test_case rh_tests_emitter[] = {
    {"emitter__sqlite_threads_emit", test_emitter__sqlite_threads_emit},
    {"emitter__pg_threads_emit", test_emitter__pg_threads_emit},
    {"emitter__delivered_in_order_per_key",
     test_emitter__delivered_in_order_per_key},
    {NULL, NULL}};
