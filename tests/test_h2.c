/* HTTP/2 over real TLS on loopback (an nghttp2 receiver, certificates made
 * at test time): offered only when asked for, transfers to one receiver
 * sharing a connection, an answer followed by a stream reset taken as the
 * success it is, and one endpoint kept on HTTP/1.1. */
#include "h2_sink.h"
#include "rh_test.h"
#include "sink.h"
#include "tls_sink.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct h2_env {
    char dir[64], ca[128], cert[128], key[128];
    h2_sink *sink;
} h2_env;

static int env_start(h2_env *e, h2_sink_mode mode)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/rh-h2-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    snprintf(e->ca, sizeof e->ca, "%s/ca.pem", e->dir);
    snprintf(e->cert, sizeof e->cert, "%s/srv.pem", e->dir);
    snprintf(e->key, sizeof e->key, "%s/srv.key", e->dir);
    if (tls_make_pki(e->dir) != 0)
        return -1;
    return h2_sink_start(&e->sink, e->cert, e->key, mode, 60000);
}

static void env_stop(h2_env *e)
{
    char cmd[160];
    h2_sink_stop(e->sink);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", e->dir);
}

/* A context trusting the test CA, with `version` (an rh_http_version),
 * 64 in flight, and one endpoint on the sink; its id in ep. */
static rh_ctx *h2_ctx(h2_env *e, int version, char ep[RH_ID_SIZE])
{
    rh_config *cfg = rh_test_config();
    char url[64], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_config_set_ca_file(cfg, e->ca);
    rh_config_set_max_in_flight(cfg, 64);
    rh_config_set_max_in_flight_per_endpoint(cfg, 64);
    if (rh_config_set_http_version(cfg, version) != RH_OK)
        return NULL;
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/h2", h2_sink_port(e->sink));
    if (rh_endpoint_add(ctx, url, events, 1, ep, RH_ID_SIZE, secret,
                        sizeof secret) != RH_OK) {
        rh_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Emit n events of `size` bytes of data at once, then deliver them all:
 * the number of attempts the log holds, or -1. */
static int show_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    if (rh_attempt_outcome(at) != RH_OUTCOME_OK)
        fprintf(stderr, "    attempt: outcome %d status %d: %s\n",
                rh_attempt_outcome(at), rh_attempt_status(at),
                rh_attempt_error(at) ? rh_attempt_error(at) : "");
    return 0;
}

static int emit_and_deliver(rh_ctx *ctx, int n, size_t size)
{
    char *data = malloc(size + 1);
    if (!data)
        return -1;
    /* {"x":"xxx...x"}: data is a JSON object */
    memset(data, 'x', size);
    memcpy(data, "{\"x\":\"", 6);
    memcpy(data + size - 2, "\"}", 2);
    int ok = 1;
    for (int i = 0; ok && i < n; i++)
        ok = rh_emit(ctx, "h2.test", data, size, NULL, 0) == 1;
    free(data);
    if (!ok || rh_test_drive(ctx, 20000) < 0)
        return -1;
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_limit(q, 10000);
    int attempts = rh_test_count_attempts(ctx, q);
    rh_log_attempts(ctx, q, show_attempt, NULL); /* prints the failures */
    rh_query_free(q);
    return attempts;
}

/* Deliveries that succeeded (the log's default page is 100). */
static int succeeded(rh_ctx *ctx)
{
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_limit(q, 10000);
    rh_query_set_state(q, RH_DELIVERY_SUCCEEDED);
    int n = rh_test_count_deliveries(ctx, q);
    rh_query_free(q);
    return n;
}

/* With h2 asked for, 64 transfers to one receiver wait for its connection
 * and share it (PIPEWAIT), instead of opening 64: counted at the receiver,
 * which also sees several streams open at once on it. */
static void test_h2__transfers_share_a_connection(void)
{
    h2_env e;
    char ep[RH_ID_SIZE];
    h2_sink_counts c;
    RH_CHECK_EQ_INT(0, env_start(&e, H2_SINK_READ_BODY));
    /* each answer 20 ms after its body: 64 in flight must overlap, and
     * over HTTP/1.1 would need 64 connections */
    h2_sink_delay(e.sink, 20);
    rh_ctx *ctx = h2_ctx(&e, RH_HTTP_VERSION_2, ep);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(200, emit_and_deliver(ctx, 200, 1024));
    RH_CHECK_EQ_INT(200, succeeded(ctx));
    h2_sink_counts_get(e.sink, &c, 0);
    fprintf(stderr,
            "    200 deliveries: %zu connections, %zu streams at once\n",
            c.connections, c.max_streams);
    RH_CHECK_EQ_INT(200, (long long)c.h2_requests);
    RH_CHECK_EQ_INT(0, (long long)c.h1_requests);
    RH_CHECK(c.connections >= 1 && c.connections <= 4);
    RH_CHECK(c.max_streams > 8);
    rh_ctx_free(ctx);
    env_stop(&e);
}

/* A receiver that answers 204 as soon as a request's headers are in, then
 * resets the stream with NO_ERROR while our body is still going out (what
 * nginx does): libcurl 7.88 reports a stream error, yet the receiver has
 * the delivery. Each is one successful attempt, never sent again. */
static void test_h2__answer_then_reset_is_one_success(void)
{
    h2_env e;
    char ep[RH_ID_SIZE];
    h2_sink_counts c;
    RH_CHECK_EQ_INT(0, env_start(&e, H2_SINK_ANSWER_EARLY));
    rh_ctx *ctx = h2_ctx(&e, RH_HTTP_VERSION_2, ep);
    RH_CHECK(ctx != NULL);
    /* 1 KB each. From about 2 KB on, libcurl 7.88 is still sending when the
     * reset comes, fails the send and drops the answer it has not read:
     * the delivery is sent again (why h2 is not the default) */
    RH_CHECK_EQ_INT(40, emit_and_deliver(ctx, 40, 1024));
    RH_CHECK_EQ_INT(40, succeeded(ctx));
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_failed_only(q, 1);
    RH_CHECK_EQ_INT(0, rh_test_count_attempts(ctx, q));
    rh_query_free(q);
    h2_sink_counts_get(e.sink, &c, 0);
    RH_CHECK_EQ_INT(40, (long long)c.h2_requests);
    RH_CHECK(c.h2_connections >= 1);
    rh_ctx_free(ctx);
    env_stop(&e);
}

/* The default offers no h2; h2 on the context with one endpoint set to
 * HTTP/1.1 keeps that endpoint on HTTP/1.1; bad versions are refused. */
static void test_h2__http11_by_default_and_per_endpoint(void)
{
    h2_env e;
    char ep[RH_ID_SIZE];
    h2_sink_counts c;
    RH_CHECK_EQ_INT(0, env_start(&e, H2_SINK_READ_BODY));
    rh_ctx *ctx = h2_ctx(&e, RH_HTTP_VERSION_DEFAULT, ep);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(3, emit_and_deliver(ctx, 3, 100));
    rh_ctx_free(ctx);
    h2_sink_counts_get(e.sink, &c, 1);
    RH_CHECK_EQ_INT(0, (long long)c.offered_h2);
    RH_CHECK_EQ_INT(3, (long long)c.h1_requests);

    ctx = h2_ctx(&e, RH_HTTP_VERSION_2, ep);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_set_http_version(ctx, ep, RH_HTTP_VERSION_1_1));
    const rh_endpoint *got = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &got));
    RH_CHECK_EQ_INT(RH_HTTP_VERSION_1_1, rh_endpoint_http_version(got));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_http_version(ctx, ep, 3));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_http_version(ctx, ep, -1));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "http version") != NULL);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_set_http_version(ctx, "ep_nope", 1));
    RH_CHECK_EQ_INT(2, emit_and_deliver(ctx, 2, 100));
    h2_sink_counts_get(e.sink, &c, 1);
    RH_CHECK_EQ_INT(0, (long long)c.offered_h2);
    RH_CHECK_EQ_INT(2, (long long)c.h1_requests);
    /* back to the context's, h2: for new connections (the HTTP/1.1 one
     * open to this receiver is still reused) */
    RH_CHECK_EQ_INT(
        RH_OK, rh_endpoint_set_http_version(ctx, ep, RH_HTTP_VERSION_DEFAULT));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &got));
    RH_CHECK_EQ_INT(RH_HTTP_VERSION_DEFAULT, rh_endpoint_http_version(got));
    rh_ctx_free(ctx);

    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_http_version(cfg, 3));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_http_version(cfg, -1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_http_version(NULL, 1));
    rh_config_free(cfg);
    env_stop(&e);
}

/* A dead receiver beside a healthy one, both over h2: the dead one takes
 * connections and never answers (nor finishes a handshake), the healthy
 * one's deliveries all go meanwhile, long before the dead ones time out. */
static void test_h2__dead_receiver_beside_a_healthy_one(void)
{
    h2_env e;
    char ep[RH_ID_SIZE], url[64], dead_ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    h2_sink_counts c;
    int dead_port = 0;
    RH_CHECK_EQ_INT(0, env_start(&e, H2_SINK_READ_BODY));
    int dead = sink_listen(NULL, 0, 64, 0, &dead_port); /* never accepts */
    RH_CHECK(dead >= 0);
    rh_ctx *ctx = h2_ctx(&e, RH_HTTP_VERSION_2, ep);
    RH_CHECK(ctx != NULL);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/dead", dead_port);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, url, events, 1, dead_ep,
                                    sizeof dead_ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_timeout_ms(ctx, dead_ep, 20000));
    for (int i = 0; i < 20; i++)
        RH_CHECK_EQ_INT(2, rh_emit(ctx, "h2.test", "{}", 2, NULL, 0));
    int64_t t0 = rh_test_mono_ms();
    do {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 10);
        h2_sink_counts_get(e.sink, &c, 0);
    } while (c.h2_requests < 20 && rh_test_mono_ms() - t0 < 15000);
    int64_t took = rh_test_mono_ms() - t0;
    fprintf(stderr, "    20 healthy deliveries in %lld ms beside a dead one\n",
            (long long)took);
    RH_CHECK_EQ_INT(20, (long long)c.h2_requests);
    RH_CHECK(took < 15000);
    RH_CHECK(rh_ctx_in_flight(ctx) >= 1); /* the dead one's still hang */
    rh_ctx_free(ctx);
    close(dead);
    env_stop(&e);
}

const rh_test_case rh_tests_h2[] = {
    {"h2__dead_receiver_beside_a_healthy_one",
     test_h2__dead_receiver_beside_a_healthy_one},
    {"h2__transfers_share_a_connection", test_h2__transfers_share_a_connection},
    {"h2__answer_then_reset_is_one_success",
     test_h2__answer_then_reset_is_one_success},
    {"h2__http11_by_default_and_per_endpoint",
     test_h2__http11_by_default_and_per_endpoint},
    {NULL, NULL}};
