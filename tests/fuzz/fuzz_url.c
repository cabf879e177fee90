/* Fuzz target: the URL validator and the address classifier. Oracles: an
 * IPv4 address and its IPv4-mapped, NAT64 and 6to4 forms are always judged
 * the same, with and without an allowlist naming it; a URL accepted in
 * production never names a refused literal host, with or without trailing
 * dots; an accepted URL (either mode) has a host and a port other than 0,
 * and resolving its host's numeric forms the way the resolver does
 * (inet_aton) never finds a refused address in production. */
#include "rh_internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void same_verdict(const unsigned char v4[4])
{
    unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char nat64[16] = {0, 0x64, 0xff, 0x9b};
    unsigned char six2four[16] = {0x20, 0x02};
    rh_cidr allow;
    memcpy(mapped + 12, v4, 4);
    memcpy(nat64 + 12, v4, 4);
    memcpy(six2four + 2, v4, 4);
    for (int a = 0; a < 2; a++) {
        size_t n = (size_t)a;
        char text[32];
        snprintf(text, sizeof text, "%u.%u.%u.%u/32", v4[0], v4[1], v4[2],
                 v4[3]);
        if (rh__cidr_parse(text, &allow) != RH_OK)
            abort();
        int ref = rh__addr_refusal(AF_INET, v4, &allow, n) != NULL;
        if ((rh__addr_refusal(AF_INET6, mapped, &allow, n) != NULL) != ref ||
            (rh__addr_refusal(AF_INET6, nat64, &allow, n) != NULL) != ref ||
            (rh__addr_refusal(AF_INET6, six2four, &allow, n) != NULL) != ref)
            abort();
        if (a == 1 && ref)
            abort(); /* allowlisted: admitted */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (size >= 4)
        same_verdict(data);
    if (size >= 16)
        (void)rh__addr_refusal(AF_INET6, data, NULL, 0);
    char *url = malloc(size + 1);
    memcpy(url, data, size);
    url[size] = '\0';
    int refusal;
    if (rh__http_check_url(url, RH_MODE_PRODUCTION, NULL, 0, err, sizeof err,
                           &refusal) == RH_OK) {
        CURLU *u = curl_url();
        char *host = NULL, *scheme = NULL;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
            abort();
        if (strcmp(scheme, "https") != 0 || rh__host_refusal(host, NULL, 0))
            abort();
        /* the host as the resolver would read it: dots off, old forms on */
        size_t hl = strlen(host);
        while (hl > 1 && host[hl - 1] == '.')
            host[--hl] = '\0';
        struct in_addr a4;
        if (strspn(host, "0123456789.xXabcdefABCDEF") == hl &&
            inet_aton(host, &a4) == 1 &&
            rh__addr_refusal(AF_INET, (unsigned char *)&a4, NULL, 0))
            abort();
        curl_free(host);
        curl_free(scheme);
        curl_url_cleanup(u);
    }
    if (rh__http_check_url(url, RH_MODE_DEVELOPMENT, NULL, 0, err, sizeof err,
                           &refusal) == RH_OK) {
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL;
        const char *auth = strstr(url, "://");
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host ||
            !auth || strchr("/?#", auth[3]))
            abort();
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
            atol(port) == 0)
            abort();
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
    }
    free(url);
    return 0;
}
