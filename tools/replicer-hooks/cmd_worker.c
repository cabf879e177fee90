/* replicer-hooks worker: delivers a store's deliveries until told to stop
 * (or until idle), printing attempts and state changes; --metrics serves its
 * counters and the store's queue figures (cmd_worker_metrics.c). */
#include "cmd_worker.h"

#include <signal.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct worker_state {
    int quiet;
} worker_state;

/* Each line a worker prints begins with the time it happened (UTC), so a
 * log read later says when. */
static const char *stamp(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cli_format_time((int64_t)ts.tv_sec * 1000, out);
    return out;
}

static void print_state_change(const rh_endpoint *ep, int change, void *ud)
{
    char now[32];
    (void)ud;
    int reason = rh_endpoint_disabled_reason(ep);
    printf("%s ", stamp(now));
    if (change == RH_ENDPOINT_HELD)
        printf("endpoint %s: held: it was added with --dev; a worker "
               "started with --dev delivers it\n",
               rh_endpoint_id(ep));
    else if (change == RH_ENDPOINT_DISABLED)
        printf("endpoint %s: disabled (%s)\n", rh_endpoint_id(ep),
               rh_disabled_reason_name(reason));
    else
        printf("endpoint %s: %s\n", rh_endpoint_id(ep),
               rh_endpoint_change_name(change));
    fflush(stdout);
}

static void print_attempt_line(const rh_attempt *at, void *ud)
{
    worker_state *w = ud;
    char now[32];
    if (w->quiet)
        return;
    printf("%s %s #%d -> %d %s %" PRId64 " ms%s%s\n", stamp(now),
           rh_attempt_delivery_id(at),
           rh_attempt_number(at), rh_attempt_status(at),
           rh_outcome_name(rh_attempt_outcome(at)), rh_attempt_duration_ms(at),
           rh_attempt_error(at)[0] ? ": " : "", rh_attempt_error(at));
    fflush(stdout);
}

/* printed with --quiet too: the end of a delivery is news */
static void print_failed(const rh_delivery *dl, void *ud)
{
    char now[32];
    (void)ud;
    printf("%s %s failed for good after %d %s (endpoint %s)\n", stamp(now),
           rh_delivery_id(dl),
           rh_delivery_attempts(dl),
           cli_plural(rh_delivery_attempts(dl), "attempt", "attempts"),
           rh_delivery_endpoint_id(dl));
    fflush(stdout);
}

/* ------------------------------------------------- idle: --until-idle */

/* The held endpoints' ids (paused, or added with --dev when this worker
 * is not), read before a scan of the log (whose callbacks may not call the
 * context). */
/* Pending deliveries that only a resume, a --dev worker or a skip of the
 * failed delivery holding their ordering key would send. */
typedef struct unsent {
    long resume, dev, key;
} unsent;

typedef struct idle_scan {
    char (*held)[RH_ID_SIZE];
    char *held_paused; /* per held endpoint: paused (else --dev) */
    size_t n_held, cap;
    unsent waiting;
    int64_t last_created;
    char last_id[RH_ID_SIZE];
    int64_t now;
    int sendable;
    int dev;
} idle_scan;

static int note_held(const rh_endpoint *ep, void *ud)
{
    idle_scan *sc = ud;
    if (!rh_endpoint_paused(ep) &&
        (sc->dev || rh_endpoint_mode(ep) != RH_MODE_DEVELOPMENT))
        return RH_OK;
    if (sc->n_held == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 16;
        void *p = realloc(sc->held, cap * sizeof *sc->held);
        if (!p)
            return RH_E_NOMEM;
        sc->held = p;
        if (!(p = realloc(sc->held_paused, cap)))
            return RH_E_NOMEM;
        sc->held_paused = p;
        sc->cap = cap;
    }
    sc->held_paused[sc->n_held] = (char)rh_endpoint_paused(ep);
    snprintf(sc->held[sc->n_held++], RH_ID_SIZE, "%s", rh_endpoint_id(ep));
    return RH_OK;
}

/* Stops the scan (RH_E_USER) at the first delivery that can still go: in
 * flight, or pending for an endpoint that is not held. */
static int note_sendable(const rh_delivery *dl, void *ud)
{
    idle_scan *sc = ud;
    sc->last_created = rh_delivery_created_ms(dl);
    snprintf(sc->last_id, sizeof sc->last_id, "%s", rh_delivery_id(dl));
    if (rh_delivery_state(dl) == RH_DELIVERY_PENDING) {
        for (size_t i = 0; i < sc->n_held; i++)
            if (!strcmp(sc->held[i], rh_delivery_endpoint_id(dl))) {
                if (sc->held_paused[i])
                    sc->waiting.resume++;
                else
                    sc->waiting.dev++;
                return RH_OK; /* waits for its endpoint's resume */
            }
        /* Nothing is in flight (those are scanned first) and this tick
         * claimed what it could: a due delivery of an ordering key left
         * pending waits on a failed one that holds the key. */
        if (rh_delivery_ordering_key(dl) &&
            rh_delivery_next_attempt_ms(dl) <= sc->now) {
            sc->waiting.key++;
            return RH_OK;
        }
    }
    sc->sendable = 1;
    return RH_E_USER;
}

/* Pending or in flight anywhere in the store (any process), leaving out
 * what only a paused endpoint's resume (or a --dev worker) would send. */
static int store_busy(rh_ctx *ctx, int dev, unsent *waiting)
{
    enum { PAGE = 10000 };
    const int states[] = {RH_DELIVERY_IN_FLIGHT, RH_DELIVERY_PENDING};
    idle_scan sc;
    rh_query *q = NULL;
    int rc;
    memset(&sc, 0, sizeof sc);
    sc.dev = dev;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* the library's clock */
    sc.now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (rh_query_new(&q) != RH_OK ||
        rh_endpoint_list(ctx, note_held, &sc) < 0) {
        rh_query_free(q);
        free(sc.held);
        free(sc.held_paused);
        return 1; /* a store that cannot answer is not idle */
    }
    rh_query_set_limit(q, PAGE);
    for (size_t s = 0; s < 2 && !sc.sendable; s++) {
        rh_query_set_state(q, states[s]);
        rh_query_set_delivery_cursor(q, 0, NULL);
        do {
            rc = rh_log_deliveries(ctx, q, note_sendable, &sc);
            rh_query_set_delivery_cursor(q, sc.last_created, sc.last_id);
        } while (rc == PAGE && !sc.sendable);
        if (rc < 0 && !sc.sendable)
            sc.sendable = 1;
    }
    rh_query_free(q);
    free(sc.held);
    free(sc.held_paused);
    *waiting = sc.waiting;
    return sc.sendable;
}

/* --until-idle ended: what it could not send, and why; 0, or
 * EXIT_UNSENT when deliveries wait on something this worker cannot do. */
static int tell_unsent(const unsent *u)
{
    if (!u->resume && !u->dev && !u->key)
        return 0;
    fprintf(stderr,
            "%s worker: idle with deliveries not sent: %ld wait for a worker "
            "started with --dev, %ld for their endpoint's resume, %ld behind "
            "a failed delivery that holds their ordering key (skip it)\n",
            cli_prog, u->dev, u->resume, u->key);
    return EXIT_UNSENT;
}

static int count_dev(const rh_endpoint *ep, void *ud)
{
    *(int *)ud +=
        rh_endpoint_enabled(ep) && rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT;
    return RH_OK;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The context a worker delivers with: the tool's config, its printing
 * callbacks and a 2 s endpoint refresh, on the store (waited for when it
 * cannot open yet). 0, or an exit code. */
static int worker_open(cli_args *a, worker_state *w, rh_ctx **ctx)
{
    rh_config *cfg = NULL;
    int rc = cli_config(a, &cfg);
    if (rc)
        return rc;
    rc = rh_config_set_attempt_cb(cfg, print_attempt_line, w);
    if (rc == RH_OK)
        rc = rh_config_set_failed_cb(cfg, print_failed, w);
    if (rc == RH_OK)
        rc = rh_config_set_endpoint_state_cb(cfg, print_state_change, w);
    /* a worker sees endpoints changed by other commands within 2 s */
    if (rc == RH_OK)
        rc = rh_config_set_endpoint_refresh_ms(cfg, 2000);
    if (rc != RH_OK) {
        rh_config_free(cfg);
        return EXIT_FAILED;
    }
    cli_catch_stop(); /* a stop also ends a wait for the store */
    if ((rc = cli_open_waiting(a, cfg, ctx)) != 0)
        return rc;
    if (!a->set[O_DEV]) {
        int n_dev = 0;
        if (rh_endpoint_list(*ctx, count_dev, &n_dev) >= 0 && n_dev > 0)
            fprintf(stderr,
                    "%s worker: %d %s registered with --dev; start the "
                    "worker with --dev to deliver to them\n",
                    cli_prog, n_dev,
                    cli_plural(n_dev, "endpoint was", "endpoints were"));
    }
    return 0;
}

typedef struct work_state {
    int storage_errors, failing_after_stop;
    int64_t told_waiting_ms;
} work_state;

/* A tick the store failed: the transfers went on; their outcomes wait in
 * memory and are stored when the store is back (a database restart, a
 * locked or full disk): the library paces its retries, and rh_wait keeps
 * serving the transfers meanwhile. Told to stop while the store is down,
 * we give it about 8 s, then leave what is unstored to come back when its
 * lease ends. 1 when the worker should stop. */
static int storage_trouble(rh_ctx *ctx, work_state *ws)
{
    if (ws->storage_errors++ % 20 == 0)
        fprintf(stderr, "%s worker: %s\n", cli_prog, rh_ctx_last_error(ctx));
    if (cli_stop && ++ws->failing_after_stop > 12) {
        fprintf(stderr,
                "%s worker: stopping with %zu outcomes not stored; "
                "their deliveries are sent again after their lease\n",
                cli_prog, rh_ctx_in_flight(ctx));
        return 1;
    }
    return 0;
}

/* --until-idle with nothing in flight: 1 (and *code) when the store holds
 * nothing this worker could send; else it waits, saying so once a minute
 * (a retry schedule can take 45 minutes), --quiet or not. */
static int idle_now(rh_ctx *ctx, int dev, work_state *ws, int *code)
{
    unsent waiting;
    if (!store_busy(ctx, dev, &waiting)) {
        *code = tell_unsent(&waiting);
        return 1;
    }
    int64_t next = rh_next_timeout_ms(ctx), now = wall_ms();
    if (next > 5000 && now - ws->told_waiting_ms >= 60000) {
        fprintf(stderr,
                "%s worker: waiting for retries; the next is due in about "
                "%.0f s (--until-idle ends when nothing is pending)\n",
                cli_prog, (double)next / 1000);
        ws->told_waiting_ms = now;
    }
    return 0;
}

/* Tick until told to stop (then gracefully: start nothing new, let what
 * is in flight finish, bounded by the timeout, store its outcomes), or
 * with --until-idle until nothing can go. The exit code. */
static int work(cli_args *a, rh_ctx *ctx, worker_metrics *m)
{
    work_state ws = {0, 0, 0};
    int code = 0, rc = 0;
    for (;;) {
        if (cli_stop) {
            rh_ctx_pause(ctx, 1);
            if (rh_ctx_in_flight(ctx) == 0) /* 1 if the store was failing */
                return rc < 0 ? EXIT_FAILED : code;
        }
        rc = rh_tick(ctx);
        worker_metrics_snapshot(m, ctx); /* NULL: not serving */
        if (rc == RH_E_STORAGE) {
            if (storage_trouble(ctx, &ws))
                return EXIT_FAILED;
            rh_wait(ctx, 500);
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "%s worker: %s\n", cli_prog,
                    rh_ctx_last_error(ctx));
            return EXIT_FAILED;
        }
        ws.storage_errors = 0;
        if (a->set[O_UNTIL_IDLE] && rh_ctx_in_flight(ctx) == 0 &&
            idle_now(ctx, a->set[O_DEV], &ws, &code))
            return code;
        rh_wait(ctx, 500);
    }
}

static int run_worker(cli_args *a)
{
    rh_ctx *ctx = NULL;
    worker_state w = {a->set[O_QUIET]};
    worker_metrics *m = NULL;
    cli_http_addr maddr;
    if (a->set[O_METRICS] &&
        cli_http_parse_addr(a->text[O_METRICS], &maddr) != 0)
        return cli_bad(a, "--metrics",
                       "expected HOST:PORT (127.0.0.1:9100, [::1]:9100) or a "
                       "port");
    int rc = worker_open(a, &w, &ctx);
    if (rc)
        return rc;
    if (a->set[O_METRICS] &&
        !(m = worker_metrics_start(a, &maddr, ctx,
                                   a->set[O_METRICS_TOP]
                                       ? (int)a->num[O_METRICS_TOP]
                                       : 0))) {
        rh_ctx_free(ctx);
        return EXIT_USAGE;
    }
    rc = work(a, ctx, m);
    worker_metrics_stop(m);
    rh_ctx_free(ctx);
    return rc;
}

static const cli_opt worker_opts[] = {
    {O_UNTIL_IDLE, "--until-idle", K_FLAG, 0, 0, NULL,
     "exit when nothing is pending or in flight: 0 when all went, 3 (and "
     "why) when deliveries wait on a resume, a --dev worker or a skip"},
    {O_QUIET, "--quiet", K_FLAG, 0, 0, NULL,
     "do not print each attempt (state changes and failures still are)"},
    CLI_OPT_DEV,
    CLI_OPT_TIMEOUT,
    CLI_OPT_SCHEDULE,
    {O_LEASE_MS, "--lease-ms", K_INT, 1000, 86400000, "N",
     "how long a claim is held before another worker may take it"},
    {O_MAX_IN_FLIGHT, "--max-in-flight", K_INT, 1, 100000, "N",
     "transfers at once (default 64)"},
    {O_PER_ENDPOINT, "--per-endpoint", K_INT, 1, 100000, "N",
     "transfers at once per endpoint (default 8)"},
    {O_HTTP_VERSION, "--http-version", K_INT, 1, 2, "N",
     "1: HTTP/1.1 (the default); 2: h2 where a receiver offers it, "
     "transfers sharing its connection (docs/design.md)"},
    {O_PER_TENANT, "--per-tenant", K_INT, 0, 100000, "N",
     "in flight at once for one tenant (default 0: no cap but the others)"},
    {O_AUTO_DISABLE, "--auto-disable", K_DURATION, 0, 0, "DURATION",
     "disable an endpoint failing this long (default 5d; 0: never)"},
    {O_RETENTION, "--retention", K_DURATION, 0, 0, "DURATION",
     "prune finished deliveries older than this (default 30d; 0: keep all)"},
    CLI_OPT_MAX_DATA,
    {O_METRICS, "--metrics", K_TEXT, 0, 0, "ADDR",
     "serve Prometheus metrics on http://ADDR/metrics (e.g. "
     "127.0.0.1:9100): this worker's counters and the store's queue"},
    {O_METRICS_TOP, "--metrics-top", K_INT, 1, 1000, "N",
     "with --metrics, the queue per endpoint and per tenant too: the N "
     "largest of each by volume, the rest as \"other\" (docs/cli.md)"},
    CLI_OPT_ALLOW,
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_worker = {
    "worker",
    "",
    "deliver until SIGTERM/SIGINT (or --until-idle)",
    "Delivers the store's deliveries until SIGTERM or SIGINT (transfers in\n"
    "flight finish, then exit 0). A store that goes away (a database\n"
    "restart) is waited for. Prints each attempt, each endpoint state\n"
    "change and each delivery that failed for good. Run as many workers as\n"
    "you like on one PostgreSQL store.",
    {NULL},
    0,
    0,
    worker_opts,
    run_worker};
