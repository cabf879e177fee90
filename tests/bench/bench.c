/* make bench: figures, never pass/fail. Each figure is the median of 3 runs
 * with min and max, printed as a table and written to build/bench.json.
 * Everything runs on loopback against the test sink. */
#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_sqlite.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"

#ifdef RH_HAVE_PG
#include <libpq-fe.h>
#include <replicer-hooks/rh_pg.h>
#endif

#define REPS 3

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char payload[1024 + 1];
static char dir[64];
static sink *receiver;

static void make_payload(void)
{
    /* a 1 KB JSON object */
    strcpy(payload, "{\"blob\":\"");
    size_t n = strlen(payload);
    memset(payload + n, 'x', 1024 - n - 2);
    strcpy(payload + 1024 - 2, "\"}");
}

typedef enum { STORE_MEMORY, STORE_SQLITE, STORE_SQLITE_ATTACHED } store_kind;

typedef struct bench_ctx {
    rh_ctx *ctx;
    sqlite3 *db; /* for STORE_SQLITE_ATTACHED */
} bench_ctx;

static int open_ctx(bench_ctx *b, store_kind kind, const char *path_tag)
{
    rh_config *cfg = NULL;
    rh_storage st;
    char path[160], url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    static int n;
    memset(b, 0, sizeof *b);
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight_per_endpoint(cfg, 64);
    snprintf(path, sizeof path, "%s/%s-%d.db", dir, path_tag, n++);
    if (kind == STORE_SQLITE) {
        if (rh_sqlite_open(&st, path, 0, NULL, 0) != RH_OK)
            return -1;
        rh_config_set_storage(cfg, &st);
    } else if (kind == STORE_SQLITE_ATTACHED) {
        if (sqlite3_open(path, &b->db) != SQLITE_OK ||
            rh_sqlite_attach(&st, b->db, 0, NULL, 0) != RH_OK)
            return -1;
        rh_config_set_storage(cfg, &st);
    }
    int rc = rh_ctx_new(&b->ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK)
        return -1;
    sink_url(receiver, "/bench", url, sizeof url);
    return rh_endpoint_add(b->ctx, url, events, 1, ep, sizeof ep, secret,
                           sizeof secret) == RH_OK
               ? 0
               : -1;
}

static void close_ctx(bench_ctx *b)
{
    rh_ctx_free(b->ctx);
    if (b->db)
        sqlite3_close(b->db);
}

/* emits per second: n emits, in batches of `batch` inside one host
 * transaction when the store is attached. */
static double run_emit(store_kind kind, int n, int batch)
{
    bench_ctx b;
    if (open_ctx(&b, kind, "emit") != 0)
        return -1;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (b.db && i % batch == 0)
            sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL);
        if (rh_emit(b.ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
        if (b.db && (i % batch == batch - 1 || i == n - 1))
            sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
    }
    double dt = now_s() - t0;
    close_ctx(&b);
    return n / dt;
}

/* deliveries per second, emitted first, then delivered to the sink. */
static double run_deliver(store_kind kind, int n)
{
    bench_ctx b;
    size_t before = sink_count(receiver);
    if (open_ctx(&b, kind, "deliver") != 0)
        return -1;
    if (b.db)
        sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < n; i++)
        if (rh_emit(b.ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
    if (b.db)
        sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
    double t0 = now_s();
    while (sink_count(receiver) < before + (size_t)n ||
           rh_ctx_in_flight(b.ctx) > 0) {
        if (rh_tick(b.ctx) < 0)
            return -1;
        rh_wait(b.ctx, 10);
    }
    double dt = now_s() - t0;
    close_ctx(&b);
    return n / dt;
}

#ifdef RH_HAVE_PG
static const char *pg_conninfo(void)
{
    const char *c = getenv("RH_TEST_PG");
    return c && *c ? c : NULL;
}

static int pg_schema_n;

/* A context on a fresh schema, through the host's connection (for batches). */
static rh_ctx *pg_ctx(PGconn **db_out, char *schema, size_t schema_size)
{
    rh_storage st;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    snprintf(schema, schema_size, "bench_%d_%d", (int)getpid(), ++pg_schema_n);
    PGconn *db = PQconnectdb(pg_conninfo());
    if (PQstatus(db) != CONNECTION_OK ||
        rh_pg_attach(&st, db, schema, NULL, 0) != RH_OK)
        return NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_storage(cfg, &st);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return NULL;
    rh_config_free(cfg);
    sink_url(receiver, "/bench", url, sizeof url);
    rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret, sizeof secret);
    *db_out = db;
    return ctx;
}

static double run_emit_pg(int n, int batch)
{
    PGconn *db = NULL;
    char schema[64];
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (batch > 1 && i % batch == 0)
            PQclear(PQexec(db, "BEGIN"));
        if (rh_emit(ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
        if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
            PQclear(PQexec(db, "COMMIT"));
    }
    double dt = now_s() - t0;
    rh_ctx_free(ctx);
    PQfinish(db);
    return n / dt;
}

static int take_all(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    (void)dl;
    (void)ev;
    (void)ud;
    return 1;
}

/* Claims per second from one process, 64 at a time, on 20,000 pending. */
static double run_claims_pg(void)
{
    PGconn *db = NULL;
    char schema[64];
    rh_storage st;
    int n = 20000, claimed = 0;
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    PQclear(PQexec(db, "BEGIN"));
    for (int i = 0; i < n; i++)
        rh_emit(ctx, "bench.event", "{}", 2, NULL, 0);
    PQclear(PQexec(db, "COMMIT"));
    if (rh_pg_open(&st, pg_conninfo(), schema, NULL, 0) != RH_OK)
        return -1;
    int64_t far = (int64_t)time(NULL) * 1000 + 86400000;
    double t0 = now_s();
    while (claimed < n) {
        int got = st.claim(far, far + 60000, 64, take_all, NULL, st.userdata);
        if (got <= 0)
            return -1;
        claimed += got;
    }
    double dt = now_s() - t0;
    st.destroy(st.userdata);
    rh_ctx_free(ctx);
    PQfinish(db);
    return claimed / dt;
}

/* Deliveries per second with `workers` tool processes on one queue. */
static double run_deliver_pg(int workers, int n)
{
    PGconn *db = NULL;
    char schema[64], store[600];
    pid_t pids[8];
    size_t before = sink_count(receiver);
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    PQclear(PQexec(db, "BEGIN"));
    for (int i = 0; i < n; i++)
        rh_emit(ctx, "bench.event", payload, 1024, NULL, 0);
    PQclear(PQexec(db, "COMMIT"));
    snprintf(store, sizeof store, "pg:%s", pg_conninfo());
    double t0 = now_s();
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            const char *argv[] = {"build/replicer-hooks", "worker", "--store",
                                  store, "--schema", schema, "--dev",
                                  "--quiet", "--per-endpoint", "64", NULL};
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
    }
    while (sink_count(receiver) < before + (size_t)n && now_s() - t0 < 300)
        usleep(2000);
    double dt = now_s() - t0;
    for (int w = 0; w < workers; w++) {
        kill(pids[w], SIGTERM);
        waitpid(pids[w], NULL, 0);
    }
    rh_ctx_free(ctx);
    PQfinish(db);
    return n / dt;
}
#endif

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct figure {
    const char *name;
    const char *unit;
    double med, min, max;
} figure;

static figure figures[16];
static int n_figures;

static void record(const char *name, const char *unit, double v[REPS])
{
    qsort(v, REPS, sizeof *v, cmp_d);
    figure *f = &figures[n_figures++];
    f->name = name;
    f->unit = unit;
    f->min = v[0];
    f->med = v[REPS / 2];
    f->max = v[REPS - 1];
    printf("%-34s %12.0f %-14s (min %.0f, max %.0f)\n", name, f->med, unit,
           f->min, f->max);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *json_path = argc > 1 ? argv[1] : "build/bench.json";
    double v[REPS];
    make_payload();
    snprintf(dir, sizeof dir, "/tmp/rh-bench-XXXXXX");
    if (!mkdtemp(dir) || sink_start(&receiver, 600000) != 0)
        return 1;
    printf("replicer-hooks %s bench: 1 KB events, one endpoint, loopback\n\n",
           rh_version_string());
    printf("%-34s %12s %-14s\n", "figure", "median", "unit");
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_MEMORY, 100000, 1);
    record("emit_memory", "emits/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_SQLITE, 1000, 1);
    record("emit_sqlite_one_per_txn", "emits/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_SQLITE_ATTACHED, 20000, 1000);
    record("emit_sqlite_batched_1000", "emits/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_deliver(STORE_MEMORY, 20000);
    record("deliver_memory", "deliveries/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_deliver(STORE_SQLITE_ATTACHED, 5000);
    record("deliver_sqlite", "deliveries/s", v);

#ifdef RH_HAVE_PG
    if (pg_conninfo()) {
        for (int r = 0; r < REPS; r++)
            v[r] = run_emit_pg(1000, 1);
        record("emit_pg_one_per_txn", "emits/s", v);
        for (int r = 0; r < REPS; r++)
            v[r] = run_emit_pg(20000, 1000);
        record("emit_pg_batched_1000", "emits/s", v);
        for (int r = 0; r < REPS; r++)
            v[r] = run_claims_pg();
        record("claims_pg_64_per_claim", "claims/s", v);
        static const int counts[] = {1, 2, 4};
        static const char *names[] = {"deliver_pg_1_worker",
                                      "deliver_pg_2_workers",
                                      "deliver_pg_4_workers"};
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < REPS; r++)
                v[r] = run_deliver_pg(counts[k], 5000);
            record(names[k], "deliveries/s", v);
        }
    } else {
        printf("(PostgreSQL figures skipped: no RH_TEST_PG)\n");
    }
#endif

    FILE *f = fopen(json_path, "w");
    if (f) {
        fprintf(f, "{\"version\":\"%s\",\"figures\":[", rh_version_string());
        for (int i = 0; i < n_figures; i++)
            fprintf(f,
                    "%s{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.1f,"
                    "\"min\":%.1f,\"max\":%.1f}",
                    i ? "," : "", figures[i].name, figures[i].unit,
                    figures[i].med, figures[i].min, figures[i].max);
        fprintf(f, "]}\n");
        fclose(f);
        printf("\nwritten to %s\n", json_path);
    }
    sink_stop(receiver);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
