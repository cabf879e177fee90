/* replicer-hooks: a command's options looked up, how the tool reports bad
 * input and library failures (by the command's own flag names), and the
 * value parsers the commands share. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cli_prog = "replicer-hooks";

const cli_opt *cli_find_opt(const cli_command *c, const char *name)
{
    for (const cli_opt *o = c->opts; o && o->name; o++)
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

int cli_has(const cli_command *c, const char *name)
{
    if (name[0] == '-')
        return cli_find_opt(c, name) != NULL;
    for (int i = 0; i < 4 && c->pos_names[i]; i++)
        if (!strcmp(c->pos_names[i], name))
            return 1;
    return 0;
}

int cli_bad(const cli_args *a, const char *what, const char *why)
{
    const char *cmd = a && a->cmd ? a->cmd->name : "";
    fprintf(stderr, "%s %s: %s: %s\n", cli_prog, cmd, what, why);
    fprintf(stderr, "try '%s %s --help'\n", cli_prog, cmd);
    return EXIT_USAGE;
}

int cli_exit_code(int rc)
{
    return rc == RH_E_INVALID_ARG || rc == RH_E_NOT_FOUND ||
                   rc == RH_E_TOO_LARGE
               ? EXIT_USAGE
               : EXIT_FAILED;
}

/* The command's own name for the argument the library refused: the first
 * candidate the command has (a flag or a positional), or NULL. */
static const char *arg_label(const cli_command *c, int arg)
{
    static const char *const names[RH_ARG_COUNT][4] = {
        [RH_ARG_URL] = {"URL"},
        [RH_ARG_EVENTS] = {"--events", "--event"},
        [RH_ARG_SECRET] = {"--secret"},
        [RH_ARG_EVENT_TYPE] = {"--event", "TYPE", "NAME", "--event-type"},
        [RH_ARG_DATA] = {"--data", "JSON"},
        [RH_ARG_ENDPOINT_ID] = {"ID", "ENDPOINT_ID", "--endpoint"},
        [RH_ARG_DELIVERY_ID] = {"DELIVERY_ID", "--delivery"},
        [RH_ARG_HEADER_NAME] = {"NAME"},
        [RH_ARG_HEADER_VALUE] = {"VALUE"},
        [RH_ARG_CLIENT_CERT] = {"--client-cert"},
        [RH_ARG_CLIENT_KEY] = {"--client-key"},
        [RH_ARG_TENANT] = {"--tenant", "ID"},
        [RH_ARG_NAME] = {"--name"},
        [RH_ARG_DESCRIPTION] = {"--description"},
        [RH_ARG_LABEL] = {"--label"},
        [RH_ARG_GROUP] = {"--group"},
        [RH_ARG_EXAMPLE] = {"--example"},
        [RH_ARG_SCHEMA] = {"--json-schema"},
        [RH_ARG_CATALOG] = {"FILE"},
    };
    if (arg <= RH_ARG_NONE || arg >= RH_ARG_COUNT)
        return NULL;
    for (int i = 0; i < 4 && names[arg][i]; i++)
        if (cli_has(c, names[arg][i]))
            return names[arg][i];
    return NULL;
}

int cli_fail_at(const cli_args *a, rh_ctx *ctx, int rc, const char *flag)
{
    const char *cmd = a->cmd->name, *msg = rh_ctx_last_error(ctx);
    const char *what =
        flag ? flag : arg_label(a->cmd, rh_ctx_last_error_arg(ctx));
    char hint[200] = "";
    if (!msg[0])
        msg = rh_strerror(rc);
    switch (rh_ctx_last_error_refusal(ctx)) {
    case RH_REFUSAL_INSECURE_SCHEME:
        snprintf(hint, sizeof hint,
                 "\n(use https, or --dev for a development endpoint)");
        break;
    case RH_REFUSAL_PRIVATE_ADDRESS:
        snprintf(hint, sizeof hint,
                 "\n(use --allow CIDR to admit the range in production, or "
                 "--dev for a development endpoint)");
        break;
    default:
        break;
    }
    if (what)
        fprintf(stderr, "%s %s: %s: %s%s\n", cli_prog, cmd, what, msg, hint);
    else
        fprintf(stderr, "%s %s: %s%s\n", cli_prog, cmd, msg, hint);
    rh_ctx_free(ctx);
    return cli_exit_code(rc);
}

int cli_fail(const cli_args *a, rh_ctx *ctx, int rc)
{
    return cli_fail_at(a, ctx, rc, NULL);
}

int cli_parse_i64(const char *s, int64_t *out)
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

int cli_parse_schedule(const char *s, int64_t *out, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double v;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || !(v >= 0) || v > 30.0 * 86400 ||
            *n >= CLI_SCHEDULE_MAX)
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

/* The argument itself, or "@PATH" for a file's contents, read no further
 * than max bytes plus one (data over the limit is refused without being
 * held). *buf is NULL for an inline argument, else to be freed, with room
 * for a terminating NUL. 0, or EXIT_USAGE after saying why. */
int cli_load_data(const cli_args *a, const char *what, const char *arg,
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
            return cli_bad(a, what, why);
        }
        *buf = malloc(max + 2);
        *len = *buf ? fread(*buf, 1, max + 1, f) : 0;
        int failed = !*buf || ferror(f);
        fclose(f);
        if (failed) {
            free(*buf);
            *buf = NULL;
            return cli_bad(a, what, "cannot read the file");
        }
        (*buf)[*len] = '\0';
        *data = *buf;
    }
    if (*len > max) {
        char why[200];
        snprintf(why, sizeof why,
                 "data is over the limit of %zu bytes (--max-data-bytes)", max);
        free(*buf);
        *buf = NULL;
        return cli_bad(a, what, why);
    }
    return 0;
}

char *cli_read_all(FILE *f, size_t *len)
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

void cli_format_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cli_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

const char *cli_plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *cli_endpoint_state(const rh_endpoint *ep, char *buf, size_t size)
{
    if (rh_endpoint_enabled(ep))
        return rh_endpoint_paused(ep) ? "paused" : "enabled";
    snprintf(buf, size, "disabled (%s)",
             rh_disabled_reason_name(rh_endpoint_disabled_reason(ep)));
    return buf;
}

void cli_health_now(rh_ctx *ctx, const rh_endpoint *ep, int64_t h[3])
{
    /* from the log now; inside a walk of the context (a list's callback)
     * it refuses, and the health the workers stored is what there is */
    if (rh_endpoint_health(ctx, rh_endpoint_id(ep), &h[0], &h[1], &h[2]) !=
        RH_OK) {
        h[0] = rh_endpoint_last_success_ms(ep);
        h[1] = rh_endpoint_failing_since_ms(ep);
        h[2] = rh_endpoint_failed_in_a_row(ep);
    }
}

void cli_endpoint_health(rh_ctx *ctx, const rh_endpoint *ep, char *buf,
                         size_t size)
{
    char t[32];
    int64_t h[3];
    cli_health_now(ctx, ep, h);
    int64_t n = h[2];
    /* two counts that differ: attempts fail from the first failure on, a
     * delivery fails for good only after its last retry (and a resend
     * starts it over), so each is named for what it counts */
    if (h[1]) {
        cli_format_time(h[1], t);
        if (n)
            snprintf(buf, size,
                     "attempts failing since %s; %lld %s failed for good "
                     "since the last success",
                     t, (long long)n, n == 1 ? "delivery" : "deliveries");
        else
            snprintf(buf, size,
                     "attempts failing since %s; retrying, none failed for "
                     "good yet",
                     t);
    } else if (h[0]) {
        cli_format_time(h[0], t);
        snprintf(buf, size, "ok %s", t);
    } else {
        snprintf(buf, size, "no attempt yet");
    }
}

size_t cli_split_events(char *events, const char *list[257])
{
    char *save = NULL;
    size_t n = 0;
    for (char *t = strtok_r(events, ", ", &save); t && n < 257;
         t = strtok_r(NULL, ", ", &save))
        list[n++] = t;
    return n;
}

int cli_endpoint_add(rh_ctx *ctx, const char *url, const char *events,
                     const rh_endpoint_options *opts, char id[RH_ID_SIZE],
                     char secret[RH_SECRET_SIZE])
{
    const char *list[257];
    char *copy = strdup(events ? events : "");
    if (!copy)
        return RH_E_NOMEM;
    size_t n = cli_split_events(copy, list);
    int rc = rh_endpoint_add_with(ctx, url ? url : "", list, n, opts, id,
                                  RH_ID_SIZE, secret, RH_SECRET_SIZE);
    free(copy);
    return rc;
}

volatile sig_atomic_t cli_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    cli_stop = 1;
}

void cli_catch_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* Sender-controlled bytes as text a terminal shows and does not obey:
 * control bytes and DEL as \xNN (an escape sequence could set the title,
 * clear the screen or worse), backslash doubled; newlines kept only where
 * keep_newlines says (the indented JSON). --save keeps the exact bytes. */
void cli_print_escaped(const char *p, size_t len, int keep_newlines)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        /* U+0080 to U+009F in UTF-8 (C2 80 to C2 9F): C1 controls, CSI and
         * OSC among them, which some terminals obey as ESC [ and ESC ] */
        int c1 = ch == 0xc2 && i + 1 < len &&
                 (unsigned char)p[i + 1] >= 0x80 &&
                 (unsigned char)p[i + 1] <= 0x9f;
        if (ch == '\\')
            fputs("\\\\", stdout);
        else if (c1)
            printf("\\x%02x\\x%02x", ch, (unsigned char)p[++i]);
        else if ((ch < 0x20 && !(keep_newlines && ch == '\n')) || ch == 0x7f)
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
}
