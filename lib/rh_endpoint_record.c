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
    rh__wipe(ep, sizeof *ep);
    rh__free(a, ep);
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
        json_object_set_new(o, "secret", json_string(ep->secret)))
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
               *secret = get_str(o, "secret"), *old = get_str(o, "old_secret");
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
    if (old) {
        ep->old_secret = rh__strdup(a, old);
        if (!ep->old_secret)
            goto done;
        ep->old_secret_until_ms =
            json_integer_value(json_object_get(o, "old_secret_until_ms"));
    }
    for (size_t i = 0; i < json_array_size(evs); i++) {
        const char *s = json_string_value(json_array_get(evs, i));
        if (!s) {
            rc = RH_E_INVALID_ARG;
            goto done;
        }
        ep->events[i] = rh__strdup(a, s);
        if (!ep->events[i])
            goto done;
        ep->n_events = i + 1;
    }
    json_t *hs = json_object_get(o, "headers");
    size_t nh = json_array_size(hs);
    if (nh > RH_HEADERS_MAX) {
        rc = RH_E_INVALID_ARG;
        goto done;
    }
    if (nh) {
        ep->hdr_names = rh__calloc(a, nh * sizeof(char *));
        ep->hdr_values = rh__calloc(a, nh * sizeof(char *));
        if (!ep->hdr_names || !ep->hdr_values)
            goto done;
    }
    for (size_t i = 0; i < nh; i++) {
        json_t *pair = json_array_get(hs, i);
        const char *name = json_string_value(json_array_get(pair, 0));
        const char *value = json_string_value(json_array_get(pair, 1));
        const char *why;
        /* a stored record is input too: nothing may add a header line */
        if (!name || !value || !rh__header_valid(name, value, &why)) {
            rc = RH_E_INVALID_ARG;
            goto done;
        }
        ep->hdr_names[i] = rh__strdup(a, name);
        ep->hdr_values[i] = rh__strdup(a, value);
        ep->n_headers = i + 1;
        if (!ep->hdr_names[i] || !ep->hdr_values[i])
            goto done;
    }
    *out = ep;
    ep = NULL;
    rc = RH_OK;
done:
    rh__endpoint_free(a, ep);
    json_decref(o);
    return rc;
}
