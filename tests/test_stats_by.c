/* rh_ctx_stats_by: the context's counters per endpoint and per tenant, for
 * endpoints that succeed, fail for good, or belong to no tenant; their sums
 * equal the context's; a callback that stops; a bad group refused. */
#include "backends.h"
#include "rh_test.h"

#include <string.h>

typedef struct keyed {
    char key[8][RH_TENANT_MAX + 1];
    uint64_t v[8][RH_STAT_COUNT];
    int n;
} keyed;

static int keep(const char *key, const uint64_t *v, size_t n, void *ud)
{
    keyed *k = ud;
    if (k->n >= 8 || n != RH_STAT_COUNT)
        return -42;
    snprintf(k->key[k->n], sizeof k->key[0], "%s", key);
    memcpy(k->v[k->n++], v, sizeof k->v[0]);
    return RH_OK;
}

static const uint64_t *row(const keyed *k, const char *key)
{
    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->key[i], key))
            return k->v[i];
    return NULL;
}

static int stop(const char *key, const uint64_t *v, size_t n, void *ud)
{
    (void)key, (void)v, (void)n, (void)ud;
    return -42;
}

static void counters_per_endpoint_and_tenant(void)
{
    sink *s = rh_test_sink();
    char a[RH_ID_SIZE], b[RH_ID_SIZE], c[RH_ID_SIZE], d[RH_ID_SIZE];
    uint64_t all[RH_STAT_COUNT];
    keyed k;
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/b", 500, 0, NULL, NULL, -1);
    RH_CHECK_EQ_INT(0, rh_test_tenant_endpoint(ctx, s, "t1", "/a", "*", a));
    RH_CHECK_EQ_INT(0, rh_test_tenant_endpoint(ctx, s, "t1", "/b", "*", b));
    RH_CHECK_EQ_INT(0, rh_test_tenant_endpoint(ctx, s, "t2", "/c", "*", c));
    RH_CHECK_EQ_INT(0, rh_test_tenant_endpoint(ctx, s, NULL, "/d", "*", d));
    const char *tenants[] = {"t1", "t2", NULL};
    for (int i = 0; i < 3; i++) {
        rh_emit_options *o = NULL;
        rh_emit_options_new(&o);
        rh_emit_options_set_tenant(o, tenants[i]);
        RH_CHECK(rh_emit_with(ctx, "a.b", "{}", 2, o, NULL, 0) > 0);
        rh_emit_options_free(o);
    }
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 4, 10000));
    for (int i = 0; i < 20; i++) {
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
    memset(&k, 0, sizeof k);
    RH_CHECK_EQ_INT(4, rh_ctx_stats_by(ctx, RH_QUEUE_BY_ENDPOINT, keep, &k));
    const uint64_t *ra = row(&k, a), *rb = row(&k, b);
    RH_CHECK(ra && rb && row(&k, c) && row(&k, d));
    RH_CHECK_EQ_INT(1, ra[RH_STAT_ATTEMPTS]);
    RH_CHECK_EQ_INT(1, ra[RH_STAT_SUCCEEDED]);
    RH_CHECK_EQ_INT(1, ra[RH_STAT_OUTCOME_OK + RH_OUTCOME_OK]);
    RH_CHECK_EQ_INT(1, ra[RH_STAT_ATTEMPT_MS_LE_10000]);
    RH_CHECK_EQ_INT(1, rb[RH_STAT_FAILED]);
    RH_CHECK_EQ_INT(0, rb[RH_STAT_SUCCEEDED]);
    RH_CHECK_EQ_INT(1, rb[RH_STAT_OUTCOME_OK + RH_OUTCOME_HTTP_STATUS]);
    RH_CHECK_EQ_INT(0, ra[RH_STAT_EVENTS_EMITTED]);
    /* the rows add up to the context's own */
    RH_CHECK_EQ_INT(RH_STAT_COUNT, rh_ctx_stats(ctx, all, RH_STAT_COUNT));
    uint64_t sum = 0;
    for (int i = 0; i < k.n; i++)
        sum += k.v[i][RH_STAT_ATTEMPTS];
    RH_CHECK_EQ_INT(all[RH_STAT_ATTEMPTS], sum);
    memset(&k, 0, sizeof k);
    RH_CHECK_EQ_INT(3, rh_ctx_stats_by(ctx, RH_QUEUE_BY_TENANT, keep, &k));
    RH_CHECK(row(&k, "t1") && row(&k, "t2") && row(&k, ""));
    RH_CHECK_EQ_INT(2, row(&k, "t1")[RH_STAT_ATTEMPTS]);
    RH_CHECK_EQ_INT(1, row(&k, "t1")[RH_STAT_FAILED]);
    RH_CHECK_EQ_INT(1, row(&k, "")[RH_STAT_SUCCEEDED]);
    RH_CHECK_EQ_INT(-42, rh_ctx_stats_by(ctx, RH_QUEUE_BY_TENANT, stop, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_ctx_stats_by(ctx, RH_QUEUE_TOTAL, keep, &k));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_ctx_stats_by(ctx, RH_QUEUE_BY_ENDPOINT, NULL, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

RH_BACKEND_WRAPPERS(counters_per_key, counters_per_endpoint_and_tenant)

const rh_test_case rh_tests_stats_by[] = {
    RH_BACKEND_ROWS("stats_by", counters_per_key){NULL, NULL}};
