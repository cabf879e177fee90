/* replicer-hooks endpoints: registration, subscriptions and their matching,
 * secrets and their rotation. The cache of the stored records, by id, is
 * rh_endpoint_cache.c. */
#include "rh_base.h"
#include "rh_endpoint_record.h"
#include "rh_event_types.h"
#include "rh_sign.h"
#include "rh_validate.h"

#include <string.h>
#include <strings.h>

#define SECRET_BYTES 32

int rh__new_secret(rh_ctx *ctx, char *out, size_t outsz)
{
    unsigned char key[SECRET_BYTES];
    int rc = rh__ctx_random(ctx, key, sizeof key);
    if (rc == RH_OK)
        rc = rh__secret_encode(key, sizeof key, out, outsz);
    rh__wipe(key, sizeof key);
    return rc;
}

/* A URL as an add or an edit takes it, in this context's mode. */
int rh__endpoint_check_url(rh_ctx *ctx, const char *url)
{
    char err[160];
    int refusal = RH_REFUSAL_MALFORMED;
    int rc = rh__http_check_url(url, ctx->s.mode, ctx->s.allow, ctx->s.n_allow,
                                err, sizeof err, &refusal);
    if (rc == RH_E_NOMEM)
        return rh__ctx_error(ctx, rc, "out of memory");
    if (rc != RH_OK)
        return rh__ctx_refuse(ctx, rc, RH_ARG_URL, refusal, "%s", err);
    return RH_OK;
}

/* Subscriptions as an add or an edit takes them. */
int rh__endpoint_check_events(rh_ctx *ctx, const char *const *events,
                              size_t n_events)
{
    if (!events || n_events == 0 || n_events > 256)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENTS,
                              RH_REFUSAL_MALFORMED,
                              "events: give 1 to 256 event types or patterns");
    for (size_t i = 0; i < n_events; i++)
        if (!rh__pattern_valid(events[i]))
            return rh__ctx_refuse(
                ctx, RH_E_INVALID_ARG, RH_ARG_EVENTS, RH_REFUSAL_MALFORMED,
                "events[%zu] is not an event type, a \"prefix.*\" or \"*\"", i);
    return rh__catalog_check_patterns(ctx, events, n_events);
}

/* Shared by the add functions: secret is the one to use (already valid),
 * profile what the options gave (NULL: none). */
int rh__endpoint_add(rh_ctx *ctx, const char *url, const char *const *events,
                     size_t n_events, const char *secret,
                     const rh_endpoint_profile *profile, char *id_out,
                     size_t id_size)
{
    rh_endpoint *ep;
    int rc;
    if (ctx->s.tenant_required && (!profile || !profile->tenant))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_TENANT,
                              RH_REFUSAL_TENANT_REQUIRED,
                              "a tenant is required for every endpoint "
                              "(rh_config_set_tenant_required)");
    if ((rc = rh__endpoint_check_url(ctx, url)) != RH_OK ||
        (rc = rh__endpoint_check_events(ctx, events, n_events)) != RH_OK)
        return rc;
    if (profile && profile->tenant &&
        (rc = rh__tenant_check_add(ctx, profile->tenant)) != RH_OK)
        return rc; /* the tenant's limit of endpoints */
    if (!id_out || id_size < RH_ID_SIZE)
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "id_out needs RH_ID_SIZE bytes");
    rc = rh__ctx_endpoints_reserve(ctx);
    if (rc == RH_OK)
        rc = rh__idmap_reserve(&ctx->ep_ids, &ctx->alloc, 1);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "out of memory");
    ep = rh__calloc(&ctx->alloc, sizeof *ep);
    if (!ep)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    rc = rh__ctx_new_id(ctx, "ep_", ep->id);
    if (rc != RH_OK) {
        rh__free(&ctx->alloc, ep);
        return rh__ctx_error(ctx, rc, "the random source failed");
    }
    ep->enabled = 1;
    ep->mode = ctx->s.mode;
    ep->created_ms = rh__ctx_now(ctx);
    ep->url = rh__strdup(&ctx->alloc, url);
    ep->secret = rh__strdup(&ctx->alloc, secret);
    ep->events = rh__events_copy(&ctx->alloc, events, n_events);
    ep->n_events = ep->events ? n_events : 0;
    rc = ep->url && ep->secret && ep->events ? RH_OK : RH_E_NOMEM;
    if (rc == RH_OK && profile)
        rc = rh__profile_copy(&ctx->alloc, &ep->profile, profile);
    if (rc != RH_OK) {
        rh__endpoint_free(&ctx->alloc, ep);
        return rh__ctx_error(ctx, rc, "out of memory");
    }
    rc = rh__ctx_save_endpoint(ctx, ep);
    if (rc != RH_OK) {
        rh__endpoint_free(&ctx->alloc, ep);
        return rc;
    }
    ctx->eps[ctx->n_eps++] = ep;
    rh__idmap_put(&ctx->ep_ids, ep);
    ctx->index_dirty = 1;
    memcpy(id_out, ep->id, strlen(ep->id) + 1);
    return RH_OK;
}

int rh_endpoint_add(rh_ctx *ctx, const char *url, const char *const *events,
                    size_t n_events, char *id_out, size_t id_size,
                    char *secret_out, size_t secret_size)
{
    char secret[RH_SECRET_SIZE];
    char id[RH_ID_SIZE];
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!secret_out || secret_size < 51)
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "secret_out needs RH_SECRET_SIZE bytes");
    if (!id_out || id_size < RH_ID_SIZE)
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "id_out needs RH_ID_SIZE bytes");
    rc = rh__new_secret(ctx, secret, sizeof secret);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "the random source failed");
    rc = rh__endpoint_add(ctx, url, events, n_events, secret, NULL, id,
                          sizeof id);
    if (rc == RH_OK) {
        memcpy(id_out, id, strlen(id) + 1);
        memcpy(secret_out, secret, strlen(secret) + 1);
    }
    rh__wipe(secret, sizeof secret);
    return rc;
}

int rh_endpoint_add_with_secret(rh_ctx *ctx, const char *url,
                                const char *const *events, size_t n_events,
                                const char *secret, char *id_out,
                                size_t id_size)
{
    unsigned char key[RH_KEY_MAX];
    size_t keylen;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (secret && strpbrk(secret, " \t\r\n\v\f"))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_SECRET,
                              RH_REFUSAL_MALFORMED,
                              "secret contains whitespace or a line break "
                              "(a copied newline?)");
    if (rh__secret_decode(secret, key, &keylen) != RH_OK)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_SECRET,
                              RH_REFUSAL_MALFORMED,
                              "secret must be \"whsec_\" + base64 of 24 to 64 "
                              "bytes");
    rh__wipe(key, sizeof key);
    return rh__endpoint_add(ctx, url, events, n_events, secret, NULL, id_out,
                            id_size);
}

int rh__endpoint_lookup(rh_ctx *ctx, const char *id, rh_endpoint **out)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!id || !*id)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_MALFORMED, "endpoint id is empty");
    *out = rh__ctx_find_endpoint(ctx, id);
    if (!*out)
        return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_UNKNOWN_ID, "no endpoint %.40s", id);
    return RH_OK;
}

int rh_endpoint_remove(rh_ctx *ctx, const char *endpoint_id)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    rc = rh__store_endpoint_remove(&ctx->store, ep->id);
    if (rc != RH_OK && rc != RH_E_NOT_FOUND)
        return rh__ctx_store_failed(ctx, rc);
    for (size_t i = 0; i < ctx->n_eps; i++) {
        if (ctx->eps[i] == ep) {
            memmove(&ctx->eps[i], &ctx->eps[i + 1],
                    (ctx->n_eps - i - 1) * sizeof *ctx->eps);
            ctx->n_eps--;
            break;
        }
    }
    rh__idmap_del(&ctx->ep_ids, ep->id);
    ctx->index_dirty = 1;
    rh__endpoint_free(&ctx->alloc, ep);
    return RH_OK;
}

/* Set one stored flag of an endpoint (enabled or paused), undone in memory
 * when storage refuses it. */
int rh__endpoint_set_flag(rh_ctx *ctx, const char *id, int flag, int value)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, id, &ep);
    if (rc != RH_OK)
        return rc;
    int *field = flag == RH__FLAG_ENABLED ? &ep->enabled : &ep->paused;
    int was = *field, was_reason = ep->disabled_reason;
    rh_health was_health = ep->health;
    int64_t was_unsaved = ep->disable_unsaved_ms;
    value = value != 0;
    if (was == value)
        return RH_OK;
    *field = value;
    if (flag == RH__FLAG_PAUSED) {
        ctx->index_dirty = 1; /* the index keeps the paused list */
        /* the failure clock stops while nothing may be sent: a resume
         * restarts it, stored with the paused part */
        if (!value) {
            ep->health.resumed_ms = rh__ctx_now(ctx);
            if (ep->health.failing_since_ms)
                ep->health.failing_since_ms = ep->health.resumed_ms;
        }
    } else if (value) {
        ep->disabled_reason = RH_DISABLED_NOT;
        ep->health.failing_since_ms = 0; /* a fresh start */
        ep->health.failed_in_a_row = 0;
        ep->health.reset_ms = rh__ctx_now(ctx); /* stored with enabled */
        ep->disable_unsaved_ms = 0;
    } else {
        ep->disabled_reason = RH_DISABLED_BY_HOST;
    }
    /* its own part: a worker's health save cannot write over it */
    rc = rh__ctx_save_endpoint_state(
        ctx, ep, flag == RH__FLAG_PAUSED ? RH__PART_PAUSED : RH__PART_ENABLED);
    if (rc != RH_OK) {
        *field = was;
        ep->disabled_reason = was_reason;
        ep->health = was_health;
        ep->disable_unsaved_ms = was_unsaved;
        return rc;
    }
    static const int changes[2][2] = {
        {RH_ENDPOINT_DISABLED, RH_ENDPOINT_ENABLED},
        {RH_ENDPOINT_RESUMED, RH_ENDPOINT_PAUSED}};
    rh__endpoint_tell(ctx, ep, changes[flag == RH__FLAG_PAUSED][value]);
    return RH_OK;
}

int rh_endpoint_disable(rh_ctx *ctx, const char *id)
{
    return rh__endpoint_set_flag(ctx, id, RH__FLAG_ENABLED, 0);
}

int rh_endpoint_enable(rh_ctx *ctx, const char *id)
{
    return rh__endpoint_set_flag(ctx, id, RH__FLAG_ENABLED, 1);
}

int rh_endpoint_rotate_secret(rh_ctx *ctx, const char *endpoint_id,
                              int64_t grace_ms, char *secret_out,
                              size_t secret_size)
{
    rh_endpoint *ep;
    char secret[RH_SECRET_SIZE];
    char *fresh, *prev_old;
    int64_t prev_until;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (!secret_out || secret_size < 51)
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "secret_out needs RH_SECRET_SIZE bytes");
    if (grace_ms < 0 || grace_ms > 30LL * 86400 * 1000)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "grace_ms must be 0 to 30 days");
    rc = rh__new_secret(ctx, secret, sizeof secret);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "the random source failed");
    fresh = rh__strdup(&ctx->alloc, secret);
    if (!fresh) {
        rh__wipe(secret, sizeof secret);
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    }
    prev_old = ep->old_secret;
    prev_until = ep->old_secret_until_ms;
    /* Only one previous secret is kept: a second rotation within the grace
     * period drops the oldest. */
    ep->old_secret = grace_ms > 0 ? ep->secret : NULL;
    ep->old_secret_until_ms = grace_ms > 0 ? rh__ctx_now(ctx) + grace_ms : 0;
    char *replaced = ep->secret;
    ep->secret = fresh;
    rc = rh__ctx_save_endpoint(ctx, ep);
    if (rc != RH_OK) {
        ep->secret = replaced;
        ep->old_secret = prev_old;
        ep->old_secret_until_ms = prev_until;
        rh__free_secret(&ctx->alloc, fresh);
        rh__wipe(secret, sizeof secret);
        return rc;
    }
    rh__free_secret(&ctx->alloc, prev_old);
    if (grace_ms == 0)
        rh__free_secret(&ctx->alloc, replaced);
    /* the keyed contexts follow the secrets: the current one is the old one
     * now (or gone), the new one is keyed on first use */
    rh__mac_free(ep->old_mac);
    ep->old_mac = grace_ms > 0 ? ep->mac : NULL;
    if (grace_ms == 0)
        rh__mac_free(ep->mac);
    ep->mac = NULL;
    memcpy(secret_out, secret, strlen(secret) + 1);
    rh__wipe(secret, sizeof secret);
    return RH_OK;
}

int rh_endpoint_get(rh_ctx *ctx, const char *endpoint_id,
                    const rh_endpoint **ep_out)
{
    rh_endpoint *ep;
    int rc;
    if (!ep_out)
        return ctx ? rh__ctx_error(ctx, RH_E_INVALID_ARG, "ep_out is NULL")
                   : RH_E_INVALID_ARG;
    rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc == RH_OK)
        *ep_out = ep;
    return rc;
}

int rh_endpoint_list(rh_ctx *ctx, rh_endpoint_cb cb, void *userdata)
{
    int rc = rh__ctx_enter(ctx);
    size_t i;
    if (rc != RH_OK)
        return rc;
    if (!cb)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "cb is NULL");
    ctx->in_callback = 1;
    for (i = 0; i < ctx->n_eps; i++) {
        rc = cb(ctx->eps[i], userdata);
        if (rc < 0)
            break;
    }
    ctx->in_callback = 0;
    return rc < 0 ? rc : (int)i;
}

int rh_endpoint_set_header(rh_ctx *ctx, const char *endpoint_id,
                           const char *name, const char *value)
{
    rh_endpoint *ep;
    const char *why = NULL;
    size_t i;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (!rh__header_valid(name, value ? value : "", &why)) {
        /* which half: the name alone with an empty value */
        const char *name_why = NULL;
        int arg = rh__header_valid(name, "", &name_why) ? RH_ARG_HEADER_VALUE
                                                        : RH_ARG_HEADER_NAME;
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, arg, RH_REFUSAL_MALFORMED,
                              "%s", why);
    }
    for (i = 0; i < ep->n_headers; i++)
        if (strcasecmp(ep->hdr_names[i], name) == 0)
            break;
    if (!value && i == ep->n_headers)
        return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_HEADER_NAME,
                              RH_REFUSAL_UNKNOWN_ID, "no header %s", name);
    if (value && i == ep->n_headers && ep->n_headers >= RH_HEADERS_MAX)
        return rh__ctx_refuse(
            ctx, RH_E_INVALID_ARG, RH_ARG_HEADER_NAME, RH_REFUSAL_TOO_LARGE,
            "at most %d headers per endpoint", RH_HEADERS_MAX);
    /* Build the new list aside, save it, and only then swap it in: the
     * header at i is replaced (value) or dropped (NULL), or appended. */
    size_t cap = ep->n_headers + 1, k = 0;
    char **names = rh__calloc(&ctx->alloc, cap * sizeof(char *));
    char **values = rh__calloc(&ctx->alloc, cap * sizeof(char *));
    rc = names && values ? RH_OK : RH_E_NOMEM;
    for (size_t j = 0; rc == RH_OK && j < cap; j++) {
        const char *nm, *vl;
        if (j == i) {
            nm = name;
            vl = value;
        } else if (j < ep->n_headers) {
            nm = ep->hdr_names[j];
            vl = ep->hdr_values[j];
        } else {
            continue;
        }
        if (!vl)
            continue;
        names[k] = rh__strdup(&ctx->alloc, nm);
        values[k] = rh__strdup(&ctx->alloc, vl);
        k++;
        if (!names[k - 1] || !values[k - 1])
            rc = RH_E_NOMEM;
    }
    rh_endpoint old = *ep;
    ep->hdr_names = names;
    ep->hdr_values = values;
    ep->n_headers = k;
    if (rc == RH_OK)
        rc = rh__ctx_save_endpoint(ctx, ep);
    else
        rh__ctx_error(ctx, rc, "out of memory");
    if (rc != RH_OK) {
        rh__endpoint_free_headers(&ctx->alloc, ep); /* the new list */
        ep->hdr_names = old.hdr_names;
        ep->hdr_values = old.hdr_values;
        ep->n_headers = old.n_headers;
        return rc;
    }
    rh__endpoint_free_headers(&ctx->alloc, &old);
    return RH_OK;
}

size_t rh_endpoint_header_count(const rh_endpoint *ep)
{
    return ep ? ep->n_headers : 0;
}
const char *rh_endpoint_header_name(const rh_endpoint *ep, size_t i)
{
    return ep && i < ep->n_headers ? ep->hdr_names[i] : NULL;
}
const char *rh_endpoint_header_value(const rh_endpoint *ep, size_t i)
{
    return ep && i < ep->n_headers ? ep->hdr_values[i] : NULL;
}

const char *rh_endpoint_id(const rh_endpoint *ep) { return ep ? ep->id : ""; }
const char *rh_endpoint_url(const rh_endpoint *ep)
{
    return ep ? ep->url : "";
}
size_t rh_endpoint_event_count(const rh_endpoint *ep)
{
    return ep ? ep->n_events : 0;
}
const char *rh_endpoint_event(const rh_endpoint *ep, size_t i)
{
    return ep && i < ep->n_events ? ep->events[i] : NULL;
}
int rh_endpoint_mode(const rh_endpoint *ep)
{
    return ep ? ep->mode : RH_MODE_PRODUCTION;
}
int rh_endpoint_enabled(const rh_endpoint *ep) { return ep ? ep->enabled : 0; }
int rh_endpoint_paused(const rh_endpoint *ep)
{
    return ep ? ep->paused : 0;
}
int64_t rh_endpoint_created_ms(const rh_endpoint *ep)
{
    return ep ? ep->created_ms : 0;
}
