/* The portal's HTML pages, through the handler with crafted requests: the
 * secret shown once behind a redirect (a reload adds nothing and shows it
 * no more; its cookie opens no other endpoint's page), each tenant's pages
 * its own (another's ids answer 404 on every page and action), page forms
 * refused without the portal's own origin or the capability, every
 * template rendered whole, and the assets served (and only they). */
#include "portal_util.h"
#include "rh_test.h"

#include <replicer-hooks/rh_catalog.h>

#include <stdio.h>
#include <string.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

typedef struct pages {
    rh_ctx *ctx;
    rh_portal *p;
    char a[RH_PORTAL_TOKEN_SIZE + 20];    /* acct_a's session cookie */
    char b[RH_PORTAL_TOKEN_SIZE + 20];    /* acct_b's */
    char view[RH_PORTAL_TOKEN_SIZE + 20]; /* acct_a's, view only */
} pages;

static void login(pages *t, const char *tenant, unsigned caps, char *cookie,
                  size_t size)
{
    char tok[RH_PORTAL_TOKEN_SIZE], q[RH_PORTAL_TOKEN_SIZE + 10];
    rh_portal_response *r = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_portal_mint(key, sizeof key, tenant, caps,
                                          rh_test_now_ms / 1000, 600, tok,
                                          sizeof tok));
    snprintf(q, sizeof q, "token=%s", tok);
    RH_CHECK_EQ_INT(303,
                    portal_call(t->p, "GET", "/w/login", q, NULL, &r, NULL));
    portal_session(r, cookie, size);
    rh_portal_response_free(r);
}

static void setup(pages *t)
{
    rh_event_type_options *o = NULL;
    t->ctx = rh_test_ctx_new();
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_options_new(&o));
    rh_event_type_options_set_group(o, "Orders");
    rh_event_type_options_set_description(o, "An order was paid");
    rh_event_type_options_set_example(o, "{\"order\":\"o_1\"}", 15);
    RH_CHECK(rh_event_type_define(t->ctx, "order.paid", o) >= 0);
    rh_event_type_options_free(o);
    RH_CHECK_EQ_INT(RH_OK, rh_portal_new(&t->p, t->ctx, key, sizeof key));
    RH_CHECK_EQ_INT(RH_OK, rh_portal_set_base(t->p, "/w"));
    login(t, "acct_a", RH_PORTAL_VIEW | RH_PORTAL_MANAGE | RH_PORTAL_RESEND,
          t->a, sizeof t->a);
    login(t, "acct_b", RH_PORTAL_VIEW | RH_PORTAL_MANAGE | RH_PORTAL_RESEND,
          t->b, sizeof t->b);
    login(t, "acct_a", RH_PORTAL_VIEW, t->view, sizeof t->view);
}

static void teardown(pages *t)
{
    rh_portal_free(t->p);
    rh_ctx_free(t->ctx);
}

static int one_more(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

static int count_endpoints(rh_ctx *ctx)
{
    int n = 0;
    return rh_endpoint_list(ctx, one_more, &n) < 0 ? -1 : n;
}

/* POST the add form as acct_a's page would: the new endpoint's secret page
 * (the redirect's Location) and the flash cookie it sets. */
static int add_by_form(pages *t, const char *form, char *location,
                       size_t loc_size, char *flash, size_t flash_size)
{
    rh_portal_response *r = NULL;
    int status =
        portal_call(t->p, "POST", "/w/endpoints/new", NULL, form, &r, "Cookie",
                    t->a, "Sec-Fetch-Site", "same-origin", "Content-Type",
                    "application/x-www-form-urlencoded", NULL);
    const char *loc = r ? portal_header(r, "Location") : NULL;
    snprintf(location, loc_size, "%s", loc ? loc : "");
    if (r)
        portal_session(r, flash, flash_size);
    rh_portal_response_free(r);
    return status;
}

static void test_portal_pages__secret_shown_once_behind_a_redirect(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], both[2048];
    setup(&t);
    /* the form picks from the catalog, grouped */
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/endpoints/new", NULL, NULL,
                                     &r, "Cookie", t.a, NULL));
    const char *html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "<h3>Orders</h3>") != NULL);
    RH_CHECK(strstr(html, "value=\"order.paid\"") != NULL);
    RH_CHECK(strstr(html, "An order was paid") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, add_by_form(&t,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&"
                                     "name=Orders&events=order.paid",
                                     loc, sizeof loc, flash, sizeof flash));
    RH_CHECK(!strncmp(loc, "/w/endpoints/ep_", 16));
    RH_CHECK(strstr(loc, "/secret") != NULL);
    RH_CHECK(!strncmp(flash, "rh_flash=sealed:v1:", 19));
    RH_CHECK_EQ_INT(1, count_endpoints(t.ctx));
    snprintf(both, sizeof both, "%s; %s", t.a, flash);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", loc, NULL, NULL, &r, "Cookie",
                                     both, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "id=\"secret\" "
                                                "class=\"secret\">whsec_"));
    /* the page clears its cookie as it shows it */
    RH_CHECK(strstr(portal_header(r, "Set-Cookie"), "rh_flash=; ") != NULL);
    RH_CHECK(strstr(portal_header(r, "Set-Cookie"), "Max-Age=0") != NULL);
    rh_portal_response_free(r);
    /* the reload: nothing added, nothing shown */
    RH_CHECK_EQ_INT(
        200, portal_call(t.p, "GET", loc, NULL, NULL, &r, "Cookie", t.a, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "id=\"gone\"") != NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "whsec_") == NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(1, count_endpoints(t.ctx));
    /* the cookie shows nothing on another endpoint's page */
    char loc2[256], flash2[512];
    RH_CHECK_EQ_INT(303, add_by_form(&t,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fb&"
                                     "events=order.paid",
                                     loc2, sizeof loc2, flash2, sizeof flash2));
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", loc2, NULL, NULL, &r, "Cookie",
                                     both, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "whsec_") == NULL);
    rh_portal_response_free(r);
    /* a refused URL: the form again, with the reason and what was typed */
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=ftp%3A%2F%2Fx&name=%3Cb%3E&"
                                     "events=order.paid",
                                     &r, "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "id=\"error\"") != NULL);
    RH_CHECK(strstr(html, "value=\"&lt;b&gt;\"") != NULL);
    RH_CHECK(strstr(html, "value=\"order.paid\" checked") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fc", &r,
                                     "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "pick at least one") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(2, count_endpoints(t.ctx));
    teardown(&t);
}

/* Every page and action of acct_a's endpoint and delivery, asked for in
 * acct_b's session: 404, with nothing of A's in the answer. */
static void test_portal_pages__another_tenants_pages_are_unknown(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], path[300], id[RH_ID_SIZE] = "";
    setup(&t);
    RH_CHECK_EQ_INT(303,
                    add_by_form(&t,
                                "url=http%3A%2F%2F127.0.0.1%3A9%2Fsecret-a&"
                                "events=order.paid",
                                loc, sizeof loc, flash, sizeof flash));
    sscanf(loc, "/w/endpoints/%31[^/]", id);
    RH_CHECK_EQ_INT(1, rh_emit_with(t.ctx, "order.paid", "{}", 2, NULL, NULL,
                                    0) == 0); /* no tenant: none of A's */
    rh_emit_options *eo = NULL;
    rh_emit_options_new(&eo);
    rh_emit_options_set_tenant(eo, "acct_a");
    char evt[RH_ID_SIZE];
    RH_CHECK_EQ_INT(
        1, rh_emit_with(t.ctx, "order.paid", "{}", 2, eo, evt, sizeof evt));
    rh_emit_options_free(eo);
    /* A sees the delivery on the endpoint's page; B sees nothing */
    snprintf(path, sizeof path, "/w/endpoints/%s", id);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.a, NULL));
    char dl[RH_ID_SIZE] = "";
    const char *at = strstr(rh_portal_response_body(r), "/w/deliveries/");
    RH_CHECK(at != NULL);
    sscanf(at, "/w/deliveries/%31[^\"]", dl);
    rh_portal_response_free(r);
    const char *gets[] = {"", "/delete", "/secret"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/w/endpoints/%s%s", id, gets[i]);
        RH_CHECK_EQ_INT(404, portal_call(t.p, "GET", path, NULL, NULL, &r,
                                         "Cookie", t.b, NULL));
        RH_CHECK(strstr(rh_portal_response_body(r), "secret-a") == NULL);
        rh_portal_response_free(r);
    }
    const char *posts[] = {"disable", "pause", "rotate", "delete", "test"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/w/endpoints/%s/%s", id, posts[i]);
        RH_CHECK_EQ_INT(404,
                        portal_call(t.p, "POST", path, NULL,
                                    "event_type=order.paid", &r, "Cookie", t.b,
                                    "Sec-Fetch-Site", "same-origin", NULL));
        rh_portal_response_free(r);
    }
    snprintf(path, sizeof path, "/w/deliveries/%s", dl);
    RH_CHECK_EQ_INT(404, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.b, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.a, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "id=\"attempts\"") != NULL);
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/w/deliveries/%s/resend", dl);
    RH_CHECK_EQ_INT(404,
                    portal_call(t.p, "POST", path, NULL, NULL, &r, "Cookie",
                                t.b, "Sec-Fetch-Site", "same-origin", NULL));
    rh_portal_response_free(r);
    const rh_endpoint *ep = NULL; /* still there, still enabled */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(t.ctx, id, &ep));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(ep));
    RH_CHECK_EQ_INT(0, rh_endpoint_paused(ep));
    teardown(&t);
}

/* Page forms, like the API's writes, need the portal's own origin and the
 * capability; every template renders whole; the assets are served and the
 * templates are not. */
static void test_portal_pages__forms_origin_caps_templates_assets(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], path[300], id[RH_ID_SIZE] = "";
    const char *form = "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&events=order.paid";
    setup(&t);
    RH_CHECK_EQ_INT(403, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     form, &r, "Cookie", t.a, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(403, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     form, &r, "Cookie", t.a, "Origin",
                                     "https://attacker.example", "Host",
                                     "portal.example", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(403, portal_call(t.p, "GET", "/w/endpoints/new", NULL, NULL,
                                     &r, "Cookie", t.view, NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(0, count_endpoints(t.ctx));
    RH_CHECK_EQ_INT(
        303, add_by_form(&t, form, loc, sizeof loc, flash, sizeof flash));
    sscanf(loc, "/w/endpoints/%31[^/]", id);
    snprintf(path, sizeof path, "/w/endpoints/%s/disable", id);
    RH_CHECK_EQ_INT(403,
                    portal_call(t.p, "POST", path, NULL, NULL, &r, "Cookie",
                                t.view, "Sec-Fetch-Site", "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303,
                    portal_call(t.p, "POST", path, NULL, NULL, &r, "Cookie",
                                t.a, "Sec-Fetch-Site", "same-origin", NULL));
    rh_portal_response_free(r);
    /* every page whole: the layout's end and no tag left unrendered */
    char detail[300], del[300];
    snprintf(detail, sizeof detail, "/w/endpoints/%s", id);
    snprintf(del, sizeof del, "/w/endpoints/%s/delete", id);
    const char *paths[] = {
        "/w/",        "/w/endpoints/new",      detail, del, loc,
        "/w/nowhere", "/w/deliveries/dlv_nope"};
    const int want[] = {200, 200, 200, 200, 200, 404, 404};
    for (size_t i = 0; i < 7; i++) {
        RH_CHECK_EQ_INT(want[i], portal_call(t.p, "GET", paths[i], NULL, NULL,
                                             &r, "Cookie", t.a, NULL));
        const char *html = rh_portal_response_body(r);
        RH_CHECK(strstr(html, "</html>") != NULL);
        RH_CHECK(strstr(html, "{{") == NULL);
        rh_portal_response_free(r);
    }
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", detail, NULL, NULL, &r,
                                     "Cookie", t.a, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r),
                    "class=\"badge disabled\" id=\"state\"") != NULL);
    rh_portal_response_free(r);
    /* the assets, without a session; templates and paths out are not */
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/assets/portal.css", NULL,
                                     NULL, &r, NULL));
    RH_CHECK(!strncmp(portal_header(r, "Content-Type"), "text/css", 8));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/assets/portal.js", NULL,
                                     NULL, &r, NULL));
    RH_CHECK(strstr(portal_header(r, "Content-Security-Policy"),
                    "script-src 'self'") != NULL);
    rh_portal_response_free(r);
    const char *refused[] = {"/w/assets/layout.html", "/w/assets/../login",
                             "/w/assets/", "/w/assets/portal.css/x"};
    for (size_t i = 0; i < 4; i++) {
        RH_CHECK_EQ_INT(
            404, portal_call(t.p, "GET", refused[i], NULL, NULL, &r, NULL));
        rh_portal_response_free(r);
    }
    teardown(&t);
}

/* Edit through the add form filled with the endpoint (a pattern the
 * catalog does not list kept checked); a refused URL keeps what was typed;
 * recover needs the resend capability; the history's time filter. */
static void test_portal_pages__edit_recover_and_since(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], path[300], id[RH_ID_SIZE] = "";
    setup(&t);
    RH_CHECK_EQ_INT(303, add_by_form(&t,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&"
                                     "events=order.paid&events_text=user.*",
                                     loc, sizeof loc, flash, sizeof flash));
    sscanf(loc, "/w/endpoints/%31[^/]", id);
    snprintf(path, sizeof path, "/w/endpoints/%s/edit", id);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.a, NULL));
    const char *html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "value=\"http://127.0.0.1:9/a\"") != NULL);
    RH_CHECK(strstr(html, "value=\"order.paid\" checked") != NULL);
    RH_CHECK(strstr(html, "value=\"user.*\" checked") != NULL);
    RH_CHECK(strstr(html, "Edit the endpoint") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, portal_call(t.p, "POST", path, NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fb&"
                                     "name=Renamed&events=user.*",
                                     &r, "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    const rh_endpoint *ep = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(t.ctx, id, &ep));
    RH_CHECK_EQ_STR("http://127.0.0.1:9/b", rh_endpoint_url(ep));
    RH_CHECK_EQ_STR("Renamed", rh_endpoint_name(ep));
    RH_CHECK_EQ_INT(1, (long long)rh_endpoint_event_count(ep));
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", path, NULL,
                                     "url=ftp%3A%2F%2Fnope&events=user.*", &r,
                                     "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "value=\"ftp://nope\"") !=
             NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(t.ctx, id, &ep));
    RH_CHECK_EQ_STR("http://127.0.0.1:9/b", rh_endpoint_url(ep));
    /* recover: resend's capability, and a span it knows */
    char manage_only[RH_PORTAL_TOKEN_SIZE + 20];
    login(&t, "acct_a", RH_PORTAL_VIEW | RH_PORTAL_MANAGE, manage_only,
          sizeof manage_only);
    snprintf(path, sizeof path, "/w/endpoints/%s/recover", id);
    RH_CHECK_EQ_INT(403, portal_call(t.p, "POST", path, NULL, "since=24h", &r,
                                     "Cookie", manage_only, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, portal_call(t.p, "POST", path, NULL, "since=24h", &r,
                                     "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", path, NULL, "since=1y", &r,
                                     "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    /* the history's time filter, on the page and in the API */
    snprintf(path, sizeof path, "/w/endpoints/%s", id);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, "since=7d&state=", NULL,
                                     &r, "Cookie", t.a, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r),
                    "<option value=\"7d\" selected>") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200,
                    portal_call(t.p, "GET", "/w/api/v1/deliveries", "since=1h",
                                NULL, &r, "Cookie", t.a, NULL));
    rh_portal_response_free(r);
    /* a filter the page cannot read: a page that says so, in HTML */
    RH_CHECK_EQ_INT(400, portal_call(t.p, "GET", path, "since=2w", NULL, &r,
                                     "Cookie", t.a, NULL));
    RH_CHECK(!strncmp(portal_header(r, "Content-Type"), "text/html", 9));
    RH_CHECK(strstr(rh_portal_response_body(r), "filters are not valid") !=
             NULL);
    rh_portal_response_free(r);
    const char *bad[] = {"since=5x", "since=0h", "since=9999d", "since=h"};
    for (size_t i = 0; i < 4; i++) {
        RH_CHECK_EQ_INT(400,
                        portal_call(t.p, "GET", "/w/api/v1/deliveries", bad[i],
                                    NULL, &r, "Cookie", t.a, NULL));
        rh_portal_response_free(r);
    }
    teardown(&t);
}

/* The operator's link: every tenant's endpoints with their account, one
 * account's on asking, any endpoint's page; an add for the account the
 * form names (a tenant's form cannot name another). */
static void test_portal_pages__operator_sees_every_account(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], op[RH_PORTAL_TOKEN_SIZE + 20], path[300];
    char id[RH_ID_SIZE] = "", tok[RH_PORTAL_TOKEN_SIZE],
         q[RH_PORTAL_TOKEN_SIZE + 10];
    setup(&t);
    RH_CHECK_EQ_INT(303, add_by_form(&t,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fof-a&"
                                     "events=order.paid",
                                     loc, sizeof loc, flash, sizeof flash));
    sscanf(loc, "/w/endpoints/%31[^/]", id);
    RH_CHECK_EQ_INT(303, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fof-b&"
                                     "events=order.paid",
                                     &r, "Cookie", t.b, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(
        RH_OK,
        rh_portal_mint(key, sizeof key, NULL,
                       RH_PORTAL_OPERATOR | RH_PORTAL_VIEW | RH_PORTAL_MANAGE,
                       rh_test_now_ms / 1000, 600, tok, sizeof tok));
    snprintf(q, sizeof q, "token=%s", tok);
    RH_CHECK_EQ_INT(303,
                    portal_call(t.p, "GET", "/w/login", q, NULL, &r, NULL));
    portal_session(r, op, sizeof op);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/", NULL, NULL, &r,
                                     "Cookie", op, NULL));
    const char *html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "of-a") && strstr(html, "of-b"));
    RH_CHECK(strstr(html, "<th>Account</th>") != NULL);
    RH_CHECK(strstr(html, ">acct_b</a>") != NULL);
    RH_CHECK(strstr(html, "id=\"add\"") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fof-c&"
                                     "events=order.paid&account=acct_c",
                                     &r, "Cookie", op, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fof-d&"
                                     "events=order.paid&account=acct_c",
                                     &r, "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fof-e&"
                                     "events=order.paid&account=bad%20one",
                                     &r, "Cookie", op, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "the account is") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/", "tenant=acct_c", NULL,
                                     &r, "Cookie", op, NULL));
    html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "of-c") && !strstr(html, "of-d") &&
             !strstr(html, "of-e"));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/", NULL, NULL, &r,
                                     "Cookie", t.a, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "of-d") != NULL);
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/", "tenant=acct_b", NULL,
                                     &r, "Cookie", op, NULL));
    html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "of-b") && !strstr(html, "of-a"));
    rh_portal_response_free(r);
    snprintf(path, sizeof path, "/w/endpoints/%s", id);
    RH_CHECK_EQ_INT(
        200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie", op, NULL));
    rh_portal_response_free(r);
    /* a tenant's link asking for another tenant's list gets its own */
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/", "tenant=acct_b", NULL,
                                     &r, "Cookie", t.a, NULL));
    html = rh_portal_response_body(r);
    RH_CHECK(strstr(html, "of-a") && !strstr(html, "of-b"));
    RH_CHECK(strstr(html, "<th>Account</th>") == NULL);
    rh_portal_response_free(r);
    teardown(&t);
}

/* What a review found: bytes that are not UTF-8 are refused as input, not
 * failed on; a profile's refusal says its own constant text, never the
 * context's last (another tenant's) message; the secret's cookie is
 * refused after its five minutes whatever the browser keeps; a pattern
 * the catalog does not list shows no description of its own; a group
 * split by the catalog's order is one heading. */
static void test_portal_pages__review_findings(void)
{
    pages t;
    rh_portal_response *r = NULL;
    char loc[256], flash[512], both[2048], id[RH_ID_SIZE] = "", path[300];
    setup(&t);
    rh_event_type_options *o = NULL;
    rh_event_type_options_new(&o);
    rh_event_type_options_set_group(o, "Billing");
    RH_CHECK(rh_event_type_define(t.ctx, "invoice.paid", o) >= 0);
    RH_CHECK(rh_event_type_define(t.ctx, "zebra.billed", o) >= 0);
    rh_event_type_options_free(o);
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2F%FF&"
                                     "events=order.paid",
                                     &r, "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    rh_portal_response_free(r);
    /* B's refusal first, then A's bad name: A reads its own text */
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_disable(t.ctx, "ep_nope"));
    RH_CHECK_EQ_INT(400, portal_call(t.p, "POST", "/w/endpoints/new", NULL,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&"
                                     "name=x%01&events=order.paid",
                                     &r, "Cookie", t.a, "Sec-Fetch-Site",
                                     "same-origin", NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "ep_nope") == NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "control characters") != NULL);
    rh_portal_response_free(r);
    /* one heading per group, whatever the order of names */
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", "/w/endpoints/new", NULL, NULL,
                                     &r, "Cookie", t.a, NULL));
    const char *html = rh_portal_response_body(r);
    const char *first = strstr(html, "<h3>Billing</h3>");
    RH_CHECK(first && !strstr(first + 1, "<h3>Billing</h3>"));
    rh_portal_response_free(r);
    RH_CHECK_EQ_INT(303, add_by_form(&t,
                                     "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&"
                                     "description=DESC-OF-IT&"
                                     "events=order.paid&events_text=user.*",
                                     loc, sizeof loc, flash, sizeof flash));
    sscanf(loc, "/w/endpoints/%31[^/]", id);
    snprintf(path, sizeof path, "/w/endpoints/%s/edit", id);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.a, NULL));
    html = rh_portal_response_body(r);
    const char *pattern = strstr(html, "<code>user.*</code>");
    RH_CHECK(pattern && !strstr(pattern, "DESC-OF-IT"));
    rh_portal_response_free(r);
    /* the secret's cookie, replayed after its five minutes: nothing */
    rh_test_now_ms += 301000;
    snprintf(both, sizeof both, "%s; %s", t.a, flash);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", loc, NULL, NULL, &r, "Cookie",
                                     both, NULL));
    RH_CHECK(strstr(rh_portal_response_body(r), "whsec_") == NULL);
    RH_CHECK(strstr(rh_portal_response_body(r), "id=\"gone\"") != NULL);
    rh_portal_response_free(r);
    teardown(&t);
}

/* A delivery's page opens each attempt on the request it sent (headers,
 * secrets redacted; the payload indented, its markup escaped) and the
 * answer's start. */
static void test_portal_pages__delivery_shows_the_request(void)
{
    pages t;
    sink *s = rh_test_sink();
    rh_portal_response *r = NULL;
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], path[300], dl[RH_ID_SIZE];
    setup(&t);
    sink_rule(s, "/r", 500, 0, NULL, "nope \x01", 1);
    rh_endpoint_options *eo = NULL;
    rh_emit_options *o = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_new(&eo));
    rh_endpoint_options_set_tenant(eo, "acct_a");
    char url[128];
    const char *events[] = {"order.paid"};
    sink_url(s, "/r", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add_with(t.ctx, url, events, 1, eo, ep,
                                         sizeof ep, secret, sizeof secret));
    rh_endpoint_options_free(eo);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_set_header(t.ctx, ep, "X-Api-Key", "s3cret"));
    rh_emit_options_new(&o);
    rh_emit_options_set_tenant(o, "acct_a");
    const char *data =
        "{\"amount\":12,\"rate\":0.1,\"note\":\"<b>hi</b> \\\"q\\\", {x}\","
        "\"empty\":{}}";
    RH_CHECK_EQ_INT(
        1, rh_emit_with(t.ctx, "order.paid", data, strlen(data), o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(t.ctx, s, 1, 10000));
    for (int i = 0; i < 20; i++) {
        rh_tick(t.ctx);
        rh_test_pause(t.ctx, 5);
    }
    sink_request rq;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &rq));
    snprintf(dl, sizeof dl, "%s", sink_header(&rq, "X-Replicer-Delivery-Id"));
    sink_request_free(&rq);
    snprintf(path, sizeof path, "/w/deliveries/%s", dl);
    RH_CHECK_EQ_INT(200, portal_call(t.p, "GET", path, NULL, NULL, &r, "Cookie",
                                     t.a, NULL));
    const char *page = rh_portal_response_body(r);
    RH_CHECK(strstr(page, "id=\"attempt-1\"") != NULL);
    RH_CHECK(strstr(page, "X-Replicer-Signature: &lt;redacted&gt;") != NULL);
    RH_CHECK(strstr(page, "X-Api-Key: &lt;redacted&gt;") != NULL);
    RH_CHECK(strstr(page, "&quot;amount&quot;: 12") != NULL); /* indented */
    /* as sent: the number as written, a string's quote, comma and brace
     * left alone, an empty object whole */
    RH_CHECK(strstr(page, "  &quot;rate&quot;: 0.1,\n") != NULL);
    RH_CHECK(strstr(page, "\\&quot;q\\&quot;, {x}&quot;,\n") != NULL);
    RH_CHECK(strstr(page, "&quot;empty&quot;: {}\n  }\n}") != NULL);
    RH_CHECK(strstr(page, "&lt;b&gt;hi&lt;/b&gt;") != NULL);
    RH_CHECK(strstr(page, "<b>hi") == NULL);
    RH_CHECK(strstr(page, "nope \\x01") != NULL); /* the answer, shown */
    RH_CHECK(strstr(page, "s3cret") == NULL && strstr(page, secret) == NULL);
    rh_portal_response_free(r);
    teardown(&t);
    sink_stop(s);
}

const rh_test_case rh_tests_portal_pages[] = {
    {"portal_pages__review_findings", test_portal_pages__review_findings},
    {"portal_pages__operator_sees_every_account",
     test_portal_pages__operator_sees_every_account},
    {"portal_pages__edit_recover_and_since",
     test_portal_pages__edit_recover_and_since},
    {"portal_pages__secret_shown_once_behind_a_redirect",
     test_portal_pages__secret_shown_once_behind_a_redirect},
    {"portal_pages__another_tenants_pages_are_unknown",
     test_portal_pages__another_tenants_pages_are_unknown},
    {"portal_pages__forms_origin_caps_templates_assets",
     test_portal_pages__forms_origin_caps_templates_assets},
    {"portal_pages__delivery_shows_the_request",
     test_portal_pages__delivery_shows_the_request},
    {NULL, NULL}};
