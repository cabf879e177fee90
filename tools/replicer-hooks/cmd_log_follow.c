/* replicer-hooks log --follow: after the listing, the attempts stored from
 * then on, by any process sharing the store, as they become visible (a
 * poll every 250 ms), until SIGINT or SIGTERM. */
#include "cli.h"

#include <string.h>
#include <time.h>

#define POLL_MS 250
/* On PostgreSQL two workers' transactions may commit out of seq order,
 * and a rolled-back one leaves a gap for good: the cursor waits before the
 * first gap this long, remembering what it printed past it. */
#define GAP_WAIT_MS 10000
#define SEEN_MAX 1024

typedef struct follow_state {
    int64_t cursor;         /* every seq up to it printed, or given up */
    int64_t seen[SEEN_MAX]; /* printed seqs past the cursor, ascending */
    size_t n_seen;
    int64_t gap_since_ms; /* when the first gap was seen; 0: none */
    int (*print)(const rh_attempt *at, void *ud);
    void *print_ud;
    int rows;
} follow_state;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int was_seen(const follow_state *f, int64_t seq)
{
    for (size_t i = 0; i < f->n_seen; i++)
        if (f->seen[i] == seq)
            return 1;
    return 0;
}

/* seq into the ascending list; when it is full, the oldest gap is given
 * up: the cursor moves to the lowest seq kept. */
static void remember(follow_state *f, int64_t seq)
{
    if (f->n_seen == SEEN_MAX) {
        f->cursor = f->seen[0];
        memmove(f->seen, f->seen + 1, --f->n_seen * sizeof *f->seen);
    }
    size_t i = f->n_seen++;
    for (; i > 0 && f->seen[i - 1] > seq; i--)
        f->seen[i] = f->seen[i - 1];
    f->seen[i] = seq;
}

static int each_new(const rh_attempt *at, void *ud)
{
    follow_state *f = ud;
    int64_t seq = rh_attempt_seq(at);
    if (seq <= f->cursor || was_seen(f, seq))
        return RH_OK;
    remember(f, seq);
    f->rows++;
    return f->print(at, f->print_ud);
}

/* The cursor over what is printed without a gap; past a gap that stayed
 * GAP_WAIT_MS, as nothing will fill it now. */
static void advance(follow_state *f, int64_t now)
{
    for (;;) {
        while (f->n_seen && f->seen[0] == f->cursor + 1) {
            f->cursor = f->seen[0];
            memmove(f->seen, f->seen + 1, --f->n_seen * sizeof *f->seen);
        }
        if (!f->n_seen) {
            f->gap_since_ms = 0;
            return;
        }
        if (!f->gap_since_ms)
            f->gap_since_ms = now;
        if (now - f->gap_since_ms < GAP_WAIT_MS)
            return;
        f->cursor = f->seen[0] - 1; /* give the gap up */
        f->gap_since_ms = 0;
    }
}

int cli_log_follow(rh_ctx *ctx, rh_query *q, int64_t from_seq,
                   int (*print)(const rh_attempt *at, void *ud), void *ud)
{
    static follow_state f; /* 8 KiB of seqs: not on the stack */
    memset(&f, 0, sizeof f);
    f.cursor = from_seq;
    f.print = print;
    f.print_ud = ud;
    cli_catch_stop();
    rh_query_set_limit(q, 1000);
    while (!cli_stop) {
        rh_query_set_cursor(q, f.cursor);
        f.rows = 0;
        int rc = rh_log_attempts(ctx, q, each_new, &f);
        if (rc < 0 && rc != RH_E_STORAGE) /* a store that restarts: again */
            return rc;
        fflush(stdout);
        advance(&f, mono_ms());
        if (rc == 1000)
            continue; /* a full page: read on at once */
        struct timespec pause = {0, POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return 0;
}
