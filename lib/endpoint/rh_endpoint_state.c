/* replicer-hooks endpoint state: what changes while an endpoint runs (its
 * health, enabled or disabled with the reason, paused) and what an edit in
 * place changes (its URL, events, profile), stored in parts apart from its
 * record through the storage table's endpoint_state slots.
 * A worker storing health then writes one small part and never the record,
 * so a pause, a disable or an edit made by another process meanwhile is
 * never written over, whatever the timing; and health saves no longer
 * re-seal the secrets. A store without the slots gets the whole record, as
 * before version 3. */
#include "rh_base.h"
#include "rh_endpoint_record.h"
#include "rh_validate.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

static int64_t part_int(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* The JSON text of one part; NULL for a part we do not know. reset_ms goes
 * with "enabled": only the host's enable sets it, so a worker's health part
 * cannot take it back. */
static json_t *part_json(const rh_endpoint *ep, const char *part)
{
    if (strcmp(part, RH__PART_HEALTH) == 0)
        return json_pack("{sIsIsI}", "last_success_ms",
                         (json_int_t)ep->health.last_success_ms,
                         "failing_since_ms",
                         (json_int_t)ep->health.failing_since_ms,
                         "failed_in_a_row",
                         (json_int_t)ep->health.failed_in_a_row);
    if (strcmp(part, RH__PART_ENABLED) == 0)
        return json_pack("{sbsisI}", "enabled", ep->enabled, "reason",
                         ep->enabled ? 0 : ep->disabled_reason, "reset_ms",
                         (json_int_t)ep->health.reset_ms);
    if (strcmp(part, RH__PART_PAUSED) == 0)
        return json_pack("{sbsI}", "paused", ep->paused, "resumed_ms",
                         (json_int_t)ep->health.resumed_ms);
    if (strcmp(part, RH__PART_URL) == 0)
        return json_pack("{ssss}", "url", ep->url, "mode",
                         ep->mode == RH_MODE_DEVELOPMENT ? "development"
                                                         : "production");
    if (strcmp(part, RH__PART_EVENTS) == 0) {
        json_t *o = json_object(), *evs = json_array();
        for (size_t i = 0; o && evs && i < ep->n_events; i++)
            json_array_append_new(evs, json_string(ep->events[i]));
        if (!o || !evs || json_object_set_new(o, "events", evs)) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    if (strcmp(part, RH__PART_PROFILE) == 0) {
        rh_endpoint_profile p = ep->profile;
        json_t *o = json_object();
        p.tenant = NULL; /* never edited: it stays in the record */
        if (o && rh__profile_encode(o, &p) != RH_OK) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    return NULL;
}

int rh__endpoint_state_store(rh_ctx *ctx, const rh_endpoint *ep,
                             const char *part)
{
    json_t *o = part_json(ep, part);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return rh__ctx_error(ctx, RH_E_NOMEM, "cannot encode the endpoint's "
                                              "%s",
                             part);
    int rc = rh__store_state_save(&ctx->store, ep->id, part, text,
                                  strlen(text));
    free(text);
    return rh__ctx_store_failed(ctx, rc);
}

/* An edit's part laid over the record: checked as the record is (a stored
 * part is input too); one that fails the check is left unapplied, the
 * record's value kept. */
static int apply_edit(rh_ctx *ctx, rh_endpoint *ep, const char *part,
                      json_t *o)
{
    const rh_allocator *a = &ctx->alloc;
    if (strcmp(part, RH__PART_URL) == 0) {
        const char *url = json_string_value(json_object_get(o, "url"));
        const char *mode = json_string_value(json_object_get(o, "mode"));
        char *copy = url && *url ? rh__strdup(a, url) : NULL;
        if (!copy)
            return RH_OK;
        rh__free(a, ep->url);
        ep->url = copy;
        ep->mode = mode && strcmp(mode, "development") == 0
                       ? RH_MODE_DEVELOPMENT
                       : RH_MODE_PRODUCTION;
    } else if (strcmp(part, RH__PART_EVENTS) == 0) {
        json_t *evs = json_object_get(o, "events");
        size_t n = json_array_size(evs);
        const char *list[256];
        if (n == 0 || n > 256)
            return RH_OK;
        for (size_t i = 0; i < n; i++)
            if (!(list[i] = json_string_value(json_array_get(evs, i))) ||
                !rh__pattern_valid(list[i]))
                return RH_OK;
        char **copy = rh__events_copy(&ctx->alloc, list, n);
        if (!copy)
            return RH_E_NOMEM;
        for (size_t i = 0; i < ep->n_events; i++)
            rh__free(a, ep->events[i]);
        rh__free(a, ep->events);
        ep->events = copy;
        ep->n_events = n;
    } else if (strcmp(part, RH__PART_PROFILE) == 0) {
        rh_endpoint_profile p;
        memset(&p, 0, sizeof p);
        json_object_del(o, "tenant"); /* never a part's to change */
        if (rh__profile_decode(a, o, &p) != RH_OK) {
            rh__profile_free(a, &p);
            return RH_OK;
        }
        p.tenant = ep->profile.tenant; /* the index points at it: kept */
        ep->profile.tenant = NULL;
        rh__profile_free(a, &ep->profile);
        ep->profile = p;
    }
    ctx->index_dirty = 1;
    return RH_OK;
}

/* One stored part laid over the endpoint read from its record. A part
 * this version does not know is left for the version that wrote it. */
static int apply_part(rh_ctx *ctx, rh_endpoint *ep, const char *part,
                      const char *json, size_t len)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return RH_E_INVALID_ARG;
    }
    if (strcmp(part, RH__PART_URL) == 0 || strcmp(part, RH__PART_EVENTS) == 0 ||
        strcmp(part, RH__PART_PROFILE) == 0) {
        int rc = apply_edit(ctx, ep, part, o);
        json_decref(o);
        return rc;
    }
    if (strcmp(part, RH__PART_HEALTH) == 0) {
        ep->health.last_success_ms = part_int(o, "last_success_ms");
        ep->health.failing_since_ms = part_int(o, "failing_since_ms");
        ep->health.failed_in_a_row = part_int(o, "failed_in_a_row");
    } else if (strcmp(part, RH__PART_ENABLED) == 0) {
        int64_t reason = part_int(o, "reason");
        ep->enabled = json_is_true(json_object_get(o, "enabled"));
        ep->disabled_reason =
            ep->enabled ? RH_DISABLED_NOT
                        : (reason > 0 && reason <= RH_DISABLED_FAILING
                               ? (int)reason
                               : RH_DISABLED_BY_HOST);
        ep->health.reset_ms = part_int(o, "reset_ms");
    } else if (strcmp(part, RH__PART_PAUSED) == 0) {
        ep->paused = json_is_true(json_object_get(o, "paused"));
        ep->health.resumed_ms = part_int(o, "resumed_ms");
    }
    json_decref(o);
    return RH_OK;
}

static int load_part(const char *id, const char *part, const char *json,
                     size_t len, void *ud)
{
    rh_ctx *ctx = ud;
    rh_endpoint *ep = id && part && json ? rh__idmap_get(&ctx->ep_ids, id)
                                         : NULL;
    /* a part of an endpoint removed since its record was read: dropped */
    return ep ? apply_part(ctx, ep, part, json, len) : RH_OK;
}

/* Failures a worker stored before the host last enabled the endpoint no
 * longer count, and a resume restarted the failure clock (the part each
 * wrote is read apart from the other's). */
static void void_failures_before_reset(rh_endpoint *ep)
{
    rh_health *h = &ep->health;
    if (h->failing_since_ms && h->failing_since_ms < h->reset_ms) {
        h->failing_since_ms = 0;
        h->failed_in_a_row = 0;
    }
    if (h->failing_since_ms && h->failing_since_ms < h->resumed_ms)
        h->failing_since_ms = h->resumed_ms;
}

int rh__ctx_load_endpoint_state(rh_ctx *ctx)
{
    int rc = rh__store_state_load(&ctx->store, load_part, ctx);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ctx->n_eps; i++)
        void_failures_before_reset(ctx->eps[i]);
    return RH_OK;
}
