/* The loopback HTTP sink used by the tests and the demo: a real HTTP/1.1
 * server on 127.0.0.1 in its own thread that records every request and
 * answers with scripted statuses, delays and headers. */
#ifndef RH_SINK_H
#define RH_SINK_H

#include <stddef.h>
#include <stdint.h>

#define SINK_MAX_HEADERS 48

typedef struct sink sink;

typedef struct sink_request {
    char method[16];
    char path[256];
    size_t n_headers;
    char *names[SINK_MAX_HEADERS];
    char *values[SINK_MAX_HEADERS];
    char *body;
    size_t body_len;
    int64_t received_ms; /* real time */
    int connection;      /* which accepted connection carried it */
} sink_request;

/* Start on 127.0.0.1:0. The sink stops by itself after max_life_ms even if
 * nobody calls sink_stop (a test that crashes must not leave it behind). */
int sink_start(sink **out, int64_t max_life_ms);
/* The same on a given loopback address and port (0: any free port). */
int sink_start_at(sink **out, const char *ip, int port, int64_t max_life_ms);
void sink_stop(sink *s); /* joins the thread and frees everything */
int sink_port(const sink *s);
/* "http://127.0.0.1:PORT" + path, into a static-per-call buffer of the
 * caller's. */
void sink_url(const sink *s, const char *path, char *out, size_t outsz);

/* Answer requests whose path starts with path_prefix with this status,
 * after delay_ms (-1: never answer, hold the connection), adding
 * extra_headers ("Name: value\r\n..." or NULL) and body (or NULL), for the
 * next `times` requests (-1: always). Rules are tried newest first; the
 * default answer is 200 "ok". */
void sink_rule(sink *s, const char *path_prefix, int status, int delay_ms,
               const char *extra_headers, const char *body, int times);

/* What a raw answer does once its bytes are sent. */
enum {
    SINK_RAW_CLOSE = 0,   /* close the connection */
    SINK_RAW_HOLD = 1,    /* keep it open and say nothing more */
    SINK_RAW_ENDLESS = 2, /* keep sending 'x' bytes until the client leaves */
    SINK_RAW_KEEP = 3     /* keep it open for the next request */
};

/* The hostile receiver: answer requests whose path starts with path_prefix
 * with exactly these len bytes (a cut-off, malformed or oddly framed
 * answer, written by the test), one byte every trickle_ms (0: all at once),
 * then do `after` (SINK_RAW_*). For every request (times -1) or the next
 * `times`. */
void sink_rule_raw(sink *s, const char *path_prefix, const char *bytes,
                   size_t len, int trickle_ms, int after, int times);

size_t sink_count(sink *s);
/* Wait (real time) until at least n requests arrived; 0 on success. */
int sink_wait_count(sink *s, size_t n, int64_t timeout_ms);
/* A copy of request i (0-based), freed with sink_request_free. */
int sink_get(sink *s, size_t i, sink_request *out);
void sink_request_free(sink_request *r);
const char *sink_header(const sink_request *r, const char *name);

/* A TCP socket on ip (NULL: 127.0.0.1; only 127.0.0.0/8 is taken) and port
 * (0: any), listening with backlog (-1: bound only, never listening), made
 * with sock_flags (SOCK_NONBLOCK, ...): the fd and *port_out, or -1. Every
 * test receiver opens its socket here. */
int sink_listen(const char *ip, int port, int backlog, int sock_flags,
                int *port_out);
/* Requests that arrived while another request with the same webhook-id
 * header was still waiting for its answer (a delivery sent twice at once). */
size_t sink_overlaps(sink *s);
/* Connections accepted so far. */
size_t sink_connections(sink *s);

#endif
