/* The demo's webhook receiver: one thread polling a loopback listener and its
 * connections, HTTP/1.1 keep-alive, each request kept for the demo to check. */
#include "receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define MAX_KEPT 256
#define BUF_MAX 65536 /* one request's head and body: the demo's are small */

typedef struct client {
    int fd;
    char buf[BUF_MAX];
    size_t len;
} client;

struct receiver {
    int listen_fd, port, stop;
    char failing[64];
    pthread_t thread;
    pthread_mutex_t mu;
    client clients[MAX_CLIENTS];
    received kept[MAX_KEPT];
    size_t n_kept;
};

/* The value of header `name` in the head [head, end), copied into out. */
static void header_value(const char *head, const char *end, const char *name,
                         char *out, size_t outsz)
{
    size_t n = strlen(name);
    out[0] = '\0';
    for (const char *l = strstr(head, "\r\n"); l && l < end;
         l = strstr(l + 2, "\r\n")) {
        const char *v = l + 2;
        if ((size_t)(end - v) > n && strncasecmp(v, name, n) == 0 &&
            v[n] == ':') {
            v += n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r");
            if (len >= outsz)
                len = outsz - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return;
        }
    }
}

/* The blank line that ends a request's head, or NULL. */
static char *head_end(char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

/* A whole request in c->buf: keep it, answer it, drop it from the buffer.
 * 1 when one was handled, 0 when more bytes are needed, -1 on garbage. */
static int handle_one(receiver *r, client *c)
{
    char *end = head_end(c->buf, c->len), cl[24], path[128] = "", *body;
    size_t head_len, body_len;
    received *k;
    if (!end)
        return c->len == sizeof c->buf ? -1 : 0;
    c->buf[c->len < sizeof c->buf ? c->len : sizeof c->buf - 1] = '\0';
    head_len = (size_t)(end - c->buf) + 4;
    header_value(c->buf, end, "Content-Length", cl, sizeof cl);
    body_len = (size_t)strtoul(cl, NULL, 10);
    if (head_len + body_len > sizeof c->buf - 1)
        return -1;
    if (c->len < head_len + body_len)
        return 0;
    sscanf(c->buf, "%*s %127s", path);
    int failing =
        r->failing[0] && strncmp(path, r->failing, strlen(r->failing)) == 0;
    pthread_mutex_lock(&r->mu);
    if (r->n_kept < MAX_KEPT && (body = malloc(body_len + 1)) != NULL) {
        k = &r->kept[r->n_kept];
        memset(k, 0, sizeof *k);
        memcpy(k->path, path, sizeof k->path);
        header_value(c->buf, end, "webhook-id", k->id, sizeof k->id);
        header_value(c->buf, end, "webhook-timestamp", k->timestamp,
                     sizeof k->timestamp);
        header_value(c->buf, end, "webhook-signature", k->signature,
                     sizeof k->signature);
        memcpy(body, c->buf + head_len, body_len);
        body[body_len] = '\0';
        k->body = body;
        k->body_len = body_len;
        r->n_kept++;
    }
    pthread_mutex_unlock(&r->mu);
    static const char ok[] = "HTTP/1.1 204 No Content\r\n\r\n";
    static const char down[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "Content-Length: 20\r\n\r\n"
                               "down for maintenance";
    const char *answer = failing ? down : ok;
    size_t answer_len = failing ? sizeof down - 1 : sizeof ok - 1;
    if (write(c->fd, answer, answer_len) != (ssize_t)answer_len)
        return -1;
    memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
    c->len -= head_len + body_len;
    return 1;
}

static void *run(void *arg)
{
    receiver *r = arg;
    struct pollfd p[MAX_CLIENTS + 1];
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        p[0].fd = r->listen_fd;
        p[0].events = POLLIN;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            p[i + 1].fd = r->clients[i].fd;
            p[i + 1].events = POLLIN;
        }
        if (poll(p, MAX_CLIENTS + 1, 50) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(r->listen_fd, NULL, NULL);
            for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
                if (r->clients[i].fd < 0) {
                    r->clients[i].fd = fd;
                    r->clients[i].len = 0;
                    fd = -1;
                }
            if (fd >= 0)
                close(fd); /* no room */
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            client *c = &r->clients[i];
            if (c->fd < 0 || !(p[i + 1].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
            int rc = 0;
            if (n > 0) {
                c->len += (size_t)n;
                while ((rc = handle_one(r, c)) == 1)
                    ;
            }
            if (n <= 0 || rc < 0) {
                close(c->fd);
                c->fd = -1;
            }
        }
    }
    return NULL;
}

int receiver_start(receiver **out, const char *failing_prefix)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    receiver *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        r->clients[i].fd = -1;
    strncpy(r->failing, failing_prefix ? failing_prefix : "",
            sizeof r->failing - 1);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (r->listen_fd < 0 || bind(r->listen_fd, (struct sockaddr *)&a, len) ||
        listen(r->listen_fd, 16) ||
        getsockname(r->listen_fd, (struct sockaddr *)&a, &len)) {
        if (r->listen_fd >= 0)
            close(r->listen_fd);
        free(r);
        return -1;
    }
    r->port = ntohs(a.sin_port);
    pthread_mutex_init(&r->mu, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        close(r->listen_fd);
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

int receiver_port(const receiver *r)
{
    return r->port;
}

size_t receiver_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n_kept;
    pthread_mutex_unlock(&r->mu);
    return n;
}

const received *receiver_get(receiver *r, size_t i)
{
    return i < receiver_count(r) ? &r->kept[i] : NULL;
}

void receiver_stop(receiver *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (r->clients[i].fd >= 0)
            close(r->clients[i].fd);
    close(r->listen_fd);
    for (size_t i = 0; i < r->n_kept; i++)
        free(r->kept[i].body);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
