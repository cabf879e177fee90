/* Exactly the events the host meant, in the order it meant: an emit's
 * idempotency key (a repeat queues nothing, on every store, across a
 * restart and across racing connections), its ordering key (one at a time
 * per endpoint and key, through retries and failures) and an emit to one
 * endpoint whatever it subscribes to. */
#include "backends.h"
#include "rh_test.h"

#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif
#include <replicer-hooks/rh_sqlite.h>

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOUR (3600LL * 1000)

typedef struct dl_first {
    char id[RH_ID_SIZE];
} dl_first;

/* Keeps the last delivery id it is given (deliveries come oldest first). */
static int last_id(const rh_delivery *dl, void *ud)
{
    dl_first *f = ud;
    snprintf(f->id, sizeof f->id, "%s", rh_delivery_id(dl));
    return RH_OK;
}

static rh_emit_options *keyed(const char *key)
{
    rh_emit_options *o = NULL;
    if (rh_emit_options_new(&o) != RH_OK ||
        rh_emit_options_set_idempotency_key(o, key) != RH_OK)
        abort();
    return o;
}

static void idem_repeat_queues_nothing(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], first[RH_ID_SIZE],
        again[RH_ID_SIZE], later[RH_ID_SIZE];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/k", "order.*", ep, secret));
    rh_emit_options *o = keyed("order-7/paid");
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "order.paid", "{\"n\":1}", 7, o, first,
                                    sizeof first));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    /* the repeat: nothing queued, the first event's id, and it says so */
    rh_test_now_ms += 60000;
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "order.paid", "{\"n\":2}", 7, o, again,
                                    sizeof again));
    RH_CHECK_EQ_STR(first, again);
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, NULL));
    /* a plain emit after it is not a duplicate */
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "order.paid", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    /* the window's edge: still held just inside 24 h, free just after */
    rh_test_now_ms += RH_IDEMPOTENCY_WINDOW_DEFAULT_MS - 60000;
    RH_CHECK_EQ_INT(
        0, rh_emit_with(ctx, "order.paid", "{}", 2, o, again, sizeof again));
    RH_CHECK_EQ_STR(first, again);
    rh_test_now_ms += 1;
    RH_CHECK_EQ_INT(
        1, rh_emit_with(ctx, "order.paid", "{}", 2, o, later, sizeof later));
    RH_CHECK(strcmp(later, first) != 0);
    RH_CHECK_EQ_INT(3, rh_test_count_deliveries(ctx, NULL));
    /* a key whose first emit had no subscriber holds too: the retry of an
     * emit that queued nothing queues nothing */
    rh_emit_options *o2 = keyed("nobody");
    RH_CHECK_EQ_INT(
        0, rh_emit_with(ctx, "user.made", "{}", 2, o2, first, sizeof first));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    char ep2[RH_ID_SIZE];
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/u", "user.*", ep2, secret));
    RH_CHECK_EQ_INT(
        0, rh_emit_with(ctx, "user.made", "{}", 2, o2, again, sizeof again));
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_STR(first, again);
    RH_CHECK_EQ_INT(3, rh_test_count_deliveries(ctx, NULL));
    /* what was queued is delivered, once each */
    RH_CHECK_EQ_INT(3, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
    rh_emit_options_free(o);
    rh_emit_options_free(o2);
    rh_ctx_free(ctx);
    sink_stop(s);
}

static void idem_targeted_emit(void)
{
    sink *s = rh_test_sink();
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    char a[RH_ID_SIZE], b[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    rh_emit_options *o = NULL;
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/a", "order.*", a, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/b", "*", b, secret));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    /* to a only, though b subscribes to everything and a not to user.* */
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_endpoint(o, a));
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "user.made", "{}", 2, o, NULL, 0));
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_endpoint(q, a);
    RH_CHECK_EQ_INT(1, rh_test_count_deliveries(ctx, q));
    rh_query_set_endpoint(q, b);
    RH_CHECK_EQ_INT(0, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    /* a disabled target gets nothing, as an unsubscribed type would */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, a));
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "order.paid", "{}", 2, o, NULL, 0));
    /* an unknown one is refused, by name */
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_endpoint(o, "ep_nobody"));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_emit_with(ctx, "order.paid", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(RH_ARG_ENDPOINT_ID, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_UNKNOWN_ID, rh_ctx_last_error_refusal(ctx));
    /* NULL: every subscriber again (b alone while a is disabled) */
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_endpoint(o, NULL));
    RH_CHECK_EQ_INT(1, rh_emit_with(ctx, "order.paid", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_enable(ctx, a));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    int to_a = 0, to_b = 0;
    for (size_t i = 0; i < 2; i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        if (strncmp(r.path, "/a", 2) == 0)
            to_a += strstr(r.body, "\"event\":\"user.made\"") != NULL;
        else
            to_b += strstr(r.body, "\"event\":\"order.paid\"") != NULL;
        sink_request_free(&r);
    }
    RH_CHECK_EQ_INT(1, to_a);
    RH_CHECK_EQ_INT(1, to_b);
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* Bad options are refused when set, and a key cannot join a batch. */
static void idem_bad_options_and_batches(void)
{
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_idempotency_window_ms(cfg, 999));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_config_set_idempotency_window_ms(NULL, 1000));
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_idempotency_window_ms(cfg, 1000));
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    rh_emit_options *o = NULL;
    char long_key[RH_IDEMPOTENCY_KEY_MAX + 2];
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_emit_options_new(NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&o));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_idempotency_key(o, ""));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_idempotency_key(o, "a\nb"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_idempotency_key(o, "caf\xc3\xa9"));
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_idempotency_key(o, long_key));
    long_key[RH_IDEMPOTENCY_KEY_MAX] = '\0';
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_idempotency_key(o, long_key));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_endpoint(o, "not an id"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_idempotency_key(NULL, "k"));
    /* a key inside a batch: answered where the batch answers (the memory
     * store, SQLite), refused where it is a pipeline (PostgreSQL on its
     * own connection) */
    rh_emit_options *in_batch = NULL;
    char first[RH_ID_SIZE], again[RH_ID_SIZE];
    int pipelined = rh_test_backend_now == &rh_test_pg_backend;
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_new(&in_batch));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_emit_options_set_idempotency_key(in_batch, "in-batch"));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_begin(ctx));
    if (pipelined) {
        RH_CHECK_EQ_INT(RH_E_STATE, rh_emit_with(ctx, "t", "{}", 2, in_batch,
                                                 NULL, 0));
        RH_CHECK(strstr(rh_ctx_last_error(ctx), "batch") != NULL);
    } else {
        RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, in_batch, first,
                                        sizeof first));
        RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
        /* the batch's next write sees the key taken */
        RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, in_batch, again,
                                        sizeof again));
        RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
        RH_CHECK_EQ_STR(first, again);
    }
    RH_CHECK_EQ_INT(RH_OK, rh_emit_batch_commit(ctx));
    if (!pipelined) { /* and it stays taken once the batch is durable */
        RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, in_batch, again,
                                        sizeof again));
        RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
        RH_CHECK_EQ_STR(first, again);
    }
    rh_emit_options_free(in_batch);
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_ctx_last_emit_duplicate(ctx));
    /* a window of 1 s: the key is free again after it */
    rh_test_now_ms += 1001;
    RH_CHECK_EQ_INT(0, rh_emit_with(ctx, "t", "{}", 2, o, NULL, 0));
    RH_CHECK_EQ_INT(0, rh_ctx_last_emit_duplicate(ctx));
    rh_emit_options_free(o);
    rh_emit_options_free(NULL);
    rh_ctx_free(ctx);
}

/* The n of request i's data ({"n":N}), or -1. */
static int request_n(sink *s, size_t i, char *key, size_t key_size)
{
    sink_request r;
    int n = -1;
    if (sink_get(s, i, &r) != 0)
        return -1;
    const char *np = strstr(r.body, "\"n\":"), *kp = strstr(r.body, "\"k\":\"");
    if (np)
        n = atoi(np + 4);
    if (kp)
        snprintf(key, key_size, "%.*s", (int)strcspn(kp + 5, "\""), kp + 5);
    sink_request_free(&r);
    return n;
}

static void emit_keyed(rh_ctx *ctx, rh_emit_options *o, const char *key,
                       int policy, int n)
{
    char data[64];
    int len = snprintf(data, sizeof data, "{\"k\":\"%s\",\"n\":%d}", key, n);
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_ordering_key(o, key, policy));
    RH_CHECK_EQ_INT(
        1, rh_emit_with(ctx, "job.step", data, (size_t)len, o, NULL, 0));
}

/* The head of key a fails twice: a2 waits until a1 succeeds, while b1 of
 * another key goes at once. */
static void idem_ordering_waits_for_the_head(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    const int64_t sched[] = {1000, 1000, 1000};
    rh_config_set_retry_schedule(cfg, sched, 3);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], key[16];
    rh_emit_options *o = NULL;
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/o", "*", ep, secret));
    rh_emit_options_new(&o);
    sink_rule(s, "/o", 500, 0, NULL, NULL, 1);
    emit_keyed(ctx, o, "a", RH_ORDERING_CONTINUE, 1);
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* a1: 500 */
    emit_keyed(ctx, o, "a", RH_ORDERING_CONTINUE, 2);
    emit_keyed(ctx, o, "b", RH_ORDERING_CONTINUE, 1);
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* b1 only */
    RH_CHECK_EQ_INT(2, (int)sink_count(s));
    RH_CHECK_EQ_INT(1, request_n(s, 1, key, sizeof key));
    RH_CHECK_EQ_STR("b", key);
    sink_rule(s, "/o", 500, 0, NULL, NULL, 1);
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* a1 again: 500 */
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
    rh_test_now_ms += 1000;
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000)); /* a1: 200, then a2 */
    RH_CHECK_EQ_INT(5, (int)sink_count(s));
    int expect[] = {1, 1, 1, 1, 2};
    const char *keys[] = {"a", "b", "a", "a", "a"};
    for (size_t i = 0; i < 5; i++) {
        RH_CHECK_EQ_INT(expect[i], request_n(s, i, key, sizeof key));
        RH_CHECK_EQ_STR(keys[i], key);
    }
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* After a failure for good: the key goes on by default; with
 * RH_ORDERING_HOLD it waits for rh_delivery_skip (or a resend). */
static void idem_ordering_after_failure(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], key[16], failed[RH_ID_SIZE];
    rh_emit_options *o = NULL;
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_endpoint(ctx, s, "/o", "*", ep, secret));
    rh_emit_options_new(&o);
    sink_rule(s, "/o", 500, 0, NULL, NULL, 1);
    emit_keyed(ctx, o, "c", RH_ORDERING_CONTINUE, 1);
    emit_keyed(ctx, o, "c", RH_ORDERING_CONTINUE, 2);
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000)); /* c1 fails, c2 goes */
    RH_CHECK_EQ_INT(2, request_n(s, 1, key, sizeof key));
    sink_rule(s, "/o", 500, 0, NULL, NULL, 1);
    emit_keyed(ctx, o, "h", RH_ORDERING_HOLD, 1);
    emit_keyed(ctx, o, "h", RH_ORDERING_HOLD, 2);
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* h1 fails and holds */
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_state(q, RH_DELIVERY_FAILED);
    dl_first fst = {""};
    RH_CHECK_EQ_INT(2, rh_log_deliveries(ctx, q, last_id, &fst));
    snprintf(failed, sizeof failed, "%s", fst.id); /* h1: the later one */
    rh_query_free(q);
    RH_CHECK_EQ_INT(0, rh_test_drive(ctx, 500)); /* h2 waits */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_delivery_skip(ctx, "bad id"));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_delivery_skip(ctx, "dlv_nobody"));
    RH_CHECK_EQ_INT(RH_OK, rh_delivery_skip(ctx, failed));
    RH_CHECK_EQ_INT(RH_E_STATE, rh_delivery_skip(ctx, failed));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "holds no ordering key") != NULL);
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000)); /* h2 */
    RH_CHECK_EQ_INT(2, request_n(s, 3, key, sizeof key));
    RH_CHECK_EQ_STR("h", key);
    /* a bad key or policy is refused */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_ordering_key(o, "", 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_emit_options_set_ordering_key(o, "k", 7));
    RH_CHECK_EQ_INT(RH_OK, rh_emit_options_set_ordering_key(o, NULL, 0));
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    sink_stop(s);
}

#define IDEMPOTENCY(X)                                                         \
    X(repeat_queues_nothing)                                                   \
    X(targeted_emit)                                                           \
    X(bad_options_and_batches)                                                 \
    X(ordering_waits_for_the_head)                                             \
    X(ordering_after_failure)

#define WRAP(name) RH_BACKEND_WRAPPERS(name, idem_##name)
IDEMPOTENCY(WRAP)

/* ------------------------------------------------- restarts and races */

/* A key holds across a restart: a new context on the same file or schema
 * (name: a SQLite path, or with pg a PostgreSQL schema). */
static void key_survives_a_restart(const char *name, int pg)
{
    char err[256], first[RH_ID_SIZE], again[RH_ID_SIZE];
    rh_storage st;
    rh_emit_options *o = keyed("restart-1");
    for (int round = 0; round < 2; round++) {
#ifdef RH_HAVE_PG
        if (pg)
            RH_CHECK_EQ_INT(
                RH_OK, rh_pg_open(&st, rh_test_pg(), name, err, sizeof err));
        else
#endif
            RH_CHECK_EQ_INT(RH_OK,
                            rh_sqlite_open(&st, name, 0, err, sizeof err));
        rh_config *cfg = rh_test_config();
        rh_config_set_storage(cfg, &st);
        rh_ctx *ctx = rh_test_ctx_from(cfg);
        RH_CHECK(ctx != NULL);
        int rc = rh_emit_with(ctx, "t", "{}", 2, o, round ? again : first,
                              RH_ID_SIZE);
        RH_CHECK_EQ_INT(0, rc);
        RH_CHECK_EQ_INT(round, rh_ctx_last_emit_duplicate(ctx));
        rh_ctx_free(ctx);
    }
    RH_CHECK_EQ_STR(first, again);
    rh_emit_options_free(o);
    (void)pg;
}

static void test_idempotency__sqlite_key_survives_a_restart(void)
{
    char path[128];
    rh_test_path(path, sizeof path, "idem-restart");
    key_survives_a_restart(path, 0);
}

static void test_idempotency__pg_key_survives_a_restart(void)
{
#ifdef RH_HAVE_PG
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    char schema[64];
    snprintf(schema, sizeof schema, "idem_restart_%u", (unsigned)getpid());
    key_survives_a_restart(schema, 1);
#else
    RH_SKIP("built without libpq");
#endif
}

#ifdef RH_HAVE_PG
/* Racing connections on one PostgreSQL schema: each of THREADS contexts
 * emits the same KEYS keys in the same order, all at once. Every key
 * queues exactly once and every emit of it gets the same event id. */
enum { THREADS = 4, KEYS = 150 };
typedef struct racer {
    const char *schema;
    pthread_barrier_t *go;
    int queued, duplicates, errors;
    char ids[KEYS][RH_ID_SIZE];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    char err[256];
    rh_storage st;
    rh_ctx *ctx = NULL;
    rh_emit_options *o = NULL;
    if (rh_pg_open(&st, rh_test_pg(), r->schema, err, sizeof err) == RH_OK) {
        rh_config *cfg = rh_test_config();
        rh_config_set_storage(cfg, &st);
        rh_ctx_new(&ctx, cfg);
        rh_config_free(cfg);
    }
    rh_emit_options_new(&o);
    pthread_barrier_wait(r->go);
    for (int i = 0; ctx && o && i < KEYS; i++) {
        char key[32];
        snprintf(key, sizeof key, "race-%d", i);
        rh_emit_options_set_idempotency_key(o, key);
        int rc =
            rh_emit_with(ctx, "race.run", "{}", 2, o, r->ids[i], RH_ID_SIZE);
        if (rc < 0)
            r->errors++;
        else if (rh_ctx_last_emit_duplicate(ctx))
            r->duplicates++;
        else
            r->queued += rc;
    }
    if (!ctx)
        r->errors = KEYS;
    rh_emit_options_free(o);
    rh_ctx_free(ctx);
    return NULL;
}

static void test_idempotency__pg_racing_connections(void)
{
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    char schema[64], err[256];
    rh_storage st;
    snprintf(schema, sizeof schema, "idem_race_%u", (unsigned)getpid());
    /* the schema and one endpoint that takes everything */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_pg_open(&st, rh_test_pg(), schema, err, sizeof err));
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    RH_CHECK_EQ_INT(RH_OK,
                    rh_endpoint_add(ctx, "http://127.0.0.1:9/", events, 1, ep,
                                    sizeof ep, secret, sizeof secret));
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    static racer rs[THREADS];
    pthread_t th[THREADS];
    memset(rs, 0, sizeof rs);
    for (int i = 0; i < THREADS; i++) {
        rs[i].schema = schema;
        rs[i].go = &go;
        pthread_create(&th[i], NULL, race, &rs[i]);
    }
    int queued = 0, duplicates = 0, errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        queued += rs[i].queued;
        duplicates += rs[i].duplicates;
        errors += rs[i].errors;
    }
    pthread_barrier_destroy(&go);
    printf("    pg idempotency race: %d threads x %d keys: %d queued, %d "
           "duplicates, %d errors\n",
           THREADS, KEYS, queued, duplicates, errors);
    RH_CHECK_EQ_INT(0, errors);
    RH_CHECK_EQ_INT(KEYS, queued);
    RH_CHECK_EQ_INT(KEYS * (THREADS - 1), duplicates);
    for (int k = 0; k < KEYS; k++)
        for (int i = 1; i < THREADS; i++)
            if (strcmp(rs[i].ids[k], rs[0].ids[k]) != 0) {
                RH_CHECK_EQ_STR(rs[0].ids[k], rs[i].ids[k]);
                k = KEYS;
                break;
            }
    rh_query *q = NULL;
    rh_query_new(&q);
    rh_query_set_limit(q, 10000);
    RH_CHECK_EQ_INT(KEYS, rh_test_count_deliveries(ctx, q));
    rh_query_free(q);
    rh_ctx_free(ctx);
}

/* Six tool processes, each opening the store and emitting 100 keyed events
 * (the same 100 keys in each): every open once ran CREATE INDEX IF NOT
 * EXISTS, whose share locks crossed the keyed enqueues' row locks, and 42
 * of 240 emits failed with "deadlock detected". Now none of 600 fails, and
 * each key queues once. */
static void test_idempotency__pg_tool_processes_race_keyed_emits(void)
{
    enum { PROCS = 6, EMITS = 100 };
    static char out[65536];
    char store[600], schema[64];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    snprintf(schema, sizeof schema, "idem_procs_%u", (unsigned)getpid());
    const char *add[] = {"endpoint", "add",    "http://127.0.0.1:9/",
                         "--events", "*",      "--dev",
                         "--store",  store,    "--schema",
                         schema,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        if ((kids[p] = fork()) != 0)
            continue;
        int failed = 0;
        for (int j = 0; j < EMITS; j++) {
            char key[32], buf[2048];
            snprintf(key, sizeof key, "order-%d", j);
            const char *emit[] = {"emit",    "order.paid", "{}",
                                  "--idempotency-key", key, "--store",
                                  store,     "--schema",   schema,
                                  NULL};
            if (rh_test_tool_run(emit, NULL, buf, sizeof buf) != 0) {
                if (!failed)
                    fprintf(stderr, "    emit failed: %s", buf);
                failed++;
            }
        }
        _exit(failed > 250 ? 250 : failed);
    }
    int failures = 0;
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        waitpid(kids[p], &status, 0);
        failures += WIFEXITED(status) ? WEXITSTATUS(status) : EMITS;
    }
    printf("    pg: %d processes x %d keyed emits: %d failed\n", PROCS, EMITS,
           failures);
    RH_CHECK_EQ_INT(0, failures);
    const char *log[] = {"log",     "--deliveries", "--limit", "1000",
                         "--store", store,          "--schema", schema,
                         "--json",  NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log, NULL, out, sizeof out));
    int rows = 0;
    for (const char *q = out; (q = strstr(q, "\"delivery\":")); q++)
        rows++;
    RH_CHECK_EQ_INT(EMITS, rows);
}
#else
static void test_idempotency__pg_racing_connections(void)
{
    RH_SKIP("built without libpq");
}
static void test_idempotency__pg_tool_processes_race_keyed_emits(void)
{
    RH_SKIP("built without libpq");
}
#endif

#define ROWS(name) RH_BACKEND_ROWS("idempotency", name)
const rh_test_case rh_tests_idempotency[] = {
    IDEMPOTENCY(ROWS){"idempotency__sqlite_key_survives_a_restart",
                      test_idempotency__sqlite_key_survives_a_restart},
    {"idempotency__pg_key_survives_a_restart",
     test_idempotency__pg_key_survives_a_restart},
    {"idempotency__pg_racing_connections",
     test_idempotency__pg_racing_connections},
    {"idempotency__pg_tool_processes_race_keyed_emits",
     test_idempotency__pg_tool_processes_race_keyed_emits},
    {NULL, NULL}};
