/* Our small test harness: assertion macros, the {name, function} tables each
 * tests/test_<module>.c ends with, and helpers for contexts and the sink. */
#ifndef RH_TEST_H
#define RH_TEST_H

#include <replicer-hooks/rh.h>

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "sink.h"

typedef struct rh_test_case {
    const char *name;
    void (*fn)(void);
} rh_test_case;

void rh_test_fail(const char *file, int line, const char *what);
extern int rh_test_failed; /* set by rh_test_fail for the current test */
extern int rh_test_skipped; /* set by RH_SKIP: counted apart, never passed */

/* End the test as skipped, saying why (a part it needs is missing). */
#define RH_SKIP(why)                                                           \
    do {                                                                       \
        fprintf(stderr, "    skipped: %s\n", (why));                           \
        rh_test_skipped = 1;                                                   \
        return;                                                                \
    } while (0)

#define RH_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            rh_test_fail(__FILE__, __LINE__, #cond);                           \
            return;                                                            \
        }                                                                      \
    } while (0)

#define RH_CHECK_EQ_INT(exp, act)                                              \
    do {                                                                       \
        long long e_ = (long long)(exp), a_ = (long long)(act);                \
        if (e_ != a_) {                                                        \
            char m_[256];                                                      \
            snprintf(m_, sizeof m_, "%s == %s: expected %lld, got %lld", #exp, \
                     #act, e_, a_);                                            \
            rh_test_fail(__FILE__, __LINE__, m_);                              \
            return;                                                            \
        }                                                                      \
    } while (0)

#define RH_CHECK_EQ_STR(exp, act)                                              \
    do {                                                                       \
        const char *e_ = (exp), *a_ = (act);                                   \
        if (!a_ || strcmp(e_, a_) != 0) {                                      \
            char m_[1024];                                                     \
            snprintf(m_, sizeof m_, "%s: expected \"%.400s\", got \"%.400s\"", \
                     #act, e_, a_ ? a_ : "(null)");                            \
            rh_test_fail(__FILE__, __LINE__, m_);                              \
            return;                                                            \
        }                                                                      \
    } while (0)

/* The fake clock every rh_test context uses; tests move it. */
extern int64_t rh_test_now_ms;
int64_t rh_test_clock(void *userdata);

/* A development-mode config with the fake clock and memory storage; the
 * caller may change it before rh_test_ctx_from(). */
rh_config *rh_test_config(void);
rh_ctx *rh_test_ctx_from(rh_config *cfg); /* frees cfg */
rh_ctx *rh_test_ctx_new(void);

/* Tick until no transfer is in flight and nothing is due now on the fake
 * clock, for at most max_real_ms of real time. Returns attempts finished or
 * a negative code from rh_tick. */
int rh_test_drive(rh_ctx *ctx, int64_t max_real_ms);

/* Wait up to ms of real time for ctx's transfers to have news (rh_wait
 * returns at once on the tests' fake clock). */
void rh_test_pause(rh_ctx *ctx, int64_t ms);

/* Tick (pausing 10 ms between ticks) until s has seen n requests, at most
 * max_ms of real time: 0 when it has, else the first negative tick code or
 * -1 on timeout. */
int rh_test_tick_until_sent(rh_ctx *ctx, sink *s, size_t n, int64_t max_ms);

/* Tick for ms of real time, pausing 20 ms between ticks, through storage
 * trouble: adds each tick's duration to the worst seen (*worst_ms) and the
 * ticks that returned RH_E_STORAGE to *storage_failures, keeping the last
 * such tick's message in why. Returns 0, or a tick's other negative code. */
int rh_test_tick_through(rh_ctx *ctx, int64_t ms, int64_t *worst_ms,
                         int *storage_failures, char *why, size_t why_size);

/* Attempts in ctx's log that failed or took less than min_ms or more than
 * max_ms; negative when the log cannot be read. */
int rh_test_attempts_outside(rh_ctx *ctx, int64_t min_ms, int64_t max_ms);

/* Monotonic milliseconds, for deadlines in tests. */
int64_t rh_test_mono_ms(void);
/* The command-line tool under test: $RH_TOOL, or build/replicer-hooks. */
const char *rh_test_tool(void);
/* Run the tool with args, feeding `in` on stdin; stdout+stderr into out.
 * Its exit code, or -1 when it did not exit. */
int rh_test_tool_run(const char *const *args, const char *in, char *out,
                     size_t outsz);
/* Start the tool with args in the background: its stdout and stderr go to
 * *out_fd (a pipe, to read and close), or to log_path when out_fd is NULL
 * (kept for a failing test to show). */
pid_t rh_test_tool_spawn(const char *const *args, int *out_fd,
                         const char *log_path);
/* Read from fd until a line holding `want` has arrived, or ms passed;
 * what was read so far goes to buf. 0 when found. */
int rh_test_read_until(int fd, const char *want, char *buf, size_t size,
                       int64_t ms);
/* qsort comparator for an array of C strings. */
int rh_test_by_str(const void *a, const void *b);

/* A sink that lives at most 60 s. */
sink *rh_test_sink(void);

/* rh_verify of a received request's Standard Webhooks headers and body with
 * secret, at now_s (-1: the request's own timestamp). */
int rh_test_verify_request(const sink_request *r, const char *secret,
                           int64_t now_s);

/* Add a development endpoint on the sink at path, for the given patterns. */
int rh_test_endpoint(rh_ctx *ctx, sink *s, const char *path,
                     const char *pattern, char id[RH_ID_SIZE],
                     char secret[RH_SECRET_SIZE]);

/* Count attempts / deliveries matching q. */
int rh_test_count_attempts(rh_ctx *ctx, const rh_query *q);
int rh_test_count_deliveries(rh_ctx *ctx, const rh_query *q);
/* Count the deliveries in one rh_state. */
int rh_test_count_in_state(rh_ctx *ctx, int state);

#endif
