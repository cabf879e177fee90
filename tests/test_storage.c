/* A host's own storage table: the library goes through it for everything,
 * and a failing slot is an error at the call that needed it, never silent. */
#include "backends.h"
#include "rh_test.h"
#include "rh_internal.h"

#include <stdlib.h>

/* The memory store behind a table whose slots fail on demand. */
typedef struct flaky {
    rh_storage inner;
    int fail_enqueue;
    int fail_complete;
    int fail_claim;
    int fail_load;
    const char *fail_slot; /* any other slot, by name */
    int completes;
    int destroyed;
    int ignore_filters; /* queries as a store that predates their filters */
    int enqueue_count;  /* enqueue answers with its count, as it may */
    int with_keys;      /* a version-2 table offers enqueue_keyed and skip */
} flaky;

static int fails(const flaky *f, const char *slot)
{
    return f->fail_slot && strcmp(f->fail_slot, slot) == 0;
}

static int f_save(const char *id, const char *j, size_t n, void *ud)
{
    flaky *f = ud;
    if (fails(f, "endpoint_save"))
        return RH_E_USER;
    return f->inner.endpoint_save(id, j, n, f->inner.userdata);
}
static int f_remove(const char *id, void *ud)
{
    flaky *f = ud;
    if (fails(f, "endpoint_remove"))
        return RH_E_USER;
    return f->inner.endpoint_remove(id, f->inner.userdata);
}
static int f_load(rh_endpoint_record_cb each, void *eu, void *ud)
{
    flaky *f = ud;
    if (f->fail_load)
        return RH_E_USER;
    return f->inner.endpoint_load(each, eu, f->inner.userdata);
}
static int f_state_save(const char *id, const char *part, const char *j,
                        size_t n, void *ud)
{
    flaky *f = ud;
    if (fails(f, "endpoint_state_save"))
        return RH_E_USER;
    return f->inner.endpoint_state_save(id, part, j, n, f->inner.userdata);
}
static int f_state_load(rh_endpoint_part_cb each, void *eu, void *ud)
{
    flaky *f = ud;
    if (fails(f, "endpoint_state_load"))
        return RH_E_USER;
    return f->inner.endpoint_state_load(each, eu, f->inner.userdata);
}
static int f_enqueue(const rh_event *ev, const rh_delivery *const *d, size_t n,
                     void *ud)
{
    flaky *f = ud;
    if (f->fail_enqueue)
        return RH_E_USER - 1;
    int rc = f->inner.enqueue(ev, d, n, f->inner.userdata);
    return rc == RH_OK && f->enqueue_count ? (int)n : rc;
}
static int f_claim(int64_t now, int64_t lease, size_t max, rh_claim_cb each,
                   void *eu, void *ud)
{
    flaky *f = ud;
    if (f->fail_claim)
        return RH_E_USER;
    return f->inner.claim(now, lease, max, each, eu, f->inner.userdata);
}
static int f_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    flaky *f = ud;
    if (f->fail_complete)
        return RH_E_USER;
    f->completes++;
    return f->inner.complete(dl, at, f->inner.userdata);
}
static int f_qa(const rh_query *q, rh_attempt_cb each, void *eu, void *ud)
{
    flaky *f = ud;
    if (fails(f, "query_attempts"))
        return RH_E_USER;
    return f->inner.query_attempts(f->ignore_filters ? NULL : q, each, eu,
                                   f->inner.userdata);
}
static int f_qd(const rh_query *q, rh_delivery_cb each, void *eu, void *ud)
{
    flaky *f = ud;
    if (fails(f, "query_deliveries"))
        return RH_E_USER;
    return f->inner.query_deliveries(f->ignore_filters ? NULL : q, each, eu,
                                     f->inner.userdata);
}
static int f_resend(const char *id, int64_t now, void *ud)
{
    flaky *f = ud;
    if (fails(f, "resend"))
        return RH_E_USER;
    return f->inner.resend(id, now, f->inner.userdata);
}
static int f_recover(const char *id, int64_t since, int64_t now, void *ud)
{
    flaky *f = ud;
    if (fails(f, "recover"))
        return RH_E_USER;
    return f->inner.recover(id, since, now, f->inner.userdata);
}
static int f_recover_matching(const rh_query *q, int64_t now, void *ud)
{
    flaky *f = ud;
    if (fails(f, "recover_matching"))
        return RH_E_USER;
    return f->inner.recover_matching(q, now, f->inner.userdata);
}
static int f_enqueue_keyed(const rh_event *ev, const rh_delivery *const *d,
                           size_t n, const char *key, int64_t window_start,
                           char *held, void *ud)
{
    flaky *f = ud;
    if (fails(f, "enqueue_keyed"))
        return RH_E_USER;
    return f->inner.enqueue_keyed(ev, d, n, key, window_start, held,
                                  f->inner.userdata);
}
static int f_skip(const char *id, int64_t now, void *ud)
{
    flaky *f = ud;
    if (fails(f, "skip"))
        return RH_E_USER;
    return f->inner.skip(id, now, f->inner.userdata);
}
static int f_next(int64_t now, int64_t *due, void *ud)
{
    flaky *f = ud;
    if (fails(f, "next_due"))
        return RH_E_USER;
    return f->inner.next_due(now, due, f->inner.userdata);
}
static void f_destroy(void *ud)
{
    flaky *f = ud;
    f->destroyed++;
    f->inner.destroy(f->inner.userdata);
}

static int f_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                         void *eu, void *ud)
{
    flaky *f = ud;
    if (f->fail_claim)
        return RH_E_USER;
    return f->inner.claim_batch(req, each, eu, f->inner.userdata);
}
static int f_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud)
{
    flaky *f = ud;
    if (f->fail_complete)
        return RH_E_USER;
    f->completes += (int)n;
    return f->inner.complete_batch(dls, ats, n, f->inner.userdata);
}

/* The fault-injecting table over f, as a host of `version` would write it:
 * version 1 has no batched slots, and the library falls back. */
static rh_storage flaky_table(flaky *f, unsigned int version, int destroy)
{
    rh_storage st = RH_STORAGE_INIT;
    st.version = version;
    st.userdata = f;
    st.endpoint_save = f_save;
    st.endpoint_remove = f_remove;
    st.endpoint_load = f_load;
    st.enqueue = f_enqueue;
    st.claim = f_claim;
    st.complete = f_complete;
    st.query_attempts = f_qa;
    st.query_deliveries = f_qd;
    st.resend = f_resend;
    st.recover = f_recover;
    st.next_due = f_next;
    st.destroy = destroy ? f_destroy : NULL;
    if (version >= 2) {
        st.claim_batch = f->inner.claim_batch ? f_claim_batch : NULL;
        st.complete_batch = f->inner.complete_batch ? f_complete_batch : NULL;
        st.recover_matching =
            f->inner.recover_matching ? f_recover_matching : NULL;
        if (f->with_keys) {
            st.enqueue_keyed = f_enqueue_keyed;
            st.skip = f_skip;
        }
    }
    if (version >= 3 && f->inner.endpoint_state_save) {
        st.endpoint_state_save = f_state_save;
        st.endpoint_state_load = f_state_load;
    }
    return st;
}

/* Which table version the host-storage tests run with (both are run). */
static unsigned int flaky_version = RH_STORAGE_VERSION;

static rh_ctx *flaky_ctx(flaky *f)
{
    rh_config *cfg = rh_test_config();
    memset(f, 0, sizeof *f);
    if (rh_test_backend_now->open(&f->inner) != RH_OK)
        return NULL;
    rh_storage st = flaky_table(f, flaky_version, 1);
    if (rh_config_set_storage(cfg, &st) != RH_OK)
        return NULL;
    return rh_test_ctx_from(cfg);
}

static void test_storage__failed_enqueue_fails_emit_and_sends_nothing(void)
{
    sink *s = rh_test_sink();
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], evt[RH_ID_SIZE] = "";
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/e", "*", ep, secret));
    f.fail_enqueue = 1;
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_emit(ctx, "t", "{}", 2, evt, sizeof evt));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "enqueue") != NULL);
    RH_CHECK_EQ_STR("", evt);
    RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 2000));
    RH_CHECK_EQ_INT(0, sink_count(s));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(1, f.destroyed);
    sink_stop(s);
}

static void test_storage__unstored_outcome_blocks_the_next_attempt(void)
{
    sink *s = rh_test_sink();
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/c", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    f.fail_complete = 1;
    int rc = 0;
    for (int i = 0; i < 2000 && rc == 0; i++) {
        rc = rh_tick(ctx);
        rh__http_wait(ctx->http, 2);
    }
    RH_CHECK_EQ_INT(RH_E_STORAGE, rc);
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "complete") != NULL);
    /* it wants to store again, after a short backoff, not in a spin */
    int64_t t = rh_next_timeout_ms(ctx);
    RH_CHECK(t >= 0 && t <= 1000);
    /* while the store fails, ticks fail (or back off) and start nothing */
    sink_wait_count(s, 2, 2000);
    size_t before = sink_count(s);
    int failures = 0;
    for (int i = 0; i < 40; i++) {
        rc = rh_tick(ctx);
        RH_CHECK(rc == RH_E_STORAGE || rc >= 0);
        failures += rc == RH_E_STORAGE;
        rh__http_wait(ctx->http, 5);
    }
    RH_CHECK(failures >= 1); /* it kept trying, and said so */
    RH_CHECK_EQ_INT(before, sink_count(s));
    RH_CHECK_EQ_INT(0, f.completes);
    RH_CHECK_EQ_INT(2, rh_ctx_in_flight(ctx)); /* both kept, unsaved */
    /* once storage works, both outcomes are stored, none sent twice */
    f.fail_complete = 0;
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(2, f.completes);
    RH_CHECK_EQ_INT(2, sink_count(s));
    RH_CHECK_EQ_INT(2, rh_test_count_attempts(ctx, NULL));
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Every claim and store fails while three transfers are in flight: the
 * ticks stay short, the answers are taken, and once storage works again
 * each answered 200 is stored once, with its real duration. */
static void test_storage__failing_store_never_stalls_transfers(void)
{
    sink *s = rh_test_sink();
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/half", 200, 500, NULL, NULL, -1);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/half", "*", ep, secret));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_test_tick_until_sent(ctx, s, 3, 2000));
    f.fail_complete = f.fail_claim = 1;
    int64_t worst = 0;
    int failures = 0;
    RH_CHECK_EQ_INT(
        0, rh_test_tick_through(ctx, 1500, &worst, &failures, NULL, 0));
    RH_CHECK(failures > 0);
    RH_CHECK(worst <= (getenv("RH_TEST_VALGRIND") ? 1000 : 50));
    RH_CHECK_EQ_INT(3, rh_ctx_in_flight(ctx)); /* answered, kept unsaved */
    RH_CHECK_EQ_INT(0, f.completes);
    f.fail_complete = f.fail_claim = 0;
    RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
    RH_CHECK_EQ_INT(3, f.completes);
    RH_CHECK_EQ_INT(3, sink_count(s)); /* nothing sent twice */
    /* the receiver answered after 500 ms; storage came back after 1.5 s */
    RH_CHECK_EQ_INT(0, rh_test_attempts_outside(ctx, 400, 1400));
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void test_storage__failed_claim_is_reported(void)
{
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    f.fail_claim = 1;
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_tick(ctx));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "claim") != NULL);
    RH_CHECK_EQ_INT(0, rh_ctx_in_flight(ctx));
    rh_ctx_free(ctx);
}

static void test_storage__endpoints_come_back_from_storage(void)
{
    /* Two contexts in turn on one table: the second loads what the first
     * saved, secrets included, and signs with them. */
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"a.*", "b"};
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/p", events,
                                           2, ep, sizeof ep, secret,
                                           sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, ep));
    /* a second context over the same records */
    rh_config *cfg = rh_test_config();
    rh_storage st = flaky_table(&f, flaky_version, 0);
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *again = rh_test_ctx_from(cfg);
    const rh_endpoint *e = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(again, ep, &e));
    RH_CHECK_EQ_STR("http://127.0.0.1:9/p", rh_endpoint_url(e));
    RH_CHECK_EQ_INT(2, rh_endpoint_event_count(e));
    RH_CHECK_EQ_STR("a.*", rh_endpoint_event(e, 0));
    RH_CHECK_EQ_INT(0, rh_endpoint_enabled(e));
    RH_CHECK_EQ_STR(secret, again->eps[0]->secret);
    rh_ctx_free(again);
    /* a load that fails makes the context fail, and leaves the table */
    f.fail_load = 1;
    cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *none = NULL;
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_ctx_new(&none, cfg));
    RH_CHECK(none == NULL);
    rh_config_free(cfg);
    RH_CHECK_EQ_INT(0, f.destroyed);
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(1, f.destroyed);
}

static int count_endpoint(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

/* Every other slot: the public call that needs it fails with RH_E_STORAGE,
 * names the slot, and changes nothing. */
static void test_storage__every_slot_failure_is_reported(void)
{
    flaky f;
    rh_ctx *ctx = flaky_ctx(&f);
    char ep[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "", fresh[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    const rh_endpoint *e = NULL;
    int n = 0;
    RH_CHECK(ctx != NULL);
    f.fail_slot = "endpoint_save";
    RH_CHECK_EQ_INT(RH_E_STORAGE,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "endpoint_save") != NULL);
    RH_CHECK_EQ_STR("", ep);
    RH_CHECK_EQ_INT(0, rh_endpoint_list(ctx, count_endpoint, &n));
    RH_CHECK_EQ_INT(0, n); /* nothing registered */
    f.fail_slot = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "http://127.0.0.1:9/", events,
                                           1, ep, sizeof ep, secret,
                                           sizeof secret));
    /* a disable is a state part where the table keeps parts, else the
     * whole record; an edit is always the record */
    int parts = ctx->store.table.endpoint_state_save != NULL;
    f.fail_slot = parts ? "endpoint_state_save" : "endpoint_save";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_disable(ctx, ep));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), f.fail_slot) != NULL);
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_pause(ctx, ep));
    f.fail_slot = "endpoint_save";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_rotate_secret(ctx, ep, 0, fresh,
                                                             sizeof fresh));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    RH_CHECK_EQ_INT(1, rh_endpoint_enabled(e));
    RH_CHECK_EQ_INT(0, rh_endpoint_paused(e));
    if (parts) { /* a reload that cannot read the parts keeps the cache */
        f.fail_slot = "endpoint_state_load";
        RH_CHECK_EQ_INT(RH_E_STORAGE, rh__ctx_load_endpoints(ctx));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "endpoint_state_load") !=
                 NULL);
        RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
        RH_CHECK_EQ_INT(1, rh_endpoint_enabled(e));
    }
    f.fail_slot = "endpoint_remove";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_remove(ctx, ep));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "endpoint_remove") != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &e));
    f.fail_slot = NULL;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    f.fail_slot = "query_attempts";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_test_count_attempts(ctx, NULL));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "query_attempts") != NULL);
    f.fail_slot = "query_deliveries";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_test_count_deliveries(ctx, NULL));
    f.fail_slot = "resend";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_delivery_resend(ctx, "dlv_x"));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "resend") != NULL);
    /* one endpoint's recovery is a query's from version 2 on */
    f.fail_slot = flaky_version >= 2 ? "recover_matching" : "recover";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_endpoint_recover(ctx, ep, 0));
    /* a store that cannot say when work is due: look again within 1 s */
    f.fail_slot = "next_due";
    int64_t t = rh_next_timeout_ms(ctx);
    RH_CHECK(t >= 0 && t <= 1000);
    f.fail_slot = NULL;
    RH_CHECK_EQ_INT(0, rh_next_timeout_ms(ctx)); /* the emit is due */
    rh_ctx_free(ctx);
}

static int keep_delivery_id(const rh_delivery *dl, void *ud)
{
    snprintf(ud, RH_ID_SIZE, "%s", rh_delivery_id(dl));
    return RH_OK;
}

/* A host table: its queries ignore the filters 0.2.0 added, and a
 * version-1 table has no recover_matching. The host still never sees a
 * row its query leaves out, and recovery says what it cannot do. */
static void test_storage__recover_and_filters_on_a_host_table(void)
{
    flaky f;
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_query *q = NULL;
    memset(&f, 0, sizeof f);
    RH_CHECK_EQ_INT(RH_OK, rh_test_backend_now->open(&f.inner));
    f.ignore_filters = 1;
    f.enqueue_count = 1; /* a count of 1 is not a held idempotency key */
    rh_storage st = flaky_table(&f, flaky_version, 1);
    rh_config_set_retry_schedule(cfg, NULL, 0);
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    sink_rule(s, "/x", 500, 0, NULL, NULL, 2);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/x", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "order.paid", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "invoice.paid", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(2, rh_test_count_in_state(ctx, RH_DELIVERY_FAILED));

    rh_query_new(&q);
    rh_query_set_event_type(q, "order.*");
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, q));
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, q));
    /* recovery by type needs recover_matching */
    int rc = rh_recover(ctx, q);
    if (flaky_version >= 2) {
        RH_CHECK_EQ_INT(1, rc);
    } else {
        RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rc);
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "recover_matching") != NULL);
    }
    /* what recovery cannot honour is refused, naming it */
    rh_query_set_status(q, 500);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_recover(ctx, q));
    RH_CHECK_EQ_INT(RH_ARG_VALUE, rh_ctx_last_error_arg(ctx));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "status") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_recover(ctx, NULL));
    rh_query_free(q);
    rh_query_new(&q);
    rh_query_set_endpoint(q, "ep_unknown");
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_recover(ctx, q));
    RH_CHECK_EQ_INT(RH_REFUSAL_UNKNOWN_ID, rh_ctx_last_error_refusal(ctx));
    /* one endpoint since a time: every table can */
    rh_query_set_endpoint(q, ep);
    RH_CHECK_EQ_INT(flaky_version >= 2 ? 1 : 2, rh_recover(ctx, q));
    rh_query_free(q);
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(2, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    RH_CHECK_EQ_INT(4, (int)sink_count(s));
    /* a host table without enqueue_keyed cannot keep a key: refused */
    rh_emit_options *o = NULL;
    rh_emit_options_new(&o);
    rh_emit_options_set_idempotency_key(o, "k");
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED,
                    rh_emit_with(ctx, "order.paid", "{}", 2, o, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "enqueue_keyed") != NULL);
    /* nor keep an ordering key, without skip */
    rh_emit_options_set_idempotency_key(o, NULL);
    rh_emit_options_set_ordering_key(o, "k", RH_ORDERING_CONTINUE);
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED,
                    rh_emit_with(ctx, "order.paid", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rh_delivery_skip(ctx, "dlv_x"));
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* The key slots failing: an idempotent emit the store could not take
 * takes no key (its retry queues), and a failed skip holds the key still. */
static void test_storage__key_slots_that_fail(void)
{
    flaky f;
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], failed[RH_ID_SIZE] = "";
    rh_emit_options *o = NULL;
    memset(&f, 0, sizeof f);
    RH_CHECK_EQ_INT(RH_OK, rh_test_backend_now->open(&f.inner));
    f.with_keys = 1;
    rh_storage st = flaky_table(&f, flaky_version, 1);
    rh_config_set_retry_schedule(cfg, NULL, 0);
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/k", "*", ep, secret));
    rh_emit_options_new(&o);
    rh_emit_options_set_idempotency_key(o, "k1");
    if (flaky_version < 2) { /* no key slots in a version-1 table */
        RH_CHECK_EQ_INT(RH_E_UNSUPPORTED,
                        rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
        goto out;
    }
    f.fail_slot = "enqueue_keyed";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "enqueue_keyed") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
    f.fail_slot = NULL;
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    /* a held key whose skip fails stays held */
    rh_emit_options_set_idempotency_key(o, NULL);
    rh_emit_options_set_ordering_key(o, "h", RH_ORDERING_HOLD);
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* the first emit's */
    sink_rule(s, "/k", 500, 0, NULL, NULL, 1);
    RH_CHECK_EQ_INT(
        1, rh_emit_with(ctx, "t", "{\"n\":1}", 7, o, failed, sizeof failed));
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "t", "{\"n\":2}", 7, o, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* n:1 fails and holds */
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_state(q, RH_DELIVERY_FAILED);
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    char dlv[RH_ID_SIZE] = "";
    rh_query_new(&q);
    rh_query_set_event(q, failed);
    RH_CHECK_EQ_INT(1, rh_log_deliveries(ctx, q, keep_delivery_id, dlv));
    rh_query_free(q);
    f.fail_slot = "skip";
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_delivery_skip(ctx, dlv));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "skip") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 300)); /* n:2 still waits */
    f.fail_slot = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_delivery_skip(ctx, dlv));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
out:
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define HOST_STORAGE(X)                                                        \
    X(key_slots_that_fail)                                                     \
    X(recover_and_filters_on_a_host_table)                                     \
    X(every_slot_failure_is_reported)                                          \
    X(failed_enqueue_fails_emit_and_sends_nothing)                             \
    X(unstored_outcome_blocks_the_next_attempt)                                \
    X(failing_store_never_stalls_transfers)                                    \
    X(failed_claim_is_reported)                                                \
    X(endpoints_come_back_from_storage)

/* Each body as a version-2 host table, then as a version-1 one. */
#define BOTH(name)                                                             \
    static void both_##name(void)                                              \
    {                                                                          \
        flaky_version = RH_STORAGE_VERSION;                                    \
        test_storage__##name();                                                \
        if (!rh_test_failed && !rh_test_skipped) {                             \
            flaky_version = 1;                                                 \
            test_storage__##name();                                            \
        }                                                                      \
        flaky_version = RH_STORAGE_VERSION;                                    \
    }
HOST_STORAGE(BOTH)
#define WRAP(name) RH_BACKEND_WRAPPERS(name, both_##name)
HOST_STORAGE(WRAP)
#define ROWS(name) RH_BACKEND_ROWS("storage", name)
const rh_test_case rh_tests_storage[] = {HOST_STORAGE(ROWS){NULL, NULL}};
