/* Safe by default: the address guard (at registration and on every dialled
 * socket), the allowlist, rebinding, proxies from the environment, header
 * injection, huge bodies and header floods, and sealed secrets. Loopback
 * only: a receiver on 127.0.0.1 that counts connections proves the guard. */
#include "backends.h"
#include "rh_test.h"
#include "rh_internal.h"

#include <replicer-hooks/rh_sqlite.h>
#include <sqlite3.h>

#include <stdlib.h>

static rh_config *production(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_mode(cfg, RH_MODE_PRODUCTION);
    return cfg;
}

static int last_outcome, attempts_seen, failed_seen;
static char last_error[256];
static void note(const rh_attempt *at, void *ud)
{
    (void)ud;
    attempts_seen++;
    last_outcome = rh_attempt_outcome(at);
    snprintf(last_error, sizeof last_error, "%s", rh_attempt_error(at));
}
static void note_failed(const rh_delivery *dl, void *ud)
{
    (void)dl;
    (void)ud;
    failed_seen++;
}

static rh_ctx *watched(rh_config *cfg)
{
    attempts_seen = failed_seen = 0;
    last_outcome = -1;
    last_error[0] = '\0';
    rh_config_set_attempt_cb(cfg, note, NULL);
    rh_config_set_failed_cb(cfg, note_failed, NULL);
    return rh_test_ctx_from(cfg);
}

static void test_guard__ip_literals_are_refused_at_registration(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_from(production());
    int p = sink_port(s);
    const char *forms[] = {
        "https://127.0.0.1:%d/", "https://127.1:%d/", "https://2130706433:%d/",
        "https://0x7f.1:%d/", "https://[::1]:%d/",
        "https://[::ffff:127.0.0.1]:%d/",
        "https://[0:0:0:0:0:ffff:127.0.0.1]:%d/", "https://localhost:%d/",
        "https://api.localhost:%d/", "https://169.254.169.254:%d/latest",
        "https://[::ffff:10.0.0.1]:%d/", "https://[64:ff9b::7f00:1]:%d/",
        "https://[2002:7f00:1::]:%d/", "https://[fe80::1]:%d/",
        "https://10.1.2.3:%d/", "https://192.168.0.1:%d/",
        "https://100.64.0.1:%d/", "https://0.0.0.0:%d/", "https://[::]:%d/",
        "https://[fd00::1]:%d/",
        /* a trailing dot names the same host */
        "https://127.0.0.1.:%d/", "https://192.168.1.1.:%d/",
        "https://localhost.:%d/", "https://api.localhost.:%d/",
        "https://127.1.:%d/", "https://LOCALHOST..:%d/",
        /* leading zeros the resolver ignores, past any buffer's length */
        "https://10.00000000000000000000000000000000000000000000000000000000"
        "00000000000000000001.:%d/",
        "https://0x00000000000000000000000000000000000000000000000000000000"
        "0000000000000000007f.1:%d/",
        "https://00000000000000000000000000000000000000000000000000000000000"
        "0000000000000000177.0.0.1:%d/"};
    const char *events[] = {"*"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char url[256], id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE];
        snprintf(url, sizeof url, forms[i], p);
        int rc = rh_endpoint_add(ctx, url, events, 1, id, sizeof id, secret,
                                 sizeof secret);
        if (rc != RH_E_INVALID_ARG)
            fprintf(stderr, "    accepted: %s\n", url);
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rc);
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "production") != NULL);
    }
    /* a public address literal is fine (never dialled here) */
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "https://93.184.216.34/h",
                                           events, 1, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(0, sink_connections(s));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* A name that resolves (through the test resolver) to a refused address:
 * the guard judges the socket libcurl is about to open. */
static void test_guard__names_resolving_privately_are_blocked_at_dial(void)
{
    sink *s = rh_test_sink();
    const char *targets[] = {"127.0.0.1", "169.254.169.254",
                             "[::ffff:10.0.0.1]", "[::1]"};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        rh_ctx *ctx = watched(production());
        char url[128], entry[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        const char *events[] = {"*"};
        snprintf(url, sizeof url, "https://hooks.example.test:%d/in",
                 sink_port(s));
        snprintf(entry, sizeof entry, "hooks.example.test:%d:%s",
                 sink_port(s), targets[i]);
        RH_CHECK_EQ_INT(RH_OK, rh__http_test_resolve(ctx->http, entry));
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep,
                                               sizeof ep, secret,
                                               sizeof secret));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
        RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
        RH_CHECK_EQ_INT(RH_OUTCOME_BLOCKED, last_outcome);
        RH_CHECK(strstr(last_error, "blocked") != NULL);
        /* refused for good, not retried */
        RH_CHECK_EQ_INT(1, failed_seen);
        RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
        rh_ctx_free(ctx);
    }
    RH_CHECK_EQ_INT(0, sink_connections(s));
    sink_stop(s);
}

/* 127.0.0.2 plays a public host (allowlisted); 127.0.0.1 is internal. */
static void test_guard__allowlist_and_rebinding(void)
{
    sink *public_host = NULL, *internal = NULL;
    RH_CHECK_EQ_INT(0, sink_start_at(&public_host, "127.0.0.2", 0, 60000));
    int p = sink_port(public_host);
    if (sink_start_at(&internal, "127.0.0.1", p, 60000) != 0) {
        sink_stop(public_host); /* the port is taken on 127.0.0.1: rare */
        RH_CHECK(!"no free port pair");
    }
    rh_config *cfg = production();
    rh_config_allow_cidr(cfg, "127.0.0.2/32");
    /* the public host is a plain HTTP sink: a TLS client waits on it */
    rh_config_set_timeout_ms(cfg, 300);
    rh_ctx *ctx = watched(cfg);
    char url[128], entry[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    /* the allowlisted literal registers and is dialled; 127.0.0.1 is not */
    snprintf(url, sizeof url, "https://127.0.0.2:%d/", p);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_remove(ctx, ep));
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", p);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                    secret, sizeof secret));
    /* a rebinding name: the allowed address first ... */
    snprintf(url, sizeof url, "https://rebind.example.test:%d/", p);
    snprintf(entry, sizeof entry, "rebind.example.test:%d:127.0.0.2", p);
    RH_CHECK_EQ_INT(RH_OK, rh__http_test_resolve(ctx->http, entry));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    /* dialled (the TLS handshake then goes nowhere: it is no TLS server) */
    RH_CHECK_EQ_INT(1, sink_connections(public_host));
    RH_CHECK(last_outcome != RH_OUTCOME_BLOCKED && last_outcome >= 0);
    /* ... then loopback: the retry is judged again and refused */
    snprintf(entry, sizeof entry, "-rebind.example.test:%d", p);
    RH_CHECK_EQ_INT(RH_OK, rh__http_test_resolve(ctx->http, entry));
    snprintf(entry, sizeof entry, "rebind.example.test:%d:127.0.0.1", p);
    RH_CHECK_EQ_INT(RH_OK, rh__http_test_resolve(ctx->http, entry));
    rh_test_now_ms += 5000;
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(RH_OUTCOME_BLOCKED, last_outcome);
    RH_CHECK_EQ_INT(0, sink_connections(internal));
    RH_CHECK_EQ_INT(1, sink_connections(public_host));
    rh_ctx_free(ctx);
    sink_stop(internal);
    sink_stop(public_host);
}

static void test_guard__proxy_only_from_configuration(void)
{
    sink *target = rh_test_sink(), *proxy = rh_test_sink();
    char proxy_url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    sink_url(proxy, "", proxy_url, sizeof proxy_url);
    const char *vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                          "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        setenv(vars[i], proxy_url, 1);
    rh_ctx *ctx = rh_test_ctx_new();
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, target, "/direct", "*", ep,
                                            secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    rh_ctx_free(ctx);
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    RH_CHECK_EQ_INT(1, sink_count(target));
    RH_CHECK_EQ_INT(0, sink_connections(proxy)); /* the environment: ignored */
    /* an explicit proxy is used */
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_proxy(cfg, ""));
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_proxy(cfg, proxy_url));
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, target, "/via", "*", ep,
                                            secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(1, sink_count(proxy));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(proxy, 0, &r));
    RH_CHECK(strstr(r.path, "/via") != NULL); /* absolute-form, for /via */
    sink_request_free(&r);
    RH_CHECK_EQ_INT(1, sink_count(target));
    sink_stop(proxy);
    sink_stop(target);
}

static void test_guard__custom_headers_cannot_inject(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_ctx_new();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const rh_endpoint *e = NULL;
    sink_request r;
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/h", "*", ep, secret));
    const char *bad_names[] = {"",          "X Key",        "X-Key:",
                               "X-Key\r\nY", "Host",         "content-length",
                               "Content-Type", "Transfer-Encoding",
                               "Connection", "User-Agent",   "X-Replicer-Event",
                               "webhook-signature", "x-replicer-anything"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_set_header(ctx, ep, bad_names[i], "v"));
    const char *bad_values[] = {"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x01"};
    for (size_t i = 0; i < sizeof bad_values / sizeof *bad_values; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_set_header(ctx, ep, "X-Key",
                                               bad_values[i]));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_set_header(ctx, ep, "X-Key", NULL));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_endpoint_set_header(ctx, "ep_none", "X-Key", "v"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(ctx, ep, "X-Api-Key",
                                                  "k1\twith tab"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(ctx, ep, "Authorization",
                                                  "Bearer abc"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(ctx, ep, "x-api-key", "k2"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    RH_CHECK_EQ_INT(2, rh_endpoint_header_count(e));
    RH_CHECK_EQ_STR("k2", rh_endpoint_header_value(e, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_STR("k2", sink_header(&r, "X-Api-Key"));
    RH_CHECK_EQ_STR("Bearer abc", sink_header(&r, "Authorization"));
    RH_CHECK(sink_header(&r, "X-Evil") == NULL);
    sink_request_free(&r);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(ctx, ep, "Authorization",
                                                  NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    RH_CHECK_EQ_INT(1, rh_endpoint_header_count(e));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_guard__huge_bodies_and_header_floods(void)
{
    sink *s = rh_test_sink();
    size_t big = 50u * 1024 * 1024;
    char *body = malloc(big + 1);
    memset(body, 'z', big);
    body[big] = '\0';
    sink_rule(s, "/huge-ok", 200, 0, NULL, body, -1);
    sink_rule(s, "/huge-err", 500, 0, NULL, body, -1);
    free(body);
    /* 2,000 headers of 100 bytes each: a flood */
    size_t fl = 2000 * 100;
    char *flood = malloc(fl + 1), *p = flood;
    for (int i = 0; i < 2000; i++)
        p += snprintf(p, 101, "X-Flood-%04d: %080d\r\n", i, 0);
    sink_rule(s, "/flood", 200, 0, flood, NULL, -1);
    free(flood);
    struct {
        const char *path;
        int outcome, success;
    } cases[] = {{"/huge-ok", RH_OUTCOME_OK, 1},
                 {"/huge-err", RH_OUTCOME_HTTP_STATUS, 0},
                 {"/flood", RH_OUTCOME_TOO_LARGE, 0}};
    for (size_t i = 0; i < 3; i++) {
        rh_ctx *ctx = watched(rh_test_config());
        char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, cases[i].path, "*",
                                                ep, secret));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
        RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 20000));
        RH_CHECK_EQ_INT(cases[i].outcome, last_outcome);
        /* success only for a 2xx, and then nothing is pending */
        RH_CHECK_EQ_INT(cases[i].success ? -1 : 5000,
                        rh_next_timeout_ms(ctx));
        rh_ctx_free(ctx);
    }
    sink_stop(s);
}

static void test_guard__secrets_are_sealed_at_rest(void)
{
    sink *s = rh_test_sink();
    char path[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    unsigned char key[32], wrong[32];
    rh_storage st;
    memset(key, 0x42, sizeof key);
    memset(wrong, 0x43, sizeof wrong);
    rh_test_path(path, sizeof path, "sealed");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_sealing_key(cfg, key, 16));
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_sealing_key(cfg, key, 32));
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/s", "*", ep, secret));
    char fresh[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_rotate_secret(ctx, ep, 60000, fresh,
                                                     sizeof fresh));
    rh_ctx_free(ctx);
    /* what a thief of the database file reads */
    sqlite3 *db;
    sqlite3_stmt *q;
    sqlite3_open(path, &db);
    sqlite3_prepare_v2(db, "SELECT record FROM rh_endpoints", -1, &q, NULL);
    RH_CHECK_EQ_INT(SQLITE_ROW, sqlite3_step(q));
    const char *record = (const char *)sqlite3_column_text(q, 0);
    RH_CHECK(strstr(record, secret + 6) == NULL);
    RH_CHECK(strstr(record, fresh + 6) == NULL);
    RH_CHECK(strstr(record, "sealed:v1:") != NULL);
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* with the key: the secrets come back and sign */
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
    cfg = rh_test_config();
    rh_config_set_sealing_key(cfg, key, 32);
    rh_config_set_storage(cfg, &st);
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, fresh, 1700000000));
    RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, secret, 1700000000));
    sink_request_free(&r);
    rh_ctx_free(ctx);
    /* without the key, or with another one: refused, clearly */
    for (int k = 0; k < 2; k++) {
        rh_ctx *none = NULL;
        RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, NULL, 0));
        cfg = rh_test_config();
        if (k)
            rh_config_set_sealing_key(cfg, wrong, 32);
        rh_config_set_storage(cfg, &st);
        RH_CHECK_EQ_INT(RH_E_CRYPTO, rh_ctx_new(&none, cfg));
        rh_config_free(cfg);
        st.destroy(st.userdata);
    }
    sink_stop(s);
}

static void test_guard__secrets_stay_out_of_messages(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char id[RH_ID_SIZE];
    const char *events[] = {"*"};
    const char *almost = "whsec_TOPSECRETVALUE";
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add_with_secret(ctx, "http://127.0.0.1:9/",
                                                events, 1, almost, id,
                                                sizeof id));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "TOPSECRET") == NULL);
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_guard[] = {
    {"guard__ip_literals_are_refused_at_registration",
     test_guard__ip_literals_are_refused_at_registration},
    {"guard__names_resolving_privately_are_blocked_at_dial",
     test_guard__names_resolving_privately_are_blocked_at_dial},
    {"guard__allowlist_and_rebinding", test_guard__allowlist_and_rebinding},
    {"guard__proxy_only_from_configuration",
     test_guard__proxy_only_from_configuration},
    {"guard__custom_headers_cannot_inject",
     test_guard__custom_headers_cannot_inject},
    {"guard__huge_bodies_and_header_floods",
     test_guard__huge_bodies_and_header_floods},
    {"guard__secrets_are_sealed_at_rest",
     test_guard__secrets_are_sealed_at_rest},
    {"guard__secrets_stay_out_of_messages",
     test_guard__secrets_stay_out_of_messages},
    {NULL, NULL}};
