/* replicer-hooks log --follow: after the listing, the attempts stored from
 * then on, by any process sharing the store, as they become visible (a
 * poll every 250 ms), until SIGINT or SIGTERM. */
#include "cli.h"

#include <string.h>
#include <time.h>

#define POLL_MS 250
/* On PostgreSQL two workers' transactions may commit out of seq order: a
 * seq below one already printed may still appear. So the cursor stays at
 * the newest seq printed GAP_WAIT_MS ago, and what was printed past it is
 * remembered, to print nothing twice. (A seq a filter leaves out, or a
 * rolled-back one, is a gap that never fills: it just ages out.) */
#define GAP_WAIT_MS 10000
#define SEEN_MAX 4096
#define PAGE 1000

typedef struct seen {
    int64_t seq, at_ms; /* printed, and when */
} seen;

typedef struct follow_state {
    int64_t cursor;   /* every seq up to it printed, or given up */
    seen s[SEEN_MAX]; /* printed past the cursor, ascending by seq */
    size_t n;
    int64_t now_ms, page_last;
    int (*print)(const rh_attempt *at, void *ud);
    void *print_ud;
} follow_state;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int was_seen(const follow_state *f, int64_t seq)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->s[i].seq == seq)
            return 1;
    return 0;
}

/* seq into the ascending list; when it is full, the oldest is given up:
 * the cursor moves to it. */
static void remember(follow_state *f, int64_t seq)
{
    if (f->n == SEEN_MAX) {
        f->cursor = f->s[0].seq;
        memmove(f->s, f->s + 1, --f->n * sizeof *f->s);
    }
    size_t i = f->n++;
    for (; i > 0 && f->s[i - 1].seq > seq; i--)
        f->s[i] = f->s[i - 1];
    f->s[i] = (seen){seq, f->now_ms};
}

static int each_new(const rh_attempt *at, void *ud)
{
    follow_state *f = ud;
    int64_t seq = rh_attempt_seq(at);
    f->page_last = seq;
    if (seq <= f->cursor || was_seen(f, seq))
        return RH_OK;
    remember(f, seq);
    return f->print(at, f->print_ud);
}

/* The cursor to the newest seq printed GAP_WAIT_MS ago or more: what is
 * still missing below it will not come now. */
static void advance(follow_state *f)
{
    size_t keep = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->now_ms - f->s[i].at_ms >= GAP_WAIT_MS && f->s[i].seq > f->cursor)
            f->cursor = f->s[i].seq;
    for (size_t i = 0; i < f->n; i++)
        if (f->s[i].seq > f->cursor)
            f->s[keep++] = f->s[i];
    f->n = keep;
}

/* One look: every page past the cursor, so that a full page of rows
 * already printed never hides the new ones behind it. */
static int poll_once(rh_ctx *ctx, rh_query *q, follow_state *f)
{
    int64_t from = f->cursor;
    int rc;
    f->now_ms = mono_ms();
    do {
        f->page_last = from;
        rh_query_set_cursor(q, from);
        rc = rh_log_attempts(ctx, q, each_new, f);
        from = f->page_last;
    } while (rc == PAGE && !cli_stop);
    fflush(stdout);
    advance(f);
    return rc;
}

int cli_log_follow(rh_ctx *ctx, rh_query *q, int64_t from_seq,
                   int (*print)(const rh_attempt *at, void *ud), void *ud)
{
    static follow_state f; /* 64 KiB of seqs: not on the stack */
    memset(&f, 0, sizeof f);
    f.cursor = from_seq;
    f.print = print;
    f.print_ud = ud;
    cli_catch_stop();
    rh_query_set_limit(q, PAGE);
    while (!cli_stop) {
        int rc = poll_once(ctx, q, &f);
        if (rc < 0 && rc != RH_E_STORAGE) /* a store that restarts: again */
            return rc;
        struct timespec pause = {0, POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return 0;
}
