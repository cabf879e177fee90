/* replicer-hooks log --show DELIVERY_ID: each attempt of one delivery,
 * with the request it sent (rh_attempt_request: the headers, secrets
 * redacted, and the body byte for byte) and the start of its answer,
 * escaped as the tool escapes a receiver's bytes (cli_print_escaped). */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct shown_attempt {
    int number, status;
    int64_t started_ms, duration_ms;
    char outcome[24];
    char *error, *response; /* copies: the record is lent to the walk */
    size_t response_len;
} shown_attempt;

typedef struct shown {
    shown_attempt *a;
    size_t n, cap;
} shown;

/* The attempts first: the context takes no call inside the log's walk. */
static int keep_attempt(const rh_attempt *at, void *ud)
{
    shown *s = ud;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        shown_attempt *a = realloc(s->a, cap * sizeof *a);
        if (!a)
            return RH_E_NOMEM;
        s->a = a;
        s->cap = cap;
    }
    shown_attempt *k = &s->a[s->n];
    size_t rlen = rh_attempt_response_len(at);
    k->error = strdup(rh_attempt_error(at));
    k->response = malloc(rlen + 1);
    if (!k->error || !k->response) {
        free(k->error);
        free(k->response);
        return RH_E_NOMEM;
    }
    memcpy(k->response, rh_attempt_response(at), rlen);
    k->response_len = rlen;
    k->number = rh_attempt_number(at);
    k->status = rh_attempt_status(at);
    k->started_ms = rh_attempt_started_ms(at);
    k->duration_ms = rh_attempt_duration_ms(at);
    snprintf(k->outcome, sizeof k->outcome, "%s",
             rh_outcome_name(rh_attempt_outcome(at)));
    s->n++;
    return RH_OK;
}

static int print_request(const char *headers, size_t headers_len,
                         const char *body, size_t body_len, void *ud)
{
    (void)ud;
    printf("request:\n");
    fwrite(headers, 1, headers_len, stdout); /* CRLF lines, as sent */
    printf("\r\n");
    fwrite(body, 1, body_len, stdout); /* byte for byte */
    printf("\n");
    return RH_OK;
}

static int show_one(rh_ctx *ctx, const char *delivery_id,
                    const shown_attempt *k, int first)
{
    char when[32];
    cli_format_time(k->started_ms, when);
    printf("%sattempt %d at %s: %d %s, %" PRId64 " ms%s%s\n", first ? "" : "\n",
           k->number, when, k->status, k->outcome, k->duration_ms,
           k->error[0] ? ": " : "", k->error);
    int rc =
        rh_attempt_request(ctx, delivery_id, k->number, print_request, NULL);
    if (rc < 0)
        return rc;
    printf("response (its first %zu bytes):\n", k->response_len);
    /* the receiver's bytes: never to drive the terminal */
    cli_print_escaped(k->response, k->response_len, 1);
    printf("\n");
    return RH_OK;
}

int cli_log_show(rh_ctx *ctx, const char *delivery_id)
{
    shown s = {NULL, 0, 0};
    rh_query *q = NULL;
    int rc = rh_query_new(&q);
    if (rc == RH_OK && (rc = rh_query_set_delivery(q, delivery_id)) == RH_OK &&
        (rc = rh_query_set_limit(q, 1000000)) == RH_OK)
        rc = rh_log_attempts(ctx, q, keep_attempt, &s);
    rh_query_free(q);
    if (rc >= 0 && s.n == 0)
        rc = rh_attempt_request(ctx, delivery_id, 1, print_request, NULL);
    for (size_t i = 0; rc >= 0 && i < s.n; i++)
        rc = show_one(ctx, delivery_id, &s.a[i], i == 0);
    for (size_t i = 0; i < s.n; i++) {
        free(s.a[i].error);
        free(s.a[i].response);
    }
    free(s.a);
    return rc < 0 ? rc : 0;
}
