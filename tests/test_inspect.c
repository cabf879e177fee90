/* What an attempt sent, rebuilt (rh_attempt_request), on every backend:
 * the body byte for byte as the receiver got it, the headers in the order
 * it got them with the same values, and every secret redacted: the
 * signatures, an API key among the endpoint's own headers, never the
 * endpoint's secret. And log --show, in another process. */
#include "backends.h"
#include "rh_test.h"

#include <string.h>

#define DATA "{\"n\":1,\"name\":\"caf\xc3\xa9\",\"list\":[1, 2]}"

typedef struct got {
    char headers[8192];
    char body[2048];
    size_t body_len;
} got;

static int keep(const char *headers, size_t hlen, const char *body, size_t blen,
                void *ud)
{
    got *g = ud;
    if (hlen >= sizeof g->headers || blen >= sizeof g->body)
        return -42;
    memcpy(g->headers, headers, hlen);
    g->headers[hlen] = '\0';
    memcpy(g->body, body, blen);
    g->body_len = blen;
    return RH_OK;
}

/* A callback that stops: its code is what the call returns. */
static int stop(const char *headers, size_t hlen, const char *body, size_t blen,
                void *ud)
{
    (void)headers, (void)hlen, (void)body, (void)blen, (void)ud;
    return -42;
}

/* The value our rebuilt lines give name, or NULL. */
static const char *value_of(const char *headers, const char *name, char *out,
                            size_t size)
{
    char want[128];
    snprintf(want, sizeof want, "%s: ", name);
    for (const char *p = headers; *p;) {
        const char *end = strstr(p, "\r\n");
        if (!end)
            return NULL;
        if (!strncmp(p, want, strlen(want))) {
            snprintf(out, size, "%.*s", (int)(end - p - strlen(want)),
                     p + strlen(want));
            return out;
        }
        p = end + 2;
    }
    return NULL;
}

static void check_attempt(rh_ctx *ctx, sink *s, size_t i, const char *dlv,
                          const char *secret)
{
    static const char *const same[] = {
        "Content-Type",         "User-Agent",
        "X-Replicer-Event",     "X-Replicer-Delivery-Id",
        "X-Replicer-Timestamp", "webhook-id",
        "webhook-timestamp",    "X-Env"};
    got g;
    sink_request r;
    char v[256];
    RH_CHECK_EQ_INT(RH_OK, rh_attempt_request(ctx, dlv, (int)i + 1, keep, &g));
    RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
    RH_CHECK_EQ_INT((long long)r.body_len, (long long)g.body_len);
    RH_CHECK(memcmp(r.body, g.body, g.body_len) == 0); /* byte for byte */
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        const char *sent = sink_header(&r, same[k]);
        RH_CHECK(sent != NULL);
        RH_CHECK_EQ_STR(sent, value_of(g.headers, same[k], v, sizeof v));
    }
    RH_CHECK_EQ_STR("<redacted>",
                    value_of(g.headers, "X-Replicer-Signature", v, sizeof v));
    RH_CHECK_EQ_STR("<redacted>",
                    value_of(g.headers, "webhook-signature", v, sizeof v));
    RH_CHECK_EQ_STR("<redacted>",
                    value_of(g.headers, "X-Api-Key", v, sizeof v));
    RH_CHECK(strstr(g.headers, "s3cret") == NULL);
    RH_CHECK(strstr(g.headers, secret) == NULL);
    /* in the order sent: each of ours later in the received list */
    size_t at = 0;
    for (const char *p = g.headers; *p; p = strstr(p, "\r\n") + 2) {
        size_t nl = strcspn(p, ":");
        while (at < r.n_headers &&
               (strlen(r.names[at]) != nl || strncasecmp(r.names[at], p, nl)))
            at++;
        RH_CHECK(at < r.n_headers);
    }
    sink_request_free(&r);
}

static void a_request_is_rebuilt(void)
{
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], dlv[RH_ID_SIZE] = "";
    int64_t retry_now[] = {0};
    got g;
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, retry_now, 1);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/i", 500, 0, NULL, NULL, 1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/i", "*", ep, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_set_header(ctx, ep, "X-Api-Key", "s3cret"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(ctx, ep, "X-Env", "prod"));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a.x", DATA, strlen(DATA), NULL, 0));
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 2, 10000));
    for (int i = 0; i < 20; i++) { /* the outcomes stored */
        rh_tick(ctx);
        rh_test_pause(ctx, 5);
    }
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    snprintf(dlv, sizeof dlv, "%s", sink_header(&r, "X-Replicer-Delivery-Id"));
    sink_request_free(&r);
    check_attempt(ctx, s, 0, dlv, secret);
    check_attempt(ctx, s, 1, dlv, secret);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_attempt_request(ctx, dlv, 3, keep, &g));
    RH_CHECK_EQ_INT(-42, rh_attempt_request(ctx, dlv, 1, stop, NULL));
    RH_CHECK_EQ_INT(
        RH_E_NOT_FOUND,
        rh_attempt_request(ctx, "dlv_01M981Y9P7001KSW2NS0MEZ9P3", 1, keep, &g));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_attempt_request(ctx, dlv, 0, keep, &g));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_attempt_request(ctx, "not an id!", 1, keep, &g));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_attempt_request(ctx, dlv, 1, NULL, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* log --show: the body as sent, each attempt, no secret. */
static void log_show_prints_the_request(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[16384], id[64], secret[128];
    rh_test_path(path, sizeof path, "show");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/i", url, sizeof url);
    sink_rule(s, "/i", 500, 0, NULL, NULL, 1);
    const char *add[] = {"endpoint", "add",     url,   "--events", "*",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", id, secret));
    const char *hdr[] = {"endpoint",      "header",  id,    "Authorization",
                         "Bearer s3cret", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(hdr, NULL, out, sizeof out));
    const char *emit[] = {"emit", "a.x", DATA, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    const char *work[] = {"worker",  "--until-idle", "--dev",
                          "--quiet", "--schedule",   "0",
                          "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    char dlv[64], body[2048];
    snprintf(dlv, sizeof dlv, "%s", sink_header(&r, "X-Replicer-Delivery-Id"));
    snprintf(body, sizeof body, "\r\n\r\n%.*s\n", (int)r.body_len, r.body);
    sink_request_free(&r);
    const char *show[] = {"log", "--show", dlv, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "attempt 1 at ") != NULL);
    RH_CHECK(strstr(out, "attempt 2 at ") != NULL);
    RH_CHECK(strstr(out, body) != NULL); /* byte for byte, twice */
    RH_CHECK(strstr(strstr(out, body) + 1, body) != NULL);
    RH_CHECK(strstr(out, "Authorization: <redacted>") != NULL);
    RH_CHECK(strstr(out, "s3cret") == NULL && strstr(out, secret) == NULL);
    const char *none[] = {"log",     "--show", "dlv_01M981Y9P7001KSW2NS0MEZ9P3",
                          "--store", store,    NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(none, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "no attempt 1 of delivery") != NULL);
    sink_stop(s);
}

RH_BACKEND_WRAPPERS(a_request_is_rebuilt, a_request_is_rebuilt)

const rh_test_case rh_tests_inspect[] = {
    RH_BACKEND_ROWS("inspect", a_request_is_rebuilt){
        "inspect__log_show_prints_the_request", log_show_prints_the_request},
    {NULL, NULL}};
