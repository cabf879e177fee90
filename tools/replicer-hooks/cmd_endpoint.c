/* replicer-hooks endpoint ...: register, inspect, change and retire the
 * endpoints of a store, each subcommand with its own options. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void print_time_or(const char *label, int64_t ms, const char *none)
{
    char t[32];
    if (ms) {
        cli_format_time(ms, t);
        printf("%-17s%s\n", label, t);
    } else {
        printf("%-17s%s\n", label, none);
    }
}

static void print_endpoint_fields(rh_ctx *ctx, const rh_endpoint *ep)
{
    char state[32];
    int64_t h[3];
    cli_health_now(ctx, ep, h); /* from the log now */
    printf("id:              %s\nurl:             %s\nstate:           %s\n"
           "mode:            %s\nevents:          ",
           rh_endpoint_id(ep), rh_endpoint_url(ep),
           cli_endpoint_state(ep, state, sizeof state),
           rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT ? "development (--dev)"
                                                       : "production");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++)
        printf("%s%s", i ? "," : "", rh_endpoint_event(ep, i));
    printf("\n");
    print_time_or("created:", rh_endpoint_created_ms(ep), "-");
    print_time_or("last success:", h[0], "none");
    print_time_or("failing since:", h[1], "-");
    printf("failed in a row: %" PRId64
           " (deliveries failed for good since the last success)\n",
           h[2]);
    if (rh_endpoint_timeout_ms(ep))
        printf("timeout:         %" PRId64 " ms\n", rh_endpoint_timeout_ms(ep));
    else
        printf("timeout:         the worker's\n");
    int64_t delays[32];
    int n = rh_endpoint_retry_schedule(ep, delays, 32);
    printf("schedule:        ");
    if (n < 0)
        printf("the worker's");
    else if (n == 0)
        printf("no retries");
    for (int i = 0; i < n && i < 32; i++)
        printf("%s%g", i ? "," : "", (double)delays[i] / 1000.0);
    printf("%s\n", n > 0 ? " s" : "");
    if (rh_endpoint_max_in_flight(ep))
        printf("max in flight:   %zu\n", rh_endpoint_max_in_flight(ep));
    else
        printf("max in flight:   the worker's\n");
    printf("client cert:     %s\n",
           rh_endpoint_has_client_cert(ep) ? "yes" : "none");
    if (rh_endpoint_rate_limit(ep) > 0)
        printf("rate limit:      %g a second\n", rh_endpoint_rate_limit(ep));
    if (rh_endpoint_http_version(ep) == RH_HTTP_VERSION_1_1)
        printf("http version:    HTTP/1.1 only\n");
    else if (rh_endpoint_http_version(ep) == RH_HTTP_VERSION_2)
        printf("http version:    h2 where offered\n");
    else
        printf("rate limit:      none\n");
    for (size_t i = 0; i < rh_endpoint_header_count(ep); i++)
        printf("header:          %s\n", rh_endpoint_header_name(ep, i));
}

/* A PEM file for --client-cert or --client-key, as text. */
static int read_pem(const cli_args *a, const char *opt, const char *path,
                    char **out)
{
    const char *data;
    size_t len;
    char *at = malloc(strlen(path) + 2);
    if (!at)
        return EXIT_FAILED;
    at[0] = '@';
    strcpy(at + 1, path);
    int rc = cli_load_data(a, opt, at, 64 * 1024, &data, &len, out);
    free(at);
    return rc;
}

static void free_key(char *key)
{
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
}

/* The endpoint's own settings given on the command line (add, set); each
 * failure is reported under its own flag, and frees ctx. */
static int apply_settings(cli_args *a, rh_ctx *ctx, const char *id)
{
    char *cert = NULL, *key = NULL;
    int rc = RH_OK;
    if (!a->set[O_CLIENT_CERT] != !a->set[O_CLIENT_KEY]) {
        rh_ctx_free(ctx);
        return cli_bad(a,
                       a->set[O_CLIENT_CERT] ? "--client-key" : "--client-cert",
                       "missing: give the certificate and its key");
    }
    if (a->set[O_CLIENT_CERT] &&
        ((rc = read_pem(a, "--client-cert", a->text[O_CLIENT_CERT], &cert)) ||
         (rc = read_pem(a, "--client-key", a->text[O_CLIENT_KEY], &key)))) {
        free(cert);
        rh_ctx_free(ctx);
        return rc;
    }
    const char *flag = NULL;
    if (a->set[O_EP_TIMEOUT_MS] &&
        (rc = rh_endpoint_set_timeout_ms(ctx, id, a->num[O_EP_TIMEOUT_MS])) !=
            RH_OK)
        flag = "--timeout-ms";
    if (rc == RH_OK && a->set[O_EP_SCHEDULE] &&
        (rc = rh_endpoint_set_retry_schedule(
             ctx, id, a->schedule_default ? NULL : a->schedule,
             a->n_schedule)) != RH_OK)
        flag = "--schedule";
    if (rc == RH_OK && a->set[O_EP_MAX_IN_FLIGHT] &&
        (rc = rh_endpoint_set_max_in_flight(
             ctx, id, (size_t)a->num[O_EP_MAX_IN_FLIGHT])) != RH_OK)
        flag = "--max-in-flight";
    if (rc == RH_OK && a->set[O_RATE] &&
        (rc = rh_endpoint_set_rate_limit(ctx, id, a->real[O_RATE])) != RH_OK)
        flag = "--rate";
    if (rc == RH_OK && a->set[O_EP_HTTP_VERSION] &&
        (rc = rh_endpoint_set_http_version(
             ctx, id, (int)a->num[O_EP_HTTP_VERSION])) != RH_OK)
        flag = "--http-version";
    if (rc == RH_OK && (cert || a->set[O_NO_CLIENT_CERT]))
        rc = rh_endpoint_set_client_cert(ctx, id, cert, key);
    free(cert);
    free_key(key);
    if (rc != RH_OK) {
        /* the id's own failure (unknown endpoint) is named as the id */
        if (rh_ctx_last_error_arg(ctx) == RH_ARG_ENDPOINT_ID)
            flag = NULL;
        return cli_fail_at(a, ctx, rc, flag);
    }
    return 0;
}

static int run_add(cli_args *a)
{
    rh_ctx *ctx = NULL;
    if (!a->set[O_EVENTS])
        return cli_bad(a, "--events", "missing");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], twin[RH_ID_SIZE] = "";
    rh_endpoint_options *opts = NULL;
    if ((rc = cli_endpoint_options(a, &opts)) != 0) {
        rh_ctx_free(ctx);
        return rc;
    }
    cli_endpoint_twin(ctx, a->pos[0], a->text[O_EVENTS],
                      a->set[O_TENANT] ? a->text[O_TENANT] : NULL, twin);
    rc = cli_endpoint_add(ctx, a->pos[0], a->text[O_EVENTS], opts, id, secret);
    rh_endpoint_options_free(opts);
    if (rc != RH_OK)
        return cli_fail(a, ctx, rc);
    if (twin[0])
        fprintf(stderr,
                "%s endpoint add: note: %s already sends these events to this "
                "URL; each will now be delivered twice (remove one with "
                "'endpoint remove ID')\n",
                cli_prog, twin);
    /* the secret first: shown once, it must not be lost to a setting
     * refused below */
    printf("%s %s\n", id, secret);
    fflush(stdout);
    if ((rc = apply_settings(a, ctx, id)) != 0) {
        /* ctx is freed; the endpoint stays, with the settings that took */
        fprintf(stderr,
                "%s endpoint add: %s was added (its id and secret are "
                "above); fix the setting with 'endpoint set %s'\n",
                cli_prog, id, id);
        return rc;
    }
    rh_ctx_free(ctx);
    return 0;
}

static int run_show(cli_args *a)
{
    rh_ctx *ctx = NULL;
    const rh_endpoint *ep = NULL;
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    if ((rc = rh_endpoint_get(ctx, a->pos[0], &ep)) != RH_OK)
        return cli_fail(a, ctx, rc);
    print_endpoint_fields(ctx, ep);
    cli_print_profile(ep);
    rh_ctx_free(ctx);
    return 0;
}

static int run_set(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    if ((rc = cli_endpoint_edit(a, ctx, a->pos[0])) != 0 ||
        (rc = apply_settings(a, ctx, a->pos[0])) != 0)
        return rc;
    rh_ctx_free(ctx);
    return 0;
}

/* disable, enable, pause, resume, remove: one id, one call */
static int run_state(cli_args *a)
{
    rh_ctx *ctx = NULL;
    const char *sub = strchr(a->cmd->name, ' ') + 1, *id = a->pos[0];
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    rc = !strcmp(sub, "disable")  ? rh_endpoint_disable(ctx, id)
         : !strcmp(sub, "enable") ? rh_endpoint_enable(ctx, id)
         : !strcmp(sub, "pause")  ? rh_endpoint_pause(ctx, id)
         : !strcmp(sub, "resume") ? rh_endpoint_resume(ctx, id)
                                  : rh_endpoint_remove(ctx, id);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

static int run_rotate(cli_args *a)
{
    rh_ctx *ctx = NULL;
    char secret[RH_SECRET_SIZE];
    int64_t grace = a->set[O_GRACE] ? a->num[O_GRACE] : 86400000;
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    rc =
        rh_endpoint_rotate_secret(ctx, a->pos[0], grace, secret, sizeof secret);
    if (rc != RH_OK)
        return cli_fail_at(
            a, ctx, rc,
            rh_ctx_last_error_arg(ctx) == RH_ARG_VALUE ? "--grace" : NULL);
    printf("%s\n", secret);
    rh_ctx_free(ctx);
    return 0;
}

static int run_header(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    rc = rh_endpoint_set_header(ctx, a->pos[0], a->pos[1],
                                a->n_pos == 3 ? a->pos[2] : NULL);
    if (rc != RH_OK)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

#define EP_SETTINGS                                                            \
    {O_EP_TIMEOUT_MS,                                                          \
     "--timeout-ms",                                                           \
     K_INT,                                                                    \
     0,                                                                        \
     600000,                                                                   \
     "N",                                                                      \
     "its own per-attempt timeout (0: the worker's)"},                         \
        {O_EP_SCHEDULE,                                                        \
         "--schedule",                                                         \
         K_SCHEDULE,                                                           \
         0,                                                                    \
         0,                                                                    \
         "LIST",                                                               \
         "its own retry delays in seconds, e.g. 5,30,120 (\"\" for none, "     \
         "default: the worker's)"},                                            \
        {O_EP_MAX_IN_FLIGHT,                                                   \
         "--max-in-flight",                                                    \
         K_INT,                                                                \
         0,                                                                    \
         100000,                                                               \
         "N",                                                                  \
         "its own in-flight cap (0: the worker's)"},                           \
        {O_RATE,                                                               \
         "--rate",                                                             \
         K_REAL,                                                               \
         0,                                                                    \
         100000,                                                               \
         "N",                                                                  \
         "requests a second, per worker process (0: no limit)"},               \
        {O_EP_HTTP_VERSION,                                                    \
         "--http-version",                                                     \
         K_INT,                                                                \
         0,                                                                    \
         2,                                                                    \
         "N",                                                                  \
         "1: keep it on HTTP/1.1; 2: h2 where offered (0: the worker's)"},     \
        {O_CLIENT_CERT,                                                        \
         "--client-cert",                                                      \
         K_TEXT,                                                               \
         0,                                                                    \
         0,                                                                    \
         "PEM",                                                                \
         "a TLS client certificate file, for receivers that demand one"},      \
    {                                                                          \
        O_CLIENT_KEY, "--client-key", K_TEXT, 0, 0, "PEM",                     \
            "its private key file (stored sealed with a sealing key)"          \
    }

#define EP_PROFILE                                                             \
    {O_NAME, "--name", K_TEXT, 0, 0, "TEXT", "a name people know it by"},      \
        {O_DESCRIPTION, "--description", K_TEXT, 0, 0, "TEXT",                 \
         "what it is for"},                                                    \
        {O_LABEL, "--label", K_LIST, 0, 0, "KEY=VALUE",                        \
         "a label (repeatable; on set, KEY alone removes it)"}

/* the commands on one endpoint: --tenant makes them act only on that
 * tenant's, as a customer's own tooling would ask */
#define EP_TENANT CLI_OPT_TENANT("act only if it is this tenant's endpoint")

static const cli_opt add_opts[] = {
    {O_EVENTS, "--events", K_TEXT, 0, 0, "TYPE[,TYPE...]",
     "event types or patterns (\"order.*\", \"*\") it subscribes to"},
    CLI_OPT_TENANT("the tenant (account) it belongs to"),
    EP_PROFILE,
    CLI_OPT_DEV,
    CLI_OPT_ALLOW,
    EP_SETTINGS,
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt set_opts[] = {{O_URL, "--url", K_TEXT, 0, 0, "URL",
                                    "a new URL (https only without --dev)"},
                                   {O_EVENTS, "--events", K_TEXT, 0, 0,
                                    "TYPE[,TYPE...]",
                                    "new subscriptions, for the next emit on"},
                                   EP_PROFILE,
                                   CLI_OPT_DEV,
                                   CLI_OPT_ALLOW,
                                   EP_SETTINGS,
                                   {O_NO_CLIENT_CERT, "--no-client-cert",
                                    K_FLAG, 0, 0, NULL,
                                    "remove its client certificate"},
                                   EP_TENANT,
                                   CLI_OPT_STORE,
                                   CLI_OPT_END};
static const cli_opt one_opts[] = {EP_TENANT, CLI_OPT_STORE, CLI_OPT_END};
static const cli_opt rotate_opts[] = {
    {O_GRACE, "--grace", K_DURATION, 0, 0, "DURATION",
     "how long requests carry the old signature too (default 24h)"},
    EP_TENANT,
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_endpoint_add = {
    "endpoint add",
    "URL --events TYPE[,TYPE...]",
    "register an endpoint; prints its id and secret",
    "Registers an endpoint and prints \"<id> <secret>\": the secret is\n"
    "shown only this once. An endpoint added with --dev is delivered only\n"
    "by a worker started with --dev.",
    {"URL"},
    1,
    1,
    add_opts,
    run_add};
const cli_command cli_cmd_endpoint_show = {
    "endpoint show",
    "ID",
    "one endpoint, its health and settings",
    "Prints one endpoint: its last success, since when it fails, the\n"
    "deliveries failed in a row, why it is disabled (host; gone: a 410;\n"
    "failing: the worker's --auto-disable time of failures), and its own\n"
    "settings.",
    {"ID"},
    1,
    1,
    one_opts,
    run_show};
const cli_command cli_cmd_endpoint_set = {
    "endpoint set",
    "ID",
    "change an endpoint in place: URL, events, name, labels, settings",
    "Changes the endpoint in place (its id, secret and log stay): its URL\n"
    "(checked as endpoint add checks one), events, name, description and\n"
    "labels, and its own timeout, schedule, in-flight cap, rate limit or\n"
    "client certificate, which override the worker's.",
    {"ID"},
    1,
    1,
    set_opts,
    run_set};
const cli_command cli_cmd_endpoint_disable = {
    "endpoint disable",
    "ID",
    "stop delivering to it (nothing more is queued)",
    "A disabled endpoint gets no new deliveries until it is enabled.",
    {"ID"},
    1,
    1,
    one_opts,
    run_state};
const cli_command cli_cmd_endpoint_enable = {
    "endpoint enable",
    "ID",
    "deliver to it again",
    "Enables the endpoint again and restarts its failure clock.",
    {"ID"},
    1,
    1,
    one_opts,
    run_state};
const cli_command cli_cmd_endpoint_pause = {
    "endpoint pause",
    "ID",
    "hold its deliveries (they stay queued)",
    "A paused endpoint keeps getting its deliveries queued, but nothing is\n"
    "sent until it is resumed: nothing is lost, unlike disable.",
    {"ID"},
    1,
    1,
    one_opts,
    run_state};
const cli_command cli_cmd_endpoint_resume = {
    "endpoint resume",
    "ID",
    "send what a pause held",
    "Resumes a paused endpoint: what was queued meanwhile is sent.",
    {"ID"},
    1,
    1,
    one_opts,
    run_state};
const cli_command cli_cmd_endpoint_remove = {
    "endpoint remove",
    "ID",
    "forget an endpoint",
    "Removes the endpoint; its delivery log stays until pruned.",
    {"ID"},
    1,
    1,
    one_opts,
    run_state};
const cli_command cli_cmd_endpoint_rotate = {
    "endpoint rotate",
    "ID",
    "a new secret; prints it",
    "Prints the endpoint's new secret; requests carry both signatures for\n"
    "the grace period, so receivers can switch over.",
    {"ID"},
    1,
    1,
    rotate_opts,
    run_rotate};
const cli_command cli_cmd_endpoint_header = {
    "endpoint header",
    "ID NAME [VALUE]",
    "set a request header (an API key, say), or remove it",
    "Sets a header sent with every request to the endpoint, or removes it\n"
    "when no VALUE is given.",
    {"ID", "NAME", "VALUE"},
    2,
    3,
    one_opts,
    run_header};
