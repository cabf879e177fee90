/* Emits from many threads, end to end (make bench, or
 * RH_BENCH_ONLY=threads): 64 threads emit 1 KB events through one emitter
 * (rh_emitter.h, group commit) into a SQLite FULL file or a PostgreSQL
 * schema, while a worker context on the same store delivers them to the
 * epoll sink. Deliveries per second from the first emit to the last
 * delivery, the store's commits per emit, the ratio to one thread, and
 * the latency of one emit's return among 64 threads and alone, and a
 * split run (the emits first, then the deliveries) showing what each side
 * does on its own, where the end-to-end figure's bound lies; beside
 * them, in the same rounds, what a Node developer would use instead for
 * durable webhooks: BullMQ on Redis syncing every write, and pg-boss on
 * the same PostgreSQL, 64 producers each (tests/bench/node). */
#include "bench.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { THREADS_SQLITE_FULL, THREADS_PG };

typedef struct emit_job {
    rh_emitter *em;
    int n;
    double *lat_ms; /* each emit's time to return */
    int failed;
} emit_job;

static void *emit_thread(void *arg)
{
    emit_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        double t0 = now_s();
        j->failed += rh_emitter_emit(j->em, "bench.threads", payload, 1024,
                                     NULL, NULL) != 1;
        j->lat_ms[i] = (now_s() - t0) * 1000;
    }
    return NULL;
}

static int delivered;
static void count_success(const rh_attempt *at, void *ud)
{
    (void)ud;
    delivered += rh_attempt_success(at);
}

/* A context on the store (a fresh SQLite file or PostgreSQL schema, named
 * by where), delivering when worker says so; NULL when it cannot. */
static rh_ctx *store_ctx(int kind, const char *where, int worker)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_storage st;
    int rc = RH_E_UNSUPPORTED;
    if (kind == THREADS_SQLITE_FULL)
        rc = rh_sqlite_open(&st, where, 0, NULL, 0);
#ifdef RH_HAVE_PG
    else
        rc = rh_pg_open(&st, getenv("RH_TEST_PG"), where, NULL, 0);
#endif
    if (rc != RH_OK)
        return NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_storage(cfg, &st);
    if (worker) {
        rh_config_set_max_in_flight(cfg, 64);
        rh_config_set_max_in_flight_per_endpoint(cfg, 64);
        rh_config_set_attempt_cb(cfg, count_success, NULL);
    }
    rc = rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    return rc == RH_OK ? ctx : NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct threads_run {
    double rate;             /* deliveries per second, end to end */
    double cpu_busy;         /* percent of the machine's CPU time in use */
    double emits_alone;      /* split runs: emits per second, no worker */
    double deliveries_alone; /* split runs: then deliveries per second */
    double commits_per_emit; /* the emitter's commits over its emits */
    double p50_ms, p99_ms;   /* an emit's return */
} threads_run;

/* The machine's CPU time so far (/proc/stat, in clock ticks): busy and
 * all; 0s where it cannot be read. Between two readings it tells whether
 * a run was bound by the cores or by something serial. */
static void cpu_ticks(long long *busy, long long *all)
{
    long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    *busy = *all = 0;
    if (!f)
        return;
    if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
               &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        /* user nice system idle iowait irq softirq steal */
        *busy = v[0] + v[1] + v[2] + v[5] + v[6];
        *all = *busy + v[3] + v[4] + v[7];
    }
    fclose(f);
}

/* Deliver on this thread until the emits are all delivered (or 120 s). */
static void deliver_all(rh_ctx *worker, int total)
{
    double t0 = now_s();
    while (delivered < total && now_s() - t0 < 120) {
        /* a store busy with the emitters' commits is a tick's hiccup (it
         * backs off and loses nothing); what must not happen is checked
         * after: every emit delivered */
        int rc = rh_tick(worker);
        if (rc < 0 && rc != RH_E_STORAGE)
            bench_failed = 1;
        rh_wait(worker, 5);
    }
}

/* threads x per_thread emits into the store of kind, delivered by a
 * worker context on this thread; 0, or -1 when it could not run. A split
 * run lets the emits finish before the worker starts, to show what each
 * side does alone on this machine (where the end-to-end figure's bound
 * lies). */
static int run_threads(int kind, int threads, int per_thread, int split,
                       threads_run *out)
{
    static int k;
    char where[192], url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    emit_job jobs[64];
    pthread_t tid[64];
    rh_emitter *em = NULL;
    uint64_t emits = 0, commits = 0;
    int total = threads * per_thread;
    if (kind == THREADS_SQLITE_FULL)
        snprintf(where, sizeof where, "%s/threads-%d.db", dir, k++);
    else
        snprintf(where, sizeof where, "bench_threads_%d_%d", (int)getpid(),
                 k++);
    rh_ctx *worker = store_ctx(kind, where, 1);
    rh_ctx *ctx = worker ? store_ctx(kind, where, 0) : NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/t", fastsink_port(fast));
    fastsink_reset(fast, 0);
    if (!ctx ||
        rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK ||
        rh_emitter_new(ctx, &em) != RH_OK)
        return -1;
    double *lat = calloc((size_t)total, sizeof *lat);
    delivered = 0;
    long long busy0, all0, busy1, all1;
    cpu_ticks(&busy0, &all0);
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (emit_job){em, per_thread, lat + t * per_thread, 0};
        pthread_create(&tid[t], NULL, emit_thread, &jobs[t]);
    }
    for (int t = 0; split && t < threads; t++)
        pthread_join(tid[t], NULL);
    double t_emitted = now_s();
    deliver_all(worker, total);
    out->rate = total / (now_s() - t0);
    cpu_ticks(&busy1, &all1);
    out->cpu_busy =
        all1 > all0 ? 100.0 * (double)(busy1 - busy0) / (double)(all1 - all0)
                    : 0;
    out->emits_alone = total / (t_emitted - t0);
    out->deliveries_alone = total / (now_s() - t_emitted);
    for (int t = 0; t < threads; t++) {
        if (!split)
            pthread_join(tid[t], NULL);
        if (jobs[t].failed)
            bench_failed = 1;
    }
    if (delivered != total || fastsink_count(fast) != (size_t)total)
        bench_failed = 1;
    rh_emitter_counts(em, &emits, &commits, NULL);
    out->commits_per_emit = (double)commits / (double)emits;
    qsort(lat, (size_t)total, sizeof *lat, cmp_double);
    out->p50_ms = lat[total / 2];
    out->p99_ms = lat[total * 99 / 100];
    free(lat);
    rh_emitter_free(em);
    rh_ctx_free(ctx);
    rh_ctx_free(worker);
    return 0;
}

/* A Node queue baseline (script beside RH_BENCH_NODE's, given 64
 * producers and extra arguments after the common ones) to the epoll sink:
 * deliveries per second, or -1 when it cannot run (no node, no
 * redis-server for BullMQ, or the packages of tests/bench/node missing:
 * the figure says it was skipped). */
static double run_node_queue(const char *script, int n, const char *extra)
{
    const char *undici = getenv("RH_BENCH_NODE");
    char path[512], args[320];
    const char *slash = undici ? strrchr(undici, '/') : NULL;
    if (!slash || (!strcmp(script, "bullmq_sender.mjs") &&
                   system("command -v redis-server >/dev/null") != 0))
        return -1;
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - undici), undici,
             script);
    snprintf(args, sizeof args, "64 %s", extra);
    return run_node_baseline(path, fast, n, "", args);
}

/* A figure of name's: "NAME" and what follows it, as one label. */
static void record_of(const char *name, const char *what, const char *unit,
                      double v[REPS])
{
    char label[128];
    snprintf(label, sizeof label, "%s%s", name, what);
    record(label, unit, v);
}

/* The baseline's rate, and the library's over it, as figures. */
static void record_baseline(const char *name, const char *lib_name,
                            double base[REPS], double lib[REPS])
{
    double ratio[REPS];
    for (int r = 0; r < REPS; r++) {
        if (base[r] <= 0) {
            printf("(%s skipped: node, redis-server or the packages of "
                   "tests/bench/node are missing; make bench-node)\n",
                   name);
            return;
        }
        ratio[r] = lib[r] / base[r];
    }
    char what[64];
    record(name, "deliveries/s", base);
    snprintf(what, sizeof what, " / %s", name);
    record_of(lib_name, what, "ratio", ratio);
}

/* One store's figures: 64 threads and one, REPS rounds interleaved. */
static void bench_threads_on(int kind, const char *name, int per_thread)
{
    double rate[REPS], one[REPS], ratio[REPS], commits[REPS], p50[REPS],
        p99[REPS], alone50[REPS], alone99[REPS], base[REPS], emits[REPS],
        deliveries[REPS], busy[REPS];
    char extra[300];
    const char *pg = getenv("RH_TEST_PG");
    snprintf(extra, sizeof extra, "'%s'", pg ? pg : "");
    for (int r = 0; r < REPS; r++) {
        threads_run many, single, split;
        if (run_threads(kind, 64, per_thread, 0, &many) != 0 ||
            run_threads(kind, 1, per_thread * 4, 0, &single) != 0 ||
            run_threads(kind, 64, per_thread, 1, &split) != 0) {
            printf("%-34s could not run\n", name);
            bench_failed = 1;
            return;
        }
        rate[r] = many.rate;
        one[r] = single.rate;
        ratio[r] = many.rate / single.rate;
        commits[r] = many.commits_per_emit;
        p50[r] = many.p50_ms;
        p99[r] = many.p99_ms;
        alone50[r] = single.p50_ms;
        alone99[r] = single.p99_ms;
        busy[r] = many.cpu_busy;
        emits[r] = split.emits_alone;
        deliveries[r] = split.deliveries_alone;
        base[r] =
            kind == THREADS_PG
                ? run_node_queue("pgboss_sender.mjs", 6000, extra)
                : run_node_queue("bullmq_sender.mjs", 64 * per_thread, "");
    }
    record(name, "deliveries/s", rate);
    record_of(name, ": one thread", "deliveries/s", one);
    record_of(name, " / one thread", "ratio", ratio);
    record_of(name, ": commits", "per emit", commits);
    record_of(name, ": emit p50", "ms", p50);
    record_of(name, ": emit p99", "ms", p99);
    record_of(name, ": alone p50", "ms", alone50);
    record_of(name, ": alone p99", "ms", alone99);
    record_of(name, ": CPU busy", "% of cores", busy);
    record_of(name, ": emits only", "emits/s", emits);
    record_of(name, ": then deliveries only", "deliveries/s",
              deliveries);
    record_baseline(kind == THREADS_PG ? "pgboss_64_producers"
                                       : "bullmq_64_producers",
                    name, base, rate);
}

/* `replicer-hooks emit --stdin --batch batch` of n 1 KB events into a new
 * SQLite FULL file, the process timed whole: events per second, or -1. */
static double run_emit_stdin(int n, int batch)
{
    static int k;
    char lines[160], store[192], cmd[1200];
    snprintf(lines, sizeof lines, "%s/stdin-lines.json", dir);
    snprintf(store, sizeof store, "%s/stdin-%d.db", dir, k++);
    FILE *f = fopen(lines, "w");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++)
        fprintf(f, "{\"type\":\"bench.stdin\",\"data\":%s}\n", payload);
    if (fclose(f) != 0)
        return -1;
    const char *tool =
        getenv("RH_TOOL") ? getenv("RH_TOOL") : "build/replicer-hooks";
    snprintf(cmd, sizeof cmd,
             "%s endpoint add http://127.0.0.1:9/in --events 'bench.*' --dev "
             "--store sqlite:%s >/dev/null && %s emit --stdin --batch %d "
             "--store sqlite:%s < %s | grep -c '^evt_'",
             tool, store, tool, batch, store, lines);
    double t0 = now_s();
    FILE *p = popen(cmd, "r");
    char out[64] = "";
    if (!p || !fgets(out, sizeof out, p) || pclose(p) != 0 || atoi(out) != n)
        return -1;
    return n / (now_s() - t0);
}

void bench_emit_threads(void)
{
    double batched[REPS], single[REPS];
    for (int r = 0; r < REPS; r++) {
        batched[r] = run_emit_stdin(20000, 1000);
        single[r] = run_emit_stdin(2000, 1);
        if (batched[r] < 0 || single[r] < 0)
            bench_failed = 1;
    }
    record("emit_stdin_sqlite_full --batch 1000", "events/s", batched);
    record("emit_stdin_sqlite_full --batch 1", "events/s", single);
    bench_threads_on(THREADS_SQLITE_FULL, "emit_threads_sqlite_full", 300);
#ifdef RH_HAVE_PG
    if (getenv("RH_TEST_PG") && *getenv("RH_TEST_PG"))
        bench_threads_on(THREADS_PG, "emit_threads_pg", 300);
#endif
}
