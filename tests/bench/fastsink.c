/* The bench's epoll receiver (see fastsink.h). One thread: it competes with
 * the sender for the machine's cores, as a real receiver on loopback would.
 * Over TLS (fastsink_start_tls) it runs OpenSSL in non-blocking mode on the
 * same loop: our own receiver rather than nginx, because Debian's nginx
 * package starts a server on port 80 as it installs, and a bench must not
 * leave one behind. */
#define _GNU_SOURCE /* memmem, accept4 */
#include "fastsink.h"

#include "sink.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 65536
#define SAMPLES 8

typedef struct fconn {
    char *in;
    size_t len, cap;
    int64_t answer_at; /* 0: nothing pending */
    int pending;       /* answers owed (pipelining is not used by curl) */
    SSL *ssl;          /* over TLS */
    int handshaken, closing;
} fconn;

typedef struct sample {
    char id[64], ts[32], sig[256];
    char *body;
    size_t body_len;
} sample;

/* A connection owing answers, due at `at`: the delay is the same for all,
 * so they fall due in the order they were queued. */
typedef struct due_answer {
    int fd;
    int64_t at;
} due_answer;

struct fastsink {
    due_answer *due; /* ring of MAX_FD: each fd is queued at most once */
    size_t due_head, due_len;
    int lfd, ep, port, stop, delay_ms;
    int *more_lfds; /* fastsink_start_tls_hosts: the other ports' */
    int *more_ports;
    size_t n_more;
    unsigned char *listener; /* MAX_FD flags: the fd is a listener */
    pthread_t th;
    pthread_mutex_t mu;
    size_t count;
    int64_t *lat;
    size_t n_lat, cap_lat;
    sample samples[SAMPLES];
    size_t n_samples;
    fconn *conns[MAX_FD];
    SSL_CTX *tls;   /* NULL: plain HTTP */
    int close_each; /* answer with Connection: close, then close */
    size_t handshakes, resumed;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *header(const char *head, size_t n, const char *name,
                          size_t *vlen)
{
    size_t nl = strlen(name);
    for (const char *p = head; p && p < head + n;) {
        const char *eol = memchr(p, '\n', (size_t)(head + n - p));
        if (!eol)
            break;
        if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 &&
            p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            *vlen = (size_t)(eol - v) - (eol[-1] == '\r');
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

static void answer(fastsink *s, int fd, fconn *c)
{
    static const char r204[] = "HTTP/1.1 204 No Content\r\n\r\n";
    static const char r204_close[] =
        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    const char *r = s->close_each ? r204_close : r204;
    int len = s->close_each ? (int)sizeof r204_close - 1 : (int)sizeof r204 - 1;
    for (; c->pending > 0; c->pending--)
        if ((c->ssl ? SSL_write(c->ssl, r, len)
                    : send(fd, r, (size_t)len, MSG_NOSIGNAL)) <= 0)
            break;
    c->answer_at = 0;
    c->closing = s->close_each;
}

static void drop(fastsink *s, int fd)
{
    fconn *c = s->conns[fd];
    epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(fd);
    free(c->in);
    free(c);
    s->conns[fd] = NULL;
}

/* Read what is there: >0 bytes, 0 for "nothing more now", -1 to close. */
static ssize_t take(fastsink *s, int fd, fconn *c, char *buf, size_t n)
{
    if (!c->ssl) {
        ssize_t got = read(fd, buf, n);
        return got > 0 ? got : got == 0 ? -1 : errno == EAGAIN || errno == EINTR ? 0 : -1;
    }
    if (!c->handshaken) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            ERR_clear_error();
            return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
        }
        c->handshaken = 1;
        pthread_mutex_lock(&s->mu);
        s->handshakes++;
        s->resumed += SSL_session_reused(c->ssl) == 1;
        pthread_mutex_unlock(&s->mu);
    }
    int r = SSL_read(c->ssl, buf, (int)n);
    if (r > 0)
        return r;
    int e = SSL_get_error(c->ssl, r);
    ERR_clear_error();
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* Parse complete requests from c->in; note them; answer or schedule. */
static void consume(fastsink *s, int fd, fconn *c)
{
    for (;;) {
        char *end = NULL;
        for (size_t i = 0; i + 3 < c->len; i++)
            if (c->in[i] == '\r' && !memcmp(c->in + i, "\r\n\r\n", 4)) {
                end = c->in + i;
                break;
            }
        if (!end)
            return;
        size_t hl = (size_t)(end - c->in) + 4, vl = 0, clen = 0;
        const char *cl = header(c->in, hl, "content-length", &vl);
        if (cl)
            clen = strtoul(cl, NULL, 10);
        if (c->len < hl + clen)
            return;
        const char *body = c->in + hl;
        /* the latency: from the emit time the bench put in the body */
        static const char mark[] = "\"data\":{\"t\":";
        const char *t = memmem(body, clen, mark, sizeof mark - 1);
        pthread_mutex_lock(&s->mu);
        s->count++;
        if (t) {
            int64_t sent = strtoll(t + sizeof mark - 1, NULL, 10);
            if (s->n_lat == s->cap_lat) {
                s->cap_lat = s->cap_lat ? s->cap_lat * 2 : 65536;
                s->lat = realloc(s->lat, s->cap_lat * sizeof *s->lat);
            }
            s->lat[s->n_lat++] = mono_ns() + (int64_t)s->delay_ms * 1000000 -
                                 sent;
        }
        if (s->n_samples < SAMPLES) {
            sample *sm = &s->samples[s->n_samples++];
            const char *v;
            size_t n;
            /* the Standard Webhooks names, or ours when those are off */
            if (((v = header(c->in, hl, "webhook-id", &n)) ||
                 (v = header(c->in, hl, "X-Replicer-Delivery-Id", &n))) &&
                n < 64)
                memcpy(sm->id, v, n);
            if (((v = header(c->in, hl, "webhook-timestamp", &n)) ||
                 (v = header(c->in, hl, "X-Replicer-Timestamp", &n))) &&
                n < 32)
                memcpy(sm->ts, v, n);
            if (((v = header(c->in, hl, "webhook-signature", &n)) ||
                 (v = header(c->in, hl, "X-Replicer-Signature", &n))) &&
                n < 256)
                memcpy(sm->sig, v, n);
            sm->body = malloc(clen + 1);
            memcpy(sm->body, body, clen);
            sm->body[clen] = '\0';
            sm->body_len = clen;
        }
        int delay = s->delay_ms;
        pthread_mutex_unlock(&s->mu);
        memmove(c->in, c->in + hl + clen, c->len - hl - clen);
        c->len -= hl + clen;
        c->pending++;
        if (delay == 0)
            answer(s, fd, c);
        else if (!c->answer_at && s->due_len == MAX_FD)
            answer(s, fd, c); /* cannot happen: fewer connections than slots */
        else if (!c->answer_at) {
            c->answer_at = mono_ns() + (int64_t)delay * 1000000;
            due_answer *q = &s->due[(s->due_head + s->due_len++) % MAX_FD];
            q->fd = fd;
            q->at = c->answer_at;
        }
    }
}

static void *run(void *arg)
{
    fastsink *s = arg;
    struct epoll_event evs[512];
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        int n = epoll_wait(s->ep, evs, 512, s->delay_ms ? 5 : 50);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (s->listener[fd]) {
                int c;
                while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_FD) {
                        close(c);
                        continue;
                    }
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    s->conns[c] = calloc(1, sizeof(fconn));
                    if (s->tls) {
                        s->conns[c]->ssl = SSL_new(s->tls);
                        SSL_set_fd(s->conns[c]->ssl, c);
                        SSL_set_accept_state(s->conns[c]->ssl);
                    }
                    struct epoll_event ev = {EPOLLIN, {.fd = c}};
                    epoll_ctl(s->ep, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            fconn *c = s->conns[fd];
            for (;;) {
                if (c->cap - c->len < 65536) {
                    c->cap = c->cap ? c->cap * 2 : 131072;
                    c->in = realloc(c->in, c->cap);
                }
                ssize_t got = take(s, fd, c, c->in + c->len, c->cap - c->len);
                if (got > 0) {
                    c->len += (size_t)got;
                    continue;
                }
                if (got < 0) {
                    drop(s, fd);
                    c = NULL;
                }
                break;
            }
            if (c)
                consume(s, fd, c);
            if (c && c->closing)
                drop(s, fd);
        }
        if (s->delay_ms) {
            int64_t now = mono_ns();
            while (s->due_len && s->due[s->due_head].at <= now) {
                due_answer q = s->due[s->due_head];
                s->due_head = (s->due_head + 1) % MAX_FD;
                s->due_len--;
                /* the connection may have closed, its fd taken again */
                if (s->conns[q.fd] && s->conns[q.fd]->answer_at == q.at) {
                    answer(s, q.fd, s->conns[q.fd]);
                    if (s->conns[q.fd]->closing)
                        drop(s, q.fd);
                }
            }
        }
    }
    return NULL;
}

static int start_with(fastsink **out, int delay_ms, SSL_CTX *tls,
                      int close_each, size_t more_ports)
{
    fastsink *s = calloc(1, sizeof *s);
    s->delay_ms = delay_ms;
    s->tls = tls;
    s->close_each = close_each;
    s->due = calloc(MAX_FD, sizeof *s->due);
    s->listener = calloc(MAX_FD, 1);
    if ((s->lfd = sink_listen(NULL, 0, 4096, SOCK_NONBLOCK, &s->port)) < 0 ||
        s->lfd >= MAX_FD)
        return -1;
    s->ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.fd = s->lfd}};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev);
    s->listener[s->lfd] = 1;
    s->more_lfds = calloc(more_ports + 1, sizeof *s->more_lfds);
    s->more_ports = calloc(more_ports + 1, sizeof *s->more_ports);
    for (; s->n_more < more_ports; s->n_more++) {
        int fd = sink_listen(NULL, 0, 64, SOCK_NONBLOCK,
                             &s->more_ports[s->n_more]);
        if (fd < 0 || fd >= MAX_FD)
            return -1;
        s->more_lfds[s->n_more] = fd;
        s->listener[fd] = 1;
        struct epoll_event mev = {EPOLLIN, {.fd = fd}};
        epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &mev);
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_create(&s->th, NULL, run, s);
    *out = s;
    return 0;
}

void fastsink_stop(fastsink *s)
{
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
    pthread_join(s->th, NULL);
    for (int fd = 0; fd < MAX_FD; fd++)
        if (s->conns[fd])
            drop(s, fd);
    if (s->tls)
        SSL_CTX_free(s->tls);
    for (size_t i = 0; i < s->n_samples; i++)
        free(s->samples[i].body);
    close(s->lfd);
    for (size_t i = 0; i < s->n_more; i++)
        close(s->more_lfds[i]);
    free(s->more_lfds);
    free(s->more_ports);
    free(s->listener);
    close(s->ep);
    free(s->lat);
    free(s->due);
    free(s);
}

int fastsink_start(fastsink **out, int delay_ms)
{
    return start_with(out, delay_ms, NULL, 0, 0);
}

int fastsink_port(const fastsink *s) { return s->port; }

int fastsink_start_tls_hosts(fastsink **out, const char *cert,
                             const char *key, size_t hosts)
{
    SSL_CTX *tls = SSL_CTX_new(TLS_server_method());
    if (!tls || SSL_CTX_use_certificate_chain_file(tls, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls, key, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(tls);
        return -1;
    }
    int close_each = hosts == 0;
    if (start_with(out, 0, tls, close_each, hosts > 1 ? hosts - 1 : 0) != 0) {
        SSL_CTX_free(tls);
        return -1;
    }
    return 0;
}

int fastsink_start_tls(fastsink **out, const char *cert, const char *key,
                       int close_each)
{
    return fastsink_start_tls_hosts(out, cert, key, close_each ? 0 : 1);
}

int fastsink_port_at(const fastsink *s, size_t i)
{
    return i == 0 ? s->port : i - 1 < s->n_more ? s->more_ports[i - 1] : -1;
}

void fastsink_tls_counts(fastsink *s, size_t *handshakes, size_t *resumed)
{
    pthread_mutex_lock(&s->mu);
    *handshakes = s->handshakes;
    *resumed = s->resumed;
    s->handshakes = s->resumed = 0;
    pthread_mutex_unlock(&s->mu);
}

size_t fastsink_count(fastsink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void fastsink_reset(fastsink *s, int delay_ms)
{
    pthread_mutex_lock(&s->mu);
    s->count = 0;
    s->n_lat = 0;
    s->delay_ms = delay_ms;
    for (size_t i = 0; i < s->n_samples; i++)
        free(s->samples[i].body);
    memset(s->samples, 0, sizeof s->samples);
    s->n_samples = 0;
    pthread_mutex_unlock(&s->mu);
}

size_t fastsink_latencies(fastsink *s, const int64_t **out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->lat;
    size_t n = s->n_lat;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int fastsink_sample(fastsink *s, size_t i, char *id, char *ts, char *sig,
                    char **body, size_t *body_len)
{
    int rc = -1;
    pthread_mutex_lock(&s->mu);
    if (i < s->n_samples) {
        strcpy(id, s->samples[i].id);
        strcpy(ts, s->samples[i].ts);
        strcpy(sig, s->samples[i].sig);
        *body = s->samples[i].body;
        *body_len = s->samples[i].body_len;
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}
