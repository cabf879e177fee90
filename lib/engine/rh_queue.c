/* replicer-hooks queue figures: what the store holds for every process
 * (pending, due, in flight, failed lately, the oldest due), in total or by
 * endpoint or tenant, in one storage call: what an operator's gauges and
 * backlog alerts read, where rh_ctx_stats counts one context's work. */
#include "rh_base.h"

#include <string.h>

/* the failed deliveries counted: those of at most the last year */
#define FAILED_WINDOW_MAX_MS (366LL * 86400 * 1000)

static const char *const figure_names[RH_QUEUE_FIGURE_COUNT] = {
    "pending", "due", "in_flight", "failed_recent", "oldest_due_ms"};

const char *rh_queue_figure_name(int figure)
{
    return figure >= 0 && figure < RH_QUEUE_FIGURE_COUNT ? figure_names[figure]
                                                         : NULL;
}

typedef struct figures_pass {
    rh_queue_figures_cb cb;
    void *userdata;
    int cb_rc;
    int rows;
} figures_pass;

static int pass_row(const char *key, const int64_t *figures, size_t n, void *p)
{
    figures_pass *fp = p;
    int rc = fp->cb(key ? key : "", figures, n, fp->userdata);
    if (rc < 0)
        fp->cb_rc = rc;
    fp->rows++;
    return rc < 0 ? rc : RH_OK;
}

int rh_queue_figures(rh_ctx *ctx, int group, int64_t failed_window_ms,
                     rh_queue_figures_cb cb, void *userdata)
{
    figures_pass fp = {cb, userdata, 0, 0};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!cb)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "cb is NULL");
    if (group < RH_QUEUE_TOTAL || group > RH_QUEUE_BY_TENANT)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             "group is not an rh_queue_group: %d", group);
    if (failed_window_ms < 0 || failed_window_ms > FAILED_WINDOW_MAX_MS)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             "failed_window_ms must be 0 to %lld (a year)",
                             (long long)FAILED_WINDOW_MAX_MS);
    int64_t now = rh__ctx_now(ctx);
    ctx->in_callback = 1;
    rc = rh__store_queue_figures(&ctx->store, now, now - failed_window_ms,
                                 group, pass_row, &fp);
    ctx->in_callback = 0;
    if (fp.cb_rc < 0)
        return fp.cb_rc;
    rc = rh__ctx_store_failed(ctx, rc);
    return rc < 0 ? rc : fp.rows;
}
