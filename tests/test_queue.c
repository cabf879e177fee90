/* The queue's figures on every backend (rh_queue_figures): pending, due,
 * in flight, failed lately and the oldest due, in total and by endpoint and
 * tenant, against a queue built for each: a receiver that never answers
 * (in flight), one that fails for good, one whose retry is a minute away,
 * paused endpoints of two tenants and of none; the oldest due moving with
 * the fake clock; bad arguments refused; a callback that stops. */
#include "backends.h"
#include "rh_test.h"

#include <string.h>

#define FIGS RH_QUEUE_FIGURE_COUNT

typedef struct row {
    char key[RH_ID_SIZE];
    int64_t f[FIGS];
} row;

typedef struct rows {
    row r[16];
    int n;
} rows;

static int collect(const char *key, const int64_t *f, size_t n, void *ud)
{
    rows *rs = ud;
    if (rs->n >= 16 || n != FIGS)
        return -42;
    snprintf(rs->r[rs->n].key, sizeof rs->r[rs->n].key, "%s", key);
    memcpy(rs->r[rs->n].f, f, sizeof rs->r[rs->n].f);
    rs->n++;
    return RH_OK;
}

static const row *find(const rows *rs, const char *key)
{
    for (int i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].key, key) == 0)
            return &rs->r[i];
    return NULL;
}

static int figures(rh_ctx *ctx, int group, int64_t window, rows *rs)
{
    memset(rs, 0, sizeof *rs);
    return rh_queue_figures(ctx, group, window, collect, rs);
}

static int stop_at_once(const char *key, const int64_t *f, size_t n, void *ud)
{
    (void)key, (void)f, (void)n, (void)ud;
    return -42;
}

/* endpoint ids, by role */
typedef struct roles {
    char hold[RH_ID_SIZE], bad[RH_ID_SIZE], retry[RH_ID_SIZE],
        later[RH_ID_SIZE], none[RH_ID_SIZE];
} roles;

/* One delivery in flight (hold, t1), one failed (bad, t1), one waiting a
 * minute for its retry (retry, t2), two due (later, t2, paused) and one due
 * of no tenant (none, paused). */
static rh_ctx *build_queue(sink *s, roles *ep, int64_t *t0)
{
    int64_t minute[] = {60000}, none[1] = {0};
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, minute, 1);
    rh_config_set_timeout_ms(cfg, 600000);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    if (!ctx)
        return NULL;
    sink_rule(s, "/hold", 200, -1, NULL, NULL, -1);
    sink_rule(s, "/bad", 500, 0, NULL, NULL, -1);
    sink_rule(s, "/retry", 500, 0, NULL, NULL, -1);
    if (rh_test_tenant_endpoint(ctx, s, "t1", "/hold", "h", ep->hold) ||
        rh_test_tenant_endpoint(ctx, s, "t1", "/bad", "b", ep->bad) ||
        rh_test_tenant_endpoint(ctx, s, "t2", "/retry", "r", ep->retry) ||
        rh_test_tenant_endpoint(ctx, s, "t2", "/later", "l", ep->later) ||
        rh_test_tenant_endpoint(ctx, s, NULL, "/none", "n", ep->none) ||
        rh_endpoint_set_retry_schedule(ctx, ep->bad, none, 0) ||
        rh_endpoint_pause(ctx, ep->later) || rh_endpoint_pause(ctx, ep->none))
        return ctx;
    *t0 = rh_test_now_ms;
    static const char *const types[] = {"h", "b", "r", "l", "l", "n"};
    for (size_t i = 0; i < 6; i++) {
        rh_emit_options *o = NULL;
        rh_emit_options_new(&o);
        rh_emit_options_set_tenant(o, i < 2 ? "t1" : i < 5 ? "t2" : NULL);
        rh_emit_with(ctx, types[i], "{}", 2, o, NULL, 0);
        rh_emit_options_free(o);
    }
    rh_test_tick_until_sent(ctx, s, 3, 5000);
    for (int i = 0; i < 20; i++) { /* and the outcomes stored */
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
    return ctx;
}

static void check_row(const row *r, int64_t pending, int64_t due,
                      int64_t in_flight, int64_t failed, int64_t oldest)
{
    RH_CHECK(r != NULL);
    RH_CHECK_EQ_INT(pending, r->f[RH_QUEUE_PENDING]);
    RH_CHECK_EQ_INT(due, r->f[RH_QUEUE_DUE]);
    RH_CHECK_EQ_INT(in_flight, r->f[RH_QUEUE_IN_FLIGHT]);
    RH_CHECK_EQ_INT(failed, r->f[RH_QUEUE_FAILED_RECENT]);
    RH_CHECK_EQ_INT(oldest, r->f[RH_QUEUE_OLDEST_DUE_MS]);
}

static void figures_follow_the_queue(void)
{
    sink *s = rh_test_sink();
    roles ep;
    int64_t t0 = 0, hour = 3600000;
    rows rs;
    rh_ctx *ctx = build_queue(s, &ep, &t0);
    RH_CHECK(ctx != NULL && t0 != 0);
    RH_CHECK_EQ_INT(3, sink_count(s));
    RH_CHECK_EQ_INT(1, figures(ctx, RH_QUEUE_TOTAL, hour, &rs));
    check_row(find(&rs, ""), 4, 3, 1, 1, t0);

    RH_CHECK_EQ_INT(5, figures(ctx, RH_QUEUE_BY_ENDPOINT, hour, &rs));
    check_row(find(&rs, ep.hold), 0, 0, 1, 0, 0);
    check_row(find(&rs, ep.bad), 0, 0, 0, 1, 0);
    check_row(find(&rs, ep.retry), 1, 0, 0, 0, 0);
    check_row(find(&rs, ep.later), 2, 2, 0, 0, t0);
    check_row(find(&rs, ep.none), 1, 1, 0, 0, t0);
    for (int i = 1; i < rs.n; i++) /* by key */
        RH_CHECK(strcmp(rs.r[i - 1].key, rs.r[i].key) < 0);

    RH_CHECK_EQ_INT(3, figures(ctx, RH_QUEUE_BY_TENANT, hour, &rs));
    RH_CHECK_EQ_STR("", rs.r[0].key);
    check_row(&rs.r[0], 1, 1, 0, 0, t0);
    check_row(find(&rs, "t1"), 0, 0, 1, 1, 0);
    check_row(find(&rs, "t2"), 3, 2, 0, 0, t0);

    /* a minute on: the retry is due too, the oldest due is as old; the
     * failure is outside a window of 10 s */
    rh_test_now_ms += 61000;
    RH_CHECK_EQ_INT(1, figures(ctx, RH_QUEUE_TOTAL, 10000, &rs));
    check_row(find(&rs, ""), 4, 4, 1, 0, t0);
    RH_CHECK_EQ_INT(4, figures(ctx, RH_QUEUE_BY_ENDPOINT, 10000, &rs));
    RH_CHECK(find(&rs, ep.bad) == NULL);
    check_row(find(&rs, ep.retry), 1, 1, 0, 0, t0 + 60000);

    RH_CHECK_EQ_INT(-42, rh_queue_figures(ctx, RH_QUEUE_BY_ENDPOINT, hour,
                                          stop_at_once, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_queue_figures(ctx, 3, hour, collect, &rs));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_queue_figures(ctx, RH_QUEUE_TOTAL, -1, collect, &rs));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_queue_figures(ctx, RH_QUEUE_TOTAL, hour, NULL, NULL));
    RH_CHECK_EQ_STR("in_flight", rh_queue_figure_name(RH_QUEUE_IN_FLIGHT));
    RH_CHECK(rh_queue_figure_name(FIGS) == NULL);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void an_empty_queue_has_a_total_of_zeros(void)
{
    rows rs;
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(1, figures(ctx, RH_QUEUE_TOTAL, 3600000, &rs));
    check_row(&rs.r[0], 0, 0, 0, 0, 0);
    RH_CHECK_EQ_STR("", rs.r[0].key);
    RH_CHECK_EQ_INT(0, figures(ctx, RH_QUEUE_BY_ENDPOINT, 3600000, &rs));
    RH_CHECK_EQ_INT(0, figures(ctx, RH_QUEUE_BY_TENANT, 3600000, &rs));
    rh_ctx_free(ctx);
}

RH_BACKEND_WRAPPERS(figures_follow_the_queue, figures_follow_the_queue)
RH_BACKEND_WRAPPERS(an_empty_queue, an_empty_queue_has_a_total_of_zeros)

const rh_test_case rh_tests_queue[] = {
    RH_BACKEND_ROWS("queue", figures_follow_the_queue)
        RH_BACKEND_ROWS("queue", an_empty_queue){NULL, NULL}};
