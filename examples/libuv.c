/* Glue for libuv hosts: the library's sockets become uv_poll handles and its
 * timer a uv_timer; nothing else is needed. Outside the ABI, like hiredis's
 * adapters. Usage: example-libuv URL [COUNT] (development mode). */
#include <replicer-hooks/rh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct glue {
    uv_loop_t *loop;
    uv_timer_t timer;
    rh_ctx *ctx;
    int delivered, wanted;
} glue;

typedef struct watched {
    uv_poll_t poll;
    glue *g;
    int fd;
} watched;

/* uv_poll handles by fd; a small table is enough for an example. */
static watched *handles[4096];

static void on_ready(uv_poll_t *p, int status, int events)
{
    watched *w = p->data;
    unsigned int what = 0;
    if (status < 0 || events & UV_READABLE)
        what |= RH_POLL_IN;
    if (events & UV_WRITABLE)
        what |= RH_POLL_OUT;
    int n = rh_process_fd(w->g->ctx, w->fd, what);
    if (n > 0)
        w->g->delivered += n;
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_socket(int fd, unsigned int what, void *ud)
{
    glue *g = ud;
    if (fd < 0 || fd >= 4096)
        return;
    watched *w = handles[fd];
    if (what & RH_POLL_REMOVE) {
        if (w) {
            uv_poll_stop(&w->poll);
            uv_close((uv_handle_t *)&w->poll, on_closed);
            handles[fd] = NULL;
        }
        return;
    }
    if (!w) {
        w = calloc(1, sizeof *w);
        w->g = g;
        w->fd = fd;
        w->poll.data = w;
        uv_poll_init_socket(g->loop, &w->poll, fd);
        handles[fd] = w;
    }
    uv_poll_start(&w->poll,
                  (what & RH_POLL_IN ? UV_READABLE : 0) |
                      (what & RH_POLL_OUT ? UV_WRITABLE : 0),
                  on_ready);
}

static void on_timer_fired(uv_timer_t *t)
{
    glue *g = t->data;
    int n = rh_tick(g->ctx);
    if (n > 0)
        g->delivered += n;
    if (g->delivered >= g->wanted && rh_next_timeout_ms(g->ctx) != 0)
        uv_stop(g->loop);
}

static void on_timer(int64_t timeout_ms, void *ud)
{
    glue *g = ud;
    if (timeout_ms < 0)
        uv_timer_stop(&g->timer);
    else
        uv_timer_start(&g->timer, on_timer_fired, (uint64_t)timeout_ms, 0);
}

int main(int argc, char **argv)
{
    glue g;
    rh_config *cfg = NULL;
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [COUNT]\n", argv[0]);
        return 2;
    }
    memset(&g, 0, sizeof g);
    g.loop = uv_default_loop();
    g.wanted = argc > 2 ? atoi(argv[2]) : 10;
    uv_timer_init(g.loop, &g.timer);
    g.timer.data = &g;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_socket_cb(cfg, on_socket, &g);
    rh_config_set_timer_cb(cfg, on_timer, &g);
    if (rh_ctx_new(&g.ctx, cfg) != RH_OK)
        return 1;
    rh_config_free(cfg);
    if (rh_endpoint_add(g.ctx, argv[1], events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK) {
        fprintf(stderr, "%s\n", rh_ctx_last_error(g.ctx));
        return 1;
    }
    for (int i = 0; i < g.wanted; i++)
        rh_emit(g.ctx, "uv.example", "{\"n\":1}", 7, NULL, 0);
    uv_run(g.loop, UV_RUN_DEFAULT);
    printf("%d attempts finished through libuv\n", g.delivered);
    rh_ctx_free(g.ctx);
    uv_close((uv_handle_t *)&g.timer, NULL);
    uv_run(g.loop, UV_RUN_DEFAULT); /* let the closes finish */
    uv_loop_close(g.loop);
    return g.delivered >= g.wanted ? 0 : 1;
}
