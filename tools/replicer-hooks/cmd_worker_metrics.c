/* replicer-hooks worker's --metrics: Prometheus text of the worker's own
 * counters (rh_ctx_stats, copied after each tick) and of the queue as the
 * store holds it for every process (rh_queue_figures, read at each scrape
 * through the server's own context: the worker's belongs to its thread).
 * Endpoints and tenants are labelled only with --metrics-top N: the top N
 * by volume each, the rest summed as "other", so the series stay bounded;
 * their counters (rh_ctx_stats_by) are copied at most once a second. */
#include "cmd_worker.h"

#include <pthread.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One key's values for the labelled series: the worker's counters
 * (rh_stat) or the queue's figures (rh_queue_figure, none negative), and
 * the volume that ranks the keys. */
typedef struct keyed {
    char key[RH_TENANT_MAX + 8];
    uint64_t v[RH_STAT_COUNT];
    uint64_t volume;
} keyed;

typedef struct keyed_set {
    keyed *k;
    size_t n, cap;
} keyed_set;

static int64_t wall_now_ms(void);
static void label_value(const char *in, char *out, size_t size);

struct worker_metrics {
    pthread_mutex_t mu;     /* what the worker copies: v and by */
    pthread_mutex_t fig_mu; /* the server's own context, figures */
    uint64_t v[RH_STAT_COUNT];
    keyed_set by[2]; /* endpoints, tenants: the top and "other" */
    int64_t by_copied_ms;
    rh_ctx *figures; /* the server's own, on the worker's store; or NULL */
    char why[200];   /* why there is none */
    int top;
    cli_http_server *server;
};

static int append_keyed(keyed_set *s, const char *key, const uint64_t *v,
                        size_t n, uint64_t volume)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        keyed *k = realloc(s->k, cap * sizeof *k);
        if (!k)
            return RH_E_NOMEM;
        s->k = k;
        s->cap = cap;
    }
    keyed *k = &s->k[s->n++];
    snprintf(k->key, sizeof k->key, "%s", key);
    memset(k->v, 0, sizeof k->v);
    memcpy(k->v, v, (n < RH_STAT_COUNT ? n : RH_STAT_COUNT) * sizeof *v);
    k->volume = volume;
    return RH_OK;
}

/* A key's counters, ranked by its attempts. */
static int keep_keyed(const char *key, const uint64_t *v, size_t n, void *ud)
{
    return append_keyed(ud, key, v, n,
                        n > RH_STAT_ATTEMPTS ? v[RH_STAT_ATTEMPTS] : 0);
}

static int by_volume(const void *a, const void *b)
{
    uint64_t x = ((const keyed *)a)->volume, y = ((const keyed *)b)->volume;
    return x != y ? (x < y ? 1 : -1)
                  : strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

/* The top rows by volume, the rest summed into one keyed "other"; the
 * value at index oldest (-1: none), a time, is their earliest instead. */
static void keep_top(keyed_set *s, int top, int oldest)
{
    if (s->n > 1) /* none copied yet: no array to sort */
        qsort(s->k, s->n, sizeof *s->k, by_volume);
    if (s->n <= (size_t)top)
        return;
    keyed *other = &s->k[top];
    for (size_t i = (size_t)top + 1; i < s->n; i++)
        for (int j = 0; j < RH_STAT_COUNT; j++) {
            uint64_t v = s->k[i].v[j];
            if (j != oldest)
                other->v[j] += v;
            else if (v && (!other->v[j] || v < other->v[j]))
                other->v[j] = v;
        }
    snprintf(other->key, sizeof other->key, "other");
    s->n = (size_t)top + 1;
}

void worker_metrics_snapshot(worker_metrics *m, rh_ctx *ctx)
{
    uint64_t v[RH_STAT_COUNT];
    keyed_set by[2] = {{NULL, 0, 0}, {NULL, 0, 0}};
    if (!m || rh_ctx_stats(ctx, v, RH_STAT_COUNT) != RH_STAT_COUNT)
        return;
    int64_t now = wall_now_ms();
    int copy = m->top > 0 && now - m->by_copied_ms >= 1000;
    for (int g = 0; copy && g < 2; g++) {
        rh_ctx_stats_by(ctx, g ? RH_QUEUE_BY_TENANT : RH_QUEUE_BY_ENDPOINT,
                        keep_keyed, &by[g]);
        keep_top(&by[g], m->top, -1);
    }
    pthread_mutex_lock(&m->mu);
    memcpy(m->v, v, sizeof v);
    for (int g = 0; copy && g < 2; g++) {
        free(m->by[g].k);
        m->by[g] = by[g];
    }
    if (copy)
        m->by_copied_ms = now;
    pthread_mutex_unlock(&m->mu);
}

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void addf(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void addf(text *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        char *p = realloc(t->p, cap);
        if (!p)
            return;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
}

/* Prometheus text format 0.0.4, named from rh_stat_name so that a new
 * counter appears without a change here. */
static void counters_text(const uint64_t *v, text *t)
{
    for (int i = 0; i < RH_STAT_OUTCOME_OK; i++) {
        const char *name = rh_stat_name(i);
        if (i == RH_STAT_IN_FLIGHT) {
            addf(t, "# TYPE replicer_hooks_%s gauge\n", name);
            addf(t, "replicer_hooks_%s %" PRIu64 "\n", name, v[i]);
        } else {
            addf(t, "# TYPE replicer_hooks_%s_total counter\n", name);
            addf(t, "replicer_hooks_%s_total %" PRIu64 "\n", name, v[i]);
        }
    }
    addf(t, "# TYPE replicer_hooks_attempts_by_outcome_total counter\n");
    for (int i = RH_STAT_OUTCOME_OK; i <= RH_STAT_OUTCOME_BAD_RESPONSE; i++)
        addf(t,
             "replicer_hooks_attempts_by_outcome_total{outcome=\"%s\"} %" PRIu64
             "\n",
             rh_outcome_name(i - RH_STAT_OUTCOME_OK), v[i]);
    addf(t, "# TYPE replicer_hooks_attempt_duration_seconds histogram\n");
    for (int i = RH_STAT_ATTEMPT_MS_LE_10; i <= RH_STAT_ATTEMPT_MS_LE_10000;
         i++) {
        /* "attempt_ms_le_250": the bound in ms is in the name */
        const char *le = strrchr(rh_stat_name(i), '_') + 1;
        addf(
            t,
            "replicer_hooks_attempt_duration_seconds_bucket{le=\"%g\"} %" PRIu64
            "\n",
            atof(le) / 1000.0, v[i]);
    }
    addf(t,
         "replicer_hooks_attempt_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64
         "\n",
         v[RH_STAT_ATTEMPTS]);
    addf(t, "replicer_hooks_attempt_duration_seconds_sum %.3f\n",
         (double)v[RH_STAT_ATTEMPT_MS_SUM] / 1000);
    addf(t, "replicer_hooks_attempt_duration_seconds_count %" PRIu64 "\n",
         v[RH_STAT_ATTEMPTS]);
}

/* The labelled counters: attempts, successes, failures for good, attempts
 * by outcome and the duration histogram, per key (the top and "other"). */
static void keyed_text(text *t, const keyed_set *s, const char *prefix,
                       const char *label)
{
    static const struct {
        int stat;
        const char *name;
    } totals[] = {{RH_STAT_ATTEMPTS, "attempts_total"},
                  {RH_STAT_SUCCEEDED, "succeeded_total"},
                  {RH_STAT_FAILED, "failed_total"}};
    char key[2 * (RH_TENANT_MAX + 8)];
    for (size_t c = 0; c < 3; c++) {
        addf(t, "# TYPE replicer_hooks_%s_%s counter\n", prefix,
             totals[c].name);
        for (size_t i = 0; i < s->n; i++) {
            label_value(s->k[i].key, key, sizeof key);
            addf(t, "replicer_hooks_%s_%s{%s=\"%s\"} %" PRIu64 "\n", prefix,
                 totals[c].name, label, key, s->k[i].v[totals[c].stat]);
        }
    }
    addf(t, "# TYPE replicer_hooks_%s_attempts_by_outcome_total counter\n",
         prefix);
    for (size_t i = 0; i < s->n; i++) {
        label_value(s->k[i].key, key, sizeof key);
        for (int o = 0; o <= RH_OUTCOME_BAD_RESPONSE; o++)
            addf(t,
                 "replicer_hooks_%s_attempts_by_outcome_total{%s=\"%s\","
                 "outcome=\"%s\"} %" PRIu64 "\n",
                 prefix, label, key, rh_outcome_name(o),
                 s->k[i].v[RH_STAT_OUTCOME_OK + o]);
    }
    addf(t, "# TYPE replicer_hooks_%s_attempt_duration_seconds histogram\n",
         prefix);
    for (size_t i = 0; i < s->n; i++) {
        const uint64_t *v = s->k[i].v;
        label_value(s->k[i].key, key, sizeof key);
        for (int b = RH_STAT_ATTEMPT_MS_LE_10; b <= RH_STAT_ATTEMPT_MS_LE_10000;
             b++)
            addf(t,
                 "replicer_hooks_%s_attempt_duration_seconds_bucket{%s=\"%s\","
                 "le=\"%g\"} %" PRIu64 "\n",
                 prefix, label, key,
                 atof(strrchr(rh_stat_name(b), '_') + 1) / 1000.0, v[b]);
        addf(t,
             "replicer_hooks_%s_attempt_duration_seconds_bucket{%s=\"%s\","
             "le=\"+Inf\"} %" PRIu64 "\n",
             prefix, label, key, v[RH_STAT_ATTEMPTS]);
        addf(t,
             "replicer_hooks_%s_attempt_duration_seconds_sum{%s=\"%s\"} %.3f\n",
             prefix, label, key, (double)v[RH_STAT_ATTEMPT_MS_SUM] / 1000);
        addf(t,
             "replicer_hooks_%s_attempt_duration_seconds_count{%s=\"%s\"} "
             "%" PRIu64 "\n",
             prefix, label, key, v[RH_STAT_ATTEMPTS]);
    }
}

/* ------------------------------------------------------ queue figures */

#define FAILED_WINDOW_MS 3600000 /* the failed_last_hour gauge's */

/* A key's figures, ranked by what waits or failed. */
static int collect(const char *key, const int64_t *f, size_t n, void *ud)
{
    uint64_t v[RH_QUEUE_FIGURE_COUNT] = {0};
    for (size_t k = 0; k < n && k < RH_QUEUE_FIGURE_COUNT; k++)
        v[k] = f[k] > 0 ? (uint64_t)f[k] : 0;
    return append_keyed(ud, key, v, RH_QUEUE_FIGURE_COUNT,
                        v[RH_QUEUE_PENDING] + v[RH_QUEUE_IN_FLIGHT] +
                            v[RH_QUEUE_FAILED_RECENT]);
}

/* A label value as the text format wants it: \ " and newline escaped. */
static void label_value(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 3 < size; in++) {
        if (*in == '\\' || *in == '"' || *in == '\n')
            out[o++] = '\\';
        out[o++] = *in == '\n' ? 'n' : *in;
    }
    out[o] = '\0';
}

static const char *const gauge_names[RH_QUEUE_FIGURE_COUNT] = {
    "pending", "due", "in_flight", "failed_last_hour",
    "oldest_due_age_seconds"};

/* One gauge per figure: replicer_hooks_<prefix>_<figure>{label="key"}. */
static void gauges_text(text *t, const char *prefix, const char *label,
                        const keyed_set *rs, int64_t now_ms)
{
    for (int k = 0; k < RH_QUEUE_FIGURE_COUNT; k++) {
        addf(t, "# TYPE replicer_hooks_%s_%s gauge\n", prefix, gauge_names[k]);
        for (size_t i = 0; i < rs->n; i++) {
            const uint64_t *f = rs->k[i].v;
            char value[64], key[2 * sizeof rs->k[i].key], labels[300] = "";
            if (k == RH_QUEUE_OLDEST_DUE_MS)
                snprintf(value, sizeof value, "%.3f",
                         f[k] ? (double)(now_ms - (int64_t)f[k]) / 1000 : 0.0);
            else
                snprintf(value, sizeof value, "%" PRIu64, f[k]);
            if (label) {
                label_value(rs->k[i].key, key, sizeof key);
                snprintf(labels, sizeof labels, "{%s=\"%s\"}", label, key);
            }
            addf(t, "replicer_hooks_%s_%s%s %s\n", prefix, gauge_names[k],
                 labels, value);
        }
    }
}

/* The figures' clock: the wall clock, as the server's context has it. */
static int64_t wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_group(worker_metrics *m, int group, keyed_set *rs)
{
    rs->n = 0;
    return rh_queue_figures(m->figures, group, FAILED_WINDOW_MS, collect, rs);
}

/* The queue's gauges, read now; or a comment saying why there are none. */
static void queue_text(worker_metrics *m, text *t)
{
    static const struct {
        int group;
        const char *prefix, *label;
    } by[] = {{RH_QUEUE_BY_ENDPOINT, "endpoint_queue", "endpoint"},
              {RH_QUEUE_BY_TENANT, "tenant_queue", "tenant"}};
    keyed_set rs = {NULL, 0, 0};
    int64_t now = wall_now_ms();
    if (!m->figures) {
        addf(t, "# the queue's figures are not available: %s\n", m->why);
        return;
    }
    if (read_group(m, RH_QUEUE_TOTAL, &rs) < 0) {
        addf(t, "# the queue's figures are not available: %s\n",
             rh_ctx_last_error(m->figures));
        free(rs.k);
        return;
    }
    gauges_text(t, "queue", NULL, &rs, now);
    for (size_t g = 0; m->top > 0 && g < 2; g++) {
        if (read_group(m, by[g].group, &rs) < 0)
            continue;
        keep_top(&rs, m->top, RH_QUEUE_OLDEST_DUE_MS);
        gauges_text(t, by[g].prefix, by[g].label, &rs, now);
    }
    free(rs.k);
}

static cli_mhd_result serve_metrics(void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *upload,
                                    size_t *upload_size, void **state)
{
    worker_metrics *m = cls;
    uint64_t v[RH_STAT_COUNT];
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    if (strcmp(url, "/metrics") != 0)
        return cli_http_reply(c, 404, "text/plain", "not found: try /metrics\n",
                              25);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return cli_http_reply(c, 405, "text/plain", "GET only\n", 9);
    text t = {NULL, 0, 0};
    /* the worker's copies: only memory, so the worker never waits on a
     * scrape's store queries, which come after, under a lock of their own */
    pthread_mutex_lock(&m->mu);
    memcpy(v, m->v, sizeof v);
    counters_text(v, &t);
    if (m->top > 0) {
        keyed_text(&t, &m->by[0], "endpoint", "endpoint");
        keyed_text(&t, &m->by[1], "tenant", "tenant");
    }
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_lock(&m->fig_mu);
    queue_text(m, &t);
    pthread_mutex_unlock(&m->fig_mu);
    cli_mhd_result ok =
        cli_http_reply(c, 200, "text/plain; version=0.0.4; charset=utf-8",
                       t.p ? t.p : "", t.len);
    free(t.p);
    return ok;
}

/* The server's own context on the worker's store, for the figures. */
static void open_figures(worker_metrics *m, const cli_args *a)
{
    if (cli_open(a, NULL, &m->figures) != 0) {
        m->figures = NULL;
        snprintf(m->why, sizeof m->why, "the store could not be opened");
    }
}

worker_metrics *worker_metrics_start(const cli_args *a,
                                     const cli_http_addr *addr, rh_ctx *ctx,
                                     int top)
{
    char err[200], base[120];
    worker_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->fig_mu, NULL);
    m->top = top;
    worker_metrics_snapshot(m, ctx);
    open_figures(m, a);
    m->server = cli_http_start(addr, serve_metrics, NULL, m, err, sizeof err);
    if (!m->server) {
        fprintf(stderr, "%s worker: --metrics: %s\n", cli_prog, err);
        worker_metrics_stop(m);
        return NULL;
    }
    cli_http_base_url(addr, m->server, base, sizeof base);
    fprintf(stderr, "%s worker: metrics on %s/metrics\n", cli_prog, base);
    return m;
}

void worker_metrics_stop(worker_metrics *m)
{
    if (!m)
        return;
    cli_http_stop(m->server);
    rh_ctx_free(m->figures);
    free(m->by[0].k);
    free(m->by[1].k);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->fig_mu);
    free(m);
}
