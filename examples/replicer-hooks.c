/* replicer-hooks: the command-line tool. `send` delivers one event through the
 * full retry path, `verify` checks a signature as a receiver would, and with a
 * store (--store sqlite:PATH) it manages endpoints, emits, runs a worker and
 * reads the delivery log, so a shell script needs no C at all. */
#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <signal.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_DELIVERED 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char *prog = "replicer-hooks";

static void usage_main(FILE *f)
{
    fprintf(
        f,
        "usage: %s <command> [options]\n"
        "\n"
        "commands:\n"
        "  send URL --event TYPE --data JSON   deliver one signed webhook\n"
        "  verify --secret S --id ID ...       check a webhook signature\n"
        "\n"
        "with a store (--store sqlite:PATH | postgresql://..., or\n"
        "REPLICER_HOOKS_STORE):\n"
        "  endpoint add URL --events a.b,c.*   register; prints id and secret\n"
        "  endpoint list | show ID | disable ID | enable ID | remove ID\n"
        "  endpoint set ID --rate N ...        its own timeout, schedule,\n"
        "                                      cap and rate limit\n"
        "  endpoint pause ID | resume ID       hold its deliveries, then send\n"
        "  endpoint rotate ID [--grace 24h]    new secret; prints it\n"
        "  endpoint header ID NAME [VALUE]     set or remove a header\n"
        "  emit TYPE JSON                      queue an event; prints its id\n"
        "  worker [--until-idle]               deliver until SIGTERM/SIGINT\n"
        "  log [--endpoint ID] [--delivery ID] [--failed] [--json]\n"
        "  resend DELIVERY_ID                  send a failed delivery again\n"
        "  recover ENDPOINT_ID --since TIME    resend failed ones since TIME\n"
        "  prune --older-than DURATION         drop finished deliveries\n"
        "\n"
        "  %s <command> --help   options of a command\n"
        "  %s --version          the library version\n",
        prog, prog, prog);
}

static void usage_send(FILE *f)
{
    fprintf(
        f,
        "usage: %s send URL --event TYPE --data JSON [options]\n"
        "\n"
        "Delivers one event to URL through the full retry path, printing\n"
        "each attempt. Exits 0 when delivered, 1 when it failed for good,\n"
        "2 on bad input.\n"
        "\n"
        "  --event TYPE        event type, e.g. order.paid\n"
        "  --data JSON|@FILE   the event's data: a JSON object, sent as\n"
        "                      given\n"
        "  --max-data-bytes N  refuse larger data (default 1048576)\n"
        "  --secret S          whsec_... signing secret (default: a new one,\n"
        "                      printed)\n"
        "  --dev               development mode: http:// and private\n"
        "                      addresses allowed\n"
        "  --schedule LIST     retry delays in seconds, comma-separated\n"
        "                      (default 5,30,120,600,1800; \"\" for none)\n"
        "  --timeout-ms N      per-attempt timeout (default 10000)\n"
        "  --ca-file PATH      CA bundle for https receivers (with --dev)\n"
        "  --allow CIDR        production: admit a private range the\n"
        "                      address guard refuses (repeatable)\n",
        prog);
}

static void usage_verify(FILE *f)
{
    fprintf(f,
            "usage: %s verify --secret S --id ID --timestamp TS --signature SIG\n"
            "       [--body-file F] [--now SECONDS] [--tolerance SECONDS]\n"
            "\n"
            "Checks a Standard Webhooks v1 signature over the body (read from\n"
            "F, or standard input). Exits 0 when valid; otherwise prints why\n"
            "and exits 1 (2 on bad input).\n",
            prog);
}

static int bad(const char *cmd, const char *arg, const char *why)
{
    fprintf(stderr, "%s %s: %s: %s\n", prog, cmd, arg, why);
    fprintf(stderr, "try '%s %s --help'\n", prog, cmd);
    return EXIT_USAGE;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* The event data an argument names: the JSON itself, or "@PATH" for a
 * file's contents, read no further than max bytes plus one (data over the
 * limit is refused without being held). *buf is NULL for an inline
 * argument, else to be freed. 0, or EXIT_USAGE after saying why. */
static int load_data(const char *cmd, const char *opt, const char *arg,
                     size_t max, const char **data, size_t *len, char **buf)
{
    *buf = NULL;
    if (arg[0] != '@') {
        *data = arg;
        *len = strlen(arg);
    } else {
        FILE *f = fopen(arg + 1, "rb");
        if (!f) {
            char why[300];
            snprintf(why, sizeof why, "cannot read %s: %s", arg + 1,
                     strerror(errno));
            return bad(cmd, opt, why);
        }
        *buf = malloc(max + 1);
        *len = *buf ? fread(*buf, 1, max + 1, f) : 0;
        int failed = !*buf || ferror(f);
        fclose(f);
        if (failed) {
            free(*buf);
            *buf = NULL;
            return bad(cmd, opt, "cannot read the file");
        }
        *data = *buf;
    }
    if (*len > max) {
        char why[200];
        snprintf(why, sizeof why,
                 "data is over the limit of %zu bytes (--max-data-bytes)", max);
        free(*buf);
        *buf = NULL;
        return bad(cmd, opt, why);
    }
    return 0;
}

/* --max-data-bytes: the library's own bounds */
static int parse_max_data(const char *cmd, const char *v, size_t *out)
{
    int64_t n;
    if (parse_i64(v, &n) != 0 || n < 2 || n > ((int64_t)1 << 30))
        return bad(cmd, "--max-data-bytes", "expected 2 to 1073741824 bytes");
    *out = (size_t)n;
    return 0;
}

/* "5,30,0.5" seconds into milliseconds. */
static int parse_schedule(const char *s, int64_t *out, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double v;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0 || v > 30.0 * 86400 || *n >= 32)
            return -1;
        out[(*n)++] = (int64_t)(v * 1000 + 0.5);
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return 0;
}

typedef struct send_state {
    int done;
    int delivered;
    int64_t schedule_len;
} send_state;

static void on_attempt(const rh_attempt *at, void *ud)
{
    send_state *st = ud;
    printf("attempt %d: status %d, outcome %s, %" PRId64 " ms", rh_attempt_number(at),
           rh_attempt_status(at), rh_outcome_name(rh_attempt_outcome(at)),
           rh_attempt_duration_ms(at));
    if (rh_attempt_error(at)[0])
        printf(" (%s)", rh_attempt_error(at));
    printf("\n");
    if (rh_attempt_success(at)) {
        st->done = 1;
        st->delivered = 1;
    }
    fflush(stdout);
}

static void on_failed(const rh_delivery *dl, void *ud)
{
    send_state *st = ud;
    printf("failed for good after %d attempt(s): delivery %s\n",
           rh_delivery_attempts(dl), rh_delivery_id(dl));
    st->done = 1;
}

static int cmd_send(int argc, char **argv)
{
    const char *url = NULL, *event = NULL, *data = NULL, *secret = NULL,
               *ca = NULL, *allow[16];
    size_t n_allow = 0;
    int dev = 0, have_schedule = 0;
    int64_t schedule[32], timeout_ms = 10000;
    size_t n_schedule = 0, max_data = RH_MAX_DATA_BYTES_DEFAULT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_send(stdout);
            return 0;
        } else if (!strcmp(a, "--dev")) {
            dev = 1;
        } else if (!strcmp(a, "--event") || !strcmp(a, "--data") ||
                   !strcmp(a, "--secret") || !strcmp(a, "--schedule") ||
                   !strcmp(a, "--timeout-ms") || !strcmp(a, "--ca-file") ||
                   !strcmp(a, "--allow") || !strcmp(a, "--max-data-bytes")) {
            if (i + 1 >= argc)
                return bad("send", a, "needs a value");
            const char *v = argv[++i];
            if (!strcmp(a, "--event"))
                event = v;
            else if (!strcmp(a, "--data"))
                data = v;
            else if (!strcmp(a, "--secret"))
                secret = v;
            else if (!strcmp(a, "--ca-file"))
                ca = v;
            else if (!strcmp(a, "--max-data-bytes")) {
                if (parse_max_data("send", v, &max_data) != 0)
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--allow")) {
                if (n_allow >= 16)
                    return bad("send", a, "at most 16");
                allow[n_allow++] = v;
            } else if (!strcmp(a, "--schedule")) {
                if (parse_schedule(v, schedule, &n_schedule) != 0)
                    return bad("send", a,
                               "expected seconds separated by commas, e.g. "
                               "5,30,120");
                have_schedule = 1;
            } else if (parse_i64(v, &timeout_ms) != 0 || timeout_ms < 1 ||
                       timeout_ms > 600000)
                return bad("send", a, "expected 1 to 600000 milliseconds");
        } else if (a[0] == '-' && a[1] == '-') {
            return bad("send", a, "unknown option");
        } else if (!url) {
            url = a;
        } else {
            return bad("send", a, "unexpected argument (one URL only)");
        }
    }
    if (!url)
        return bad("send", "URL", "missing");
    if (!event)
        return bad("send", "--event", "missing");
    if (!data)
        return bad("send", "--data", "missing");
    if (ca && !dev)
        return bad("send", "--ca-file", "only with --dev");
    const char *body;
    size_t body_len;
    char *body_buf;
    if (load_data("send", "--data", data, max_data, &body, &body_len,
                  &body_buf) != 0)
        return EXIT_USAGE;

    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    send_state st = {0, 0, 0};
    int rc = rh_config_new(&cfg);
    if (rc == RH_OK && dev)
        rc = rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    if (rc == RH_OK && have_schedule)
        rc = rh_config_set_retry_schedule(cfg, schedule, n_schedule);
    if (rc == RH_OK)
        rc = rh_config_set_timeout_ms(cfg, timeout_ms);
    if (rc == RH_OK)
        rc = rh_config_set_max_data_bytes(cfg, max_data);
    if (rc == RH_OK && ca)
        rc = rh_config_set_ca_file(cfg, ca);
    for (size_t i = 0; rc == RH_OK && i < n_allow; i++)
        if ((rc = rh_config_allow_cidr(cfg, allow[i])) != RH_OK) {
            rh_config_free(cfg);
            free(body_buf);
            return bad("send", "--allow", "expected a CIDR like 10.1.2.0/24");
        }
    if (rc == RH_OK)
        rc = rh_config_set_attempt_cb(cfg, on_attempt, &st);
    if (rc == RH_OK)
        rc = rh_config_set_failed_cb(cfg, on_failed, &st);
    if (rc == RH_OK)
        rc = rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        fprintf(stderr, "%s send: %s\n", prog, rh_strerror(rc));
        free(body_buf);
        return EXIT_USAGE;
    }
    const char *events[] = {event};
    char ep[RH_ID_SIZE], made[RH_SECRET_SIZE], evt[RH_ID_SIZE];
    if (secret)
        rc = rh_endpoint_add_with_secret(ctx, url, events, 1, secret, ep,
                                         sizeof ep);
    else
        rc = rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, made,
                             sizeof made);
    if (rc != RH_OK) {
        int r = bad("send", secret && strstr(rh_ctx_last_error(ctx), "secret")
                                ? "--secret"
                                : (strstr(rh_ctx_last_error(ctx), "events")
                                       ? "--event"
                                       : "URL"),
                    rh_ctx_last_error(ctx));
        rh_ctx_free(ctx);
        free(body_buf);
        return r;
    }
    if (!secret)
        printf("secret: %s\n", made);
    rc = rh_emit(ctx, event, body, body_len, evt, sizeof evt);
    free(body_buf); /* emit keeps its own copy */
    if (rc < 0) {
        int r = bad("send", strstr(rh_ctx_last_error(ctx), "event type")
                                ? "--event"
                                : "--data",
                    rh_ctx_last_error(ctx));
        rh_ctx_free(ctx);
        return r;
    }
    printf("event %s: sending to %s\n", evt, url);
    fflush(stdout);
    while (!st.done) {
        rc = rh_tick(ctx);
        if (rc < 0) {
            fprintf(stderr, "%s send: %s\n", prog, rh_ctx_last_error(ctx));
            rh_ctx_free(ctx);
            return EXIT_FAILED;
        }
        if (st.done)
            break;
        int64_t next = rh_next_timeout_ms(ctx);
        if (next > 1000 && rh_ctx_in_flight(ctx) == 0) {
            printf("next attempt in %.1f s\n", (double)next / 1000);
            fflush(stdout);
        }
        rh_wait(ctx, -1);
    }
    rh_ctx_free(ctx);
    return st.delivered ? EXIT_DELIVERED : EXIT_FAILED;
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            break;
        }
        char *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            return NULL;
        }
        buf = b;
        cap *= 2;
    }
    *len = n;
    return buf;
}

static int cmd_verify(int argc, char **argv)
{
    const char *secret = NULL, *id = NULL, *ts = NULL, *sig = NULL,
               *file = NULL;
    int64_t now = (int64_t)time(NULL), tolerance = RH_VERIFY_TOLERANCE_S;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_verify(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0)
            return bad("verify", a, "unexpected argument");
        if (i + 1 >= argc)
            return bad("verify", a, "needs a value");
        const char *v = argv[++i];
        if (!strcmp(a, "--secret"))
            secret = v;
        else if (!strcmp(a, "--id"))
            id = v;
        else if (!strcmp(a, "--timestamp"))
            ts = v;
        else if (!strcmp(a, "--signature"))
            sig = v;
        else if (!strcmp(a, "--body-file"))
            file = v;
        else if (!strcmp(a, "--now")) {
            if (parse_i64(v, &now) != 0)
                return bad("verify", a, "expected Unix seconds");
        } else if (!strcmp(a, "--tolerance")) {
            if (parse_i64(v, &tolerance) != 0 || tolerance < 0)
                return bad("verify", a, "expected seconds >= 0");
        } else
            return bad("verify", a, "unknown option");
    }
    if (!secret)
        return bad("verify", "--secret", "missing");
    if (!id)
        return bad("verify", "--id", "missing");
    if (!ts)
        return bad("verify", "--timestamp", "missing");
    if (!sig)
        return bad("verify", "--signature", "missing");
    FILE *f = stdin;
    if (file && !(f = fopen(file, "rb")))
        return bad("verify", "--body-file", strerror(errno));
    size_t len = 0;
    char *body = read_all(f, &len);
    if (f != stdin)
        fclose(f);
    if (!body)
        return bad("verify", "body", "cannot be read");
    int rc = rh_verify(secret, id, ts, sig, body, len, now, tolerance);
    free(body);
    switch (rc) {
    case RH_OK:
        printf("valid\n");
        return 0;
    case RH_E_SIGNATURE:
        printf("invalid: no signature matches this secret, id, timestamp "
               "and body\n");
        return 1;
    case RH_E_TIMESTAMP:
        printf("invalid: timestamp %s is more than %" PRId64
               " s from now (%" PRId64 ")\n",
               ts, tolerance, now);
        return 1;
    default:
        printf("invalid: malformed input (secret must be whsec_<base64>, "
               "timestamp decimal seconds, signature \"v1,<base64>\", id "
               "without '.')\n");
        return 1;
    }
}

/* ------------------------------------------------------- store commands */

typedef struct store_opts {
    const char *store;
    int dev;
    int json;
    int failed;
    int until_idle;
    int quiet;
    const char *events;
    const char *grace;
    const char *since;
    const char *endpoint;
    const char *delivery;
    const char *schema;
    const char *auto_disable;
    const char *retention;
    const char *older_than;
    const char *client_cert; /* paths */
    const char *client_key;
    int no_client_cert;
    char *client_cert_pem; /* read by cmd_endpoint */
    char *client_key_pem;
    int have_timeout;
    int schedule_default;
    int have_rate;
    int have_max;
    double rate;
    int64_t timeout_ms;
    int64_t lease_ms;
    int64_t limit;
    int64_t max_in_flight;
    int64_t per_endpoint;
    size_t max_data;
    int have_schedule;
    int64_t schedule[32];
    size_t n_schedule;
    const char *allow[16];
    size_t n_allow;
    const char *pos[4];
    int n_pos;
} store_opts;

static void usage_store(FILE *f, const char *cmd)
{
    if (!strcmp(cmd, "endpoint"))
        fprintf(
            f,
            "usage: %s endpoint add URL --events TYPE[,TYPE...] [--dev]\n"
            "                      [--timeout-ms N] [--schedule LIST]\n"
            "                      [--max-in-flight N] [--rate N]\n"
            "       %s endpoint list\n"
            "       %s endpoint show ID\n"
            "       %s endpoint set ID [--timeout-ms N] [--schedule LIST]\n"
            "                          [--max-in-flight N] [--rate N]\n"
            "                          [--client-cert PEM --client-key PEM]\n"
            "                          [--no-client-cert]\n"
            "       %s endpoint disable|enable|pause|resume|remove ID\n"
            "       %s endpoint rotate ID [--grace DURATION]\n"
            "       %s endpoint header ID NAME [VALUE]\n"
            "\n"
            "add prints \"<id> <secret>\": the secret is shown only once.\n"
            "rotate prints the new secret; requests carry both signatures\n"
            "for the grace period (e.g. 24h, 30m, 90s; default 24h).\n"
            "header sets a request header of the endpoint (an API key,\n"
            "say), or removes it without VALUE.\n"
            "pause keeps queueing the endpoint's deliveries but sends none\n"
            "until resume (nothing is lost, unlike disable).\n"
            "show prints one endpoint with its health: its last success,\n"
            "since when it fails, deliveries failed in a row, and why it\n"
            "is disabled (host, gone: a 410, failing: 5 days of failures).\n"
            "An endpoint added with --dev is delivered only by a worker\n"
            "started with --dev.\n"
            "add and set take the endpoint's own settings, overriding a\n"
            "worker's: --timeout-ms, --schedule (seconds, e.g. 5,30,120;\n"
            "\"\" for no retries; default: the worker's), --max-in-flight\n"
            "(0: the worker's), --rate (requests a second, per worker\n"
            "process; 0: none), --client-cert/--client-key (files: a TLS\n"
            "client certificate for receivers that demand one; the key is\n"
            "stored sealed with a sealing key).\n",
            prog, prog, prog, prog, prog, prog, prog);
    else if (!strcmp(cmd, "emit"))
        fprintf(f,
                "usage: %s emit TYPE JSON|@FILE [--max-data-bytes N]\n\n"
                "Queues an event for every subscribed endpoint and prints "
                "its id.\nThe data is a JSON object, sent byte for byte "
                "as given, at most\n--max-data-bytes (default 1048576).\n",
                prog);
    else if (!strcmp(cmd, "worker"))
        fprintf(
            f,
            "usage: %s worker [--until-idle] [--dev] [--timeout-ms N]\n"
            "       [--lease-ms N] [--schedule LIST] [--quiet]\n"
            "       [--max-in-flight N (64)] [--per-endpoint N (8)]\n"
            "       [--auto-disable DURATION (5d; 0: never)]\n"
            "       [--retention DURATION (30d; 0: keep all)]\n"
            "\n"
            "Delivers until SIGTERM or SIGINT (transfers in flight finish,\n"
            "then exit 0), or with --until-idle until nothing is pending\n"
            "or in flight. Prints each attempt unless --quiet. A store\n"
            "that goes away (a database restart) is waited for.\n"
            "Prints each endpoint state change (disabled and why,\n"
            "enabled, failing, recovered), --quiet or not. An endpoint\n"
            "failing for the --auto-disable time is disabled.\n"
            "Run as many workers as you like on one PostgreSQL store.\n",
            prog);
    else if (!strcmp(cmd, "log"))
        fprintf(f,
                "usage: %s log [--endpoint ID] [--delivery ID] [--failed]\n"
                "       [--json] [--limit N]\n"
                "\n"
                "Prints the attempts, oldest first, as a table or as JSON "
                "lines.\n",
                prog);
    else if (!strcmp(cmd, "resend"))
        fprintf(f, "usage: %s resend DELIVERY_ID\n", prog);
    else if (!strcmp(cmd, "prune"))
        fprintf(f,
                "usage: %s prune --older-than DURATION\n"
                "\n"
                "Removes deliveries that succeeded or failed more than\n"
                "DURATION ago (e.g. 30d, 12h), their attempts, and the events\n"
                "no other delivery needs, in batches of 1000. Pending and in\n"
                "flight deliveries are never removed. A worker does this by\n"
                "itself for --retention (default 30d).\n",
                prog);
    else
        fprintf(f,
                "usage: %s recover ENDPOINT_ID --since TIME\n"
                "\n"
                "TIME: Unix seconds, 2026-11-27T05:00:00Z, or a duration ago "
                "(24h).\n",
                prog);
    fprintf(f, "\nThe store: --store sqlite:PATH, postgresql://... or "
               "pg:CONNINFO\n(--schema NAME for PostgreSQL), or "
               "REPLICER_HOOKS_STORE.\n"
               "--allow CIDR (repeatable): in production, admit a private\n"
               "range the address guard refuses, e.g. 10.1.2.0/24.\n");
}

/* "24h", "30m", "90s", "1500ms", "2d"; a bare number is seconds. */
static int parse_duration_ms(const char *s, int64_t *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    double mult = 1000;
    if (!strcmp(end, "ms"))
        mult = 1;
    else if (!strcmp(end, "s") || !*end)
        mult = 1000;
    else if (!strcmp(end, "m"))
        mult = 60000;
    else if (!strcmp(end, "h"))
        mult = 3600000;
    else if (!strcmp(end, "d"))
        mult = 86400000;
    else
        return -1;
    if (v * mult > 9e18)
        return -1; /* would not fit */
    *out = (int64_t)(v * mult + 0.5);
    return 0;
}

/* Unix seconds, RFC 3339 UTC, or a duration before now; into ms. */
static int parse_time_ms(const char *s, int64_t *out)
{
    int64_t v;
    struct tm tm;
    char z = 0;
    if (parse_i64(s, &v) == 0 && v >= 0) {
        *out = v * 1000;
        return 0;
    }
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) == 7 &&
        z == 'Z') {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *out = (int64_t)timegm(&tm) * 1000;
        return 0;
    }
    if (parse_duration_ms(s, &v) == 0) {
        *out = (int64_t)time(NULL) * 1000 - v;
        return 0;
    }
    return -1;
}

static int parse_store_opts(const char *cmd, int argc, char **argv,
                            store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->store = getenv("REPLICER_HOOKS_STORE");
    o->timeout_ms = 10000;
    o->max_data = RH_MAX_DATA_BYTES_DEFAULT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_store(stdout, cmd);
            return 1;
        }
        if (!strcmp(a, "--dev"))
            o->dev = 1;
        else if (!strcmp(a, "--json"))
            o->json = 1;
        else if (!strcmp(a, "--failed"))
            o->failed = 1;
        else if (!strcmp(a, "--until-idle"))
            o->until_idle = 1;
        else if (!strcmp(a, "--quiet"))
            o->quiet = 1;
        else if (!strcmp(a, "--no-client-cert"))
            o->no_client_cert = 1;
        else if (!strncmp(a, "--", 2)) {
            if (i + 1 >= argc)
                return bad(cmd, a, "needs a value");
            const char *v = argv[++i];
            int64_t n;
            if (!strcmp(a, "--store"))
                o->store = v;
            else if (!strcmp(a, "--events"))
                o->events = v;
            else if (!strcmp(a, "--grace"))
                o->grace = v;
            else if (!strcmp(a, "--since"))
                o->since = v;
            else if (!strcmp(a, "--endpoint"))
                o->endpoint = v;
            else if (!strcmp(a, "--delivery"))
                o->delivery = v;
            else if (!strcmp(a, "--schema"))
                o->schema = v;
            else if (!strcmp(a, "--auto-disable"))
                o->auto_disable = v;
            else if (!strcmp(a, "--retention"))
                o->retention = v;
            else if (!strcmp(a, "--client-cert"))
                o->client_cert = v;
            else if (!strcmp(a, "--client-key"))
                o->client_key = v;
            else if (!strcmp(a, "--older-than"))
                o->older_than = v;
            else if (!strcmp(a, "--allow")) {
                if (o->n_allow >= 16)
                    return bad(cmd, a, "at most 16");
                o->allow[o->n_allow++] = v;
            }
            else if (!strcmp(a, "--timeout-ms")) {
                if (parse_i64(v, &n) != 0 || n < 1 || n > 600000)
                    return bad(cmd, a, "expected 1 to 600000 milliseconds");
                o->timeout_ms = n;
                o->have_timeout = 1;
            } else if (!strcmp(a, "--rate")) {
                char *end;
                errno = 0;
                o->rate = strtod(v, &end);
                if (errno || end == v || *end || !(o->rate >= 0) ||
                    o->rate > 100000)
                    return bad(cmd, a,
                               "expected requests a second, 0.001 to 100000, "
                               "or 0 for no limit");
                o->have_rate = 1;
            } else if (!strcmp(a, "--lease-ms")) {
                if (parse_i64(v, &n) != 0 || n < 1000)
                    return bad(cmd, a, "expected at least 1000 milliseconds");
                o->lease_ms = n;
            } else if (!strcmp(a, "--max-in-flight") ||
                       !strcmp(a, "--per-endpoint")) {
                /* an endpoint's own cap: 0 gives it the worker's again */
                int lowest = !strcmp(cmd, "endpoint") ? 0 : 1;
                if (parse_i64(v, &n) != 0 || n < lowest || n > 100000)
                    return bad(cmd, a,
                               lowest ? "expected 1 to 100000"
                                      : "expected 0 to 100000");
                if (!strcmp(a, "--max-in-flight")) {
                    o->max_in_flight = n;
                    o->have_max = 1;
                } else {
                    o->per_endpoint = n;
                }
            } else if (!strcmp(a, "--max-data-bytes")) {
                if (parse_max_data(cmd, v, &o->max_data) != 0)
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--limit")) {
                if (parse_i64(v, &n) != 0 || n < 1)
                    return bad(cmd, a, "expected a count >= 1");
                o->limit = n;
            } else if (!strcmp(a, "--schedule")) {
                if (!strcmp(v, "default"))
                    o->schedule_default = 1;
                else if (parse_schedule(v, o->schedule, &o->n_schedule) != 0)
                    return bad(cmd, a,
                               "expected seconds separated by commas, e.g. "
                               "5,30,120");
                o->have_schedule = 1;
            } else
                return bad(cmd, a, "unknown option");
        } else if (o->n_pos < 4) {
            o->pos[o->n_pos++] = a;
        } else {
            return bad(cmd, a, "unexpected argument");
        }
    }
    if (!o->store || !*o->store)
        return bad(cmd, "--store", "missing (or set REPLICER_HOOKS_STORE)");
    return 0;
}

typedef struct worker_state {
    int quiet;
} worker_state;

static void print_state_change(const rh_endpoint *ep, int change, void *ud)
{
    (void)ud;
    int reason = rh_endpoint_disabled_reason(ep);
    if (change == RH_ENDPOINT_HELD)
        printf("endpoint %s: held: it was added with --dev; a worker "
               "started with --dev delivers it\n",
               rh_endpoint_id(ep));
    else
        printf("endpoint %s: %s%s%s%s\n", rh_endpoint_id(ep),
               rh_endpoint_change_name(change),
               change == RH_ENDPOINT_DISABLED ? " (" : "",
               change == RH_ENDPOINT_DISABLED ? rh_disabled_reason_name(reason)
                                              : "",
               change == RH_ENDPOINT_DISABLED ? ")" : "");
    fflush(stdout);
}

static void print_attempt_line(const rh_attempt *at, void *ud)
{
    worker_state *w = ud;
    if (w && w->quiet)
        return;
    printf("%s #%d -> %d %s %" PRId64 " ms%s%s\n", rh_attempt_delivery_id(at),
           rh_attempt_number(at), rh_attempt_status(at),
           rh_outcome_name(rh_attempt_outcome(at)), rh_attempt_duration_ms(at),
           rh_attempt_error(at)[0] ? ": " : "", rh_attempt_error(at));
    fflush(stdout);
}

/* A context on the store named by o->store ("sqlite:PATH"). */
static int open_store_ctx(const char *cmd, const store_opts *o,
                          worker_state *w, rh_ctx **out)
{
    rh_config *cfg = NULL;
    rh_storage st;
    char err[300] = "";
    int rc;
    if (!strncmp(o->store, "sqlite:", 7) && o->store[7]) {
        rc = rh_sqlite_open(&st, o->store + 7, 0, err, sizeof err);
    } else if (!strncmp(o->store, "postgresql://", 13) ||
               !strncmp(o->store, "postgres://", 11) ||
               !strncmp(o->store, "pg:", 3)) {
#ifdef RH_HAVE_PG
        const char *conninfo = strncmp(o->store, "pg:", 3) ? o->store
                                                             : o->store + 3;
        rc = rh_pg_open(&st, conninfo, o->schema, err, sizeof err);
        if (rc == RH_E_INVALID_ARG)
            return bad(cmd, "--schema",
                       "expected 1 to 63 of [a-z0-9_], not starting with a "
                       "digit");
#else
        return bad(cmd, "--store",
                   "this build has no PostgreSQL support (libpq)");
#endif
    } else {
        return bad(cmd, "--store",
                   "expected sqlite:PATH, postgresql://... or pg:CONNINFO");
    }
    if (rc != RH_OK) {
        fprintf(stderr, "%s %s: --store: %s\n", prog, cmd,
                err[0] ? err : rh_strerror(rc));
        return EXIT_USAGE;
    }
    rc = rh_config_new(&cfg);
    if (rc == RH_OK && o->dev)
        rc = rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    if (rc == RH_OK)
        rc = rh_config_set_timeout_ms(cfg, o->timeout_ms);
    if (rc == RH_OK && o->lease_ms)
        rc = rh_config_set_lease_ms(cfg, o->lease_ms);
    if (rc == RH_OK && o->max_in_flight)
        rc = rh_config_set_max_in_flight(cfg, (size_t)o->max_in_flight);
    if (rc == RH_OK && o->per_endpoint)
        rc = rh_config_set_max_in_flight_per_endpoint(cfg,
                                                      (size_t)o->per_endpoint);
    if (rc == RH_OK && o->have_schedule)
        rc = rh_config_set_retry_schedule(cfg, o->schedule, o->n_schedule);
    if (rc == RH_OK)
        rc = rh_config_set_max_data_bytes(cfg, o->max_data);
    for (size_t i = 0; rc == RH_OK && i < o->n_allow; i++)
        if (rh_config_allow_cidr(cfg, o->allow[i]) != RH_OK) {
            rh_config_free(cfg);
            st.destroy(st.userdata);
            return bad(cmd, "--allow", "expected a CIDR like 10.1.2.0/24");
        }
    if (rc == RH_OK && o->auto_disable) {
        int64_t ms;
        if (parse_duration_ms(o->auto_disable, &ms) != 0 ||
            rh_config_set_auto_disable_ms(cfg, ms) != RH_OK) {
            rh_config_free(cfg);
            st.destroy(st.userdata);
            return bad(cmd, "--auto-disable",
                       "expected a duration up to 365d, e.g. 5d or 12h, or "
                       "0 for never");
        }
    }
    if (rc == RH_OK && o->retention) {
        int64_t ms;
        if (parse_duration_ms(o->retention, &ms) != 0 ||
            rh_config_set_retention_ms(cfg, ms) != RH_OK) {
            rh_config_free(cfg);
            st.destroy(st.userdata);
            return bad(cmd, "--retention",
                       "expected a duration from 1m to 100 years, e.g. 30d, "
                       "or 0 to keep everything");
        }
    }
    if (rc == RH_OK && w) {
        rc = rh_config_set_attempt_cb(cfg, print_attempt_line, w);
        if (rc == RH_OK)
            rc = rh_config_set_endpoint_state_cb(cfg, print_state_change, w);
        /* a worker sees endpoints changed by other commands within 2 s */
        if (rc == RH_OK)
            rc = rh_config_set_endpoint_refresh_ms(cfg, 2000);
    }
    if (rc == RH_OK)
        rc = rh_config_set_storage(cfg, &st);
    if (rc == RH_OK)
        rc = rh_ctx_new(out, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        if (st.destroy)
            st.destroy(st.userdata);
        fprintf(stderr, "%s %s: %s\n", prog, cmd, rh_strerror(rc));
        return rc == RH_E_INVALID_ARG ? EXIT_USAGE : EXIT_FAILED;
    }
    return 0;
}

static int fail_ctx(const char *cmd, rh_ctx *ctx, int rc)
{
    fprintf(stderr, "%s %s: %s\n", prog, cmd,
            rh_ctx_last_error(ctx)[0] ? rh_ctx_last_error(ctx)
                                      : rh_strerror(rc));
    rh_ctx_free(ctx);
    return rc == RH_E_INVALID_ARG ? EXIT_USAGE : EXIT_FAILED;
}

static void format_time(int64_t ms, char out[32]);

/* "enabled", "paused", "disabled (gone)", ... */
static const char *endpoint_state(const rh_endpoint *ep, char *buf, size_t size)
{
    if (rh_endpoint_enabled(ep))
        return rh_endpoint_paused(ep) ? "paused" : "enabled";
    snprintf(buf, size, "disabled (%s)",
             rh_disabled_reason_name(rh_endpoint_disabled_reason(ep)));
    return buf;
}

/* "ok 2026-12-02T20:00:00Z", "failing since ..., 3 failed", "new" */
static void endpoint_health(const rh_endpoint *ep, char *buf, size_t size)
{
    char t[32];
    int64_t n = rh_endpoint_failed_in_a_row(ep);
    if (rh_endpoint_failing_since_ms(ep)) {
        format_time(rh_endpoint_failing_since_ms(ep), t);
        snprintf(buf, size, "failing since %s, %" PRId64 " failed", t, n);
    } else if (rh_endpoint_last_success_ms(ep)) {
        format_time(rh_endpoint_last_success_ms(ep), t);
        snprintf(buf, size, "ok %s", t);
    } else {
        snprintf(buf, size, "no attempt yet");
    }
}

static int print_endpoint(const rh_endpoint *ep, void *ud)
{
    char state[32], health[96];
    (void)ud;
    endpoint_health(ep, health, sizeof health);
    printf("%s  %-8s  %s  ", rh_endpoint_id(ep),
           endpoint_state(ep, state, sizeof state), rh_endpoint_url(ep));
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++)
        printf("%s%s", i ? "," : "", rh_endpoint_event(ep, i));
    printf("  %s%s\n", health,
           rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT ? "  (--dev)" : "");
    return RH_OK;
}

static void print_endpoint_fields(const rh_endpoint *ep)
{
    char state[32], t[32];
    printf("id:              %s\nurl:             %s\nstate:           %s\n"
           "mode:            %s\nevents:          ",
           rh_endpoint_id(ep), rh_endpoint_url(ep),
           endpoint_state(ep, state, sizeof state),
           rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT ? "development (--dev)"
                                                       : "production");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++)
        printf("%s%s", i ? "," : "", rh_endpoint_event(ep, i));
    format_time(rh_endpoint_created_ms(ep), t);
    printf("\ncreated:         %s\nlast success:    ", t);
    if (rh_endpoint_last_success_ms(ep)) {
        format_time(rh_endpoint_last_success_ms(ep), t);
        printf("%s\n", t);
    } else {
        printf("none\n");
    }
    printf("failing since:   ");
    if (rh_endpoint_failing_since_ms(ep)) {
        format_time(rh_endpoint_failing_since_ms(ep), t);
        printf("%s\n", t);
    } else {
        printf("-\n");
    }
    printf("failed in a row: %" PRId64 "\n", rh_endpoint_failed_in_a_row(ep));
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
    else
        printf("rate limit:      none\n");
    for (size_t i = 0; i < rh_endpoint_header_count(ep); i++)
        printf("header:          %s\n", rh_endpoint_header_name(ep, i));
}

/* The endpoint's own settings given on the command line (add, set). */
static int apply_endpoint_settings(rh_ctx *ctx, const char *id,
                                   const store_opts *o)
{
    int rc = RH_OK;
    if (o->have_timeout)
        rc = rh_endpoint_set_timeout_ms(ctx, id, o->timeout_ms);
    if (rc == RH_OK && (o->have_schedule || o->schedule_default))
        rc = rh_endpoint_set_retry_schedule(
            ctx, id, o->schedule_default ? NULL : o->schedule, o->n_schedule);
    if (rc == RH_OK && o->have_max)
        rc = rh_endpoint_set_max_in_flight(ctx, id, (size_t)o->max_in_flight);
    if (rc == RH_OK && o->have_rate)
        rc = rh_endpoint_set_rate_limit(ctx, id, o->rate);
    if (rc == RH_OK && (o->client_cert_pem || o->no_client_cert))
        rc = rh_endpoint_set_client_cert(ctx, id, o->client_cert_pem,
                                         o->client_key_pem);
    return rc;
}

/* A PEM file for --client-cert or --client-key, as text. */
static int read_pem(const char *opt, const char *path, char **out)
{
    char at[4096];
    const char *data;
    size_t len;
    snprintf(at, sizeof at, "@%s", path);
    if (load_data("endpoint", opt, at, 64 * 1024, &data, &len, out) != 0)
        return EXIT_USAGE;
    (*out)[len] = '\0'; /* load_data's buffer has room for it */
    return 0;
}

static int cmd_endpoint(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    int rc = parse_store_opts("endpoint", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos < 1)
        return bad("endpoint", "SUBCOMMAND",
                   "missing: add, list, show, set, disable, enable, pause, "
                   "resume, remove or rotate");
    const char *sub = o.pos[0];
    int needs_id = !strcmp(sub, "disable") || !strcmp(sub, "enable") ||
                   !strcmp(sub, "show") || !strcmp(sub, "set") ||
                   !strcmp(sub, "pause") || !strcmp(sub, "resume") ||
                   !strcmp(sub, "remove") || !strcmp(sub, "rotate");
    int is_header = !strcmp(sub, "header");
    if (strcmp(sub, "add") && strcmp(sub, "list") && !needs_id && !is_header)
        return bad("endpoint", sub, "unknown subcommand");
    if (is_header && (o.n_pos < 3 || o.n_pos > 4))
        return bad("endpoint", o.n_pos < 2 ? "ID" : "NAME", "missing");
    if (!strcmp(sub, "add") && (o.n_pos != 2 || !o.events))
        return bad("endpoint", o.n_pos != 2 ? "URL" : "--events", "missing");
    if (needs_id && o.n_pos != 2)
        return bad("endpoint", "ID", "missing");
    int64_t grace = 86400000;
    if (o.grace && parse_duration_ms(o.grace, &grace) != 0)
        return bad("endpoint", "--grace", "expected a duration like 24h");
    if (!o.client_cert != !o.client_key)
        return bad("endpoint", o.client_cert ? "--client-key" : "--client-cert",
                   "missing: give the certificate and its key");
    if (o.client_cert &&
        (read_pem("--client-cert", o.client_cert, &o.client_cert_pem) != 0 ||
         read_pem("--client-key", o.client_key, &o.client_key_pem) != 0)) {
        free(o.client_cert_pem);
        return EXIT_USAGE;
    }
    if ((rc = open_store_ctx("endpoint", &o, NULL, &ctx)) != 0)
        return rc;
    if (!strcmp(sub, "add")) {
        char *list = strdup(o.events), *save = NULL;
        const char *events[256];
        size_t n = 0;
        char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        for (char *t = strtok_r(list, ",", &save); t && n < 256;
             t = strtok_r(NULL, ",", &save))
            events[n++] = t;
        rc = rh_endpoint_add(ctx, o.pos[1], events, n, id, sizeof id, secret,
                             sizeof secret);
        free(list);
        if (rc != RH_OK) {
            const char *what = strstr(rh_ctx_last_error(ctx), "events")
                                   ? "--events"
                                   : "URL";
            fprintf(stderr, "%s endpoint add: %s: %s\n", prog, what,
                    rh_ctx_last_error(ctx));
            rh_ctx_free(ctx);
            return rc == RH_E_INVALID_ARG ? EXIT_USAGE : EXIT_FAILED;
        }
        rc = apply_endpoint_settings(ctx, id, &o);
        if (rc == RH_OK)
            printf("%s %s\n", id, secret);
    } else if (!strcmp(sub, "list")) {
        rc = rh_endpoint_list(ctx, print_endpoint, NULL);
    } else if (!strcmp(sub, "show")) {
        const rh_endpoint *ep = NULL;
        rc = rh_endpoint_get(ctx, o.pos[1], &ep);
        if (rc == RH_OK)
            print_endpoint_fields(ep);
    } else if (!strcmp(sub, "set")) {
        rc = apply_endpoint_settings(ctx, o.pos[1], &o);
    } else if (is_header) {
        rc = rh_endpoint_set_header(ctx, o.pos[1], o.pos[2],
                                    o.n_pos == 4 ? o.pos[3] : NULL);
        if (rc == RH_E_INVALID_ARG) {
            int r = bad("endpoint", o.pos[2], rh_ctx_last_error(ctx));
            rh_ctx_free(ctx);
            return r;
        }
    } else if (!strcmp(sub, "rotate")) {
        char secret[RH_SECRET_SIZE];
        rc = rh_endpoint_rotate_secret(ctx, o.pos[1], grace, secret,
                                       sizeof secret);
        if (rc == RH_OK)
            printf("%s\n", secret);
    } else {
        rc = !strcmp(sub, "disable")  ? rh_endpoint_disable(ctx, o.pos[1])
             : !strcmp(sub, "enable") ? rh_endpoint_enable(ctx, o.pos[1])
             : !strcmp(sub, "pause")  ? rh_endpoint_pause(ctx, o.pos[1])
             : !strcmp(sub, "resume") ? rh_endpoint_resume(ctx, o.pos[1])
                                      : rh_endpoint_remove(ctx, o.pos[1]);
    }
    if (o.client_key_pem) {
        memset(o.client_key_pem, 0, strlen(o.client_key_pem));
        free(o.client_key_pem);
    }
    free(o.client_cert_pem);
    if (rc < 0)
        return fail_ctx("endpoint", ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

static int cmd_emit(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    char evt[RH_ID_SIZE];
    int rc = parse_store_opts("emit", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos != 2)
        return bad("emit", o.n_pos == 0 ? "TYPE" : "JSON", "missing");
    const char *data;
    size_t data_len;
    char *data_buf;
    if (load_data("emit", "JSON", o.pos[1], o.max_data, &data, &data_len,
                  &data_buf) != 0)
        return EXIT_USAGE;
    if ((rc = open_store_ctx("emit", &o, NULL, &ctx)) != 0) {
        free(data_buf);
        return rc;
    }
    rc = rh_emit(ctx, o.pos[0], data, data_len, evt, sizeof evt);
    free(data_buf); /* emit keeps its own copy */
    if (rc < 0) {
        if (rc == RH_E_INVALID_ARG) {
            int r = bad("emit",
                        strstr(rh_ctx_last_error(ctx), "event type") ? "TYPE"
                                                                     : "JSON",
                        rh_ctx_last_error(ctx));
            rh_ctx_free(ctx);
            return r;
        }
        return fail_ctx("emit", ctx, rc);
    }
    printf("%s\n", evt);
    rh_ctx_free(ctx);
    return 0;
}

static volatile sig_atomic_t stop_requested;
static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The held endpoints' ids (paused, or added with --dev when this worker
 * is not), read before a scan of the log (whose callbacks may not call the
 * context). */
typedef struct idle_scan {
    char (*paused)[RH_ID_SIZE];
    size_t n_paused, cap;
    int64_t last_created;
    int sendable;
    int dev;
} idle_scan;

static int note_paused(const rh_endpoint *ep, void *ud)
{
    idle_scan *sc = ud;
    if (!rh_endpoint_paused(ep) &&
        (sc->dev || rh_endpoint_mode(ep) != RH_MODE_DEVELOPMENT))
        return RH_OK;
    if (sc->n_paused == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 16;
        void *p = realloc(sc->paused, cap * sizeof *sc->paused);
        if (!p)
            return RH_E_NOMEM;
        sc->paused = p;
        sc->cap = cap;
    }
    snprintf(sc->paused[sc->n_paused++], RH_ID_SIZE, "%s", rh_endpoint_id(ep));
    return RH_OK;
}

/* Stops the scan (RH_E_USER) at the first delivery that can still go: in
 * flight, or pending for an endpoint that is not paused. */
static int note_sendable(const rh_delivery *dl, void *ud)
{
    idle_scan *sc = ud;
    sc->last_created = rh_delivery_created_ms(dl);
    if (rh_delivery_state(dl) == RH_DELIVERY_PENDING)
        for (size_t i = 0; i < sc->n_paused; i++)
            if (!strcmp(sc->paused[i], rh_delivery_endpoint_id(dl)))
                return RH_OK; /* waits for its endpoint's resume */
    sc->sendable = 1;
    return RH_E_USER;
}

/* Pending or in flight anywhere in the store (any process), leaving out
 * what only a paused endpoint's resume (or a --dev worker) would send. */
static int store_busy(rh_ctx *ctx, int dev)
{
    /* Pages by created time: a page boundary inside one millisecond skips
     * the rest of that millisecond, so pages are large. */
    enum { PAGE = 10000 };
    const int states[] = {RH_DELIVERY_IN_FLIGHT, RH_DELIVERY_PENDING};
    idle_scan sc;
    rh_query *q = NULL;
    int rc;
    memset(&sc, 0, sizeof sc);
    sc.dev = dev;
    if (rh_query_new(&q) != RH_OK ||
        rh_endpoint_list(ctx, note_paused, &sc) < 0) {
        rh_query_free(q);
        free(sc.paused);
        return 1; /* a store that cannot answer is not idle */
    }
    rh_query_set_limit(q, PAGE);
    for (size_t s = 0; s < 2 && !sc.sendable; s++) {
        rh_query_set_state(q, states[s]);
        rh_query_set_cursor(q, 0);
        do {
            rc = rh_log_deliveries(ctx, q, note_sendable, &sc);
            rh_query_set_cursor(q, sc.last_created);
        } while (rc == PAGE && !sc.sendable);
        if (rc < 0 && !sc.sendable)
            sc.sendable = 1;
    }
    rh_query_free(q);
    free(sc.paused);
    return sc.sendable;
}

static int count_dev(const rh_endpoint *ep, void *ud)
{
    *(int *)ud +=
        rh_endpoint_enabled(ep) && rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT;
    return RH_OK;
}

static int cmd_worker(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    worker_state w;
    struct sigaction sa;
    int rc = parse_store_opts("worker", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos)
        return bad("worker", o.pos[0], "unexpected argument");
    w.quiet = o.quiet;
    if ((rc = open_store_ctx("worker", &o, &w, &ctx)) != 0)
        return rc;
    if (!o.dev) {
        int n_dev = 0;
        if (rh_endpoint_list(ctx, count_dev, &n_dev) >= 0 && n_dev > 0)
            fprintf(stderr,
                    "%s worker: %d endpoint%s registered with --dev; "
                    "start the worker with --dev to deliver to them\n",
                    prog, n_dev, n_dev == 1 ? " was" : "s were");
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int storage_errors = 0, failing_after_stop = 0;
    for (;;) {
        if (stop_requested) {
            /* Graceful: start nothing new, let what is in flight finish
             * (bounded by the timeout), store its outcomes, and leave. */
            rh_ctx_pause(ctx, 1);
            if (rh_ctx_in_flight(ctx) == 0)
                break;
        }
        rc = rh_tick(ctx);
        if (rc == RH_E_STORAGE) {
            /* The transfers went on; their outcomes wait in memory and are
             * stored when the store is back (a database restart, a locked
             * or full disk): the library paces its retries, and rh_wait
             * keeps serving the transfers meanwhile. Told to stop while
             * the store is down, we give it about 8 s, then leave what is
             * unstored to come back when its lease ends. */
            if (storage_errors++ % 20 == 0)
                fprintf(stderr, "%s worker: %s\n", prog,
                        rh_ctx_last_error(ctx));
            if (stop_requested && ++failing_after_stop > 12) {
                fprintf(stderr,
                        "%s worker: stopping with %zu outcomes not stored; "
                        "their deliveries are sent again after their lease\n",
                        prog, rh_ctx_in_flight(ctx));
                break;
            }
            rh_wait(ctx, 500);
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "%s worker: %s\n", prog, rh_ctx_last_error(ctx));
            break;
        }
        storage_errors = 0;
        if (o.until_idle && rh_ctx_in_flight(ctx) == 0 &&
            !store_busy(ctx, o.dev))
            break;
        rh_wait(ctx, 500);
    }
    rh_ctx_free(ctx);
    return rc < 0 ? EXIT_FAILED : 0;
}

typedef struct log_opts {
    int json;
} log_opts;

static void json_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void format_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_log_row(const rh_attempt *at, void *ud)
{
    log_opts *lo = ud;
    char when[32];
    format_time(rh_attempt_started_ms(at), when);
    if (lo->json) {
        printf("{\"time\":\"%s\",\"delivery\":\"%s\",\"endpoint\":\"%s\","
               "\"event_type\":\"%s\",\"attempt\":%d,\"status\":%d,"
               "\"success\":%s,\"outcome\":\"%s\",\"duration_ms\":%" PRId64
               ",\"error\":",
               when, rh_attempt_delivery_id(at), rh_attempt_endpoint_id(at),
               rh_attempt_event_type(at), rh_attempt_number(at),
               rh_attempt_status(at), rh_attempt_success(at) ? "true" : "false",
               rh_outcome_name(rh_attempt_outcome(at)),
               rh_attempt_duration_ms(at));
        json_str(rh_attempt_error(at), strlen(rh_attempt_error(at)));
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

static int cmd_log(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    log_opts lo;
    int rc = parse_store_opts("log", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos)
        return bad("log", o.pos[0], "unexpected argument");
    if ((rc = rh_query_new(&q)) != RH_OK)
        return EXIT_FAILED;
    if (o.endpoint && rh_query_set_endpoint(q, o.endpoint) != RH_OK) {
        rh_query_free(q);
        return bad("log", "--endpoint", "not an endpoint id");
    }
    if (o.delivery && rh_query_set_delivery(q, o.delivery) != RH_OK) {
        rh_query_free(q);
        return bad("log", "--delivery", "not a delivery id");
    }
    rh_query_set_failed_only(q, o.failed);
    rh_query_set_limit(q, o.limit ? (size_t)o.limit : 1000000);
    if ((rc = open_store_ctx("log", &o, NULL, &ctx)) != 0) {
        rh_query_free(q);
        return rc;
    }
    lo.json = o.json;
    if (!o.json)
        printf("%-20s  %-30s  %-29s  %-20s  %3s  %3s  %-3s  %s\n", "time",
               "delivery", "endpoint", "event", "try", "http", "ok",
               "outcome");
    rc = rh_log_attempts(ctx, q, print_log_row, &lo);
    rh_query_free(q);
    if (rc < 0)
        return fail_ctx("log", ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

static int cmd_resend(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    int rc = parse_store_opts("resend", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos != 1)
        return bad("resend", "DELIVERY_ID", "missing");
    if ((rc = open_store_ctx("resend", &o, NULL, &ctx)) != 0)
        return rc;
    rc = rh_delivery_resend(ctx, o.pos[0]);
    if (rc < 0)
        return fail_ctx("resend", ctx, rc);
    printf("%s queued again\n", o.pos[0]);
    rh_ctx_free(ctx);
    return 0;
}

static int cmd_recover(int argc, char **argv)
{
    store_opts o;
    rh_ctx *ctx = NULL;
    int64_t since;
    int rc = parse_store_opts("recover", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos != 1)
        return bad("recover", "ENDPOINT_ID", "missing");
    if (!o.since)
        return bad("recover", "--since", "missing");
    if (parse_time_ms(o.since, &since) != 0)
        return bad("recover", "--since",
                   "expected Unix seconds, 2026-11-27T05:00:00Z or 24h");
    if ((rc = open_store_ctx("recover", &o, NULL, &ctx)) != 0)
        return rc;
    rc = rh_endpoint_recover(ctx, o.pos[0], since);
    if (rc < 0)
        return fail_ctx("recover", ctx, rc);
    printf("%d deliveries queued again\n", rc);
    rh_ctx_free(ctx);
    return 0;
}

static int cmd_prune(int argc, char **argv)
{
    enum { BATCH = 1000 };
    store_opts o;
    rh_ctx *ctx = NULL;
    int64_t age;
    long long total = 0;
    int rc = parse_store_opts("prune", argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.n_pos)
        return bad("prune", o.pos[0], "unexpected argument");
    if (!o.older_than)
        return bad("prune", "--older-than", "missing");
    if (parse_duration_ms(o.older_than, &age) != 0)
        return bad("prune", "--older-than",
                   "expected a duration like 30d, 12h or 90m");
    if ((rc = open_store_ctx("prune", &o, NULL, &ctx)) != 0)
        return rc;
    /* one short transaction a batch: workers sharing the store go on */
    do {
        rc = rh_prune(ctx, age, BATCH);
        if (rc > 0)
            total += rc;
    } while (rc == BATCH);
    if (rc < 0)
        return fail_ctx("prune", ctx, rc);
    printf("pruned %lld finished deliver%s\n", total, total == 1 ? "y" : "ies");
    rh_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("replicer-hooks %s\n", rh_version_string());
        return 0;
    }
    if (!strcmp(argv[1], "send"))
        return cmd_send(argc - 2, argv + 2);
    if (!strcmp(argv[1], "verify"))
        return cmd_verify(argc - 2, argv + 2);
    if (!strcmp(argv[1], "endpoint"))
        return cmd_endpoint(argc - 2, argv + 2);
    if (!strcmp(argv[1], "emit"))
        return cmd_emit(argc - 2, argv + 2);
    if (!strcmp(argv[1], "worker"))
        return cmd_worker(argc - 2, argv + 2);
    if (!strcmp(argv[1], "log"))
        return cmd_log(argc - 2, argv + 2);
    if (!strcmp(argv[1], "resend"))
        return cmd_resend(argc - 2, argv + 2);
    if (!strcmp(argv[1], "recover"))
        return cmd_recover(argc - 2, argv + 2);
    if (!strcmp(argv[1], "prune"))
        return cmd_prune(argc - 2, argv + 2);
    fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
    usage_main(stderr);
    return EXIT_USAGE;
}
