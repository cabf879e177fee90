/* The API surface: NULL handles, config ranges, error strings, versions and
 * the pinned layout of the public method tables. */
#include "rh_internal.h"
#include "rh_test.h"

#include <stddef.h>
#include <stdlib.h>

static void test_api__version_matches_header(void)
{
    RH_CHECK_EQ_INT(RH_VERSION_NUM, rh_version_num());
    RH_CHECK_EQ_STR(RH_VERSION_STRING, rh_version_string());
    RH_CHECK(RH_VERSION_AT_LEAST(0, 2, 0));
    RH_CHECK(!RH_VERSION_AT_LEAST(0, 2, 1));
}

static void test_api__every_code_has_text(void)
{
    for (int c = RH_E_BUFFER; c <= 0; c++) {
        RH_CHECK(rh_strerror(c) != NULL);
        RH_CHECK(strcmp(rh_strerror(c), "unknown error") != 0);
    }
    RH_CHECK_EQ_STR("unknown error", rh_strerror(-50));
    RH_CHECK_EQ_STR("callback failure", rh_strerror(RH_E_USER));
    RH_CHECK_EQ_STR("callback failure", rh_strerror(-1000));
    RH_CHECK(strstr(rh_strerror(RH_E_FULL), "queue full") != NULL);
    RH_CHECK_EQ_STR("ok", rh_outcome_name(RH_OUTCOME_OK));
    RH_CHECK_EQ_STR("too_large", rh_outcome_name(RH_OUTCOME_TOO_LARGE));
    RH_CHECK_EQ_STR("other", rh_outcome_name(99));
    RH_CHECK_EQ_STR("failed", rh_delivery_state_name(RH_DELIVERY_FAILED));
}

/* The ABI: slots are only appended. */
static void test_api__storage_table_layout_is_pinned(void)
{
    RH_CHECK_EQ_INT(3, RH_STORAGE_VERSION);
    RH_CHECK_EQ_INT(0, offsetof(rh_storage, version));
    RH_CHECK_EQ_INT(sizeof(void *), offsetof(rh_storage, userdata));
    RH_CHECK_EQ_INT(2 * sizeof(void *), offsetof(rh_storage, endpoint_save));
    RH_CHECK_EQ_INT(5 * sizeof(void *), offsetof(rh_storage, enqueue));
    RH_CHECK_EQ_INT(6 * sizeof(void *), offsetof(rh_storage, claim));
    RH_CHECK_EQ_INT(7 * sizeof(void *), offsetof(rh_storage, complete));
    RH_CHECK_EQ_INT(12 * sizeof(void *), offsetof(rh_storage, next_due));
    RH_CHECK_EQ_INT(13 * sizeof(void *), offsetof(rh_storage, destroy));
    RH_CHECK_EQ_INT(14 * sizeof(void *), offsetof(rh_storage, last_error));
    /* version 2 appends, and never moves what version 1 had */
    RH_CHECK_EQ_INT(15 * sizeof(void *), offsetof(rh_storage, claim_batch));
    RH_CHECK_EQ_INT(16 * sizeof(void *), offsetof(rh_storage, complete_batch));
    RH_CHECK_EQ_INT(17 * sizeof(void *), offsetof(rh_storage, batch_begin));
    RH_CHECK_EQ_INT(18 * sizeof(void *), offsetof(rh_storage, batch_commit));
    RH_CHECK_EQ_INT(19 * sizeof(void *), offsetof(rh_storage, prune));
    RH_CHECK_EQ_INT(20 * sizeof(void *),
                    offsetof(rh_storage, recover_matching));
    RH_CHECK_EQ_INT(21 * sizeof(void *), offsetof(rh_storage, enqueue_keyed));
    RH_CHECK_EQ_INT(22 * sizeof(void *), offsetof(rh_storage, skip));
    /* version 3 */
    RH_CHECK_EQ_INT(23 * sizeof(void *),
                    offsetof(rh_storage, endpoint_state_save));
    RH_CHECK_EQ_INT(24 * sizeof(void *),
                    offsetof(rh_storage, endpoint_state_load));
    RH_CHECK_EQ_INT(25 * sizeof(void *), offsetof(rh_storage, document_save));
    RH_CHECK_EQ_INT(26 * sizeof(void *), offsetof(rh_storage, document_load));
    RH_CHECK_EQ_INT(27 * sizeof(void *), offsetof(rh_storage, count_open));
    RH_CHECK_EQ_INT(28 * sizeof(void *), offsetof(rh_storage, prune_tenant));
    RH_CHECK_EQ_INT(29 * sizeof(void *), offsetof(rh_storage, queue_figures));
    RH_CHECK_EQ_INT(30 * sizeof(void *), offsetof(rh_storage, delivery_event));
    RH_CHECK_EQ_INT(31 * sizeof(void *), offsetof(rh_storage, endpoint_health));
    RH_CHECK_EQ_INT(33 * sizeof(void *), sizeof(rh_storage));
    RH_CHECK_EQ_INT(4 * sizeof(void *), sizeof(rh_allocator));
    RH_CHECK_EQ_INT(sizeof(void *), offsetof(rh_allocator, malloc_fn));
}

static int batch_slot(void *ud)
{
    (void)ud;
    return RH_OK;
}

static int state_save_slot(const char *id, const char *part, const char *json,
                           size_t len, void *ud)
{
    (void)id, (void)part, (void)json, (void)len, (void)ud;
    return RH_OK;
}

static int state_load_slot(rh_endpoint_part_cb each, void *each_ud, void *ud)
{
    (void)each, (void)each_ud, (void)ud;
    return RH_OK;
}

/* A host built against version 1 hands over a table that ends after
 * last_error: the library reads no further (ASan would see it) and
 * delivers through the version-1 slots. */
static void test_api__version_1_table_is_read_by_its_own_size(void)
{
    const size_t v1_size = offsetof(rh_storage, claim_batch);
    rh_storage full;
    sink *s = rh_test_sink();
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK_EQ_INT(
        RH_OK, rh__memstore_new(&full, &rh__default_allocator, 1000, 1000));
    full.version = 1;
    void *v1 = malloc(v1_size); /* all of a version-1 table, no more */
    RH_CHECK(v1 != NULL);
    memcpy(v1, &full, v1_size);
    full.version = RH_STORAGE_VERSION;
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, v1));
    free(v1); /* copied */
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx->store.table.claim_batch == NULL);
    RH_CHECK(ctx->store.table.complete_batch == NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/v1", "*", ep, secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, sink_count(s));
    /* a batch on a table without batch slots is one commit per emit */
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    rh_ctx_free(ctx);
    sink_stop(s);
    /* a table newer than the library, and half a batch pair, are refused */
    rh_storage bad = full;
    cfg = rh_test_config();
    bad.version = RH_STORAGE_VERSION + 1;
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rh_config_set_storage(cfg, &bad));
    bad.version = RH_STORAGE_VERSION;
    bad.batch_begin = batch_slot;
    bad.batch_commit = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_storage(cfg, &bad));
    bad.batch_commit = batch_slot;
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &bad));
    /* state parts saved but never loaded (or back) would be lost */
    bad.endpoint_state_save = state_save_slot;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_storage(cfg, &bad));
    bad.endpoint_state_save = NULL;
    bad.endpoint_state_load = state_load_slot;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_storage(cfg, &bad));
    bad.endpoint_state_load = NULL;
    /* the same for documents: a catalog saved must be read back */
    RH_CHECK(bad.document_save != NULL && bad.document_load != NULL);
    bad.document_save = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_storage(cfg, &bad));
    rh_config_free(cfg);
}

static void test_api__null_handles_are_invalid(void)
{
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    const char *events[] = {"a"};
    const rh_endpoint *ep = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_new(NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_new(NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(NULL, "http://127.0.0.1:9/", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_remove(NULL, "ep_x"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_disable(NULL, "ep_x"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_enable(NULL, "ep_x"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_get(NULL, "ep_x", &ep));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_list(NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_rotate_secret(NULL, "ep_x", 0, secret,
                                              sizeof secret));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit(NULL, "a", "{}", 2, id, sizeof id));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_tick(NULL));
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_wait(NULL, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_log_attempts(NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_log_deliveries(NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_delivery_resend(NULL, "dlv_x"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_recover(NULL, "ep_x", 0));
    RH_CHECK_EQ_INT(0, rh_ctx_in_flight(NULL));
    RH_CHECK(rh_ctx_last_error(NULL) != NULL);
    RH_CHECK_EQ_STR("", id);
    RH_CHECK_EQ_STR("", secret);
    rh_ctx_free(NULL);
    rh_config_free(NULL);
    rh_query_free(NULL);
    rh_event_free(NULL);
    rh_delivery_free(NULL);
    rh_attempt_free(NULL);
    /* getters on NULL records answer empty values, never crash */
    RH_CHECK_EQ_STR("", rh_endpoint_id(NULL));
    RH_CHECK_EQ_STR("", rh_delivery_id(NULL));
    RH_CHECK_EQ_STR("", rh_attempt_error(NULL));
    RH_CHECK(rh_endpoint_event(NULL, 0) == NULL);
}

static void test_api__config_setters_check_ranges(void)
{
    rh_config *cfg = NULL;
    int64_t sched[33] = {0};
    rh_allocator half = {NULL, NULL, NULL, NULL};
    rh_storage st;
    RH_CHECK_EQ_INT(RH_OK, rh_config_new(&cfg));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_mode(cfg, 7));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_timeout_ms(cfg, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_timeout_ms(cfg, 600001));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_retry_schedule(cfg, sched, 33));
    sched[0] = -1;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_retry_schedule(cfg, sched, 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_retry_schedule(cfg, NULL, 2));
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_retry_schedule(cfg, NULL, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_retry_jitter_pct(cfg, 51));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_max_in_flight(cfg, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_max_in_flight_per_endpoint(cfg, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_max_pending(cfg, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_max_log(cfg, 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_allocator(cfg, &half));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_ca_file(cfg, ""));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_lease_ms(cfg, 10));
    memset(&st, 0, sizeof st);
    st.version = RH_STORAGE_VERSION + 1;
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rh_config_set_storage(cfg, &st));
    st.version = RH_STORAGE_VERSION;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_storage(cfg, &st));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_config_set_timeout_ms(NULL, 5));
    /* a CA file is a development-mode setting */
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_ca_file(cfg, "/nonexistent/ca.pem"));
    rh_ctx *ctx = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_new(&ctx, cfg));
    RH_CHECK(ctx == NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT));
    RH_CHECK_EQ_INT(RH_OK, rh_ctx_new(&ctx, cfg));
    rh_ctx_free(ctx);
    /* a lease shorter than a transfer could last */
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_lease_ms(cfg, 5000));
    ctx = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_new(&ctx, cfg));
    RH_CHECK(ctx == NULL);
    rh_config_free(cfg);
}

static void test_api__default_context_is_production(void)
{
    rh_ctx *ctx = NULL;
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    const char *events[] = {"call.ended"};
    RH_CHECK_EQ_INT(RH_OK, rh_ctx_new(&ctx, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/h", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "production") != NULL);
    RH_CHECK_EQ_STR("", id);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, "https://hooks.example.com/h",
                                           events, 1, id, sizeof id, secret,
                                           sizeof secret));
    RH_CHECK_EQ_STR("", rh_ctx_last_error(ctx));
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    rh_ctx_free(ctx);
}

static void test_api__query_builder(void)
{
    rh_query *q = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
    RH_CHECK(rh_query_endpoint(q) == NULL);
    RH_CHECK_EQ_INT(100, rh_query_limit(q));
    RH_CHECK_EQ_INT(-1, rh_query_state(q));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_endpoint(q, "bad id"));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(q, "ep_1"));
    RH_CHECK_EQ_STR("ep_1", rh_query_endpoint(q));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_state(q, 9));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_query_set_time_range(q, 10, 5));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_time_range(q, 5, 10));
    RH_CHECK_EQ_INT(10, rh_query_until_ms(q));
    RH_CHECK_EQ_INT(RH_OK, rh_query_set_endpoint(q, NULL));
    RH_CHECK(rh_query_endpoint(q) == NULL);
    rh_query_free(q);
}

static void test_api__record_constructors_validate(void)
{
    rh_event *ev = NULL;
    rh_delivery *dl = NULL;
    rh_attempt *at = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_event_new(&ev, "evt 1", "a.b", 1, "{}", 2));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_event_new(&ev, "evt_1", "a b", 1, "{}", 2));
    RH_CHECK_EQ_INT(RH_OK, rh_event_new(&ev, "evt_1", "a.b", 7, "{\"x\":1}", 7));
    RH_CHECK_EQ_INT(7, rh_event_data_len(ev));
    RH_CHECK(memcmp(rh_event_data(ev), "{\"x\":1}", 7) == 0);
    rh_event_free(ev);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_delivery_new(&dl, "dlv_1", "evt_1", "ep_1", "a.b", 9, 0,
                                    0, 0, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_delivery_new(&dl, "dlv_1", "evt_1", "ep_1", "a.b",
                                           RH_DELIVERY_FAILED, 6, 1, 2, 3));
    RH_CHECK_EQ_STR("a.b", rh_delivery_event_type(dl));
    RH_CHECK_EQ_INT(6, rh_delivery_attempts(dl));
    rh_delivery_free(dl);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_attempt_new(&at, 1, "dlv_1", "ep_1", "evt_1", "a.b", 0,
                                   0, 0, 0, 0, 0, NULL, 0, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_attempt_new(&at, 1, "dlv_1", "ep_1", "evt_1",
                                          "a.b", 2, 10, 3, 503, 0,
                                          RH_OUTCOME_HTTP_STATUS, "busy", 4,
                                          NULL));
    RH_CHECK_EQ_STR("busy", rh_attempt_response(at));
    RH_CHECK_EQ_STR("", rh_attempt_error(at));
    RH_CHECK_EQ_INT(503, rh_attempt_status(at));
    rh_attempt_free(at);
}

static int broken_random(unsigned char *buf, size_t len, void *ud)
{
    (void)buf;
    (void)len;
    (void)ud;
    return -1;
}

static void test_api__random_source_failure_is_an_error(void)
{
    rh_config *cfg = rh_test_config();
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    const char *events[] = {"*"};
    rh_config_set_random(cfg, broken_random, NULL);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    /* never a weak secret: no secret at all */
    RH_CHECK_EQ_INT(RH_E_CRYPTO,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK_EQ_STR("", secret);
    RH_CHECK_EQ_STR("", id);
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "random") != NULL);
    RH_CHECK_EQ_INT(RH_E_CRYPTO, rh_emit(ctx, "t", "{}", 2, id, sizeof id));
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_api[] = {
    {"api__random_source_failure_is_an_error",
     test_api__random_source_failure_is_an_error},
    {"api__version_matches_header", test_api__version_matches_header},
    {"api__every_code_has_text", test_api__every_code_has_text},
    {"api__storage_table_layout_is_pinned",
     test_api__storage_table_layout_is_pinned},
    {"api__version_1_table_is_read_by_its_own_size",
     test_api__version_1_table_is_read_by_its_own_size},
    {"api__null_handles_are_invalid", test_api__null_handles_are_invalid},
    {"api__config_setters_check_ranges", test_api__config_setters_check_ranges},
    {"api__default_context_is_production",
     test_api__default_context_is_production},
    {"api__query_builder", test_api__query_builder},
    {"api__record_constructors_validate",
     test_api__record_constructors_validate},
    {NULL, NULL}};
