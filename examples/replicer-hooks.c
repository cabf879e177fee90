/* replicer-hooks: the command-line tool. `send` delivers one event through the
 * full retry path; `verify` checks a signature as a receiver would. */
#include <replicer-hooks/rh.h>

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
    fprintf(f,
            "usage: %s <command> [options]\n"
            "\n"
            "commands:\n"
            "  send URL --event TYPE --data JSON   deliver one signed webhook\n"
            "  verify --secret S --id ID ...       check a webhook signature\n"
            "\n"
            "  %s <command> --help   options of a command\n"
            "  %s --version          the library version\n",
            prog, prog, prog);
}

static void usage_send(FILE *f)
{
    fprintf(f,
            "usage: %s send URL --event TYPE --data JSON [options]\n"
            "\n"
            "Delivers one event to URL through the full retry path, printing\n"
            "each attempt. Exits 0 when delivered, 1 when it failed for good,\n"
            "2 on bad input.\n"
            "\n"
            "  --event TYPE        event type, e.g. order.paid\n"
            "  --data JSON         the event's data: a JSON object\n"
            "  --secret S          whsec_... signing secret (default: a new one,\n"
            "                      printed)\n"
            "  --dev               development mode: http:// and private\n"
            "                      addresses allowed\n"
            "  --schedule LIST     retry delays in seconds, comma-separated\n"
            "                      (default 5,30,120,600,1800; \"\" for none)\n"
            "  --timeout-ms N      per-attempt timeout (default 10000)\n"
            "  --ca-file PATH      CA bundle for https receivers (with --dev)\n",
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
               *ca = NULL;
    int dev = 0, have_schedule = 0;
    int64_t schedule[32], timeout_ms = 10000;
    size_t n_schedule = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_send(stdout);
            return 0;
        } else if (!strcmp(a, "--dev")) {
            dev = 1;
        } else if (!strcmp(a, "--event") || !strcmp(a, "--data") ||
                   !strcmp(a, "--secret") || !strcmp(a, "--schedule") ||
                   !strcmp(a, "--timeout-ms") || !strcmp(a, "--ca-file")) {
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
            else if (!strcmp(a, "--schedule")) {
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
    if (rc == RH_OK && ca)
        rc = rh_config_set_ca_file(cfg, ca);
    if (rc == RH_OK)
        rc = rh_config_set_attempt_cb(cfg, on_attempt, &st);
    if (rc == RH_OK)
        rc = rh_config_set_failed_cb(cfg, on_failed, &st);
    if (rc == RH_OK)
        rc = rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        fprintf(stderr, "%s send: %s\n", prog, rh_strerror(rc));
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
        return r;
    }
    if (!secret)
        printf("secret: %s\n", made);
    rc = rh_emit(ctx, event, data, strlen(data), evt, sizeof evt);
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
    fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
    usage_main(stderr);
    return EXIT_USAGE;
}
