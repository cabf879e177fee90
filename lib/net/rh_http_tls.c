/* replicer-hooks HTTP, the TLS settings of every transfer: verification
 * that cannot be turned off, TLS 1.2 or newer, the HTTP version offered in
 * ALPN, TLS sessions shared between transfers, and a CA store parsed once
 * instead of once per connection.
 *
 * libcurl 7.87 and later (OpenSSL backend) keep the parsed CA store in the
 * multi handle for CURLOPT_CA_CACHE_TIMEOUT (24 h), but only when no CA
 * directory is set, and Debian's libcurl sets /etc/ssl/certs by default
 * beside its bundle. With a directory, every new connection read and parsed
 * the whole bundle again: about 28 ms of CPU with the system's 144
 * certificates, so a host delivering to many receivers, or to one that
 * closes its connections, was held to a few dozen deliveries a second.
 * When a bundle file is known the directory is cleared, and the store is
 * then cached: libcurl's built-in default bundle holds the directory's
 * certificates, and a development CA file replaces the system store (as
 * rh_config_set_ca_file says). Without a bundle file the directory is the
 * only trust there is, and is kept. */
#include "rh_http_tls.h"

#include <replicer-hooks/rh.h>

#include <curl/curl.h>
#include <unistd.h>

/* One share per context, so that a TLS session one transfer handle made is
 * resumed by whichever handle connects to that host next (each handle kept
 * its own: a new handle, or one that last served other hosts, made a full
 * handshake), and so that names are resolved once for all handles. The
 * context is used by one thread at a time, so the share needs no locks. */
void *rh__http_share_new(void)
{
    CURLSH *sh = curl_share_init();
    if (sh && (curl_share_setopt(sh, CURLSHOPT_SHARE,
                                 CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
               curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) !=
                   CURLSHE_OK)) {
        curl_share_cleanup(sh);
        sh = NULL;
    }
    return sh;
}

void rh__http_share_free(void *share)
{
    if (share)
        curl_share_cleanup(share); /* after every handle that used it */
}

int rh__http_ca_cacheable(const char *ca_file)
{
    if (ca_file)
        return 1;
#if LIBCURL_VERSION_NUM >= 0x075400 /* 7.84: CURLINFO_CAINFO */
    char *bundle = NULL;
    CURL *e = curl_easy_init();
    int ok = e && curl_easy_getinfo(e, CURLINFO_CAINFO, &bundle) == CURLE_OK &&
             bundle && access(bundle, R_OK) == 0;
    curl_easy_cleanup(e);
    return ok;
#else
    return 0;
#endif
}

void rh__http_tls_setup(void *easy, int mode, const char *ca_file,
                        int ca_cacheable, void *share)
{
    CURL *e = easy;
    if (share)
        curl_easy_setopt(e, CURLOPT_SHARE, share);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    /* a custom CA is for development only (rh_ctx_new refuses it else) */
    if (mode != RH_MODE_PRODUCTION && ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
    if (ca_cacheable)
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
}

void rh__http_version_setup(void *easy, int version)
{
    CURL *e = easy;
    if (version == RH_HTTP_VERSION_2) {
        /* h2 where ALPN agrees; and a transfer waits for a connection
         * being opened to its receiver rather than opening its own, so 64
         * in flight share one connection instead of opening 64 */
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        return;
    }
    /* HTTP/1.1 only, so ALPN offers no h2 (libcurl's own default offers
     * it): docs/design.md, "HTTP versions", says why this is the default */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 0L);
}
