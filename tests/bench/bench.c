/* make bench: figures, never pass/fail. Each figure is the median of 3 runs
 * with min and max, printed as a table and written to build/bench.json.
 * Everything runs on loopback against the test sink. */
#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_sqlite.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "h2_sink.h"
#include "fastsink.h"
#include "rh_internal.h" /* the two HMAC paths, measured apart */
#include "sink.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#ifdef RH_HAVE_PG
#include <libpq-fe.h>
#include <replicer-hooks/rh_pg.h>
#endif


double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char payload[1024 + 1];
int bench_failed; /* a figure's deliveries missing or not verifying */
char dir[64];
static sink *receiver;

/* A 1 KB JSON object shaped like a real event (an invoice: nested objects,
 * an array, numbers, escapes), padded to 1,024 bytes with a note. */
static void make_payload(void)
{
    static const char invoice[] =
        "{\"invoice\":{\"id\":\"in_1MtHbELkdIwHu7ixl4OzzPMv\",\"number\":"
        "\"A-2026-000123\",\"status\":\"paid\",\"currency\":\"eur\","
        "\"amount_due\":12950,\"amount_paid\":12950,\"tax_rate\":0.19,"
        "\"created\":1767225600,\"customer\":{\"id\":\"cus_NffrFeUfNV2Hib\","
        "\"name\":\"Jenny Rosen\",\"email\":\"jenny.rosen@example.com\","
        "\"address\":{\"line1\":\"Hauptstra\\u00dfe 1\",\"city\":\"Berlin\","
        "\"postal_code\":\"10115\",\"country\":\"DE\"}},\"lines\":["
        "{\"sku\":\"PLAN-PRO\",\"description\":\"Pro plan, monthly\","
        "\"quantity\":1,\"unit_amount\":9900,\"discountable\":true},"
        "{\"sku\":\"SEATS\",\"description\":\"Extra seats\",\"quantity\":3,"
        "\"unit_amount\":1000,\"discountable\":false},"
        "{\"sku\":\"SUPPORT\",\"description\":\"Priority support\","
        "\"quantity\":1,\"unit_amount\":50,\"discountable\":false}],"
        "\"metadata\":{\"order\":\"ord_8842\",\"channel\":\"web\","
        "\"campaign\":null},\"paid\":true,\"period\":{\"start\":1764547200,"
        "\"end\":1767225600}},\"note\":\"";
    size_t n = sizeof invoice - 1;
    memcpy(payload, invoice, n);
    memset(payload + n, 'n', 1024 - n - 2);
    strcpy(payload + 1024 - 2, "\"}");
}

typedef enum { STORE_MEMORY, STORE_SQLITE, STORE_SQLITE_ATTACHED } store_kind;

typedef struct bench_ctx {
    rh_ctx *ctx;
    sqlite3 *db; /* for STORE_SQLITE_ATTACHED */
} bench_ctx;

static int open_ctx(bench_ctx *b, store_kind kind, const char *path_tag)
{
    rh_config *cfg = NULL;
    rh_storage st;
    char path[160], url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    static int n;
    memset(b, 0, sizeof *b);
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight_per_endpoint(cfg, 64);
    snprintf(path, sizeof path, "%s/%s-%d.db", dir, path_tag, n++);
    if (kind == STORE_SQLITE) {
        if (rh_sqlite_open(&st, path, 0, NULL, 0) != RH_OK)
            return -1;
        rh_config_set_storage(cfg, &st);
    } else if (kind == STORE_SQLITE_ATTACHED) {
        if (sqlite3_open(path, &b->db) != SQLITE_OK ||
            rh_sqlite_attach(&st, b->db, 0, NULL, 0) != RH_OK)
            return -1;
        rh_config_set_storage(cfg, &st);
    }
    int rc = rh_ctx_new(&b->ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK)
        return -1;
    sink_url(receiver, "/bench", url, sizeof url);
    return rh_endpoint_add(b->ctx, url, events, 1, ep, sizeof ep, secret,
                           sizeof secret) == RH_OK
               ? 0
               : -1;
}

static void close_ctx(bench_ctx *b)
{
    rh_ctx_free(b->ctx);
    if (b->db)
        sqlite3_close(b->db);
}

/* emits per second: n emits, in batches of `batch` inside one host
 * transaction when the store is attached. */
static double run_emit(store_kind kind, int n, int batch)
{
    bench_ctx b;
    if (open_ctx(&b, kind, "emit") != 0)
        return -1;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (b.db && i % batch == 0)
            sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL);
        if (rh_emit(b.ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
        if (b.db && (i % batch == batch - 1 || i == n - 1))
            sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
    }
    double dt = now_s() - t0;
    close_ctx(&b);
    return n / dt;
}

/* deliveries per second, emitted first, then delivered to the sink. */
static double run_deliver(store_kind kind, int n)
{
    bench_ctx b;
    size_t before = sink_count(receiver);
    if (open_ctx(&b, kind, "deliver") != 0)
        return -1;
    if (b.db)
        sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < n; i++)
        if (rh_emit(b.ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
    if (b.db)
        sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
    double t0 = now_s();
    while (sink_count(receiver) < before + (size_t)n ||
           rh_ctx_in_flight(b.ctx) > 0) {
        if (rh_tick(b.ctx) < 0)
            return -1;
        rh_wait(b.ctx, 10);
    }
    double dt = now_s() - t0;
    close_ctx(&b);
    return n / dt;
}

#ifdef RH_HAVE_PG
static const char *pg_conninfo(void)
{
    const char *c = getenv("RH_TEST_PG");
    return c && *c ? c : NULL;
}

static int pg_schema_n;

/* A context on a fresh schema, through the host's connection (for batches),
 * with one endpoint: url, or the test sink's /bench when NULL. */
static rh_ctx *pg_ctx_to(PGconn **db_out, char *schema, size_t schema_size,
                         const char *to)
{
    rh_storage st;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    snprintf(schema, schema_size, "bench_%d_%d", (int)getpid(), ++pg_schema_n);
    PGconn *db = PQconnectdb(pg_conninfo());
    if (PQstatus(db) != CONNECTION_OK ||
        rh_pg_attach(&st, db, schema, NULL, 0) != RH_OK)
        return NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_storage(cfg, &st);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return NULL;
    rh_config_free(cfg);
    if (to)
        snprintf(url, sizeof url, "%s", to);
    else
        sink_url(receiver, "/bench", url, sizeof url);
    rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret, sizeof secret);
    *db_out = db;
    return ctx;
}

static rh_ctx *pg_ctx(PGconn **db_out, char *schema, size_t schema_size)
{
    return pg_ctx_to(db_out, schema, schema_size, NULL);
}

static double run_emit_pg(int n, int batch)
{
    PGconn *db = NULL;
    char schema[64];
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (batch > 1 && i % batch == 0)
            PQclear(PQexec(db, "BEGIN"));
        if (rh_emit(ctx, "bench.event", payload, 1024, NULL, 0) != 1)
            return -1;
        if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
            PQclear(PQexec(db, "COMMIT"));
    }
    double dt = now_s() - t0;
    rh_ctx_free(ctx);
    PQfinish(db);
    return n / dt;
}

static int take_all(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    (void)dl;
    (void)ev;
    (void)ud;
    return 1;
}

/* Claims per second from one process, 64 at a time, on 10,000 pending. */
static double run_claims_pg(void)
{
    PGconn *db = NULL;
    char schema[64];
    rh_storage st;
    int n = 10000, claimed = 0;
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    PQclear(PQexec(db, "BEGIN"));
    for (int i = 0; i < n; i++)
        rh_emit(ctx, "bench.event", "{}", 2, NULL, 0);
    PQclear(PQexec(db, "COMMIT"));
    if (rh_pg_open(&st, pg_conninfo(), schema, NULL, 0) != RH_OK)
        return -1;
    int64_t far = (int64_t)time(NULL) * 1000 + 86400000;
    double t0 = now_s();
    while (claimed < n) {
        int got = st.claim(far, far + 60000, 64, take_all, NULL, st.userdata);
        if (got <= 0)
            return -1;
        claimed += got;
    }
    double dt = now_s() - t0;
    st.destroy(st.userdata);
    rh_ctx_free(ctx);
    PQfinish(db);
    return claimed / dt;
}

/* Deliveries per second with `workers` tool processes on one queue. */
static double run_deliver_pg(int workers, int n)
{
    PGconn *db = NULL;
    char schema[64], store[600];
    pid_t pids[8];
    size_t before = sink_count(receiver);
    rh_ctx *ctx = pg_ctx(&db, schema, sizeof schema);
    if (!ctx)
        return -1;
    PQclear(PQexec(db, "BEGIN"));
    for (int i = 0; i < n; i++)
        rh_emit(ctx, "bench.event", payload, 1024, NULL, 0);
    PQclear(PQexec(db, "COMMIT"));
    snprintf(store, sizeof store, "pg:%s", pg_conninfo());
    double t0 = now_s();
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            const char *argv[] = {"build/replicer-hooks", "worker", "--store",
                                  store, "--schema", schema, "--dev",
                                  "--quiet", "--per-endpoint", "64", NULL};
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
    }
    while (sink_count(receiver) < before + (size_t)n && now_s() - t0 < 300)
        usleep(2000);
    double dt = now_s() - t0;
    for (int w = 0; w < workers; w++) {
        kill(pids[w], SIGTERM);
        waitpid(pids[w], NULL, 0);
    }
    rh_ctx_free(ctx);
    PQfinish(db);
    return n / dt;
}

/* End to end on PostgreSQL: `workers` tool processes already waiting on an
 * empty queue, then n 1 KB emits from here, committed `batch` at a time
 * (rh_emit_batch), until the epoll sink has them all. */
static double run_e2e_pg(int workers, int n, int batch)
{
    PGconn *db = NULL;
    char schema[64], store[600], url[64];
    pid_t pids[8];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e2e", fastsink_port(fast));
    rh_ctx *ctx = pg_ctx_to(&db, schema, sizeof schema, url);
    if (!ctx)
        return -1;
    /* the emitter on a connection of its own, as rh_pg_open gives: there
     * an emit batch is pipelined */
    rh_ctx_free(ctx);
    PQfinish(db);
    db = NULL;
    rh_storage st;
    rh_config *cfg = NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    if (rh_pg_open(&st, pg_conninfo(), schema, NULL, 0) != RH_OK)
        return -1;
    rh_config_set_storage(cfg, &st);
    ctx = NULL;
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return -1;
    rh_config_free(cfg);
    fastsink_reset(fast, 0);
    snprintf(store, sizeof store, "pg:%s", pg_conninfo());
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            const char *argv[] = {"build/replicer-hooks",
                                  "worker",
                                  "--store",
                                  store,
                                  "--schema",
                                  schema,
                                  "--dev",
                                  "--quiet",
                                  "--per-endpoint",
                                  "64",
                                  NULL};
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
    }
    usleep(300000); /* the workers are up and polling */
    double t0 = now_s();
    for (int i = 0; i < n; i += batch) {
        rh_emit_batch_begin(ctx);
        for (int j = i; j < i + batch && j < n; j++)
            if (rh_emit(ctx, "bench.e2e", payload, 1024, NULL, 0) != 1)
                bench_failed = 1;
        if (rh_emit_batch_commit(ctx) != RH_OK)
            bench_failed = 1;
    }
    while (fastsink_count(fast) < (size_t)n && now_s() - t0 < 300)
        usleep(1000);
    double dt = now_s() - t0;
    for (int w = 0; w < workers; w++) {
        kill(pids[w], SIGTERM);
        waitpid(pids[w], NULL, 0);
    }
    if (fastsink_count(fast) < (size_t)n)
        bench_failed = 1;
    rh_ctx_free(ctx);
    return n / dt;
}
#endif

/* ------------------------------------------------ issue 5: delivery path */

fastsink *fast;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t wsink(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* The wire contract's nine request headers as the library sends them for
 * one delivery of `payload` (a real id, timestamp and signature), for the
 * raw loop that measures what libcurl itself costs to send them. */
static struct curl_slist *wire_headers(struct curl_slist *h)
{
    static const char id[] = "dlv_2bZq0Xy8xW3kL9mN4pQ7rS1tU6";
    char line[256], sig[RH_SIGNATURE_SIZE];
    const long long ts = 1764230000;
    rh_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id, ts, payload, 1024,
            sig, sizeof sig);
    h = curl_slist_append(h, "User-Agent: replicer-hooks/" RH_VERSION_STRING);
    h = curl_slist_append(h, "X-Replicer-Event: bench.event");
    snprintf(line, sizeof line, "X-Replicer-Delivery-Id: %s", id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-Replicer-Timestamp: %lld", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-Replicer-Signature: %s", sig);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "webhook-id: %s", id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "webhook-timestamp: %lld", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "webhook-signature: %s", sig);
    return curl_slist_append(h, line);
}

/* The transport floor: a plain libcurl multi loop, 64 reused handles on
 * keep-alive connections, prebuilt 1 KB bodies, no signing, to url (over
 * TLS trusting ca, its store cached). With `wire_contract`, the same loop
 * also sends the nine headers every delivery carries, prebuilt: libcurl's
 * own cost for the request the library sends. */
double run_raw_to(const char *url, const char *ca, int n, int wire_contract)
{
    CURLM *m = curl_multi_init();
    CURL *e[64];
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    if (wire_contract)
        h = wire_headers(h);
    int started = 0, done = 0, running;
    for (int i = 0; i < 64; i++) {
        e[i] = curl_easy_init();
        curl_easy_setopt(e[i], CURLOPT_URL, url);
        if (ca) { /* the CA store parsed once, as the library has it */
            curl_easy_setopt(e[i], CURLOPT_CAINFO, ca);
            curl_easy_setopt(e[i], CURLOPT_CAPATH, NULL);
            curl_easy_setopt(e[i], CURLOPT_HTTP_VERSION,
                             (long)CURL_HTTP_VERSION_1_1);
        }
        curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(e[i], CURLOPT_POSTFIELDSIZE, 1024L);
        curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, wsink);
        curl_easy_setopt(e[i], CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(m, e[i]);
        started++;
    }
    double t0 = now_s();
    while (done < n) {
        CURLMsg *msg;
        int left;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            done++;
            curl_multi_remove_handle(m, msg->easy_handle);
            if (started < n) {
                curl_multi_add_handle(m, msg->easy_handle);
                started++;
            }
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double dt = now_s() - t0;
    if (getenv("RH_BENCH_ONLY"))
        fprintf(stderr, "raw phase: %.6f,%.6f\n", t0, t0 + dt);
    for (int i = 0; i < 64; i++) {
        curl_multi_remove_handle(m, e[i]);
        curl_easy_cleanup(e[i]);
    }
    curl_slist_free_all(h);
    curl_multi_cleanup(m);
    return n / dt;
}

static double run_raw(int n, int wire_contract)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/raw", fastsink_port(fast));
    return run_raw_to(url, NULL, n, wire_contract);
}

static char big_payload[16 * 1024 + 1];

static rh_ctx *fast_ctx(size_t in_flight, char *secret)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[64], ep[RH_ID_SIZE];
    const char *events[] = {"*"};
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight(cfg, in_flight);
    rh_config_set_max_in_flight_per_endpoint(cfg, in_flight);
    rh_config_set_max_pending(cfg, 2000000);
    rh_config_set_max_log(cfg, 1000);
    rh_config_set_timeout_ms(cfg, 30000);
    /* RH_BENCH_NO_STANDARD_HEADERS=1: what the three webhook-* headers cost */
    if (getenv("RH_BENCH_NO_STANDARD_HEADERS"))
        rh_config_set_standard_headers(cfg, 0);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return NULL;
    rh_config_free(cfg);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/bench", fastsink_port(fast));
    rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret, RH_SECRET_SIZE);
    return ctx;
}

/* The sink's first requests must verify with the endpoint's secret. */
static void check_samples_of(fastsink *from, const char *secret)
{
    char id[64], ts[32], sig[256], *body;
    size_t len, i;
    for (i = 0; fastsink_sample(from, i, id, ts, sig, &body, &len) == 0; i++)
        if (rh_verify(secret, id, ts, sig, body, len, atoll(ts), 300) != RH_OK) {
            fprintf(stderr, "bench: request %zu does not verify\n", i);
            bench_failed = 1;
        }
    if (i == 0)
        bench_failed = 1; /* nothing was checked */
}

static void check_samples(const char *secret)
{
    check_samples_of(fast, secret);
}

/* Deliveries per second: n events of `size` bytes emitted, then delivered
 * with 64 in flight; the delivery phase is timed. */
static double run_deliver_fast(int n, size_t size)
{
    char secret[RH_SECRET_SIZE];
    const char *body = size > 1024 ? big_payload : payload;
    rh_ctx *ctx = fast_ctx(64, secret);
    fastsink_reset(fast, 0);
    for (int i = 0; i < n; i++)
        if (rh_emit(ctx, "bench.event", body, size, NULL, 0) != 1)
            return -1;
    double t0 = now_s();
    while (fastsink_count(fast) < (size_t)n || rh_ctx_in_flight(ctx)) {
        if (rh_tick(ctx) < 0)
            return -1;
        rh_wait(ctx, 5);
    }
    double dt = now_s() - t0;
    if (getenv("RH_BENCH_ONLY")) /* the window to give perf report --time */
        fprintf(stderr, "delivery phase: %.6f,%.6f\n", t0, t0 + dt);
    check_samples(secret);
    if (fastsink_count(fast) != (size_t)n)
        bench_failed = 1;
    rh_ctx_free(ctx);
    return n / dt;
}

/* Microseconds per HMAC-SHA256 of `size` bytes with a key set up once, as
 * a delivery signs: on the path the library picks (the CPU's SHA
 * instructions when present), or on Mbed TLS alone. */
static double hmac_us(size_t size, int n, int mbedtls_only)
{
    static const unsigned char key[32] = {1, 2, 3};
    const void *parts[1] = {size > 1024 ? big_payload : payload};
    size_t lens[1] = {size};
    unsigned char mac[32];
    rh_hmac_fast keyed;
    int use_fast = !mbedtls_only && rh__hmac_fast_key(&keyed, key, 32) == RH_OK;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (use_fast)
            rh__hmac_fast(&keyed, parts, lens, 1, mac);
        else
            rh__hmac_sha256_mbedtls(key, sizeof key, parts, lens, 1, mac);
    }
    return (now_s() - t0) * 1e6 / n;
}

/* Bytes held by malloc now: the process's RSS would also count memory
 * that earlier figures freed and malloc kept, so it cannot be subtracted. */
static long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)mi.uordblks + (long)mi.hblkhd;
}

/* Per-emit microseconds for one event to `subscribed` endpoints among
 * `total` registered ones. */
static double fanout_us(rh_ctx *ctx, int emits)
{
    double t0 = now_s();
    for (int i = 0; i < emits; i++)
        if (rh_emit(ctx, "fan.out", "{\"n\":1}", 7, NULL, 0) < 0)
            return -1;
    return (now_s() - t0) * 1e6 / emits;
}

/* A context that only queues (nothing is ticked): up to max_pending. */
static rh_ctx *idle_ctx(size_t max_pending)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_pending(cfg, max_pending);
    rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    return ctx;
}

static int count_endpoint(const rh_endpoint *ep, void *ud)
{
    (void)ep;
    (*(int *)ud)++;
    return RH_OK;
}

static void add_endpoints(rh_ctx *ctx, int n, const char *pattern)
{
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {pattern};
    for (int i = 0; i < n; i++)
        rh_endpoint_add(ctx, "http://127.0.0.1:9/fan", events, 1, id,
                        sizeof id, secret, sizeof secret);
}

/* Seconds to add n endpoints, one rh_endpoint_add each (every one saved
 * as it is added), to a context on kind's store holding one already. */
static double run_endpoint_add(store_kind kind, int n)
{
    bench_ctx b;
    int listed = 0;
    if (open_ctx(&b, kind, "endpoints") != 0)
        return -1;
    double t0 = now_s();
    add_endpoints(b.ctx, n, "fan.*");
    double dt = now_s() - t0;
    if (rh_endpoint_list(b.ctx, count_endpoint, &listed) < 0 || listed != n + 1)
        bench_failed = 1;
    close_ctx(&b);
    return dt;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Emit events of `type` at `rate` per second for `seconds` on ctx, each
 * carrying its emit time (with opts: for a tenant, say), until the epoll
 * sink has noted them all: the sink's latencies' p50 and p99 in ms, and
 * the first's in *first_ms (when not NULL). 0, or -1 when some went
 * missing. Requests without an emit time (other work) are not counted. */
int paced_latency_with(rh_ctx *ctx, const char *type,
                       const rh_emit_options *opts, double seconds, int rate,
                       double *p50, double *p99, double *first_ms)
{
    char body[64];
    int total = (int)(seconds * rate), emitted = 0;
    const int64_t *lat;
    fastsink_reset(fast, 0);
    double t0 = now_s();
    while ((emitted < total || fastsink_latencies(fast, &lat) < (size_t)total) &&
           now_s() - t0 < seconds + 30) {
        int due = (int)((now_s() - t0) * rate);
        for (; emitted < due && emitted < total; emitted++) {
            int len = snprintf(body, sizeof body, "{\"t\":%lld}",
                               (long long)mono_ns());
            if (rh_emit_with(ctx, type, body, (size_t)len, opts, NULL, 0) != 1)
                return -1;
        }
        if (rh_tick(ctx) < 0)
            return -1;
        rh_wait(ctx, 1);
    }
    size_t n = fastsink_latencies(fast, &lat);
    if (first_ms)
        *first_ms = n ? (double)lat[0] / 1e6 : -1;
    int64_t *copy = malloc((n ? n : 1) * sizeof *copy);
    memcpy(copy, lat, n * sizeof *copy);
    qsort(copy, n, sizeof *copy, cmp64);
    *p50 = n ? (double)copy[n / 2] / 1e6 : -1;
    *p99 = n ? (double)copy[n * 99 / 100] / 1e6 : -1;
    free(copy);
    return n == (size_t)total ? 0 : -1;
}

static int paced_latency(rh_ctx *ctx, const char *type, double seconds,
                         int rate, double *p50, double *p99)
{
    return paced_latency_with(ctx, type, NULL, seconds, rate, p50, p99, NULL);
}

static int pace_latency(double seconds, int rate, double *p50, double *p99)
{
    char secret[RH_SECRET_SIZE];
    rh_ctx *ctx = fast_ctx(64, secret);
    int rc = paced_latency(ctx, "bench.latency", seconds, rate, p50, p99);
    rh_ctx_free(ctx);
    return rc;
}

static int slow_done;
static void count_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    slow_done += rh_attempt_success(at);
}

/* The slow receiver's child: plain HTTP (fastsink), or h2 over TLS with
 * pki's srv.pem (h2_sink); its port, written to fd. */
static void slow_receiver(const char *pki, int fd)
{
    char cert[200], key[200];
    int p = -1;
    if (pki) {
        h2_sink *hs;
        snprintf(cert, sizeof cert, "%s/srv.pem", pki);
        snprintf(key, sizeof key, "%s/srv.key", pki);
        if (h2_sink_start(&hs, cert, key, H2_SINK_READ_BODY, 600000) != 0)
            _exit(1);
        h2_sink_delay(hs, 1000);
        p = h2_sink_port(hs);
    } else {
        fastsink *fs;
        if (fastsink_start(&fs, 1000) != 0)
            _exit(1);
        p = fastsink_port(fs);
    }
    if (write(fd, &p, sizeof p) != sizeof p)
        _exit(1);
    pause();
    _exit(0);
}

/* 10,000 in flight at once to a receiver that answers each after 1 s; the
 * receiver runs in a child process (each side needs 10,000 sockets). With
 * pki (a folder of tls_make_pki), over TLS and h2 (RH_HTTP_VERSION_2), 100
 * streams a connection. */
double run_slow_with(int n, const char *pki, double *cpu_s)
{
    int pipefd[2], port = 0;
    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        slow_receiver(pki, pipefd[1]);
    }
    if (read(pipefd[0], &port, sizeof port) != sizeof port)
        return -1;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight(cfg, (size_t)n);
    rh_config_set_max_in_flight_per_endpoint(cfg, (size_t)n);
    rh_config_set_timeout_ms(cfg, 30000);
    rh_config_set_attempt_cb(cfg, count_attempt, NULL);
    char ca[200];
    if (pki) {
        snprintf(ca, sizeof ca, "%s/ca.pem", pki);
        rh_config_set_ca_file(cfg, ca);
        rh_config_set_http_version(cfg, RH_HTTP_VERSION_2);
    }
    rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    snprintf(url, sizeof url, "%s://127.0.0.1:%d/slow",
             pki ? "https" : "http", port);
    rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret, sizeof secret);
    for (int i = 0; i < n; i++)
        rh_emit(ctx, "bench.slow", "{}", 2, NULL, 0);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    slow_done = 0;
    double t0 = now_s();
    while (slow_done < n && now_s() - t0 < 120) {
        if (rh_tick(ctx) < 0)
            break;
        rh_wait(ctx, 20);
    }
    double dt = now_s() - t0;
    getrusage(RUSAGE_SELF, &r1);
    *cpu_s = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
             (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
             (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
             (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    if (slow_done != n) {
        fprintf(stderr, "slow receivers: %d of %d delivered\n", slow_done, n);
        bench_failed = 1;
    }
    rh_ctx_free(ctx);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pipefd[0]);
    close(pipefd[1]);
    return dt;
}

static double run_slow(int n, double *cpu_s)
{
    return run_slow_with(n, NULL, cpu_s);
}

/* ----------------------------------------- issue 10: end to end, faults */

/* Syncs to disk, counted in SQLite's default VFS: each xSync of the unix
 * VFS is one fdatasync (or fsync) call. Wrapping the VFS counts them in
 * the bench's own process, without strace, and only for SQLite's files. */
static sqlite3_vfs count_vfs;
/* the unix VFS gives the main file and its WAL or journal different method
 * tables (the WAL takes no locks): each one seen is wrapped */
#define COUNT_TABLES 4
static sqlite3_io_methods count_methods[COUNT_TABLES];
static const sqlite3_io_methods *real_methods[COUNT_TABLES];
static long n_syncs;

static int count_sync(sqlite3_file *f, int flags)
{
    n_syncs++;
    for (int i = 0; i < COUNT_TABLES; i++)
        if (f->pMethods == &count_methods[i])
            return real_methods[i]->xSync(f, flags);
    return SQLITE_IOERR;
}

static int count_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
                      int flags, int *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    int rc = real->xOpen(real, name, f, flags, out);
    for (int i = 0; rc == SQLITE_OK && f->pMethods && i < COUNT_TABLES; i++) {
        if (!real_methods[i]) {
            real_methods[i] = f->pMethods;
            count_methods[i] = *f->pMethods;
            count_methods[i].xSync = count_sync;
        }
        if (f->pMethods == real_methods[i]) {
            f->pMethods = &count_methods[i];
            break;
        }
    }
    return rc;
}

static void count_syncs_install(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    count_vfs = *real;
    count_vfs.zName = "rh-bench-count-syncs";
    count_vfs.pAppData = real;
    count_vfs.xOpen = count_open;
    sqlite3_vfs_register(&count_vfs, 1);
}

typedef enum { E2E_MEMORY, E2E_SQLITE_FULL, E2E_SQLITE_NORMAL } e2e_store;

static int e2e_done;
static char e2e_secret[RH_SECRET_SIZE]; /* the last e2e endpoint's */
long e2e_rss_kib; /* this process's resident memory as the last loop ended */
static void e2e_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    e2e_done += rh_attempt_success(at);
}

/* What a user pays: n emits and their deliveries in one loop, 64 in
 * flight, 1 KB events, the epoll sink. Each turn emits what has come in
 * since the last tick (up to 64 events, one rh_emit and one commit each;
 * or, batch > 1, one emit batch of `batch`) while fewer than 256 wait,
 * then ticks. Deliveries per second; *syncs_out: SQLite syncs per
 * delivery. */
static double run_e2e(e2e_store kind, int n, int batch, double *syncs_out)
{
    return run_e2e_to(fast, NULL, kind, n, batch, syncs_out);
}

long rss_kib(void)
{
    char line[128];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

/* The end-to-end loop of every e2e figure: n emits and their deliveries
 * to n_urls endpoints (one: every event; more: event i to endpoint i mod
 * n_urls, round robin, as many connections kept idle as there are hosts),
 * 64 in flight, on the store `kind` says, over HTTP version http_version.
 * Deliveries per second, or -1. */
double run_e2e_urls(const char *const *urls, size_t n_urls, const char *ca,
                    int kind, int n, int batch, int http_version,
                    double *syncs_out)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    rh_storage st;
    char path[160], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    static int k;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight(cfg, 64);
    rh_config_set_max_in_flight_per_endpoint(cfg, 64);
    rh_config_set_timeout_ms(cfg, 30000);
    rh_config_set_attempt_cb(cfg, e2e_attempt, NULL);
    rh_config_set_http_version(cfg, http_version);
    if (n_urls > 1)
        rh_config_set_idle_connections(cfg, n_urls + 64);
    if (ca)
        rh_config_set_ca_file(cfg, ca);
    if (kind != E2E_MEMORY) {
        snprintf(path, sizeof path, "%s/e2e-%d.db", dir, k++);
        if (rh_sqlite_open(&st, path,
                           kind == E2E_SQLITE_NORMAL ? RH_SQLITE_SYNC_NORMAL
                                                     : 0,
                           NULL, 0) != RH_OK)
            return -1;
        rh_config_set_storage(cfg, &st);
    }
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return -1;
    rh_config_free(cfg);
    char type[32];
    for (size_t i = 0; i < n_urls; i++) {
        snprintf(type, sizeof type, "bench.h%zu", i);
        events[0] = n_urls > 1 ? type : "*";
        rh_endpoint_add(ctx, urls[i], events, 1, ep, sizeof ep, secret,
                        sizeof secret);
    }
    snprintf(e2e_secret, sizeof e2e_secret, "%s", secret);
    e2e_done = 0;
    int emitted = 0;
    long syncs0 = n_syncs;
    double t0 = now_s();
    while (e2e_done < n && now_s() - t0 < 120) {
        if (emitted < n && emitted - e2e_done < 256) {
            int chunk = batch > 1 ? batch : 64;
            int m = chunk < n - emitted ? chunk : n - emitted;
            if (batch > 1 && rh_emit_batch_begin(ctx) != RH_OK)
                return -1;
            for (int i = 0; i < m; i++) {
                if (n_urls > 1)
                    snprintf(type, sizeof type, "bench.h%zu",
                             (size_t)(emitted + i) % n_urls);
                if (rh_emit(ctx, n_urls > 1 ? type : "bench.e2e", payload,
                            1024, NULL, 0) != 1)
                    return -1;
            }
            if (batch > 1 && rh_emit_batch_commit(ctx) != RH_OK)
                return -1;
            emitted += m;
        }
        if (rh_tick(ctx) < 0)
            return -1;
        if (emitted == n || emitted - e2e_done >= 256)
            rh_wait(ctx, 5);
    }
    double dt = now_s() - t0;
    *syncs_out = (double)(n_syncs - syncs0) / n;
    if (e2e_done != n)
        bench_failed = 1;
    e2e_rss_kib = rss_kib(); /* its connections still open */
    rh_ctx_free(ctx);
    return n / dt;
}

double run_e2e_to(fastsink *to, const char *ca, int kind, int n, int batch,
                  double *syncs_out)
{
    char url[64];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d/e2e", ca ? "https" : "http",
             fastsink_port(to));
    fastsink_reset(to, 0);
    const char *one[] = {url};
    double rate = run_e2e_urls(one, 1, ca, kind, n, batch,
                               RH_HTTP_VERSION_DEFAULT, syncs_out);
    check_samples_of(to, e2e_secret);
    if (fastsink_count(to) != (size_t)n)
        bench_failed = 1;
    return rate;
}

/* A listener that never accepts: connections open, requests go into its
 * backlog, no answer ever comes. */
int black_hole(int *port)
{
    return sink_listen(NULL, 0, 128, 0, port);
}

/* Healthy-endpoint latency at `rate` emits/s for `seconds`, 64 in flight,
 * 32 per endpoint; with dead_backlog > 0 a second endpoint that never
 * answers has that many deliveries due (its 32 hang) the whole time. */
static int pace_latency_beside(int dead_backlog, double seconds, int rate,
                               double *p50, double *p99)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *ok_events[] = {"ok.*"}, *dead_events[] = {"dead.*"};
    int hole = -1, hole_port = 0;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_max_in_flight(cfg, 64);
    rh_config_set_max_in_flight_per_endpoint(cfg, 32);
    rh_config_set_timeout_ms(cfg, 30000);
    rh_config_set_max_pending(cfg, 2000000);
    rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", fastsink_port(fast));
    rh_endpoint_add(ctx, url, ok_events, 1, ep, sizeof ep, secret,
                    sizeof secret);
    if (dead_backlog > 0) {
        char dead_secret[RH_SECRET_SIZE];
        if ((hole = black_hole(&hole_port)) < 0)
            return -1;
        snprintf(url, sizeof url, "http://127.0.0.1:%d/dead", hole_port);
        rh_endpoint_add(ctx, url, dead_events, 1, ep, sizeof ep, dead_secret,
                        sizeof dead_secret);
        for (int i = 0; i < dead_backlog; i++)
            rh_emit(ctx, "dead.event", "{}", 2, NULL, 0);
    }
    int rc = paced_latency(ctx, "ok.latency", seconds, rate, p50, p99);
    rh_ctx_free(ctx);
    if (hole >= 0)
        close(hole);
    return rc;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct figure {
    char name[96]; /* a copy: some labels are built on the caller's stack */
    const char *unit;
    double med, min, max;
} figure;

static figure figures[96];
static int n_figures;

void record(const char *name, const char *unit, double v[REPS])
{
    qsort(v, REPS, sizeof *v, cmp_d);
    figure *f = &figures[n_figures++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->unit = unit;
    f->min = v[0];
    f->med = v[REPS / 2];
    f->max = v[REPS - 1];
    if (f->med < 100)
        printf("%-34s %12.2f %-14s (min %.2f, max %.2f)\n", name, f->med,
               unit, f->min, f->max);
    else
        printf("%-34s %12.0f %-14s (min %.0f, max %.0f)\n", name, f->med,
               unit, f->min, f->max);
    fflush(stdout);
}

#ifdef RH_HAVE_PG
/* End to end on PostgreSQL with 1, 2 and 4 workers (needs RH_TEST_PG). */
static void bench_e2e_pg(void)
{
    static const int counts[] = {1, 2, 4};
    /* end to end, beside the memory store's figure of this run */
    double e2e[3][REPS], r1[REPS], r2[REPS];
    for (int r = 0; r < REPS; r++) {
        double unused, mem = run_e2e(E2E_MEMORY, 20000, 1, &unused);
        for (int k = 0; k < 3; k++)
            e2e[k][r] = run_e2e_pg(counts[k], 20000, 100);
        r1[r] = e2e[0][r] / mem;
        r2[r] = e2e[1][r] / e2e[0][r];
    }
    record("e2e_pg_1_worker_emits_by_100", "deliveries/s", e2e[0]);
    record("e2e_pg_2_workers_emits_by_100", "deliveries/s", e2e[1]);
    record("e2e_pg_4_workers_emits_by_100", "deliveries/s", e2e[2]);
    record("e2e pg_1_worker / memory", "ratio", r1);
    record("e2e pg_2_workers / pg_1_worker", "ratio", r2);
}
#endif

/* Adding endpoints one at a time, on the memory store and on SQLite beside
 * it (make bench, or RH_BENCH_ONLY=endpoint_add_100k). SQLite adds 20,000:
 * each add is a commit with its fsync (17 s for 100,000 on the bench
 * machine). */
static void bench_endpoint_add(void)
{
    double mem[REPS], mem_rate[REPS], lite[REPS], lite_rate[REPS];
    for (int r = 0; r < REPS; r++) {
        mem[r] = run_endpoint_add(STORE_MEMORY, 100000);
        lite[r] = run_endpoint_add(STORE_SQLITE, 20000);
        if (mem[r] <= 0 || lite[r] <= 0)
            bench_failed = 1;
        mem_rate[r] = 100000 / mem[r];
        lite_rate[r] = 20000 / lite[r];
    }
    record("endpoint_add_100k", "s", mem);
    record("endpoint_add_100k: rate", "endpoints/s", mem_rate);
    record("endpoint_add_20k_sqlite", "s", lite);
    record("endpoint_add_20k_sqlite: rate", "endpoints/s", lite_rate);
    printf("(SQLite adds 20,000, not 100,000: one fsync per add)\n");
}

/* The baseline a user would pick instead of the library: the Node.js
 * script tests/bench/node/undici_sender.mjs (undici's Pool, 64 in flight,
 * the same envelope and signature, nothing stored) against the same sink.
 * RH_BENCH_NODE names the script, with undici installed beside it (make
 * bench does both). Deliveries per second, or -1 when it cannot run. */
static double run_node_undici(int n)
{
    return run_node_undici_to(fast, NULL, n);
}

double run_node_undici_to(fastsink *to, const char *ca, int n)
{
    return run_node_undici_with(to, ca, n, "");
}

double run_node_baseline(const char *script, fastsink *to, int n,
                         const char *env, const char *args)
{
    static const char secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    char path[160], cmd[1024], line[512];
    double rate = -1;
    int ok = -1;
    if (!script || access(script, R_OK) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/payload.json", dir);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(payload, 1, 1024, f) != 1024 || fclose(f) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "%s node '%s' %d %d %s '%s' %s", env, script,
             fastsink_port(to), n, secret, path, args);
    fastsink_reset(to, 0);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    if (fgets(line, sizeof line, p)) {
        const char *r = strstr(line, "\"rate\":"), *o = strstr(line, "\"ok\":");
        if (r && o) {
            rate = atof(r + 7);
            ok = atoi(o + 5);
        }
    }
    if (pclose(p) != 0 || ok != n) {
        fprintf(stderr, "bench: the Node baseline %s failed (%d of %d ok)\n",
                script, ok, n);
        bench_failed = 1;
        return -1;
    }
    check_samples_of(to, secret); /* it signs as we do: they verify */
    if (fastsink_count(to) != (size_t)n)
        bench_failed = 1;
    return rate;
}

double run_node_undici_with(fastsink *to, const char *ca, int n,
                            const char *env)
{
    char full_env[512];
    /* over TLS Node trusts the same bundle, loaded once at its start */
    snprintf(full_env, sizeof full_env, "%s %s%s%s", env,
             ca ? "NODE_EXTRA_CA_CERTS='" : "", ca ? ca : "", ca ? "'" : "");
    return run_node_baseline(getenv("RH_BENCH_NODE"), to, n, full_env,
                             ca ? "64 https" : "64");
}

/* What a user pays, against what they would write instead: the library's
 * end-to-end loop (memory store) and the Node baseline, interleaved, the
 * ratio taken between neighbouring runs (make bench, RH_BENCH_ONLY=node). */
static void bench_e2e_node(void)
{
    double lib[REPS], node[REPS], ratio[REPS], unused;
    int have_node = 1;
    for (int r = 0; r < REPS; r++) {
        lib[r] = run_e2e(E2E_MEMORY, 20000, 1, &unused);
        node[r] = run_node_undici(20000);
        have_node = have_node && node[r] > 0;
        ratio[r] = have_node ? lib[r] / node[r] : 0;
    }
    record("e2e_1k", "deliveries/s", lib);
    if (!have_node) {
        printf("(node_undici_1k skipped: no node, or undici not installed "
               "beside RH_BENCH_NODE)\n");
        return;
    }
    record("node_undici_1k", "deliveries/s", node);
    record("e2e_1k / node_undici_1k", "ratio", ratio);
}

/* The end-to-end figures of memory and SQLite, and latency beside a dead
 * endpoint (make bench, or RH_BENCH_ONLY=e2e). */
static void bench_e2e(void)
{
    /* End to end: emit and deliver in one loop, what a user pays; the
     * ratios compare runs of this bench, moments apart. */
    {
        double mem[REPS], full1[REPS], full100[REPS], normal[REPS];
        double s_full1[REPS], s_full100[REPS], s_normal[REPS], r_full[REPS];
        for (int r = 0; r < REPS; r++) {
            double unused;
            mem[r] = run_e2e(E2E_MEMORY, 20000, 1, &unused);
            full1[r] = run_e2e(E2E_SQLITE_FULL, 3000, 1, &s_full1[r]);
            full100[r] = run_e2e(E2E_SQLITE_FULL, 20000, 100, &s_full100[r]);
            normal[r] = run_e2e(E2E_SQLITE_NORMAL, 20000, 1, &s_normal[r]);
            r_full[r] = full100[r] / mem[r];
        }
        record("e2e_memory", "deliveries/s", mem);
        record("e2e_sqlite_full_single_emits", "deliveries/s", full1);
        record("e2e_sqlite_full_single: syncs", "per delivery", s_full1);
        record("e2e_sqlite_full_emits_by_100", "deliveries/s", full100);
        record("e2e_sqlite_full_by_100: syncs", "per delivery", s_full100);
        record("e2e_sqlite_normal_single_emits", "deliveries/s", normal);
        record("e2e_sqlite_normal_single: syncs", "per delivery", s_normal);
        record("e2e sqlite_full_by_100 / memory", "ratio", r_full);
    }
    {
        double p50[REPS], p99[REPS], d50[REPS], d99[REPS], ratio[REPS];
        for (int r = 0; r < REPS; r++) {
            if (pace_latency_beside(0, 2.0, 5000, &p50[r], &p99[r]) != 0 ||
                pace_latency_beside(10000, 2.0, 5000, &d50[r], &d99[r]) != 0)
                bench_failed = 1;
            ratio[r] = d99[r] / p99[r];
        }
        record("latency_p50 at 5k/s alone", "ms", p50);
        record("latency_p99 at 5k/s alone", "ms", p99);
        record("latency_p50 beside 10k dead", "ms", d50);
        record("latency_p99 beside 10k dead", "ms", d99);
        record("latency p99 dead / alone", "ratio", ratio);
    }
}

int main(int argc, char **argv)
{
    const char *json_path = argc > 1 ? argv[1] : "build/bench.json";
    double v[REPS], bench_t0 = now_s();
    make_payload();
    snprintf(dir, sizeof dir, "/tmp/rh-bench-XXXXXX");
    if (!mkdtemp(dir) || sink_start(&receiver, 600000) != 0)
        return 1;
    printf("replicer-hooks %s bench: 1 KB events, one endpoint, loopback\n\n",
           rh_version_string());
    count_syncs_install();
    printf("%-34s %12s %-14s\n", "figure", "median", "unit");
    if (fastsink_start(&fast, 0) != 0)
        return 1;
    strcpy(big_payload, "{\"blob\":\"");
    memset(big_payload + 9, 'x', sizeof big_payload - 12);
    strcpy(big_payload + sizeof big_payload - 3, "\"}");
    /* RH_BENCH_ONLY=raw, raw_wire_headers or deliver (RH_BENCH_N of them),
     * latency or slow: that one figure, for a profiler */
    const char *only = getenv("RH_BENCH_ONLY");
    if (only && strcmp(only, "latency") == 0) {
        double p50, p99;
        int rc = pace_latency(2.0, 10000, &p50, &p99);
        printf("%-34s p50 %.2f ms, p99 %.2f ms\n", only, p50, p99);
        fastsink_stop(fast);
        sink_stop(receiver);
        return rc != 0;
    }
    if (only && strcmp(only, "e2e_sqlite") == 0) { /* for a profiler */
        double syncs, r = run_e2e(E2E_SQLITE_FULL, 40000, 100, &syncs);
        printf("%-34s %12.0f per second (%.2f syncs each)\n", only, r, syncs);
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && (strcmp(only, "e2e") == 0 || strcmp(only, "e2e_pg") == 0)) {
        if (strcmp(only, "e2e") == 0)
            bench_e2e(); /* e2e_pg: PostgreSQL's alone */
#ifdef RH_HAVE_PG
        if (pg_conninfo())
            bench_e2e_pg();
#endif
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "e2e_1k") == 0) { /* for callgrind */
        int n = getenv("RH_BENCH_N") ? atoi(getenv("RH_BENCH_N")) : 20000;
        double unused, r = run_e2e(E2E_MEMORY, n, 1, &unused);
        printf("%-34s %12.0f per second\n", only, r);
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "endpoint_add_100k") == 0) {
        bench_endpoint_add();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "tenants") == 0) {
        bench_tenants();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "threads") == 0) {
        bench_emit_threads();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "queue") == 0) {
        bench_queue();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "tls") == 0) {
        bench_tls();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "node") == 0) {
        bench_e2e_node();
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only && strcmp(only, "slow") == 0) {
        int n = getenv("RH_BENCH_N") ? atoi(getenv("RH_BENCH_N")) : 10000;
        /* RH_BENCH_PKI: over h2 and TLS, with that tls_make_pki folder */
        double cpu, wall = run_slow_with(n, getenv("RH_BENCH_PKI"), &cpu);
        printf("%-34s %12.2f s (cpu %.2f s)\n", only, wall, cpu);
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    if (only) {
        int deliver = strcmp(only, "deliver") == 0;
        int n = getenv("RH_BENCH_N") ? atoi(getenv("RH_BENCH_N")) : 100000;
        double r = deliver ? run_deliver_fast(n, 1024)
                           : run_raw(n, strcmp(only, "raw_wire_headers") == 0);
        printf("%-34s %12.0f %s\n", only, r, "per second");
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    /* Interleaved, so that each ratio compares runs made moments apart on
     * a machine whose speed drifts; the ratios' medians are printed. */
    {
        double raw[REPS], wire[REPS], dl[REPS], r_raw[REPS], r_wire[REPS];
        for (int r = 0; r < REPS; r++) {
            raw[r] = run_raw(100000, 0);
            wire[r] = run_raw(100000, 1);
            dl[r] = run_deliver_fast(100000, 1024);
            r_raw[r] = dl[r] / raw[r];
            r_wire[r] = dl[r] / wire[r];
        }
        record("raw", "requests/s", raw);
        record("raw_wire_headers", "requests/s", wire);
        record("deliver_1k", "deliveries/s", dl);
        record("deliver_1k / raw", "ratio", r_raw);
        record("deliver_1k / raw_wire_headers", "ratio", r_wire);
    }
    /* RH_BENCH_QUICK=1: the delivery path only, for profiling */
    if (getenv("RH_BENCH_QUICK")) {
        fastsink_stop(fast);
        sink_stop(receiver);
        return bench_failed;
    }
    for (int r = 0; r < REPS; r++)
        v[r] = run_deliver_fast(20000, 16 * 1024);
    record("deliver_16k", "deliveries/s", v);
    double h16 = hmac_us(16 * 1024, 20000, 0), h1 = hmac_us(1024, 100000, 0);
    printf("%-34s %12.1f %-14s (HMAC %.1f us per 16 KB, %.1f us per 1 KB%s)\n",
           "deliver_16k time in HMAC", h16 * figures[n_figures - 1].med / 1e4,
           "%", h16, h1,
           rh__sha_fast_available() ? ", CPU SHA instructions" : ", Mbed TLS");
    printf("%-34s %12.1f %-14s (%.1f us per 1 KB)\n", "HMAC on Mbed TLS alone",
           hmac_us(16 * 1024, 5000, 1), "us per 16 KB",
           hmac_us(1024, 50000, 1));
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_MEMORY, 100000, 1);
    record("emit_memory", "emits/s", v);
    {
        rh_ctx *ctx = idle_ctx(5000000);
        add_endpoints(ctx, 1000, "fan.*");
        add_endpoints(ctx, 10000, "other.type");
        for (int r = 0; r < REPS; r++)
            v[r] = fanout_us(ctx, 100);
        record("fanout_1000_of_11000", "us/emit", v);
        double small = figures[n_figures - 1].med;
        add_endpoints(ctx, 89000, "other.type");
        for (int r = 0; r < REPS; r++)
            v[r] = fanout_us(ctx, 100);
        record("fanout_1000_of_100000", "us/emit", v);
        printf("%-34s %12.2f %-14s\n", "fanout 100000 / 11000",
               figures[n_figures - 1].med / small, "ratio");
        rh_ctx_free(ctx);
    }
    bench_endpoint_add();
    for (int r = 0; r < REPS; r++) {
        rh_ctx *ctx = idle_ctx(2000000);
        add_endpoints(ctx, 1000, "*");
        /* a 100-byte JSON object */
        char small[101];
        memset(small, 'p', 100);
        memcpy(small, "{\"p\":\"", 6);
        memcpy(small + 98, "\"}", 2);
        small[100] = '\0';
        long before = heap_bytes();
        for (int i = 0; i < 1000; i++)
            if (rh_emit(ctx, "pending.event", small, 100, NULL, 0) != 1000)
                bench_failed = 1;
        long after = heap_bytes();
        /* payloads are stored once per event: 1,000 x 100 B */
        v[r] = (double)(after - before - 1000 * 100) / 1e6;
        rh_ctx_free(ctx);
    }
    record("pending_memory (1M pending)", "bytes/delivery", v);
    {
        double p50[REPS], p99[REPS];
        for (int r = 0; r < REPS; r++)
            if (pace_latency(2.0, 10000, &p50[r], &p99[r]) != 0)
                bench_failed = 1;
        record("latency_p50 at 10k/s", "ms", p50);
        record("latency_p99 at 10k/s", "ms", p99);
    }
    {
        double cpu[REPS];
        for (int r = 0; r < REPS; r++)
            v[r] = run_slow(10000, &cpu[r]);
        record("slow_receivers 10k x 1 s: wall", "s", v);
        record("slow_receivers 10k x 1 s: cpu", "s", cpu);
    }
    bench_e2e_node();
    bench_tls();
    bench_tenants();
    bench_queue();
    bench_emit_threads();
    bench_e2e();
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_SQLITE, 1000, 1);
    record("emit_sqlite_one_per_txn", "emits/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_emit(STORE_SQLITE_ATTACHED, 20000, 1000);
    record("emit_sqlite_batched_1000", "emits/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_deliver(STORE_MEMORY, 20000);
    record("deliver_memory", "deliveries/s", v);
    for (int r = 0; r < REPS; r++)
        v[r] = run_deliver(STORE_SQLITE_ATTACHED, 5000);
    record("deliver_sqlite", "deliveries/s", v);

#ifdef RH_HAVE_PG
    if (pg_conninfo()) {
        for (int r = 0; r < REPS; r++)
            v[r] = run_emit_pg(1000, 1);
        record("emit_pg_one_per_txn", "emits/s", v);
        for (int r = 0; r < REPS; r++)
            v[r] = run_emit_pg(10000, 1000);
        record("emit_pg_batched_1000", "emits/s", v);
        for (int r = 0; r < REPS; r++)
            v[r] = run_claims_pg();
        record("claims_pg_64_per_claim", "claims/s", v);
        static const int counts[] = {1, 2, 4};
        static const char *names[] = {"deliver_pg_1_worker",
                                      "deliver_pg_2_workers",
                                      "deliver_pg_4_workers"};
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < REPS; r++)
                v[r] = run_deliver_pg(counts[k], 3000);
            record(names[k], "deliveries/s", v);
        }
        bench_e2e_pg();
    } else {
        printf("(PostgreSQL figures skipped: no RH_TEST_PG)\n");
    }
#endif

    fastsink_stop(fast);
    FILE *f = fopen(json_path, "w");
    if (f) {
        fprintf(f, "{\"version\":\"%s\",\"figures\":[", rh_version_string());
        for (int i = 0; i < n_figures; i++)
            fprintf(f,
                    "%s{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.1f,"
                    "\"min\":%.1f,\"max\":%.1f}",
                    i ? "," : "", figures[i].name, figures[i].unit,
                    figures[i].med, figures[i].min, figures[i].max);
        fprintf(f, "]}\n");
        fclose(f);
        printf("\nwritten to %s (the bench took %.0f s)\n", json_path,
               now_s() - bench_t0);
    }
    sink_stop(receiver);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    if (bench_failed)
        fprintf(stderr, "bench: a path failed (deliveries missing or a "
                        "signature did not verify)\n");
    return bench_failed;
}
