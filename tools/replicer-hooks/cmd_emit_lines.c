/* replicer-hooks emit --stdin: many events from standard input, one JSON
 * object a line ({"type": ..., "data": {...}, and any of
 * "idempotency_key", "ordering_key", "hold_on_failure", "endpoint",
 * "tenant", "traceparent", "tracestate"}), emitted in batches that share
 * one commit (rh_emit_batch_begin/commit), each event's id printed once
 * its batch is durable: a shell script or a log shipper emits thousands a
 * second. The data goes byte for byte as the line has it. */
#include "cli.h"

#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES (RH_MAX_DATA_BYTES_DEFAULT + 64 * 1024)

typedef struct batch {
    char (*ids)[RH_ID_SIZE]; /* printed at the commit */
    size_t n, cap, size;     /* size: lines a batch takes at most */
    int open, failed;
} batch;

/* The end of the string that starts at s[i] (its opening quote): the
 * index just past its closing quote, or n. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++; /* the escaped character, a quote too */
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* The end of the object that starts at s[i] ('{'): just past its '}'. */
static size_t object_end(const char *s, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        if (s[i] == '"') {
            i = string_end(s, n, i);
            continue;
        }
        depth += s[i] == '{' || s[i] == '[';
        depth -= s[i] == '}' || s[i] == ']';
        i++;
        if (depth == 0)
            return i;
    }
    return n;
}

/* Where the object of top-level "data" lies in the line's text, so that
 * it is sent as written, never as jansson would print it again (0.1 is
 * not 0.10000000000000001). The line is known to be one JSON object. 0,
 * or -1 when "data" is no object. */
static int data_span(const char *s, size_t n, size_t *at, size_t *len)
{
    int depth = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') {
            size_t end = string_end(s, n, i), j = end;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (depth == 1 && end - i == 6 && !strncmp(s + i, "\"data\"", 6) &&
                j < n && s[j] == ':') {
                for (j++; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
                    ;
                if (j >= n || s[j] != '{')
                    return -1;
                *at = j;
                *len = object_end(s, n, j) - j;
                return 0;
            }
            i = end;
            continue;
        }
        depth += s[i] == '{' || s[i] == '[';
        depth -= s[i] == '}' || s[i] == ']';
        i++;
    }
    return -1;
}

/* Standard input a line at a time, on its descriptor: stdio's buffer
 * would hide whether a next line is there already, and a batch is
 * committed as soon as none is (a pipe that goes quiet is not left
 * waiting). */
typedef struct reader {
    char *buf;
    size_t start, len, cap;
    int eof;
} reader;

static int has_line(const reader *r)
{
    return r->len > r->start && /* and a buffer: memchr takes no NULL */
           memchr(r->buf + r->start, '\n', r->len - r->start) != NULL;
}

/* The next line (its '\n' dropped) in *line, *n; 0, or -1 at the end. */
static int next_line(reader *r, char **line, size_t *n)
{
    while (!has_line(r) && !r->eof) {
        if (r->start) { /* room at the front */
            memmove(r->buf, r->buf + r->start, r->len - r->start);
            r->len -= r->start, r->start = 0;
        }
        if (r->len == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 65536;
            char *b = cap <= 2 * LINE_MAX_BYTES ? realloc(r->buf, cap) : NULL;
            if (!b)
                return -1; /* a line longer than any event */
            r->buf = b, r->cap = cap;
        }
        ssize_t got = read(0, r->buf + r->len, r->cap - r->len);
        if (got <= 0)
            r->eof = 1;
        else
            r->len += (size_t)got;
    }
    if (r->start == r->len)
        return -1;
    char *s = r->buf + r->start, *nl = memchr(s, '\n', r->len - r->start);
    size_t k = nl ? (size_t)(nl - s) : r->len - r->start;
    r->start += k + (nl != NULL);
    if (k && s[k - 1] == '\r')
        k--;
    *line = s, *n = k;
    return 0;
}

static int more_now(const reader *r)
{
    struct pollfd p = {0, POLLIN, 0};
    return has_line(r) || (!r->eof && poll(&p, 1, 0) > 0);
}

/* The line's options into opts; NULL, or what is wrong. */
static const char *line_options(json_t *o, rh_emit_options *opts)
{
    static const char *const known[] = {"type",
                                        "data",
                                        "idempotency_key",
                                        "ordering_key",
                                        "hold_on_failure",
                                        "endpoint",
                                        "tenant",
                                        "traceparent",
                                        "tracestate"};
    const char *k, *text[9] = {NULL};
    json_t *v;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (i < 9 && strcmp(k, known[i]))
            i++;
        if (i == 9)
            return "an unknown key";
        if (i == 4 ? !json_is_boolean(v) : i != 1 && !json_is_string(v))
            return i == 4 ? "hold_on_failure is not true or false"
                          : "a key's value is not a string";
        if (i != 1 && i != 4)
            text[i] = json_string_value(v);
    }
    int hold = json_is_true(json_object_get(o, "hold_on_failure"));
    if ((text[2] && rh_emit_options_set_idempotency_key(opts, text[2])) ||
        (text[3] &&
         rh_emit_options_set_ordering_key(
             opts, text[3], hold ? RH_ORDERING_HOLD : RH_ORDERING_CONTINUE)) ||
        (text[5] && rh_emit_options_set_endpoint(opts, text[5])) ||
        (text[6] && rh_emit_options_set_tenant(opts, text[6])) ||
        ((text[7] || text[8]) &&
         rh_emit_options_set_trace_context(opts, text[7], text[8])))
        return "an option is not valid (a key, an endpoint id, a tenant or "
               "a trace context)";
    return hold && !text[3] ? "hold_on_failure needs ordering_key" : NULL;
}

/* The open batch committed: its ids printed, durable now; or, when the
 * commit fails, none of its events is stored and each line says so. */
static void commit(rh_ctx *ctx, batch *b)
{
    if (!b->open)
        return;
    int rc = rh_emit_batch_commit(ctx);
    for (size_t i = 0; i < b->n; i++)
        if (rc == RH_OK)
            printf("%s\n", b->ids[i]);
    if (rc != RH_OK) {
        fprintf(stderr, "%s emit: a batch of %zu not stored: %s\n", cli_prog,
                b->n, rh_ctx_last_error(ctx));
        b->failed += (int)b->n;
    }
    fflush(stdout);
    b->open = 0, b->n = 0;
}

/* One line emitted: in the open batch, or alone when it has an
 * idempotency key (a batch cannot take one). 0, or -1 after saying why. */
static int emit_line(rh_ctx *ctx, batch *b, long no, const char *s, size_t n)
{
    json_error_t err;
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
    rh_emit_options *opts = NULL;
    const char *type = o ? json_string_value(json_object_get(o, "type")) : NULL,
               *why = !o || !json_is_object(o) ? "not a JSON object"
                      : !type                  ? "no \"type\" string"
                                               : NULL;
    size_t at = 0, len = 0;
    if (!why && data_span(s, n, &at, &len) != 0)
        why = "no \"data\" object";
    if (!why && rh_emit_options_new(&opts) != RH_OK)
        why = "out of memory";
    if (!why)
        why = line_options(o, opts);
    int keyed = !why && json_object_get(o, "idempotency_key");
    if (!why && keyed)
        commit(ctx, b); /* ids stay in line order */
    if (!why && !keyed && !b->open && rh_emit_batch_begin(ctx) == RH_OK)
        b->open = 1;
    char id[RH_ID_SIZE];
    int rc =
        why ? 0 : rh_emit_with(ctx, type, s + at, len, opts, id, sizeof id);
    if (!why && rc < 0)
        why = rh_ctx_last_error(ctx);
    if (why)
        fprintf(stderr, "%s emit: line %ld: %s\n", cli_prog, no, why);
    else if (keyed)
        printf("%s\n", id);
    else
        memcpy(b->ids[b->n++], id, sizeof id);
    rh_emit_options_free(opts);
    json_decref(o);
    return why ? -1 : 0;
}

static int emit_lines(rh_ctx *ctx, size_t batch_size)
{
    reader r = {NULL, 0, 0, 0, 0};
    batch b = {calloc(batch_size, RH_ID_SIZE), 0, 0, batch_size, 0, 0};
    char *line;
    size_t n;
    long no = 0;
    int bad = 0;
    if (!b.ids)
        return EXIT_FAILED;
    while (next_line(&r, &line, &n) == 0) {
        no++;
        if (n == 0)
            continue;
        bad += emit_line(ctx, &b, no, line, n) != 0;
        if (b.n == b.size || (b.open && !more_now(&r)))
            commit(ctx, &b);
    }
    commit(ctx, &b);
    if (r.len > r.start) /* a line too long to be an event */
        fprintf(stderr, "%s emit: line %ld: longer than any event\n", cli_prog,
                no + 1),
            bad++;
    free(r.buf);
    free(b.ids);
    return bad || b.failed ? EXIT_FAILED : 0;
}

/* emit --stdin: the events are the lines, their options with them. */
int cli_emit_stdin(cli_args *a)
{
    static const int per_event[] = {
        O_IDEMPOTENCY_KEY, O_ENDPOINT,    O_ORDERING_KEY, O_HOLD_ON_FAILURE,
        O_TENANT,          O_TRACEPARENT, O_TRACESTATE};
    rh_ctx *ctx = NULL;
    if (a->n_pos)
        return cli_bad(a, "--stdin",
                       "takes no TYPE or JSON: each line has "
                       "its own");
    for (size_t i = 0; i < sizeof per_event / sizeof *per_event; i++)
        if (a->set[per_event[i]])
            return cli_bad(a, "--stdin",
                           "each line carries its own options (keys "
                           "idempotency_key, endpoint, ordering_key, "
                           "hold_on_failure, tenant, traceparent, tracestate)");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = emit_lines(ctx, a->set[O_BATCH] ? (size_t)a->num[O_BATCH] : 1000);
    rh_ctx_free(ctx);
    return rc;
}
