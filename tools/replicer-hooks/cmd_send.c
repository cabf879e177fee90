/* replicer-hooks send and verify: one event through the full retry path with
 * no store, and a signature checked as a receiver would check it. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct send_state {
    int done;
    int delivered;
} send_state;

static void on_attempt(const rh_attempt *at, void *ud)
{
    send_state *st = ud;
    printf("attempt %d: status %d, outcome %s, %" PRId64 " ms",
           rh_attempt_number(at), rh_attempt_status(at),
           rh_outcome_name(rh_attempt_outcome(at)), rh_attempt_duration_ms(at));
    if (rh_attempt_error(at)[0])
        printf(" (%s)", rh_attempt_error(at));
    if (rh_attempt_outcome(at) == RH_OUTCOME_BLOCKED)
        printf("\n  the address guard refused it: --allow CIDR admits a "
               "range, --dev allows every address");
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
    printf("failed for good after %d %s: delivery %s\n",
           rh_delivery_attempts(dl),
           cli_plural(rh_delivery_attempts(dl), "attempt", "attempts"),
           rh_delivery_id(dl));
    st->done = 1;
}

static int run_send(cli_args *a)
{
    const char *url = a->pos[0];
    if (!a->set[O_EVENT])
        return cli_bad(a, "--event", "missing");
    if (!a->set[O_DATA])
        return cli_bad(a, "--data", "missing");
    if (a->set[O_CA_FILE] && !a->set[O_DEV])
        return cli_bad(a, "--ca-file", "only with --dev");
    size_t max = a->set[O_MAX_DATA] ? (size_t)a->num[O_MAX_DATA]
                                    : RH_MAX_DATA_BYTES_DEFAULT;
    const char *body;
    size_t body_len;
    char *body_buf;
    if (cli_load_data(a, "--data", a->text[O_DATA], max, &body, &body_len,
                      &body_buf) != 0)
        return EXIT_USAGE;

    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    send_state st = {0, 0};
    int rc = cli_config(a, &cfg);
    if (rc) {
        free(body_buf);
        return rc;
    }
    rc = rh_config_set_attempt_cb(cfg, on_attempt, &st);
    if (rc == RH_OK)
        rc = rh_config_set_failed_cb(cfg, on_failed, &st);
    if (rc == RH_OK)
        rc = rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        fprintf(stderr, "%s send: %s\n", cli_prog, rh_strerror(rc));
        free(body_buf);
        return cli_exit_code(rc);
    }
    const char *events[] = {a->text[O_EVENT]};
    char ep[RH_ID_SIZE], made[RH_SECRET_SIZE], evt[RH_ID_SIZE];
    if (a->set[O_SECRET])
        rc = rh_endpoint_add_with_secret(ctx, url, events, 1, a->text[O_SECRET],
                                         ep, sizeof ep);
    else
        rc = rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, made,
                             sizeof made);
    if (rc != RH_OK) {
        free(body_buf);
        return cli_fail(a, ctx, rc);
    }
    if (!a->set[O_SECRET])
        printf("secret: %s\n", made);
    rc = rh_emit(ctx, a->text[O_EVENT], body, body_len, evt, sizeof evt);
    free(body_buf); /* emit keeps its own copy */
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("event %s: sending to %s\n", evt, url);
    fflush(stdout);
    while (!st.done) {
        rc = rh_tick(ctx);
        if (rc < 0) {
            fprintf(stderr, "%s send: %s\n", cli_prog, rh_ctx_last_error(ctx));
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

static const cli_opt send_opts[] = {
    {O_EVENT, "--event", K_TEXT, 0, 0, "TYPE", "event type, e.g. order.paid"},
    {O_DATA, "--data", K_TEXT, 0, 0, "JSON|@FILE",
     "the event's data: a JSON object, sent byte for byte"},
    CLI_OPT_MAX_DATA,
    {O_SECRET, "--secret", K_TEXT, 0, 0, "S",
     "whsec_... signing secret (default: a new one, printed)"},
    CLI_OPT_DEV,
    CLI_OPT_SCHEDULE,
    CLI_OPT_TIMEOUT,
    {O_CA_FILE, "--ca-file", K_TEXT, 0, 0, "PATH",
     "CA bundle for an https receiver (with --dev)"},
    CLI_OPT_ALLOW,
    CLI_OPT_END};

const cli_command cli_cmd_send = {
    "send",
    "URL --event TYPE --data JSON",
    "deliver one signed webhook, with retries",
    "Delivers one event to URL through the full retry path, printing each\n"
    "attempt. Exits 0 when delivered, 1 when it failed for good, 2 on bad\n"
    "input. Needs no store.",
    {"URL"},
    1,
    1,
    send_opts,
    run_send};

static int run_verify(cli_args *a)
{
    static const char *const need[] = {"--secret", "--id", "--timestamp",
                                       "--signature"};
    static const cli_opt_id ids[] = {O_SECRET, O_ID, O_TIMESTAMP, O_SIGNATURE};
    for (int i = 0; i < 4; i++)
        if (!a->set[ids[i]])
            return cli_bad(a, need[i], "missing");
    int64_t now = a->set[O_NOW] ? a->num[O_NOW] : (int64_t)time(NULL);
    int64_t tolerance =
        a->set[O_TOLERANCE] ? a->num[O_TOLERANCE] : RH_VERIFY_TOLERANCE_S;
    FILE *f = stdin;
    if (a->set[O_BODY_FILE] && !(f = fopen(a->text[O_BODY_FILE], "rb")))
        return cli_bad(a, "--body-file", strerror(errno));
    size_t len = 0;
    char *body = cli_read_all(f, &len);
    if (f != stdin)
        fclose(f);
    if (!body)
        return cli_bad(a, "body", "cannot be read");
    int rc = rh_verify(a->text[O_SECRET], a->text[O_ID], a->text[O_TIMESTAMP],
                       a->text[O_SIGNATURE], body, len, now, tolerance);
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
               a->text[O_TIMESTAMP], tolerance, now);
        return 1;
    default:
        printf("malformed input: the secret must be whsec_<base64>, the "
               "timestamp decimal seconds, the signature \"v1,<base64>\" and "
               "the id without '.'\n");
        return EXIT_USAGE;
    }
}

static const cli_opt verify_opts[] = {
    {O_SECRET, "--secret", K_TEXT, 0, 0, "S", "the endpoint's whsec_ secret"},
    {O_ID, "--id", K_TEXT, 0, 0, "ID", "the webhook-id header"},
    {O_TIMESTAMP, "--timestamp", K_TEXT, 0, 0, "TS",
     "the webhook-timestamp header"},
    {O_SIGNATURE, "--signature", K_TEXT, 0, 0, "SIG",
     "the webhook-signature header (v1,... entries separated by spaces)"},
    {O_BODY_FILE, "--body-file", K_TEXT, 0, 0, "F",
     "the body (default: standard input)"},
    {O_NOW, "--now", K_INT, 0, 1e15, "SECONDS", "the time to check against"},
    {O_TOLERANCE, "--tolerance", K_INT, 0, 1e9, "SECONDS",
     "how far the timestamp may be from now (default 300)"},
    CLI_OPT_END};

const cli_command cli_cmd_verify = {
    "verify",
    "--secret S --id ID --timestamp TS --signature SIG",
    "check a webhook signature as a receiver would",
    "Checks a Standard Webhooks v1 signature over the body. Exits 0 when\n"
    "valid, 1 when it is not (no signature matches, or the timestamp is\n"
    "outside the tolerance), 2 on malformed input.",
    {NULL},
    0,
    0,
    verify_opts,
    run_verify};
