/* Delivery against the real loopback sink: the exact wire contract, the retry
 * schedule on the fake clock, status handling, Retry-After, 410, timeouts,
 * refused connections, rotation, resend/recover and the log. */
#include "rh_test.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct seen {
    int attempts;
    int failed;
    int last_status;
    int last_outcome;
    int last_number;
    char last_failed_id[RH_ID_SIZE];
    rh_ctx *ctx;
    int reentry_rc;
} seen;

static void on_attempt(const rh_attempt *at, void *ud)
{
    seen *s = ud;
    s->attempts++;
    s->last_status = rh_attempt_status(at);
    s->last_outcome = rh_attempt_outcome(at);
    s->last_number = rh_attempt_number(at);
    if (s->ctx)
        s->reentry_rc = rh_emit(s->ctx, "x", "{}", 2, NULL, 0);
}

static void on_failed(const rh_delivery *dl, void *ud)
{
    seen *s = ud;
    s->failed++;
    snprintf(s->last_failed_id, sizeof s->last_failed_id, "%s",
             rh_delivery_id(dl));
}

static rh_ctx *ctx_with_callbacks(seen *sn, rh_config *cfg)
{
    memset(sn, 0, sizeof *sn);
    if (!cfg)
        cfg = rh_test_config();
    rh_config_set_attempt_cb(cfg, on_attempt, sn);
    rh_config_set_failed_cb(cfg, on_failed, sn);
    return rh_test_ctx_from(cfg);
}

static void test_delivery__request_is_the_wire_contract(void)
{
    sink *s = rh_test_sink();
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], evt[RH_ID_SIZE];
    sink_request r;
    const char *data = "{ \"call\" : \"c1\", \"n\": [1, 2.5, true, null],"
                       " \"s\": \"caf\xc3\xa9 \\\"q\\\"\" }";
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/hook", "call.*", ep,
                                            secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "call.ended", data, strlen(data), evt,
                               sizeof evt));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_STR("POST", r.method);
    RH_CHECK_EQ_STR("/hook", r.path);
    const char *dlv = sink_header(&r, "X-Replicer-Delivery-Id");
    RH_CHECK(dlv && strncmp(dlv, "dlv_", 4) == 0);
    /* the body: a compact envelope, keys in order, around the host's data
     * bytes exactly as given */
    char want[512];
    snprintf(want, sizeof want,
             "{\"id\":\"%s\",\"event\":\"call.ended\",\"timestamp\":"
             "\"2023-11-14T22:13:20Z\",\"data\":%s}",
             dlv, data);
    RH_CHECK_EQ_STR(want, r.body);
    RH_CHECK_EQ_INT(strlen(want), r.body_len);
    RH_CHECK_EQ_STR("application/json", sink_header(&r, "Content-Type"));
    RH_CHECK_EQ_STR("replicer-hooks/" RH_VERSION_STRING,
                    sink_header(&r, "User-Agent"));
    RH_CHECK_EQ_STR("call.ended", sink_header(&r, "X-Replicer-Event"));
    RH_CHECK_EQ_STR("1700000000", sink_header(&r, "X-Replicer-Timestamp"));
    const char *sig = sink_header(&r, "X-Replicer-Signature");
    RH_CHECK(sig && strncmp(sig, "v1,", 3) == 0);
    RH_CHECK_EQ_STR(dlv, sink_header(&r, "webhook-id"));
    RH_CHECK_EQ_STR("1700000000", sink_header(&r, "webhook-timestamp"));
    RH_CHECK_EQ_STR(sig, sink_header(&r, "webhook-signature"));
    RH_CHECK(sink_header(&r, "Expect") == NULL);
    RH_CHECK(sink_header(&r, "Accept") == NULL);
    /* the receiver's check, with the secret handed out at registration */
    RH_CHECK_EQ_INT(RH_OK, rh_verify(secret, dlv, "1700000000", sig, r.body,
                                     r.body_len, 1700000000, 300));
    RH_CHECK_EQ_INT(1, sn.attempts);
    RH_CHECK_EQ_INT(200, sn.last_status);
    RH_CHECK_EQ_INT(RH_OUTCOME_OK, sn.last_outcome);
    RH_CHECK_EQ_INT(0, sn.failed);
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    sink_request_free(&r);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__standard_headers_can_be_turned_off(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_request r;
    rh_config_set_standard_headers(cfg, 0);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/h", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK(sink_header(&r, "webhook-id") == NULL);
    RH_CHECK(sink_header(&r, "webhook-signature") == NULL);
    RH_CHECK(sink_header(&r, "X-Replicer-Signature") != NULL);
    sink_request_free(&r);
    rh_ctx_free(ctx);
    sink_stop(s);
}

typedef struct attempt_row {
    int number;
    int64_t started;
    int status;
    int success;
    int outcome;
} attempt_row;

typedef struct rows {
    attempt_row r[16];
    int n;
} rows;

static int stop_delivery(const rh_delivery *dl, void *ud)
{
    (void)dl;
    (void)ud;
    return RH_E_USER - 3;
}

static int collect(const rh_attempt *at, void *ud)
{
    rows *rs = ud;
    if (rs->n < 16) {
        attempt_row *r = &rs->r[rs->n++];
        r->number = rh_attempt_number(at);
        r->started = rh_attempt_started_ms(at);
        r->status = rh_attempt_status(at);
        r->success = rh_attempt_success(at);
        r->outcome = rh_attempt_outcome(at);
    }
    return RH_OK;
}

static void test_delivery__full_retry_schedule_then_failed(void)
{
    sink *s = rh_test_sink();
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const int64_t start = rh_test_now_ms;
    const int64_t gaps[] = {5000, 30000, 120000, 600000, 1800000};
    sink_rule(s, "/down", 500, 0, NULL, "boom", -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/down", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "job.done", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    for (int i = 0; i < 5; i++) {
        /* one millisecond early: nothing is due */
        rh_test_now_ms += gaps[i] - 1;
        RH_CHECK_EQ_INT(1, rh_next_timeout_ms(ctx));
        RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 5000));
        RH_CHECK_EQ_INT(i + 1, sink_count(s));
        rh_test_now_ms += 1;
        RH_CHECK_EQ_INT(0, rh_next_timeout_ms(ctx));
        RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
        RH_CHECK_EQ_INT(i + 2, sink_count(s));
    }
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    RH_CHECK_EQ_INT(6, sn.attempts);
    RH_CHECK_EQ_INT(1, sn.failed);
    rows rs = {{{0}}, 0};
    RH_CHECK_EQ_INT(6, rh_log_attempts(ctx, NULL, collect, &rs));
    int64_t expect = start;
    for (int i = 0; i < 6; i++) {
        if (i > 0)
            expect += gaps[i - 1];
        RH_CHECK_EQ_INT(i + 1, rs.r[i].number);
        RH_CHECK_EQ_INT(expect, rs.r[i].started);
        RH_CHECK_EQ_INT(500, rs.r[i].status);
        RH_CHECK_EQ_INT(0, rs.r[i].success);
        RH_CHECK_EQ_INT(RH_OUTCOME_HTTP_STATUS, rs.r[i].outcome);
    }
    /* every attempt carried the same delivery id */
    sink_request a, b;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &a));
    RH_CHECK_EQ_INT(0, sink_get(s, 5, &b));
    RH_CHECK_EQ_STR(sink_header(&a, "webhook-id"), sink_header(&b, "webhook-id"));
    RH_CHECK_EQ_STR(sn.last_failed_id, sink_header(&a, "webhook-id"));
    sink_request_free(&a);
    sink_request_free(&b);
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* One delivery to a path answering `status`; returns what happened. */
static void one_attempt(sink *s, rh_ctx *ctx, const char *path, int status,
                        const char *extra, int *attempts_left_pending)
{
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_rule(s, path, status, 0, extra, NULL, -1);
    if (rh_test_endpoint(ctx, s, path, "*", ep, secret) != RH_OK ||
        rh_emit(ctx, "t", "{}", 2, NULL, 0) != 1 ||
        rh_test_drive(ctx, 5000) != 1) {
        *attempts_left_pending = -1;
        return;
    }
    *attempts_left_pending = (int)rh_next_timeout_ms(ctx);
    rh_endpoint_remove(ctx, ep);
}

static void test_delivery__status_classes(void)
{
    sink *s = rh_test_sink();
    static const struct {
        int status;
        int success;
    } cases[] = {{200, 1}, {201, 1}, {204, 1}, {299, 1}, {302, 0},
                 {400, 0}, {404, 0}, {500, 0}, {503, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seen sn;
        rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
        char path[32];
        int next = 0;
        snprintf(path, sizeof path, "/s%d", cases[i].status);
        one_attempt(s, ctx, path,
                    cases[i].status,
                    cases[i].status == 302 ? "Location: /elsewhere\r\n" : NULL,
                    &next);
        RH_CHECK(next != -2);
        RH_CHECK_EQ_INT(1, sn.attempts);
        RH_CHECK_EQ_INT(cases[i].status, sn.last_status);
        RH_CHECK_EQ_INT(cases[i].success ? RH_OUTCOME_OK
                                         : RH_OUTCOME_HTTP_STATUS,
                        sn.last_outcome);
        /* failures wait 5 s for their retry; successes are done */
        RH_CHECK_EQ_INT(cases[i].success ? -1 : 5000, next);
        rh_ctx_free(ctx);
    }
    /* the redirect was not followed */
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        RH_CHECK(strcmp(r.path, "/elsewhere") != 0);
        sink_request_free(&r);
    }
    RH_CHECK_EQ_INT(sizeof cases / sizeof *cases, sink_count(s));
    sink_stop(s);
}

static void test_delivery__gone_stops_and_disables(void)
{
    sink *s = rh_test_sink();
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const rh_endpoint *e;
    sink_rule(s, "/gone", 410, 0, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/gone", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sn.failed);
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(e));
    RH_CHECK_EQ_INT(0, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static int64_t next_gap_after(sink *s, int status, const char *retry_after)
{
    char extra[128], path[64];
    int next = 0;
    static int n;
    rh_ctx *ctx = rh_test_ctx_new();
    snprintf(extra, sizeof extra, "Retry-After: %s\r\n", retry_after);
    snprintf(path, sizeof path, "/ra%d", n++);
    one_attempt(s, ctx, path, status, extra, &next);
    rh_ctx_free(ctx);
    return next;
}

static void test_delivery__retry_after_moves_later_capped(void)
{
    sink *s = rh_test_sink();
    /* first retry is scheduled at 5 s: later within 2x, never earlier */
    RH_CHECK_EQ_INT(8000, next_gap_after(s, 429, "8"));
    RH_CHECK_EQ_INT(5000, next_gap_after(s, 429, "2"));
    RH_CHECK_EQ_INT(10000, next_gap_after(s, 503, "3600"));
    RH_CHECK_EQ_INT(5000, next_gap_after(s, 503, "soon"));
    /* only 429 and 503 are listened to */
    RH_CHECK_EQ_INT(5000, next_gap_after(s, 500, "8"));
    /* an HTTP date in the past counts as now */
    RH_CHECK_EQ_INT(5000,
                    next_gap_after(s, 429, "Wed, 21 Oct 2015 07:28:00 GMT"));
    /* a number too large for any integer is capped like any large value */
    RH_CHECK_EQ_INT(10000, next_gap_after(s, 429, "99999999999999999999999"));
    RH_CHECK_EQ_INT(9000, next_gap_after(s, 503, "00000000000000000000009"));
    /* what is not a count of seconds or a date is ignored */
    static const char *const ignored[] = {"-5", "1.5", "", "8s", "0x10", "+8"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        RH_CHECK_EQ_INT(5000, next_gap_after(s, 429, ignored[i]));
    /* the three HTTP date forms, 8 s after the fake clock's now */
    time_t later = (time_t)(rh_test_now_ms / 1000 + 8);
    struct tm tm;
    static const char *const forms[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                        "%A, %d-%b-%y %H:%M:%S GMT",
                                        "%a %b %e %H:%M:%S %Y"};
    gmtime_r(&later, &tm);
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char date[64];
        strftime(date, sizeof date, forms[i], &tm);
        RH_CHECK_EQ_INT(8000, next_gap_after(s, 429, date));
    }
    sink_stop(s);
}

static void test_delivery__timeout_on_a_silent_server(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    seen sn;
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config_set_timeout_ms(cfg, 300);
    rh_ctx *ctx = ctx_with_callbacks(&sn, cfg);
    sink_rule(s, "/silent", 200, -1, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/silent", "*", ep,
                                            secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sn.attempts);
    RH_CHECK_EQ_INT(0, sn.last_status);
    RH_CHECK_EQ_INT(RH_OUTCOME_TIMEOUT, sn.last_outcome);
    RH_CHECK_EQ_INT(5000, rh_next_timeout_ms(ctx));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static int unused_port(void)
{
    int port = 0, fd = sink_listen(NULL, 0, -1, 0, &port);
    if (fd >= 0)
        close(fd); /* nothing listens there now */
    return port;
}

static void test_delivery__connection_refused(void)
{
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rows rs = {{{0}}, 0};
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", unused_port());
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(RH_OUTCOME_CONNECT, sn.last_outcome);
    RH_CHECK_EQ_INT(1, rh_log_attempts(ctx, NULL, collect, &rs));
    RH_CHECK_EQ_INT(0, rs.r[0].status);
    RH_CHECK_EQ_INT(5000, rh_next_timeout_ms(ctx));
    rh_ctx_free(ctx);
}

static void test_delivery__rotation_sends_both_signatures(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], old[RH_SECRET_SIZE], fresh[RH_SECRET_SIZE];
    sink_request r;
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/rot", "*", ep, old));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_rotate_secret(ctx, ep, 60000, fresh,
                                                     sizeof fresh));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{\"a\":1}", 7, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    const char *sig = sink_header(&r, "webhook-signature");
    const char *id = sink_header(&r, "webhook-id");
    const char *ts = sink_header(&r, "webhook-timestamp");
    RH_CHECK(sig && strchr(sig, ' ') != NULL); /* two tokens */
    RH_CHECK_EQ_INT(RH_OK, rh_verify(fresh, id, ts, sig, r.body, r.body_len,
                                     1700000000, 300));
    RH_CHECK_EQ_INT(RH_OK, rh_verify(old, id, ts, sig, r.body, r.body_len,
                                     1700000000, 300));
    sink_request_free(&r);
    /* after the grace period only the new secret signs */
    rh_test_now_ms += 60000;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{\"a\":2}", 7, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_get(s, 1, &r));
    sig = sink_header(&r, "webhook-signature");
    id = sink_header(&r, "webhook-id");
    ts = sink_header(&r, "webhook-timestamp");
    RH_CHECK(strchr(sig, ' ') == NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_verify(fresh, id, ts, sig, r.body, r.body_len,
                                     1700000060, 300));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE, rh_verify(old, id, ts, sig, r.body,
                                              r.body_len, 1700000060, 300));
    sink_request_free(&r);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__resend_and_recover(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    seen sn;
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config_set_retry_schedule(cfg, NULL, 0); /* one attempt, then failed */
    rh_ctx *ctx = ctx_with_callbacks(&sn, cfg);
    sink_rule(s, "/flaky", 500, 0, NULL, NULL, 3);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/flaky", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(3, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, sn.failed);
    char first[RH_ID_SIZE];
    snprintf(first, sizeof first, "%s", sn.last_failed_id);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_delivery_resend(ctx, "dlv_unknown"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_delivery_resend(ctx, "bad id"));
    RH_CHECK_EQ_INT(RH_OK, rh_delivery_resend(ctx, first));
    RH_CHECK_EQ_INT(RH_E_STATE, rh_delivery_resend(ctx, first));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(4, sink_count(s)); /* the sink answers 200 from now on */
    RH_CHECK_EQ_INT(1, sn.last_number);  /* a fresh schedule */
    /* the two older ones, created at or after the first emit */
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_recover(ctx, "ep_unknown", 0));
    RH_CHECK_EQ_INT(2, rh_endpoint_recover(ctx, ep, 1700000000000LL));
    RH_CHECK_EQ_INT(0, rh_endpoint_recover(ctx, ep, 1700000000000LL));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(6, sink_count(s));
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__log_queries(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char good[RH_ID_SIZE], bad[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_query *q = NULL;
    rows rs = {{{0}}, 0};
    sink_rule(s, "/bad", 500, 0, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/good", "*", good, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/bad", "*", bad, secret));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    rh_test_now_ms += 5000;
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, rh_test_count_attempts(ctx, NULL));
    rh_query_new(&q);
    rh_query_set_endpoint(q, bad);
    RH_CHECK_EQ_INT(2, rh_test_count_attempts(ctx, q));
    rh_query_set_endpoint(q, good);
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, q));
    rh_query_set_endpoint(q, NULL);
    rh_query_set_failed_only(q, 1);
    RH_CHECK_EQ_INT(2, rh_log_attempts(ctx, q, collect, &rs));
    RH_CHECK_EQ_INT(0, rs.r[0].success);
    /* pages of one, by cursor */
    rh_query_set_failed_only(q, 0);
    rh_query_set_limit(q, 1);
    int64_t cursor = 0;
    int pages = 0;
    for (;;) {
        rh_query_set_cursor(q, cursor);
        rs.n = 0;
        int n = rh_log_attempts(ctx, q, collect, &rs);
        if (n == 0)
            break;
        RH_CHECK_EQ_INT(1, n);
        pages++;
        /* the seq of the record just read is the next cursor */
        cursor++;
    }
    RH_CHECK_EQ_INT(3, pages);
    /* by delivery */
    rh_query_set_limit(q, 0);
    rh_query_set_cursor(q, 0);
    rh_query_set_endpoint(q, bad);
    rh_query_set_state(q, RH_DELIVERY_PENDING);
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    /* a time range excludes the first round */
    rh_query_new(&q);
    rh_query_set_time_range(q, 1700000000001LL, 0);
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, q));
    rh_query_free(q);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__callbacks_cannot_reenter(void)
{
    sink *s = rh_test_sink();
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sn.ctx = ctx;
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/r", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(RH_E_REENTRANT, sn.reentry_rc);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0)); /* fine after */
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__in_flight_caps_and_connection_reuse(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_config_set_max_in_flight(cfg, 4);
    rh_config_set_max_in_flight_per_endpoint(cfg, 2);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    sink_rule(s, "/slow", 200, 100, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/slow", "*", ep, secret));
    for (int i = 0; i < 10; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_tick(ctx));
    RH_CHECK_EQ_INT(2, rh_ctx_in_flight(ctx)); /* the per-endpoint cap */
    RH_CHECK_EQ_INT(0, rh_tick(ctx)); /* the claimed transfers connect */
    RH_CHECK_EQ_INT(2, rh_ctx_in_flight(ctx));
    /* due work held back by the cap does not make the loop spin */
    RH_CHECK(rh_next_timeout_ms(ctx) != 0);
    RH_CHECK_EQ_INT(10, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(10, sink_count(s));
    RH_CHECK(sink_connections(s) <= 2); /* kept alive and reused */
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__removed_endpoint_fails_its_pending(void)
{
    sink *s = rh_test_sink();
    seen sn;
    rh_ctx *ctx = ctx_with_callbacks(&sn, NULL);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/x", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, ep));
    RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_count(s));
    RH_CHECK_EQ_INT(1, sn.failed);
    RH_CHECK_EQ_INT(0, sn.attempts); /* no request, no attempt logged */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(ctx, ep));
    RH_CHECK_EQ_INT(1, rh_endpoint_recover(ctx, ep, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

typedef struct prefix {
    size_t len;
    char head[6];
    char error[64];
} prefix;

static int grab_response(const rh_attempt *at, void *ud)
{
    prefix *p = ud;
    p->len = rh_attempt_response_len(at);
    snprintf(p->head, sizeof p->head, "%s", rh_attempt_response(at));
    snprintf(p->error, sizeof p->error, "%s", rh_attempt_error(at));
    return RH_OK;
}

static void test_delivery__response_prefix_is_logged(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    char *big = malloc(100000);
    memset(big, 'r', 99999);
    big[99999] = '\0';
    memcpy(big, "quota", 5);
    sink_rule(s, "/body", 500, 0, NULL, big, -1);
    free(big);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/body", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    prefix got = {0, "", ""};
    RH_CHECK_EQ_INT(1, rh_log_attempts(ctx, NULL, grab_response, &got));
    RH_CHECK_EQ_INT(65536, got.len); /* a capped prefix of 100,000 bytes */
    RH_CHECK_EQ_STR("quota", got.head);
    RH_CHECK_EQ_STR("", got.error);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static int refuse_attempt(const rh_attempt *at, void *ud)
{
    (void)at;
    (void)ud;
    return RH_E_INVALID_ARG; /* any negative value: ours to hand back */
}

static void test_delivery__log_callback_failure_is_handed_back(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/l", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_log_attempts(ctx, NULL, refuse_attempt, NULL));
    RH_CHECK_EQ_INT(RH_E_USER - 3,
                    rh_log_deliveries(ctx, NULL, stop_delivery, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_delivery__free_with_transfers_in_flight(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_rule(s, "/hold", 200, -1, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/hold", "*", ep, secret));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    for (int i = 0; i < 500 && sink_count(s) < 3; i++) {
        RH_CHECK(rh_tick(ctx) >= 0);
        sink_wait_count(s, 3, 5);
    }
    RH_CHECK_EQ_INT(3, sink_count(s));
    RH_CHECK_EQ_INT(3, rh_ctx_in_flight(ctx));
    rh_ctx_free(ctx); /* aborts them; the sanitizers and valgrind watch */
    sink_stop(s);
}

static unsigned char next_random;
static int fixed_random(unsigned char *buf, size_t len, void *ud)
{
    (void)ud;
    memset(buf, next_random, len);
    return 0;
}

static void test_delivery__jitter_spreads_retries_within_bounds(void)
{
    sink *s = rh_test_sink();
    int64_t lo = 1 << 30, hi = 0;
    sink_rule(s, "/j", 500, 0, NULL, NULL, -1);
    for (int k = 0; k < 8; k++) {
        rh_config *cfg = rh_test_config();
        char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        rh_config_set_retry_jitter_pct(cfg, 20);
        rh_config_set_random(cfg, fixed_random, NULL);
        next_random = (unsigned char)(k * 37 + 1);
        rh_ctx *ctx = rh_test_ctx_from(cfg);
        RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/j", "*", ep, secret));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
        RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
        int64_t next = rh_next_timeout_ms(ctx);
        RH_CHECK(next >= 4000 && next <= 6000); /* 5 s +/- 20 % */
        lo = next < lo ? next : lo;
        hi = next > hi ? next : hi;
        rh_ctx_free(ctx);
    }
    RH_CHECK(hi > lo); /* it does spread */
    sink_stop(s);
}

const rh_test_case rh_tests_delivery[] = {
    {"delivery__jitter_spreads_retries_within_bounds",
     test_delivery__jitter_spreads_retries_within_bounds},
    {"delivery__log_callback_failure_is_handed_back",
     test_delivery__log_callback_failure_is_handed_back},
    {"delivery__free_with_transfers_in_flight",
     test_delivery__free_with_transfers_in_flight},
    {"delivery__request_is_the_wire_contract",
     test_delivery__request_is_the_wire_contract},
    {"delivery__standard_headers_can_be_turned_off",
     test_delivery__standard_headers_can_be_turned_off},
    {"delivery__full_retry_schedule_then_failed",
     test_delivery__full_retry_schedule_then_failed},
    {"delivery__status_classes", test_delivery__status_classes},
    {"delivery__gone_stops_and_disables",
     test_delivery__gone_stops_and_disables},
    {"delivery__retry_after_moves_later_capped",
     test_delivery__retry_after_moves_later_capped},
    {"delivery__timeout_on_a_silent_server",
     test_delivery__timeout_on_a_silent_server},
    {"delivery__connection_refused", test_delivery__connection_refused},
    {"delivery__rotation_sends_both_signatures",
     test_delivery__rotation_sends_both_signatures},
    {"delivery__resend_and_recover", test_delivery__resend_and_recover},
    {"delivery__log_queries", test_delivery__log_queries},
    {"delivery__callbacks_cannot_reenter",
     test_delivery__callbacks_cannot_reenter},
    {"delivery__in_flight_caps_and_connection_reuse",
     test_delivery__in_flight_caps_and_connection_reuse},
    {"delivery__removed_endpoint_fails_its_pending",
     test_delivery__removed_endpoint_fails_its_pending},
    {"delivery__response_prefix_is_logged",
     test_delivery__response_prefix_is_logged},
    {NULL, NULL}};
