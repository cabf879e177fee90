/* replicer-hooks tenants (rh_account.h): removing an account's endpoints at
 * once, and resending a delivery only for the account it belongs to. The
 * tenant on emits and on the fan-out is rh_emit.c's and rh_index.c's. */
#include "rh_base.h"
#include "rh_validate.h"
#include "rh_endpoint_record.h"

#include <string.h>

static int tenant_arg(rh_ctx *ctx, const char *tenant)
{
    if (rh__tenant_valid(tenant))
        return RH_OK;
    return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_TENANT,
                          RH_REFUSAL_MALFORMED,
                          "a tenant is 1 to %d visible ASCII characters",
                          RH_TENANT_MAX);
}

int rh_tenant_remove(rh_ctx *ctx, const char *tenant)
{
    char id[RH_ID_SIZE];
    int removed = 0, rc = rh__ctx_enter(ctx);
    if (rc != RH_OK || (rc = tenant_arg(ctx, tenant)) != RH_OK)
        return rc;
    /* the store's endpoints, not only those this context has seen: another
     * process may have added some since */
    if ((rc = rh__ctx_load_endpoints(ctx)) != RH_OK)
        return rh__ctx_store_failed(ctx, rc);
    /* One at a time, each through the endpoint's own removal: the list
     * shifts under each, so look again from where the last one was. */
    for (size_t i = 0; i < ctx->n_eps;) {
        if (strcmp(rh__endpoint_tenant(ctx->eps[i]), tenant) != 0) {
            i++;
            continue;
        }
        memcpy(id, ctx->eps[i]->id, sizeof id);
        if ((rc = rh_endpoint_remove(ctx, id)) != RH_OK)
            return rc;
        removed++;
    }
    return removed;
}

typedef struct found {
    int n;
} found;

static int count_delivery(const rh_delivery *dl, void *ud)
{
    (void)dl;
    ((found *)ud)->n++;
    return RH_OK;
}

int rh_tenant_resend(rh_ctx *ctx, const char *tenant, const char *delivery_id)
{
    rh_query q;
    found f = {0};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK || (rc = tenant_arg(ctx, tenant)) != RH_OK)
        return rc;
    if (!rh__id_valid(delivery_id))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_DELIVERY_ID,
                              RH_REFUSAL_MALFORMED, "delivery id is not valid");
    rh__query_init(&q);
    rh__strlcpy(q.delivery, delivery_id, sizeof q.delivery);
    rh__strlcpy(q.tenant, tenant, sizeof q.tenant);
    q.tenant_set = 1;
    q.limit = 1;
    /* the log's own filter stands behind the store's, so that a store
     * that keeps no tenant answers "not found", never another's */
    rc = rh_log_deliveries(ctx, &q, count_delivery, &f);
    if (rc < 0)
        return rc;
    if (f.n == 0)
        return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_DELIVERY_ID,
                              RH_REFUSAL_UNKNOWN_ID,
                              "no delivery %s for tenant %s", delivery_id,
                              tenant);
    return rh_delivery_resend(ctx, delivery_id);
}
