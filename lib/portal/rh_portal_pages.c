/* replicer-hooks portal pages: the seed's flow as HTML, rendered from the
 * templates in lib/portal/assets with the same models the JSON API sends.
 * This file: the pages' routes, the endpoint list, adding an endpoint, and
 * the secret shown once (POST, then a redirect to a page that reads it
 * from a sealed, short-lived cookie, so that a reload adds nothing and
 * shows it no more). The endpoint and delivery pages are
 * rh_portal_detail.c; what pages share, rh_portal_view.c. */
#include "rh_portal_pages.h"

#include "rh_seal.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ list */

static int list_page(rh_portal *p, const rh_portal_claims *c,
                     rh_portal_response *r)
{
    json_t *list = NULL, *views = json_array();
    int rc = rh__portal_endpoints(p, c, &list);
    if (rc < 0 || !views) {
        json_decref(views);
        return rc == RH_E_NOMEM || !views
                   ? RH_E_NOMEM
                   : rh__portal_page_error(p, c, r, 503,
                                           "the store cannot be read now");
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const rh_endpoint *ep = NULL;
        if (rh_endpoint_get(p->ctx, json_string_value(json_object_get(e, "id")),
                            &ep) == RH_OK)
            json_array_append_new(views, rh__portal_endpoint_view(ep));
    }
    json_decref(list);
    return rh__portal_html(p, c, r, 200, "endpoints.html", "Endpoints",
                           json_pack("{s:o}", "endpoints", views));
}

/* ------------------------------------------------------------------- add */

/* The catalog for the picker: active and deprecated types by group (in
 * the catalog's order), archived ones left out; checked those in picked. */
static json_t *picker(rh_portal *p, json_t *picked)
{
    json_t *types = NULL, *groups = json_array();
    if (!groups || rh__portal_event_types(p, &types) != RH_OK)
        return groups;
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        const char *state = json_string_value(json_object_get(t, "state"));
        const char *group = json_string_value(json_object_get(t, "group"));
        if (state && !strcmp(state, "archived"))
            continue;
        group = group && *group ? group : "Other";
        json_t *g = json_array_size(groups)
                        ? json_array_get(groups, json_array_size(groups) - 1)
                        : NULL;
        if (!g ||
            strcmp(json_string_value(json_object_get(g, "group")), group)) {
            g = json_pack("{s:s, s:[]}", "group", group, "types");
            json_array_append_new(groups, g);
        }
        int on = 0;
        size_t k;
        json_t *name;
        json_array_foreach(picked, k, name) on |=
            json_equal(name, json_object_get(t, "name"));
        json_object_set_new(t, "checked", json_boolean(on));
        json_object_set_new(
            t, "deprecated",
            json_boolean(state && !strcmp(state, "deprecated")));
        json_array_append(json_object_get(g, "types"), t);
    }
    json_decref(types);
    return groups;
}

/* The add form, empty or as the user left it (model: url, name,
 * description, picked, error). */
static int new_page(rh_portal *p, const rh_portal_claims *c,
                    rh_portal_response *r, int status, json_t *model)
{
    json_t *groups = picker(p, json_object_get(model, "picked"));
    json_object_set_new(model, "groups", groups);
    json_object_set_new(model, "no_catalog",
                        json_boolean(json_array_size(groups) == 0));
    return rh__portal_html(p, c, r, status, "endpoint_new.html",
                           "Add an endpoint", model);
}

static int secret_page(rh_portal *p, const rh_portal_request *rq,
                       const rh_portal_claims *c, const rh_endpoint *ep,
                       rh_portal_response *r)
{
    unsigned char key[32];
    char aad[RH_TENANT_MAX + RH_ID_SIZE + 2], buf[RH_SEALED_SIZE + 1];
    char secret[RH_SECRET_SIZE] = "", clear[512];
    const char *id = rh_endpoint_id(ep);
    const char *sealed =
        rh__portal_cookie(rq, RH__PORTAL_FLASH, buf, sizeof buf);
    rh__portal_flash_key(p, key);
    snprintf(aad, sizeof aad, "%s:%s", c->tenant, id);
    if (sealed && rh__unseal(key, aad, sealed, secret, sizeof secret) != RH_OK)
        secret[0] = '\0';
    rh__wipe(key, sizeof key);
    snprintf(clear, sizeof clear,
             RH__PORTAL_FLASH
             "=; Path=%s/endpoints/%s/secret; Max-Age=0; HttpOnly; "
             "SameSite=Strict%s",
             p->base, id, p->insecure_cookie ? "" : "; Secure");
    int rc = rh__portal_add_header(r, "Set-Cookie", clear);
    json_t *model =
        json_pack("{s:o, s:s?}", "endpoint", rh__portal_endpoint_view(ep),
                  "secret", secret[0] ? secret : NULL);
    rh__wipe(secret, sizeof secret);
    if (rc != RH_OK) {
        json_decref(model);
        return rc;
    }
    return rh__portal_html(p, c, r, 200, "secret.html", "Signing secret",
                           model);
}

/* The form's events (checkboxes "events", and "events_text" split at
 * commas and spaces when the catalog is empty) into picked: 0, or -1 when
 * a value does not fit. */
static int form_events(const rh_portal_request *rq, json_t *picked)
{
    char v[RH_TYPE_MAX + 3], text[4096];
    int got = 0;
    for (size_t nth = 0; nth < 256; nth++) {
        if ((got = rh__portal_form(rq, "events", nth, v, sizeof v)) <= 0)
            break;
        json_array_append_new(picked, json_string(v));
    }
    if (got < 0 ||
        (got = rh__portal_form(rq, "events_text", 0, text, sizeof text)) < 0)
        return -1;
    char *save = NULL;
    for (char *s = got ? strtok_r(text, ", \t\r\n", &save) : NULL; s;
         s = strtok_r(NULL, ", \t\r\n", &save))
        json_array_append_new(picked, json_string(s));
    return 0;
}

static int create(rh_portal *p, const rh_portal_request *rq,
                  const rh_portal_claims *c, rh_portal_response *r)
{
    char url[2049], name[RH_ENDPOINT_NAME_MAX + 1];
    char desc[RH_ENDPOINT_DESCRIPTION_MAX + 1];
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[256];
    json_t *picked = json_array();
    int gu = rh__portal_form(rq, "url", 0, url, sizeof url);
    int gn = rh__portal_form(rq, "name", 0, name, sizeof name);
    int gd = rh__portal_form(rq, "description", 0, desc, sizeof desc);
    if (gu <= 0)
        url[0] = '\0';
    if (gn <= 0)
        name[0] = '\0';
    if (gd <= 0)
        desc[0] = '\0';
    int bad =
        !picked || form_events(rq, picked) < 0 || gu < 0 || gn < 0 || gd < 0;
    size_t n = json_array_size(picked);
    const char *why = bad       ? "a field is too long"
                      : !url[0] ? "give the endpoint's URL"
                                : NULL;
    if (!why && !c->tenant[0])
        why = "an operator adds endpoints with the tool";
    if (!why && (n == 0 || n > 256))
        why = "pick at least one event type (at most 256)";
    int rc = RH_OK;
    if (!why) {
        rh_endpoint_options *o = NULL;
        for (size_t i = 0; i < n; i++)
            events[i] = json_string_value(json_array_get(picked, i));
        if ((rc = rh_endpoint_options_new(&o)) == RH_OK &&
            (rc = rh_endpoint_options_set_tenant(o, c->tenant)) == RH_OK &&
            (rc = rh_endpoint_options_set_name(o, name)) == RH_OK &&
            (rc = rh_endpoint_options_set_description(o, desc)) == RH_OK)
            rc = rh_endpoint_add_with(p->ctx, url, events, n, o, id, sizeof id,
                                      secret, sizeof secret);
        rh_endpoint_options_free(o);
        if (rc == RH_E_NOMEM) {
            json_decref(picked);
            return rc;
        }
        if (rc != RH_OK)
            why = rh_ctx_last_error(p->ctx)[0] ? rh_ctx_last_error(p->ctx)
                                               : "the endpoint was refused";
    }
    if (why)
        return new_page(p, c, r, 400,
                        json_pack("{s:s, s:s, s:s, s:o, s:s}", "url", url,
                                  "name", name, "description", desc, "picked",
                                  picked, "error", why));
    json_decref(picked);
    rc = rh__portal_flash_secret(p, c, id, secret, r);
    rh__wipe(secret, sizeof secret);
    return rc;
}

/* --------------------------------------------------------------- routes */

int rh__portal_page(rh_portal *p, const rh_portal_request *rq,
                    const rh_portal_claims *c, rh_portal_response *r)
{
    const char *s = rq->sub;
    int get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    if (!strcmp(s, "/") && get)
        return list_page(p, c, r);
    if (!strcmp(s, "/endpoints/new") && (get || post)) {
        if (!(c->caps & RH_PORTAL_MANAGE))
            return rh__portal_page_error(p, c, r, 403,
                                         "this link cannot add endpoints");
        return get ? new_page(p, c, r, 200, json_object())
                   : create(p, rq, c, r);
    }
    if (!strncmp(s, "/endpoints/", 11)) {
        char id[RH_ID_SIZE];
        size_t n = strcspn(s + 11, "/");
        const rh_endpoint *ep = NULL;
        if (n == 0 || n >= sizeof id)
            return rh__portal_page_error(p, c, r, 404, "no such endpoint");
        memcpy(id, s + 11, n);
        id[n] = '\0';
        if (rh_endpoint_get(p->ctx, id, &ep) != RH_OK ||
            !rh__portal_in_scope(c, ep))
            return rh__portal_page_error(p, c, r, 404, "no such endpoint");
        if (!strcmp(s + 11 + n, "/secret") && get)
            return secret_page(p, rq, c, ep, r);
        return rh__portal_endpoint_page(p, rq, c, ep, s + 11 + n, r);
    }
    if (!strncmp(s, "/deliveries/", 12))
        return rh__portal_delivery_html(p, rq, c, s + 12, r);
    return rh__portal_page_error(p, c, r, 404, "no such page");
}
