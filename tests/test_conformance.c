/* The storage conformance suite: the contract of docs/storage.md, checked on
 * the table alone, for every backend through the same entry points. */
#include "backends.h"
#include "rh_internal.h"
#include "rh_test.h"

#include <stdlib.h>

#define T0 1700000000000LL

/* Enqueue one event of `type` with n deliveries named <prefix><i> to
 * endpoint ep, due (and created) at due_ms. */
static int put_for(rh_storage *st, const char *tenant, const char *event_id,
                   const char *type, const char *prefix, int n, const char *ep,
                   int64_t due_ms, const char *data, size_t len)
{
    rh_event *ev = NULL;
    rh_delivery *dls[16] = {NULL};
    const rh_delivery *ptrs[16];
    int rc = rh_event_new(&ev, event_id, type, T0, data, len);
    if (rc == RH_OK)
        rc = rh_event_set_tenant(ev, tenant);
    for (int i = 0; rc == RH_OK && i < n; i++) {
        char id[RH_ID_SIZE];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        rc = rh_delivery_new(&dls[i], id, event_id, ep, type,
                             RH_DELIVERY_PENDING, 0, due_ms, due_ms, due_ms);
        if (rc == RH_OK)
            rc = rh_delivery_set_tenant(dls[i], tenant);
        ptrs[i] = dls[i];
    }
    if (rc == RH_OK)
        rc = st->enqueue(ev, ptrs, (size_t)n, st->userdata);
    for (int i = 0; i < n; i++)
        rh_delivery_free(dls[i]);
    rh_event_free(ev);
    return rc;
}

static int put_typed(rh_storage *st, const char *event_id, const char *type,
                     const char *prefix, int n, const char *ep, int64_t due_ms,
                     const char *data, size_t len)
{
    return put_for(st, NULL, event_id, type, prefix, n, ep, due_ms, data, len);
}

static int put(rh_storage *st, const char *event_id, const char *prefix, int n,
               const char *ep, int64_t due_ms, const char *data, size_t len)
{
    return put_typed(st, event_id, "order.paid", prefix, n, ep, due_ms, data,
                     len);
}

typedef struct offer_log {
    int accept; /* 1: take all; 0: take none; -1: fail */
    int n;
    char ids[64][RH_ID_SIZE];
    int states[64];
    char data[64];
    size_t data_len;
    int64_t ts;
    char type[64];
} offer_log;

static int offered(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    offer_log *o = ud;
    if (o->n < 64) {
        snprintf(o->ids[o->n], RH_ID_SIZE, "%s", rh_delivery_id(dl));
        o->states[o->n] = rh_delivery_state(dl);
        o->data_len = rh_event_data_len(ev);
        if (o->data_len <= sizeof o->data)
            memcpy(o->data, rh_event_data(ev), o->data_len);
        o->ts = rh_event_timestamp_ms(ev);
        snprintf(o->type, sizeof o->type, "%s", rh_delivery_event_type(dl));
        o->n++;
    }
    return o->accept < 0 ? RH_E_USER : o->accept;
}

static int claim(rh_storage *st, int64_t now, int64_t lease, size_t max,
                 offer_log *o, int accept)
{
    memset(o, 0, sizeof *o);
    o->accept = accept;
    return st->claim(now, lease, max, offered, o, st->userdata);
}

static int count_deliveries_cb(const rh_delivery *dl, void *ud)
{
    (void)dl;
    (*(int *)ud)++;
    return RH_OK;
}

static int count_deliveries(rh_storage *st, const rh_query *q)
{
    int n = 0, rc = st->query_deliveries(q, count_deliveries_cb, &n,
                                         st->userdata);
    return rc < 0 ? rc : n;
}

static rh_storage open_store(void)
{
    rh_storage st;
    memset(&st, 0, sizeof st);
    if (rh_test_backend_now->open(&st) != RH_OK)
        abort();
    return st;
}

static void close_store(rh_storage *st)
{
    if (st->destroy)
        st->destroy(st->userdata);
}

/* ------------------------------------------------------------------ tests */

typedef struct ep_seen {
    int n;
    char json[4][128];
} ep_seen;

static int ep_each(const char *json, size_t len, void *ud)
{
    ep_seen *e = ud;
    if (e->n < 4)
        snprintf(e->json[e->n], sizeof e->json[0], "%.*s", (int)len, json);
    e->n++;
    return RH_OK;
}

static void conf_endpoints(void)
{
    rh_storage st = open_store();
    ep_seen e = {0, {{0}}};
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_save("ep_a", "{\"v\":1}", 7, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_save("ep_b", "{\"v\":2}", 7, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_save("ep_a", "{\"v\":3}", 7, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_load(ep_each, &e, st.userdata));
    RH_CHECK_EQ_INT(2, e.n);
    RH_CHECK_EQ_STR("{\"v\":3}", e.json[0]); /* replaced in place */
    RH_CHECK_EQ_STR("{\"v\":2}", e.json[1]);
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_remove("ep_a", st.userdata));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, st.endpoint_remove("ep_a", st.userdata));
    e.n = 0;
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_load(ep_each, &e, st.userdata));
    RH_CHECK_EQ_INT(1, e.n);
    close_store(&st);
}

typedef struct ep_order {
    int next;   /* the number the next record should carry */
    int step;   /* between neighbours */
    int n;      /* records seen */
    int breaks; /* records not carrying the number expected */
    int wrong;  /* replaced, or not, against the rule */
    int last;   /* the number of the last one */
} ep_order;

/* Records are {"i":N} or, every fifth from 1, {"i":N,"v":2} (replaced). */
static int ep_in_order(const char *json, size_t len, void *ud)
{
    ep_order *o = ud;
    int i = -1;
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)len, json);
    sscanf(text, "{\"i\":%d", &i);
    o->breaks += i != o->next;
    o->wrong += (strstr(text, "\"v\":2") != NULL) != (i % 5 == 1);
    o->next = i + o->step;
    o->last = i;
    o->n++;
    return RH_OK;
}

static int save_numbered(rh_storage *st, int i, int replaced)
{
    char id[RH_ID_SIZE], json[32];
    snprintf(id, sizeof id, "ep_%d", i);
    int len = snprintf(json, sizeof json,
                       replaced ? "{\"i\":%d,\"v\":2}" : "{\"i\":%d}", i);
    return st->endpoint_save(id, json, (size_t)len, st->userdata);
}

/* Many endpoints: every save, replacement and removal finds its record by
 * id (the memory store scanned them all: 100,000 adds took 24 s), and the
 * load hands them back in the order first saved, replaced ones in place
 * and one saved again after its removal last. */
static void conf_many_endpoints(void)
{
    rh_storage st = open_store();
    int n = 1000; /* on the durable stores, a commit each */
    if (rh_test_backend_now == &rh_test_memory_backend)
        n = getenv("RH_TEST_VALGRIND") ? 10000 : 100000;
    int failed = 0;
    char id[RH_ID_SIZE];
    for (int i = 0; i < n; i++)
        failed += save_numbered(&st, i, 0) != RH_OK;
    for (int i = 1; i < n; i += 5)
        failed += save_numbered(&st, i, 1) != RH_OK;
    ep_order o = {0, 1, 0, 0, 0, -1};
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_load(ep_in_order, &o, st.userdata));
    RH_CHECK_EQ_INT(n, o.n);
    RH_CHECK_EQ_INT(0, o.breaks);
    RH_CHECK_EQ_INT(0, o.wrong);
    for (int i = 0; i < n; i += 2) {
        snprintf(id, sizeof id, "ep_%d", i);
        failed += st.endpoint_remove(id, st.userdata) != RH_OK;
    }
    RH_CHECK_EQ_INT(0, failed);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, st.endpoint_remove("ep_0", st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_remove("ep_1", st.userdata));
    RH_CHECK_EQ_INT(RH_OK, save_numbered(&st, 1, 1)); /* back, at the end */
    o = (ep_order){3, 2, 0, 0, 0, -1};
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_load(ep_in_order, &o, st.userdata));
    RH_CHECK_EQ_INT(n / 2, o.n);
    RH_CHECK_EQ_INT(1, o.breaks); /* 1, after n - 1 */
    RH_CHECK_EQ_INT(1, o.last);
    RH_CHECK_EQ_INT(0, o.wrong);
    /* every one left is still found by its id */
    for (int i = 1; i < n; i += 2) {
        snprintf(id, sizeof id, "ep_%d", i);
        failed += st.endpoint_remove(id, st.userdata) != RH_OK;
    }
    RH_CHECK_EQ_INT(0, failed);
    o.n = 0;
    RH_CHECK_EQ_INT(RH_OK, st.endpoint_load(ep_in_order, &o, st.userdata));
    RH_CHECK_EQ_INT(0, o.n);
    close_store(&st);
}

static void conf_enqueue_is_all_or_none(void)
{
    rh_storage st = open_store();
    rh_event *ev = NULL;
    rh_delivery *a = NULL, *b = NULL;
    offer_log o;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_1", "dlv_x", 2, "ep_1", T0, "{}", 2));
    /* a batch whose second delivery repeats a stored id fails whole */
    rh_event_new(&ev, "evt_2", "order.paid", T0, "{}", 2);
    rh_delivery_new(&a, "dlv_new", "evt_2", "ep_1", "order.paid", 0, 0, T0, T0,
                    T0);
    rh_delivery_new(&b, "dlv_x1", "evt_2", "ep_1", "order.paid", 0, 0, T0, T0,
                    T0);
    const rh_delivery *batch[2] = {a, b};
    RH_CHECK(st.enqueue(ev, batch, 2, st.userdata) < 0);
    /* and one that repeats an id within itself */
    const rh_delivery *twice[2] = {a, a};
    RH_CHECK(st.enqueue(ev, twice, 2, st.userdata) < 0);
    rh_delivery_free(a);
    rh_delivery_free(b);
    rh_event_free(ev);
    RH_CHECK_EQ_INT(2, count_deliveries(&st, NULL));
    RH_CHECK_EQ_INT(2, claim(&st, T0, T0 + 1000, 10, &o, 1));
    RH_CHECK(strcmp(o.ids[0], "dlv_new") != 0 && strcmp(o.ids[1], "dlv_new"));
    close_store(&st);
}

static void conf_ids_and_bytes_round_trip(void)
{
    rh_storage st = open_store();
    offer_log o;
    /* any bytes, NUL and invalid UTF-8 included, come back exactly */
    static const char data[] = "{\"s\":\"caf\xc3\xa9\"}\0\xff\x01tail";
    const size_t len = sizeof data - 1;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_01ABCxyz_9", "dlv_01ABCxyz_", 1,
                               "ep_Zz09_", T0 - 5, data, len));
    RH_CHECK_EQ_INT(1, claim(&st, T0, T0 + 1000, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_01ABCxyz_0", o.ids[0]);
    RH_CHECK_EQ_INT(len, o.data_len);
    RH_CHECK(memcmp(o.data, data, len) == 0);
    RH_CHECK_EQ_INT(T0, o.ts);
    RH_CHECK_EQ_STR("order.paid", o.type);
    close_store(&st);
}

static void conf_claim_offers_due_earliest_first(void)
{
    rh_storage st = open_store();
    offer_log o;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 1, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_b", "dlv_b", 1, "ep_1", T0 + 10, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_c", "dlv_c", 1, "ep_1", T0 - 5, "{}", 2));
    RH_CHECK_EQ_INT(2, claim(&st, T0, T0 + 1000, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_c0", o.ids[0]);
    RH_CHECK_EQ_STR("dlv_a0", o.ids[1]);
    RH_CHECK_EQ_INT(RH_DELIVERY_PENDING, o.states[0]);
    int64_t due = 0;
    RH_CHECK_EQ_INT(RH_OK, st.next_due(T0, &due, st.userdata));
    RH_CHECK_EQ_INT(T0 + 10, due);
    close_store(&st);
}

static void conf_claim_is_exclusive_until_the_lease_ends(void)
{
    rh_storage st = open_store();
    offer_log o;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 3, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(2, claim(&st, T0, T0 + 100, 2, &o, 1)); /* max 2 */
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 50, T0 + 150, 10, &o, 1));
    RH_CHECK_EQ_INT(0, claim(&st, T0 + 99, T0 + 199, 10, &o, 1));
    RH_CHECK_EQ_INT(0, o.n); /* not even offered */
    /* the first two leases end: they come back, marked in flight */
    RH_CHECK_EQ_INT(2, claim(&st, T0 + 100, T0 + 200, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_DELIVERY_IN_FLIGHT, o.states[0]);
    int64_t due = 0;
    RH_CHECK_EQ_INT(RH_OK, st.next_due(T0 + 100, &due, st.userdata));
    RH_CHECK_EQ_INT(T0 + 150, due);
    close_store(&st);
}

static void conf_claim_leaves_what_the_caller_skips(void)
{
    rh_storage st = open_store();
    offer_log o;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 3, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(0, claim(&st, T0, T0 + 100, 10, &o, 0));
    RH_CHECK_EQ_INT(3, o.n); /* offered, left */
    RH_CHECK_EQ_INT(3, claim(&st, T0, T0 + 100, 10, &o, 1));
    /* a callback failure stops the claim and is handed back */
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_b", "dlv_b", 1, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_E_USER, claim(&st, T0, T0 + 100, 10, &o, -1));
    RH_CHECK_EQ_INT(1, claim(&st, T0, T0 + 100, 10, &o, 1));
    close_store(&st);
}

typedef struct att_log {
    int n;
    int64_t seq[16];
    int number[16];
    int status[16];
    char response[16][16];
} att_log;

static int att_each(const rh_attempt *at, void *ud)
{
    att_log *a = ud;
    if (a->n < 16) {
        a->seq[a->n] = rh_attempt_seq(at);
        a->number[a->n] = rh_attempt_number(at);
        a->status[a->n] = rh_attempt_status(at);
        snprintf(a->response[a->n], 16, "%.*s",
                 (int)rh_attempt_response_len(at), rh_attempt_response(at));
    }
    a->n++;
    return RH_OK;
}

static int complete(rh_storage *st, const char *id, int state, int attempts,
                    int64_t next, int status, int64_t started)
{
    rh_delivery *dl = NULL;
    rh_attempt *at = NULL;
    int rc = rh_delivery_new(&dl, id, "evt_a", "ep_1", "order.paid", state,
                             attempts, next, T0, started);
    if (rc == RH_OK && status >= 0)
        rc = rh_attempt_new(&at, 0, id, "ep_1", "evt_a", "order.paid",
                            attempts, started, 12, status,
                            status >= 200 && status < 300,
                            status >= 200 && status < 300
                                ? RH_OUTCOME_OK
                                : RH_OUTCOME_HTTP_STATUS,
                            "resp", 4, "");
    if (rc == RH_OK)
        rc = st->complete(dl, at, st->userdata);
    rh_attempt_free(at);
    rh_delivery_free(dl);
    return rc;
}

static void conf_complete_appends_and_reschedules(void)
{
    rh_storage st = open_store();
    offer_log o;
    att_log a = {0};
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 2, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(2, claim(&st, T0, T0 + 100000, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a0", RH_DELIVERY_PENDING, 1,
                                    T0 + 5000, 500, T0));
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a1", RH_DELIVERY_SUCCEEDED, 1,
                                    T0, 200, T0 + 1));
    /* unknown: refused, and no attempt appended */
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, complete(&st, "dlv_zz",
                                             RH_DELIVERY_FAILED, 1, T0, 500,
                                             T0));
    RH_CHECK_EQ_INT(2, st.query_attempts(NULL, att_each, &a, st.userdata));
    RH_CHECK(a.seq[0] > 0 && a.seq[1] > a.seq[0]);
    RH_CHECK_EQ_INT(500, a.status[0]);
    RH_CHECK_EQ_STR("resp", a.response[0]);
    /* rescheduled: due at +5 s, not before, though its lease runs longer */
    RH_CHECK_EQ_INT(0, claim(&st, T0 + 4999, T0 + 9000, 10, &o, 1));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 5000, T0 + 9000, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_a0", o.ids[0]);
    /* finished deliveries are never offered again */
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a0", RH_DELIVERY_FAILED, 2, T0,
                                    -1, T0 + 5000)); /* no attempt: allowed */
    RH_CHECK_EQ_INT(0, claim(&st, T0 + 999999, T0 + 9999999, 10, &o, 1));
    int64_t due = 0;
    RH_CHECK_EQ_INT(RH_OK, st.next_due(T0, &due, st.userdata));
    RH_CHECK_EQ_INT(-1, due);
    a.n = 0;
    RH_CHECK_EQ_INT(2, st.query_attempts(NULL, att_each, &a, st.userdata));
    close_store(&st);
}

static void conf_queries_filter_and_page(void)
{
    rh_storage st = open_store();
    offer_log o;
    att_log a = {0};
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 3, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_b", "dlv_b", 1, "ep_2", T0 + 10, "{}", 2));
    RH_CHECK_EQ_INT(3, claim(&st, T0, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a0", RH_DELIVERY_SUCCEEDED, 1, T0, 200, T0 + 1));
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a1", RH_DELIVERY_FAILED, 1, T0, 500, T0 + 2));
    RH_CHECK_EQ_INT(RH_OK, complete(&st, "dlv_a2", RH_DELIVERY_PENDING, 1, T0 + 50, 503, T0 + 3));
    rh_query_new(&q);
    rh_query_set_delivery(q, "dlv_a1");
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(500, a.status[0]);
    rh_query_set_delivery(q, NULL);
    rh_query_set_failed_only(q, 1);
    a.n = 0;
    RH_CHECK_EQ_INT(2, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q)); /* failed only: dlv_a1 */
    rh_query_set_failed_only(q, 0);
    rh_query_set_time_range(q, T0 + 2, T0 + 3);
    a.n = 0;
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(500, a.status[0]);
    rh_query_set_time_range(q, 0, 0);
    /* pages of 2 by cursor */
    rh_query_set_limit(q, 2);
    a.n = 0;
    RH_CHECK_EQ_INT(2, st.query_attempts(q, att_each, &a, st.userdata));
    rh_query_set_cursor(q, a.seq[1]);
    a.n = 0;
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(503, a.status[0]);
    rh_query_free(q);
    /* deliveries by endpoint, state and creation time */
    rh_query_new(&q);
    rh_query_set_endpoint(q, "ep_2");
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q));
    rh_query_set_endpoint(q, "ep_1");
    rh_query_set_state(q, RH_DELIVERY_SUCCEEDED);
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q));
    rh_query_set_state(q, -1);
    rh_query_set_time_range(q, T0 + 5, 0);
    RH_CHECK_EQ_INT(0, count_deliveries(&st, q));
    rh_query_set_endpoint(q, NULL);
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q));
    rh_query_set_event(q, "evt_a");
    RH_CHECK_EQ_INT(0, count_deliveries(&st, q));
    rh_query_free(q);
    close_store(&st);
}

static void conf_resend_and_recover(void)
{
    rh_storage st = open_store();
    offer_log o;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 3, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(3, claim(&st, T0, T0 + 100, 10, &o, 1));
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "dlv_a%d", i);
        RH_CHECK_EQ_INT(RH_OK, complete(&st, id, i == 2 ? RH_DELIVERY_SUCCEEDED
                                                         : RH_DELIVERY_FAILED,
                                        6, T0, 500, T0));
    }
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, st.resend("dlv_zz", T0, st.userdata));
    RH_CHECK_EQ_INT(RH_E_STATE, st.resend("dlv_a2", T0, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.resend("dlv_a0", T0 + 7, st.userdata));
    RH_CHECK_EQ_INT(RH_E_STATE, st.resend("dlv_a0", T0 + 7, st.userdata));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 7, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_a0", o.ids[0]);
    RH_CHECK_EQ_INT(0, st.recover("ep_1", T0 + 1, T0 + 8, st.userdata));
    RH_CHECK_EQ_INT(0, st.recover("ep_2", 0, T0 + 8, st.userdata));
    RH_CHECK_EQ_INT(1, st.recover("ep_1", T0, T0 + 8, st.userdata));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 8, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_a1", o.ids[0]);
    close_store(&st);
}

/* Complete a claimed delivery (its next attempt at next) with one attempt
 * of the given answer, or with none when status is negative. */
static int finish_at(rh_storage *st, const char *id, const char *event_id,
                     const char *ep, const char *type, int state, int64_t next,
                     int status, int outcome, int64_t started)
{
    rh_delivery *dl = NULL;
    rh_attempt *at = NULL;
    int rc = rh_delivery_new(&dl, id, event_id, ep, type, state, 1, next, T0,
                             started);
    if (rc == RH_OK && status >= 0)
        rc = rh_attempt_new(&at, 0, id, ep, event_id, type, 1, started, 5,
                            status, state == RH_DELIVERY_SUCCEEDED, outcome, "",
                            0, "");
    if (rc == RH_OK)
        rc = st->complete(dl, at, st->userdata);
    rh_attempt_free(at);
    rh_delivery_free(dl);
    return rc;
}

/* Finish a claimed delivery with one attempt of the given answer. */
static int finish(rh_storage *st, const char *id, const char *event_id,
                  const char *ep, const char *type, int state, int status,
                  int outcome, int64_t started)
{
    return finish_at(st, id, event_id, ep, type, state, T0, status, outcome,
                     started);
}

typedef struct dl_log {
    int n;
    char ids[16][RH_ID_SIZE];
    int64_t created[16];
} dl_log;

static int dl_each(const rh_delivery *dl, void *ud)
{
    dl_log *d = ud;
    if (d->n < 16) {
        snprintf(d->ids[d->n], RH_ID_SIZE, "%s", rh_delivery_id(dl));
        d->created[d->n] = rh_delivery_created_ms(dl);
    }
    d->n++;
    return RH_OK;
}

/* Three events of three types, their deliveries failed (500, a timeout)
 * or succeeded: the attempts by type, pattern, status and outcome. */
static void conf_queries_by_type_status_and_outcome(void)
{
    rh_storage st = open_store();
    offer_log o;
    att_log a = {0};
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_p", "order.paid", "dlv_p", 2,
                                     "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_r", "order.refund.issued",
                                     "dlv_r", 1, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_i", "invoice.paid", "dlv_i", 1,
                                     "ep_2", T0, "{}", 2));
    RH_CHECK_EQ_INT(4, claim(&st, T0, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_OK,
                    finish(&st, "dlv_p0", "evt_p", "ep_1", "order.paid",
                           RH_DELIVERY_SUCCEEDED, 200, RH_OUTCOME_OK, T0 + 1));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_p1", "evt_p", "ep_1", "order.paid",
                                  RH_DELIVERY_FAILED, 500,
                                  RH_OUTCOME_HTTP_STATUS, T0 + 2));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_r0", "evt_r", "ep_1",
                                  "order.refund.issued", RH_DELIVERY_FAILED, 0,
                                  RH_OUTCOME_TIMEOUT, T0 + 3));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_i0", "evt_i", "ep_2",
                                  "invoice.paid", RH_DELIVERY_FAILED, 500,
                                  RH_OUTCOME_HTTP_STATUS, T0 + 4));
    rh_query_new(&q);
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "order.*"));
    RH_CHECK_EQ_INT(3, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(3, count_deliveries(&st, q));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "order.paid"));
    RH_CHECK_EQ_INT(2, count_deliveries(&st, q));
    /* "order.*" is not "order"; "invoice" is not "invoice.paid" */
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "order"));
    RH_CHECK_EQ_INT(0, count_deliveries(&st, q));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "order.refund.*"));
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "*"));
    RH_CHECK(rh_query_event_type(q) == NULL);
    RH_CHECK_EQ_INT(4, count_deliveries(&st, q));
    /* by status: the two 500s, on two endpoints; 0 is "no answer" */
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_status(q, 500));
    a.n = 0;
    RH_CHECK_EQ_INT(2, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(500, a.status[0]);
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_status(q, 0));
    a.n = 0;
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_status(q, -1));
    /* by outcome, and both filters at once */
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_outcome(q, RH_OUTCOME_TIMEOUT));
    a.n = 0;
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_outcome(q, RH_OUTCOME_HTTP_STATUS));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_event_type(q, "invoice.*"));
    a.n = 0;
    RH_CHECK_EQ_INT(1, st.query_attempts(q, att_each, &a, st.userdata));
    /* bad filters are refused, and leave the query as it was */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_event_type(q, "a b"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_status(q, 99));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_outcome(q, 42));
    RH_CHECK_EQ_STR("invoice.*", rh_query_event_type(q));
    rh_query_free(q);
    close_store(&st);
}

/* Deliveries created in the same millisecond (one event's fan-out) page
 * by (created time, id): each exactly once, in order. */
static void conf_delivery_pages_break_ties(void)
{
    rh_storage st = open_store();
    rh_query *q = NULL;
    dl_log d = {0};
    char seen[8][RH_ID_SIZE];
    int n = 0;
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 5, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_b", "dlv_b", 2, "ep_2", T0 + 1, "{}", 2));
    rh_query_new(&q);
    rh_query_set_limit(q, 3);
    for (int page = 0; page < 5; page++) {
        memset(&d, 0, sizeof d);
        int got_n = st.query_deliveries(q, dl_each, &d, st.userdata);
        RH_CHECK(got_n >= 0 && got_n <= 3);
        if (got_n <= 0)
            break;
        for (int i = 0; i < got_n && n < 8; i++)
            snprintf(seen[n++], RH_ID_SIZE, "%s", d.ids[i]);
        RH_CHECK_EQ_INT(RH_OK, rh_query_set_delivery_cursor(
                                   q, d.created[got_n - 1], d.ids[got_n - 1]));
    }
    RH_CHECK_EQ_INT(7, n);
    RH_CHECK_EQ_STR("dlv_a0", seen[0]);
    RH_CHECK_EQ_STR("dlv_a4", seen[4]);
    RH_CHECK_EQ_STR("dlv_b0", seen[5]);
    RH_CHECK_EQ_STR("dlv_b1", seen[6]);
    rh_query_free(q);
    close_store(&st);
}

/* recover_matching: across endpoints by type, by time, by event, then all. */
static void conf_recover_matching(void)
{
    rh_storage st = open_store();
    offer_log o;
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_p", "order.paid", "dlv_p", 2,
                                     "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_q", "order.paid", "dlv_q", 1,
                                     "ep_2", T0 + 10, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_typed(&st, "evt_i", "invoice.paid", "dlv_i", 1,
                                     "ep_2", T0 + 20, "{}", 2));
    RH_CHECK_EQ_INT(4, claim(&st, T0 + 20, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_OK,
                    finish(&st, "dlv_p0", "evt_p", "ep_1", "order.paid",
                           RH_DELIVERY_SUCCEEDED, 200, RH_OUTCOME_OK, T0 + 21));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_p1", "evt_p", "ep_1", "order.paid",
                                  RH_DELIVERY_FAILED, 500,
                                  RH_OUTCOME_HTTP_STATUS, T0 + 21));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_q0", "evt_q", "ep_2", "order.paid",
                                  RH_DELIVERY_FAILED, 500,
                                  RH_OUTCOME_HTTP_STATUS, T0 + 21));
    RH_CHECK_EQ_INT(RH_OK, finish(&st, "dlv_i0", "evt_i", "ep_2",
                                  "invoice.paid", RH_DELIVERY_FAILED, 500,
                                  RH_OUTCOME_HTTP_STATUS, T0 + 21));
    rh_query_new(&q);
    /* a time range that holds none, then order.* before T0 + 5: dlv_p1 only
     * (dlv_p0 succeeded and stays so) */
    rh_query_set_time_range(q, T0 + 30, 0);
    RH_CHECK_EQ_INT(0, st.recover_matching(q, T0 + 50, st.userdata));
    rh_query_set_time_range(q, 0, T0 + 5);
    rh_query_set_event_type(q, "order.*");
    RH_CHECK_EQ_INT(1, st.recover_matching(q, T0 + 50, st.userdata));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 50, T0 + 100, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_p1", o.ids[0]);
    /* by event id */
    rh_query_free(q);
    rh_query_new(&q);
    rh_query_set_event(q, "evt_i");
    RH_CHECK_EQ_INT(1, st.recover_matching(q, T0 + 60, st.userdata));
    /* an empty query: every failed delivery left (dlv_q0) */
    rh_query_free(q);
    rh_query_new(&q);
    RH_CHECK_EQ_INT(1, st.recover_matching(q, T0 + 60, st.userdata));
    RH_CHECK_EQ_INT(0, st.recover_matching(q, T0 + 60, st.userdata));
    RH_CHECK_EQ_INT(2, claim(&st, T0 + 60, T0 + 100, 10, &o, 1));
    RH_CHECK(!strcmp(o.ids[0], "dlv_q0") || !strcmp(o.ids[1], "dlv_q0"));
    RH_CHECK(!strcmp(o.ids[0], "dlv_i0") || !strcmp(o.ids[1], "dlv_i0"));
    rh_query_free(q);
    close_store(&st);
}

/* ---------------------------------------------------- version 2 slots */

typedef struct got_log {
    int n;
    char ids[64][RH_ID_SIZE];
    char eps[64][RH_ID_SIZE];
    char tenants[64][16];
    int states[64];
} got_log;

static int got(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    got_log *g = ud;
    (void)ev;
    if (g->n < 64) {
        snprintf(g->ids[g->n], RH_ID_SIZE, "%s", rh_delivery_id(dl));
        snprintf(g->eps[g->n], RH_ID_SIZE, "%s", rh_delivery_endpoint_id(dl));
        snprintf(g->tenants[g->n], sizeof g->tenants[0], "%s",
                 rh_delivery_tenant(dl));
        g->states[g->n] = rh_delivery_state(dl);
    }
    g->n++;
    return RH_OK;
}

/* A fair claim at now of at most max, per_ep per endpoint, with up to two
 * endpoints limited (ids sorted, as the library lists them). */
static int claim_fair(rh_storage *st, int64_t now, size_t max, size_t per_ep,
                      const char *lim_a, size_t room_a, const char *lim_b,
                      size_t room_b, got_log *g)
{
    rh_claim_limit lim[2];
    rh_claim_request req;
    memset(&req, 0, sizeof req);
    memset(lim, 0, sizeof lim);
    memset(g, 0, sizeof *g);
    req.now_ms = now;
    req.lease_until_ms = now + 1000;
    req.max = max;
    req.max_per_endpoint = per_ep;
    req.limits = lim;
    if (lim_a) {
        snprintf(lim[0].endpoint_id, RH_ID_SIZE, "%s", lim_a);
        lim[0].room = room_a;
        req.n_limits = 1;
    }
    if (lim_b) {
        snprintf(lim[1].endpoint_id, RH_ID_SIZE, "%s", lim_b);
        lim[1].room = room_b;
        req.n_limits = 2;
    }
    return st->claim_batch(&req, got, g, st->userdata);
}

static int count_of(const got_log *g, const char *ep)
{
    int n = 0;
    for (int i = 0; i < g->n && i < 64; i++)
        n += strcmp(g->eps[i], ep) == 0;
    return n;
}

/* An endpoint with no room is skipped by the claim itself, however much of
 * it is due, and the others are served. */
static void conf_claim_batch_skips_endpoints_without_room(void)
{
    rh_storage st = open_store();
    got_log g;
    char ev[32], pre[32];
    for (int i = 0; i < 20; i++) {
        snprintf(ev, sizeof ev, "evt_d%d", i);
        snprintf(pre, sizeof pre, "dlv_d%d_", i);
        RH_CHECK_EQ_INT(RH_OK,
                        put(&st, ev, pre, 1, "ep_dead", T0 - 100 + i, "{}", 2));
    }
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_ok", "dlv_ok", 1, "ep_ok", T0, "{}", 2));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0, 4, 8, "ep_dead", 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_ok0", g.ids[0]);
    RH_CHECK_EQ_INT(RH_DELIVERY_IN_FLIGHT, g.states[0]);
    /* with room again it takes the earliest of the dead one's, in order */
    RH_CHECK_EQ_INT(2, claim_fair(&st, T0, 4, 8, "ep_dead", 2, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_d0_0", g.ids[0]);
    RH_CHECK_EQ_STR("dlv_d1_0", g.ids[1]);
    /* room from max_per_endpoint when not listed, and max in all */
    RH_CHECK_EQ_INT(3, claim_fair(&st, T0, 10, 3, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_INT(4, claim_fair(&st, T0, 4, 8, NULL, 0, NULL, 0, &g));
    close_store(&st);
}

/* Endpoints take turns, the earliest first due first; what is in flight
 * is not offered again until its lease ends; what is not due waits. */
static void conf_claim_batch_takes_turns(void)
{
    rh_storage st = open_store();
    got_log g;
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_a", "dlv_a", 3, "ep_a", T0 - 3, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_b", "dlv_b", 3, "ep_b", T0 - 2, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_c", "dlv_c", 3, "ep_c", T0 - 1, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK,
                    put(&st, "evt_f", "dlv_f", 1, "ep_c", T0 + 50, "{}", 2));
    RH_CHECK_EQ_INT(5, claim_fair(&st, T0, 5, 8, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_INT(2, count_of(&g, "ep_a"));
    RH_CHECK_EQ_INT(2, count_of(&g, "ep_b"));
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_c"));
    /* the rest: one limited to 0, the other two give what is due */
    RH_CHECK_EQ_INT(3, claim_fair(&st, T0, 10, 8, "ep_a", 0, "ep_b", 5, &g));
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_b"));
    RH_CHECK_EQ_INT(2, count_of(&g, "ep_c")); /* not dlv_f: not due */
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0, 10, 8, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_a2", g.ids[0]);
    RH_CHECK_EQ_INT(0, claim_fair(&st, T0 + 49, 10, 8, NULL, 0, NULL, 0, &g));
    /* leases of the first claims (T0 + 1000) end: all come back */
    RH_CHECK_EQ_INT(10,
                    claim_fair(&st, T0 + 1000, 10, 8, NULL, 0, NULL, 0, &g));
    close_store(&st);
}

/* Tenants take turns before endpoints do: a tenant with ten endpoints due
 * earlier gets no more of one claim than a tenant with one, and its own
 * endpoints take turns within its share. The claimed rows carry their
 * tenant. */
static void conf_claim_batch_takes_turns_between_tenants(void)
{
    rh_storage st = open_store();
    got_log g;
    char ev[32], pre[32], ep[32];
    for (int i = 0; i < 10; i++) {
        snprintf(ev, sizeof ev, "evt_b%d", i);
        snprintf(pre, sizeof pre, "dlv_b%d_", i);
        snprintf(ep, sizeof ep, "ep_b%d", i);
        RH_CHECK_EQ_INT(RH_OK, put_for(&st, "big", ev, "a.b", pre, 3, ep,
                                       T0 - 100 + i, "{}", 2));
    }
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "small", "evt_s", "a.b", "dlv_s", 3,
                                   "ep_s", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, NULL, "evt_n", "a.b", "dlv_n", 3,
                                   "ep_n", T0, "{}", 2));
    RH_CHECK_EQ_INT(9, claim_fair(&st, T0, 9, 8, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_INT(3, count_of(&g, "ep_s"));
    RH_CHECK_EQ_INT(3, count_of(&g, "ep_n"));
    /* big's share, one from each of its three earliest endpoints */
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_b0"));
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_b1"));
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_b2"));
    for (int i = 0; i < 9; i++)
        RH_CHECK_EQ_STR(!strcmp(g.eps[i], "ep_s")   ? "small"
                        : !strcmp(g.eps[i], "ep_n") ? ""
                                                    : "big",
                        g.tenants[i]);
    /* what is left is big's alone: its endpoints take turns */
    RH_CHECK_EQ_INT(10, claim_fair(&st, T0, 10, 8, NULL, 0, NULL, 0, &g));
    for (int i = 3; i < 10; i++) {
        snprintf(ep, sizeof ep, "ep_b%d", i);
        RH_CHECK_EQ_INT(1, count_of(&g, ep));
    }
    close_store(&st);
}

/* Claims too small for every tenant serve them in turn: each starts after
 * the tenant the request names, however early another's work is due. */
static void conf_claim_batch_rotates_tenants(void)
{
    rh_storage st = open_store();
    got_log g;
    rh_claim_request req;
    memset(&req, 0, sizeof req);
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "acct_a", "evt_a", "a.b", "dlv_a", 5,
                                   "ep_a", T0 - 1000, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "acct_b", "evt_b", "a.b", "dlv_b", 5,
                                   "ep_b", T0, "{}", 2));
    req.now_ms = T0;
    req.lease_until_ms = T0 + 1000;
    req.max = 1;
    req.max_per_endpoint = 8;
    const char *after[] = {"", "acct_a", "acct_b", "acct_a", "acct_zz"};
    const char *want[] = {"acct_a", "acct_b", "acct_a", "acct_b", "acct_a"};
    for (int i = 0; i < 5; i++) {
        memset(&g, 0, sizeof g);
        req.tenant_after = after[i];
        RH_CHECK_EQ_INT(1, st.claim_batch(&req, got, &g, st.userdata));
        RH_CHECK_EQ_STR(want[i], g.tenants[0]);
    }
    /* a bigger claim hands them back in the turns' order, after the start */
    memset(&g, 0, sizeof g);
    req.max = 4;
    req.tenant_after = "acct_a";
    RH_CHECK_EQ_INT(4, st.claim_batch(&req, got, &g, st.userdata));
    RH_CHECK_EQ_STR("acct_b", g.tenants[0]);
    RH_CHECK_EQ_STR("acct_a", g.tenants[1]);
    RH_CHECK_EQ_STR("acct_b", g.tenants[2]);
    RH_CHECK_EQ_STR("acct_a", g.tenants[3]);
    /* next in the rotation, but its one endpoint has no room: the turn
     * goes on to the next tenant that can take it (acct_a has nothing
     * left due: all of it is in flight) */
    rh_claim_limit full;
    memset(&full, 0, sizeof full);
    snprintf(full.endpoint_id, RH_ID_SIZE, "ep_c");
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "acct_c", "evt_c", "a.b", "dlv_c", 2,
                                   "ep_c", T0 - 5000, "{}", 2));
    req.limits = &full;
    req.n_limits = 1;
    req.max = 1;
    req.tenant_after = "acct_b";
    memset(&g, 0, sizeof g);
    RH_CHECK_EQ_INT(1, st.claim_batch(&req, got, &g, st.userdata));
    RH_CHECK_EQ_STR("acct_b", g.tenants[0]);
    close_store(&st);
}

/* A cap per tenant: a tenant listed with no room gives nothing (its rows
 * not read), one with room gives that many, the rest max_per_tenant. */
static void conf_claim_batch_caps_each_tenant(void)
{
    rh_storage st = open_store();
    got_log g;
    rh_claim_request req;
    rh_tenant_limit lim[2] = {{"big", 0}, {"mid", 1}};
    char ev[32], pre[32], ep[32];
    for (int i = 0; i < 3; i++) {
        snprintf(ev, sizeof ev, "evt_big%d", i);
        snprintf(pre, sizeof pre, "dlv_big%d_", i);
        snprintf(ep, sizeof ep, "ep_big%d", i);
        RH_CHECK_EQ_INT(RH_OK, put_for(&st, "big", ev, "a.b", pre, 2, ep,
                                       T0 - 100, "{}", 2));
    }
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "mid", "evt_m", "a.b", "dlv_m", 2,
                                   "ep_mid", T0 - 50, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put_for(&st, "small", "evt_s", "a.b", "dlv_s", 3,
                                   "ep_small", T0, "{}", 2));
    memset(&req, 0, sizeof req);
    req.now_ms = T0;
    req.lease_until_ms = T0 + 1000;
    req.max = 10;
    req.max_per_endpoint = 8;
    req.max_per_tenant = 2;
    req.tenant_limits = lim;
    req.n_tenant_limits = 2;
    memset(&g, 0, sizeof g);
    RH_CHECK_EQ_INT(3, st.claim_batch(&req, got, &g, st.userdata));
    RH_CHECK_EQ_INT(1, count_of(&g, "ep_mid"));
    RH_CHECK_EQ_INT(2, count_of(&g, "ep_small"));
    /* no cap per tenant: max alone */
    req.max_per_tenant = 0;
    req.n_tenant_limits = 0;
    memset(&g, 0, sizeof g);
    RH_CHECK_EQ_INT(8, st.claim_batch(&req, got, &g, st.userdata));
    close_store(&st);
}

/* One call for many outcomes, in order; an unknown delivery is skipped. */
static void conf_complete_batch_stores_all_in_order(void)
{
    rh_storage st = open_store();
    offer_log o;
    att_log a = {0};
    rh_delivery *dl[4] = {NULL};
    rh_attempt *at[4] = {NULL};
    const char *ids[4] = {"dlv_a0", "dlv_zz", "dlv_a1", "dlv_a2"};
    const int states[4] = {RH_DELIVERY_SUCCEEDED, RH_DELIVERY_SUCCEEDED,
                           RH_DELIVERY_PENDING, RH_DELIVERY_FAILED};
    const int status[4] = {200, 200, 503, -1};
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 3, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(3, claim(&st, T0, T0 + 100000, 10, &o, 1));
    for (int i = 0; i < 4; i++) {
        RH_CHECK_EQ_INT(RH_OK, rh_delivery_new(&dl[i], ids[i], "evt_a", "ep_1",
                                               "order.paid", states[i], 1,
                                               T0 + 50, T0, T0 + i));
        if (status[i] > 0)
            RH_CHECK_EQ_INT(
                RH_OK,
                rh_attempt_new(&at[i], 0, ids[i], "ep_1", "evt_a", "order.paid",
                               1, T0 + i, 7, status[i], status[i] == 200,
                               status[i] == 200 ? RH_OUTCOME_OK
                                                : RH_OUTCOME_HTTP_STATUS,
                               "r", 1, ""));
    }
    RH_CHECK_EQ_INT(RH_OK, st.complete_batch((const rh_delivery *const *)dl,
                                             (const rh_attempt *const *)at, 4,
                                             st.userdata));
    for (int i = 0; i < 4; i++) {
        rh_delivery_free(dl[i]);
        rh_attempt_free(at[i]);
    }
    RH_CHECK_EQ_INT(2, st.query_attempts(NULL, att_each, &a, st.userdata));
    RH_CHECK_EQ_INT(200, a.status[0]); /* dlv_a0, then dlv_a1; not dlv_zz */
    RH_CHECK_EQ_INT(503, a.status[1]);
    RH_CHECK(a.seq[1] > a.seq[0]);
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_state(q, RH_DELIVERY_FAILED);
    RH_CHECK_EQ_INT(1, count_deliveries(&st, q));
    rh_query_free(q);
    /* the pending one is due again at T0 + 50 */
    RH_CHECK_EQ_INT(0, claim(&st, T0 + 49, T0 + 9000, 10, &o, 1));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 50, T0 + 9000, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_a1", o.ids[0]);
    close_store(&st);
}

/* The enqueues between batch_begin and batch_commit land together. */
static void conf_batch_commits_enqueues(void)
{
    rh_storage st = open_store();
    offer_log o;
    if (!st.batch_begin) {
        close_store(&st);
        RH_SKIP("this backend has no emit batches (every enqueue commits)");
    }
    RH_CHECK_EQ_INT(RH_OK, st.batch_begin(st.userdata));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_a", "dlv_a", 2, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_b", "dlv_b", 1, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, st.batch_commit(st.userdata));
    RH_CHECK_EQ_INT(3, count_deliveries(&st, NULL));
    RH_CHECK_EQ_INT(3, claim(&st, T0, T0 + 100, 10, &o, 1));
    /* an enqueue that fails in a batch (a stored id again) either leaves
     * the rest to commit, or fails the whole batch at its commit (SQLite
     * and PostgreSQL do; PostgreSQL may learn of it only there). Never
     * half of one emit. */
    RH_CHECK_EQ_INT(RH_OK, st.batch_begin(st.userdata));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_c", "dlv_c", 2, "ep_1", T0, "{}", 2));
    int bad = put(&st, "evt_d", "dlv_a", 2, "ep_1", T0, "{}", 2);
    int committed = st.batch_commit(st.userdata);
    if (committed == RH_OK) {
        RH_CHECK(bad < 0);
        RH_CHECK_EQ_INT(5, count_deliveries(&st, NULL));
    } else {
        RH_CHECK(committed < 0);
        RH_CHECK_EQ_INT(3, count_deliveries(&st, NULL));
    }
    /* a refusal that wrote nothing does not spoil a batch */
    RH_CHECK_EQ_INT(RH_OK, st.batch_begin(st.userdata));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, st.endpoint_remove("ep_none", st.userdata));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_f", "dlv_f", 1, "ep_1", T0, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, st.batch_commit(st.userdata));
    RH_CHECK_EQ_INT(committed == RH_OK ? 6 : 4, count_deliveries(&st, NULL));
    /* and the store works on afterwards */
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_e", "dlv_e", 1, "ep_1", T0, "{}", 2));
    close_store(&st);
}

/* One event with an ordering key to one endpoint, delivery id `id`. */
static int put_keyed(rh_storage *st, const char *id, const char *key, int hold,
                     const char *ep, int64_t due_ms)
{
    rh_event *ev = NULL;
    rh_delivery *dl = NULL;
    char event_id[RH_ID_SIZE];
    snprintf(event_id, sizeof event_id, "evt_%s", id + 4);
    int rc = rh_event_new(&ev, event_id, "order.paid", T0, "{}", 2);
    if (rc == RH_OK)
        rc = rh__event_set_ordering(ev, key, hold);
    if (rc == RH_OK)
        rc = rh_delivery_new(&dl, id, event_id, ep, "order.paid",
                             RH_DELIVERY_PENDING, 0, due_ms, due_ms, due_ms);
    const rh_delivery *ptrs[1] = {dl};
    if (rc == RH_OK)
        rc = st->enqueue(ev, ptrs, 1, st->userdata);
    rh_delivery_free(dl);
    rh_event_free(ev);
    return rc;
}

static int took(const got_log *g, const char *id)
{
    for (int i = 0; i < g->n && i < 64; i++)
        if (strcmp(g->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Complete put_keyed's delivery id, with no attempt. */
static int done(rh_storage *st, const char *id, const char *ep, int state,
                int64_t next, int64_t at)
{
    char event_id[RH_ID_SIZE];
    snprintf(event_id, sizeof event_id, "evt_%s", id + 4);
    return finish_at(st, id, event_id, ep, "order.paid", state, next, -1, 0,
                     at);
}

/* Deliveries of one endpoint and key are claimed one at a time, in id
 * order; another key, another endpoint and unkeyed ones are not held. */
static void conf_ordering_keys_go_one_at_a_time(void)
{
    rh_storage st = open_store();
    got_log g;
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_k1", "k", 0, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_k2", "k", 0, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_k3", "k", 0, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_j1", "j", 0, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_k5", "k", 0, "ep_2", T0));
    RH_CHECK_EQ_INT(RH_OK, put(&st, "evt_u", "dlv_u", 1, "ep_1", T0, "{}", 2));
    /* every one is listed, waiting or not */
    RH_CHECK_EQ_INT(6, count_deliveries(&st, NULL));
    RH_CHECK_EQ_INT(4, claim_fair(&st, T0, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK(took(&g, "dlv_k1") && took(&g, "dlv_j1") && took(&g, "dlv_k5") &&
             took(&g, "dlv_u0"));
    /* k1 in flight holds k2 back, its lease or not */
    RH_CHECK_EQ_INT(0, claim_fair(&st, T0 + 10, 10, 10, NULL, 0, NULL, 0, &g));
    /* k1 to be retried at +100: k2 waits for it, and k1 goes when due */
    RH_CHECK_EQ_INT(RH_OK, done(&st, "dlv_k1", "ep_1", RH_DELIVERY_PENDING,
                                T0 + 100, T0 + 20));
    RH_CHECK_EQ_INT(0, claim_fair(&st, T0 + 50, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 100, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_k1", g.ids[0]);
    /* it succeeds: k2, and only k2 */
    RH_CHECK_EQ_INT(RH_OK, done(&st, "dlv_k1", "ep_1", RH_DELIVERY_SUCCEEDED,
                                T0, T0 + 110));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 120, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_k2", g.ids[0]);
    /* k2 fails for good; by default the key goes on: k3 */
    RH_CHECK_EQ_INT(
        RH_OK, done(&st, "dlv_k2", "ep_1", RH_DELIVERY_FAILED, T0, T0 + 130));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 140, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_k3", g.ids[0]);
    /* a failed delivery that does not hold its key cannot be skipped */
    RH_CHECK_EQ_INT(RH_E_STATE, st.skip("dlv_k2", T0 + 150, st.userdata));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, st.skip("dlv_zz", T0 + 150, st.userdata));
    close_store(&st);
}

/* RH_ORDERING_HOLD: a failure holds the key until a skip or a resend; a
 * resent delivery goes before the ones behind it. */
static void conf_ordering_hold_skip_and_resend(void)
{
    rh_storage st = open_store();
    got_log g;
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_h1", "h", 1, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_h2", "h", 1, "ep_1", T0));
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_h3", "h", 1, "ep_1", T0));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_h1", g.ids[0]);
    RH_CHECK_EQ_INT(
        RH_OK, done(&st, "dlv_h1", "ep_1", RH_DELIVERY_FAILED, T0, T0 + 10));
    RH_CHECK_EQ_INT(0, claim_fair(&st, T0 + 20, 10, 10, NULL, 0, NULL, 0, &g));
    /* the host lets it go: h2 */
    RH_CHECK_EQ_INT(RH_E_STATE, st.skip("dlv_h2", T0 + 30, st.userdata));
    RH_CHECK_EQ_INT(RH_OK, st.skip("dlv_h1", T0 + 30, st.userdata));
    RH_CHECK_EQ_INT(RH_E_STATE, st.skip("dlv_h1", T0 + 30, st.userdata));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 40, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_h2", g.ids[0]);
    /* h2 fails and holds; the host resends it: h2 again, h3 still waits */
    RH_CHECK_EQ_INT(
        RH_OK, done(&st, "dlv_h2", "ep_1", RH_DELIVERY_FAILED, T0, T0 + 50));
    RH_CHECK_EQ_INT(RH_OK, st.resend("dlv_h2", T0 + 60, st.userdata));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 60, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_h2", g.ids[0]);
    RH_CHECK_EQ_INT(0, claim_fair(&st, T0 + 70, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_INT(
        RH_OK, done(&st, "dlv_h2", "ep_1", RH_DELIVERY_SUCCEEDED, T0, T0 + 80));
    /* an older failed one (h1, skipped) resent while h3 waits: h1 first */
    RH_CHECK_EQ_INT(RH_OK, st.resend("dlv_h1", T0 + 90, st.userdata));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 90, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_h1", g.ids[0]);
    RH_CHECK_EQ_INT(
        RH_OK, done(&st, "dlv_h1", "ep_1", RH_DELIVERY_SUCCEEDED, T0, T0 + 95));
    RH_CHECK_EQ_INT(1, claim_fair(&st, T0 + 99, 10, 10, NULL, 0, NULL, 0, &g));
    RH_CHECK_EQ_STR("dlv_h3", g.ids[0]);
    /* the version-1 claim keeps the rule too */
    RH_CHECK_EQ_INT(RH_OK, put_keyed(&st, "dlv_h4", "h", 1, "ep_1", T0));
    offer_log o;
    RH_CHECK_EQ_INT(0, claim(&st, T0 + 100, T0 + 2000, 10, &o, 1));
    RH_CHECK_EQ_INT(RH_OK, done(&st, "dlv_h3", "ep_1", RH_DELIVERY_SUCCEEDED,
                                T0, T0 + 101));
    RH_CHECK_EQ_INT(1, claim(&st, T0 + 102, T0 + 2000, 10, &o, 1));
    RH_CHECK_EQ_STR("dlv_h4", o.ids[0]);
    close_store(&st);
}

#define CONFORMANCE(X)                                                         \
    X(endpoints)                                                               \
    X(many_endpoints)                                                          \
    X(enqueue_is_all_or_none)                                                  \
    X(ids_and_bytes_round_trip)                                                \
    X(claim_offers_due_earliest_first)                                         \
    X(claim_is_exclusive_until_the_lease_ends)                                 \
    X(claim_leaves_what_the_caller_skips)                                      \
    X(complete_appends_and_reschedules)                                        \
    X(queries_filter_and_page)                                                 \
    X(resend_and_recover)                                                      \
    X(queries_by_type_status_and_outcome)                                      \
    X(delivery_pages_break_ties)                                               \
    X(recover_matching)                                                        \
    X(ordering_keys_go_one_at_a_time)                                          \
    X(ordering_hold_skip_and_resend)                                           \
    X(claim_batch_skips_endpoints_without_room)                                \
    X(claim_batch_takes_turns)                                                 \
    X(claim_batch_takes_turns_between_tenants)                                 \
    X(claim_batch_rotates_tenants)                                             \
    X(claim_batch_caps_each_tenant)                                            \
    X(complete_batch_stores_all_in_order)                                      \
    X(batch_commits_enqueues)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, conf_##name)
CONFORMANCE(WRAP)
#define ROWS(name) RH_BACKEND_ROWS("conformance", name)
const rh_test_case rh_tests_conformance[] = {CONFORMANCE(ROWS){NULL, NULL}};
