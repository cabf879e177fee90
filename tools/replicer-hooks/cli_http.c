/* replicer-hooks: address parsing and the libmicrohttpd boilerplate shared
 * by listen, worker --metrics and dashboard. */
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

struct MHD_Daemon *cli_http_start(const cli_http_addr *addr,
                                  MHD_AccessHandlerCallback handler,
                                  MHD_RequestCompletedCallback done, void *cls,
                                  char *err, size_t errsz)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
    if (addr->ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&addr->ss, MHD_OPTION_NOTIFY_COMPLETED, done,
        NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_END);
    if (!d)
        snprintf(err, errsz,
                 "cannot listen on %s (in use, or not an "
                 "address of this host)",
                 addr->text);
    return d;
}

unsigned cli_http_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void cli_http_base_url(const cli_http_addr *addr, struct MHD_Daemon *d,
                       char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "";
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&addr->ss;
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&addr->ss;
    if (addr->ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        snprintf(out, size, "http://[%s]:%u", host, cli_http_port(d));
    } else {
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        snprintf(out, size, "http://%s:%u", host, cli_http_port(d));
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
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
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
    MHD_add_response_header(r, "Cache-Control", "no-store");
    cli_mhd_result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
    MHD_destroy_response(r);
    return ok;
}
