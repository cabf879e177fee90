/* Endpoints: URL and pattern validation, the generated secret, get/list,
 * disable/enable/remove (also of 100,000) and secret rotation. */
#include "rh_test.h"
#include "rh_internal.h"

#include <stdlib.h>

static int count_ep(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

static void test_endpoint__rejects_bad_urls(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    const char *events[] = {"call.ended"};
    const char *bad[] = {"ftp://127.0.0.1:9/h", "",        "127.0.0.1/h",
                         "http://",             "http://user:pw@127.0.0.1/",
                         "http://127.0.0.1/a b", "http://127.0.0.1/\r\nX: y",
                         "gopher://127.0.0.1/", "file:///etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_add(ctx, bad[i], events, 1, id, sizeof id,
                                        secret, sizeof secret));
        RH_CHECK_EQ_STR("", id); /* outputs untouched on failure */
        RH_CHECK_EQ_STR("", secret);
        RH_CHECK(rh_ctx_last_error(ctx)[0] != '\0');
    }
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, "ftp://127.0.0.1:9/h", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "scheme") != NULL);
    /* a zone id names an interface of the sender, even in development */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, "http://[fe80::1%25lo]:9/h", events,
                                    1, id, sizeof id, secret, sizeof secret));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "zone id") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, NULL, events, 1, id, sizeof id,
                                    secret, sizeof secret));
    /* an over-long URL */
    char longurl[RH_URL_MAX + 64] = "http://127.0.0.1/";
    memset(longurl + strlen(longurl), 'a', RH_URL_MAX);
    longurl[RH_URL_MAX + 10] = '\0';
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, longurl, events, 1, id, sizeof id,
                                    secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_list(ctx, NULL, NULL));
    /* each refused with an error that names the problem */
    static const struct {
        const char *url, *why;
    } named[] = {{"http:///in", "empty host"},
                 {"https:///", "empty host"},
                 {"http://?x", "empty host"},
                 {"http:/3", "scheme and \"://\""},
                 {"http:/127.0.0.1/x://y", "scheme and \"://\""},
                 {"://127.0.0.1/", "scheme and \"://\""},
                 {"127.0.0.1:8080/in", "scheme and \"://\""},
                 {"http://127.0.0.1:0/", "port must be 1 to 65535"},
                 {"http://127.0.0.1:00000/in", "port must be 1 to 65535"}};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_add(ctx, named[i].url, events, 1, id,
                                        sizeof id, secret, sizeof secret));
        if (!strstr(rh_ctx_last_error(ctx), named[i].why))
            fprintf(stderr, "    %s: %s\n", named[i].url,
                    rh_ctx_last_error(ctx));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), named[i].why) != NULL);
    }
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    int listed = 0;
    RH_CHECK_EQ_INT(0, rh_endpoint_list(ctx, count_ep, &listed));
    RH_CHECK_EQ_INT(0, listed);
    rh_ctx_free(ctx);
}

static void test_endpoint__rejects_bad_patterns_and_buffers(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    char t129[140];
    memset(t129, 'a', 129);
    t129[129] = '\0';
    const char *bad[] = {"",      "call ended", "call.ended\r\n", "call..x",
                         ".call", "call.",      "ca*",           "*.x",
                         "call.**", t129};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *events[] = {"ok.type", bad[i]};
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events, 2,
                                        id, sizeof id, secret, sizeof secret));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "events[1]") != NULL);
    }
    const char *events[] = {"call.ended"};
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events, 0, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/h", NULL, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_BUFFER,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events, 1, id,
                                    8, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_BUFFER,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events, 1, id,
                                    sizeof id, secret, 20));
    RH_CHECK_EQ_STR("", id);
    int n = 0;
    RH_CHECK_EQ_INT(0, rh_endpoint_list(ctx, count_ep, &n));
    RH_CHECK_EQ_INT(0, n); /* nothing was registered */
    rh_ctx_free(ctx);
}

static void test_endpoint__add_generates_a_standard_secret(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    const char *events[] = {"call.*", "sms.sent"};
    unsigned char key[RH_KEY_MAX];
    size_t keylen = 0;
    const rh_endpoint *ep = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events,
                                           2, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK(strncmp(id, "ep_", 3) == 0);
    RH_CHECK_EQ_INT(3 + 26, strlen(id));
    RH_CHECK(strncmp(secret, "whsec_", 6) == 0);
    RH_CHECK_EQ_INT(6 + 44, strlen(secret));
    RH_CHECK_EQ_INT(RH_OK, rh__secret_decode(secret, key, &keylen));
    RH_CHECK_EQ_INT(32, keylen);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_STR(id, rh_endpoint_id(ep));
    RH_CHECK_EQ_STR("http://127.0.0.1:9/h", rh_endpoint_url(ep));
    RH_CHECK_EQ_INT(2, rh_endpoint_event_count(ep));
    RH_CHECK_EQ_STR("sms.sent", rh_endpoint_event(ep, 1));
    RH_CHECK(rh_endpoint_event(ep, 2) == NULL);
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep));
    RH_CHECK_EQ_INT(rh_test_now_ms, rh_endpoint_created_ms(ep));
    /* two endpoints never share a secret or an id */
    char id2[RH_ID_SIZE], secret2[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events,
                                           2, id2, sizeof id2, secret2,
                                           sizeof secret2));
    RH_CHECK(strcmp(id, id2) < 0); /* ids sort by creation */
    RH_CHECK(strcmp(secret, secret2) != 0);
    rh_ctx_free(ctx);
}

static void test_endpoint__add_with_secret(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE] = "";
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add_with_secret(ctx, "http://127.0.0.1:9/",
                                                events, 1, "whsec_short", id,
                                                sizeof id));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "whsec_") != NULL);
    RH_CHECK_EQ_STR("", id);
    /* a copied newline or a space inside: refused, by name */
    static const char *const spaced[] = {
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\r\n",
        "whsec_MfKQ9r8GKYqr TwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjU\tPD8ILPZIo2LaLaSw",
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
    for (size_t i = 0; i < sizeof spaced / sizeof *spaced; i++) {
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_add_with_secret(ctx, "http://127.0.0.1:9/",
                                                    events, 1, spaced[i], id,
                                                    sizeof id));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "whitespace") != NULL);
    }
    /* and sign refuses them too, as every other verifier would */
    char sig[RH_SIGNATURE_SIZE];
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sign(spaced[0], "msg_1", 1614265330,
                                              "{}", 2, sig, sizeof sig));
    RH_CHECK_EQ_STR("", id);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add_with_secret(
                               ctx, "http://127.0.0.1:9/", events, 1,
                               "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id,
                               sizeof id));
    RH_CHECK(strncmp(id, "ep_", 3) == 0);
    rh_ctx_free(ctx);
}

static void test_endpoint__disable_enable_remove(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    const rh_endpoint *ep = NULL;
    int n = 0;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, id));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(ep));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(ctx, id));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_remove(ctx, id));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_remove(ctx, id));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_disable(ctx, "ep_nope"));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_enable(ctx, "ep_nope"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_disable(ctx, ""));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_enable(ctx, NULL));
    RH_CHECK_EQ_INT(0, rh_endpoint_list(ctx, count_ep, &n));
    rh_ctx_free(ctx);
}

static int stop_at_first(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (void)ud;
    return RH_E_USER - 7;
}

static int list_reenters(const rh_endpoint *ep, void *ud)
{
    rh_ctx *ctx = ud;
    return rh_endpoint_disable(ctx, rh_endpoint_id(ep));
}

static void test_endpoint__list_visits_in_order_and_stops(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    int n = 0;
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/",
                                               events, 1, id, sizeof id,
                                               secret, sizeof secret));
    RH_CHECK_EQ_INT(3, rh_endpoint_list(ctx, count_ep, &n));
    RH_CHECK_EQ_INT(3, n);
    RH_CHECK_EQ_INT(RH_E_USER - 7, rh_endpoint_list(ctx, stop_at_first, NULL));
    /* the callback may not call back into the context */
    RH_CHECK_EQ_INT(RH_E_REENTRANT, rh_endpoint_list(ctx, list_reenters, ctx));
    const rh_endpoint *ep;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep));
    rh_ctx_free(ctx);
}

typedef struct ep_walk {
    char (*ids)[RH_ID_SIZE]; /* in the order added */
    int next, step;          /* the index expected next, and between */
    int breaks;              /* endpoints not the one expected */
} ep_walk;

static int walk_in_order(const rh_endpoint *ep, void *ud)
{
    ep_walk *w = ud;
    w->breaks += strcmp(rh_endpoint_id(ep), w->ids[w->next]) != 0;
    w->next += w->step;
    return RH_OK;
}

/* 100,000 endpoints (10,000 under valgrind) on the memory store: each found
 * by id, some disabled (a state save), every other one removed and the
 * rest still found, listed oldest first, and all of it again after a
 * reload. The store scanned its records on every save; the context rebuilt
 * its whole index for the lookup after each removal, and a reload compared
 * every id with every old one. */
static void test_endpoint__many_by_id(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    int n = getenv("RH_TEST_VALGRIND") ? 10000 : 100000, failed = 0;
    char(*ids)[RH_ID_SIZE] = malloc((size_t)n * RH_ID_SIZE);
    char secret[RH_SECRET_SIZE];
    const char *events[] = {"a.b"};
    const rh_endpoint *ep;
    RH_CHECK(ids != NULL);
    for (int i = 0; i < n; i++)
        failed += rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ids[i],
                                  RH_ID_SIZE, secret, sizeof secret) != RH_OK;
    for (int i = 1; i < n; i += 100)
        failed += rh_endpoint_disable(ctx, ids[i]) != RH_OK;
    for (int i = 0; i < n; i += 2)
        failed += rh_endpoint_remove(ctx, ids[i]) != RH_OK;
    RH_CHECK_EQ_INT(0, failed);
    for (int round = 0; round < 2; round++) {
        if (round) /* as read back from the store */
            RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx));
        ep_walk w = {ids, 1, 2, 0};
        RH_CHECK_EQ_INT(n / 2, rh_endpoint_list(ctx, walk_in_order, &w));
        RH_CHECK_EQ_INT(0, w.breaks);
        for (int i = 0; i < n; i++) {
            int rc = rh_endpoint_get(ctx, ids[i], &ep);
            failed += rc != (i % 2 ? RH_OK : RH_E_NOT_FOUND);
            failed += rc == RH_OK && rh_endpoint_enabled(ep) != (i % 100 != 1);
        }
        RH_CHECK_EQ_INT(0, failed);
    }
    free(ids);
    rh_ctx_free(ctx);
}

static void test_endpoint__rotate_secret(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], fresh[RH_SECRET_SIZE] = "";
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_rotate_secret(ctx, "ep_nope", 0, fresh,
                                              sizeof fresh));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_rotate_secret(ctx, id, -1, fresh,
                                              sizeof fresh));
    RH_CHECK_EQ_INT(RH_E_BUFFER,
                    rh_endpoint_rotate_secret(ctx, id, 0, fresh, 10));
    RH_CHECK_EQ_STR("", fresh);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_rotate_secret(ctx, id, 60000, fresh,
                                                     sizeof fresh));
    RH_CHECK(strncmp(fresh, "whsec_", 6) == 0);
    RH_CHECK(strcmp(fresh, secret) != 0);
    rh_ctx_free(ctx);
}

/* A program learns which argument was refused, and why, from codes: the
 * CLI and the dashboard point at their own flag or field with them. */
static void test_endpoint__refusals_name_the_argument(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_mode(cfg, RH_MODE_PRODUCTION);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    const char *events[] = {"a.b"}, *bad_events[] = {"a b"};
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], evt[RH_ID_SIZE];
    struct {
        const char *url;
        const char *const *events;
        int arg, refusal;
    } cases[] = {
        {"http://example.com/h", events, RH_ARG_URL,
         RH_REFUSAL_INSECURE_SCHEME},
        {"https://127.0.0.1/h", events, RH_ARG_URL, RH_REFUSAL_PRIVATE_ADDRESS},
        {"https://10.1.2.3/h", events, RH_ARG_URL, RH_REFUSAL_PRIVATE_ADDRESS},
        {"ftp://example.com/", events, RH_ARG_URL, RH_REFUSAL_MALFORMED},
        {"https://example.com/h", bad_events, RH_ARG_EVENTS,
         RH_REFUSAL_MALFORMED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_add(ctx, cases[i].url, cases[i].events, 1,
                                        id, sizeof id, secret, sizeof secret));
        RH_CHECK_EQ_INT(cases[i].arg, rh_ctx_last_error_arg(ctx));
        RH_CHECK_EQ_INT(cases[i].refusal, rh_ctx_last_error_refusal(ctx));
    }
    RH_CHECK_EQ_INT(RH_E_BUFFER,
                    rh_endpoint_add(ctx, "https://example.com/h", events, 1, id,
                                    sizeof id, secret, 10));
    RH_CHECK_EQ_INT(RH_ARG_OUTPUT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_add_with_secret(
                                          ctx, "https://example.com/h", events,
                                          1, "whsec_nope", id, sizeof id));
    RH_CHECK_EQ_INT(RH_ARG_SECRET, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "https://example.com/h", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    /* a success clears them */
    RH_CHECK_EQ_INT(RH_ARG_NONE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "a b", "{}", 2, evt, sizeof evt));
    RH_CHECK_EQ_INT(RH_ARG_EVENT_TYPE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "a.b", "[1]", 3, evt, sizeof evt));
    RH_CHECK_EQ_INT(RH_ARG_DATA, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_MALFORMED, rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_disable(ctx, "ep_nobody"));
    RH_CHECK_EQ_INT(RH_ARG_ENDPOINT_ID, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_UNKNOWN_ID, rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_header(ctx, id, "Bad Name", "v"));
    RH_CHECK_EQ_INT(RH_ARG_HEADER_NAME, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_header(ctx, id, "X-Key", "a\r\nb"));
    RH_CHECK_EQ_INT(RH_ARG_HEADER_VALUE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_timeout_ms(ctx, id, -5));
    RH_CHECK_EQ_INT(RH_ARG_VALUE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_client_cert(ctx, id, "nope", "nope"));
    RH_CHECK_EQ_INT(RH_ARG_CLIENT_CERT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_delivery_resend(ctx, "dl_00000000000000000000000000"));
    RH_CHECK_EQ_INT(RH_ARG_DELIVERY_ID, rh_ctx_last_error_arg(ctx));
    /* names for every value, NULL past the last */
    for (int a = 0; a < RH_ARG_COUNT; a++)
        RH_CHECK(rh_arg_name(a) != NULL);
    RH_CHECK(rh_arg_name(RH_ARG_COUNT) == NULL && rh_arg_name(-1) == NULL);
    RH_CHECK_EQ_STR("private_address",
                    rh_refusal_name(RH_REFUSAL_PRIVATE_ADDRESS));
    RH_CHECK(rh_refusal_name(RH_REFUSAL_COUNT) == NULL);
    RH_CHECK_EQ_INT(RH_ARG_NONE, rh_ctx_last_error_arg(NULL));
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_endpoint[] = {
    {"endpoint__refusals_name_the_argument",
     test_endpoint__refusals_name_the_argument},
    {"endpoint__rejects_bad_urls", test_endpoint__rejects_bad_urls},
    {"endpoint__rejects_bad_patterns_and_buffers",
     test_endpoint__rejects_bad_patterns_and_buffers},
    {"endpoint__add_generates_a_standard_secret",
     test_endpoint__add_generates_a_standard_secret},
    {"endpoint__add_with_secret", test_endpoint__add_with_secret},
    {"endpoint__disable_enable_remove", test_endpoint__disable_enable_remove},
    {"endpoint__list_visits_in_order_and_stops",
     test_endpoint__list_visits_in_order_and_stops},
    {"endpoint__many_by_id", test_endpoint__many_by_id},
    {"endpoint__rotate_secret", test_endpoint__rotate_secret},
    {NULL, NULL}};
