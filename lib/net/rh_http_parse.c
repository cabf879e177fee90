/* replicer-hooks HTTP parsing: a URL judged by the production policy, a
 * Retry-After value, the libcurl version check. No transfer: rh_http.c. */
#include "rh_http.h"

#include <curl/curl.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parts a webhook URL must not have, in any mode: port 0, credentials
 * (they would travel in every request and sit in the store), and an IPv6
 * zone id ("%25eth0", an interface of the sending host: no receiver's
 * address). 1 with err filled, else 0. */
static int url_parts_refused(CURLU *u, char *err, size_t errsz)
{
    char *port = NULL, *user = NULL, *pass = NULL, *zone = NULL;
    int refused = 1;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
        strtol(port, NULL, 10) == 0)
        snprintf(err, errsz, "url port must be 1 to 65535, not %.16s", port);
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
        snprintf(err, errsz, "url must not carry user:password@");
    else if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK)
        snprintf(err, errsz,
                 "url must not carry an IPv6 zone id (%%25%.16s): it names an "
                 "interface of this host",
                 zone);
    else
        refused = 0;
    curl_free(port);
    curl_free(user);
    curl_free(pass);
    curl_free(zone);
    return refused;
}

/* The URL as written, before curl_url reads it: 1 (err says why) when it
 * is empty, too long, has a space or control character, or is not
 * scheme://authority with an authority. */
static int url_text_refused(const char *url, char *err, size_t errsz)
{
    const char *authority;
    size_t len = url ? strlen(url) : 0;
    if (!url || !*url) {
        snprintf(err, errsz, "url is empty");
        return 1;
    }
    if (len > RH_URL_MAX) {
        snprintf(err, errsz, "url is longer than %d bytes", RH_URL_MAX);
        return 1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            snprintf(err, errsz, "url has a space or control character");
            return 1;
        }
    }
    /* curl_url reads "http:/in" and "http:///in" as host "in": the URL as
     * written must be scheme://authority, and the authority not empty */
    authority = strstr(url, "://");
    if (!authority || authority == url ||
        strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789+-.") != (size_t)(authority - url)) {
        snprintf(err, errsz, "url must start with a scheme and \"://\"");
        return 1;
    }
    if (strchr("/?#", authority[3])) {
        snprintf(err, errsz, "url has an empty host");
        return 1;
    }
    return 0;
}

int rh__http_check_url(const char *url, int mode, const rh_cidr *allow,
                       size_t n_allow, char *err, size_t errsz, int *refusal)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int rc = RH_E_INVALID_ARG;
    *refusal = RH_REFUSAL_MALFORMED;
    if (url_text_refused(url, err, errsz))
        return RH_E_INVALID_ARG;
    u = curl_url();
    if (!u)
        return RH_E_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, errsz, "url cannot be parsed");
        goto done;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        snprintf(err, errsz, "url has no scheme or no host");
        goto done;
    }
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        snprintf(err, errsz,
                 "url scheme must be https (or http in development)");
        goto done;
    }
    if (mode == RH_MODE_PRODUCTION && strcmp(scheme, "https") != 0) {
        *refusal = RH_REFUSAL_INSECURE_SCHEME;
        snprintf(err, errsz,
                 "url scheme http is refused in production mode: use https");
        goto done;
    }
    if (url_parts_refused(u, err, errsz))
        goto done;
    if (mode == RH_MODE_PRODUCTION) {
        /* curl_url has normalised 127.1, 2130706433 and 0x7f.1 to
         * 127.0.0.1: literals are judged now, names at every dial */
        const char *why = rh__host_refusal(host, allow, n_allow);
        if (why) {
            *refusal = RH_REFUSAL_PRIVATE_ADDRESS;
            snprintf(err, errsz,
                     "url host %.64s is %s: refused in production mode "
                     "(a range can be allowed)",
                     host, why);
            goto done;
        }
    }
    rc = RH_OK;
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

int64_t rh__http_parse_retry_after(const char *v, int64_t now_s)
{
    if (!v || !*v)
        return -1;
    if (isdigit((unsigned char)*v)) {
        /* any number of digits: a huge value saturates (the engine caps
         * the delay anyway), it is not taken for no value */
        int64_t s = 0;
        for (; *v; v++) {
            if (!isdigit((unsigned char)*v))
                return *v == ' ' ? s : -1;
            s = s * 10 + (*v - '0');
            if (s > RH_RETRY_AFTER_MAX_S)
                s = RH_RETRY_AFTER_MAX_S;
        }
        return s;
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    return (int64_t)t > now_s ? (int64_t)t - now_s : 0;
}

/* Whether the libcurl loaded is one we can use (rh_ctx_new asks). */
int rh__http_supported(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    /* 7.85 for CURLOPT_PROTOCOLS_STR; thread-safe global init so that
     * contexts on several threads may pair curl_global_init/cleanup. */
    if (v->version_num < 0x075500)
        return 0;
#ifdef CURL_VERSION_THREADSAFE
    return (v->features & CURL_VERSION_THREADSAFE) != 0;
#else
    return 0;
#endif
}
