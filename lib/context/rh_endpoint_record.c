/* replicer-hooks endpoint record: the JSON text backends store for an
 * endpoint, its in-memory form made from it and freed. The only jansson user.
 */
#include "rh_endpoint_record.h"
#include "rh_sign.h"
#include "rh_validate.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>

void rh__endpoint_free_headers(const rh_allocator *a, rh_endpoint *ep)
{
    for (size_t i = 0; i < ep->n_headers; i++) {
        rh__free_secret(a, ep->hdr_names[i]);
        rh__free_secret(a, ep->hdr_values[i]); /* often an API key */
    }
    rh__free(a, ep->hdr_names);
    rh__free(a, ep->hdr_values);
    ep->hdr_names = ep->hdr_values = NULL;
    ep->n_headers = 0;
}

void rh__endpoint_free(const rh_allocator *a, rh_endpoint *ep)
{
    if (!ep)
        return;
    rh__mac_free(ep->mac);
    rh__mac_free(ep->old_mac);
    rh__endpoint_free_headers(a, ep);
    rh__free(a, ep->url);
    for (size_t i = 0; i < ep->n_events; i++)
        rh__free(a, ep->events[i]);
    rh__free(a, ep->events);
    rh__free_secret(a, ep->secret);
    rh__free_secret(a, ep->old_secret);
    rh__free(a, ep->client_cert);
    rh__free_secret(a, ep->client_key);
    rh__free_secret(a, ep->token);
    rh__profile_free(a, &ep->profile);
    rh__wipe(ep, sizeof *ep);
    rh__free(a, ep);
}

/* "settings": only those set, absent when none is. */
static int encode_settings(json_t *o, const rh_endpoint_settings *st)
{
    json_t *s;
    if (!st->timeout_ms && !st->max_in_flight && st->rate_per_s <= 0 &&
        !st->has_schedule && !st->http_version)
        return RH_OK;
    s = json_object();
    if (!s || json_object_set_new(o, "settings", s))
        return RH_E_NOMEM;
    if ((st->timeout_ms &&
         json_object_set_new(s, "timeout_ms", json_integer(st->timeout_ms))) ||
        (st->max_in_flight &&
         json_object_set_new(s, "max_in_flight",
                             json_integer((json_int_t)st->max_in_flight))) ||
        (st->rate_per_s > 0 &&
         json_object_set_new(s, "rate_per_s", json_real(st->rate_per_s))) ||
        (st->http_version &&
         json_object_set_new(s, "http_version",
                             json_integer(st->http_version))))
        return RH_E_NOMEM;
    if (st->has_schedule) {
        json_t *d = json_array();
        if (!d || json_object_set_new(s, "schedule_ms", d))
            return RH_E_NOMEM;
        for (size_t i = 0; i < st->schedule_len; i++)
            if (json_array_append_new(d, json_integer(st->schedule_ms[i])))
                return RH_E_NOMEM;
    }
    return RH_OK;
}

int rh__endpoint_encode(const rh_allocator *a, const rh_endpoint *ep,
                        char **out, size_t *out_len)
{
    json_t *o = json_object(), *evs = json_array();
    char *dumped = NULL;
    int rc = RH_E_NOMEM;
    if (!o || !evs)
        goto done;
    for (size_t i = 0; i < ep->n_events; i++)
        if (json_array_append_new(evs, json_string(ep->events[i])) != 0)
            goto done;
    if (json_object_set_new(o, "v", json_integer(1)) ||
        json_object_set_new(o, "id", json_string(ep->id)) ||
        json_object_set_new(o, "url", json_string(ep->url)) ||
        json_object_set(o, "events", evs) ||
        json_object_set_new(o, "enabled", json_boolean(ep->enabled)) ||
        json_object_set_new(o, "paused", json_boolean(ep->paused)) ||
        json_object_set_new(o, "created_ms", json_integer(ep->created_ms)) ||
        json_object_set_new(o, "mode",
                            json_string(ep->mode == RH_MODE_DEVELOPMENT
                                            ? "development"
                                            : "production")) ||
        json_object_set_new(o, "secret", json_string(ep->secret)))
        goto done;
    if (!ep->enabled && ep->disabled_reason &&
        json_object_set_new(o, "disabled_reason",
                            json_integer(ep->disabled_reason)))
        goto done;
    const rh_health *h = &ep->health;
    if ((h->last_success_ms || h->failing_since_ms || h->reset_ms ||
         h->resumed_ms) &&
        json_object_set_new(
            o, "health",
            json_pack("{sIsIsIsIsI}", "last_success_ms",
                      (json_int_t)h->last_success_ms, "failing_since_ms",
                      (json_int_t)h->failing_since_ms, "failed_in_a_row",
                      (json_int_t)h->failed_in_a_row, "reset_ms",
                      (json_int_t)h->reset_ms, "resumed_ms",
                      (json_int_t)h->resumed_ms)))
        goto done;
    if (ep->n_headers) {
        json_t *hs = json_array();
        if (!hs || json_object_set_new(o, "headers", hs))
            goto done;
        for (size_t i = 0; i < ep->n_headers; i++) {
            json_t *pair =
                json_pack("[ss]", ep->hdr_names[i], ep->hdr_values[i]);
            if (!pair || json_array_append_new(hs, pair))
                goto done;
        }
    }
    if (ep->old_secret &&
        (json_object_set_new(o, "old_secret", json_string(ep->old_secret)) ||
         json_object_set_new(o, "old_secret_until_ms",
                             json_integer(ep->old_secret_until_ms))))
        goto done;
    if (encode_settings(o, &ep->set) != RH_OK ||
        rh__profile_encode(o, &ep->profile) != RH_OK)
        goto done;
    if (ep->client_cert &&
        (json_object_set_new(o, "client_cert", json_string(ep->client_cert)) ||
         json_object_set_new(o, "client_key", json_string(ep->client_key))))
        goto done;
    dumped = json_dumps(o, JSON_COMPACT);
    if (!dumped)
        goto done;
    *out_len = strlen(dumped);
    *out = rh__memdup(a, dumped, *out_len);
    rh__wipe(dumped, *out_len);
    free(dumped);
    rc = *out ? RH_OK : RH_E_NOMEM;
done:
    json_decref(evs);
    json_decref(o);
    return rc;
}

static const char *get_str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t get_int(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* The fields added in 0.2.0, each absent from older records. */
static void decode_state(json_t *o, rh_endpoint *ep)
{
    const char *mode = get_str(o, "mode");
    json_t *h = json_object_get(o, "health");
    int64_t reason = get_int(o, "disabled_reason");
    /* older records: a plain-http URL could only come from development */
    if (mode)
        ep->mode = strcmp(mode, "development") == 0 ? RH_MODE_DEVELOPMENT
                                                    : RH_MODE_PRODUCTION;
    else
        ep->mode = strncmp(ep->url, "http:", 5) == 0 ? RH_MODE_DEVELOPMENT
                                                     : RH_MODE_PRODUCTION;
    ep->disabled_reason = !ep->enabled && reason > 0 && reason <= 3
                              ? (int)reason
                              : (!ep->enabled ? RH_DISABLED_BY_HOST : 0);
    ep->health.last_success_ms = get_int(h, "last_success_ms");
    ep->health.failing_since_ms = get_int(h, "failing_since_ms");
    ep->health.failed_in_a_row = get_int(h, "failed_in_a_row");
    ep->health.reset_ms = get_int(h, "reset_ms");
    ep->health.resumed_ms = get_int(h, "resumed_ms");
}

/* A stored record is input too: settings out of range are refused. */
static int decode_settings(json_t *o, rh_endpoint_settings *st)
{
    json_t *s = json_object_get(o, "settings"), *d;
    if (!s)
        return RH_OK;
    st->timeout_ms = get_int(s, "timeout_ms");
    st->max_in_flight = (size_t)get_int(s, "max_in_flight");
    st->rate_per_s = json_number_value(json_object_get(s, "rate_per_s"));
    int64_t version = get_int(s, "http_version");
    /* out of range stays out of range, for rh__endpoint_settings_valid */
    st->http_version = version < 0 || version > RH_HTTP_VERSION_2
                           ? -1
                           : (int)version;
    d = json_object_get(s, "schedule_ms");
    if (d) {
        if (!json_is_array(d) || json_array_size(d) > RH_SCHEDULE_MAX)
            return RH_E_INVALID_ARG;
        st->has_schedule = 1;
        st->schedule_len = json_array_size(d);
        for (size_t i = 0; i < st->schedule_len; i++)
            st->schedule_ms[i] = json_integer_value(json_array_get(d, i));
    }
    return rh__endpoint_settings_valid(st) ? RH_OK : RH_E_INVALID_ARG;
}

/* The client certificate and key (both or neither), and the secret being
 * rotated out with the time it is accepted until. */
static int decode_credentials(const rh_allocator *a, json_t *o, rh_endpoint *ep)
{
    const char *cert = get_str(o, "client_cert"),
               *key = get_str(o, "client_key"), *old = get_str(o, "old_secret");
    if (!cert != !key)
        return RH_E_INVALID_ARG;
    if (cert && (!(ep->client_cert = rh__strdup(a, cert)) ||
                 !(ep->client_key = rh__strdup(a, key))))
        return RH_E_NOMEM;
    if (old) {
        ep->old_secret = rh__strdup(a, old);
        if (!ep->old_secret)
            return RH_E_NOMEM;
        ep->old_secret_until_ms =
            json_integer_value(json_object_get(o, "old_secret_until_ms"));
    }
    return RH_OK;
}

char **rh__events_copy(const rh_allocator *a, const char *const *events,
                       size_t n)
{
    char **copy = rh__calloc(a, (n ? n : 1) * sizeof(char *));
    for (size_t i = 0; copy && i < n; i++)
        if (!(copy[i] = rh__strdup(a, events[i]))) {
            while (i--)
                rh__free(a, copy[i]);
            rh__free(a, copy);
            return NULL;
        }
    return copy;
}

/* The subscribed event types, into ep->events (made with room for all). */
static int decode_events(const rh_allocator *a, json_t *evs, rh_endpoint *ep)
{
    for (size_t i = 0; i < json_array_size(evs); i++) {
        const char *s = json_string_value(json_array_get(evs, i));
        if (!s)
            return RH_E_INVALID_ARG;
        ep->events[i] = rh__strdup(a, s);
        if (!ep->events[i])
            return RH_E_NOMEM;
        ep->n_events = i + 1;
    }
    return RH_OK;
}

/* The custom headers, [name, value] pairs, checked as when they were set. */
static int decode_headers(const rh_allocator *a, json_t *o, rh_endpoint *ep)
{
    json_t *hs = json_object_get(o, "headers");
    size_t nh = json_array_size(hs);
    if (nh > RH_HEADERS_MAX)
        return RH_E_INVALID_ARG;
    if (nh) {
        ep->hdr_names = rh__calloc(a, nh * sizeof(char *));
        ep->hdr_values = rh__calloc(a, nh * sizeof(char *));
        if (!ep->hdr_names || !ep->hdr_values)
            return RH_E_NOMEM;
    }
    for (size_t i = 0; i < nh; i++) {
        json_t *pair = json_array_get(hs, i);
        const char *name = json_string_value(json_array_get(pair, 0));
        const char *value = json_string_value(json_array_get(pair, 1));
        const char *why;
        /* a stored record is input too: nothing may add a header line */
        if (!name || !value || !rh__header_valid(name, value, &why))
            return RH_E_INVALID_ARG;
        ep->hdr_names[i] = rh__strdup(a, name);
        ep->hdr_values[i] = rh__strdup(a, value);
        ep->n_headers = i + 1;
        if (!ep->hdr_names[i] || !ep->hdr_values[i])
            return RH_E_NOMEM;
    }
    return RH_OK;
}

int rh__endpoint_decode(const rh_allocator *a, const char *json, size_t len,
                        rh_endpoint **out)
{
    json_error_t jerr;
    json_t *o = json_loadb(json, len, 0, &jerr), *evs;
    rh_endpoint *ep = NULL;
    int rc = RH_E_INVALID_ARG;
    if (!o)
        return RH_E_INVALID_ARG;
    const char *id = get_str(o, "id"), *url = get_str(o, "url"),
               *secret = get_str(o, "secret");
    evs = json_object_get(o, "events");
    if (!rh__id_valid(id) || !url || !secret || !json_is_array(evs) ||
        json_array_size(evs) == 0)
        goto done;
    rc = RH_E_NOMEM;
    ep = rh__calloc(a, sizeof *ep);
    if (!ep)
        goto done;
    rh__strlcpy(ep->id, id, sizeof ep->id);
    ep->enabled = json_is_true(json_object_get(o, "enabled"));
    /* absent in records written before 0.2.0: not paused */
    ep->paused = json_is_true(json_object_get(o, "paused"));
    ep->created_ms = json_integer_value(json_object_get(o, "created_ms"));
    ep->url = rh__strdup(a, url);
    ep->secret = rh__strdup(a, secret);
    ep->events = rh__calloc(a, json_array_size(evs) * sizeof(char *));
    if (!ep->url || !ep->secret || !ep->events)
        goto done;
    decode_state(o, ep);
    if ((rc = decode_settings(o, &ep->set)) != RH_OK ||
        (rc = decode_credentials(a, o, ep)) != RH_OK ||
        (rc = decode_events(a, evs, ep)) != RH_OK ||
        (rc = decode_headers(a, o, ep)) != RH_OK ||
        (rc = rh__profile_decode(a, o, &ep->profile)) != RH_OK)
        goto done;
    *out = ep;
    ep = NULL;
done:
    rh__endpoint_free(a, ep);
    json_decref(o);
    return rc;
}

/* The health two contexts saw, as one: another process sharing the store
 * (stored) and this one (mine). A failure counts only after the last
 * success and after the host last enabled the endpoint. */
static int counts(const rh_health *h, int64_t ok, int64_t reset)
{
    return h->failing_since_ms && h->failing_since_ms > ok &&
           h->failing_since_ms >= reset;
}

int rh__endpoint_settings_valid(const rh_endpoint_settings *st)
{
    if (st->timeout_ms < 0 || st->timeout_ms > RH_TIMEOUT_MAX_MS ||
        st->max_in_flight > 100000 || !(st->rate_per_s >= 0) ||
        st->rate_per_s > 100000 || st->schedule_len > RH_SCHEDULE_MAX ||
        st->http_version < RH_HTTP_VERSION_DEFAULT ||
        st->http_version > RH_HTTP_VERSION_2)
        return 0;
    for (size_t i = 0; i < st->schedule_len; i++)
        if (st->schedule_ms[i] < 0 || st->schedule_ms[i] > RH_DELAY_MAX_MS)
            return 0;
    return 1;
}

void rh__endpoint_carry(rh_endpoint *stored, rh_endpoint *mine)
{
    rh_health *s = &stored->health;
    const rh_health *m = &mine->health;
    int64_t ok = s->last_success_ms > m->last_success_ms ? s->last_success_ms
                                                         : m->last_success_ms;
    int64_t reset = s->reset_ms > m->reset_ms ? s->reset_ms : m->reset_ms;
    int s_counts = counts(s, ok, reset), m_counts = counts(m, ok, reset);
    rh_health h = {ok, 0, 0, reset, 0};
    h.resumed_ms = s->resumed_ms > m->resumed_ms ? s->resumed_ms
                                                 : m->resumed_ms;
    if (s_counts && (!m_counts || s->failing_since_ms <= m->failing_since_ms))
        h.failing_since_ms = s->failing_since_ms;
    else if (m_counts)
        h.failing_since_ms = m->failing_since_ms;
    /* a resume restarted the failure clock, whoever saw older failures */
    if (h.failing_since_ms && h.failing_since_ms < h.resumed_ms)
        h.failing_since_ms = h.resumed_ms;
    if (s_counts)
        h.failed_in_a_row = s->failed_in_a_row;
    if (m_counts && m->failed_in_a_row > h.failed_in_a_row)
        h.failed_in_a_row = m->failed_in_a_row;
    stored->health = h;
    stored->in_flight = mine->in_flight;
    stored->idle_hint = mine->idle_hint;
    stored->health_dirty = mine->health_dirty;
    /* our disable, not stored yet, is the newer unless the host enabled
     * the endpoint since, or disabled it itself */
    if (mine->disable_unsaved_ms && !mine->enabled && stored->enabled &&
        stored->health.reset_ms <= mine->disable_unsaved_ms) {
        stored->enabled = 0;
        stored->disabled_reason = mine->disabled_reason;
        stored->disable_unsaved_ms = mine->disable_unsaved_ms;
    }
    stored->health_saved_ms = mine->health_saved_ms;
    stored->held_told = mine->held_told;
    stored->token = mine->token; /* moved: freed with the record it is in */
    stored->token_expires_ms = mine->token_expires_ms;
    mine->token = NULL;
    stored->tokens = mine->tokens;
    stored->tokens_at_ms = mine->tokens_at_ms;
}
