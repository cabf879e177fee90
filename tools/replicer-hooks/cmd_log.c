/* replicer-hooks emit, log, resend, recover and prune: queueing events and
 * reading or reworking a store's delivery log. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int run_emit(cli_args *a)
{
    rh_ctx *ctx = NULL;
    char evt[RH_ID_SIZE];
    const char *data;
    size_t data_len;
    char *data_buf;
    size_t max = a->set[O_MAX_DATA] ? (size_t)a->num[O_MAX_DATA]
                                    : RH_MAX_DATA_BYTES_DEFAULT;
    if (cli_load_data(a, "JSON", a->pos[1], max, &data, &data_len, &data_buf) !=
        0)
        return EXIT_USAGE;
    int rc = cli_open(a, NULL, &ctx);
    if (rc) {
        free(data_buf);
        return rc;
    }
    rc = rh_emit(ctx, a->pos[0], data, data_len, evt, sizeof evt);
    free(data_buf); /* emit keeps its own copy */
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("%s\n", evt);
    fflush(stdout); /* the id first, then what it did */
    if (rc == 0)
        fprintf(stderr,
                "%s emit: no enabled endpoint subscribes to %s: nothing was "
                "queued\n",
                cli_prog, a->pos[0]);
    else
        fprintf(stderr, "%s emit: queued for %d %s\n", cli_prog, rc,
                cli_plural(rc, "endpoint", "endpoints"));
    rh_ctx_free(ctx);
    return 0;
}

static int print_log_row(const rh_attempt *at, void *ud)
{
    const int *json = ud;
    char when[32];
    cli_format_time(rh_attempt_started_ms(at), when);
    if (*json) {
        printf("{\"time\":\"%s\",\"delivery\":\"%s\",\"endpoint\":\"%s\","
               "\"event_type\":\"%s\",\"attempt\":%d,\"status\":%d,"
               "\"success\":%s,\"outcome\":\"%s\",\"duration_ms\":%" PRId64
               ",\"error\":",
               when, rh_attempt_delivery_id(at), rh_attempt_endpoint_id(at),
               rh_attempt_event_type(at), rh_attempt_number(at),
               rh_attempt_status(at), rh_attempt_success(at) ? "true" : "false",
               rh_outcome_name(rh_attempt_outcome(at)),
               rh_attempt_duration_ms(at));
        cli_json_str(stdout, rh_attempt_error(at),
                     strlen(rh_attempt_error(at)));
        printf("}\n");
    } else {
        printf("%-20s  %-30s  %-29s  %-20s  %3d  %3d  %-3s  %s\n", when,
               rh_attempt_delivery_id(at), rh_attempt_endpoint_id(at),
               rh_attempt_event_type(at), rh_attempt_number(at),
               rh_attempt_status(at), rh_attempt_success(at) ? "yes" : "no",
               rh_outcome_name(rh_attempt_outcome(at)));
    }
    return RH_OK;
}

static int run_log(cli_args *a)
{
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    int json = a->set[O_JSON];
    if (rh_query_new(&q) != RH_OK)
        return EXIT_FAILED;
    if (a->set[O_ENDPOINT] &&
        rh_query_set_endpoint(q, a->text[O_ENDPOINT]) != RH_OK) {
        rh_query_free(q);
        return cli_bad(a, "--endpoint", "not an endpoint id");
    }
    if (a->set[O_DELIVERY] &&
        rh_query_set_delivery(q, a->text[O_DELIVERY]) != RH_OK) {
        rh_query_free(q);
        return cli_bad(a, "--delivery", "not a delivery id");
    }
    rh_query_set_failed_only(q, a->set[O_FAILED]);
    rh_query_set_limit(q, a->set[O_LIMIT] ? (size_t)a->num[O_LIMIT] : 1000000);
    int rc = cli_open(a, NULL, &ctx);
    if (rc) {
        rh_query_free(q);
        return rc;
    }
    if (!json)
        printf("%-20s  %-30s  %-29s  %-20s  %3s  %3s  %-3s  %s\n", "time",
               "delivery", "endpoint", "event", "try", "http", "ok", "outcome");
    rc = rh_log_attempts(ctx, q, print_log_row, &json);
    rh_query_free(q);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

static int run_resend(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = rh_delivery_resend(ctx, a->pos[0]);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("%s queued again\n", a->pos[0]);
    rh_ctx_free(ctx);
    return 0;
}

static int run_recover(cli_args *a)
{
    rh_ctx *ctx = NULL;
    if (!a->set[O_SINCE])
        return cli_bad(a, "--since", "missing");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = rh_endpoint_recover(ctx, a->pos[0], a->num[O_SINCE]);
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
        rc = rh_prune(ctx, a->num[O_OLDER_THAN], BATCH);
        if (rc > 0)
            total += rc;
    } while (rc == BATCH);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("pruned %lld finished %s\n", total,
           cli_plural(total, "delivery", "deliveries"));
    rh_ctx_free(ctx);
    return 0;
}

static const cli_opt emit_opts[] = {CLI_OPT_MAX_DATA, CLI_OPT_STORE,
                                    CLI_OPT_END};
static const cli_opt log_opts[] = {
    {O_ENDPOINT, "--endpoint", K_TEXT, 0, 0, "ID", "one endpoint's attempts"},
    {O_DELIVERY, "--delivery", K_TEXT, 0, 0, "ID", "one delivery's attempts"},
    {O_FAILED, "--failed", K_FLAG, 0, 0, NULL, "failed attempts only"},
    {O_JSON, "--json", K_FLAG, 0, 0, NULL, "one JSON object a line"},
    {O_LIMIT, "--limit", K_INT, 1, 1e9, "N", "at most N rows"},
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt store_opts[] = {CLI_OPT_STORE, CLI_OPT_END};
static const cli_opt recover_opts[] = {
    {O_SINCE, "--since", K_TIME, 0, 0, "TIME",
     "Unix seconds, 2026-11-27T05:00:00Z, or a duration ago (24h)"},
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt prune_opts[] = {
    {O_OLDER_THAN, "--older-than", K_DURATION, 0, 0, "DURATION",
     "finished more than this long ago (30d, 12h)"},
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_emit = {
    "emit",
    "TYPE JSON|@FILE",
    "queue an event for its subscribers; prints its id",
    "Queues an event for every enabled endpoint subscribed to TYPE and\n"
    "prints its id. The data is a JSON object, sent byte for byte as given.",
    {"TYPE", "JSON"},
    2,
    2,
    emit_opts,
    run_emit};
const cli_command cli_cmd_log = {
    "log",
    "",
    "the attempts, oldest first",
    "Prints the attempts, oldest first, as a table or as JSON lines.",
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
    store_opts,
    run_resend};
const cli_command cli_cmd_recover = {
    "recover",
    "ENDPOINT_ID --since TIME",
    "resend an endpoint's failed deliveries since TIME",
    "Queues again every delivery to the endpoint that failed for good since\n"
    "TIME (after the receiver's outage is over, say).",
    {"ENDPOINT_ID"},
    1,
    1,
    recover_opts,
    run_recover};
const cli_command cli_cmd_prune = {
    "prune",
    "--older-than DURATION",
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
