/* A loopback HTTPS receiver that speaks h2 (nghttp2 over OpenSSL, for the
 * tests and the bench): HTTP/2 to clients that take h2 in ALPN, a small
 * HTTP/1.1 keep-alive answer to the others. It counts connections and
 * requests, so that a test can tell whether transfers shared a connection,
 * and it can answer the way nginx does when it answers before it reads the
 * body: the answer, then a stream reset with NO_ERROR. */
#ifndef RH_H2_SINK_H
#define RH_H2_SINK_H

#include <stddef.h>

typedef struct h2_sink h2_sink;

typedef enum h2_sink_mode {
    /* read each request's whole body, then answer 200 with a small body */
    H2_SINK_READ_BODY = 0,
    /* answer 204 as soon as a request's headers are in, then reset the
     * stream with NO_ERROR (h2) or answer and close (HTTP/1.1) */
    H2_SINK_ANSWER_EARLY = 1
} h2_sink_mode;

/* Serve cert/key (PEM files) on 127.0.0.1:0, a thread per connection.
 * Stops by itself after max_life_ms. 0 on success. */
int h2_sink_start(h2_sink **out, const char *cert, const char *key,
                  h2_sink_mode mode, long max_life_ms);
void h2_sink_stop(h2_sink *s);
/* H2_SINK_READ_BODY: hold each answer ms after its body is in, so that
 * the requests of one client overlap (set before the first connection). */
void h2_sink_delay(h2_sink *s, long ms);
int h2_sink_port(const h2_sink *s);

typedef struct h2_sink_counts {
    size_t connections;    /* TCP connections accepted */
    size_t h2_connections; /* of them, those that took h2 in ALPN */
    size_t offered_h2;     /* handshakes whose client offered h2 */
    size_t h2_requests;    /* requests answered over h2 */
    size_t h1_requests;    /* requests answered over HTTP/1.1 */
    size_t max_streams;    /* most h2 requests open at once on one connection */
} h2_sink_counts;
/* The counts so far; reset: zero them after reading. */
void h2_sink_counts_get(h2_sink *s, h2_sink_counts *out, int reset);

#endif
