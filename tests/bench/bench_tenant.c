/* make bench, accounts (RH_BENCH_ONLY=tenants): what one tenant's emit
 * costs among 1,000 and among 100,000 tenants of 10 endpoints each, on the
 * memory store and on SQLite; the memory an endpoint takes; whether adding
 * endpoints slows as they pile up; and a small tenant's latency beside a
 * big one whose dead endpoint has a deep backlog. Printed, never asserted:
 * the figures are read as ratios from one run. */
#include "bench.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <sqlite3.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mallinfo2: glibc's, declared with _GNU_SOURCE's functions */
struct mallinfo2 mallinfo2(void);

#define PER_TENANT 10
#define EMIT_TENANTS 1000 /* emits go to this many tenants in both sizes */
#define EMIT_ROUNDS 10

/* Bytes the C heap has handed out and not taken back (glibc's count: the
 * resident size would not shrink between runs, so it would not grow). */
static double heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* A context on the memory store (db NULL) or on a SQLite file attached
 * to the host's connection (so that the adds and emits below go in host
 * transactions of 1,000 each: the figures are the library's work, not
 * one fsync per call). */
static rh_ctx *tenant_ctx(sqlite3 **db, const char *tag)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_storage st;
    char path[160];
    static int n;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_pending(cfg, 2000000);
    if (db) {
        snprintf(path, sizeof path, "%s/%s-%d.db", dir, tag, n++);
        if (sqlite3_open(path, db) != SQLITE_OK ||
            rh_sqlite_attach(&st, *db, 0, NULL, 0) != RH_OK) {
            rh_config_free(cfg);
            return NULL;
        }
        rh_config_set_storage(cfg, &st);
    }
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        ctx = NULL;
    rh_config_free(cfg);
    return ctx;
}

static void host_txn(sqlite3 *db, int i, int n)
{
    if (db && i % 1000 == 0)
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (db && (i % 1000 == 999 || i == n - 1))
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* n_tenants tenants of PER_TENANT endpoints ("order.*"); the seconds the
 * first and the last tenth of the adds took in *first, *last. */
static int add_tenants(rh_ctx *ctx, sqlite3 *db, int n_tenants, double *first,
                       double *last)
{
    rh_endpoint_options *o = NULL;
    const char *events[] = {"order.*"};
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], tenant[32];
    int n = n_tenants * PER_TENANT, tenth = n / 10, rc = 0;
    double t0 = now_s(), mark = t0;
    rh_endpoint_options_new(&o);
    for (int i = 0; i < n && rc == 0; i++) {
        if (i % PER_TENANT == 0) {
            snprintf(tenant, sizeof tenant, "acct_%d", i / PER_TENANT);
            rh_endpoint_options_set_tenant(o, tenant);
        }
        if (db && i % 1000 == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        if (rh_endpoint_add_with(ctx, "http://127.0.0.1:9/t", events, 1, o, id,
                                 sizeof id, secret, sizeof secret) != RH_OK)
            rc = -1;
        if (db && (i % 1000 == 999 || i == n - 1))
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (i + 1 == tenth)
            *first = now_s() - mark;
        if (i + 1 == n - tenth)
            mark = now_s();
    }
    *last = now_s() - mark;
    rh_endpoint_options_free(o);
    return rc;
}

/* Microseconds per emit for one tenant (PER_TENANT subscribers each),
 * over EMIT_TENANTS tenants spread across all of them, EMIT_ROUNDS each. */
static double emit_us(rh_ctx *ctx, sqlite3 *db, int n_tenants)
{
    rh_emit_options *o = NULL;
    char tenant[32];
    int n = EMIT_TENANTS * EMIT_ROUNDS, stride = n_tenants / EMIT_TENANTS;
    rh_emit_options_new(&o);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        snprintf(tenant, sizeof tenant, "acct_%d",
                 (i % EMIT_TENANTS) * stride);
        rh_emit_options_set_tenant(o, tenant);
        host_txn(db, i, n);
        if (rh_emit_with(ctx, "order.paid", payload, 1024, o, NULL, 0) !=
            PER_TENANT)
            bench_failed = 1;
    }
    double dt = now_s() - t0;
    rh_emit_options_free(o);
    return dt / n * 1e6;
}

/* One size on one store: the emit's cost, the adds' first and last tenth,
 * and the resident memory each endpoint added (the memory store). */
static void one_size(int sqlite, int n_tenants, double *us, double *first,
                     double *last, double *bytes_per_ep)
{
    sqlite3 *db = NULL;
    double before = heap_in_use();
    rh_ctx *ctx = tenant_ctx(sqlite ? &db : NULL, "tenants");
    if (!ctx || add_tenants(ctx, db, n_tenants, first, last) != 0) {
        bench_failed = 1;
        *us = *first = *last = *bytes_per_ep = -1;
    } else {
        *bytes_per_ep = (heap_in_use() - before) / (n_tenants * PER_TENANT);
        /* the first emit builds the index of every subscription: once,
         * not a cost of each emit */
        rh_emit_options *o = NULL;
        rh_emit_options_new(&o);
        rh_emit_options_set_tenant(o, "acct_0");
        rh_emit_with(ctx, "warm.up", "{}", 2, o, NULL, 0);
        rh_emit_options_free(o);
        *us = emit_us(ctx, db, n_tenants);
    }
    rh_ctx_free(ctx);
    if (db)
        sqlite3_close(db);
}

static void fan_out(int sqlite)
{
    double small[REPS], big[REPS], ratio[REPS], per_ep[REPS], add_ratio[REPS];
    for (int r = 0; r < REPS; r++) {
        double first, last, bytes;
        one_size(sqlite, 1000, &small[r], &first, &last, &bytes);
        one_size(sqlite, 100000, &big[r], &first, &last, &per_ep[r]);
        ratio[r] = big[r] / small[r];
        add_ratio[r] = last / first;
    }
    record(sqlite ? "tenant_emit_1k_tenants_sqlite" : "tenant_emit_1k_tenants",
           "us/emit", small);
    record(sqlite ? "tenant_emit_100k_tenants_sqlite"
                  : "tenant_emit_100k_tenants",
           "us/emit", big);
    record(sqlite ? "tenant_emit 100k / 1k sqlite" : "tenant_emit 100k / 1k",
           "ratio", ratio);
    record(sqlite ? "endpoint_add_1m last/first tenth sqlite"
                  : "endpoint_add_1m last/first tenth",
           "ratio", add_ratio);
    if (!sqlite)
        record("heap per endpoint (1m, memory store)", "bytes", per_ep);
}

#ifdef RH_HAVE_PG
/* Adds on PostgreSQL, each its own transaction and round trip as a
 * customer's dashboard makes them: 10,000 endpoints in 1,000 tenants on a
 * fresh schema, the last tenth's time against the first's. */
static void pg_adds(void)
{
    const char *conninfo = getenv("RH_TEST_PG");
    double add_ratio[REPS], per_add[REPS];
    if (!conninfo || !*conninfo) {
        printf("   (PostgreSQL adds skipped: no RH_TEST_PG)\n");
        return;
    }
    for (int r = 0; r < REPS; r++) {
        char schema[64];
        rh_storage st;
        rh_config *cfg = NULL;
        rh_ctx *ctx = NULL;
        double first = -1, last = -1;
        snprintf(schema, sizeof schema, "bench_adds_%d_%d", (int)getpid(), r);
        if (rh_pg_open(&st, conninfo, schema, NULL, 0) != RH_OK ||
            rh_config_new(&cfg) != RH_OK ||
            rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT) != RH_OK ||
            rh_config_set_storage(cfg, &st) != RH_OK ||
            rh_ctx_new(&ctx, cfg) != RH_OK ||
            add_tenants(ctx, NULL, 1000, &first, &last) != 0)
            bench_failed = 1;
        rh_config_free(cfg);
        rh_ctx_free(ctx);
        add_ratio[r] = last / first;
        per_add[r] = first * 1e6 / 1000; /* the first tenth: 1,000 adds */
    }
    record("endpoint_add_10k pg: first tenth", "us/add", per_add);
    record("endpoint_add_10k last/first tenth pg", "ratio", add_ratio);
}
#endif

/* A small tenant's paced emits (200 a second for 3 s) to its one healthy
 * endpoint; with big set, beside a big tenant with 10,000 due to an
 * endpoint that never answers and 1,000 due to 100 healthy ones. */
static int small_beside(int big, size_t per_tenant, double *p50, double *p99,
                        double *first)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_endpoint_options *eo = NULL;
    rh_emit_options *mine = NULL, *theirs = NULL;
    char url[96], ep[RH_ID_SIZE], dead[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    char healthy[100][RH_ID_SIZE];
    const char *events[] = {"*"};
    int hole = -1, hole_port = 0, rc;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight(cfg, 64);
    rh_config_set_max_in_flight_per_endpoint(cfg, 32);
    rh_config_set_timeout_ms(cfg, 30000);
    rh_config_set_max_pending(cfg, 2000000);
    rh_config_set_max_in_flight_per_tenant(cfg, per_tenant);
    rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    rh_endpoint_options_new(&eo);
    rh_emit_options_new(&mine);
    rh_emit_options_new(&theirs);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/small", fastsink_port(fast));
    rh_endpoint_options_set_tenant(eo, "small");
    rh_emit_options_set_tenant(mine, "small");
    rh_endpoint_add_with(ctx, url, events, 1, eo, ep, sizeof ep, secret,
                         sizeof secret);
    if (big && (hole = black_hole(&hole_port)) >= 0) {
        rh_endpoint_options_set_tenant(eo, "big");
        rh_emit_options_set_tenant(theirs, "big");
        snprintf(url, sizeof url, "http://127.0.0.1:%d/dead", hole_port);
        rh_endpoint_add_with(ctx, url, events, 1, eo, dead, sizeof dead,
                             secret, sizeof secret);
        for (int i = 0; i < 100; i++) {
            snprintf(url, sizeof url, "http://127.0.0.1:%d/big/%d",
                     fastsink_port(fast), i);
            rh_endpoint_add_with(ctx, url, events, 1, eo, healthy[i],
                                 sizeof healthy[i], secret, sizeof secret);
        }
        rh_emit_options_set_endpoint(theirs, dead);
        for (int i = 0; i < 10000; i++)
            rh_emit_with(ctx, "big.event", "{}", 2, theirs, NULL, 0);
        for (int i = 0; i < 1000; i++) {
            rh_emit_options_set_endpoint(theirs, healthy[i % 100]);
            rh_emit_with(ctx, "big.event", "{}", 2, theirs, NULL, 0);
        }
    }
    rc = paced_latency_with(ctx, "small.latency", mine, 3, 200, p50, p99,
                            first);
    rh_emit_options_free(mine);
    rh_emit_options_free(theirs);
    rh_endpoint_options_free(eo);
    rh_ctx_free(ctx);
    if (hole >= 0)
        close(hole);
    return rc;
}

static void fairness(void)
{
    double alone99[REPS], beside50[REPS], beside99[REPS], first[REPS],
        ratio[REPS], capped99[REPS], capped_ratio[REPS], unused;
    for (int r = 0; r < REPS; r++) {
        if (small_beside(0, 0, &unused, &alone99[r], &unused) != 0 ||
            small_beside(1, 0, &beside50[r], &beside99[r], &first[r]) != 0 ||
            small_beside(1, 32, &unused, &capped99[r], &unused) != 0)
            bench_failed = 1;
        ratio[r] = beside99[r] / alone99[r];
        capped_ratio[r] = capped99[r] / alone99[r];
    }
    record("small_tenant_alone: p99", "ms", alone99);
    record("small_tenant_beside_big: p50", "ms", beside50);
    record("small_tenant_beside_big: p99", "ms", beside99);
    record("small_tenant_beside_big: first", "ms", first);
    record("small beside big / alone p99", "ratio", ratio);
    record("small_tenant_beside_big, cap 32: p99", "ms", capped99);
    record("small beside big, cap 32 / alone p99", "ratio", capped_ratio);
}

void bench_tenants(void)
{
    printf("-- accounts: 10 endpoints a tenant; emits to 1,000 tenants, "
           "10 each; adds and emits in host transactions of 1,000 on "
           "SQLite\n");
    fan_out(0);
    fan_out(1);
#ifdef RH_HAVE_PG
    pg_adds();
#endif
    fairness();
}
