/* Per-endpoint settings on every backend: a timeout and a retry schedule
 * of the endpoint's own, stored with it; an in-flight cap below and above
 * the context's; a rate limit held by the claim on the fake clock; values
 * out of range refused by name. */
#include "backends.h"
#include "rh_internal.h" /* rh__ctx_load_endpoints: read them back */
#include "rh_test.h"

#include <math.h>
#include <strings.h>

static const rh_endpoint *ep_of(rh_ctx *ctx, const char *id)
{
    const rh_endpoint *ep = NULL;
    return rh_endpoint_get(ctx, id, &ep) == RH_OK ? ep : NULL;
}

/* Tick for ms of real time without moving the fake clock. */
static void tick_for(rh_ctx *ctx, int64_t ms)
{
    int64_t end = rh_test_mono_ms() + ms;
    while (rh_test_mono_ms() < end) {
        if (rh_tick(ctx) < 0)
            return;
        rh_test_pause(ctx, 5);
    }
}

/* A slow receiver (1 s) under the endpoint's own 200 ms timeout while the
 * context's is 5 s; its own empty schedule fails it after one attempt
 * while the context's would retry. Both survive a read from storage. */
static void settings_timeout_and_schedule_of_its_own(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    int64_t got[4], none[1] = {0};
    sink_rule(s, "/slow", 200, 1000, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_timeout_ms(cfg, 5000);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/slow", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_retry_schedule(ep_of(ctx, ep), got, 4));
    RH_CHECK_EQ_INT(0, rh_endpoint_timeout_ms(ep_of(ctx, ep)));
    /* out of range: refused, named, nothing changed */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_timeout_ms(ctx, ep, 600001));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "timeout") != NULL);
    int64_t too_long[1] = {31LL * 86400 * 1000};
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_retry_schedule(ctx, ep, too_long, 1));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "schedule[0]") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_retry_schedule(ctx, ep, none, 33));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_set_timeout_ms(ctx, "ep_nobody", 100));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_timeout_ms(ctx, ep, 200));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_retry_schedule(ctx, ep, none, 0));
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx)); /* stored */
    RH_CHECK_EQ_INT(200, rh_endpoint_timeout_ms(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(0, rh_endpoint_retry_schedule(ep_of(ctx, ep), got, 4));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    int64_t start = rh_test_mono_ms();
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK(rh_test_mono_ms() - start < 900);
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, NULL));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    /* back to the context's: retried on its schedule, 5 s timeout */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_timeout_ms(ctx, ep, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_retry_schedule(ctx, ep, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_retry_schedule(ep_of(ctx, ep), got, 4));
    int64_t three[3] = {1000, 2000, 3000};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_retry_schedule(ctx, ep, three, 3));
    RH_CHECK_EQ_INT(3, rh_endpoint_retry_schedule(ep_of(ctx, ep), got, 2));
    RH_CHECK_EQ_INT(2000, got[1]);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(2, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED) +
                           rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Receivers that hold every request: the endpoint capped at 2 has 2 in
 * flight, the one raised to 12 has 12, while the context's cap is 8. */
static void settings_in_flight_cap_of_its_own(void)
{
    sink *low = rh_test_sink(), *high = rh_test_sink();
    char a[RH_ID_SIZE], b[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_rule(low, "/", 200, -1, NULL, NULL, -1);
    sink_rule(high, "/", 200, -1, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_max_in_flight_per_endpoint(cfg, 8);
    rh_config_set_timeout_ms(cfg, 3000);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, low, "/a", "a", a, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, high, "/b", "b", b, secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_max_in_flight(ctx, a, 100001));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_max_in_flight(ctx, a, 2));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_max_in_flight(ctx, b, 12));
    RH_CHECK_EQ_INT(2, rh_endpoint_max_in_flight(ep_of(ctx, a)));
    for (int i = 0; i < 20; i++) {
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "b", "{}", 2, NULL, 0));
    }
    tick_for(ctx, 500);
    RH_CHECK_EQ_INT(2, sink_count(low));
    RH_CHECK_EQ_INT(12, sink_count(high));
    RH_CHECK_EQ_INT(14, (int)rh_ctx_in_flight(ctx));
    rh_ctx_free(ctx);
    sink_stop(low);
    sink_stop(high);
}

/* 5 requests a second: a full bucket sends 5 at once, then none until the
 * fake clock moves; a second later 5 more, 200 ms later one. */
static void settings_rate_limit_holds_on_the_clock(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], other[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config *cfg = rh_test_config();
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/r", "r", ep, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/free", "f", other, secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_rate_limit(ctx, ep, -1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_rate_limit(ctx, ep, NAN));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "rate limit") != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_rate_limit(ctx, ep, 5));
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx)); /* stored */
    RH_CHECK(rh_endpoint_rate_limit(ep_of(ctx, ep)) == 5.0);
    for (int i = 0; i < 20; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "r", "{}", 2, NULL, 0));
    for (int i = 0; i < 10; i++) /* not held back by the limited one */
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "f", "{}", 2, NULL, 0));
    tick_for(ctx, 400);
    RH_CHECK_EQ_INT(15, sink_count(s));
    tick_for(ctx, 200);
    RH_CHECK_EQ_INT(15, sink_count(s));
    rh_test_now_ms += 1000;
    tick_for(ctx, 400);
    RH_CHECK_EQ_INT(20, sink_count(s));
    rh_test_now_ms += 200;
    tick_for(ctx, 400);
    RH_CHECK_EQ_INT(21, sink_count(s));
    /* no limit: the rest go at once */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_rate_limit(ctx, ep, 0));
    tick_for(ctx, 600);
    RH_CHECK_EQ_INT(30, sink_count(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ------------------------------------------------------------ tokens */

typedef struct token_host {
    int calls;
    const char *give; /* the token, or NULL */
    int rc;           /* what the callback returns */
    int64_t lifetime_ms;
    char none_for[RH_ID_SIZE]; /* this endpoint needs no token */
} token_host;

static int give_token(const rh_endpoint *ep, char *out, size_t size,
                      int64_t *expires_ms, void *ud)
{
    token_host *h = ud;
    h->calls++;
    if (!strcmp(rh_endpoint_id(ep), h->none_for))
        return RH_E_NOT_FOUND;
    if (h->rc != RH_OK)
        return h->rc;
    snprintf(out, size, "%s", h->give);
    *expires_ms = h->lifetime_ms ? rh_test_now_ms + h->lifetime_ms : 0;
    return RH_OK;
}

static int last_attempt_error(const rh_attempt *at, void *ud)
{
    snprintf(ud, 256, "%s", rh_attempt_error(at));
    return RH_OK;
}

/* The host's token goes out as a bearer token, cached until 30 s before
 * it expires, replacing the endpoint's own Authorization; an endpoint that
 * needs none gets none; a callback that fails, or a token that could split
 * a header, fails the attempt unsent. */
static void test_settings__bearer_token_from_the_host(void)
{
    sink *s = rh_test_sink();
    token_host h = {0, "tok-1", RH_OK, 60000, ""};
    char ep[RH_ID_SIZE], plain[RH_ID_SIZE], secret[RH_SECRET_SIZE], why[256];
    sink_request r;
    rh_config *cfg = rh_test_config();
    rh_config_set_token_cb(cfg, give_token, &h);
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/t", "t", ep, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/p", "p", plain, secret));
    snprintf(h.none_for, sizeof h.none_for, "%s", plain);
    RH_CHECK_EQ_INT(
        RH_OK, rh_endpoint_set_header(ctx, ep, "Authorization", "Basic old"));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(3, sink_count(s));
    RH_CHECK_EQ_INT(1, h.calls); /* cached */
    for (size_t i = 0; i < 3; i++) {
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        RH_CHECK_EQ_STR("Bearer tok-1", sink_header(&r, "Authorization"));
        size_t auth = 0;
        for (size_t k = 0; k < r.n_headers; k++)
            auth += !strcasecmp(r.names[k], "Authorization");
        sink_request_free(&r);
        RH_CHECK_EQ_INT(1, auth);
    }
    /* 31 s later it has under 30 s left: a new one */
    rh_test_now_ms += 31000;
    h.give = "tok-2";
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(2, h.calls);
    RH_CHECK_EQ_INT(0, sink_get(s, 3, &r));
    RH_CHECK_EQ_STR("Bearer tok-2", sink_header(&r, "Authorization"));
    sink_request_free(&r);
    /* the endpoint that needs none: its own headers only */
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "p", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(0, sink_get(s, 4, &r));
    RH_CHECK(sink_header(&r, "Authorization") == NULL);
    sink_request_free(&r);
    /* a failing callback and a token with a line break: failed unsent */
    rh_test_now_ms += 60000;
    h.rc = RH_E_USER;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(5, sink_count(s));
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    rh_query_set_failed_only(q, 1);
    RH_CHECK_EQ_INT(1, rh_log_attempts(ctx, q, last_attempt_error, why));
    RH_CHECK(strstr(why, "token callback failed") != NULL);
    h.rc = RH_OK;
    h.give = "tok\r\nX-Evil: 1";
    h.lifetime_ms = 0;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(5, sink_count(s));
    RH_CHECK_EQ_INT(2, rh_log_attempts(ctx, q, last_attempt_error, why));
    RH_CHECK(strstr(why, "spaces or control characters") != NULL);
    rh_query_free(q);
    RH_CHECK_EQ_INT(2, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define ON_EVERY_BACKEND(X)                                                    \
    X(timeout_and_schedule_of_its_own)                                         \
    X(in_flight_cap_of_its_own)                                                \
    X(rate_limit_holds_on_the_clock)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, settings_##name)
ON_EVERY_BACKEND(WRAP)
#define ROWS(name) RH_BACKEND_ROWS("settings", name)
const rh_test_case rh_tests_settings[] = {
    ON_EVERY_BACKEND(ROWS){"settings__bearer_token_from_the_host",
                           test_settings__bearer_token_from_the_host},
    {NULL, NULL}};
