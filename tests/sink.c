/* The loopback HTTP sink: one thread, poll(), keep-alive, a Content-Length
 * body parser, and scripted answers. Written for the tests; not for the
 * Internet. */
#include "sink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024 /* idle connections to 600 hosts (test_idle.c) */
#define MAX_RULES 64

typedef struct rule {
    char prefix[128];
    int status;
    int delay_ms;
    char *extra;
    char *body;
    int times;
    char *raw; /* a raw answer (sink_rule_raw), else NULL */
    size_t raw_len;
    int trickle_ms, after;
} rule;

typedef struct conn {
    int fd;
    int id;
    char *in;
    size_t in_len, in_cap;
    char *out;        /* the answer waiting to be sent */
    size_t out_len, out_off;
    int64_t send_at;  /* -1: hold forever */
    int waiting;      /* an answer is scheduled */
    char wid[64];     /* its webhook-id, while waiting */
    int raw;          /* the answer is a raw one: trickle and after apply */
    int trickle_ms, after;
} conn;

struct sink {
    int listen_fd;
    int port;
    int wake[2];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int64_t deadline;
    sink_request *reqs;
    size_t n_reqs, cap_reqs;
    rule rules[MAX_RULES];
    size_t n_rules;
    conn conns[MAX_CONNS];
    size_t n_accepted;
    size_t overlaps;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Pick the answer for path under the lock; fills status, delay, extra,
 * body, or sets up c's raw answer and returns 1. */
static int choose(sink *s, conn *c, const char *path, int *status, int *delay,
                  char **extra, char **body)
{
    *status = 200;
    *delay = 0;
    *extra = NULL;
    *body = NULL;
    for (size_t i = s->n_rules; i-- > 0;) {
        rule *r = &s->rules[i];
        if (r->times == 0 || strncmp(path, r->prefix, strlen(r->prefix)) != 0)
            continue;
        if (r->times > 0)
            r->times--;
        if (r->raw) {
            c->out = malloc(r->raw_len + 1);
            memcpy(c->out, r->raw, r->raw_len);
            c->out_len = r->raw_len;
            c->raw = 1;
            c->trickle_ms = r->trickle_ms;
            c->after = r->after;
            return 1;
        }
        *status = r->status;
        *delay = r->delay_ms;
        *extra = r->extra ? strdup(r->extra) : NULL;
        *body = r->body ? strdup(r->body) : NULL;
        return 0;
    }
    return 0;
}

/* Parse one complete request from c->in if there is one; 1 if handled. */
static int try_request(sink *s, conn *c)
{
    char *end = NULL;
    size_t hdr_len, clen = 0;
    if (c->waiting)
        return 0;
    for (size_t i = 0; i + 3 < c->in_len; i++)
        if (memcmp(c->in + i, "\r\n\r\n", 4) == 0) {
            end = c->in + i;
            break;
        }
    if (!end)
        return 0;
    hdr_len = (size_t)(end - c->in) + 4;
    sink_request r;
    memset(&r, 0, sizeof r);
    char *head = strndup(c->in, hdr_len - 4);
    char *save = NULL, *line = strtok_r(head, "\r\n", &save);
    if (line)
        sscanf(line, "%15s %255s", r.method, r.path);
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char *colon = strchr(line, ':');
        if (!colon || r.n_headers >= SINK_MAX_HEADERS)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        r.names[r.n_headers] = strdup(line);
        r.values[r.n_headers] = strdup(v);
        if (strcasecmp(line, "Content-Length") == 0)
            clen = (size_t)strtoul(v, NULL, 10);
        r.n_headers++;
    }
    free(head);
    if (c->in_len < hdr_len + clen) {
        sink_request_free(&r);
        return 0;
    }
    r.body = malloc(clen + 1);
    memcpy(r.body, c->in + hdr_len, clen);
    r.body[clen] = '\0';
    r.body_len = clen;
    r.received_ms = wall_ms();
    r.connection = c->id;
    memmove(c->in, c->in + hdr_len + clen, c->in_len - hdr_len - clen);
    c->in_len -= hdr_len + clen;

    int status, delay;
    char *extra, *body;
    const char *wid = sink_header(&r, "webhook-id");
    pthread_mutex_lock(&s->mu);
    if (wid && *wid) {
        for (size_t i = 0; i < MAX_CONNS; i++)
            if (&s->conns[i] != c && s->conns[i].fd >= 0 &&
                s->conns[i].waiting && strcmp(s->conns[i].wid, wid) == 0)
                s->overlaps++;
        snprintf(c->wid, sizeof c->wid, "%s", wid);
    }
    int raw = choose(s, c, r.path, &status, &delay, &extra, &body);
    if (s->n_reqs == s->cap_reqs) {
        s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 64;
        s->reqs = realloc(s->reqs, s->cap_reqs * sizeof *s->reqs);
    }
    s->reqs[s->n_reqs++] = r;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (raw) {
        c->out_off = 0;
        c->send_at = now_ms();
        c->waiting = 1;
        return 1;
    }

    const char *b = body ? body : (status == 204 ? "" : "ok");
    size_t cap = strlen(b) + (extra ? strlen(extra) : 0) + 256;
    c->out = malloc(cap);
    c->out_len = (size_t)snprintf(c->out, cap,
                                  "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
                                  "%s\r\n%s",
                                  status, reason(status),
                                  status == 204 ? (size_t)0 : strlen(b),
                                  extra ? extra : "", status == 204 ? "" : b);
    c->out_off = 0;
    c->send_at = delay < 0 ? -1 : now_ms() + delay;
    c->waiting = 1;
    free(extra);
    free(body);
    return 1;
}

static void *run(void *arg)
{
    sink *s = arg;
    struct pollfd pfd[MAX_CONNS + 2];
    for (;;) {
        int64_t now = now_ms(), timeout = 50;
        size_t n = 0;
        pthread_mutex_lock(&s->mu);
        int stop = s->stop || now > s->deadline;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        pfd[n].fd = s->listen_fd;
        pfd[n++].events = POLLIN;
        pfd[n].fd = s->wake[0];
        pfd[n++].events = POLLIN;
        for (size_t i = 0; i < MAX_CONNS; i++) {
            conn *c = &s->conns[i];
            pfd[n].fd = c->fd; /* -1 is ignored by poll */
            pfd[n].events = POLLIN;
            if (c->fd >= 0 && c->waiting && c->send_at >= 0) {
                if (c->send_at <= now)
                    pfd[n].events |= POLLOUT;
                else if (c->send_at - now < timeout)
                    timeout = c->send_at - now;
            }
            n++;
        }
        if (poll(pfd, n, (int)timeout) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents & POLLIN) {
            char b[64];
            if (read(s->wake[0], b, sizeof b) < 0) {
                /* nothing to do: the stop flag is read at the top */
            }
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0) {
                size_t i;
                for (i = 0; i < MAX_CONNS && s->conns[i].fd >= 0; i++)
                    ;
                if (i == MAX_CONNS) {
                    close(fd);
                } else {
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                    s->conns[i].fd = fd;
                    pthread_mutex_lock(&s->mu);
                    s->conns[i].id = (int)++s->n_accepted;
                    pthread_mutex_unlock(&s->mu);
                }
            }
        }
        for (size_t i = 0; i < MAX_CONNS; i++) {
            conn *c = &s->conns[i];
            short ev = pfd[i + 2].revents;
            if (c->fd < 0 || pfd[i + 2].fd != c->fd)
                continue;
            if (ev & (POLLIN | POLLHUP | POLLERR)) {
                char buf[65536];
                ssize_t got = read(c->fd, buf, sizeof buf);
                if (got <= 0) {
                    if (got < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                    conn_close(c);
                    continue;
                }
                if (c->in_len + (size_t)got > c->in_cap) {
                    c->in_cap = (c->in_len + (size_t)got) * 2;
                    c->in = realloc(c->in, c->in_cap);
                }
                memcpy(c->in + c->in_len, buf, (size_t)got);
                c->in_len += (size_t)got;
            }
            try_request(s, c);
            if (c->waiting && c->send_at >= 0 && c->send_at <= now_ms()) {
                /* MSG_NOSIGNAL: a client that hung up is not a crash */
                size_t left = c->out_len - c->out_off;
                ssize_t w =
                    send(c->fd, c->out + c->out_off,
                         c->raw && c->trickle_ms ? 1 : left, MSG_NOSIGNAL);
                if (w > 0) {
                    c->out_off += (size_t)w;
                    if (c->raw && c->trickle_ms)
                        c->send_at = now_ms() + c->trickle_ms;
                } else if (w < 0 && errno != EAGAIN) {
                    conn_close(c);
                    continue;
                }
                if (c->out_off == c->out_len && c->raw &&
                    c->after != SINK_RAW_KEEP) {
                    if (c->after == SINK_RAW_CLOSE) {
                        conn_close(c);
                    } else if (c->after == SINK_RAW_HOLD) {
                        c->send_at = -1; /* silent until the client goes */
                    } else { /* SINK_RAW_ENDLESS: more of the body, forever */
                        free(c->out);
                        c->out_len = 16384;
                        c->out = malloc(c->out_len);
                        memset(c->out, 'x', c->out_len);
                        c->out_off = 0;
                    }
                    continue;
                }
                if (c->out_off == c->out_len) {
                    free(c->out);
                    c->out = NULL;
                    pthread_mutex_lock(&s->mu);
                    c->waiting = 0;
                    c->raw = 0;
                    c->wid[0] = '\0';
                    pthread_mutex_unlock(&s->mu);
                    try_request(s, c); /* a pipelined next request */
                }
            }
        }
    }
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (s->conns[i].fd >= 0)
            conn_close(&s->conns[i]);
    return NULL;
}

int sink_start(sink **out, int64_t max_life_ms)
{
    return sink_start_at(out, "127.0.0.1", 0, max_life_ms);
}

int sink_listen(const char *ip, int port, int backlog, int sock_flags,
                int *port_out)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1, fd;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    /* loopback only: 127.0.0.0/8 */
    if (inet_pton(AF_INET, ip ? ip : "127.0.0.1", &a.sin_addr) != 1 ||
        (ntohl(a.sin_addr.s_addr) >> 24) != 127)
        return -1;
    if ((fd = socket(AF_INET, SOCK_STREAM | sock_flags, 0)) < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (backlog >= 0 && listen(fd, backlog) != 0) ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port_out = ntohs(a.sin_port);
    return fd;
}

int sink_start_at(sink **out, const char *ip, int port, int64_t max_life_ms)
{
    sink *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < MAX_CONNS; i++)
        s->conns[i].fd = -1;
    s->listen_fd = sink_listen(ip, port, 512, 0, &s->port);
    if (s->listen_fd < 0 || pipe(s->wake) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return -1;
    }
    s->deadline = now_ms() + max_life_ms;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        close(s->listen_fd);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sink_stop(sink *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_mutex_unlock(&s->mu);
    if (write(s->wake[1], "x", 1) < 0) {
        /* the thread also wakes within 50 ms */
    }
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    for (size_t i = 0; i < s->n_reqs; i++)
        sink_request_free(&s->reqs[i]);
    free(s->reqs);
    for (size_t i = 0; i < s->n_rules; i++) {
        free(s->rules[i].extra);
        free(s->rules[i].body);
        free(s->rules[i].raw);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

int sink_port(const sink *s) { return s->port; }

void sink_url(const sink *s, const char *path, char *out, size_t outsz)
{
    snprintf(out, outsz, "http://127.0.0.1:%d%s", s->port, path);
}

void sink_rule(sink *s, const char *prefix, int status, int delay_ms,
               const char *extra, const char *body, int times)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_rules < MAX_RULES) {
        rule *r = &s->rules[s->n_rules++];
        snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
        r->status = status;
        r->delay_ms = delay_ms;
        r->extra = extra ? strdup(extra) : NULL;
        r->body = body ? strdup(body) : NULL;
        r->times = times;
    }
    pthread_mutex_unlock(&s->mu);
}

void sink_rule_raw(sink *s, const char *prefix, const char *bytes, size_t len,
                   int trickle_ms, int after, int times)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_rules < MAX_RULES) {
        rule *r = &s->rules[s->n_rules++];
        memset(r, 0, sizeof *r);
        snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
        r->raw = malloc(len + 1);
        memcpy(r->raw, bytes, len);
        r->raw_len = len;
        r->trickle_ms = trickle_ms;
        r->after = after;
        r->times = times;
    }
    pthread_mutex_unlock(&s->mu);
}

size_t sink_count(sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_reqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t sink_overlaps(sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->overlaps;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t sink_connections(sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_accepted;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int sink_wait_count(sink *s, size_t n, int64_t timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    int ok;
    pthread_mutex_lock(&s->mu);
    while (s->n_reqs < n && now_ms() < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    ok = s->n_reqs >= n ? 0 : -1;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int sink_get(sink *s, size_t i, sink_request *out)
{
    int rc = -1;
    pthread_mutex_lock(&s->mu);
    if (i < s->n_reqs) {
        sink_request *r = &s->reqs[i];
        *out = *r;
        for (size_t k = 0; k < r->n_headers; k++) {
            out->names[k] = strdup(r->names[k]);
            out->values[k] = strdup(r->values[k]);
        }
        out->body = malloc(r->body_len + 1);
        memcpy(out->body, r->body, r->body_len + 1);
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void sink_request_free(sink_request *r)
{
    for (size_t k = 0; k < r->n_headers; k++) {
        free(r->names[k]);
        free(r->values[k]);
    }
    free(r->body);
    r->n_headers = 0;
    r->body = NULL;
}

const char *sink_header(const sink_request *r, const char *name)
{
    for (size_t k = 0; k < r->n_headers; k++)
        if (strcasecmp(r->names[k], name) == 0)
            return r->values[k];
    return NULL;
}
