/* W3C Trace Context on every backend: an event emitted with a traceparent
 * and tracestate sends them on each attempt of its delivery, the first and
 * the retry, each attempt a span of its own (same trace id and flags, a new
 * span id, never the parent's), and the attempt callback is told which;
 * an event without one sends none; bad values are refused. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/sys/storage.h>

#include <string.h>

#define TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define TS "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"

typedef struct told {
    char tp[4][RH_TRACEPARENT_SIZE];
    char type[4][32];
    int n;
} told;

static void note(const rh_attempt *at, void *ud)
{
    told *t = ud;
    if (t->n < 4) {
        snprintf(t->tp[t->n], sizeof t->tp[t->n], "%s",
                 rh_attempt_traceparent(at));
        snprintf(t->type[t->n++], sizeof t->type[0], "%s",
                 rh_attempt_event_type(at));
    }
}

static int logged_without_trace(const rh_attempt *at, void *ud)
{
    (void)ud;
    return rh_attempt_traceparent(at)[0] ? -1 : RH_OK;
}

/* The traceparent received by the i-th request of type, in out. */
static int received(sink *s, const char *type, int nth, char *tp, char *ts)
{
    for (size_t i = 0, seen = 0; i < sink_count(s); i++) {
        sink_request r;
        if (sink_get(s, i, &r) != 0)
            return -1;
        const char *t = sink_header(&r, "X-Replicer-Event");
        int match = t && strcmp(t, type) == 0 && (int)seen++ == nth;
        if (match) {
            const char *p = sink_header(&r, "traceparent");
            const char *st = sink_header(&r, "tracestate");
            snprintf(tp, RH_TRACEPARENT_SIZE, "%s", p ? p : "");
            snprintf(ts, RH_TRACESTATE_MAX + 1, "%s", st ? st : "");
        }
        sink_request_free(&r);
        if (match)
            return 0;
    }
    return -1;
}

static void every_attempt_carries_the_trace(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], tp[2][RH_TRACEPARENT_SIZE],
        ts[RH_TRACESTATE_MAX + 1], none[RH_TRACEPARENT_SIZE];
    int64_t now_retry[] = {0};
    told t = {{{0}}, {{0}}, 0};
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, now_retry, 1);
    rh_config_set_attempt_cb(cfg, note, &t);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/t", 500, 0, NULL, NULL, 1); /* the first fails */
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/t", "a.*", ep, secret));
    rh_emit_options *o = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_trace_context(o, TP, TS));
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "a.x", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 2, 10000));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.y", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 3, 10000));
    for (int i = 0; i < 20 && t.n < 3; i++) {
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
    for (int i = 0; i < 2; i++) {
        RH_CHECK_EQ_INT(0, received(s, "a.x", i, tp[i], ts));
        /* the emitter's trace id and flags, a span id of the attempt's */
        RH_CHECK_EQ_INT(55, (long long)strlen(tp[i]));
        RH_CHECK(strncmp(tp[i], TP, 36) == 0);
        RH_CHECK(strcmp(tp[i] + 53, "01") == 0);
        RH_CHECK(strncmp(tp[i] + 36, TP + 36, 16) != 0);
        RH_CHECK_EQ_STR(TS, ts);
        RH_CHECK_EQ_STR("a.x", t.type[i]);
        RH_CHECK_EQ_STR(tp[i], t.tp[i]); /* the callback is told which */
    }
    RH_CHECK(strcmp(tp[0], tp[1]) != 0); /* the retry is a span of its own */
    RH_CHECK_EQ_INT(0, received(s, "a.y", 0, none, ts));
    RH_CHECK_EQ_STR("", none);
    RH_CHECK_EQ_INT(3, t.n);
    RH_CHECK_EQ_STR("", t.tp[2]);
    /* the log's rows keep no traceparent */
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    RH_CHECK_EQ_INT(3, rh_log_attempts(ctx, q, logged_without_trace, NULL));
    rh_query_free(q);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void bad_trace_context_is_refused(void)
{
    static const char *const bad[] = {
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", /* case */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",  /* short */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", /* ids */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", /* version */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
        ""};
    char long_state[RH_TRACESTATE_MAX + 2];
    rh_emit_options *o = NULL;
    rh_event *ev = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_emit_options_set_trace_context(o, bad[i], NULL));
    memset(long_state, 'a', sizeof long_state - 1);
    long_state[sizeof long_state - 1] = '\0';
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_trace_context(o, TP, long_state));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_trace_context(o, TP, "a=b\nc=d"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_trace_context(o, NULL, TS));
    long_state[RH_TRACESTATE_MAX] = '\0'; /* 512: the most */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_emit_options_set_trace_context(o, TP, long_state));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_trace_context(o, NULL, NULL));
    rh_emit_options_free(o);
    /* a store's records: set, read back, and cleared */
    RH_CHECK_EQ_INT(RH_OK, rh_event_new(&ev, "evt_1", "a.x", 1, "{}", 2));
    RH_CHECK_EQ_STR("", rh_event_traceparent(ev));
    RH_CHECK_EQ_INT(RH_OK, rh_event_set_trace_context(ev, TP, TS));
    RH_CHECK_EQ_STR(TP, rh_event_traceparent(ev));
    RH_CHECK_EQ_STR(TS, rh_event_tracestate(ev));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_event_set_trace_context(ev, bad[0], NULL));
    RH_CHECK_EQ_STR(TP, rh_event_traceparent(ev)); /* left as it was */
    RH_CHECK_EQ_INT(RH_OK, rh_event_set_trace_context(ev, "", NULL));
    RH_CHECK_EQ_STR("", rh_event_tracestate(ev));
    rh_event_free(ev);
}

/* The tool: emit --traceparent --tracestate, a worker in another process
 * sends them; bad ones are refused by name. */
static void cli_emit_carries_the_trace(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[8192], tp[RH_TRACEPARENT_SIZE],
        ts[RH_TRACESTATE_MAX + 1];
    rh_test_path(path, sizeof path, "cli-trace");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/t", url, sizeof url);
    const char *add[] = {"endpoint", "add",     url,   "--events", "*",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    const char *emit[] = {
        "emit",         "a.x", "{}",      "--traceparent", TP,
        "--tracestate", TS,    "--store", store,           NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    const char *work[] = {"worker",  "--until-idle", "--dev", "--quiet",
                          "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, received(s, "a.x", 0, tp, ts));
    RH_CHECK(strncmp(tp, TP, 36) == 0 && strcmp(tp + 53, "01") == 0);
    RH_CHECK_EQ_STR(TS, ts);
    const char *bad[] = {"emit",      "a.x",     "{}",  "--traceparent",
                         "00-x-y-01", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--traceparent: must be") != NULL);
    const char *alone[] = {"emit", "a.x",     "{}",  "--tracestate",
                           "a=b",  "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(alone, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--tracestate: needs --traceparent") != NULL);
    sink_stop(s);
}

RH_BACKEND_WRAPPERS(every_attempt_carries_the_trace,
                    every_attempt_carries_the_trace)

const rh_test_case rh_tests_trace[] = {
    RH_BACKEND_ROWS("trace", every_attempt_carries_the_trace){
        "trace__bad_trace_context_is_refused", bad_trace_context_is_refused},
    {"trace__cli_emit_carries_the_trace", cli_emit_carries_the_trace},
    {NULL, NULL}};
