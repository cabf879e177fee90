/* replicer-hooks listen: a local receiver, as `stripe listen` gives its users:
 * prints each delivery, checks its signature, answers with a chosen status. */
#include "cli.h"
#include "cli_http.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LISTEN_BODY_MAX (4 * 1024 * 1024)

typedef struct listener {
    const char *secret;
    const char *save_dir; /* --save: exact bytes of each request */
    long long save_base;  /* requests already saved there by earlier runs */
    unsigned status;
    long long count; /* 0: forever */
    pthread_mutex_t mu;
    long long served;
} listener;

typedef cli_http_upload upload;

static void print_header(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    if (v) {
        printf("  %s: ", name);
        cli_print_escaped(v, strlen(v), 0);
        putchar('\n');
    }
}

/* The body as indented JSON, or as text when it is not JSON. */
static void print_body(const char *body, size_t len)
{
    json_error_t err;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    char *pretty =
        doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (pretty) {
        cli_print_escaped(pretty, strlen(pretty), 1);
        putchar('\n');
    } else {
        printf("(not JSON: ");
        cli_print_escaped(err.text, strlen(err.text), 0);
        printf(")\n");
        cli_print_escaped(body, len > 4096 ? 4096 : len, 1);
        putchar('\n');
    }
    free(pretty);
    json_decref(doc);
}

static cli_mhd_result save_header(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    (void)kind;
    fprintf(cls, "%s: %s\r\n", key, value);
    return MHD_YES;
}

/* A new file, never an old one or what a link points to (the folder may
 * be shared, /tmp say): a file of that name already there is an error. */
static FILE *create_new(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    return f;
}

/* --save DIR: the request's exact body in DIR/request-N.body (what verify
 * --body-file checks) and its method, path and headers beside it. */
static void save_request(const listener *l, long long n,
                         struct MHD_Connection *c, const char *method,
                         const char *url, const upload *up)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/request-%lld.headers", l->save_dir, n);
    FILE *h = create_new(path);
    if (h) {
        fprintf(h, "%s %s\r\n", method, url);
        MHD_get_connection_values(c, MHD_HEADER_KIND,
                                  save_header, h);
        fclose(h);
    }
    snprintf(path, sizeof path, "%s/request-%lld.body", l->save_dir, n);
    FILE *b = create_new(path);
    int ok = h && b && fwrite(up->p ? up->p : "", 1, up->len, b) == up->len;
    if (b && fclose(b) != 0)
        ok = 0;
    if (ok)
        printf("  saved: %s (and .headers)\n", path);
    else
        printf("  not saved: %s: %s\n", path, strerror(errno));
}

static const char *signature_verdict(const listener *l,
                                     struct MHD_Connection *c, const char *body,
                                     size_t len)
{
    if (!l->secret)
        return "not checked (no --secret)";
    const char *id =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-id");
    const char *ts =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-timestamp");
    const char *sig =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-signature");
    if (!id || !ts || !sig)
        return "invalid: a webhook-id, -timestamp or -signature header is "
               "missing";
    switch (rh_verify(l->secret, id, ts, sig, body, len, (int64_t)time(NULL),
                      RH_VERIFY_TOLERANCE_S)) {
    case RH_OK:
        return "valid";
    case RH_E_SIGNATURE:
        return "invalid: no signature matches the secret";
    case RH_E_TIMESTAMP:
        return "invalid: the timestamp is more than 5 minutes from now";
    default:
        return "invalid: malformed headers";
    }
}

static cli_mhd_result on_request(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **state)
{
    listener *l = cls;
    upload *up = NULL;
    (void)version;
    int step = cli_http_upload_step(state, data, data_size, LISTEN_BODY_MAX,
                                    &up);
    if (step <= 0)
        return step < 0 ? MHD_NO : MHD_YES;
    pthread_mutex_lock(&l->mu);
    int over = l->count && l->served >= l->count;
    if (!over) {
        l->served++;
        cli_print_escaped(method, strlen(method), 0);
        putchar(' ');
        cli_print_escaped(url, strlen(url), 0);
        putchar('\n');
        print_header(c, "webhook-id");
        print_header(c, "webhook-timestamp");
        print_header(c, "webhook-signature");
        print_header(c, "content-type");
        print_header(c, "user-agent");
        print_header(c, "x-replicer-test"); /* a catalog example */
        if (up->too_large)
            printf("  body: over %d bytes, not read\n", LISTEN_BODY_MAX);
        else
            printf("  signature: %s\n",
                   signature_verdict(l, c, up->p ? up->p : "", up->len));
        if (!up->too_large && up->len)
            print_body(up->p, up->len);
        if (!up->too_large && l->save_dir)
            save_request(l, l->save_base + l->served, c, method, url, up);
        printf("-> %u\n\n", l->status);
        fflush(stdout);
    }
    pthread_mutex_unlock(&l->mu);
    unsigned status = over ? 503 : up->too_large ? 413 : l->status;
    char reply[64];
    int n = snprintf(reply, sizeof reply, "%u\n", status);
    return cli_http_reply(c, status, "text/plain", reply, (size_t)n);
}


static int run_listen(cli_args *a)
{
    listener l;
    cli_http_addr addr;
    char text[32], err[200];
    memset(&l, 0, sizeof l);
    l.secret = a->set[O_SECRET] ? a->text[O_SECRET] : NULL;
    l.status = a->set[O_STATUS] ? (unsigned)a->num[O_STATUS] : 200;
    l.count = a->set[O_COUNT] ? a->num[O_COUNT] : 0;
    l.save_dir = a->set[O_SAVE] ? a->text[O_SAVE] : NULL;
    struct stat st;
    if (l.save_dir && (stat(l.save_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return cli_bad(a, "--save", "expected an existing directory");
    /* a later run goes on after what an earlier one saved there */
    for (char probe_path[4096]; l.save_dir; l.save_base++) {
        snprintf(probe_path, sizeof probe_path, "%s/request-%lld.body",
                 l.save_dir, l.save_base + 1);
        if (lstat(probe_path, &st) != 0)
            break;
    }
    char probe[RH_SIGNATURE_SIZE];
    if (l.secret &&
        rh_sign(l.secret, "msg_probe", 1, "", 0, probe, sizeof probe) != RH_OK)
        return cli_bad(a, "--secret",
                       "expected \"whsec_\" and the base64 of 24 to 64 bytes");
    snprintf(text, sizeof text, "127.0.0.1:%lld",
             a->set[O_PORT] ? (long long)a->num[O_PORT] : 0LL);
    if (cli_http_parse_addr(text, &addr) != 0)
        return cli_bad(a, "--port", "expected 0 to 65535");
    pthread_mutex_init(&l.mu, NULL);
    cli_http_server *d =
        cli_http_start(&addr, on_request, cli_http_upload_done, &l, err,
                       sizeof err);
    if (!d) {
        pthread_mutex_destroy(&l.mu);
        return cli_bad(a, "--port", err);
    }
    cli_catch_stop();
    char base[120];
    cli_http_base_url(&addr, d, base, sizeof base);
    printf("listening on %s/ (an endpoint for it: '%s endpoint add %s/ "
           "--events \"*\" --dev')\n\n",
           base, cli_prog, base);
    fflush(stdout);
    for (;;) {
        struct timespec tick = {0, 20 * 1000 * 1000};
        pthread_mutex_lock(&l.mu);
        int done = l.count && l.served >= l.count;
        pthread_mutex_unlock(&l.mu);
        if (done || cli_stop)
            break;
        nanosleep(&tick, NULL);
    }
    cli_http_stop(d); /* lets the answer in progress finish */
    pthread_mutex_destroy(&l.mu);
    return 0;
}

static const cli_opt listen_opts[] = {
    {O_PORT, "--port", K_INT, 0, 65535, "P",
     "the port on 127.0.0.1 (default 0: one is picked and printed)"},
    {O_SECRET, "--secret", K_TEXT, 0, 0, "S",
     "the endpoint's whsec_ secret: say whether each signature is valid"},
    {O_STATUS, "--status", K_INT, 100, 599, "CODE",
     "the status to answer with (default 200; 500 to watch retries)"},
    {O_COUNT, "--count", K_INT, 1, 1e12, "N", "exit after N requests"},
    {O_SAVE, "--save", K_TEXT, 0, 0, "DIR",
     "write each request's exact body and headers to DIR/request-N.body and "
     ".headers (what is printed is escaped and the JSON re-indented; the "
     "saved body is what verify --body-file checks)"},
    CLI_OPT_END};

const cli_command cli_cmd_listen = {
    "listen",
    "[--port P]",
    "a local receiver that prints each webhook",
    "Receives webhooks on 127.0.0.1 and prints each one: method, path, the\n"
    "webhook headers, whether the signature is valid (with --secret) and\n"
    "the JSON, indented. Answers with --status. Point a --dev endpoint at it.\n"
    "Control bytes the sender put in the path, headers or body are printed\n"
    "as \\xNN, never sent to the terminal; --save keeps the exact bytes.",
    {NULL},
    0,
    0,
    listen_opts,
    run_listen};
