/* replicer-hooks test events: a catalog type's example sent to one
 * endpoint as a real delivery (signed, retried, logged), of the endpoint's
 * tenant, under an event id that says it is a test ("tst_"), so that the
 * log, the dashboard and the receiver (X-Replicer-Test) can tell it from
 * the host's own events. */
#include "rh_endpoint_record.h"
#include "rh_event_types.h"

#include <string.h>

int rh_event_type_send_example(rh_ctx *ctx, const char *endpoint_id,
                               const char *name, char *id_out, size_t id_size)
{
    rh_emit_options opts;
    rh_endpoint *ep;
    rh_event_type_info *et;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    /* et stays the cache's until the emit: nothing below reloads it */
    if ((rc = rh__catalog_load(ctx)) != RH_OK ||
        (rc = rh__catalog_find_named(ctx, name, &et)) != RH_OK)
        return rc;
    if (!et->example)
        return rh__ctx_refuse(ctx, RH_E_STATE, RH_ARG_EVENT_TYPE,
                              RH_REFUSAL_NONE,
                              "event type %s has no example to send", name);
    if (et->state == RH_EVENT_TYPE_ARCHIVED)
        return rh__ctx_refuse(ctx, RH_E_STATE, RH_ARG_EVENT_TYPE,
                              RH_REFUSAL_NONE,
                              "event type %s is archived: restore it to send "
                              "its example",
                              name);
    if ((rc = rh__endpoint_lookup(ctx, endpoint_id, &ep)) != RH_OK)
        return rc;
    if (!ep->enabled)
        return rh__ctx_error(ctx, RH_E_STATE,
                             "endpoint %s is disabled: enable it to send it "
                             "a test event",
                             ep->id);
    memset(&opts, 0, sizeof opts);
    rh__strlcpy(opts.endpoint, ep->id, sizeof opts.endpoint);
    rh__strlcpy(opts.tenant, rh__endpoint_tenant(ep), sizeof opts.tenant);
    opts.test = 1;
    /* a copy: the example must not be the cache's while the emit runs */
    char *data = rh__strdup(&ctx->alloc, et->example);
    if (!data)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    rc = rh_emit_with(ctx, name, data, strlen(data), &opts, id_out, id_size);
    rh__free(&ctx->alloc, data);
    return rc;
}
