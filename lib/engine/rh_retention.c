/* replicer-hooks retention: finished deliveries, their attempts and events
 * pruned after the configured age, by the host's call (all, or one
 * tenant's) or by rh_tick in small batches after its claim, so that claims
 * never wait behind one. */
#include "rh_base.h"
#include "rh_validate.h"

#define TICK_BATCH 500
#define CATCH_UP_MS 1000 /* a full batch: more is left, look again soon */
#define IDLE_MS 60000

int rh_prune(rh_ctx *ctx, int64_t older_than_ms, size_t max)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (older_than_ms < 0 || max < 1 || max > 100000)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             older_than_ms < 0
                                 ? "older_than_ms is negative"
                                 : "max: 1 to 100000 deliveries a call");
    rc = rh__store_prune(&ctx->store, rh__ctx_now(ctx) - older_than_ms, max);
    return rh__ctx_store_failed(ctx, rc);
}

int rh_tenant_prune(rh_ctx *ctx, const char *tenant, int64_t older_than_ms,
                    size_t max)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!tenant || !rh__tenant_valid(tenant))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_TENANT,
                              RH_REFUSAL_MALFORMED,
                              "a tenant is 1 to %d visible ASCII characters",
                              RH_TENANT_MAX);
    if (older_than_ms < 0 || max < 1 || max > 100000)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             older_than_ms < 0
                                 ? "older_than_ms is negative"
                                 : "max: 1 to 100000 deliveries a call");
    rc = rh__store_prune_tenant(&ctx->store, tenant,
                                rh__ctx_now(ctx) - older_than_ms, max);
    return rh__ctx_store_failed(ctx, rc);
}

/* One batch when one is due. A failure waits for the next minute and is
 * not the tick's: retention is housekeeping, delivery comes first. */
void rh__retention_tick(rh_ctx *ctx)
{
    int64_t now;
    int rc;
    if (!ctx->s.retention_ms || !rh__store_can(&ctx->store, RH__STORE_PRUNE))
        return;
    now = rh__ctx_now(ctx);
    if (now < ctx->prune_at_ms)
        return;
    rc = rh__store_prune(&ctx->store, now - ctx->s.retention_ms, TICK_BATCH);
    ctx->prune_at_ms = now + (rc == TICK_BATCH ? CATCH_UP_MS : IDLE_MS);
}
