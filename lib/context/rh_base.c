/* replicer-hooks context services, below every other part of the context:
 * its error text, re-entry guard, clock, randomness, ids and the count of
 * deliveries it holds. */
#include "rh_base.h"
#include "rh_sign.h"

#include <stdio.h>

int rh__ctx_error(rh_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    if (!ctx)
        return code;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
    ctx->err_arg = RH_ARG_NONE;
    ctx->err_refusal = RH_REFUSAL_NONE;
    return code;
}

int rh__ctx_refuse(rh_ctx *ctx, int code, int arg, int refusal, const char *fmt,
                   ...)
{
    va_list ap;
    if (!ctx)
        return code;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
    ctx->err_arg = arg;
    ctx->err_refusal = refusal;
    return code;
}

int rh__ctx_enter(rh_ctx *ctx)
{
    if (!ctx)
        return RH_E_INVALID_ARG;
    if (ctx->in_callback)
        return RH_E_REENTRANT; /* the error text belongs to the outer call */
    ctx->err[0] = '\0';
    ctx->err_arg = RH_ARG_NONE;
    ctx->err_refusal = RH_REFUSAL_NONE;
    return RH_OK;
}

int rh__ctx_store_failed(rh_ctx *ctx, int rc)
{
    return rc >= 0 ? rc : rh__ctx_error(ctx, rc, "%s", ctx->store.err);
}

int64_t rh__ctx_now(const rh_ctx *ctx)
{
    return ctx->s.clock ? ctx->s.clock(ctx->s.clock_ud) : rh__system_clock_ms();
}

int rh__ctx_random(rh_ctx *ctx, unsigned char *buf, size_t len)
{
    if (ctx->s.random)
        return ctx->s.random(buf, len, ctx->s.random_ud) == 0 ? RH_OK
                                                              : RH_E_CRYPTO;
    return rh__rng_fill(ctx->rng, buf, len);
}

int rh__ctx_new_id(rh_ctx *ctx, const char *prefix, char out[RH_ID_SIZE])
{
    unsigned char rnd[16];
    int64_t now = rh__ctx_now(ctx);
    int rc = rh__ctx_random(ctx, rnd, sizeof rnd);
    if (rc != RH_OK)
        return rc;
    /* a per-context sequence orders the ids of one millisecond */
    if (now == ctx->last_id_ms) {
        ctx->id_seq++;
    } else {
        ctx->last_id_ms = now;
        ctx->id_seq = 0;
    }
    return rh__id_make(prefix, now, ctx->id_seq, rnd, out);
}

size_t rh_ctx_in_flight(const rh_ctx *ctx)
{
    return ctx ? ctx->in_flight + ctx->n_unsaved + ctx->n_ready : 0;
}

void rh__endpoint_tell(rh_ctx *ctx, const rh_endpoint *ep, int change)
{
    if (!ctx->s.endpoint_state_cb)
        return;
    int was = ctx->in_callback;
    ctx->in_callback = 1;
    ctx->s.endpoint_state_cb(ep, change, ctx->s.endpoint_state_ud);
    ctx->in_callback = was;
}
