/* replicer-hooks: the tool's HTTP servers (listen, worker --metrics,
 * dashboard) and their guard against connections that take a place and
 * never send a request. libmicrohttpd alone bounds connections by count
 * and by idle time, so 64 half-sent requests used to lock every real client
 * out, token or not. The guard tracks each connection from accept until its
 * request's headers are in ("waiting"), and again between keep-alive
 * requests:
 *
 *  - a new connection past CLI_HTTP_WAITING_PER_ADDR waiting from its
 *    address, or past CLI_HTTP_WAITING_MAX waiting in all, closes the one
 *    that has waited longest, so a newcomer (a real request sends its
 *    headers at once) always gets in, however many idle sockets are open;
 *  - a connection still waiting CLI_HTTP_HEADER_DEADLINE_MS after it came
 *    in (or after its last answer) is closed by a sweeper thread, so
 *    headers sent a byte at a time do not hold a place for ever; so is a
 *    request not answered CLI_HTTP_REQUEST_DEADLINE_MS after its headers
 *    came in (a body sent a byte at a time).
 *
 * A connection is closed with shutdown(2) on its socket: libmicrohttpd then
 * reads the end of the stream and closes it in its own thread. The socket
 * stays ours to shut down until libmicrohttpd's "closed" notice, which it
 * gives before it closes the descriptor and which waits for our lock. */
#include "cli_http.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct guard_conn {
    struct guard_conn *prev, *next; /* in arrival order, oldest first */
    int fd;
    unsigned char addr[16]; /* the client address, v4 in the first 4 bytes */
    int64_t waiting_since_ms; /* 0 while a request is being answered */
    int64_t busy_since_ms;    /* its request's headers came in; 0: none */
    int shut;
} guard_conn;

struct cli_http_server {
    struct MHD_Daemon *d;
    MHD_AccessHandlerCallback handler;
    MHD_RequestCompletedCallback done;
    void *cls;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    guard_conn *head, *tail;
    int stopping;
    pthread_t sweeper;
    int sweeper_started;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void client_addr(struct MHD_Connection *c, unsigned char out[16])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    memset(out, 0, 16);
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        memcpy(out, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
               4);
    else if (ci->client_addr->sa_family == AF_INET6)
        memcpy(out,
               &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
}

/* Close one waiting connection; with the lock held. */
static void shut(guard_conn *g)
{
    if (!g->shut && g->fd >= 0) {
        shutdown(g->fd, SHUT_RDWR);
        g->shut = 1;
    }
}

/* After g came in: past a cap, close the longest waiting of its address
 * (or of all); the newcomer itself is never the one closed. */
static void enforce_caps(cli_http_server *srv, guard_conn *g)
{
    size_t all = 0, same = 0;
    guard_conn *oldest_all = NULL, *oldest_same = NULL;
    for (guard_conn *p = srv->head; p; p = p->next) {
        if (!p->waiting_since_ms || p->shut)
            continue;
        all++;
        if (!oldest_all && p != g)
            oldest_all = p;
        if (!memcmp(p->addr, g->addr, sizeof p->addr)) {
            same++;
            if (!oldest_same && p != g)
                oldest_same = p;
        }
    }
    if (same > CLI_HTTP_WAITING_PER_ADDR && oldest_same)
        shut(oldest_same);
    else if (all > CLI_HTTP_WAITING_MAX && oldest_all)
        shut(oldest_all);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    cli_http_server *srv = cls;
    guard_conn *g = *ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        if (!(g = calloc(1, sizeof *g)))
            return; /* unguarded, but served */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        g->fd = ci ? ci->connect_fd : -1;
        client_addr(c, g->addr);
        g->waiting_since_ms = mono_ms();
        pthread_mutex_lock(&srv->mu);
        g->prev = srv->tail;
        if (srv->tail)
            srv->tail->next = g;
        else
            srv->head = g;
        srv->tail = g;
        enforce_caps(srv, g);
        pthread_mutex_unlock(&srv->mu);
        *ctx = g;
        return;
    }
    if (!g)
        return;
    pthread_mutex_lock(&srv->mu);
    if (g->prev)
        g->prev->next = g->next;
    else
        srv->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        srv->tail = g->prev;
    pthread_mutex_unlock(&srv->mu);
    free(g);
    *ctx = NULL;
}

static guard_conn *guard_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* since_ms 0: a request's headers are in (busy from now); else it waits
 * for the next request's headers from since_ms. */
static void set_waiting(cli_http_server *srv, struct MHD_Connection *c,
                        int64_t since_ms)
{
    guard_conn *g = guard_of(c);
    if (!g)
        return;
    pthread_mutex_lock(&srv->mu);
    g->waiting_since_ms = since_ms;
    g->busy_since_ms = since_ms ? 0 : mono_ms();
    pthread_mutex_unlock(&srv->mu);
}

/* The first call of a request comes once its headers are all in. */
static cli_mhd_result on_access(void *cls, struct MHD_Connection *c,
                                const char *url, const char *method,
                                const char *version, const char *data,
                                size_t *data_size, void **state)
{
    cli_http_server *srv = cls;
    if (!*state)
        set_waiting(srv, c, 0);
    return srv->handler(srv->cls, c, url, method, version, data, data_size,
                        state);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    cli_http_server *srv = cls;
    if (srv->done)
        srv->done(srv->cls, c, state, why);
    set_waiting(srv, c, mono_ms()); /* kept alive: waits for the next */
}

static void *sweep(void *arg)
{
    cli_http_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping) {
        int64_t now = mono_ms();
        for (guard_conn *g = srv->head; g; g = g->next)
            if ((g->waiting_since_ms &&
                 now - g->waiting_since_ms >= CLI_HTTP_HEADER_DEADLINE_MS) ||
                (g->busy_since_ms &&
                 now - g->busy_since_ms >= CLI_HTTP_REQUEST_DEADLINE_MS))
                shut(g);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&srv->wake, &srv->mu, &until);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

cli_http_server *cli_http_start(const cli_http_addr *addr,
                                MHD_AccessHandlerCallback handler,
                                MHD_RequestCompletedCallback done, void *cls,
                                char *err, size_t errsz)
{
    cli_http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    srv->handler = handler;
    srv->done = done;
    srv->cls = cls;
    pthread_condattr_t monotonic;
    pthread_mutex_init(&srv->mu, NULL);
    /* the sweeper's naps on the monotonic clock: a clock set back must not
     * put it to sleep for an hour */
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->wake, &monotonic);
    pthread_condattr_destroy(&monotonic);
    /* epoll where there is one: select() stops at descriptor 1024 */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (addr->ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Room above the guard's caps for requests being answered; the idle
     * timeout ends a connection that stops sending mid-body. */
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&addr->ss, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(4 * CLI_HTTP_WAITING_MAX),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_END);
    if (srv->d && pthread_create(&srv->sweeper, NULL, sweep, srv) == 0)
        srv->sweeper_started = 1;
    if (!srv->d || !srv->sweeper_started) {
        snprintf(err, errsz,
                 "cannot listen on %s (in use, or not an address of this "
                 "host)",
                 addr->text);
        cli_http_stop(srv);
        return NULL;
    }
    return srv;
}

void cli_http_stop(cli_http_server *srv)
{
    if (!srv)
        return;
    if (srv->sweeper_started) {
        pthread_mutex_lock(&srv->mu);
        srv->stopping = 1;
        pthread_cond_signal(&srv->wake);
        pthread_mutex_unlock(&srv->mu);
        pthread_join(srv->sweeper, NULL);
    }
    if (srv->d)
        MHD_stop_daemon(srv->d); /* closes every connection, noticing each */
    pthread_cond_destroy(&srv->wake);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

unsigned cli_http_port(const cli_http_server *srv)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
