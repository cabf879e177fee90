/* Emit: validation of types and data, the host's data sent byte for byte on
 * every backend, the data size limit, fan-out and wildcards, disabled
 * endpoints, and the pending cap that refuses without losing anything. */
#include "backends.h"
#include "rh_test.h"

#include <stdlib.h>

static void test_emit__rejects_bad_input_and_queues_nothing(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], id[RH_ID_SIZE] = "";
    const char *events[] = {"*"};
    char t129[140];
    memset(t129, 'a', 129);
    t129[129] = '\0';
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    const char *bad_types[] = {"", "call ended", "call.ended\r\nX: y",
                               "call\n", t129, ".call", "call.", "a..b",
                               "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_types / sizeof *bad_types; i++) {
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_emit(ctx, bad_types[i], "{}", 2, id, sizeof id));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "event type") != NULL);
    }
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit(ctx, NULL, "{}", 2, id, sizeof id));
    const char *bad_json[] = {"{", "{\"a\":}", "[1,2]", "42", "\"s\"", "null",
                              "{\"a\":1,\"a\":2}", "{} {}"};
    for (size_t i = 0; i < sizeof bad_json / sizeof *bad_json; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_emit(ctx, "call.ended", bad_json[i],
                                strlen(bad_json[i]), id, sizeof id));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "call.ended", "[1]", 3, id, sizeof id));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "object") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "call.ended", "{", 1, id, sizeof id));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "not valid JSON") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "call.ended", NULL, 0, id, sizeof id));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "call.ended", "{}", 0, id, sizeof id));
    RH_CHECK_EQ_INT(RH_E_BUFFER, rh_emit(ctx, "call.ended", "{}", 2, id, 5));
    RH_CHECK_EQ_INT(RH_ARG_OUTPUT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_STR("", id);
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    rh_ctx_free(ctx);
}

/* Data that a re-serialisation would change: numbers, escapes, key order,
 * whitespace (inside strings and out). Each goes out as the host wrote it,
 * after a round trip through the backend's storage, signed as sent. */
static void emit_data_goes_out_byte_for_byte(void)
{
    static const char *const datas[] = {
        "{\"x\":0.1}",
        "{\"n\":1E2,\"m\":-0,\"big\":12345678901234567890123,"
        "\"tiny\":1e-400,\"f\":1.50}",
        "{\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\/ "
        "\\\"q\\\"\",\"raw\":\"caf\xc3\xa9\"}",
        "{\"z\":1,\"a\":2,\"m\":{\"y\":[3,2,1],\"b\":null}}",
        "{ \"spaced\" : \"  two  spaces\\tand a tab \" ,\n  \"k\": true }",
        "  {\"lead\":\"and trailing whitespace\"}\n",
    };
    const size_t n = sizeof datas / sizeof *datas;
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/bytes", "*", ep, secret));
    for (size_t i = 0; i < n; i++) {
        int rc = rh_emit(ctx, "data.kept", datas[i], strlen(datas[i]), NULL, 0);
        if (rc != 1)
            fprintf(stderr, "    %s: %s\n", datas[i], rh_ctx_last_error(ctx));
        RH_CHECK_EQ_INT(1, rc);
    }
    RH_CHECK_EQ_INT((int)n, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT((int)n, sink_count(s));
    for (size_t i = 0; i < n; i++) {
        sink_request r;
        int found = 0;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        /* the envelope ends with "data": and the host's bytes */
        for (size_t k = 0; k < n; k++) {
            size_t dl = strlen(datas[k]);
            if (r.body_len > dl + 9 &&
                memcmp(r.body + r.body_len - 1 - dl, datas[k], dl) == 0 &&
                memcmp(r.body + r.body_len - 8 - dl, "\"data\":", 7) == 0 &&
                r.body[r.body_len - 1] == '}')
                found = 1;
        }
        if (!found)
            fprintf(stderr, "    body sent: %s\n", r.body);
        RH_CHECK(found);
        RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, secret, -1));
        sink_request_free(&r);
    }
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(data_goes_out_byte_for_byte,
                    emit_data_goes_out_byte_for_byte)

/* Data over the limit is refused with its own code, before it is read;
 * at the limit it is taken. */
static void test_emit__data_size_limit(void)
{
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_max_data_bytes(cfg, 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_max_data_bytes(cfg, ((size_t)1 << 30) + 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_max_data_bytes(NULL, 64));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    const char *events[] = {"*"};
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    /* the default: 1 MiB */
    size_t big = RH_MAX_DATA_BYTES_DEFAULT + 1;
    char *data = malloc(big + 1);
    memset(data, ' ', big);
    data[0] = '{';
    data[big - 1] = '}';
    data[big] = '\0';
    RH_CHECK_EQ_INT(RH_E_TOO_LARGE, rh_emit(ctx, "t", data, big, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "over the limit of 1048576") !=
             NULL);
    RH_CHECK_EQ_STR("data larger than the configured limit",
                    rh_strerror(RH_E_TOO_LARGE));
    data[big - 2] = '}'; /* exactly the limit: taken */
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", data, big - 1, NULL, 0));
    rh_ctx_free(ctx);

    cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_max_data_bytes(cfg, 64));
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_TOO_LARGE, rh_emit(ctx, "t", data, 65, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    free(data);
    rh_ctx_free(ctx);
}

/* Data whose number sits at level `depth`, the object being level 1:
 * {"d":[[1]]} for 4. */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 16);
    size_t n = 0;
    n += (size_t)sprintf(s, "{\"d\":");
    for (int i = 2; i < depth; i++)
        s[n++] = '[';
    s[n++] = '1';
    for (int i = 2; i < depth; i++)
        s[n++] = ']';
    strcpy(s + n, "}");
    return s;
}

/* The data check's verdicts at each edge of RFC 8259 and of the rules emit
 * has always kept (jansson's, before the check stopped building a tree):
 * what is taken is queued, what is refused says why and queues nothing. */
static void test_emit__data_check_verdicts(void)
{
    static const char *const taken[] = {
        " {}\n",
        "{\"a\":-0}",
        "{\"a\":1E+2,\"b\":0.5e-3}",
        "{\"a\":1e-400}",
        "{\"a\":1.7976931348623157e308}",
        "{\"a\":12345678901234567890123456789}",
        "{\"a\":\"\\ud83d\\ude00 \\u00e9 \\/ \\\" \\\\ \\b\\f\\n\\r\\t\"}",
        "{\"a\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"}",
        "{\"\":1,\"a\":{\"a\":{\"a\":2}},\"b\":[{\"a\":1},{\"a\":1}]}",
        "{\"a\":true,\"b\":false,\"c\":null,\"d\":[],\"e\":{}}"};
    static const struct {
        const char *data, *why;
    } refused[] = {
        {"{\"a\":1e400}", "too large for a double"},
        {"{\"a\":-17976931348623159e292}", "too large for a double"},
        {"{\"a\":\"\\u0000\"}", "\\u0000"},
        {"{\"a\":\"\\ud800\"}", "surrogate"},
        {"{\"a\":\"\\udc00x\"}", "surrogate"},
        {"{\"a\":\"\\ud800\\u0041\"}", "surrogate"},
        {"{\"a\":\"\xed\xa0\x80\"}", "UTF-8"},     /* a surrogate */
        {"{\"a\":\"\xc0\xaf\"}", "UTF-8"},         /* overlong '/' */
        {"{\"a\":\"\xf4\x90\x80\x80\"}", "UTF-8"}, /* past U+10FFFF */
        {"{\"a\":\"\xe2\x82\"}", "UTF-8"},         /* cut short */
        {"{\"a\":\"tab\there\"}", "control character"},
        {"{\"a\":\"\\x41\"}", "invalid escape"},
        {"{\"a\":01}", "unexpected character"},
        {"{\"a\":1.}", "invalid number"},
        {"{\"a\":.5}", "invalid token"},
        {"{\"a\":+1}", "invalid token"},
        {"{\"a\":1e}", "invalid number"},
        {"{\"a\":[1,]}", "invalid token"},
        {"{\"a\":tru}", "invalid token"},
        {"{\"a\":1,}", "string expected"},
        {"{\"a\":[1", "premature end"},
        {"{\"a\" 1}", "':' expected"},
        {"{a:1}", "string expected"},
        {"\xef\xbb\xbf{}", "invalid token"}, /* a BOM */
        {"{}\x00", "end of input expected"},
        {"{\"a\":1,\"a\":2}", "duplicate object key \"a\""},
        {"{\"\xc3\xa9\":1,\"\\u00e9\":2}", "duplicate object key"},
        {"{\"k\\/\":1,\"k/\":2}", "duplicate object key"},
        {"{\"a\":[1,2}", "unexpected character"},
        {"{\"a\":1}}", "end of input expected"},
    };
    rh_ctx *ctx = rh_test_ctx_new();
    const char *events[] = {"*"};
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    int queued = 0;
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        int rc = rh_emit(ctx, "t", taken[i], strlen(taken[i]), NULL, 0);
        if (rc != 1)
            fprintf(stderr, "    refused %s: %s\n", taken[i],
                    rh_ctx_last_error(ctx));
        RH_CHECK_EQ_INT(1, rc);
        queued++;
    }
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        const char *d = refused[i].data;
        size_t len = strlen(d) + (strcmp(d, "{}") == 0); /* "{}\0" */
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit(ctx, "t", d, len, NULL, 0));
        if (!strstr(rh_ctx_last_error(ctx), refused[i].why))
            fprintf(stderr, "    %s: %s\n", d, rh_ctx_last_error(ctx));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), refused[i].why) != NULL);
    }
    /* where the error is, for a person */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "t", "{\n \"a\": x}", 11, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "line 2, column 7") != NULL);
    /* nesting: 2,048 levels with the number in the last, and no more */
    char *deep = nested(2048);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", deep, strlen(deep), NULL, 0));
    queued++;
    free(deep);
    deep = nested(2049);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(ctx, "t", deep, strlen(deep), NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "nesting") != NULL);
    free(deep);
    /* many keys: duplicates found among thousands, in any order */
    char *many = malloc(200000);
    size_t n = (size_t)sprintf(many, "{");
    for (int k = 5000; k > 0; k--)
        n += (size_t)sprintf(many + n, "\"key%d\":%d,", k, k);
    n += (size_t)sprintf(many + n, "\"last\":0}");
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", many, n, NULL, 0));
    queued++;
    memcpy(many + n - 8, "key2500\":0}", 11); /* "last" becomes a repeat */
    n += 3;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit(ctx, "t", many, n, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx),
                    "duplicate object key \"key2500\"") != NULL);
    free(many);
    RH_CHECK_EQ_INT(queued, rh_test_count_deliveries(ctx, NULL));
    rh_ctx_free(ctx);
}

static void test_emit__fans_out_to_matching_patterns(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], evt[RH_ID_SIZE] = "";
    char ids[5][RH_ID_SIZE];
    const char *patterns[] = {"*", "call.*", "call.ended", "sms.sent", "call"};
    rh_query *q = NULL;
    for (int i = 0; i < 5; i++) {
        const char *events[] = {patterns[i]};
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/",
                                               events, 1, ids[i], RH_ID_SIZE,
                                               secret, sizeof secret));
    }
    RH_CHECK_EQ_INT(3, rh_emit(ctx, "call.ended", "{\"n\":1}", 7, evt,
                               sizeof evt));
    RH_CHECK(strncmp(evt, "evt_", 4) == 0);
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "call", "{}", 2, id, sizeof id));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "other.thing", "{}", 2, id, sizeof id));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "call.leg.ended", "{}", 2, NULL, 0));
    /* per endpoint: "*" got all 4, "call.*" got call.ended and call.leg.ended */
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    int want[5] = {4, 2, 1, 0, 1};
    for (int i = 0; i < 5; i++) {
        RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(q, ids[i]));
        RH_CHECK_EQ_INT(want[i], rh_test_count_deliveries(ctx, q));
    }
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(q, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event(q, evt));
    RH_CHECK_EQ_INT(3, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    rh_ctx_free(ctx);
}

static int note_delivery(const rh_delivery *dl, void *ud)
{
    const rh_delivery **out = ud;
    *out = rh_delivery_state(dl) == RH_DELIVERY_PENDING ? dl : NULL;
    return RH_OK;
}

static void test_emit__disabled_endpoint_gets_nothing(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char a[RH_ID_SIZE], b[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/a", events,
                                           1, a, sizeof a, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/b", events,
                                           1, b, sizeof b, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, b));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "x", "{}", 2, NULL, 0));
    const rh_delivery *seen = NULL;
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, NULL, note_delivery, &seen));
    RH_CHECK(seen != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(ctx, b));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "x", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_next_timeout_ms(ctx)); /* due now */
    rh_ctx_free(ctx);
}

static void test_emit__no_subscriber_still_gives_an_id(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char evt[RH_ID_SIZE] = "";
    RH_CHECK_EQ_INT(0, rh_emit(ctx, "nobody.listens", "{}", 2, evt, sizeof evt));
    RH_CHECK(strncmp(evt, "evt_", 4) == 0);
    rh_ctx_free(ctx);
}

static void test_emit__pending_cap_refuses_and_loses_nothing(void)
{
    rh_config *cfg = rh_test_config();
    sink *s = rh_test_sink();
    char a[RH_ID_SIZE], b[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    char evt[RH_ID_SIZE] = "";
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_max_pending(cfg, 3));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/a", "*", a, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/b", "*", b, secret));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "one", "{\"n\":1}", 7, NULL, 0));
    /* two more would make four: all or none, so none */
    RH_CHECK_EQ_INT(RH_E_FULL, rh_emit(ctx, "two", "{\"n\":2}", 7, evt,
                                       sizeof evt));
    RH_CHECK_EQ_STR("", evt);
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "queue full") != NULL);
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, NULL));
    /* what was accepted is delivered; then there is room again */
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(2, sink_count(s));
    RH_CHECK_EQ_INT(2, rh_emit(ctx, "two", "{\"n\":2}", 7, NULL, 0));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(4, sink_count(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

const rh_test_case rh_tests_emit[] = {
    {"emit__rejects_bad_input_and_queues_nothing",
     test_emit__rejects_bad_input_and_queues_nothing},
    RH_BACKEND_ROWS("emit", data_goes_out_byte_for_byte){
        "emit__data_size_limit", test_emit__data_size_limit},
    {"emit__data_check_verdicts", test_emit__data_check_verdicts},
    {"emit__fans_out_to_matching_patterns",
     test_emit__fans_out_to_matching_patterns},
    {"emit__disabled_endpoint_gets_nothing",
     test_emit__disabled_endpoint_gets_nothing},
    {"emit__no_subscriber_still_gives_an_id",
     test_emit__no_subscriber_still_gives_an_id},
    {"emit__pending_cap_refuses_and_loses_nothing",
     test_emit__pending_cap_refuses_and_loses_nothing},
    {NULL, NULL}};
