/* The bad day on the wire: a scripted hostile receiver (cut-off, malformed,
 * trickled, endless and oversized answers) and, for each behaviour, the
 * outcome class, success, retry and the attempt's duration. */
#include "rh_test.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define WIRE_TIMEOUT_MS 1500

/* What the attempt callback saw for one endpoint. */
typedef struct wire_seen {
    char endpoint[RH_ID_SIZE];
    int attempts;
    int outcome, status, success;
    int64_t duration_ms;
    char error[256];
} wire_seen;

typedef struct wire_log {
    wire_seen by_endpoint[48];
    size_t n;
} wire_log;

static void wire_on_attempt(const rh_attempt *at, void *ud)
{
    wire_log *log = ud;
    for (size_t i = 0; i < log->n; i++) {
        wire_seen *w = &log->by_endpoint[i];
        if (strcmp(w->endpoint, rh_attempt_endpoint_id(at)) != 0)
            continue;
        w->attempts++;
        w->outcome = rh_attempt_outcome(at);
        w->status = rh_attempt_status(at);
        w->success = rh_attempt_success(at);
        w->duration_ms = rh_attempt_duration_ms(at);
        snprintf(w->error, sizeof w->error, "%s", rh_attempt_error(at));
    }
}

/* One hostile behaviour: the raw answer (NULL: the sink's own rule for a
 * silent server), how it is sent, and what the sender must make of it. */
typedef struct wire_case {
    const char *name;
    const char *raw; /* NULL: never answers */
    size_t raw_len;  /* 0: strlen(raw) */
    int trickle_ms, after;
    int outcome, success;
    int slow; /* ends at the timeout, not before */
} wire_case;

#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static const wire_case wire_cases[] = {
    {"never answers", NULL, 0, 0, 0, RH_OUTCOME_TIMEOUT, 0, 1},
    {"trickles a byte a second", OK200, 0, 1000, SINK_RAW_KEEP,
     RH_OUTCOME_TIMEOUT, 0, 1},
    {"a whole answer, then silence", OK200, 0, 0, SINK_RAW_HOLD, RH_OUTCOME_OK,
     1, 0},
    {"cut off after the status line", "HTTP/1.1 200 OK\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_RESET, 0, 0},
    {"cut off mid-headers", "HTTP/1.1 200 OK\r\nContent-Le", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_RESET, 0, 0},
    {"headers never end", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 0, 0,
     SINK_RAW_HOLD, RH_OUTCOME_TIMEOUT, 0, 1},
    {"cut off mid-status-line", "HTTP/1.1 20", 0, 0, SINK_RAW_CLOSE,
     RH_OUTCOME_RESET, 0, 0},
    {"cut off mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", 0,
     0, SINK_RAW_CLOSE, RH_OUTCOME_RESET, 0, 0},
    {"body short of its length, then silence",
     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", 0, 0, SINK_RAW_HOLD,
     RH_OUTCOME_TIMEOUT, 0, 1},
    {"chunked, cut before the last chunk",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_RESET, 0, 0},
    {"chunked, whole",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "2\r\nok\r\n0\r\n\r\n",
     0, 0, SINK_RAW_KEEP, RH_OUTCOME_OK, 1, 0},
    {"bad chunk size",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "zz\r\nok\r\n0\r\n\r\n",
     0, 0, SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"HTTP/1.0 without a length, body to close", "HTTP/1.0 200 OK\r\n\r\nok", 0,
     0, SINK_RAW_CLOSE, RH_OUTCOME_OK, 1, 0},
    {"HTTP/1.1 without a length, body to close", "HTTP/1.1 200 OK\r\n\r\nok", 0,
     0, SINK_RAW_CLOSE, RH_OUTCOME_OK, 1, 0},
    {"100 Continue, then the answer", "HTTP/1.1 100 Continue\r\n\r\n" OK200, 0,
     0, SINK_RAW_KEEP, RH_OUTCOME_OK, 1, 0},
    {"100 Continue, then closed", "HTTP/1.1 100 Continue\r\n\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_RESET, 0, 0},
    {"status 2000", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"negative status", "HTTP/1.1 -200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"HTTP/1.2", "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"no status line (HTTP/0.9 style)", "ok, got it\n", 0, 0, SINK_RAW_CLOSE,
     RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"garbage", "abc\r\n\r\n", 0, 0, SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0,
     0},
    {"binary garbage", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11, 0,
     SINK_RAW_CLOSE, RH_OUTCOME_BAD_RESPONSE, 0, 0},
    {"endless body after a 200",
     "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", 0, 0,
     SINK_RAW_ENDLESS, RH_OUTCOME_OK, 1, 0},
    {"endless body after a 500",
     "HTTP/1.1 500 Oops\r\nContent-Length: 999999999\r\n\r\n", 0, 0,
     SINK_RAW_ENDLESS, RH_OUTCOME_HTTP_STATUS, 0, 0},
    {"redirect",
     "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
     "Content-Length: 0\r\n\r\n",
     0, 0, SINK_RAW_KEEP, RH_OUTCOME_HTTP_STATUS, 0, 0},
};

#define N_WIRE (sizeof wire_cases / sizeof *wire_cases)

/* A 1 MiB header line and a flood of 2,000 header lines, built here. */
static char *big_header_answer(size_t *len)
{
    const char *head = "HTTP/1.1 200 OK\r\nX-Big: ";
    const char *tail = "\r\nContent-Length: 2\r\n\r\nok";
    size_t big = 1024 * 1024, hl = strlen(head), tl = strlen(tail);
    char *b = malloc(hl + big + tl + 1);
    memcpy(b, head, hl);
    memset(b + hl, 'a', big);
    memcpy(b + hl + big, tail, tl + 1);
    *len = hl + big + tl;
    return b;
}

static char *header_flood_answer(size_t *len)
{
    size_t cap = 2000 * 100 + 128;
    char *b = malloc(cap), *p = b;
    p += sprintf(p, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 2000; i++)
        p += sprintf(p, "X-Flood-%04d: %080d\r\n", i, 0);
    p += sprintf(p, "Content-Length: 2\r\n\r\nok");
    *len = (size_t)(p - b);
    return b;
}

static void test_wire__hostile_receivers(void)
{
    sink *s = rh_test_sink();
    rh_config *cfg = rh_test_config();
    static wire_log log;
    size_t big_len, flood_len;
    char *big = big_header_answer(&big_len);
    char *flood = header_flood_answer(&flood_len);
    const wire_case extra[] = {
        {"a 1 MiB header line", big, big_len, 0, SINK_RAW_CLOSE,
         RH_OUTCOME_TOO_LARGE, 0, 0},
        {"2,000 header lines", flood, flood_len, 0, SINK_RAW_CLOSE,
         RH_OUTCOME_TOO_LARGE, 0, 0},
    };
    const wire_case *cases[N_WIRE + 2];
    size_t n = 0;
    for (size_t i = 0; i < N_WIRE; i++)
        cases[n++] = &wire_cases[i];
    cases[n++] = &extra[0];
    cases[n++] = &extra[1];

    memset(&log, 0, sizeof log);
    rh_config_set_timeout_ms(cfg, WIRE_TIMEOUT_MS);
    rh_config_set_attempt_cb(cfg, wire_on_attempt, &log);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    /* every behaviour at once, each on its own path and endpoint */
    for (size_t i = 0; i < n; i++) {
        char path[32], secret[RH_SECRET_SIZE];
        snprintf(path, sizeof path, "/w%02zu", i);
        if (!cases[i]->raw)
            sink_rule(s, path, 200, -1, NULL, NULL, -1);
        else
            sink_rule_raw(s, path, cases[i]->raw,
                          cases[i]->raw_len ? cases[i]->raw_len
                                            : strlen(cases[i]->raw),
                          cases[i]->trickle_ms, cases[i]->after, -1);
        RH_CHECK_EQ_INT(RH_OK,
                        rh_test_endpoint(ctx, s, path, "*",
                                         log.by_endpoint[i].endpoint, secret));
        log.n++;
    }
    free(big);
    free(flood);
    RH_CHECK_EQ_INT((int)n, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT((int)n, rh_test_drive(ctx, 20000));
    int wrong = 0;
    for (size_t i = 0; i < n; i++) {
        const wire_case *c = cases[i];
        const wire_seen *w = &log.by_endpoint[i];
        rh_query *q = NULL;
        int pending;
        RH_CHECK_EQ_INT(RH_OK, rh_query_new(&q));
        rh_query_set_endpoint(q, w->endpoint);
        rh_query_set_state(q, RH_DELIVERY_PENDING);
        pending = rh_test_count_deliveries(ctx, q);
        rh_query_free(q);
        /* a failure is retried on the schedule; a success is done */
        int ok = w->attempts == 1 && w->outcome == c->outcome &&
                 w->success == c->success && pending == !c->success &&
                 (c->slow ? w->duration_ms >= WIRE_TIMEOUT_MS - 100 &&
                                w->duration_ms < WIRE_TIMEOUT_MS + 1000
                          : w->duration_ms < WIRE_TIMEOUT_MS - 200);
        if (!ok) {
            fprintf(stderr,
                    "    %s: %d attempt(s), outcome %s (want %s), status %d, "
                    "success %d, pending %d, %lld ms, \"%s\"\n",
                    c->name, w->attempts, rh_outcome_name(w->outcome),
                    rh_outcome_name(c->outcome), w->status, w->success, pending,
                    (long long)w->duration_ms, w->error);
            wrong++;
        }
    }
    RH_CHECK_EQ_INT(0, wrong);
    /* the redirect was not followed */
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        RH_CHECK(strcmp(r.path, "/elsewhere") != 0);
        sink_request_free(&r);
    }
    rh_ctx_free(ctx);
    sink_stop(s);
}

/* A receiver that answers 200 once it has the headers, before it reads the
 * body, then closes: its receive buffer is kept small so that we are still
 * sending when the answer comes. */
typedef struct early_server {
    int fd;
    pthread_t thread;
} early_server;

static void *early_answer(void *arg)
{
    early_server *es = arg;
    struct pollfd p = {es->fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1)
        return NULL;
    int c = accept(es->fd, NULL, NULL);
    char buf[4096];
    size_t have = 0;
    ssize_t got;
    while (c >= 0 && have < sizeof buf - 1 &&
           (got = read(c, buf + have, sizeof buf - 1 - have)) > 0) {
        have += (size_t)got;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if (c >= 0 && write(c, answer, sizeof answer - 1) > 0) {
        shutdown(c, SHUT_WR);
        usleep(300000); /* the sender reads the answer, then we close */
    }
    if (c >= 0)
        close(c);
    return NULL;
}

/* An HTTP/1.1 receiver that answers 2xx before reading the body and then
 * closes has the delivery: one attempt, a success, never sent again. */
static void test_wire__early_2xx_then_close_is_one_success(void)
{
    early_server es;
    int port = 0, rcvbuf = 4096;
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    es.fd = sink_listen(NULL, 0, -1, 0, &port);
    RH_CHECK(es.fd >= 0);
    setsockopt(es.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    RH_CHECK_EQ_INT(0, listen(es.fd, 4));
    RH_CHECK_EQ_INT(0, pthread_create(&es.thread, NULL, early_answer, &es));
    size_t n = 600 * 1024;
    char *data = malloc(n + 16);
    RH_CHECK(data != NULL);
    memcpy(data, "{\"x\":\"", 6);
    memset(data + 6, 'a', n);
    memcpy(data + 6 + n, "\"}", 3);
    rh_ctx *ctx = rh_test_ctx_new();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/early", port);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", data, strlen(data), NULL, 0));
    free(data);
    RH_CHECK(rh_test_drive(ctx, 10000) >= 0);
    pthread_join(es.thread, NULL);
    close(es.fd);
    RH_CHECK_EQ_INT(1, rh_test_count_attempts(ctx, NULL));
    RH_CHECK_EQ_INT(1, rh_test_count_in_state(ctx, RH_DELIVERY_SUCCEEDED));
    rh_ctx_free(ctx);
}

const rh_test_case rh_tests_wire[] = {
    {"wire__early_2xx_then_close_is_one_success",
     test_wire__early_2xx_then_close_is_one_success},
    {"wire/hostile_receivers", test_wire__hostile_receivers}, {NULL, NULL}};
