/* replicer-hooks emit, log, resend, recover and prune: queueing events and
 * reading or reworking a store's delivery log. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --traceparent and --tracestate: the W3C trace context the event carries
 * to every attempt of its deliveries. 0, or an exit code. */
static int emit_trace(cli_args *a, rh_emit_options *opts)
{
    if (a->set[O_TRACESTATE] && !a->set[O_TRACEPARENT])
        return cli_bad(a, "--tracestate", "needs --traceparent");
    if (!a->set[O_TRACEPARENT])
        return 0;
    if (rh_emit_options_set_trace_context(opts, a->text[O_TRACEPARENT], NULL))
        return cli_bad(a, "--traceparent",
                       "must be 00-<32 hex>-<16 hex>-<2 hex> in lower case, "
                       "neither id all zeros");
    if (a->set[O_TRACESTATE] &&
        rh_emit_options_set_trace_context(opts, a->text[O_TRACEPARENT],
                                          a->text[O_TRACESTATE]))
        return cli_bad(a, "--tracestate",
                       "must be 1 to 512 printable ASCII characters");
    return 0;
}

/* The command line's options of one emit into opts: 0, or an exit code
 * after saying which option is wrong. */
static int emit_options(cli_args *a, rh_emit_options *opts)
{
    int rc = 0;
    if (a->set[O_IDEMPOTENCY_KEY] &&
        rh_emit_options_set_idempotency_key(opts, a->text[O_IDEMPOTENCY_KEY]))
        rc = cli_bad(a, "--idempotency-key",
                     "must be 1 to 255 printable ASCII characters");
    else if (a->set[O_ENDPOINT] &&
             rh_emit_options_set_endpoint(opts, a->text[O_ENDPOINT]))
        rc = cli_bad(a, "--endpoint", "not an endpoint id");
    else if (a->set[O_TENANT] &&
             rh_emit_options_set_tenant(opts, a->text[O_TENANT]))
        rc = cli_bad(a, "--tenant",
                     "must be 1 to 128 visible ASCII characters (no spaces)");
    else if (a->set[O_HOLD_ON_FAILURE] && !a->set[O_ORDERING_KEY])
        rc = cli_bad(a, "--hold-on-failure", "needs --ordering-key");
    else if (a->set[O_ORDERING_KEY] &&
             rh_emit_options_set_ordering_key(opts, a->text[O_ORDERING_KEY],
                                              a->set[O_HOLD_ON_FAILURE]
                                                  ? RH_ORDERING_HOLD
                                                  : RH_ORDERING_CONTINUE))
        rc = cli_bad(a, "--ordering-key",
                     "must be 1 to 255 printable ASCII characters");
    if (!rc)
        rc = emit_trace(a, opts);
    return rc;
}

static int run_emit(cli_args *a)
{
    rh_ctx *ctx = NULL;
    char evt[RH_ID_SIZE];
    const char *data;
    size_t data_len;
    char *data_buf;
    size_t max = a->set[O_MAX_DATA] ? (size_t)a->num[O_MAX_DATA]
                                    : RH_MAX_DATA_BYTES_DEFAULT;
    if (a->set[O_STDIN])
        return cli_emit_stdin(a);
    if (a->set[O_BATCH])
        return cli_bad(a, "--batch", "is for --stdin");
    if (a->n_pos != 2)
        return cli_bad(a, "TYPE JSON", "missing (or --stdin)");
    if (cli_load_data(a, "JSON", a->pos[1], max, &data, &data_len, &data_buf) !=
        0)
        return EXIT_USAGE;
    rh_emit_options *opts = NULL;
    if (rh_emit_options_new(&opts) != RH_OK) {
        free(data_buf);
        return EXIT_FAILED;
    }
    int rc = emit_options(a, opts);
    if (!rc)
        rc = cli_open(a, NULL, &ctx);
    if (rc) {
        rh_emit_options_free(opts);
        free(data_buf);
        return rc;
    }
    rc = rh_emit_with(ctx, a->pos[0], data, data_len, opts, evt, sizeof evt);
    rh_emit_options_free(opts);
    free(data_buf); /* emit keeps its own copy */
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("%s\n", evt);
    fflush(stdout); /* the id first, then what it did */
    if (rh_ctx_last_emit_duplicate(ctx))
        fprintf(stderr,
                "%s emit: already emitted with this idempotency key: nothing "
                "was queued\n",
                cli_prog);
    else if (rc == 0 && a->set[O_ENDPOINT])
        fprintf(stderr, "%s emit: %s is disabled: nothing was queued\n",
                cli_prog, a->text[O_ENDPOINT]);
    else if (rc == 0)
        fprintf(stderr,
                "%s emit: no enabled endpoint %s%s%ssubscribes to %s: "
                "nothing was queued\n",
                cli_prog, a->set[O_TENANT] ? "of tenant " : "of no tenant ",
                a->set[O_TENANT] ? a->text[O_TENANT] : "",
                a->set[O_TENANT] ? " " : "", a->pos[0]);
    else
        fprintf(stderr, "%s emit: queued for %d %s\n", cli_prog, rc,
                cli_plural(rc, "endpoint", "endpoints"));
    rh_ctx_free(ctx);
    return 0;
}

/* The event column: the type, marked when the event is a test (a catalog
 * example sent by endpoint test). */
static const char *event_label(const char *type, const char *event_id,
                               char *buf, size_t size)
{
    if (!rh_event_id_is_test(event_id))
        return type;
    snprintf(buf, size, "%s (test)", type);
    return buf;
}

static int print_log_row(const rh_attempt *at, void *ud)
{
    const int *json = ud;
    char when[32], label[160];
    cli_format_time(rh_attempt_started_ms(at), when);
    if (*json) {
        printf("{\"seq\":%" PRId64 ",\"time\":\"%s\",\"delivery\":\"%s\","
               "\"endpoint\":\"%s\",\"event\":\"%s\",\"event_type\":\"%s\","
               "\"test\":%s,\"attempt\":%d,"
               "\"status\":%d,\"success\":%s,\"outcome\":\"%s\","
               "\"duration_ms\":%" PRId64 ",\"error\":",
               rh_attempt_seq(at), when, rh_attempt_delivery_id(at),
               rh_attempt_endpoint_id(at), rh_attempt_event_id(at),
               rh_attempt_event_type(at),
               rh_event_id_is_test(rh_attempt_event_id(at)) ? "true" : "false",
               rh_attempt_number(at),
               rh_attempt_status(at), rh_attempt_success(at) ? "true" : "false",
               rh_outcome_name(rh_attempt_outcome(at)),
               rh_attempt_duration_ms(at));
        cli_json_str(stdout, rh_attempt_error(at),
                     strlen(rh_attempt_error(at)));
        printf("}\n");
    } else {
        printf("%-20s  %-30s  %-29s  %-20s  %3d  %3d  %-3s  %s\n", when,
               rh_attempt_delivery_id(at), rh_attempt_endpoint_id(at),
               event_label(rh_attempt_event_type(at), rh_attempt_event_id(at),
                           label, sizeof label),
               rh_attempt_number(at),
               rh_attempt_status(at), rh_attempt_success(at) ? "yes" : "no",
               rh_outcome_name(rh_attempt_outcome(at)));
    }
    return RH_OK;
}

static int print_delivery_row(const rh_delivery *dl, void *ud)
{
    const int *json = ud;
    char created[32], next[32], label[160];
    cli_format_time(rh_delivery_created_ms(dl), created);
    cli_format_time(rh_delivery_next_attempt_ms(dl), next);
    if (*json)
        printf("{\"created\":\"%s\",\"delivery\":\"%s\",\"endpoint\":\"%s\","
               "\"event\":\"%s\",\"event_type\":\"%s\",\"test\":%s,"
               "\"state\":\"%s\",\"attempts\":%d,\"next_attempt\":\"%s\"}\n",
               created, rh_delivery_id(dl), rh_delivery_endpoint_id(dl),
               rh_delivery_event_id(dl), rh_delivery_event_type(dl),
               rh_event_id_is_test(rh_delivery_event_id(dl)) ? "true"
                                                             : "false",
               rh_delivery_state_name(rh_delivery_state(dl)),
               rh_delivery_attempts(dl), next);
    else
        printf("%-20s  %-30s  %-29s  %-20s  %-9s  %3d  %s\n", created,
               rh_delivery_id(dl), rh_delivery_endpoint_id(dl),
               event_label(rh_delivery_event_type(dl), rh_delivery_event_id(dl),
                           label, sizeof label),
               rh_delivery_state_name(rh_delivery_state(dl)),
               rh_delivery_attempts(dl),
               rh_delivery_state(dl) <= RH_DELIVERY_IN_FLIGHT ? next : "-");
    return RH_OK;
}

/* The last row printed, for the next page's --after. */
typedef struct log_page {
    int json;
    int rows;
    int64_t last_seq, last_created;
    char last_id[RH_ID_SIZE];
} log_page;

static int page_attempt(const rh_attempt *at, void *ud)
{
    log_page *p = ud;
    p->rows++;
    p->last_seq = rh_attempt_seq(at);
    return print_log_row(at, &p->json);
}

static int page_delivery(const rh_delivery *dl, void *ud)
{
    log_page *p = ud;
    p->rows++;
    p->last_created = rh_delivery_created_ms(dl);
    snprintf(p->last_id, sizeof p->last_id, "%s", rh_delivery_id(dl));
    return print_delivery_row(dl, &p->json);
}

/* A name's index in a table of names (rh_outcome_name, ...), or -1. */
static int name_index(const char *name, const char *(*name_of)(int), int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(name, name_of(i)))
            return i;
    return -1;
}

/* The filters log and recover share: endpoint, event type, time range. */
static int build_query(cli_args *a, rh_query *q, const char *endpoint_id)
{
    if (a->set[O_TENANT] && rh_query_set_tenant(q, a->text[O_TENANT]) != RH_OK)
        return cli_bad(a, "--tenant",
                       "must be 1 to 128 visible ASCII characters (no spaces)");
    if (endpoint_id && rh_query_set_endpoint(q, endpoint_id) != RH_OK)
        return cli_bad(a, a->set[O_ENDPOINT] ? "--endpoint" : "ENDPOINT_ID",
                       "not an endpoint id");
    if (a->set[O_EVENT_TYPE] &&
        rh_query_set_event_type(q, a->text[O_EVENT_TYPE]) != RH_OK)
        return cli_bad(a, "--event-type",
                       "not an event type or pattern (order.paid, order.*)");
    if (rh_query_set_time_range(q, a->set[O_SINCE] ? a->num[O_SINCE] : 0,
                                a->set[O_UNTIL] ? a->num[O_UNTIL] : 0) != RH_OK)
        return cli_bad(a, "--until", "is before --since");
    return 0;
}

static int log_filters(cli_args *a, rh_query *q, int deliveries)
{
    int rc = build_query(a, q, a->set[O_ENDPOINT] ? a->text[O_ENDPOINT] : NULL);
    if (rc)
        return rc;
    if (a->set[O_DELIVERY] &&
        rh_query_set_delivery(q, a->text[O_DELIVERY]) != RH_OK)
        return cli_bad(a, "--delivery", "not a delivery id");
    rh_query_set_failed_only(q, a->set[O_FAILED]);
    rh_query_set_limit(q, a->set[O_LIMIT] ? (size_t)a->num[O_LIMIT] : 1000000);
    if (deliveries && (a->set[O_STATUS] || a->set[O_OUTCOME]))
        return cli_bad(a, a->set[O_STATUS] ? "--status" : "--outcome",
                       "filters attempts, not --deliveries");
    if (!deliveries && a->set[O_STATE])
        return cli_bad(a, "--state", "needs --deliveries");
    if (deliveries && a->set[O_FOLLOW])
        return cli_bad(a, "--follow", "follows attempts, not --deliveries");
    if (a->set[O_STATUS] &&
        rh_query_set_status(q, (int)a->num[O_STATUS]) != RH_OK)
        return cli_bad(a, "--status", "not 0 (no answer) or 100 to 599");
    if (a->set[O_OUTCOME]) {
        int o = name_index(a->text[O_OUTCOME], rh_outcome_name,
                           RH_OUTCOME_BAD_RESPONSE + 1);
        if (o < 0)
            return cli_bad(a, "--outcome",
                           "not an outcome (ok, http_status, timeout, "
                           "connect, dns, tls, blocked, too_large, reset, "
                           "other, bad_response)");
        rh_query_set_outcome(q, o);
    }
    if (a->set[O_STATE]) {
        int st = name_index(a->text[O_STATE], rh_delivery_state_name,
                            RH_DELIVERY_FAILED + 1);
        if (st < 0)
            return cli_bad(a, "--state",
                           "not a state (pending, in_flight, succeeded, "
                           "failed)");
        rh_query_set_state(q, st);
    }
    if (a->set[O_AFTER]) {
        /* what the last page printed: a seq, or CREATED_MS:DELIVERY_ID */
        const char *t = a->text[O_AFTER], *colon = strchr(t, ':');
        char *end;
        long long n = strtoll(t, &end, 10);
        if (end == t || n < 0 || (deliveries ? end != colon : *end) ||
            (deliveries ? rh_query_set_delivery_cursor(q, n, colon + 1)
                        : rh_query_set_cursor(q, n)) != RH_OK)
            return cli_bad(a, "--after",
                           deliveries ? "not a cursor printed by log "
                                        "--deliveries (CREATED_MS:ID)"
                                      : "not a cursor printed by log (a seq)");
    }
    return 0;
}

static int run_log(cli_args *a)
{
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    int deliveries = a->set[O_DELIVERIES];
    log_page page = {a->set[O_JSON], 0, 0, 0, ""};
    if (rh_query_new(&q) != RH_OK)
        return EXIT_FAILED;
    int rc = log_filters(a, q, deliveries);
    if (!rc)
        rc = cli_open(a, NULL, &ctx);
    if (rc) {
        rh_query_free(q);
        return rc;
    }
    if (a->set[O_SHOW]) { /* one delivery's attempts, with their requests */
        rh_query_free(q);
        if ((rc = cli_log_show(ctx, a->text[O_SHOW])) < 0)
            return cli_fail(a, ctx, rc);
        rh_ctx_free(ctx);
        return 0;
    }
    if (!page.json && deliveries)
        printf("%-20s  %-30s  %-29s  %-20s  %-9s  %3s  %s\n", "created",
               "delivery", "endpoint", "event", "state", "try", "next");
    else if (!page.json)
        printf("%-20s  %-30s  %-29s  %-20s  %3s  %3s  %-3s  %s\n", "time",
               "delivery", "endpoint", "event", "try", "http", "ok", "outcome");
    rc = deliveries ? rh_log_deliveries(ctx, q, page_delivery, &page)
                    : rh_log_attempts(ctx, q, page_attempt, &page);
    if (rc >= 0 && a->set[O_FOLLOW]) {
        fflush(stdout);
        /* from the last row listed, or from --after when none was */
        int64_t from = page.rows ? page.last_seq : rh_query_cursor(q);
        rc = cli_log_follow(ctx, q, from, print_log_row, &page.json);
    } else if (rc >= 0 && a->set[O_LIMIT] &&
               page.rows == (int)a->num[O_LIMIT]) {
        /* a full page: say how to read the next one */
        if (deliveries)
            fprintf(stderr, "more: --after %" PRId64 ":%s\n", page.last_created,
                    page.last_id);
        else
            fprintf(stderr, "more: --after %" PRId64 "\n", page.last_seq);
    }
    rh_query_free(q);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

/* resend, skip: one failed delivery, one call (as endpoint's run_state) */
static int run_on_delivery(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int skip = !strcmp(a->cmd->name, "skip");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = skip                ? rh_delivery_skip(ctx, a->pos[0])
         : a->set[O_TENANT] ? rh_tenant_resend(ctx, a->text[O_TENANT], a->pos[0])
                             : rh_delivery_resend(ctx, a->pos[0]);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf(skip ? "%s lets go of its ordering key\n" : "%s queued again\n",
           a->pos[0]);
    rh_ctx_free(ctx);
    return 0;
}

static int run_recover(cli_args *a)
{
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    if (!a->set[O_SINCE])
        return cli_bad(a, "--since", "missing");
    if (rh_query_new(&q) != RH_OK)
        return EXIT_FAILED;
    int rc = build_query(a, q, a->n_pos ? a->pos[0] : NULL);
    if (!rc)
        rc = cli_open(a, NULL, &ctx);
    if (rc) {
        rh_query_free(q);
        return rc;
    }
    rc = rh_recover(ctx, q);
    rh_query_free(q);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("%d %s queued again\n", rc,
           cli_plural(rc, "delivery", "deliveries"));
    rh_ctx_free(ctx);
    return 0;
}

static int run_prune(cli_args *a)
{
    enum { BATCH = 1000 };
    rh_ctx *ctx = NULL;
    long long total = 0;
    if (!a->set[O_OLDER_THAN])
        return cli_bad(a, "--older-than", "missing");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    /* one short transaction a batch: workers sharing the store go on */
    do {
        rc = a->set[O_TENANT] ? rh_tenant_prune(ctx, a->text[O_TENANT],
                                                a->num[O_OLDER_THAN], BATCH)
                              : rh_prune(ctx, a->num[O_OLDER_THAN], BATCH);
        if (rc > 0)
            total += rc;
    } while (rc == BATCH);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("pruned %lld finished %s%s%s\n", total,
           cli_plural(total, "delivery", "deliveries"),
           a->set[O_TENANT] ? " of tenant " : "",
           a->set[O_TENANT] ? a->text[O_TENANT] : "");
    rh_ctx_free(ctx);
    return 0;
}

static const cli_opt emit_opts[] = {
    {O_IDEMPOTENCY_KEY, "--idempotency-key", K_TEXT, 0, 0, "KEY",
     "queue it once: a repeat within 24 h prints the first event's id"},
    {O_ENDPOINT, "--endpoint", K_TEXT, 0, 0, "ID",
     "to this endpoint only, whatever it subscribes to"},
    {O_ORDERING_KEY, "--ordering-key", K_TEXT, 0, 0, "KEY",
     "per endpoint, this key's events go one at a time, in emit order"},
    {O_HOLD_ON_FAILURE, "--hold-on-failure", K_FLAG, 0, 0, NULL,
     "with --ordering-key: one that fails for good holds the key until "
     "skip or resend"},
    CLI_OPT_TENANT("for this tenant's endpoints only"),
    {O_TRACEPARENT, "--traceparent", K_TEXT, 0, 0, "TP",
     "a W3C traceparent: every attempt sends it with a span id of its own"},
    {O_TRACESTATE, "--tracestate", K_TEXT, 0, 0, "TS",
     "with --traceparent: the tracestate sent beside it"},
    {O_STDIN, "--stdin", K_FLAG, 0, 0, NULL,
     "many events: a JSON line each on standard input, {\"type\", \"data\", "
     "and its options by name}; each id printed once its batch is stored"},
    {O_BATCH, "--batch", K_INT, 1, 10000, "N",
     "with --stdin: at most N events a commit (default 1000; a commit comes "
     "sooner when no next line is waiting)"},
    CLI_OPT_MAX_DATA,
    CLI_OPT_STORE,
    CLI_OPT_END};
#define OPT_EVENT_TYPE                                                         \
    {                                                                          \
        O_EVENT_TYPE, "--event-type", K_TEXT, 0, 0, "TYPE",                    \
            "an event type, or a pattern (order.*)"                            \
    }
#define OPT_SINCE(what)                                                        \
    {                                                                          \
        O_SINCE, "--since", K_TIME, 0, 0, "TIME",                              \
            what                                                               \
            " at or after TIME: Unix seconds, 2026-11-27T05:00:00Z, or a "     \
            "duration ago (24h)"                                               \
    }
#define OPT_UNTIL(what)                                                        \
    {                                                                          \
        O_UNTIL, "--until", K_TIME, 0, 0, "TIME", what " before TIME"          \
    }
static const cli_opt log_opts[] = {
    {O_DELIVERIES, "--deliveries", K_FLAG, 0, 0, NULL,
     "the deliveries and their state, not the attempts"},
    {O_ENDPOINT, "--endpoint", K_TEXT, 0, 0, "ID", "one endpoint's"},
    {O_DELIVERY, "--delivery", K_TEXT, 0, 0, "ID", "one delivery's"},
    CLI_OPT_TENANT("one tenant's"),
    OPT_EVENT_TYPE,
    OPT_SINCE("made"),
    OPT_UNTIL("made"),
    {O_STATUS, "--status", K_INT, 0, 599, "CODE",
     "attempts answered with this HTTP status (0: no answer)"},
    {O_OUTCOME, "--outcome", K_TEXT, 0, 0, "NAME",
     "attempts of this outcome: ok, http_status, timeout, connect, ..."},
    {O_STATE, "--state", K_TEXT, 0, 0, "STATE",
     "with --deliveries: pending, in_flight, succeeded or failed"},
    {O_FAILED, "--failed", K_FLAG, 0, 0, NULL,
     "failed attempts only (with --deliveries: failed for good)"},
    {O_JSON, "--json", K_FLAG, 0, 0, NULL, "one JSON object a line"},
    {O_LIMIT, "--limit", K_INT, 1, 1e9, "N",
     "at most N rows; a full page prints the next one's --after"},
    {O_AFTER, "--after", K_TEXT, 0, 0, "CURSOR",
     "the page after the one that printed it"},
    {O_SHOW, "--show", K_TEXT, 0, 0, "DELIVERY_ID",
     "each attempt of that delivery with the request it sent (secrets "
     "redacted, the body byte for byte) and the start of its answer"},
    {O_FOLLOW, "--follow", K_FLAG, 0, 0, NULL,
     "then print the attempts stored from now on, by any process, until "
     "SIGINT or SIGTERM"},
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt store_opts[] = {CLI_OPT_STORE, CLI_OPT_END};
static const cli_opt resend_opts[] = {
    CLI_OPT_TENANT("only if the delivery is this tenant's"), CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt recover_opts[] = {
    OPT_SINCE("deliveries made"), OPT_UNTIL("deliveries made"), OPT_EVENT_TYPE,
    CLI_OPT_TENANT("one tenant's"), CLI_OPT_STORE, CLI_OPT_END};
static const cli_opt prune_opts[] = {
    {O_OLDER_THAN, "--older-than", K_DURATION, 0, 0, "DURATION",
     "finished more than this long ago (30d, 12h)"},
    CLI_OPT_TENANT("that tenant's deliveries only"),
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_emit = {
    "emit",
    "TYPE JSON|@FILE, or --stdin",
    "queue an event for its subscribers; prints its id",
    "Queues an event for every enabled endpoint subscribed to TYPE (or for\n"
    "the --endpoint alone) and prints its id. The data is a JSON object,\n"
    "sent byte for byte as given. With --idempotency-key, a retry of the\n"
    "same emit queues nothing and prints the first one's id. With --stdin,\n"
    "each line is an event, and the lines' emits share their commits.",
    {"TYPE", "JSON"},
    0,
    2,
    emit_opts,
    run_emit};
const cli_command cli_cmd_log = {
    "log",
    "",
    "the attempts (or deliveries), oldest first",
    "Prints the attempts, or with --deliveries the deliveries and their\n"
    "state, oldest first, as a table or as JSON lines. Filters combine.",
    {NULL},
    0,
    0,
    log_opts,
    run_log};
const cli_command cli_cmd_resend = {
    "resend",
    "DELIVERY_ID",
    "send a failed delivery again",
    "Queues a delivery that failed for good again, with a fresh schedule.",
    {"DELIVERY_ID"},
    1,
    1,
    resend_opts,
    run_on_delivery};
const cli_command cli_cmd_skip = {
    "skip",
    "DELIVERY_ID",
    "let a failed delivery's ordering key go on",
    "A delivery emitted with --ordering-key and --hold-on-failure that\n"
    "failed for good holds its key: the key's later deliveries wait. skip\n"
    "lets them go; the delivery stays failed (resend sends it again).",
    {"DELIVERY_ID"},
    1,
    1,
    store_opts,
    run_on_delivery};
const cli_command cli_cmd_recover = {
    "recover",
    "[ENDPOINT_ID] --since TIME",
    "resend the failed deliveries since TIME",
    "Queues again every delivery made since TIME that failed for good: to\n"
    "the endpoint when one is given, else to every endpoint (after an\n"
    "outage is over, say). --until and --event-type narrow it.",
    {"ENDPOINT_ID"},
    0,
    1,
    recover_opts,
    run_recover};
const cli_command cli_cmd_prune = {
    "prune",
    "--older-than DURATION [--tenant ID]",
    "drop finished deliveries older than DURATION",
    "Removes deliveries that succeeded or failed more than DURATION ago,\n"
    "their attempts, and the events no other delivery needs, in batches of\n"
    "1000. Pending and in-flight deliveries are never removed. A worker\n"
    "does this by itself for its --retention (default 30d).",
    {NULL},
    0,
    0,
    prune_opts,
    run_prune};
