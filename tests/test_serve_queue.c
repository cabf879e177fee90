/* worker --metrics and the queue's gauges: what other processes emit is
 * counted from the store at the next scrape (pending, due, in flight,
 * failed in the last hour, the oldest due's age), per endpoint and tenant
 * only with --metrics-top, bounded to the top N and "other". On SQLite and
 * PostgreSQL. */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <stdlib.h>
#include <unistd.h>

static int has_line(const char *text, const char *line)
{
    char want[300];
    snprintf(want, sizeof want, "\n%s\n", line);
    return strstr(text, want) != NULL;
}

/* The value of a sample line beginning with prefix, or -1. */
static double sample(const char *text, const char *prefix)
{
    char want[300];
    snprintf(want, sizeof want, "\n%s ", prefix);
    const char *at = strstr(text, want);
    return at ? atof(at + strlen(want)) : -1;
}

/* A command line, built up: what is NULL is left out. */
typedef struct cmd {
    const char *v[16];
    int n;
} cmd;

static void word(cmd *c, const char *w)
{
    if (c->n < 15)
        c->v[c->n++] = w;
    c->v[c->n] = NULL;
}

/* --flag value, or nothing when value is NULL */
static void opt(cmd *c, const char *flag, const char *value)
{
    if (value)
        word(c, flag), word(c, value);
}

static const char *const *with_store(cmd *c, const char *store,
                                     const char *schema)
{
    opt(c, "--store", store);
    opt(c, "--schema", schema);
    return c->v;
}

/* A paused endpoint of tenant (NULL: none) for pattern; its id. */
static int paused_endpoint(const char *store, const char *schema,
                           const char *tenant, const char *pattern, char id[64])
{
    char out[4096], sec[128];
    cmd add = {{NULL}, 0}, pause = {{NULL}, 0};
    word(&add, "endpoint"), word(&add, "add");
    word(&add, "https://hooks.example.com/in");
    opt(&add, "--events", pattern), opt(&add, "--tenant", tenant);
    if (rh_test_tool_run(with_store(&add, store, schema), NULL, out,
                         sizeof out) != 0 ||
        sscanf(out, "%63s %127s", id, sec) != 2)
        return -1;
    word(&pause, "endpoint"), word(&pause, "pause");
    word(&pause, id);
    return rh_test_tool_run(with_store(&pause, store, schema), NULL, out,
                            sizeof out);
}

static int emit(const char *store, const char *schema, const char *type,
                const char *tenant)
{
    char out[4096];
    cmd c = {{NULL}, 0};
    word(&c, "emit"), word(&c, type), word(&c, "{}");
    opt(&c, "--tenant", tenant);
    return rh_test_tool_run(with_store(&c, store, schema), NULL, out,
                            sizeof out);
}

static void gauges_count_the_store(const char *store, const char *schema)
{
    char a[64], b[64], n[64], base[128], url[160];
    int fd = -1;
    reply r;
    RH_CHECK_EQ_INT(0, paused_endpoint(store, schema, "acme", "a.*", a));
    RH_CHECK_EQ_INT(0, paused_endpoint(store, schema, "beta", "b.*", b));
    RH_CHECK_EQ_INT(0, paused_endpoint(store, schema, NULL, "n.*", n));
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(0, emit(store, schema, "a.x", "acme"));
    RH_CHECK_EQ_INT(0, emit(store, schema, "b.x", "beta"));
    RH_CHECK_EQ_INT(0, emit(store, schema, "b.x", "beta"));
    RH_CHECK_EQ_INT(0, emit(store, schema, "n.x", NULL));
    cmd worker = {{NULL}, 0};
    word(&worker, "worker"), word(&worker, "--quiet");
    opt(&worker, "--metrics", "127.0.0.1:0");
    opt(&worker, "--metrics-top", "1");
    pid_t pid = start_server(with_store(&worker, store, schema), "metrics on ",
                             base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/metrics", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, NULL, &r));
    RH_CHECK(has_line(r.body, "# TYPE replicer_hooks_queue_pending gauge"));
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_pending 6"));
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_due 6")); /* paused */
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_in_flight 0"));
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_failed_last_hour 0"));
    /* the top tenant and the rest, never beta by name */
    RH_CHECK(has_line(
        r.body, "replicer_hooks_tenant_queue_pending{tenant=\"acme\"} 3"));
    RH_CHECK(has_line(
        r.body, "replicer_hooks_tenant_queue_pending{tenant=\"other\"} 3"));
    RH_CHECK(strstr(r.body, "tenant=\"beta\"") == NULL);
    char line[160];
    snprintf(line, sizeof line,
             "replicer_hooks_endpoint_queue_pending{endpoint=\"%s\"} 3", a);
    RH_CHECK(has_line(r.body, line));
    RH_CHECK(strstr(r.body, b) == NULL && strstr(r.body, n) == NULL);
    /* another process emits: the next scrape counts it; time passes: the
     * oldest due is older */
    double age = sample(r.body, "replicer_hooks_queue_oldest_due_age_seconds");
    RH_CHECK(age >= 0);
    RH_CHECK_EQ_INT(0, emit(store, schema, "b.x", "beta"));
    usleep(1100 * 1000);
    RH_CHECK_EQ_INT(200, http(url, NULL, NULL, &r));
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_pending 7"));
    RH_CHECK(sample(r.body, "replicer_hooks_queue_oldest_due_age_seconds") >=
             age + 1.0);
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
}

/* An endpoint of tenant on the sink's path; its id. */
static int sink_endpoint(const char *store, sink *s, const char *path,
                         const char *tenant, char id[64])
{
    char out[4096], url[128], sec[128];
    cmd add = {{NULL}, 0};
    sink_url(s, path, url, sizeof url);
    word(&add, "endpoint"), word(&add, "add"), word(&add, url);
    opt(&add, "--events", "*"), word(&add, "--dev");
    opt(&add, "--tenant", tenant), opt(&add, "--schedule", "");
    if (rh_test_tool_run(with_store(&add, store, NULL), NULL, out,
                         sizeof out) != 0 ||
        sscanf(out, "%63s %127s", id, sec) != 2)
        return -1;
    return 0;
}

/* --metrics-top 1: the busiest endpoint and tenant by name, the rest as
 * "other", with their attempts, successes, failures, outcomes and
 * durations; the quiet ones never named. */
static void test_serve_queue__labelled_counters(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], a[64], b[64], c[64], base[128], url[160],
        line[200];
    int fd = -1;
    reply r;
    rh_test_path(path, sizeof path, "labelled");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_rule(s, "/b", 500, 0, NULL, NULL, -1);
    RH_CHECK_EQ_INT(0, sink_endpoint(store, s, "/a", "acme", a));
    RH_CHECK_EQ_INT(0, sink_endpoint(store, s, "/b", "beta", b));
    RH_CHECK_EQ_INT(0, sink_endpoint(store, s, "/c", "gamma", c));
    RH_CHECK_EQ_INT(0, emit(store, NULL, "a.x", "acme"));
    RH_CHECK_EQ_INT(0, emit(store, NULL, "a.x", "acme"));
    RH_CHECK_EQ_INT(0, emit(store, NULL, "a.x", "acme"));
    RH_CHECK_EQ_INT(0, emit(store, NULL, "b.x", "beta"));
    RH_CHECK_EQ_INT(0, emit(store, NULL, "c.x", "gamma"));
    cmd worker = {{NULL}, 0};
    word(&worker, "worker"), word(&worker, "--quiet"), word(&worker, "--dev");
    opt(&worker, "--metrics", "127.0.0.1:0");
    opt(&worker, "--metrics-top", "1");
    pid_t pid = start_server(with_store(&worker, store, NULL), "metrics on ",
                             base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/metrics", base);
    snprintf(line, sizeof line,
             "replicer_hooks_endpoint_attempts_total{endpoint=\"other\"} 2");
    int64_t end = rh_test_mono_ms() + 15000;
    do { /* the labelled counters are copied once a second */
        usleep(200 * 1000);
        RH_CHECK_EQ_INT(200, http(url, NULL, NULL, &r));
    } while (!has_line(r.body, line) && rh_test_mono_ms() < end);
    RH_CHECK(has_line(r.body, line));
    snprintf(line, sizeof line,
             "replicer_hooks_endpoint_attempts_total{endpoint=\"%s\"} 3", a);
    RH_CHECK(has_line(r.body, line));
    snprintf(line, sizeof line,
             "replicer_hooks_endpoint_attempt_duration_seconds_count{"
             "endpoint=\"%s\"} 3",
             a);
    RH_CHECK(has_line(r.body, line));
    RH_CHECK(has_line(r.body, "replicer_hooks_tenant_attempts_total{tenant="
                              "\"acme\"} 3"));
    RH_CHECK(has_line(r.body, "replicer_hooks_tenant_failed_total{tenant="
                              "\"other\"} 1"));
    RH_CHECK(has_line(r.body, "replicer_hooks_tenant_attempts_by_outcome_total{"
                              "tenant=\"other\",outcome=\"http_status\"} 1"));
    /* the quiet ones are not named among the counters (the queue's
     * gauges rank by what waits, where the failed one is the biggest) */
    const char *quiet[] = {b, c, "beta", "gamma"};
    for (int i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "_attempts_total{%s=\"%s\"}",
                 i < 2 ? "endpoint" : "tenant", quiet[i]);
        RH_CHECK(strstr(r.body, line) == NULL);
    }
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
    sink_stop(s);
}

static void test_serve_queue__gauges_sqlite(void)
{
    char path[128], store[160];
    rh_test_path(path, sizeof path, "queue-gauges");
    snprintf(store, sizeof store, "sqlite:%s", path);
    gauges_count_the_store(store, NULL);
}

static void test_serve_queue__gauges_pg(void)
{
    char store[600], schema[40];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    snprintf(schema, sizeof schema, "gauges_%d", (int)getpid());
    gauges_count_the_store(store, schema);
}

const rh_test_case rh_tests_serve_queue[] = {
    {"serve_queue__gauges_sqlite", test_serve_queue__gauges_sqlite},
    {"serve_queue__gauges_pg", test_serve_queue__gauges_pg},
    {"serve_queue__labelled_counters", test_serve_queue__labelled_counters},
    {NULL, NULL}};
