/* Allocation failure: the 1st, 2nd, ... n-th allocation of an operation fails
 * until it succeeds; each failure is RH_E_NOMEM, changes nothing, and leaks
 * nothing of ours. */
#include "rh_test.h"

#include <stdlib.h>
#include <time.h>

typedef struct counting {
    long live;
    long calls;
    long fail_at; /* 0: never */
} counting;

static counting cnt;

static void *c_malloc(size_t n, void *ud)
{
    counting *c = ud;
    if (c->fail_at && ++c->calls == c->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        c->live++;
    return p;
}

static void *c_realloc(void *p, size_t n, void *ud)
{
    counting *c = ud;
    if (c->fail_at && ++c->calls == c->fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        c->live++;
    return q;
}

static void c_free(void *p, void *ud)
{
    counting *c = ud;
    if (p)
        c->live--;
    free(p);
}

static rh_config *counting_config(void)
{
    rh_config *cfg = rh_test_config();
    rh_allocator a = {&cnt, c_malloc, c_realloc, c_free};
    rh_config_set_allocator(cfg, &a);
    return cfg;
}

static void arm(long n)
{
    cnt.calls = 0;
    cnt.fail_at = n;
}

static void test_failalloc__ctx_new(void)
{
    rh_config *cfg = counting_config();
    memset(&cnt, 0, sizeof cnt);
    for (long n = 1;; n++) {
        rh_ctx *ctx = NULL;
        arm(n);
        int rc = rh_ctx_new(&ctx, cfg);
        arm(0);
        if (rc == RH_OK) {
            rh_ctx_free(ctx);
            RH_CHECK_EQ_INT(0, cnt.live);
            RH_CHECK(n > 3); /* it did allocate, and every step was tried */
            break;
        }
        RH_CHECK_EQ_INT(RH_E_NOMEM, rc);
        RH_CHECK(ctx == NULL);
        RH_CHECK_EQ_INT(0, cnt.live);
        RH_CHECK(n < 1000);
    }
    rh_config_free(cfg);
}

static int count_ep(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

static void test_failalloc__endpoint_add_and_emit(void)
{
    memset(&cnt, 0, sizeof cnt);
    rh_ctx *ctx = rh_test_ctx_from(counting_config());
    const char *events[] = {"a.*", "b"};
    char id[RH_ID_SIZE] = "", secret[RH_SECRET_SIZE] = "";
    long n;
    for (n = 1;; n++) {
        int eps = 0;
        arm(n);
        int rc = rh_endpoint_add(ctx, "http://127.0.0.1:9/x", events, 2, id,
                                 sizeof id, secret, sizeof secret);
        arm(0);
        rh_endpoint_list(ctx, count_ep, &eps);
        if (rc == RH_OK) {
            RH_CHECK_EQ_INT(1, eps);
            break;
        }
        RH_CHECK_EQ_INT(RH_E_NOMEM, rc);
        RH_CHECK_EQ_STR("", id);
        RH_CHECK_EQ_INT(0, eps);
        RH_CHECK(n < 1000);
    }
    /* data that makes the data check allocate: more keys and deeper
     * nesting than it holds on its stack, a number it gives to strtod */
    char data[2048];
    size_t len = (size_t)snprintf(data, sizeof data, "{\"n\":1.5e308");
    for (int k = 0; k < 70; k++)
        len += (size_t)snprintf(data + len, sizeof data - len, ",\"k%d\":0", k);
    len += (size_t)snprintf(data + len, sizeof data - len, ",\"d\":");
    for (int d = 0; d < 70; d++)
        data[len++] = '[';
    for (int d = 0; d < 70; d++)
        data[len++] = ']';
    data[len++] = '}';
    for (n = 1;; n++) {
        char evt[RH_ID_SIZE] = "";
        arm(n);
        int rc = rh_emit(ctx, "a.b", data, len, evt, sizeof evt);
        arm(0);
        if (rc == 1)
            break;
        RH_CHECK_EQ_INT(RH_E_NOMEM, rc);
        RH_CHECK_EQ_STR("", evt);
        RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, NULL));
        RH_CHECK(n < 1000);
    }
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(0, cnt.live);
}

/* An emit with an idempotency key and an ordering key whose key is busy
 * (so it is parked): each failure queues nothing and takes no key. */
static void test_failalloc__keyed_emit(void)
{
    memset(&cnt, 0, sizeof cnt);
    rh_ctx *ctx = rh_test_ctx_from(counting_config());
    const char *events[] = {"*"};
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_emit_options *o = NULL;
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/x", events, 1, id,
                                    sizeof id, secret, sizeof secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    rh_emit_options_set_ordering_key(o, "k", RH_ORDERING_HOLD);
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    rh_emit_options_set_idempotency_key(o, "once");
    long n;
    for (n = 1;; n++) {
        arm(n);
        int rc = rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0);
        arm(0);
        if (rc == 1)
            break;
        RH_CHECK_EQ_INT(RH_E_NOMEM, rc);
        RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
        RH_CHECK(n < 1000);
    }
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(2, rh_test_count_deliveries(ctx, NULL));
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(0, cnt.live);
}

static void test_failalloc__delivery_cycle_sends_once(void)
{
    /* A tick whose n-th allocation fails either starts nothing or keeps the
     * outcome to store later: the receiver sees the delivery exactly once. */
    for (long n = 1;; n++) {
        sink *s = rh_test_sink();
        char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        memset(&cnt, 0, sizeof cnt);
        rh_ctx *ctx = rh_test_ctx_from(counting_config());
        RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/once", "*", ep,
                                                secret));
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
        arm(n);
        int failed = 0;
        for (int i = 0; i < 3000 && cnt.calls < n; i++) {
            int rc = rh_tick(ctx);
            if (rc < 0) {
                RH_CHECK_EQ_INT(RH_E_NOMEM, rc);
                failed = 1;
                break;
            }
            if (rh_ctx_in_flight(ctx) == 0 && rh_next_timeout_ms(ctx) != 0)
                break;
            rh_wait(ctx, 2);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        long reached = cnt.calls;
        arm(0);
        RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
        if (sink_count(s) == 0 && rh_ctx_in_flight(ctx) == 0) {
            /* the allocation that failed was taking a delivery the store
             * had just claimed: it comes back when its lease ends */
            rh_test_now_ms += 5000 + 60000 + 1; /* timeout + 60 s */
            RH_CHECK(rh_test_drive(ctx, 5000) >= 0);
        }
        RH_CHECK_EQ_INT(1, sink_count(s));
        RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, NULL));
        rh_ctx_free(ctx);
        sink_stop(s);
        RH_CHECK_EQ_INT(0, cnt.live);
        if (!failed && reached < n)
            break; /* the whole cycle needed fewer than n allocations */
        RH_CHECK(n < 500);
    }
}

const rh_test_case rh_tests_failalloc[] = {
    {"failalloc__ctx_new", test_failalloc__ctx_new},
    {"failalloc__endpoint_add_and_emit", test_failalloc__endpoint_add_and_emit},
    {"failalloc__keyed_emit", test_failalloc__keyed_emit},
    {"failalloc__delivery_cycle_sends_once",
     test_failalloc__delivery_cycle_sends_once},
    {NULL, NULL}};
