/* replicer-hooks: address parsing and the libmicrohttpd boilerplate shared
 * by listen, worker --metrics and dashboard (the server itself and its
 * guard against idle connections are in cli_http_guard.c). */
#include "cli_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_http_parse_addr(const char *text, cli_http_addr *out)
{
    char host[64];
    const char *port_text;
    char *end;
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", text);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' ||
            (size_t)(close - text - 1) >= sizeof host)
            return -1;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close + 2;
    } else if (strchr(text, ':')) {
        const char *colon = strrchr(text, ':');
        if ((size_t)(colon - text) >= sizeof host)
            return -1;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port_text = colon + 1;
    } else {
        snprintf(host, sizeof host, "127.0.0.1");
        port_text = text;
    }
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || port < 0 || port > 65535)
        return -1;
    if (!host[0])
        snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)port);
        out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)port);
        out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return 0;
    }
    return -1; /* a name: we listen on addresses only */
}

void cli_http_base_url(const cli_http_addr *addr, const cli_http_server *srv,
                       char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "";
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&addr->ss;
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&addr->ss;
    if (addr->ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        snprintf(out, size, "http://[%s]:%u", host, cli_http_port(srv));
    } else {
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        snprintf(out, size, "http://%s:%u", host, cli_http_port(srv));
    }
}

cli_mhd_result cli_http_reply(struct MHD_Connection *c, unsigned status,
                              const char *content_type, const char *body,
                              size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", content_type);
    cli_http_secure_headers(r);
    cli_mhd_result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

cli_mhd_result cli_http_redirect(struct MHD_Connection *c, const char *location)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Location", location);
    cli_http_secure_headers(r);
    cli_mhd_result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
    MHD_destroy_response(r);
    return ok;
}

void cli_http_secure_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'self'; "
                            "form-action 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* same-origin, not no-referrer: with no-referrer a browser sends
     * "Origin: null" on the dashboard's own form posts, which it refuses */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

int cli_http_upload_step(void **state, const char *data, size_t *data_size,
                         size_t max, cli_http_upload **up)
{
    cli_http_upload *u = *state;
    if (!u) {
        if (!(u = calloc(1, sizeof *u)))
            return -1;
        *state = u;
        return 0;
    }
    if (*data_size) {
        if (u->len + *data_size > max) {
            u->too_large = 1;
        } else {
            char *p = realloc(u->p, u->len + *data_size + 1);
            if (!p)
                return -1;
            memcpy(p + u->len, data, *data_size);
            u->p = p;
            u->len += *data_size;
            u->p[u->len] = '\0';
        }
        *data_size = 0;
        return 0;
    }
    *up = u;
    return 1;
}

void cli_http_upload_done(void *cls, struct MHD_Connection *c, void **state,
                          enum MHD_RequestTerminationCode why)
{
    cli_http_upload *u = *state;
    (void)cls, (void)c, (void)why;
    if (u) {
        free(u->p);
        free(u);
        *state = NULL;
    }
}
