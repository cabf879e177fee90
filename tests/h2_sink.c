/* The h2 test receiver (see h2_sink.h): nghttp2's server session fed by
 * blocking OpenSSL reads with short timeouts, one thread per connection,
 * so that connections are served at once and counted. */
#define _GNU_SOURCE /* memmem */
#include "h2_sink.h"

#include "sink.h"

#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 2048

struct h2_sink {
    SSL_CTX *ssl;
    int fd, port;
    h2_sink_mode mode;
    long answer_delay_ms; /* H2_SINK_READ_BODY: hold each answer this long */
    long deadline_ms;
    pthread_t acceptor;
    pthread_t conns[MAX_CONNS];
    size_t n_conns;
    pthread_mutex_t mu;
    int stop;
    h2_sink_counts counts;
};

/* One connection's state, owned by its thread. */
typedef struct conn {
    h2_sink *sink;
    int fd;
    SSL *ssl;
    nghttp2_session *h2;
    size_t open_streams;
    int failed;
    struct {
        int32_t stream;
        long due_ms;
    } held[256]; /* answers held back (answer_delay_ms), oldest first */
    size_t n_held;
} conn;

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stopping(h2_sink *s)
{
    pthread_mutex_lock(&s->mu);
    int stop = s->stop || mono_ms() > s->deadline_ms;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void count(h2_sink *s, size_t *field, size_t add)
{
    pthread_mutex_lock(&s->mu);
    *field += add;
    pthread_mutex_unlock(&s->mu);
}

/* h2 when the client offers it, else http/1.1; offers of h2 counted. */
static int choose_alpn(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    h2_sink *s = arg;
    (void)ssl;
    *out = NULL;
    if (nghttp2_select_next_protocol((unsigned char **)out, outlen, in,
                                     inlen) == 1) {
        count(s, &s->counts.offered_h2, 1);
        return SSL_TLSEXT_ERR_OK;
    }
    return *out ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

static int write_all(conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        int n = SSL_write(c->ssl, p, (int)len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ------------------------------------------------------------------ h2 */
static ssize_t answer_body(nghttp2_session *h2, int32_t stream, uint8_t *buf,
                           size_t len, uint32_t *flags,
                           nghttp2_data_source *src, void *ud)
{
    (void)h2, (void)stream, (void)src, (void)ud;
    static const char ok[] = "ok";
    size_t n = len < 2 ? len : 2;
    memcpy(buf, ok, n);
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static void answer(conn *c, int32_t stream, int early)
{
    nghttp2_nv nv[] = {{(uint8_t *)":status",
                        (uint8_t *)(early ? "204" : "200"), 7, 3,
                        NGHTTP2_NV_FLAG_NONE}};
    nghttp2_data_provider body = {{0}, answer_body};
    nghttp2_submit_response(c->h2, stream, nv, 1, early ? NULL : &body);
    count(c->sink, &c->sink->counts.h2_requests, 1);
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
    conn *c = ud;
    (void)h2;
    if (f->hd.type == NGHTTP2_HEADERS &&
        f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        c->open_streams++;
        pthread_mutex_lock(&c->sink->mu);
        if (c->open_streams > c->sink->counts.max_streams)
            c->sink->counts.max_streams = c->open_streams;
        pthread_mutex_unlock(&c->sink->mu);
        if (c->sink->mode == H2_SINK_ANSWER_EARLY)
            answer(c, f->hd.stream_id, 1);
    }
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        c->sink->mode == H2_SINK_READ_BODY) {
        if (c->sink->answer_delay_ms > 0 &&
            c->n_held < sizeof c->held / sizeof *c->held) {
            c->held[c->n_held].stream = f->hd.stream_id;
            c->held[c->n_held++].due_ms = mono_ms() + c->sink->answer_delay_ms;
        } else {
            answer(c, f->hd.stream_id, 0);
        }
    }
    return 0;
}

/* nginx's way: once the answer has gone out, the unread body is refused
 * with a reset that says there was no error. */
static int on_frame_send(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
    conn *c = ud;
    if (c->sink->mode == H2_SINK_ANSWER_EARLY &&
        f->hd.type == NGHTTP2_HEADERS &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        nghttp2_session_get_stream_remote_close(h2, f->hd.stream_id) == 0)
        nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, f->hd.stream_id,
                                  NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t stream, uint32_t err,
                           void *ud)
{
    conn *c = ud;
    (void)h2, (void)stream, (void)err;
    if (c->open_streams)
        c->open_streams--;
    return 0;
}

static void serve_h2(conn *c)
{
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    /* libcurl 7.88 ends every stream it has read to the end with a reset
     * (RST_STREAM, STREAM_CLOSED), which nghttp2's guard against rapid
     * resets (CVE-2023-44487; 1,000 at once, then 33 a second) answers
     * with GOAWAY: a new connection every 1,000 or so requests. Servers
     * built on nghttp2 do the same to us (docs/design.md); this receiver
     * lifts the guard so that the bench measures h2 itself. */
    nghttp2_option *opt = NULL;
    nghttp2_option_new(&opt);
    nghttp2_option_set_stream_reset_rate_limit(opt, 1u << 30, 1u << 30);
    nghttp2_session_server_new2(&c->h2, cb, c, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry set[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128}};
    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, set, 1);
    unsigned char buf[16384];
    while (!stopping(c->sink) && !c->failed) {
        const uint8_t *out;
        ssize_t n;
        size_t due = 0;
        while (due < c->n_held && c->held[due].due_ms <= mono_ms())
            answer(c, c->held[due++].stream, 0);
        memmove(c->held, c->held + due, (c->n_held - due) * sizeof *c->held);
        c->n_held -= due;
        while ((n = nghttp2_session_mem_send(c->h2, &out)) > 0)
            if (write_all(c, out, (size_t)n) != 0)
                c->failed = 1;
        if (c->failed || (!nghttp2_session_want_read(c->h2) &&
                          !nghttp2_session_want_write(c->h2)))
            break;
        int got = SSL_read(c->ssl, buf, sizeof buf);
        if (got <= 0) {
            int e = SSL_get_error(c->ssl, got);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_SYSCALL) {
                /* a read timeout (SO_RCVTIMEO), unless the peer went */
                struct pollfd p = {c->fd, POLLIN, 0};
                if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
                    break;
                ERR_clear_error();
                continue;
            }
            break; /* the client left (OpenSSL 3: an EOF without close_notify
                    * is SSL_ERROR_SSL), or broke TLS */
        }
        if (nghttp2_session_mem_recv(c->h2, buf, (size_t)got) < 0)
            break;
    }
    nghttp2_session_del(c->h2);
}

/* ------------------------------------------------------------- HTTP/1.1 */
/* Keep-alive requests with a Content-Length body, each answered 200 (or,
 * early, 204 before the body, then the connection closed). */
static void serve_h1(conn *c)
{
    char buf[65536];
    size_t len = 0;
    while (!stopping(c->sink)) {
        char *end = memmem(buf, len, "\r\n\r\n", 4);
        if (end) {
            size_t head = (size_t)(end + 4 - buf), body = 0;
            char *cl = memmem(buf, head, "ontent-Length:", 14);
            if (cl)
                body = (size_t)strtoul(cl + 14, NULL, 10);
            if (c->sink->mode == H2_SINK_ANSWER_EARLY) {
                static const char a[] =
                    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
                write_all(c, a, sizeof a - 1);
                count(c->sink, &c->sink->counts.h1_requests, 1);
                return;
            }
            if (len >= head + body) {
                static const char a[] =
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                if (write_all(c, a, sizeof a - 1) != 0)
                    return;
                count(c->sink, &c->sink->counts.h1_requests, 1);
                memmove(buf, buf + head + body, len - head - body);
                len -= head + body;
                continue;
            }
        }
        if (len == sizeof buf)
            len = end ? (size_t)(end + 4 - buf) : 0; /* keep the head */
        int got = SSL_read(c->ssl, buf + len, (int)(sizeof buf - len));
        if (got <= 0) {
            int e = SSL_get_error(c->ssl, got);
            struct pollfd p = {c->fd, POLLIN, 0};
            if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_SYSCALL) &&
                !(poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))) {
                ERR_clear_error();
                continue;
            }
            return;
        }
        len += (size_t)got;
    }
}

static void *serve(void *arg)
{
    conn *c = arg;
    /* the handshake may take its time (a client under valgrind); then
     * reads wake every 100 ms (2 ms when answers are held) to see a stop
     * or a held answer fall due; a write may wait up to 5 s for a busy
     * client to read (a shorter wait dropped connections under load) */
    struct timeval slow = {5, 0},
                   rtv = {0, c->sink->answer_delay_ms > 0 ? 2000 : 100000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &slow, sizeof slow);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &slow, sizeof slow);
    c->ssl = SSL_new(c->sink->ssl);
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_accept(c->ssl) == 1) {
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof rtv);
        const unsigned char *proto = NULL;
        unsigned int plen = 0;
        SSL_get0_alpn_selected(c->ssl, &proto, &plen);
        if (plen == 2 && !memcmp(proto, "h2", 2)) {
            count(c->sink, &c->sink->counts.h2_connections, 1);
            serve_h2(c);
        } else {
            serve_h1(c);
        }
        SSL_shutdown(c->ssl);
    }
    SSL_free(c->ssl);
    ERR_clear_error();
    close(c->fd);
    free(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    h2_sink *s = arg;
    while (!stopping(s)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int cfd = accept(s->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        conn *c = calloc(1, sizeof *c);
        pthread_mutex_lock(&s->mu);
        int room = s->n_conns < MAX_CONNS;
        pthread_mutex_unlock(&s->mu);
        if (!c || !room) {
            free(c);
            close(cfd);
            continue;
        }
        c->sink = s;
        c->fd = cfd;
        count(s, &s->counts.connections, 1);
        if (pthread_create(&s->conns[s->n_conns], NULL, serve, c) != 0) {
            close(cfd);
            free(c);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        s->n_conns++;
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

int h2_sink_start(h2_sink **out, const char *cert, const char *key,
                  h2_sink_mode mode, long max_life_ms)
{
    h2_sink *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->mode = mode;
    s->fd = -1;
    s->ssl = SSL_CTX_new(TLS_server_method());
    if (!s->ssl || SSL_CTX_use_certificate_chain_file(s->ssl, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(s->ssl, key, SSL_FILETYPE_PEM) != 1)
        goto fail;
    SSL_CTX_set_alpn_select_cb(s->ssl, choose_alpn, s);
    if ((s->fd = sink_listen(NULL, 0, 128, 0, &s->port)) < 0)
        goto fail;
    s->deadline_ms = mono_ms() + max_life_ms;
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->acceptor, NULL, accept_loop, s) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    if (s->ssl)
        SSL_CTX_free(s->ssl);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    return -1;
}

void h2_sink_stop(h2_sink *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->acceptor, NULL);
    for (size_t i = 0; i < s->n_conns; i++)
        pthread_join(s->conns[i], NULL);
    close(s->fd);
    SSL_CTX_free(s->ssl);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void h2_sink_delay(h2_sink *s, long ms)
{
    pthread_mutex_lock(&s->mu);
    s->answer_delay_ms = ms;
    pthread_mutex_unlock(&s->mu);
}

int h2_sink_port(const h2_sink *s)
{
    return s->port;
}

void h2_sink_counts_get(h2_sink *s, h2_sink_counts *out, int reset)
{
    pthread_mutex_lock(&s->mu);
    *out = s->counts;
    if (reset)
        memset(&s->counts, 0, sizeof s->counts);
    pthread_mutex_unlock(&s->mu);
}
