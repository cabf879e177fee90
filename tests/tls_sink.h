/* A loopback HTTPS receiver for the TLS tests (OpenSSL, test-only), and the
 * test PKI it serves: a CA and server certificates made at test time. */
#ifndef RH_TLS_SINK_H
#define RH_TLS_SINK_H

#include <stddef.h>

typedef struct tls_sink tls_sink;

/* Make under dir a CA (ca.pem) and certificates with their keys: srv
 * (signed by the CA, SAN IP:127.0.0.1), wrong (signed, SAN
 * DNS:wrong.example), client (signed, for client authentication), self
 * (self-signed, SAN IP:127.0.0.1) and expired (signed, right name, valid
 * only in 2020). 0 on success. */
int tls_make_pki(const char *dir);

/* Serve cert/key on 127.0.0.1:0, answering every request 200. Stops by
 * itself after max_life_ms. */
int tls_sink_start(tls_sink **out, const char *cert, const char *key,
                   long max_life_ms);
/* The same, demanding a client certificate signed by client_ca. */
int tls_sink_start_mtls(tls_sink **out, const char *cert, const char *key,
                        const char *client_ca, long max_life_ms);
/* The CN of the last client certificate presented ("" for none). */
void tls_sink_client_cn(tls_sink *s, char *out, size_t size);
void tls_sink_stop(tls_sink *s);
int tls_sink_port(const tls_sink *s);
size_t tls_sink_requests(tls_sink *s);   /* complete requests answered */
size_t tls_sink_handshakes_failed(tls_sink *s);
/* Handshakes that resumed a TLS session. */
size_t tls_sink_resumed(tls_sink *s);
/* Handshakes whose client offered h2 in ALPN (the sink answers http/1.1). */
size_t tls_sink_offered_h2(tls_sink *s);

#endif
