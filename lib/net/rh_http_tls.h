/* replicer-hooks HTTP, private: the TLS choices every transfer is made
 * with (rh_http_tls.c), below the transfers that use them. */
#ifndef RH_HTTP_TLS_H
#define RH_HTTP_TLS_H

/* Whether a CA bundle file is known (ca_file, or libcurl's default when it
 * exists), so that the CA directory can be cleared and the parsed store
 * cached; and a transfer's TLS options. */
int rh__http_ca_cacheable(const char *ca_file);
void rh__http_tls_setup(void *easy, int mode, const char *ca_file,
                        int ca_cacheable, void *share);
/* The HTTP version of one transfer (an rh_http_version), set at each
 * start since a kept handle carries the last one's: HTTP/1.1, or h2 over
 * TLS where offered, with the transfer waiting to share a connection. */
void rh__http_version_setup(void *easy, int version);
/* A libcurl share of TLS sessions and DNS for one context (NULL when it
 * cannot be made: every handle then keeps its own), freed after the last
 * handle that used it. */
void *rh__http_share_new(void);
void rh__http_share_free(void *share);

#endif
