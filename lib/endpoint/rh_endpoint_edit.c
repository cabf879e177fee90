/* replicer-hooks endpoint options and edits (rh_account.h): an endpoint
 * added with a tenant, a name, a description, labels or a secret of the
 * host's, and changed in place afterwards. Every edit builds the new value
 * aside, stores it as its own part (URL, events, profile: see
 * rh_endpoint_state.c), and only then keeps it: a store that refuses
 * leaves the endpoint as it was, and another process's edit of another
 * part, or its whole-record save from an older copy, is never undone. */
#include "rh_base.h"
#include "rh_validate.h"
#include "rh_sign.h"
#include "rh_endpoint_record.h"

#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- options */
/* The handle exists before any context, so it lives on the C heap, as
 * rh_emit_options does; an add copies it onto the context's allocator. */

int rh_endpoint_options_new(rh_endpoint_options **out)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = rh__calloc(&rh__default_allocator, sizeof **out);
    return *out ? RH_OK : RH_E_NOMEM;
}

void rh_endpoint_options_free(rh_endpoint_options *opts)
{
    if (!opts)
        return;
    rh__profile_free(&rh__default_allocator, &opts->profile);
    rh__free_secret(&rh__default_allocator, opts->secret);
    rh__free(&rh__default_allocator, opts);
}

int rh_endpoint_options_set_tenant(rh_endpoint_options *opts,
                                   const char *tenant)
{
    if (!opts || (tenant && !rh__tenant_valid(tenant)))
        return RH_E_INVALID_ARG;
    return rh__profile_set_text(&rh__default_allocator, &opts->profile.tenant,
                                tenant);
}

int rh_endpoint_options_set_name(rh_endpoint_options *opts, const char *name)
{
    if (!opts || rh__profile_text_invalid(name, RH_ENDPOINT_NAME_MAX, 0))
        return RH_E_INVALID_ARG;
    return rh__profile_set_text(&rh__default_allocator, &opts->profile.name,
                                name);
}

int rh_endpoint_options_set_description(rh_endpoint_options *opts,
                                        const char *text)
{
    if (!opts || rh__profile_text_invalid(text, RH_ENDPOINT_DESCRIPTION_MAX, 1))
        return RH_E_INVALID_ARG;
    return rh__profile_set_text(&rh__default_allocator,
                                &opts->profile.description, text);
}

int rh_endpoint_options_set_label(rh_endpoint_options *opts, const char *key,
                                  const char *value)
{
    if (!opts || rh__label_invalid(key, value))
        return RH_E_INVALID_ARG;
    int rc = rh__profile_set_label(&rh__default_allocator, &opts->profile, key,
                                   value);
    return rc == RH_E_NOT_FOUND ? RH_OK : rc; /* removing an unset one */
}

int rh_endpoint_options_set_secret(rh_endpoint_options *opts,
                                   const char *secret)
{
    unsigned char key[RH_KEY_MAX];
    size_t keylen;
    char *copy = NULL;
    if (!opts)
        return RH_E_INVALID_ARG;
    if (secret) {
        int ok = !strpbrk(secret, " \t\r\n\v\f") &&
                 rh__secret_decode(secret, key, &keylen) == RH_OK;
        rh__wipe(key, sizeof key);
        if (!ok)
            return RH_E_INVALID_ARG;
        if (!(copy = rh__strdup(&rh__default_allocator, secret)))
            return RH_E_NOMEM;
    }
    rh__free_secret(&rh__default_allocator, opts->secret);
    opts->secret = copy;
    return RH_OK;
}

int rh_endpoint_add_with(rh_ctx *ctx, const char *url,
                         const char *const *events, size_t n_events,
                         const rh_endpoint_options *opts, char *id_out,
                         size_t id_size, char *secret_out, size_t secret_size)
{
    char secret[RH_SECRET_SIZE];
    char id[RH_ID_SIZE];
    int own = opts && opts->secret;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if ((!own && (!secret_out || secret_size < 51)) ||
        (own && secret_out && secret_size <= strlen(opts->secret)))
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "secret_out needs RH_SECRET_SIZE bytes");
    if (!id_out || id_size < RH_ID_SIZE)
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "id_out needs RH_ID_SIZE bytes");
    if (own)
        rh__strlcpy(secret, opts->secret, sizeof secret);
    else if ((rc = rh__new_secret(ctx, secret, sizeof secret)) != RH_OK)
        return rh__ctx_error(ctx, rc, "the random source failed");
    rc = rh__endpoint_add(ctx, url, events, n_events, secret,
                          opts ? &opts->profile : NULL, id, sizeof id);
    if (rc == RH_OK) {
        memcpy(id_out, id, strlen(id) + 1);
        if (secret_out)
            memcpy(secret_out, secret, strlen(secret) + 1);
    }
    rh__wipe(secret, sizeof secret);
    return rc;
}

/* ----------------------------------------------------------------- edits */

int rh_endpoint_set_url(rh_ctx *ctx, const char *endpoint_id, const char *url)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK || (rc = rh__endpoint_check_url(ctx, url)) != RH_OK)
        return rc;
    char *fresh = rh__strdup(&ctx->alloc, url), *was = ep->url;
    int was_mode = ep->mode;
    if (!fresh)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    ep->url = fresh;
    /* a development context may point it at plain http: a production one
     * then holds its deliveries, as for one it added */
    ep->mode = ctx->s.mode;
    if ((rc = rh__ctx_save_endpoint_state(ctx, ep, RH__PART_URL)) != RH_OK) {
        ep->url = was;
        ep->mode = was_mode;
        rh__free(&ctx->alloc, fresh);
        return rc;
    }
    rh__free(&ctx->alloc, was);
    ctx->index_dirty = 1; /* the mode decides whether it is held */
    return RH_OK;
}

int rh_endpoint_set_events(rh_ctx *ctx, const char *endpoint_id,
                           const char *const *events, size_t n_events)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK ||
        (rc = rh__endpoint_check_events(ctx, events, n_events)) != RH_OK)
        return rc;
    char **fresh = rh__events_copy(&ctx->alloc, events, n_events);
    char **was = ep->events;
    size_t n_was = ep->n_events;
    if (!fresh)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    ep->events = fresh;
    ep->n_events = n_events;
    if ((rc = rh__ctx_save_endpoint_state(ctx, ep, RH__PART_EVENTS)) !=
        RH_OK) {
        ep->events = was; /* kept as it was; the new list goes */
        ep->n_events = n_was;
        was = fresh;
        n_was = n_events;
    }
    for (size_t i = 0; i < n_was; i++)
        rh__free(&ctx->alloc, was[i]);
    rh__free(&ctx->alloc, was);
    ctx->index_dirty = 1;
    return rc;
}

/* The edited copy of a profile in place of the endpoint's, stored; the
 * one not kept is freed. The tenant never changes and the copy shares the
 * endpoint's (copy_profile): the subscription index points at it, so it
 * must outlive every edit. */
static void drop_copy(rh_ctx *ctx, rh_endpoint_profile *copy)
{
    copy->tenant = NULL; /* shared, see above */
    rh__profile_free(&ctx->alloc, copy);
}

static int save_profile(rh_ctx *ctx, rh_endpoint *ep,
                        rh_endpoint_profile *fresh)
{
    rh_endpoint_profile was = ep->profile;
    ep->profile = *fresh;
    int rc = rh__ctx_save_endpoint_state(ctx, ep, RH__PART_PROFILE);
    if (rc != RH_OK) {
        ep->profile = was;
        was = *fresh;
    }
    drop_copy(ctx, &was);
    return rc;
}

/* A copy of ep's profile to edit, sharing its tenant: RH_OK, or
 * RH_E_NOMEM with the error. */
static int copy_profile(rh_ctx *ctx, const rh_endpoint *ep,
                        rh_endpoint_profile *out)
{
    rh_endpoint_profile src = ep->profile;
    src.tenant = NULL;
    if (rh__profile_copy(&ctx->alloc, out, &src) != RH_OK)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    out->tenant = ep->profile.tenant;
    return RH_OK;
}

/* The name (multiline 0) or the description (1). */
static int set_text(rh_ctx *ctx, const char *endpoint_id, const char *text,
                    int multiline)
{
    rh_endpoint *ep;
    rh_endpoint_profile fresh;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    const char *why = rh__profile_text_invalid(
        text, multiline ? RH_ENDPOINT_DESCRIPTION_MAX : RH_ENDPOINT_NAME_MAX,
        multiline);
    if (why)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG,
                              multiline ? RH_ARG_DESCRIPTION : RH_ARG_NAME,
                              RH_REFUSAL_MALFORMED, "%s", why);
    if ((rc = copy_profile(ctx, ep, &fresh)) != RH_OK)
        return rc;
    rc = rh__profile_set_text(&ctx->alloc,
                              multiline ? &fresh.description : &fresh.name,
                              text);
    if (rc != RH_OK) {
        drop_copy(ctx, &fresh);
        return rh__ctx_error(ctx, rc, "out of memory");
    }
    return save_profile(ctx, ep, &fresh);
}

int rh_endpoint_set_name(rh_ctx *ctx, const char *endpoint_id,
                         const char *name)
{
    return set_text(ctx, endpoint_id, name, 0);
}

int rh_endpoint_set_description(rh_ctx *ctx, const char *endpoint_id,
                                const char *text)
{
    return set_text(ctx, endpoint_id, text, 1);
}

int rh_endpoint_set_label(rh_ctx *ctx, const char *endpoint_id,
                          const char *key, const char *value)
{
    rh_endpoint *ep;
    rh_endpoint_profile fresh;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    const char *why = rh__label_invalid(key, value);
    if (why)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_LABEL,
                              RH_REFUSAL_MALFORMED, "%s", why);
    if ((rc = copy_profile(ctx, ep, &fresh)) != RH_OK)
        return rc;
    rc = rh__profile_set_label(&ctx->alloc, &fresh, key, value);
    if (rc != RH_OK) {
        drop_copy(ctx, &fresh);
        if (rc == RH_E_NOT_FOUND)
            return rh__ctx_refuse(ctx, rc, RH_ARG_LABEL, RH_REFUSAL_UNKNOWN_ID,
                                  "no label %s", key);
        if (rc == RH_E_INVALID_ARG)
            return rh__ctx_refuse(ctx, rc, RH_ARG_LABEL, RH_REFUSAL_TOO_LARGE,
                                  "at most %d labels per endpoint",
                                  RH_ENDPOINT_LABELS_MAX);
        return rh__ctx_error(ctx, rc, "out of memory");
    }
    return save_profile(ctx, ep, &fresh);
}

/* --------------------------------------------------------------- getters */

const char *rh_endpoint_tenant(const rh_endpoint *ep)
{
    return ep ? rh__endpoint_tenant(ep) : "";
}
const char *rh_endpoint_name(const rh_endpoint *ep)
{
    return ep && ep->profile.name ? ep->profile.name : "";
}
const char *rh_endpoint_description(const rh_endpoint *ep)
{
    return ep && ep->profile.description ? ep->profile.description : "";
}
size_t rh_endpoint_label_count(const rh_endpoint *ep)
{
    return ep ? ep->profile.n_labels : 0;
}
const char *rh_endpoint_label_key(const rh_endpoint *ep, size_t i)
{
    return ep && i < ep->profile.n_labels ? ep->profile.label_keys[i] : "";
}
const char *rh_endpoint_label_value(const rh_endpoint *ep, size_t i)
{
    return ep && i < ep->profile.n_labels ? ep->profile.label_values[i] : "";
}
