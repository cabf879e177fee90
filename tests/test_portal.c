/* The customer portal's first slice: link tokens (standard HS256 JWTs)
 * minted and verified, refused when tampered, signed with another key,
 * expired or of another algorithm; and the handler called directly with
 * crafted requests: a link traded for a session cookie, each tenant's
 * endpoints its own (another's id answers 404), cross-site writes
 * refused, capabilities held, markup escaped, paths outside the base and
 * oversized bodies refused. */
#include "backends.h"
#include "portal_util.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char other_key[32] = "fedcba9876543210fedcba9876543210";

static void test_portal__tokens_verify_and_refuse(void)
{
    char tok[RH_PORTAL_TOKEN_SIZE], tenant[RH_TENANT_MAX + 1];
    unsigned caps = 0;
    int64_t exp = 0, now = 1800000000;
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_1",
                                          RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    RH_CHECK(strncmp(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_verify(key, sizeof key, tok, now + 599,
                                            tenant, sizeof tenant, &caps,
                                            &exp));
    RH_CHECK_EQ_STR("acct_1", tenant);
    RH_CHECK_EQ_INT(RH_PORTAL_VIEW | RH_PORTAL_MANAGE, caps);
    RH_CHECK_EQ_INT(now + 600, exp);
    RH_CHECK_EQ_INT(RH_E_TIMESTAMP,
                    rh_portal_verify(key, sizeof key, tok, now + 600, tenant,
                                     sizeof tenant, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_portal_verify(other_key, sizeof other_key, tok, now,
                                     tenant, sizeof tenant, NULL, NULL));
    /* one character of the claims changed: the MAC no longer holds */
    char bad[RH_PORTAL_TOKEN_SIZE];
    strcpy(bad, tok);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    RH_CHECK_EQ_INT(RH_E_SIGNATURE, rh_portal_verify(key, sizeof key, bad, now,
                                                     tenant, sizeof tenant,
                                                     NULL, NULL));
    /* {"alg":"none"} with the same claims and no MAC */
    const char *claims = strchr(tok, '.') + 1;
    snprintf(bad, sizeof bad, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%.*s.",
             (int)(strchr(claims, '.') - claims), claims);
    RH_CHECK_EQ_INT(RH_E_SIGNATURE, rh_portal_verify(key, sizeof key, bad, now,
                                                     tenant, sizeof tenant,
                                                     NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_portal_verify(key, sizeof key, "a.b.c", now, tenant,
                                     sizeof tenant, NULL, NULL));
    /* one spelling of the MAC: a last character with other unused bits is
     * refused (43 characters carry 256 bits and 2 to spare) */
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_1",
                                          RH_PORTAL_VIEW, now, 600, tok,
                                          sizeof tok));
    strcpy(bad, tok);
    char *last = bad + strlen(bad) - 1;
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789-_";
    int idx = (int)(strchr(alpha, *last) - alpha);
    *last = alpha[idx ^ 1]; /* same leading bits, a spare bit set */
    RH_CHECK_EQ_INT(RH_E_SIGNATURE, rh_portal_verify(key, sizeof key, bad, now,
                                                     tenant, sizeof tenant,
                                                     NULL, NULL));
    /* an operator's link has no tenant; anyone else's must */
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, NULL,
                                          RH_PORTAL_OPERATOR | RH_PORTAL_VIEW,
                                          now, 60, tok, sizeof tok));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_verify(key, sizeof key, tok, now, tenant,
                                            sizeof tenant, &caps, NULL));
    RH_CHECK_EQ_STR("", tenant);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_mint(key, sizeof key, NULL, RH_PORTAL_VIEW, now,
                                   60, tok, sizeof tok));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_mint(key, 16, "a", RH_PORTAL_VIEW, now, 60, tok,
                                   sizeof tok));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_mint(key, sizeof key, "two words",
                                   RH_PORTAL_VIEW, now, 60, tok, sizeof tok));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_mint(key, sizeof key, "a", RH_PORTAL_VIEW, now,
                                   0, tok, sizeof tok));
    RH_CHECK_EQ_INT(RH_E_BUFFER, rh_portal_mint(key, sizeof key, "a",
                                                RH_PORTAL_VIEW, now, 60, tok,
                                                10));
}

static int add(rh_ctx *ctx, const char *tenant, const char *url,
               const char *name, char id[RH_ID_SIZE])
{
    char secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_endpoint_options *o = NULL;
    rh_endpoint_options_new(&o);
    rh_endpoint_options_set_tenant(o, tenant);
    rh_endpoint_options_set_name(o, name);
    int rc = rh_endpoint_add_with(ctx, url, events, 1, o, id, RH_ID_SIZE,
                                  secret, sizeof secret);
    rh_endpoint_options_free(o);
    return rc;
}

static void test_portal__tenants_see_only_their_own(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    char a[RH_ID_SIZE], b[RH_ID_SIZE], tok[RH_PORTAL_TOKEN_SIZE], q[1100],
        cookie[RH_PORTAL_TOKEN_SIZE + 20];
    int64_t now = rh_test_now_ms / 1000;
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_a", "http://127.0.0.1:9/a",
                               "<script>x</script>", a));
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_b", "http://127.0.0.1:9/b", "B", b));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_base(p, "/webhooks"));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_insecure_cookie(p, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    snprintf(q, sizeof q, "token=%s", tok);
    /* the link traded for a cookie, and the token gone from the URL */
    RH_CHECK_EQ_INT(303, portal_call(p, "GET", "/webhooks/login", q, NULL, &r, NULL));
    RH_CHECK_EQ_STR("/webhooks/", portal_header(r, "Location"));
    RH_CHECK(strstr(portal_header(r, "Set-Cookie"),
                    "; Path=/webhooks; Max-Age=600; HttpOnly; "
                    "SameSite=Strict") != NULL);
    portal_session(r, cookie, sizeof cookie);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/webhooks/api/v1/endpoints", NULL,
                              NULL, &r, "Cookie", cookie, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), a) != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), b) == NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "127.0.0.1:9/b") == NULL);
    RH_CHECK(strstr(portal_header(r, "Content-Security-Policy"),
                    "default-src 'none'") != NULL);
    rh_portal_response_free(r);
    /* another tenant's id, read or removed: unknown */
    char path[200];
    snprintf(path, sizeof path, "/webhooks/api/v1/endpoints/%s", b);
    RH_CHECK_EQ_INT(404, portal_call(p, "GET", path, NULL, NULL, &r, "Cookie", cookie,
                              NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(404, portal_call(p, "DELETE", path, NULL, NULL, &r, "Cookie",
                              cookie, "Sec-Fetch-Site", "same-origin", NULL));
    rh_portal_response_free(r);
    const rh_endpoint *still = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, b, &still));
    /* the page escapes what a customer typed */
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/webhooks/", NULL, NULL, &r, "Cookie",
                              cookie, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "&lt;script&gt;") != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "<script>") == NULL);
    rh_portal_response_free(r);
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

static void test_portal__writes_need_origin_and_capability(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    char tok[RH_PORTAL_TOKEN_SIZE], view[RH_PORTAL_TOKEN_SIZE + 8], q[1100],
        cookie[RH_PORTAL_TOKEN_SIZE + 20];
    int64_t now = rh_test_now_ms / 1000;
    const char *body = "{\"url\":\"http://127.0.0.1:9/new\","
                       "\"events\":[\"order.paid\"],\"name\":\"Orders\"}";
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    snprintf(q, sizeof q, "token=%s", tok);
    RH_CHECK_EQ_INT(303, portal_call(p, "GET", "/login", q, NULL, &r, NULL));
    RH_CHECK(strstr(portal_header(r, "Set-Cookie"), "; Secure") != NULL);
    portal_session(r, cookie, sizeof cookie);
    rh_portal_response_free(r);
    /* a cookie write that does not say it comes from the portal's page */
    RH_CHECK_EQ_INT(403, portal_call(p, "POST", "/api/v1/endpoints", NULL, body, &r,
                              "Cookie", cookie, "Content-Type",
                              "application/json", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(403, portal_call(p, "POST", "/api/v1/endpoints", NULL, body, &r,
                              "Cookie", cookie, "Content-Type",
                              "application/json", "Origin",
                              "http://attacker.example", "Host",
                              "portal.example", NULL));
    rh_portal_response_free(r);
    /* http is not the portal's own origin unless it is tried over http */
    RH_CHECK_EQ_INT(403, portal_call(p, "POST", "/api/v1/endpoints", NULL, body, &r,
                              "Cookie", cookie, "Content-Type",
                              "application/json", "Origin",
                              "http://portal.example", "Host",
                              "portal.example", NULL));
    rh_portal_response_free(r);
    /* two session cookies (one tossed by a sibling site): neither trusted */
    char two[sizeof cookie * 2 + 40];
    snprintf(two, sizeof two, "rh_portal=junk; %s", cookie);
    RH_CHECK_EQ_INT(401, portal_call(p, "GET", "/api/v1/endpoints", NULL, NULL, &r,
                              "Cookie", two, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(201, portal_call(p, "POST", "/api/v1/endpoints", NULL, body, &r,
                              "Cookie", cookie, "Content-Type",
                              "application/json", "Origin",
                              "https://portal.example", "Host",
                              "portal.example", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"secret\":\"whsec_") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "order.paid", "{}", 2, NULL, NULL, 0) ==
                           0); /* no tenant: not acct_a's endpoint */
    /* a view-only link as a bearer: reads yes, writes no */
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW, now, 600, tok,
                                          sizeof tok));
    snprintf(view, sizeof view, "Bearer %s", tok);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/api/v1/endpoints", NULL, NULL, &r,
                              "Authorization", view, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "Orders") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(403, portal_call(p, "POST", "/api/v1/endpoints", NULL, body, &r,
                              "Authorization", view, "Content-Type",
                              "application/json", NULL));
    rh_portal_response_free(r);
    /* bad input: named by the library; not JSON; too large */
    RH_CHECK_EQ_INT(400, portal_call(p, "POST", "/api/v1/endpoints", NULL,
                              "{\"url\":\"ftp://x\",\"events\":[\"a\"]}", &r,
                              "Cookie", cookie, "Content-Type",
                              "application/json", "Sec-Fetch-Site",
                              "same-origin", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"field\":\"url\"") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit(ctx, "x y", "{}", 2, NULL, 0));
    int bad_name = portal_call(p, "POST", "/api/v1/endpoints", NULL,
                        "{\"url\":\"http://127.0.0.1:9/n\",\"events\":"
                        "[\"*\"],\"name\":\"a\\u0001b\"}",
                        &r, "Cookie", cookie, "Content-Type",
                        "application/json", "Sec-Fetch-Site", "same-origin",
                        NULL);
    RH_CHECK_EQ_INT(400, bad_name);
    RH_CHECK(strstr(rh_portal_response_body(r), "name or description") != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "event type") == NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(415, portal_call(p, "POST", "/api/v1/endpoints", NULL, "{}", &r,
                              "Cookie", cookie, "Content-Type",
                              "application/jsonx", "Sec-Fetch-Site",
                              "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(415, portal_call(p, "POST", "/api/v1/endpoints", NULL, "url=x", &r,
                              "Cookie", cookie, "Sec-Fetch-Site",
                              "same-origin", NULL));
    rh_portal_response_free(r);
    char *big = malloc(70000);
    memset(big, ' ', 69999);
    big[69999] = '\0';
    RH_CHECK_EQ_INT(413, portal_call(p, "POST", "/api/v1/endpoints", NULL, big, &r,
                              "Cookie", cookie, NULL));
    free(big);
    rh_portal_response_free(r);
    /* an operator's add names the account (a tenant's "tenant" is its own) */
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, NULL,
                                          RH_PORTAL_OPERATOR | RH_PORTAL_VIEW |
                                              RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    snprintf(view, sizeof view, "Bearer %s", tok);
    int st = portal_call(p, "POST", "/api/v1/endpoints", NULL,
                         "{\"url\":\"http://127.0.0.1:9/op\","
                         "\"events\":[\"*\"],\"tenant\":\"acct_z\"}",
                         &r, "Authorization", view, "Content-Type",
                         "application/json", NULL);
    RH_CHECK_EQ_INT(201, st);
    rh_portal_response_free(r);
    st = portal_call(p, "POST", "/api/v1/endpoints", NULL,
                     "{\"url\":\"http://127.0.0.1:9/op\","
                     "\"events\":[\"*\"],\"tenant\":7}",
                     &r, "Authorization", view, "Content-Type",
                     "application/json", NULL);
    RH_CHECK_EQ_INT(400, st);
    rh_portal_response_free(r);
    st = portal_call(p, "POST", "/api/v1/endpoints", NULL,
                     "{\"url\":\"http://127.0.0.1:9/mine\","
                     "\"events\":[\"*\"],\"tenant\":\"acct_z\"}",
                     &r, "Cookie", cookie, "Content-Type", "application/json",
                     "Sec-Fetch-Site", "same-origin", NULL);
    RH_CHECK_EQ_INT(201, st);
    rh_portal_response_free(r);
    rh_emit_options *eo = NULL;
    rh_emit_options_new(&eo);
    rh_emit_options_set_tenant(eo, "acct_z");
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "order.paid", "{}", 2, eo, NULL, 0));
    rh_emit_options_set_tenant(eo, "acct_a");
    RH_CHECK_EQ_INT(2, rh_emit_with(ctx, "order.paid", "{}", 2, eo, NULL, 0));
    rh_emit_options_free(eo);
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

static void test_portal__sessions_end_and_paths_stay_inside(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    char tok[RH_PORTAL_TOKEN_SIZE], q[1100],
        cookie[RH_PORTAL_TOKEN_SIZE + 20];
    int64_t now = rh_test_now_ms / 1000;
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_base(p, "/hooks"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_portal_set_base(p, "/hooks/"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_portal_set_base(p, "hooks"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_portal_set_base(p, "//evil.example"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_portal_set_base(p, "/a/../b"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_set_refresh_url(p, "javascript:alert(1)"));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_base(p, "/hooks"));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW, now, 60, tok,
                                          sizeof tok));
    snprintf(q, sizeof q, "token=%s", tok);
    RH_CHECK_EQ_INT(303, portal_call(p, "GET", "/hooks/login", q, NULL, &r, NULL));
    portal_session(r, cookie, sizeof cookie);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(404, portal_call(p, "GET", "/other/api/v1/endpoints", NULL, NULL,
                              &r, "Cookie", cookie, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(404, portal_call(p, "GET", "/hooksx/api/v1/endpoints", NULL, NULL,
                              &r, "Cookie", cookie, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(404, portal_call(p, "GET", "/hooks/../api/v1/endpoints", NULL,
                              NULL, &r, "Cookie", cookie, NULL));
    rh_portal_response_free(r);
    /* a forged cookie; no credentials; then the session's end */
    RH_CHECK_EQ_INT(401, portal_call(p, "GET", "/hooks/api/v1/endpoints", NULL, NULL,
                              &r, "Cookie", "rh_portal=eyJhbGciOiJIUzI1NiIs.x.y",
                              NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(401, portal_call(p, "GET", "/hooks/", NULL, NULL, &r, NULL));
    rh_portal_response_free(r);
    rh_test_now_ms += 61000;
    RH_CHECK_EQ_INT(401, portal_call(p, "GET", "/hooks/api/v1/endpoints", NULL, NULL,
                              &r, "Cookie", cookie, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "expired") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_refresh_url(
                               p, "https://app.example/settings/webhooks"));
    RH_CHECK_EQ_INT(303, portal_call(p, "GET", "/hooks/", NULL, NULL, &r, "Cookie",
                              cookie, NULL));
    RH_CHECK_EQ_STR("https://app.example/settings/webhooks",
                    portal_header(r, "Location"));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, portal_call(p, "GET", "/hooks/login", q, NULL, &r, NULL));
    RH_CHECK_EQ_STR("https://app.example/settings/webhooks",
                    portal_header(r, "Location")); /* an expired link too */
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_portal_handle(p, NULL, "/", NULL, NULL, NULL, 0, NULL, 0,
                                     &r));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_portal_new(&p, ctx, key, 16));
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

/* The catalog for the picker, and a test event sent from the portal. */
static void test_portal__catalog_and_test_event(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    rh_event_type_options *o = NULL;
    char a[RH_ID_SIZE], tok[RH_PORTAL_TOKEN_SIZE + 8], bearer[1100], path[200];
    int64_t now = rh_test_now_ms / 1000;
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_a", "http://127.0.0.1:9/a", "A", a));
    rh_event_type_options_new(&o);
    rh_event_type_options_set_example(o, "{\"n\":1}", 7);
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    rh_event_type_define(ctx, "order.paid", o));
    rh_event_type_options_free(o);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/api/v1/event-types", NULL, NULL, &r,
                              "Authorization", bearer, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r),
                    "\"name\":\"order.paid\"") != NULL);
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/endpoints/%s/test", a);
    RH_CHECK_EQ_INT(202, portal_call(p, "POST", path, NULL,
                              "{\"event_type\":\"order.paid\"}", &r,
                              "Authorization", bearer, "Content-Type",
                              "application/json", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"event_id\":\"tst_") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(404, portal_call(p, "POST", path, NULL,
                              "{\"event_type\":\"nope\"}", &r, "Authorization",
                              bearer, "Content-Type", "application/json",
                              NULL));
    rh_portal_response_free(r);
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

/* Edits, state changes and rotation; the delivery history a page at a
 * time with its attempts; resend with the capability, and never across
 * tenants. */
static int keep_id(const rh_delivery *d, void *ud)
{
    snprintf(ud, RH_ID_SIZE, "%s", rh_delivery_id(d));
    return RH_OK;
}

static void test_portal__edit_history_and_resend(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0); /* a 500 fails at once */
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    sink *s = rh_test_sink();
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    char a[RH_ID_SIZE], b[RH_ID_SIZE], url[256], tok[RH_PORTAL_TOKEN_SIZE],
        bearer[1100], path[300], body[400], dl[RH_ID_SIZE];
    int64_t now = rh_test_now_ms / 1000;
    sink_rule(s, "/fail", 500, 0, NULL, NULL, -1);
    sink_url(s, "/fail", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_a", url, "A", a));
    sink_url(s, "/b", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_b", url, "B", b));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                                          now, 600, tok, sizeof tok));
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    /* PATCH: a new name and events; a bad URL named by the library */
    snprintf(path, sizeof path, "/api/v1/endpoints/%s", a);
    RH_CHECK_EQ_INT(200, portal_call(p, "PATCH", path, NULL,
                              "{\"name\":\"Billing\",\"events\":[\"x.*\"]}",
                              &r, "Authorization", bearer, "Content-Type",
                              "application/json", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"name\":\"Billing\"") != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "[\"x.*\"]") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(400, portal_call(p, "PATCH", path, NULL, "{\"nme\":\"typo\"}",
                              &r, "Authorization", bearer, "Content-Type",
                              "application/json", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"field\":\"nme\"") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(400, portal_call(p, "PATCH", path, NULL, "{\"url\":\"ftp://x\"}",
                              &r, "Authorization", bearer, "Content-Type",
                              "application/json", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"field\":\"url\"") != NULL);
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/endpoints/%s/pause", a);
    RH_CHECK_EQ_INT(200, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"paused\":true") != NULL);
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/endpoints/%s/resume", a);
    RH_CHECK_EQ_INT(200, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/endpoints/%s/rotate", a);
    RH_CHECK_EQ_INT(200, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "whsec_") != NULL);
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/endpoints/%s/rotate", b);
    RH_CHECK_EQ_INT(404, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    /* three deliveries for a, one for b; a's fail at once (no retries) */
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o);
    rh_emit_options_set_tenant(o, "acct_a");
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0));
    rh_emit_options_set_tenant(o, "acct_b");
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK_EQ_INT(4, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/api/v1/deliveries", "limit=2", NULL,
                              &r, "Authorization", bearer, NULL));
    const char *page = rh_portal_response_body(r), *next = strstr(page,
                                                                  "\"next\":\"");
    RH_CHECK(next != NULL);
    char after[80];
    RH_CHECK_EQ_INT(1, sscanf(next + 8, "%79[^\"]", after));
    RH_CHECK(strstr(page, "\"state\":\"failed\"") != NULL);
    RH_CHECK_EQ_INT(1, sscanf(strstr(page, "\"id\":\"") + 6, "%31[^\"]", dl));
    rh_portal_response_free(r);
    snprintf(body, sizeof body, "after=%s&limit=2", after);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/api/v1/deliveries", body, NULL, &r,
                              "Authorization", bearer, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"next\":null") != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), b) == NULL);
    rh_portal_response_free(r);
    static const char *const bad_filters[] = {
        "state=lost", "state=failed%00", "limit=5abc", "limit=0",
        "after=12:dlv_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "endpoint=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
    for (size_t i = 0; i < sizeof bad_filters / sizeof *bad_filters; i++) {
        RH_CHECK_EQ_INT(400, portal_call(p, "GET", "/api/v1/deliveries",
                                  bad_filters[i], NULL, &r, "Authorization",
                                  bearer, NULL));
        rh_portal_response_free(r);
    }
    snprintf(path, sizeof path, "/api/v1/deliveries/%s/attempts", dl);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "\"status\":500") != NULL);
    rh_portal_response_free(r);
    /* resend needs its capability */
    snprintf(path, sizeof path, "/api/v1/deliveries/%s/resend", dl);
    RH_CHECK_EQ_INT(403, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_RESEND, now, 600, tok,
                                          sizeof tok)); /* it sees, too */
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    RH_CHECK_EQ_INT(202, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(p, "GET", "/api/v1/deliveries", NULL, NULL, &r,
                              "Authorization", bearer, NULL));
    rh_portal_response_free(r);
    /* b's delivery is unknown to a, read or resent */
    rh_query *q = NULL;
    char bdl[RH_ID_SIZE] = "";
    rh_query_new(&q);
    rh_query_set_tenant(q, "acct_b");
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, q, keep_id, bdl));
    rh_query_free(q);
    snprintf(path, sizeof path, "/api/v1/deliveries/%s/attempts", bdl);
    RH_CHECK_EQ_INT(404, portal_call(p, "GET", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/api/v1/deliveries/%s/resend", bdl);
    RH_CHECK_EQ_INT(404, portal_call(p, "POST", path, NULL, NULL, &r, "Authorization",
                              bearer, NULL));
    rh_portal_response_free(r);
    rh_portal_free(p);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Every route docs/portal-openapi.json documents is one the handler
 * answers (never its "not found" for an unknown route), so that the file
 * and the code cannot drift apart. */
static void test_portal__openapi_file_matches_the_routes(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    char a[RH_ID_SIZE], dl[RH_ID_SIZE] = "", tok[RH_PORTAL_TOKEN_SIZE],
        bearer[1100], path[300];
    json_error_t err;
    json_t *doc = json_load_file("docs/portal-openapi.json", 0, &err);
    RH_CHECK(doc != NULL);
    RH_CHECK_EQ_INT(RH_OK, add(ctx, "acct_a", "http://127.0.0.1:9/a", "A", a));
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o);
    rh_emit_options_set_tenant(o, "acct_a");
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    rh_query *q = NULL;
    rh_query_new(&q);
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, q, keep_id, dl));
    rh_query_free(q);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_portal_mint(key, sizeof key, "acct_a",
                                   RH_PORTAL_VIEW | RH_PORTAL_MANAGE |
                                       RH_PORTAL_RESEND,
                                   rh_test_now_ms / 1000, 600, tok, sizeof tok));
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    const char *route, *method;
    json_t *ops, *op;
    int n = 0;
    json_object_foreach(json_object_get(doc, "paths"), route, ops)
    {
        json_object_foreach(ops, method, op)
        {
            char verb[16], *id = strstr(route, "{id}");
            size_t i = 0;
            for (; method[i] && i + 1 < sizeof verb; i++)
                verb[i] = (char)(method[i] - 'a' + 'A');
            verb[i] = '\0';
            snprintf(path, sizeof path, "/api/v1%.*s%s%s",
                     (int)(id ? id - route : (long)strlen(route)), route,
                     id ? (strstr(route, "/deliveries") ? dl : a) : "",
                     id ? id + 4 : "");
            int status = portal_call(p, verb, path, NULL,
                              strcmp(verb, "GET") ? "{}" : NULL, &r,
                              "Authorization", bearer, "Content-Type",
                              "application/json", NULL);
            if (status == 404 &&
                !strcmp(rh_portal_response_body(r), "{\"error\":\"not found\"}"))
                fprintf(stderr, "    %s %s: no such route\n", verb, path);
            RH_CHECK(status != 404 || strcmp(rh_portal_response_body(r),
                                             "{\"error\":\"not found\"}"));
            rh_portal_response_free(r);
            r = NULL;
            n++;
        }
    }
    RH_CHECK(n >= 15);
    json_decref(doc);
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

static int query_fails(const rh_query *q, rh_delivery_cb each, void *each_ud,
                       void *ud)
{
    (void)q, (void)each, (void)each_ud, (void)ud;
    return RH_E_STORAGE;
}

/* The bad day: storage fails under the history page. The customer gets a
 * 503 with a constant text, never the store's own message. */
static void test_portal__storage_failure_is_a_constant_503(void)
{
    char path[128], err[256], tok[RH_PORTAL_TOKEN_SIZE], bearer[1100];
    rh_storage st;
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    rh_test_path(path, sizeof path, "portal-failing");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    st.query_deliveries = query_fails;
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&p, ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, "acct_a",
                                          RH_PORTAL_VIEW, rh_test_now_ms / 1000,
                                          600, tok, sizeof tok));
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    RH_CHECK_EQ_INT(503, portal_call(p, "GET", "/api/v1/deliveries", NULL, NULL, &r,
                              "Authorization", bearer, NULL));
    RH_CHECK_EQ_STR("{\"error\":\"storage is unavailable: try again\"}",
                    rh_portal_response_body(r));
    rh_portal_response_free(r);
    rh_portal_free(p);
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_portal[] = {
    {"portal__tokens_verify_and_refuse", test_portal__tokens_verify_and_refuse},
    {"portal__tenants_see_only_their_own",
     test_portal__tenants_see_only_their_own},
    {"portal__writes_need_origin_and_capability",
     test_portal__writes_need_origin_and_capability},
    {"portal__sessions_end_and_paths_stay_inside",
     test_portal__sessions_end_and_paths_stay_inside},
    {"portal__catalog_and_test_event", test_portal__catalog_and_test_event},
    {"portal__edit_history_and_resend", test_portal__edit_history_and_resend},
    {"portal__storage_failure_is_a_constant_503",
     test_portal__storage_failure_is_a_constant_503},
    {"portal__openapi_file_matches_the_routes",
     test_portal__openapi_file_matches_the_routes},
    {NULL, NULL}};
