/* Event-loop integration: the library driven through an epoll loop only,
 * from its socket and timer callbacks, with rh_process_fd() on readiness and
 * rh_tick() when the timer fires; never rh_wait(). */
#include "rh_http.h"     /* rh__http_test_per_handle */
#include "rh_internal.h" /* ctx->http */
#include "rh_test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef struct loop {
    int ep;
    int64_t deadline; /* -1: no timer */
    int watched;      /* sockets being watched now */
    int max_watched;
    int timer_calls;
} loop;

static void on_socket(int fd, unsigned int what, void *ud)
{
    loop *l = ud;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.data.fd = fd;
    if (what & RH_POLL_REMOVE) {
        if (epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL) == 0)
            l->watched--;
        return;
    }
    ev.events = (what & RH_POLL_IN ? EPOLLIN : 0u) |
                (what & RH_POLL_OUT ? EPOLLOUT : 0u);
    if (epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) != 0 &&
        epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
        l->watched++;
        if (l->watched > l->max_watched)
            l->max_watched = l->watched;
    }
}

static void on_timer(int64_t timeout_ms, void *ud)
{
    loop *l = ud;
    l->timer_calls++;
    l->deadline = timeout_ms < 0 ? -1 : rh_test_mono_ms() + timeout_ms;
}

/* 60 deliveries through the loop; per_handle > 0 puts that many transfers
 * on each libcurl multi handle (the host is told of every handle's
 * sockets and each fd it hands back reaches its own handle). */
static void deliver_through_an_epoll_loop(size_t per_handle)
{
    sink *s = rh_test_sink();
    loop l = {epoll_create1(EPOLL_CLOEXEC), -1, 0, 0, 0};
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    enum { N = 60 };
    RH_CHECK(l.ep >= 0);
    sink_rule(s, "/loop", 200, 5, NULL, NULL, -1);
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_socket_cb(cfg, on_socket, &l);
    rh_config_set_timer_cb(cfg, on_timer, &l);
    RH_CHECK_EQ_INT(RH_OK, rh_ctx_new(&ctx, cfg));
    rh_config_free(cfg);
    if (per_handle)
        rh__http_test_per_handle(ctx->http, per_handle);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_process_fd(NULL, 0, 0));
    sink_url(s, "/loop", url, sizeof url);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    for (int i = 0; i < N; i++)
        RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK(l.deadline >= 0); /* emit asked for a tick */
    int finished = 0;
    int64_t end = rh_test_mono_ms() + 20000;
    while (finished < N && rh_test_mono_ms() < end) {
        struct epoll_event evs[64];
        int64_t wait = l.deadline < 0 ? 1000 : l.deadline - rh_test_mono_ms();
        int n = epoll_wait(l.ep, evs, 64, (int)(wait < 0 ? 0 : wait));
        for (int i = 0; i < n; i++) {
            unsigned int what = (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)
                                     ? RH_POLL_IN
                                     : 0u) |
                                (evs[i].events & EPOLLOUT ? RH_POLL_OUT : 0u);
            int rc = rh_process_fd(ctx, evs[i].data.fd, what);
            RH_CHECK(rc >= 0);
            finished += rc;
        }
        if (l.deadline >= 0 && rh_test_mono_ms() >= l.deadline) {
            l.deadline = -1;
            int rc = rh_tick(ctx);
            RH_CHECK(rc >= 0);
            finished += rc;
        }
    }
    RH_CHECK_EQ_INT(N, finished);
    RH_CHECK_EQ_INT(N, sink_count(s));
    RH_CHECK(l.max_watched >= 1);
    RH_CHECK(l.timer_calls >= 2);
    /* every request is the real thing */
    for (int i = 0; i < N; i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, (size_t)i, &r));
        RH_CHECK_EQ_INT(RH_OK,
                        rh_test_verify_request(&r, secret, -1));
        sink_request_free(&r);
    }
    /* all done: the timer is off */
    RH_CHECK_EQ_INT(-1, rh_next_timeout_ms(ctx));
    RH_CHECK_EQ_INT(-1, l.deadline);
    rh_ctx_free(ctx); /* may close connections: socket notices, no crash */
    close(l.ep);
    sink_stop(s);
}

static void test_loop__delivers_through_an_epoll_loop_only(void)
{
    deliver_through_an_epoll_loop(0);
}

static void test_loop__epoll_loop_over_several_multi_handles(void)
{
    deliver_through_an_epoll_loop(4);
}

static void test_loop__needs_both_callbacks(void)
{
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    loop l = {-1, -1, 0, 0, 0};
    rh_config_new(&cfg);
    rh_config_set_socket_cb(cfg, on_socket, &l);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_new(&ctx, cfg));
    rh_config_set_socket_cb(cfg, NULL, NULL);
    rh_config_set_timer_cb(cfg, on_timer, &l);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_ctx_new(&ctx, cfg));
    rh_config_set_timer_cb(cfg, NULL, NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_ctx_new(&ctx, cfg));
    /* without a loop, rh_process_fd has nothing to do */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_process_fd(ctx, 3, RH_POLL_IN));
    rh_ctx_free(ctx);
    rh_config_free(cfg);
}

/* The libuv glue in examples/, run as a program against the sink. */
static void test_loop__libuv_example_delivers(void)
{
    char path[512], url[128], cmd[800];
    snprintf(path, sizeof path, "%s", rh_test_tool());
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path,
             sizeof path - (size_t)(slash ? slash + 1 - path : 0),
             "example-libuv");
    if (access(path, X_OK) != 0)
        RH_SKIP("example-libuv not built (no libuv1-dev)");
    sink *s = rh_test_sink();
    sink_url(s, "/uv", url, sizeof url);
    snprintf(cmd, sizeof cmd, "%s %s 25 > /dev/null", path, url);
    int status = system(cmd);
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    RH_CHECK_EQ_INT(25, sink_count(s));
    sink_stop(s);
}

const rh_test_case rh_tests_loop[] = {
    {"loop__libuv_example_delivers", test_loop__libuv_example_delivers},
    {"loop__delivers_through_an_epoll_loop_only",
     test_loop__delivers_through_an_epoll_loop_only},
    {"loop__epoll_loop_over_several_multi_handles",
     test_loop__epoll_loop_over_several_multi_handles},
    {"loop__needs_both_callbacks", test_loop__needs_both_callbacks},
    {NULL, NULL}};
