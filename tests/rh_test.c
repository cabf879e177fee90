/* The test harness's helpers: failures and skips, the fake clock, contexts,
 * running the tool, and counting what a context logged (the runner that
 * calls the tests is rh_runner.c). */
#include "rh_test.h"
#include "backends.h"
#include "rh_internal.h"

#include <signal.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int rh_test_failed;
int rh_test_skipped;
int64_t rh_test_now_ms = 1700000000000LL;

void rh_test_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "    %s:%d: %s\n", file, line, what);
    rh_test_failed = 1;
}

int64_t rh_test_clock(void *userdata)
{
    (void)userdata;
    return rh_test_now_ms;
}

rh_config *rh_test_config(void)
{
    rh_config *cfg = NULL;
    if (rh_config_new(&cfg) != RH_OK)
        abort();
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_clock(cfg, rh_test_clock, NULL);
    rh_config_set_timeout_ms(cfg, 5000);
    return cfg;
}

rh_ctx *rh_test_ctx_from(rh_config *cfg)
{
    rh_ctx *ctx = NULL;
    int rc = rh_ctx_new(&ctx, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        fprintf(stderr, "rh_ctx_new: %s\n", rh_strerror(rc));
        abort();
    }
    return ctx;
}

rh_ctx *rh_test_ctx_new(void) { return rh_test_ctx_from(rh_test_config()); }

int64_t rh_test_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *rh_test_tool(void)
{
    const char *t = getenv("RH_TOOL");
    return t && *t ? t : "build/replicer-hooks";
}

/* Run the tool with args, feeding `in` on stdin; stdout+stderr into out. */
int rh_test_tool_run(const char *const *args, const char *in, char *out,
                     size_t outsz)
{
    int to[2], from[2], status = 0;
    const char *argv[32];
    size_t n = 0, got = 0;
    argv[n++] = rh_test_tool();
    for (; args[n - 1] && n < 31; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    if (pipe(to) != 0 || pipe(from) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        dup2(from[1], 2);
        close(to[1]);
        close(from[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    if (in && write(to[1], in, strlen(in)) < 0) {
        /* the tool may exit before reading: its exit code says why */
    }
    close(to[1]);
    for (;;) {
        ssize_t r = read(from[0], out + got, outsz - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got + 1 >= outsz)
            break;
    }
    out[got] = '\0';
    close(from[0]);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t rh_test_tool_spawn(const char *const *args, int *out_fd,
                         const char *log_path)
{
    int from[2] = {-1, -1};
    const char *argv[40];
    size_t n = 0;
    argv[n++] = rh_test_tool();
    for (; args[n - 1] && n < 39; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    if (out_fd && pipe(from) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = out_fd ? from[1]
                        : open(log_path ? log_path : "/dev/null",
                               O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        if (out_fd)
            close(from[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (out_fd) {
        close(from[1]);
        *out_fd = from[0];
    }
    return pid;
}

int rh_test_read_until(int fd, const char *want, char *buf, size_t size,
                       int64_t ms)
{
    size_t got = 0;
    int64_t end = rh_test_mono_ms() + ms;
    buf[0] = '\0';
    while (!strstr(buf, want) && got + 1 < size) {
        int64_t left = end - rh_test_mono_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        ssize_t r = read(fd, buf + got, size - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        buf[got] = '\0';
    }
    return strstr(buf, want) ? 0 : -1;
}

int rh_test_by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void rh_test_pause(rh_ctx *ctx, int64_t ms)
{
    rh__http_wait(ctx->http, ms);
}

int rh_test_tick_until_sent(rh_ctx *ctx, sink *s, size_t n, int64_t max_ms)
{
    int64_t end = rh_test_mono_ms() + max_ms;
    while (sink_count(s) < n) {
        int rc = rh_tick(ctx);
        if (rc < 0)
            return rc;
        if (rh_test_mono_ms() > end)
            return -1;
        rh_test_pause(ctx, 10);
    }
    return 0;
}

int rh_test_tick_through(rh_ctx *ctx, int64_t ms, int64_t *worst_ms,
                         int *storage_failures, char *why, size_t why_size)
{
    int64_t end = rh_test_mono_ms() + ms;
    while (rh_test_mono_ms() < end) {
        int64_t t0 = rh_test_mono_ms();
        int rc = rh_tick(ctx);
        int64_t took = rh_test_mono_ms() - t0;
        if (took > *worst_ms)
            *worst_ms = took;
        if (rc == RH_E_STORAGE) {
            (*storage_failures)++;
            if (why_size)
                snprintf(why, why_size, "%s", rh_ctx_last_error(ctx));
        } else if (rc < 0) {
            return rc;
        }
        rh_test_pause(ctx, 20);
    }
    return 0;
}

typedef struct outside_pass {
    int64_t min_ms, max_ms;
    int n;
} outside_pass;

static int attempt_outside(const rh_attempt *at, void *ud)
{
    outside_pass *p = ud;
    int64_t d = rh_attempt_duration_ms(at);
    if (!rh_attempt_success(at) || d < p->min_ms || d > p->max_ms) {
        fprintf(stderr, "    attempt %s: success %d, %lld ms\n",
                rh_attempt_delivery_id(at), rh_attempt_success(at),
                (long long)d);
        p->n++;
    }
    return RH_OK;
}

int rh_test_attempts_outside(rh_ctx *ctx, int64_t min_ms, int64_t max_ms)
{
    outside_pass p = {min_ms, max_ms, 0};
    int rc = rh_log_attempts(ctx, NULL, attempt_outside, &p);
    return rc < 0 ? rc : p.n;
}

int rh_test_drive(rh_ctx *ctx, int64_t max_real_ms)
{
    int64_t end = rh_test_mono_ms() + max_real_ms;
    int total = 0;
    while (rh_test_mono_ms() < end) {
        int rc = rh_tick(ctx);
        if (rc < 0)
            return rc;
        total += rc;
        if (rh_ctx_in_flight(ctx) == 0 && rh_next_timeout_ms(ctx) != 0)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return total;
}

sink *rh_test_sink(void)
{
    sink *s = NULL;
    if (sink_start(&s, 60000) != 0)
        abort();
    return s;
}

int rh_test_verify_request(const sink_request *r, const char *secret,
                           int64_t now_s)
{
    const char *ts = sink_header(r, "webhook-timestamp");
    if (now_s < 0)
        now_s = ts ? atoll(ts) : 0;
    return rh_verify(secret, sink_header(r, "webhook-id"), ts,
                     sink_header(r, "webhook-signature"), r->body, r->body_len,
                     now_s, 300);
}

int rh_test_endpoint(rh_ctx *ctx, sink *s, const char *path,
                     const char *pattern, char id[RH_ID_SIZE],
                     char secret[RH_SECRET_SIZE])
{
    char url[256];
    const char *events[] = {pattern};
    sink_url(s, path, url, sizeof url);
    return rh_endpoint_add(ctx, url, events, 1, id, RH_ID_SIZE, secret,
                           RH_SECRET_SIZE);
}

static int count_attempt(const rh_attempt *at, void *ud)
{
    (void)at;
    (*(int *)ud)++;
    return RH_OK;
}

static int count_delivery(const rh_delivery *dl, void *ud)
{
    (void)dl;
    (*(int *)ud)++;
    return RH_OK;
}

int rh_test_count_attempts(rh_ctx *ctx, const rh_query *q)
{
    int n = 0, rc = rh_log_attempts(ctx, q, count_attempt, &n);
    return rc < 0 ? rc : n;
}

int rh_test_count_deliveries(rh_ctx *ctx, const rh_query *q)
{
    int n = 0, rc = rh_log_deliveries(ctx, q, count_delivery, &n);
    return rc < 0 ? rc : n;
}

int rh_test_count_in_state(rh_ctx *ctx, int state)
{
    rh_query *q = NULL;
    int rc = rh_query_new(&q);
    if (rc == RH_OK)
        rc = rh_query_set_state(q, state);
    if (rc == RH_OK)
        rc = rh_test_count_deliveries(ctx, q);
    rh_query_free(q);
    return rc;
}

