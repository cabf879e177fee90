/* The bench's epoll receiver (see fastsink.h). One thread: it competes with
 * the sender for the machine's cores, as a real receiver on loopback would. */
#define _GNU_SOURCE /* memmem, accept4 */
#include "fastsink.h"

#include "sink.h"

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
    pthread_t th;
    pthread_mutex_t mu;
    size_t count;
    int64_t *lat;
    size_t n_lat, cap_lat;
    sample samples[SAMPLES];
    size_t n_samples;
    fconn *conns[MAX_FD];
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

static void answer(int fd, fconn *c)
{
    static const char r204[] = "HTTP/1.1 204 No Content\r\n\r\n";
    for (; c->pending > 0; c->pending--)
        if (send(fd, r204, sizeof r204 - 1, MSG_NOSIGNAL) < 0)
            break;
    c->answer_at = 0;
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
            answer(fd, c);
        else if (!c->answer_at && s->due_len == MAX_FD)
            answer(fd, c); /* cannot happen: fewer connections than slots */
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
            if (fd == s->lfd) {
                int c;
                while ((c = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_FD) {
                        close(c);
                        continue;
                    }
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    s->conns[c] = calloc(1, sizeof(fconn));
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
                ssize_t got = read(fd, c->in + c->len, c->cap - c->len);
                if (got > 0) {
                    c->len += (size_t)got;
                    continue;
                }
                if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    free(c->in);
                    free(c);
                    s->conns[fd] = NULL;
                    c = NULL;
                }
                break;
            }
            if (c)
                consume(s, fd, c);
        }
        if (s->delay_ms) {
            int64_t now = mono_ns();
            while (s->due_len && s->due[s->due_head].at <= now) {
                due_answer q = s->due[s->due_head];
                s->due_head = (s->due_head + 1) % MAX_FD;
                s->due_len--;
                /* the connection may have closed, its fd taken again */
                if (s->conns[q.fd] && s->conns[q.fd]->answer_at == q.at)
                    answer(q.fd, s->conns[q.fd]);
            }
        }
    }
    return NULL;
}

int fastsink_start(fastsink **out, int delay_ms)
{
    fastsink *s = calloc(1, sizeof *s);
    s->delay_ms = delay_ms;
    s->due = calloc(MAX_FD, sizeof *s->due);
    if ((s->lfd = sink_listen(NULL, 0, 4096, SOCK_NONBLOCK, &s->port)) < 0)
        return -1;
    s->ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.fd = s->lfd}};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev);
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
        if (s->conns[fd]) {
            close(fd);
            free(s->conns[fd]->in);
            free(s->conns[fd]);
        }
    for (size_t i = 0; i < s->n_samples; i++)
        free(s->samples[i].body);
    close(s->lfd);
    close(s->ep);
    free(s->lat);
    free(s->due);
    free(s);
}

int fastsink_port(const fastsink *s) { return s->port; }

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
