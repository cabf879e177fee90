/* make bench, the queue's figures (RH_BENCH_ONLY=queue): what one
 * rh_queue_figures call costs with 1,000,000 deliveries pending, in total,
 * per endpoint (10,000 of them) and per tenant (1,000), on SQLite and on
 * PostgreSQL (RH_TEST_PG): what a metrics scrape pays. Printed, never
 * asserted. The queue is loaded by the library's own emits, in batches. */
#include "bench.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <libpq-fe.h>
#include <replicer-hooks/rh_pg.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define Q_TENANTS 1000
#define Q_PER_TENANT 10 /* endpoints, each subscribed to "*" */
#define Q_EMITS 100000  /* each to a tenant's 10: 1,000,000 deliveries */
#define Q_BATCH 1000

static int count_rows(const char *key, const int64_t *f, size_t n, void *ud)
{
    (void)key, (void)f, (void)n;
    ++*(int *)ud;
    return RH_OK;
}

/* Paused endpoints (nothing is sent), then the emits; 0 or -1. */
static int load_queue(rh_ctx *ctx)
{
    rh_endpoint_options *eo = NULL;
    rh_emit_options *o = NULL;
    const char *events[] = {"*"};
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], tenant[32];
    int rc = 0;
    rh_endpoint_options_new(&eo);
    rh_emit_options_new(&o);
    for (int i = 0; i < Q_TENANTS * Q_PER_TENANT && rc == 0; i++) {
        snprintf(tenant, sizeof tenant, "acct_%d", i / Q_PER_TENANT);
        rh_endpoint_options_set_tenant(eo, tenant);
        if (rh_endpoint_add_with(ctx, "http://127.0.0.1:9/q", events, 1, eo, id,
                                 sizeof id, secret, sizeof secret) != RH_OK ||
            rh_endpoint_pause(ctx, id) != RH_OK)
            rc = -1;
    }
    for (int i = 0; i < Q_EMITS && rc == 0; i++) {
        if (i % Q_BATCH == 0 && rh_emit_batch_begin(ctx) != RH_OK)
            rc = -1;
        snprintf(tenant, sizeof tenant, "acct_%d", i % Q_TENANTS);
        rh_emit_options_set_tenant(o, tenant);
        if (rh_emit_with(ctx, "order.paid", "{\"n\":1}", 7, o, NULL, 0) !=
            Q_PER_TENANT)
            rc = -1;
        if ((i % Q_BATCH == Q_BATCH - 1 || i == Q_EMITS - 1) &&
            rh_emit_batch_commit(ctx) != RH_OK)
            rc = -1;
    }
    rh_emit_options_free(o);
    rh_endpoint_options_free(eo);
    return rc;
}

/* Each grouping's call, REPS times: its median in ms, recorded. */
static void time_figures(rh_ctx *ctx, const char *store)
{
    static const struct {
        int group, rows;
        const char *name;
    } by[] = {{RH_QUEUE_TOTAL, 1, "total"},
              {RH_QUEUE_BY_ENDPOINT, Q_TENANTS * Q_PER_TENANT, "by endpoint"},
              {RH_QUEUE_BY_TENANT, Q_TENANTS, "by tenant"}};
    for (size_t g = 0; g < sizeof by / sizeof *by; g++) {
        double v[REPS];
        char name[64];
        for (int r = 0; r < REPS; r++) {
            int rows = 0;
            double t0 = now_s();
            if (rh_queue_figures(ctx, by[g].group, 3600000, count_rows,
                                 &rows) != by[g].rows)
                bench_failed = 1;
            v[r] = (now_s() - t0) * 1000;
        }
        snprintf(name, sizeof name, "queue 1M %s %s", store, by[g].name);
        record(name, "ms a call", v);
    }
}

static rh_ctx *queue_ctx(rh_storage *st)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_pending(cfg, 2000000);
    rh_config_set_storage(cfg, st);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        ctx = NULL;
    rh_config_free(cfg);
    return ctx;
}

static void one_store(rh_storage *st, const char *store)
{
    double t0 = now_s();
    rh_ctx *ctx = queue_ctx(st);
    if (!ctx || load_queue(ctx) != 0) {
        bench_failed = 1;
        fprintf(stderr, "queue bench on %s: %s\n", store,
                ctx ? rh_ctx_last_error(ctx) : "no context");
        rh_ctx_free(ctx);
        return;
    }
    fprintf(stderr, "queue bench: 1,000,000 pending on %s in %.0f s\n", store,
            now_s() - t0);
    time_figures(ctx, store);
    rh_ctx_free(ctx);
}

void bench_queue(void)
{
    rh_storage st;
    char path[160];
    snprintf(path, sizeof path, "%s/queue.db", dir);
    if (rh_sqlite_open(&st, path, RH_SQLITE_SYNC_NORMAL, NULL, 0) == RH_OK)
        one_store(&st, "sqlite");
    else
        bench_failed = 1;
    unlink(path); /* half a gigabyte */
#ifdef RH_HAVE_PG
    const char *pg = getenv("RH_TEST_PG");
    char schema[40];
    snprintf(schema, sizeof schema, "bench_queue_%d", (int)getpid());
    if (pg && *pg && rh_pg_open(&st, pg, schema, NULL, 0) == RH_OK) {
        one_store(&st, "postgresql");
        char drop[120];
        PGconn *db = PQconnectdb(pg);
        snprintf(drop, sizeof drop,
                 "SET client_min_messages = warning; DROP SCHEMA %s CASCADE",
                 schema);
        PQclear(PQexec(db, drop));
        PQfinish(db);
    }
#endif
}
