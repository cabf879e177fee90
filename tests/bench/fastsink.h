/* The bench's receiver: a small epoll HTTP/1.1 server with keep-alive that
 * answers 204 (after an optional delay), counts requests, keeps the first
 * few for signature checks, and notes each request's latency from the emit
 * time carried in its body ("t":<monotonic ns>). Loopback only. */
#ifndef RH_FASTSINK_H
#define RH_FASTSINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct fastsink fastsink;

int fastsink_start(fastsink **out, int delay_ms);
/* The same over TLS with cert and key (PEM files); close_each: answer
 * with Connection: close and close, so that every request is a new
 * connection and a new handshake. */
int fastsink_start_tls(fastsink **out, const char *cert, const char *key,
                       int close_each);
/* The same with keep-alive on `hosts` ports (0: one port, closing each
 * connection as fastsink_start_tls with close_each does): each port is a
 * host of its own to a client (its connections and TLS sessions). */
int fastsink_start_tls_hosts(fastsink **out, const char *cert,
                             const char *key, size_t hosts);
/* The i-th port (0: fastsink_port), or -1. */
int fastsink_port_at(const fastsink *s, size_t i);
/* Handshakes completed, and of them resumed, since the last call. */
void fastsink_tls_counts(fastsink *s, size_t *handshakes, size_t *resumed);
void fastsink_stop(fastsink *s);
int fastsink_port(const fastsink *s);
size_t fastsink_count(fastsink *s);
void fastsink_reset(fastsink *s, int delay_ms);
/* Latencies (ns) noted since the last reset; the array is the sink's. */
size_t fastsink_latencies(fastsink *s, const int64_t **out);
/* One of the first requests kept: headers and body, NUL-terminated. */
int fastsink_sample(fastsink *s, size_t i, char *id, char *ts, char *sig,
                    char **body, size_t *body_len);

#endif
