/* A tenant's own limits, stored for every process sharing the store: its
 * endpoints, its pending deliveries, its deliveries in flight and its rate
 * hold for it, and never slow another tenant; and a prune of one tenant's
 * log that leaves the others'. On the memory store, SQLite and PostgreSQL;
 * a second process on one SQLite file follows the limits. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int emit_for(rh_ctx *ctx, const char *tenant)
{
    rh_emit_options *o = NULL;
    if (rh_emit_options_new(&o) != RH_OK ||
        rh_emit_options_set_tenant(o, tenant) != RH_OK)
        abort();
    int rc = rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0);
    rh_emit_options_free(o);
    return rc;
}

/* Endpoints and pending deliveries: past the limit refused for that
 * tenant alone, and room again once its deliveries are done. */
static void counts(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char big[RH_ID_SIZE], more[RH_ID_SIZE], small[RH_ID_SIZE];
    int64_t v = -1;
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "big", "/big", "*", big));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "small", "/small", "*", small));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_tenant_set_limit(ctx, "big", RH_TENANT_MAX_ENDPOINTS, 1));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_tenant_set_limit(ctx, "big", RH_TENANT_MAX_PENDING, 3));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_get_limit(ctx, "big",
                                               RH_TENANT_MAX_PENDING, &v));
    RH_CHECK_EQ_INT(3, v);
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_get_limit(ctx, "small",
                                               RH_TENANT_MAX_PENDING, &v));
    RH_CHECK_EQ_INT(0, v);
    RH_CHECK_EQ_INT(RH_E_FULL, rh_test_tenant_endpoint(ctx, s, "big", "/big2", "*", more));
    RH_CHECK_EQ_INT(RH_ARG_TENANT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "small", "/small2", "*", more));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, emit_for(ctx, "big"));
    RH_CHECK_EQ_INT(RH_E_FULL, emit_for(ctx, "big"));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "limit of 3") != NULL);
    for (int i = 0; i < 5; i++) /* another tenant: no limit of big's */
        RH_CHECK_EQ_INT(2, emit_for(ctx, "small"));
    RH_CHECK_EQ_INT(13, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(3, rh_test_sent_to(s, "/big"));
    /* delivered: room again, once the refusal's count is a second old (a
     * tenant at its limit costs one count a second, not one an emit) */
    RH_CHECK_EQ_INT(RH_E_FULL, emit_for(ctx, "big"));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, emit_for(ctx, "big"));
    /* 0 lifts a limit */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_tenant_set_limit(ctx, "big", RH_TENANT_MAX_ENDPOINTS, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "big", "/big2", "*", more));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(counts, counts)

/* In flight and rate: the tenant's transfers stay under its cap and its
 * starts under its rate, while another tenant's go at once. */
static void pace(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char big[RH_ID_SIZE], small[RH_ID_SIZE], slow[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/slow", 200, 300, NULL, NULL, -1); /* stays in flight */
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "capped", "/slow", "*", slow));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "paced", "/big", "*", big));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "small", "/small", "*", small));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_set_limit(ctx, "capped",
                                               RH_TENANT_MAX_IN_FLIGHT, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_set_limit(ctx, "paced", RH_TENANT_RATE, 2));
    for (int i = 0; i < 4; i++)
        RH_CHECK_EQ_INT(1, emit_for(ctx, "capped"));
    RH_CHECK_EQ_INT(1, rh_tick(ctx) >= 0);
    RH_CHECK_EQ_INT(1, (int)rh_ctx_in_flight(ctx)); /* its cap */
    RH_CHECK_EQ_INT(4, rh_test_drive(ctx, 10000));
    for (int i = 0; i < 6; i++)
        RH_CHECK_EQ_INT(1, emit_for(ctx, "paced"));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, emit_for(ctx, "small"));
    /* the clock stands still: a second's worth of paced, all of small */
    RH_CHECK_EQ_INT(5, rh_test_drive(ctx, 2000));
    RH_CHECK_EQ_INT(2, rh_test_sent_to(s, "/big"));
    RH_CHECK_EQ_INT(3, rh_test_sent_to(s, "/small"));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 2000));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 2000));
    RH_CHECK_EQ_INT(6, rh_test_sent_to(s, "/big"));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(pace, pace)

static int count_for(rh_ctx *ctx, const char *tenant)
{
    rh_query *q = NULL;
    if (rh_query_new(&q) != RH_OK || rh_query_set_tenant(q, tenant) != RH_OK)
        abort();
    int n = rh_test_count_deliveries(ctx, q);
    rh_query_free(q);
    return n;
}

/* A prune of one tenant removes its finished deliveries only: another
 * tenant's finished ones and its own pending one stay. */
static void prune(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char a[RH_ID_SIZE], b[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "a", "/a", "*", a));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "b", "/b", "*", b));
    for (int i = 0; i < 2; i++) {
        RH_CHECK_EQ_INT(1, emit_for(ctx, "a"));
        RH_CHECK_EQ_INT(1, emit_for(ctx, "b"));
    }
    RH_CHECK_EQ_INT(4, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, a));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "a")); /* pending: never pruned */
    rh_test_now_ms += 60000;
    RH_CHECK_EQ_INT(2, rh_tenant_prune(ctx, "a", 1000, 100));
    RH_CHECK_EQ_INT(1, count_for(ctx, "a"));
    RH_CHECK_EQ_INT(2, count_for(ctx, "b"));
    RH_CHECK_EQ_INT(0, rh_tenant_prune(ctx, "a", 1000, 100));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_prune(ctx, "", 1000, 100));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_prune(ctx, "a", -1, 100));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_prune(ctx, "a", 0, 0));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(prune, prune)

/* Limits are stored: another process on the same store follows them. */
static void test_tenant_limits__shared_and_checked(void)
{
    sink *s = rh_test_sink();
    char path[128], id[RH_ID_SIZE];
    rh_test_path(path, sizeof path, "tenant-limits");
    rh_ctx *admin = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(admin, s, "acct", "/a", "*", id));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_tenant_set_limit(admin, "acct", RH_TENANT_MAX_PENDING, 1));
    rh_ctx *other = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(1, emit_for(other, "acct"));
    RH_CHECK_EQ_INT(RH_E_FULL, emit_for(admin, "acct")); /* the store's count */
    /* bad input */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_tenant_set_limit(admin, "two words", RH_TENANT_RATE, 1));
    RH_CHECK_EQ_INT(RH_ARG_TENANT, rh_ctx_last_error_arg(admin));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_set_limit(admin, "acct", 9, 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_tenant_set_limit(admin, "acct", RH_TENANT_RATE, -1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_tenant_set_limit(admin, "acct", RH_TENANT_RATE,
                                        (int64_t)RH_TENANT_LIMIT_MAX + 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_tenant_get_limit(admin, "acct", RH_TENANT_RATE, NULL));
    RH_CHECK_EQ_STR("max_pending", rh_tenant_limit_name(RH_TENANT_MAX_PENDING));
    RH_CHECK(rh_tenant_limit_name(RH_TENANT_LIMIT_COUNT) == NULL);
    rh_ctx_free(other);
    rh_ctx_free(admin);
    sink_stop(s);
}

static int count_fails(const char *tenant, size_t cap, void *ud)
{
    (void)tenant, (void)cap, (void)ud;
    return RH_E_STORAGE;
}

/* The bad day: a store that cannot count a tenant's open deliveries.
 * The limited tenant's emit fails and queues nothing; another tenant's
 * emit, which needs no count, goes on. */
static void test_tenant_limits__failing_count_queues_nothing(void)
{
    sink *s = rh_test_sink();
    char path[128], err[256], a[RH_ID_SIZE], b[RH_ID_SIZE];
    rh_storage st;
    rh_test_path(path, sizeof path, "tenant-count-fails");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    st.count_open = count_fails;
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "a", "/a", "*", a));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "b", "/b", "*", b));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_set_limit(ctx, "a", RH_TENANT_MAX_PENDING, 5));
    RH_CHECK_EQ_INT(RH_E_STORAGE, emit_for(ctx, "a"));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "count_open") != NULL);
    RH_CHECK_EQ_INT(1, emit_for(ctx, "b"));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, rh_test_sent_to(s, "/a"));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/b"));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* clang-format off: one row per line */
const rh_test_case rh_tests_tenant_limits[] = {
    RH_BACKEND_ROWS("tenant_limits", counts)
    RH_BACKEND_ROWS("tenant_limits", pace)
    RH_BACKEND_ROWS("tenant_limits", prune)
    {"tenant_limits__failing_count_queues_nothing",
     test_tenant_limits__failing_count_queues_nothing},
    {"tenant_limits__shared_and_checked",
     test_tenant_limits__shared_and_checked},
    {NULL, NULL}};
/* clang-format on */
