/* Accounts: each tenant gets its own events and only its own, whatever the
 * others emit with the same types and keys; a required tenant refuses the
 * call that forgot one; endpoints are edited in place; a tenant is removed
 * at once. On the memory store, SQLite and PostgreSQL. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_sqlite.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rh_emit_with for tenant (NULL: none) with an idempotency key and an
 * ordering key (NULL: none) and a target endpoint (NULL: subscribers). */
static int emit_for(rh_ctx *ctx, const char *tenant, const char *type,
                    const char *key, const char *endpoint, char *id_out)
{
    rh_emit_options *o = NULL;
    if (rh_emit_options_new(&o) != RH_OK ||
        rh_emit_options_set_tenant(o, tenant) != RH_OK ||
        rh_emit_options_set_idempotency_key(o, key) != RH_OK ||
        rh_emit_options_set_ordering_key(o, "acct", RH_ORDERING_CONTINUE) !=
            RH_OK ||
        rh_emit_options_set_endpoint(o, endpoint) != RH_OK)
        abort();
    int rc = rh_emit_with(ctx, type, "{\"n\":1}", 7, o, id_out,
                          id_out ? RH_ID_SIZE : 0);
    rh_emit_options_free(o);
    return rc;
}

static rh_query *tenant_query(const char *tenant)
{
    rh_query *q = NULL;
    if (rh_query_new(&q) != RH_OK || rh_query_set_tenant(q, tenant) != RH_OK)
        abort();
    return q;
}

/* Every attempt of the query's page names the tenant asked for. */
static int attempt_tenant_is(const rh_attempt *at, void *ud)
{
    return strcmp(rh_attempt_tenant(at), ud) == 0 ? RH_OK : RH_E_USER;
}

static int delivery_tenant_is(const rh_delivery *dl, void *ud)
{
    return strcmp(rh_delivery_tenant(dl), ud) == 0 ? RH_OK : RH_E_USER;
}

static void isolation(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char a1[RH_ID_SIZE], a2[RH_ID_SIZE], b1[RH_ID_SIZE], none[RH_ID_SIZE],
        ev_a[RH_ID_SIZE], ev_b[RH_ID_SIZE], ev_none[RH_ID_SIZE],
        again[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_a", "/a1", "*", a1));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_tenant_endpoint(ctx, s, "acct_a", "/a2", "order.*", a2));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_b", "/b1", "*", b1));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, NULL, "/none", "*", none));
    /* one type, one idempotency key, one ordering key: three accounts */
    RH_CHECK_EQ_INT(2, emit_for(ctx, "acct_a", "order.paid", "k1", NULL, ev_a));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_b", "order.paid", "k1", NULL, ev_b));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(1, emit_for(ctx, NULL, "order.paid", "k1", NULL, ev_none));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK(strcmp(ev_a, ev_b) != 0 && strcmp(ev_b, ev_none) != 0);
    /* the key is held per tenant: a's repeat is a's duplicate */
    RH_CHECK_EQ_INT(0, emit_for(ctx, "acct_a", "order.paid", "k1", NULL, again));
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_STR(ev_a, again);
    /* a target of another tenant is unknown to the emit */
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    emit_for(ctx, "acct_a", "order.paid", NULL, b1, NULL));
    RH_CHECK_EQ_INT(RH_ARG_ENDPOINT_ID, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    emit_for(ctx, NULL, "order.paid", NULL, a1, NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_b", "user.made", NULL, b1, NULL));
    RH_CHECK_EQ_INT(5, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/a1"));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/a2"));
    RH_CHECK_EQ_INT(2, rh_test_sent_to(s, "/b1"));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/none"));
    /* the log of each tenant is its own, and says whose each row is */
    rh_query *qa = tenant_query("acct_a"), *qb = tenant_query("acct_b"),
             *qc = tenant_query("acct_c");
    RH_CHECK_EQ_INT(2, rh_test_count_attempts(ctx, qa));
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, qa));
    RH_CHECK_EQ_INT(2, rh_log_attempts(ctx, qa, attempt_tenant_is, "acct_a"));
    RH_CHECK_EQ_INT(2, rh_log_deliveries(ctx, qb, delivery_tenant_is,
                                         "acct_b"));
    RH_CHECK_EQ_INT(0, rh_test_count_attempts(ctx, qc));
    RH_CHECK_EQ_INT(5, rh_test_count_deliveries(ctx, NULL));
    /* "" : the records of no tenant only */
    rh_query *qn = tenant_query("");
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, qn, delivery_tenant_is, ""));
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, qn));
    /* one endpoint's page (its own index in the stores) keeps the tenant
     * asked for beside it: another tenant's endpoint has no rows */
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(qa, a1));
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, qa));
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, qa));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(qa, b1));
    RH_CHECK_EQ_INT(0, rh_test_count_attempts(ctx, qa));
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, qa));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(qn, a1));
    RH_CHECK_EQ_INT(0, rh_test_count_attempts(ctx, qn));
    rh_query *qe = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&qe));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(qe, b1));
    RH_CHECK_EQ_INT(2, rh_test_count_attempts(ctx, qe));
    RH_CHECK_EQ_INT(2, rh_log_deliveries(ctx, qe, delivery_tenant_is,
                                         "acct_b"));
    rh_query_free(qe);
    rh_query_free(qn);
    rh_query_free(qa);
    rh_query_free(qb);
    rh_query_free(qc);
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(isolation, isolation)

static int keep_id(const rh_delivery *dl, void *ud)
{
    snprintf(ud, RH_ID_SIZE, "%s", rh_delivery_id(dl));
    return RH_OK;
}

/* A tenant's failed deliveries: recovered and resent by that tenant only. */
static void recovery(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0); /* one attempt, then failed */
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    char a[RH_ID_SIZE], b[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/", 500, 0, NULL, NULL, 4);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_a", "/a", "*", a));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_b", "/b", "*", b));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_a", "x.y", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_a", "x.z", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_b", "x.y", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(3, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    rh_query *qa = tenant_query("acct_a"), *qb = tenant_query("acct_b");
    RH_CHECK_EQ_INT(2, rh_recover(ctx, qa));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    /* b's failed delivery, by id: not a's to resend */
    char dl_b[RH_ID_SIZE] = "";
    rh_query_set_failed_only(qb, 1);
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, qb, keep_id, dl_b));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_tenant_resend(ctx, "acct_a", dl_b));
    RH_CHECK_EQ_INT(RH_ARG_DELIVERY_ID, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_resend(ctx, "acct_b", dl_b));
    RH_CHECK_EQ_INT(0, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_resend(ctx, "a b", dl_b));
    RH_CHECK_EQ_INT(RH_ARG_TENANT, rh_ctx_last_error_arg(ctx));
    rh_query_free(qa);
    rh_query_free(qb);
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(recovery, recovery)

/* With a tenant required, the call that forgot it is refused by name. */
static void test_tenant__required_refuses_what_forgot_it(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_tenant_required(cfg, 1));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_test_endpoint(ctx, s, "/x", "*", id,
                                                       secret));
    RH_CHECK_EQ_INT(RH_ARG_TENANT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_TENANT_REQUIRED, rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_STR("tenant_required",
                    rh_refusal_name(rh_ctx_last_error_refusal(ctx)));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_test_tenant_endpoint(ctx, s, NULL, "/x", "*",
                                                      id));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "t1", "/x", "*", id));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit(ctx, "a.b", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_ARG_TENANT, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, emit_for(ctx, NULL, "a.b", NULL, NULL,
                                               NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "t1", "a.b", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Tenant ids, names, descriptions and labels out of their rules are
 * refused where they are given. */
static void test_tenant__bad_input_is_refused(void)
{
    rh_emit_options *eo = NULL;
    rh_endpoint_options *o = NULL;
    rh_query *q = NULL;
    char long_id[RH_TENANT_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&eo));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_new(&o));
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    const char *bad[] = {"", "a b", "caf\xc3\xa9", "tab\t", "nl\n", long_id};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit_options_set_tenant(eo, bad[i]));
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_endpoint_options_set_tenant(o, bad[i]));
        /* a query's "" is no tenant; the rest are refused */
        RH_CHECK_EQ_INT(i ? RH_E_INVALID_ARG : RH_OK,
                        rh_query_set_tenant(q, bad[i]));
    }
    long_id[RH_TENANT_MAX] = '\0'; /* exactly the longest */
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_tenant(eo, long_id));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_set_tenant(o, "acct:7/eu"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_options_set_name(o, "a\x01"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_options_set_name(o, "\xff\xfe"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_set_name(o, "Billing \xe2\x9c\x93"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_set_description(o, "two\nlines"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_options_set_label(o, "a b", "v"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_options_set_label(o, "", "v"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_options_set_label(o, "k", "\r"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_options_set_secret(o, "whsec_short"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_options_set_tenant(NULL, "a"));
    rh_endpoint_options_free(o);
    rh_emit_options_free(eo);
    rh_query_free(q);
}

static int count_labels_of(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

/* An endpoint edited in place: URL, events, name, description, labels;
 * the id and secret stay, the edits are stored, a bad one changes nothing. */
static void edits(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char id[RH_ID_SIZE], url[256], secret[RH_SECRET_SIZE];
    const rh_endpoint *ep;
    RH_CHECK(ctx != NULL);
    rh_endpoint_options *o = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_new(&o));
    rh_endpoint_options_set_tenant(o, "acct_a");
    rh_endpoint_options_set_name(o, "Orders");
    rh_endpoint_options_set_label(o, "env", "prod");
    rh_endpoint_options_set_label(o, "team", "billing");
    rh_endpoint_options_set_secret(o, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const char *order[] = {"order.*"};
    sink_url(s, "/old", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add_with(ctx, url, order, 1, o, id,
                                                sizeof id, NULL, 0));
    rh_endpoint_options_free(o);
    /* the URL moves: the next delivery goes to the new path, same secret */
    sink_url(s, "/new", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_url(ctx, id, url));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_a", "order.paid", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_STR("/new", r.path);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_verify_request(
                        &r, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", -1));
    sink_request_free(&r);
    /* the subscriptions change for the next emit */
    const char *user[] = {"user.*", "invoice.paid"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_events(ctx, id, user, 2));
    RH_CHECK_EQ_INT(0, emit_for(ctx, "acct_a", "order.paid", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_a", "invoice.paid", NULL, NULL, NULL));
    /* the profile */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_name(ctx, id, "Users"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_description(ctx, id, "line 1\nline 2"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_label(ctx, id, "env", "staging"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_label(ctx, id, "team", NULL));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_set_label(ctx, id, "team", NULL));
    RH_CHECK_EQ_INT(RH_ARG_LABEL, rh_ctx_last_error_arg(ctx));
    /* bad edits are refused by name and change nothing */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_url(ctx, id, "ftp://x"));
    RH_CHECK_EQ_INT(RH_ARG_URL, rh_ctx_last_error_arg(ctx));
    const char *bad[] = {"no spaces"};
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_events(ctx, id, bad, 1));
    RH_CHECK_EQ_INT(RH_ARG_EVENTS, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_name(ctx, id, "a\x1b"));
    RH_CHECK_EQ_INT(RH_ARG_NAME, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_set_name(ctx, "ep_nobody", "x"));
    char key[8];
    for (int i = 0; i < RH_ENDPOINT_LABELS_MAX - 1; i++) {
        snprintf(key, sizeof key, "k%d", i);
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_label(ctx, id, key, "v"));
    }
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_label(ctx, id, "one", "more"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_STR(url, rh_endpoint_url(ep));
    RH_CHECK_EQ_INT(2, (int)rh_endpoint_event_count(ep));
    RH_CHECK_EQ_STR("Users", rh_endpoint_name(ep));
    RH_CHECK_EQ_STR("line 1\nline 2", rh_endpoint_description(ep));
    RH_CHECK_EQ_STR("acct_a", rh_endpoint_tenant(ep));
    RH_CHECK_EQ_INT(RH_ENDPOINT_LABELS_MAX, (int)rh_endpoint_label_count(ep));
    RH_CHECK_EQ_STR("env", rh_endpoint_label_key(ep, 0));
    RH_CHECK_EQ_STR("staging", rh_endpoint_label_value(ep, 0));
    RH_CHECK_EQ_STR("", rh_endpoint_label_key(ep, 99));
    int n = 0;
    RH_CHECK_EQ_INT(1, rh_endpoint_list(ctx, count_labels_of, &n));
    (void)secret;
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(edits, edits)

/* A production context refuses an edit to plain http, as it refuses an
 * add; the endpoint keeps its URL. */
static void test_tenant__production_refuses_http_edit(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_mode(cfg, RH_MODE_PRODUCTION);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    const rh_endpoint *ep;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "https://example.com/h", events,
                                           1, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_url(ctx, id, "http://example.com/h"));
    RH_CHECK_EQ_INT(RH_REFUSAL_INSECURE_SCHEME, rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_STR("https://example.com/h", rh_endpoint_url(ep));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_set_url(ctx, id, "https://example.org/v2"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, id, &ep));
    RH_CHECK_EQ_STR("https://example.org/v2", rh_endpoint_url(ep));
    rh_ctx_free(ctx);
}

/* A tenant removed: its endpoints go (and no delivery of theirs goes out
 * after), the others stay, and a second removal removes nothing. */
static void removal(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char a1[RH_ID_SIZE], a2[RH_ID_SIZE], b[RH_ID_SIZE];
    const rh_endpoint *ep;
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_a", "/a1", "*", a1));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_a", "/a2", "*", a2));
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "acct_b", "/b", "*", b));
    RH_CHECK_EQ_INT(2, emit_for(ctx, "acct_a", "x.y", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(ctx, "acct_b", "x.y", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(2, rh_tenant_remove(ctx, "acct_a"));
    RH_CHECK_EQ_INT(0, rh_tenant_remove(ctx, "acct_a"));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_get(ctx, a1, &ep));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, b, &ep));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tenant_remove(ctx, ""));
    /* its queued deliveries fail, and none is sent */
    rh_test_drive(ctx, 5000);
    RH_CHECK_EQ_INT(1, (int)sink_count(s));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/b"));
    rh_query *qa = tenant_query("acct_a");
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "x.y", "{}", 2, NULL, NULL, 0));
    rh_query_set_failed_only(qa, 1);
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, qa));
    rh_query_free(qa);
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(removal, removal)

/* 1 when the file at path holds needle anywhere in its bytes. */
static int file_holds(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    size_t n = strlen(needle), len = 0, cap = 1 << 16, got;
    char *buf = malloc(cap);
    int found = 0;
    if (!f || !buf)
        abort();
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap && !(buf = realloc(buf, cap *= 2)))
            abort();
    }
    fclose(f);
    for (size_t i = 0; !found && i + n <= len; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* A removed tenant's secrets are gone from the SQLite file's bytes, not
 * only from the table. */
static void test_tenant__sqlite_removal_leaves_no_secret_bytes(void)
{
    char path[128], id[RH_ID_SIZE], url[] = "http://127.0.0.1:9/h";
    const char *secret = "whsec_dGVuYW50LXJlbW92YWwtc2VjcmV0LWJ5dGVz";
    const char *events[] = {"*"};
    rh_storage st;
    char err[256];
    rh_endpoint_options *o = NULL;
    rh_test_path(path, sizeof path, "tenant-secret");
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_new(&o));
    rh_endpoint_options_set_tenant(o, "acct_gone");
    rh_endpoint_options_set_secret(o, secret);
    /* labels enough to spill the record past a page: overflow pages go to
     * the freelist on delete, and are zeroed too */
    char key[8], value[RH_LABEL_VALUE_MAX + 1];
    for (int i = 0; i < RH_ENDPOINT_LABELS_MAX; i++) {
        snprintf(key, sizeof key, "k%02d", i);
        memset(value, 'a' + i, RH_LABEL_VALUE_MAX);
        value[RH_LABEL_VALUE_MAX] = '\0';
        memcpy(value, "spill-marker", 12);
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_options_set_label(o, key, value));
    }
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add_with(ctx, url, events, 1, o, id,
                                                sizeof id, NULL, 0));
    rh_endpoint_options_free(o);
    rh_endpoint_options_new(&o);
    rh_endpoint_options_set_tenant(o, "acct_stays");
    char other[RH_ID_SIZE], other_secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add_with(ctx, url, events, 1, o, other,
                                                sizeof other, other_secret,
                                                sizeof other_secret));
    rh_endpoint_options_free(o);
    rh_ctx_free(ctx); /* the last connection: the WAL goes into the file */
    RH_CHECK(file_holds(path, secret + 6));
    RH_CHECK(file_holds(path, "spill-marker"));
    cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    rh_config_set_storage(cfg, &st);
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(1, rh_tenant_remove(ctx, "acct_gone"));
    rh_ctx_free(ctx);
    RH_CHECK(!file_holds(path, secret + 6));
    RH_CHECK(!file_holds(path, "spill-marker"));
    RH_CHECK(file_holds(path, other_secret + 6));
}

/* An edit made by one process reaches a worker in another within its
 * refresh: the new URL gets the next delivery, the new events decide the
 * next fan-out, the worker's copy never writes the old ones back. */
static void test_tenant__edits_reach_a_running_worker(void)
{
    sink *s = rh_test_sink();
    char path[128], id[RH_ID_SIZE], url[256];
    rh_test_path(path, sizeof path, "tenant-edit");
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_refresh_ms(cfg, 1000);
    rh_ctx *worker = rh_test_sqlite_ctx(path, cfg);
    rh_ctx *admin = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(admin, s, "acct", "/v1", "a.*", id));
    RH_CHECK_EQ_INT(1, emit_for(admin, "acct", "a.b", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, rh_test_drive(worker, 5000));
    sink_url(s, "/v2", url, sizeof url);
    const char *events[] = {"b.*"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_url(admin, id, url));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_events(admin, id, events, 1));
    RH_CHECK_EQ_INT(1, emit_for(admin, "acct", "b.c", NULL, NULL, NULL));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, rh_test_drive(worker, 5000));
    RH_CHECK_EQ_INT(2, (int)sink_count(s));
    RH_CHECK_EQ_INT(1, rh_test_sent_to(s, "/v2"));
    /* the worker fans out by the new events too */
    RH_CHECK_EQ_INT(0, emit_for(worker, "acct", "a.b", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(worker, "acct", "b.d", NULL, NULL, NULL));
    /* and its health saves did not put the old URL back */
    rh_ctx_free(worker);
    rh_ctx *fresh = rh_test_sqlite_ctx(path, rh_test_config());
    const rh_endpoint *ep;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(fresh, id, &ep));
    RH_CHECK_EQ_STR(url, rh_endpoint_url(ep));
    RH_CHECK_EQ_STR("acct", rh_endpoint_tenant(ep));
    rh_ctx_free(fresh);
    rh_ctx_free(admin);
    sink_stop(s);
}

/* Two processes edit one endpoint, each from its own copy: neither undoes
 * the other, not even by a whole-record save (a header) from the older
 * copy. */
static void test_tenant__edits_from_a_stale_copy_undo_nothing(void)
{
    sink *s = rh_test_sink();
    char path[128], id[RH_ID_SIZE], url[256];
    const rh_endpoint *ep;
    rh_test_path(path, sizeof path, "tenant-stale");
    rh_ctx *a = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(a, s, "acct", "/old", "x.*", id));
    rh_ctx *b = rh_test_sqlite_ctx(path, rh_test_config()); /* its copy: now */
    sink_url(s, "/new", url, sizeof url);
    const char *events[] = {"y.*"};
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_url(a, id, url));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_events(a, id, events, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_name(b, id, "Billing"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_header(b, id, "X-Key", "k-1"));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_label(a, id, "env", "prod"));
    rh_ctx *c = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(c, id, &ep));
    RH_CHECK_EQ_STR(url, rh_endpoint_url(ep));
    RH_CHECK_EQ_STR("y.*", rh_endpoint_event(ep, 0));
    RH_CHECK_EQ_STR("env", rh_endpoint_label_key(ep, 0));
    RH_CHECK_EQ_INT(1, (int)rh_endpoint_header_count(ep));
    /* a's label edit came after b's name, from a's copy: it kept it */
    RH_CHECK_EQ_STR("", rh_endpoint_name(ep)); /* profile is one part */
    RH_CHECK_EQ_STR("acct", rh_endpoint_tenant(ep));
    /* the new subscriptions decide the fan-out of a fresh context */
    RH_CHECK_EQ_INT(0, emit_for(c, "acct", "x.z", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(1, emit_for(c, "acct", "y.z", NULL, NULL, NULL));
    rh_ctx_free(a);
    rh_ctx_free(b);
    rh_ctx_free(c);
    sink_stop(s);
}

/* A tenant's endpoints added by another process are removed too: the
 * removal reads the store, not only this process's copy. */
static void test_tenant__removal_reaches_other_processes_endpoints(void)
{
    sink *s = rh_test_sink();
    char path[128], id[RH_ID_SIZE];
    const rh_endpoint *ep;
    rh_test_path(path, sizeof path, "tenant-remove-shared");
    rh_ctx *a = rh_test_sqlite_ctx(path, rh_test_config());
    rh_ctx *b = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(b, s, "acme", "/b", "*", id));
    RH_CHECK_EQ_INT(1, rh_tenant_remove(a, "acme"));
    rh_ctx *c = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_endpoint_get(c, id, &ep));
    rh_ctx_free(a);
    rh_ctx_free(b);
    rh_ctx_free(c);
    sink_stop(s);
}

/* A cap per tenant holds in a context: a tenant with a backlog takes no
 * more than its cap of the in-flight room, the others get theirs at once,
 * and everything is delivered in the end. */
static void cap_per_tenant(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    rh_config_set_max_in_flight_per_tenant(cfg, 2);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    char big[RH_ID_SIZE], small[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/big", 200, 300, NULL, NULL, -1); /* slow: stays in flight */
    RH_CHECK_EQ_INT(RH_OK, rh_test_tenant_endpoint(ctx, s, "big", "/big", "*", big));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_tenant_endpoint(ctx, s, "small", "/small", "*", small));
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o); /* no ordering key: they may go together */
    rh_emit_options_set_tenant(o, "big");
    for (int i = 0; i < 10; i++)
        RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0));
    rh_emit_options_set_tenant(o, "small");
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "x.y", "{}", 2, o, NULL, 0));
    rh_emit_options_free(o);
    RH_CHECK(rh_tick(ctx) >= 0);
    RH_CHECK_EQ_INT(4, (int)rh_ctx_in_flight(ctx)); /* 2 of each */
    RH_CHECK_EQ_INT(13, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(3, rh_test_sent_to(s, "/small"));
    RH_CHECK_EQ_INT(10, rh_test_sent_to(s, "/big"));
    rh_ctx_free(ctx);
    sink_stop(s);
    rh_config *bad = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_max_in_flight_per_tenant(bad, 100001));
    rh_config_free(bad);
}
RH_BACKEND_WRAPPERS(cap_per_tenant, cap_per_tenant)

const rh_test_case rh_tests_tenant[] = {
    RH_BACKEND_ROWS("tenant", isolation)
    RH_BACKEND_ROWS("tenant", recovery)
    RH_BACKEND_ROWS("tenant", edits)
    RH_BACKEND_ROWS("tenant", removal)
    RH_BACKEND_ROWS("tenant", cap_per_tenant)
    {"tenant__required_refuses_what_forgot_it",
     test_tenant__required_refuses_what_forgot_it},
    {"tenant__bad_input_is_refused", test_tenant__bad_input_is_refused},
    {"tenant__production_refuses_http_edit",
     test_tenant__production_refuses_http_edit},
    {"tenant__edits_reach_a_running_worker",
     test_tenant__edits_reach_a_running_worker},
    {"tenant__removal_reaches_other_processes_endpoints",
     test_tenant__removal_reaches_other_processes_endpoints},
    {"tenant__edits_from_a_stale_copy_undo_nothing",
     test_tenant__edits_from_a_stale_copy_undo_nothing},
    {"tenant__sqlite_removal_leaves_no_secret_bytes",
     test_tenant__sqlite_removal_leaves_no_secret_bytes},
    {NULL, NULL}};
