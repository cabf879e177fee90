/* rh_endpoint_health: an endpoint's health as the store's log says it now.
 * A second context on the same SQLite file (as another process) sees each
 * success and failure at once, where the stored health waits up to a
 * minute; after a resend succeeds it is no longer failing, with none failed
 * since. And on every backend, in the delivering context itself. */
#include "backends.h"
#include "rh_test.h"

#include <string.h>

typedef struct health {
    int64_t ok, failing, failed;
} health;

static int health_of(rh_ctx *ctx, const char *ep, health *h)
{
    return rh_endpoint_health(ctx, ep, &h->ok, &h->failing, &h->failed);
}

static void drive(rh_ctx *ctx, sink *s, size_t n)
{
    rh_test_tick_until_sent(ctx, s, n, 10000);
    for (int i = 0; i < 20; i++) { /* and the outcomes stored */
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
}

static void test_health_now__another_process_sees_it_at_once(void)
{
    sink *s = rh_test_sink();
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE],
        dlv[RH_ID_SIZE] = "";
    health h;
    rh_test_path(path, sizeof path, "health-now");
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *worker = rh_test_sqlite_ctx(path, cfg);
    rh_ctx *reader = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(worker, s, "/h", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(worker, "a.x", "{}", 2, NULL, 0));
    drive(worker, s, 1);
    int64_t first_ok = 0;
    RH_CHECK_EQ_INT(RH_OK, health_of(reader, ep, &h));
    RH_CHECK(h.ok > 0 && h.failing == 0 && h.failed == 0);
    first_ok = h.ok;
    /* a minute's storing has not come yet: the getters are behind */
    const rh_endpoint *e = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(reader, ep, &e));
    RH_CHECK(rh_endpoint_last_success_ms(e) <= first_ok);
    /* failures: the reader sees them at once */
    rh_test_now_ms += 5000;
    sink_rule(s, "/h", 500, 0, NULL, NULL, 1);
    RH_CHECK_EQ_INT(1, rh_emit(worker, "a.x", "{}", 2, NULL, 0));
    drive(worker, s, 2);
    RH_CHECK_EQ_INT(RH_OK, health_of(reader, ep, &h));
    RH_CHECK_EQ_INT(first_ok, h.ok);
    RH_CHECK(h.failing > first_ok);
    RH_CHECK_EQ_INT(1, h.failed);
    /* resent, it succeeds: no longer failing, none failed since */
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 1, &r));
    snprintf(dlv, sizeof dlv, "%s", sink_header(&r, "X-Replicer-Delivery-Id"));
    sink_request_free(&r);
    rh_test_now_ms += 5000;
    RH_CHECK_EQ_INT(RH_OK, rh_delivery_resend(reader, dlv));
    drive(worker, s, 3);
    RH_CHECK_EQ_INT(RH_OK, health_of(reader, ep, &h));
    RH_CHECK(h.ok > first_ok);
    RH_CHECK_EQ_INT(0, h.failing);
    RH_CHECK_EQ_INT(0, h.failed);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, health_of(reader, "ep_nobody", &h));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_health(reader, ep, NULL, NULL, NULL));
    rh_ctx_free(reader);
    rh_ctx_free(worker);
    sink_stop(s);
}

static void health_in_the_delivering_context(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    health h;
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/h", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, health_of(ctx, ep, &h));
    RH_CHECK(h.ok == 0 && h.failing == 0 && h.failed == 0); /* none yet */
    sink_rule(s, "/h", 500, 0, NULL, NULL, 1);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.x", "{}", 2, NULL, 0));
    drive(ctx, s, 1);
    RH_CHECK_EQ_INT(RH_OK, health_of(ctx, ep, &h));
    RH_CHECK(h.ok == 0 && h.failing > 0);
    RH_CHECK_EQ_INT(1, h.failed);
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.x", "{}", 2, NULL, 0));
    drive(ctx, s, 2);
    RH_CHECK_EQ_INT(RH_OK, health_of(ctx, ep, &h));
    RH_CHECK(h.ok > 0 && h.failing == 0 && h.failed == 0);
    rh_ctx_free(ctx);
    sink_stop(s);
}

RH_BACKEND_WRAPPERS(in_the_delivering_context, health_in_the_delivering_context)

const rh_test_case rh_tests_health_now[] = {
    {"health_now__another_process_sees_it_at_once",
     test_health_now__another_process_sees_it_at_once},
    RH_BACKEND_ROWS("health_now", in_the_delivering_context){NULL, NULL}};
