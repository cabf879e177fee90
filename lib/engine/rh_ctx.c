/* replicer-hooks context: creation and teardown, pausing it, and the last
 * error's getters (the context section of rh.h). */
#include "rh_base.h"
#include "rh_event_types.h"
#include "rh_memstore.h"
#include "rh_sign.h"

#include <stdio.h>
#include <string.h>

/* curl's socket notices, to the host's callback, which may not call us. */
static void forward_socket(int fd, unsigned int what, void *ud)
{
    rh_ctx *ctx = ud;
    int was = ctx->in_callback;
    ctx->in_callback = 1;
    ctx->s.socket_cb(fd, what, ctx->s.socket_ud);
    ctx->in_callback = was;
}

/* A libcurl we cannot use, and what a configuration may not ask for:
 * refused before anything is made. */
static int config_usable(const rh_config *cfg)
{
    if (!rh__http_supported())
        return RH_E_UNSUPPORTED;
    if (cfg->ca_file && cfg->s.mode == RH_MODE_PRODUCTION)
        return RH_E_INVALID_ARG; /* a custom CA is for development only */
    if (!cfg->s.socket_cb != !cfg->s.timer_cb)
        return RH_E_INVALID_ARG; /* a loop needs both, or neither */
    if (cfg->s.lease_ms && cfg->s.lease_ms < cfg->s.timeout_ms + 1000)
        return RH_E_INVALID_ARG; /* a lease must outlive the transfer */
    return RH_OK;
}

/* The context's transfers, on its settings, CA file and proxy; curl's
 * socket notices reach the host's callback through forward_socket. */
static int open_http(rh_ctx *ctx)
{
    rh_http_opts ho = {ctx->s.mode,
                       ctx->s.timeout_ms,
                       ctx->ca_file,
                       ctx->proxy,
                       ctx->s.allow,
                       ctx->s.n_allow,
                       ctx->s.socket_cb ? forward_socket : NULL,
                       ctx,
                       ctx->s.max_in_flight,
                       ctx->s.idle_connections};
    return rh__http_new(&ctx->http, &ctx->alloc, &ho);
}

int rh_ctx_new(rh_ctx **out, const rh_config *cfg)
{
    rh_config *defaults = NULL;
    rh_ctx *ctx;
    int rc;
    if (!out)
        return RH_E_INVALID_ARG;
    if (!cfg) {
        rc = rh_config_new(&defaults);
        if (rc != RH_OK)
            return rc;
        cfg = defaults;
    }
    rc = config_usable(cfg);
    if (rc != RH_OK) {
        rh_config_free(defaults);
        return rc;
    }
    ctx = rh__calloc(&cfg->alloc, sizeof *ctx);
    if (!ctx) {
        rh_config_free(defaults);
        return RH_E_NOMEM;
    }
    ctx->alloc = cfg->alloc;
    ctx->s = cfg->s;
    ctx->last_id_ms = -1;
    ctx->timer_told = -2; /* nothing told yet */
    rc = RH_E_NOMEM;
    if (cfg->ca_file && !(ctx->ca_file = rh__strdup(&ctx->alloc, cfg->ca_file)))
        goto fail;
    if (!ctx->s.random) {
        rc = rh__rng_new(&ctx->rng, &ctx->alloc);
        if (rc != RH_OK)
            goto fail;
    }
    if (cfg->has_storage) {
        rh__store_init(&ctx->store, &cfg->storage, &ctx->alloc);
    } else {
        rh_storage mem;
        rc = rh__memstore_new(&mem, &ctx->alloc, ctx->s.max_pending,
                              ctx->s.max_log);
        if (rc != RH_OK)
            goto fail;
        rh__store_init(&ctx->store, &mem, &ctx->alloc);
        ctx->store_private = 1;
    }
    if (cfg->proxy && !(ctx->proxy = rh__strdup(&ctx->alloc, cfg->proxy))) {
        rc = RH_E_NOMEM;
        goto fail_storage;
    }
    rc = open_http(ctx);
    if (rc != RH_OK)
        goto fail_storage;
    rc = rh__ctx_load_endpoints(ctx);
    if (rc < 0)
        goto fail_storage;
    rh_config_free(defaults);
    *out = ctx;
    return RH_OK;
fail_storage:
    /* A host's table stays the host's when we fail: destroy only ours. */
    rh__store_fini(&ctx->store, !cfg->has_storage);
fail:
    rh__ctx_free_endpoints(ctx);
    rh__catalog_free(ctx);
    rh__index_free(ctx);
    rh__http_free(ctx->http);
    rh__rng_free(ctx->rng);
    rh__free(&ctx->alloc, ctx->ca_file);
    rh__free(&ctx->alloc, ctx->proxy);
    rh__wipe(&ctx->s, sizeof ctx->s);
    rh__free(&ctx->alloc, ctx);
    rh_config_free(defaults);
    return rc;
}


void rh_ctx_free(rh_ctx *ctx)
{
    rh_job *j, *next;
    if (!ctx)
        return;
    /* Transfers in flight are dropped: their deliveries stay claimed in
     * storage and come back when the lease ends (at-least-once). */
    for (j = ctx->running.head; j; j = next) {
        next = j->next;
        rh__http_abort(ctx->http, j);
        rh__job_free(ctx, j);
    }
    for (j = ctx->unsaved.head; j; j = next) {
        next = j->next;
        rh__job_free(ctx, j);
    }
    for (j = ctx->ready.head; j; j = next) {
        next = j->next;
        rh__job_free(ctx, j);
    }
    rh__http_free(ctx->http);
    /* an open batch holds emits the host was told were queued */
    if (ctx->store.batch_open)
        rh__store_batch_commit(&ctx->store);
    rh__health_save_due(ctx, 1); /* best effort: health is advisory */
    rh__ctx_free_endpoints(ctx);
    rh__stats_by_free(ctx);
    rh__catalog_free(ctx);
    rh__index_free(ctx);
    rh__store_fini(&ctx->store, 1);
    rh__rng_free(ctx->rng);
    rh__free(&ctx->alloc, ctx->ca_file);
    rh__free(&ctx->alloc, ctx->proxy);
    rh__wipe(ctx->s.sealing_key, sizeof ctx->s.sealing_key);
    rh_allocator a = ctx->alloc;
    rh__free(&a, ctx);
}

const char *rh_ctx_last_error(const rh_ctx *ctx)
{
    return ctx ? ctx->err : "ctx is NULL";
}

int rh_ctx_last_error_arg(const rh_ctx *ctx)
{
    return ctx ? ctx->err_arg : RH_ARG_NONE;
}

int rh_ctx_last_error_refusal(const rh_ctx *ctx)
{
    return ctx ? ctx->err_refusal : RH_REFUSAL_NONE;
}

const char *rh_arg_name(int arg)
{
    static const char *const names[RH_ARG_COUNT] = {
        "none",   "url",         "events",      "secret",      "event_type",
        "data",   "endpoint_id", "delivery_id", "header_name", "header_value",
        "value",  "client_cert", "client_key",  "output",      "tenant",
        "name",   "description", "label",       "group",       "example",
        "schema", "catalog"};
    return arg >= 0 && arg < RH_ARG_COUNT ? names[arg] : NULL;
}

const char *rh_refusal_name(int refusal)
{
    static const char *const names[RH_REFUSAL_COUNT] = {
        "none",
        "malformed",
        "insecure_scheme",
        "private_address",
        "too_large",
        "unknown_id",
        "tenant_required",
        "unknown_event_type",
        "no_matching_event_type"};
    return refusal >= 0 && refusal < RH_REFUSAL_COUNT ? names[refusal] : NULL;
}

/* ------------------------------------------------------------------- log */

/* The host's log callback, wrapped so that its own failure is handed back
 * exactly instead of being taken for a storage failure. */

int rh_ctx_pause(rh_ctx *ctx, int paused)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    ctx->paused = paused != 0;
    return RH_OK;
}
