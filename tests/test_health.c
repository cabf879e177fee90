/* Endpoint health on every backend: a 410 disables at once, days of failure
 * disable on the fake clock, a success after failures is a recovery, the
 * host hears each change, and a production context holds (never fails) a
 * development endpoint's deliveries. */
#define _GNU_SOURCE /* memmem */
#include "backends.h"
#include "rh_internal.h" /* the context's mode and its stored records */
#include "rh_test.h"

#include <stdlib.h>

#define DAY_MS (86400LL * 1000)

/* Every change the state callback heard, in order. */
typedef struct heard {
    rh_ctx *ctx;
    int n;
    char ids[32][RH_ID_SIZE];
    int changes[32];
    int reasons[32];
    int error_said_held; /* the last error text named the mode, when held */
} heard;

static void on_change(const rh_endpoint *ep, int change, void *ud)
{
    heard *h = ud;
    if (change == RH_ENDPOINT_HELD && h->ctx &&
        strstr(rh_ctx_last_error(h->ctx), "development mode"))
        h->error_said_held = 1;
    if (h->n == 32)
        return;
    memcpy(h->ids[h->n], rh_endpoint_id(ep), RH_ID_SIZE);
    h->changes[h->n] = change;
    h->reasons[h->n] = rh_endpoint_disabled_reason(ep);
    h->n++;
}

/* How many changes of this kind the endpoint had. */
static int heard_of(const heard *h, const char *id, int change)
{
    int n = 0;
    for (int i = 0; i < h->n; i++)
        n += strcmp(h->ids[i], id) == 0 && h->changes[i] == change;
    return n;
}

static const rh_endpoint *ep_of(rh_ctx *ctx, const char *id)
{
    const rh_endpoint *ep = NULL;
    return rh_endpoint_get(ctx, id, &ep) == RH_OK ? ep : NULL;
}

/* The record storage holds for an endpoint, as text. */
typedef struct record_find {
    const char *id;
    char text[4096];
} record_find;

static int find_record(const char *json, size_t len, void *ud)
{
    record_find *f = ud;
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\"", f->id);
    if (len < sizeof f->text && memmem(json, len, needle, strlen(needle))) {
        memcpy(f->text, json, len);
        f->text[len] = '\0';
    }
    return RH_OK;
}

/* A stored part of the endpoint's state, appended to the text as
 * "part=json" (a store with the state slots keeps its state there). */
static int find_part(const char *id, const char *part, const char *json,
                     size_t len, void *ud)
{
    record_find *f = ud;
    size_t used = strlen(f->text);
    if (strcmp(id, f->id) == 0 && used + len + 64 < sizeof f->text)
        snprintf(f->text + used, sizeof f->text - used, " %s=%.*s", part,
                 (int)len, json);
    return RH_OK;
}

static const char *stored_record(rh_ctx *ctx, const char *id, record_find *f)
{
    f->id = id;
    f->text[0] = '\0';
    if (ctx->store.table.endpoint_load(find_record, f, ctx->store.table.userdata) < 0)
        return "";
    if (ctx->store.table.endpoint_state_load &&
        ctx->store.table.endpoint_state_load(find_part, f,
                                         ctx->store.table.userdata) < 0)
        return "";
    return f->text;
}

/* How the stored state says the endpoint was disabled for reason: in the
 * "enabled" part where the store keeps parts, else in the record. */
static const char *disabled_text(rh_ctx *ctx, int reason, char *buf,
                                 size_t size)
{
    if (ctx->store.table.endpoint_state_load)
        snprintf(buf, size, "enabled={\"enabled\":false,\"reason\":%d",
                 reason);
    else
        snprintf(buf, size, "\"disabled_reason\":%d", reason);
    return buf;
}

/* ------------------------------------------------------------ 410 Gone */

/* A 410 disables its endpoint at once, with the reason stored; the other
 * endpoint is untouched and its success is its health. The host re-enables
 * it and its failure clock starts afresh. */
static void health_gone_disables_at_once_and_tells(void)
{
    sink *s = rh_test_sink();
    heard h = {0};
    char gone[RH_ID_SIZE], ok[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    record_find rec;
    sink_rule(s, "/gone", 410, 0, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_state_cb(cfg, on_change, &h);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/gone", "t.*", gone, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/ok", "t.*", ok, secret));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "t.x", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(ep_of(ctx, gone)));
    RH_CHECK_EQ_INT(RH_DISABLED_GONE,
                    rh_endpoint_disabled_reason(ep_of(ctx, gone)));
    RH_CHECK_EQ_STR("gone", rh_disabled_reason_name(RH_DISABLED_GONE));
    RH_CHECK_EQ_INT(1, heard_of(&h, gone, RH_ENDPOINT_FAILING));
    RH_CHECK_EQ_INT(1, heard_of(&h, gone, RH_ENDPOINT_DISABLED));
    RH_CHECK_EQ_INT(RH_DISABLED_GONE, h.reasons[h.n - 1]);
    RH_CHECK_EQ_INT(0, heard_of(&h, ok, RH_ENDPOINT_FAILING));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep_of(ctx, ok)));
    RH_CHECK_EQ_INT(rh_test_now_ms,
                    rh_endpoint_last_success_ms(ep_of(ctx, ok)));
    RH_CHECK_EQ_INT(rh_test_now_ms,
                    rh_endpoint_failing_since_ms(ep_of(ctx, gone)));
    /* the reason is in storage, not only in this context's cache */
    char said[64];
    RH_CHECK(strstr(stored_record(ctx, gone, &rec),
                    disabled_text(ctx, RH_DISABLED_GONE, said, sizeof said)));
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx));
    RH_CHECK_EQ_INT(RH_DISABLED_GONE,
                    rh_endpoint_disabled_reason(ep_of(ctx, gone)));
    /* the host enables it again: told, reason cleared, clock restarted */
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(ctx, gone));
    RH_CHECK_EQ_INT(1, heard_of(&h, gone, RH_ENDPOINT_ENABLED));
    RH_CHECK_EQ_INT(RH_DISABLED_NOT,
                    rh_endpoint_disabled_reason(ep_of(ctx, gone)));
    RH_CHECK_EQ_INT(0, rh_endpoint_failing_since_ms(ep_of(ctx, gone)));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, gone));
    RH_CHECK_EQ_INT(RH_DISABLED_BY_HOST, h.reasons[h.n - 1]);
    RH_CHECK_EQ_INT(2, heard_of(&h, gone, RH_ENDPOINT_DISABLED));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, gone)); /* no change */
    RH_CHECK_EQ_INT(2, heard_of(&h, gone, RH_ENDPOINT_DISABLED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ------------------------------------------------ failing for too long */

/* A receiver that answers 500 to every attempt, one a day: still enabled
 * after 4 days of failure, disabled (reason: failing) by the attempt 5 days
 * after the first failure. A healthy endpoint beside it is never touched. */
static void health_five_days_of_failure_disable(void)
{
    sink *s = rh_test_sink();
    heard h = {0};
    char down[RH_ID_SIZE], ok[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    record_find rec;
    int64_t daily[8], first;
    for (int i = 0; i < 8; i++)
        daily[i] = DAY_MS;
    sink_rule(s, "/down", 500, 0, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, daily, 8);
    rh_config_set_endpoint_state_cb(cfg, on_change, &h);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_auto_disable_ms(cfg, 366 * DAY_MS));
    RH_CHECK_EQ_INT(
        RH_OK, rh_config_set_auto_disable_ms(cfg, RH_AUTO_DISABLE_DEFAULT_MS));
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/down", "down", down, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/ok", "ok", ok, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "down", "{}", 2, NULL, 0));
    first = rh_test_now_ms;
    for (int day = 0; day <= 5; day++) {
        if (day > 0)
            rh_test_now_ms += DAY_MS;
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "ok", "{}", 2, NULL, 0));
        RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
        RH_CHECK_EQ_INT(day + 1, rh_test_count_attempts(ctx, NULL) - (day + 1));
        RH_CHECK_EQ_INT(first, rh_endpoint_failing_since_ms(ep_of(ctx, down)));
        RH_CHECK_EQ_INT(day < 5, rh_endpoint_enabled(ep_of(ctx, down)));
    }
    RH_CHECK_EQ_INT(RH_DISABLED_FAILING,
                    rh_endpoint_disabled_reason(ep_of(ctx, down)));
    RH_CHECK_EQ_INT(1, heard_of(&h, down, RH_ENDPOINT_FAILING));
    RH_CHECK_EQ_INT(1, heard_of(&h, down, RH_ENDPOINT_DISABLED));
    RH_CHECK_EQ_INT(RH_DISABLED_FAILING, h.reasons[h.n - 1]);
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep_of(ctx, ok)));
    RH_CHECK_EQ_INT(0, h.n - heard_of(&h, down, RH_ENDPOINT_FAILING) -
                           heard_of(&h, down, RH_ENDPOINT_DISABLED));
    /* stored with the endpoint, failure clock and all */
    char want[64];
    snprintf(want, sizeof want, "\"failing_since_ms\":%lld", (long long)first);
    RH_CHECK(strstr(stored_record(ctx, down, &rec), want));
    RH_CHECK(strstr(rec.text, disabled_text(ctx, RH_DISABLED_FAILING, want,
                                            sizeof want)));
    /* its delivery was not sent again: disabled ones fail unsent */
    rh_test_now_ms += DAY_MS;
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(12, rh_test_count_attempts(ctx, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ------------------------------------------------------------ recovery */

/* Two deliveries fail for good (no retries), then one succeeds: failed in
 * a row counts 2, the success is a recovery. Pause and resume are told. */
static void health_success_after_failures_is_a_recovery(void)
{
    sink *s = rh_test_sink();
    heard h = {0};
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_rule(s, "/flaky", 503, 0, NULL, NULL, 2);
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_config_set_endpoint_state_cb(cfg, on_change, &h);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/flaky", "*", ep, secret));
    RH_CHECK_EQ_INT(0, rh_endpoint_last_success_ms(ep_of(ctx, ep)));
    for (int i = 0; i < 2; i++) {
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
        RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
        rh_test_now_ms += 10;
    }
    RH_CHECK_EQ_INT(2, rh_endpoint_failed_in_a_row(ep_of(ctx, ep)));
    RH_CHECK(rh_endpoint_failing_since_ms(ep_of(ctx, ep)) > 0);
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_FAILING));
    RH_CHECK_EQ_INT(0, heard_of(&h, ep, RH_ENDPOINT_RECOVERED));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(3, sink_count(s));
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_RECOVERED));
    RH_CHECK_EQ_INT(0, rh_endpoint_failed_in_a_row(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(0, rh_endpoint_failing_since_ms(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(rh_test_now_ms,
                    rh_endpoint_last_success_ms(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_pause(ctx, ep));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_resume(ctx, ep));
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_PAUSED));
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_RESUMED));
    RH_CHECK_EQ_STR("recovered",
                    rh_endpoint_change_name(RH_ENDPOINT_RECOVERED));
    RH_CHECK_EQ_STR("unknown", rh_endpoint_change_name(99));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* ----------------------------------------------------------- modes */

/* An endpoint added in development mode, seen by a production context on
 * the same store (the context's mode is switched here; the CLI test does
 * it with two processes): its deliveries stay pending and unsent, the
 * host is told once, and a development context then sends them all. */
static void health_production_context_holds_a_development_endpoint(void)
{
    sink *s = rh_test_sink();
    heard h = {0};
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_state_cb(cfg, on_change, &h);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    h.ctx = ctx;
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/dev", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_MODE_DEVELOPMENT, rh_endpoint_mode(ep_of(ctx, ep)));
    ctx->s.mode = RH_MODE_PRODUCTION;
    ctx->index_dirty = 1;
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    int64_t end = rh_test_mono_ms() + 300;
    while (rh_test_mono_ms() < end) {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 5);
    }
    RH_CHECK_EQ_INT(0, sink_count(s));
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_PENDING));
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_HELD));
    RH_CHECK_EQ_INT(1, h.error_said_held);
    RH_CHECK_EQ_INT(0, rh_endpoint_failing_since_ms(ep_of(ctx, ep)));
    /* a development context delivers them */
    ctx->s.mode = RH_MODE_DEVELOPMENT;
    ctx->index_dirty = 1;
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 3, 5000));
    RH_CHECK(rh_test_drive(ctx, 2000) >= 0);
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    RH_CHECK_EQ_INT(1, heard_of(&h, ep, RH_ENDPOINT_HELD));
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define ON_EVERY_BACKEND(X)                                                    \
    X(gone_disables_at_once_and_tells)                                         \
    X(five_days_of_failure_disable)                                            \
    X(success_after_failures_is_a_recovery)                                    \
    X(production_context_holds_a_development_endpoint)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, health_##name)
ON_EVERY_BACKEND(WRAP)

/* ------------------------------------------------------ memory only */

/* Records written before 0.2.0 carry no mode: a plain-http one is taken as
 * a development endpoint, an https one as production; no health is zero. */
static void test_health__old_records_get_a_mode_from_their_url(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    const char *dev = "{\"v\":1,\"id\":\"ep_old1\",\"url\":\"http://"
                      "127.0.0.1:9/\",\"events\":[\"*\"],\"enabled\":true,"
                      "\"created_ms\":1,\"secret\":\"whsec_"
                      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}";
    const char *prod = "{\"v\":1,\"id\":\"ep_old2\",\"url\":\"https://"
                       "example.com/\",\"events\":[\"*\"],\"enabled\":false,"
                       "\"created_ms\":1,\"secret\":\"whsec_"
                       "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}";
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    ctx->store.table.endpoint_save("ep_old1", dev, strlen(dev),
                                               ctx->store.table.userdata));
    RH_CHECK_EQ_INT(RH_OK,
                    ctx->store.table.endpoint_save("ep_old2", prod, strlen(prod),
                                               ctx->store.table.userdata));
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx));
    RH_CHECK_EQ_INT(RH_MODE_DEVELOPMENT,
                    rh_endpoint_mode(ep_of(ctx, "ep_old1")));
    RH_CHECK_EQ_INT(RH_MODE_PRODUCTION,
                    rh_endpoint_mode(ep_of(ctx, "ep_old2")));
    RH_CHECK_EQ_INT(RH_DISABLED_BY_HOST,
                    rh_endpoint_disabled_reason(ep_of(ctx, "ep_old2")));
    RH_CHECK_EQ_INT(0, rh_endpoint_last_success_ms(ep_of(ctx, "ep_old1")));
    rh_ctx_free(ctx);
}

/* Auto-disable off: a month of failures and the endpoint stays enabled. */
static void test_health__auto_disable_off_never_disables(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    int64_t weekly[5] = {7 * DAY_MS, 7 * DAY_MS, 7 * DAY_MS, 7 * DAY_MS,
                         7 * DAY_MS};
    sink_rule(s, "/", 500, 0, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, weekly, 5);
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_auto_disable_ms(cfg, 0));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/x", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    for (int week = 0; week <= 5; week++) {
        RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
        rh_test_now_ms += 7 * DAY_MS;
    }
    RH_CHECK_EQ_INT(6, sink_count(s));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep_of(ctx, ep)));
    RH_CHECK_EQ_INT(1, rh_endpoint_failed_in_a_row(ep_of(ctx, ep)));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* The counters a host exports: two deliveries succeed, one fails and is
 * retried, then fails for good; an emit nobody takes counts as an emit. */
static void test_health__stats_count_what_the_context_did(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    uint64_t st[RH_STAT_COUNT + 4];
    int64_t once[1] = {1000};
    sink_rule(s, "/x/bad", 500, 0, NULL, NULL, -1);
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, once, 1);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_stats(NULL, st, 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_stats(ctx, NULL, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/x", "good", ep, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/x/bad", "bad", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "good", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "good", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "bad", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_emit(ctx, "nobody", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_STAT_COUNT, rh_ctx_stats(ctx, st, RH_STAT_COUNT));
    RH_CHECK_EQ_INT(4, st[RH_STAT_EVENTS_EMITTED]);
    RH_CHECK_EQ_INT(3, st[RH_STAT_DELIVERIES_QUEUED]);
    RH_CHECK_EQ_INT(0, st[RH_STAT_ATTEMPTS]);
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    rh_test_now_ms += 1000;
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(RH_STAT_COUNT, rh_ctx_stats(ctx, st, RH_STAT_COUNT + 4));
    RH_CHECK_EQ_INT(4, st[RH_STAT_ATTEMPTS]);
    RH_CHECK_EQ_INT(2, st[RH_STAT_SUCCEEDED]);
    RH_CHECK_EQ_INT(1, st[RH_STAT_FAILED]);
    RH_CHECK_EQ_INT(1, st[RH_STAT_RETRIED]);
    RH_CHECK_EQ_INT(0, st[RH_STAT_IN_FLIGHT]);
    RH_CHECK_EQ_INT(2, st[RH_STAT_OUTCOME_OK + RH_OUTCOME_OK]);
    RH_CHECK_EQ_INT(2, st[RH_STAT_OUTCOME_OK + RH_OUTCOME_HTTP_STATUS]);
    RH_CHECK_EQ_INT(4, st[RH_STAT_ATTEMPT_MS_LE_10000]);
    RH_CHECK(st[RH_STAT_ATTEMPT_MS_LE_10] <= st[RH_STAT_ATTEMPT_MS_LE_10 + 1]);
    /* a partial copy writes only what was asked */
    uint64_t two[3] = {0, 0, 77};
    RH_CHECK_EQ_INT(2, rh_ctx_stats(ctx, two, 2));
    RH_CHECK_EQ_INT(77, two[2]);
    RH_CHECK_EQ_INT(3, two[1]);
    /* every stat has a distinct name; none past the last */
    for (int i = 0; i < RH_STAT_COUNT; i++) {
        RH_CHECK(rh_stat_name(i) != NULL);
        for (int k = 0; k < i; k++)
            RH_CHECK(strcmp(rh_stat_name(i), rh_stat_name(k)) != 0);
    }
    RH_CHECK_EQ_STR("outcome_bad_response",
                    rh_stat_name(RH_STAT_OUTCOME_BAD_RESPONSE));
    RH_CHECK_EQ_STR("attempt_ms_le_10000",
                    rh_stat_name(RH_STAT_ATTEMPT_MS_LE_10000));
    RH_CHECK(rh_stat_name(RH_STAT_COUNT) == NULL && rh_stat_name(-1) == NULL);
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define ROWS(name) RH_BACKEND_ROWS("health", name)
const rh_test_case rh_tests_health[] = {
    ON_EVERY_BACKEND(ROWS){"health__old_records_get_a_mode_from_their_url",
                           test_health__old_records_get_a_mode_from_their_url},
    {"health__auto_disable_off_never_disables",
     test_health__auto_disable_off_never_disables},
    {"health__stats_count_what_the_context_did",
     test_health__stats_count_what_the_context_did},
    {NULL, NULL}};
