/* Retention on every backend: old succeeded and failed deliveries go with
 * their attempts, in batches of the size asked; pending and in-flight ones
 * stay, and so do the events they need; the tick prunes on its own once
 * the configured age has passed on the fake clock. */
#include "backends.h"
#include "rh_test.h"

#define DAY_MS (86400LL * 1000)

static void tick_until(rh_ctx *ctx, sink *s, size_t n)
{
    int64_t end = rh_test_mono_ms() + 5000;
    while (rh_test_mono_ms() < end && sink_count(s) < n) {
        if (rh_tick(ctx) < 0)
            return;
        rh_test_pause(ctx, 5);
    }
    /* and their outcomes stored */
    for (int i = 0; i < 20; i++) {
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
}

static void retention_prunes_only_old_finished_deliveries(void)
{
    sink *s = rh_test_sink(), *held = rh_test_sink(), *hold = rh_test_sink();
    char ok[RH_ID_SIZE], bad[RH_ID_SIZE], later[RH_ID_SIZE],
        in_flight[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_rule(s, "/bad", 500, 0, NULL, NULL, -1);
    sink_rule(hold, "/", 200, -1, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_config_set_timeout_ms(cfg, 600000);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_retention_ms(cfg, 1000));
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_retention_ms(cfg, 0)); /* by hand */
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/ok", "a.*", ok, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/bad", "a.x", bad, secret));
    RH_CHECK_EQ_INT(
        RH_OK, rh_test_endpoint(ctx, held, "/later", "a.x", later, secret));
    RH_CHECK_EQ_INT(
        RH_OK, rh_test_endpoint(ctx, hold, "/hold", "h", in_flight, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, later));
    for (int i = 0; i < 3; i++) /* ok, bad and the paused one */
        RH_CHECK_EQ_INT(3, rh_emit(ctx, "a.x", "{\"n\":1}", 7, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.y", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "h", "{}", 2, NULL, 0));
    tick_until(ctx, s, 7);
    RH_CHECK_EQ_INT(7, sink_count(s));
    RH_CHECK_EQ_INT(1, sink_count(hold));
    RH_CHECK_EQ_INT(7, rh_test_count_attempts(ctx, NULL));
    /* nothing is old enough yet */
    RH_CHECK_EQ_INT(0, rh_prune(ctx, DAY_MS, 100));
    rh_test_now_ms += 31 * DAY_MS;
    /* one finished just now: younger than the cut-off, kept */
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.y", "{}", 2, NULL, 0));
    tick_until(ctx, s, 8);
    RH_CHECK_EQ_INT(8, sink_count(s));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_prune(ctx, 30 * DAY_MS, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_prune(ctx, -1, 10));
    RH_CHECK_EQ_INT(2, rh_prune(ctx, 30 * DAY_MS, 2)); /* a batch of 2 */
    RH_CHECK_EQ_INT(5, rh_prune(ctx, 30 * DAY_MS, 100));
    RH_CHECK_EQ_INT(0, rh_prune(ctx, 30 * DAY_MS, 100));
    /* left: 3 pending (paused), 1 in flight, the young one and its attempt */
    RH_CHECK_EQ_INT(5, rh_test_count_deliveries(ctx, NULL));
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_PENDING));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_IN_FLIGHT));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, NULL));
    /* the pending ones kept their events: resumed, they are sent whole */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(ctx, later));
    tick_until(ctx, held, 3);
    RH_CHECK_EQ_INT(3, sink_count(held));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(held, 2, &r));
    RH_CHECK(r.body && strstr(r.body, "\"data\":{\"n\":1}") != NULL);
    sink_request_free(&r);
    rh_ctx_free(ctx);
    sink_stop(s);
    sink_stop(held);
    sink_stop(hold);
}

/* The tick prunes by itself once the retention age has passed. */
static void retention_tick_prunes_on_its_own(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_retention_ms(cfg, DAY_MS));
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/x", "*", ep, secret));
    for (int i = 0; i < 4; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    tick_until(ctx, s, 4);
    RH_CHECK_EQ_INT(4, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    rh_test_now_ms += DAY_MS / 2;
    tick_until(ctx, s, 4);
    RH_CHECK_EQ_INT(4, rh_test_count_deliveries(ctx, NULL));
    rh_test_now_ms += DAY_MS; /* past the age, and past the minute's wait */
    tick_until(ctx, s, 4);
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    RH_CHECK_EQ_INT(0, rh_test_count_attempts(ctx, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define ON_EVERY_BACKEND(X)                                                    \
    X(prunes_only_old_finished_deliveries)                                     \
    X(tick_prunes_on_its_own)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, retention_##name)
ON_EVERY_BACKEND(WRAP)
#define ROWS(name) RH_BACKEND_ROWS("retention", name)
const rh_test_case rh_tests_retention[] = {ON_EVERY_BACKEND(ROWS){NULL, NULL}};
