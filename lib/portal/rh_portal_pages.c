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

typedef struct tally {
    int total, ok;
} tally;

static int count_attempt(const rh_attempt *at, void *ud)
{
    tally *t = ud;
    t->total++;
    t->ok += rh_attempt_success(at);
    return RH_OK;
}

/* The endpoint's attempts in the last 24 h, succeeded and in all (the
 * newest 1,000 at most), as "99% of 1,000" or an em dash for none. */
static void rate_24h(rh_portal *p, const char *id, json_t *view)
{
    rh_query *q = NULL;
    tally t = {0, 0};
    char text[64] = "\xe2\x80\x94"; /* an em dash: nothing was sent */
    if (rh_query_new(&q) == RH_OK && rh_query_set_endpoint(q, id) == RH_OK &&
        rh_query_set_time_range(q, rh__ctx_now(p->ctx) - 86400000, 0) ==
            RH_OK &&
        rh_query_set_limit(q, 1000) == RH_OK &&
        rh_log_attempts(p->ctx, q, count_attempt, &t) >= 0 && t.total > 0)
        snprintf(text, sizeof text, "%d%% of %d%s", t.ok * 100 / t.total,
                 t.total, t.total == 1000 ? "+" : "");
    rh_query_free(q);
    json_object_set_new(view, "rate_24h", json_string(text));
    json_object_set_new(view, "failing_24h",
                        json_boolean(t.total > 0 && t.ok < t.total));
}

static int list_page(rh_portal *p, const rh_portal_request *rq,
                     const rh_portal_claims *c, rh_portal_response *r)
{
    char only[RH_TENANT_MAX + 1] = ""; /* an operator's view of one tenant */
    if (c->tenant[0] || rh__portal_query(rq, "tenant", only, sizeof only) <= 0)
        only[0] = '\0';
    json_t *all = NULL, *views = json_array();
    int rc = rh__portal_endpoints(p, c, rh__portal_endpoint_view, &all);
    if (rc < 0 || !views) {
        json_decref(views);
        return rc == RH_E_NOMEM || !views
                   ? RH_E_NOMEM
                   : rh__portal_page_error(p, c, r, 503,
                                           "the store cannot be read now");
    }
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *tenant = json_string_value(json_object_get(v, "tenant"));
        if (only[0] && strcmp(tenant, only))
            continue;
        char q[RH_TENANT_MAX * 3 + 16];
        const char *kv[][2] = {{"tenant", tenant}};
        rh__portal_query_string(q, sizeof q, kv, 1);
        json_object_set_new(v, "tenant_query", json_string(q));
        /* the log read after the list, not inside it (no call from a
         * callback) */
        rate_24h(p, json_string_value(json_object_get(v, "id")), v);
        json_array_append(views, v);
    }
    json_decref(all);
    return rh__portal_html(
        p, c, r, 200, "endpoints.html", "Endpoints",
        json_pack("{s:o, s:s}", "endpoints", views, "tenant_filter", only));
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
        json_t *g = NULL, *each; /* the catalog is sorted by name */
        size_t gi;
        json_array_foreach(
            groups, gi,
            each) if (!strcmp(json_string_value(json_object_get(each, "group")),
                              group)) g = each;
        if (!g) {
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
    json_t *other = NULL; /* picked, and not in the catalog: kept checked */
    size_t k;
    json_t *name;
    json_array_foreach(picked, k, name)
    {
        int listed = 0;
        size_t gi, ti;
        json_t *g, *t2;
        json_array_foreach(groups, gi, g)
            json_array_foreach(json_object_get(g, "types"), ti, t2) listed |=
            json_equal(json_object_get(t2, "name"), name);
        if (listed || json_array_size(groups) == 0)
            continue;
        if (!other && !(other = json_pack("{s:s, s:[]}", "group",
                                          "Patterns and others", "types")))
            break;
        json_array_append_new(
            json_object_get(other, "types"),
            /* a description and a deprecation of its own, empty: the
             * template would find the form's description outwards */
            json_pack("{s:O, s:b, s:s, s:b}", "name", name, "checked", 1,
                      "description", "", "deprecated", 0));
    }
    if (other)
        json_array_append_new(groups, other);
    return groups;
}

/* The add form, empty or as the user left it (model: url, name,
 * description, picked, error). */
static int new_page(rh_portal *p, const rh_portal_claims *c,
                    rh_portal_response *r, int status, json_t *model)
{
    char action[300];
    snprintf(action, sizeof action, "%s/endpoints/new", p->base);
    if (!json_object_get(model, "action"))
        json_object_set_new(model, "action", json_string(action));
    json_t *groups = picker(p, json_object_get(model, "picked"));
    if (json_array_size(groups) == 0) { /* the text field holds them */
        rh_text t = {&rh__default_allocator, NULL, 0, 0, 0};
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(model, "picked"), i, e)
        {
            rh__text_puts(&t, i ? ", " : "");
            rh__text_puts(&t, json_string_value(e));
        }
        json_object_set_new(model, "events_text",
                            json_stringn(t.p ? t.p : "", t.len));
        rh__free(&rh__default_allocator, t.p);
    }
    json_object_set_new(model, "groups", groups);
    json_object_set_new(model, "no_catalog",
                        json_boolean(json_array_size(groups) == 0));
    int editing = json_is_true(json_object_get(model, "editing"));
    return rh__portal_html(p, c, r, status, "endpoint_new.html",
                           editing ? "Edit the endpoint" : "Add an endpoint",
                           model);
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
    char plain[RH_SECRET_SIZE + 32] = "";
    long long expires = 0;
    int used = 0;
    if (sealed && rh__unseal(key, aad, sealed, plain, sizeof plain) == RH_OK &&
        sscanf(plain, "%lld:%n", &expires, &used) == 1 && used > 0 &&
        rh__ctx_now(p->ctx) <= expires)
        snprintf(secret, sizeof secret, "%s", plain + used);
    rh__wipe(plain, sizeof plain);
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
    for (size_t nth = 0; nth <= 256; nth++) { /* a 257th: too many */
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

/* What the add and edit forms send. */
typedef struct endpoint_form {
    char url[2049];
    char name[RH_ENDPOINT_NAME_MAX + 1];
    char desc[RH_ENDPOINT_DESCRIPTION_MAX + 1];
    char account[RH_TENANT_MAX + 1]; /* an operator's add: whose ("": none) */
    json_t *picked;                  /* the events, as strings */
    const char *events[256];
    size_t n;
} endpoint_form;

/* The form read into f: NULL, or why it cannot be taken. */
static const char *read_form(const rh_portal_request *rq, endpoint_form *f)
{
    int gu = rh__portal_form(rq, "url", 0, f->url, sizeof f->url);
    int gn = rh__portal_form(rq, "name", 0, f->name, sizeof f->name);
    int gd = rh__portal_form(rq, "description", 0, f->desc, sizeof f->desc);
    int ga = rh__portal_form(rq, "account", 0, f->account, sizeof f->account);
    if (ga <= 0)
        f->account[0] = '\0';
    if (gu <= 0)
        f->url[0] = '\0';
    if (gn <= 0)
        f->name[0] = '\0';
    if (gd <= 0)
        f->desc[0] = '\0';
    if (!(f->picked = json_array()))
        return "out of memory";
    if (form_events(rq, f->picked) < 0 || gu < 0 || gn < 0 || gd < 0 || ga < 0)
        return "a field is too long";
    if (!f->url[0])
        return "give the endpoint's URL";
    f->n = json_array_size(f->picked);
    if (f->n == 0 || f->n > 256)
        return "pick at least one event type (at most 256)";
    for (size_t i = 0; i < f->n; i++)
        f->events[i] = json_string_value(json_array_get(f->picked, i));
    return NULL;
}

/* The form again with why, and what the user typed (f->picked taken). */
static int form_again(rh_portal *p, const rh_portal_claims *c,
                      rh_portal_response *r, endpoint_form *f, const char *why,
                      const char *action)
{
    json_t *model =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "url", f->url, "name",
                  f->name, "description", f->desc, "account", f->account,
                  "picked", f->picked ? f->picked : json_array(), "error", why);
    if (model && action) {
        json_object_set_new(model, "action", json_string(action));
        json_object_set_new(model, "editing", json_true());
    }
    return new_page(p, c, r, 400, model);
}

/* Why the library refused an add or an edit (rc, just returned): the
 * call's own text for bad input, a constant for the profile's checks
 * (made without the context, whose last text is another call's), NULL
 * when the caller answers with rh__portal_page_refused instead. */
static const char *refusal(rh_portal *p, int rc, int profile)
{
    if (profile)
        return "the name or description is not valid: text without control "
               "characters, at most 128 and 1,024 bytes";
    if (rc == RH_E_INVALID_ARG || rc == RH_E_FULL || rc == RH_E_STATE)
        return rh__portal_last_refusal(p);
    return NULL;
}

static int create(rh_portal *p, const rh_portal_request *rq,
                  const rh_portal_claims *c, rh_portal_response *r)
{
    endpoint_form f;
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *why = read_form(rq, &f);
    /* a tenant's own; the operator's for the account the form names */
    const char *tenant = c->tenant[0] ? c->tenant : f.account;
    int rc = RH_OK, profile = 0;
    if (!why) {
        rh_endpoint_options *o = NULL;
        if ((rc = rh_endpoint_options_new(&o)) == RH_OK &&
            rh_endpoint_options_set_tenant(o, tenant[0] ? tenant : NULL) !=
                RH_OK)
            why = "the account is 1 to 128 visible ASCII characters";
        else if (rc == RH_OK) {
            profile = 1; /* the name's and the description's own checks */
            if ((rc = rh_endpoint_options_set_name(o, f.name)) == RH_OK &&
                (rc = rh_endpoint_options_set_description(o, f.desc)) ==
                    RH_OK) {
                profile = 0;
                rc = rh_endpoint_add_with(p->ctx, f.url, f.events, f.n, o, id,
                                          sizeof id, secret, sizeof secret);
            }
        }
        rh_endpoint_options_free(o);
        if (rc != RH_OK && !(why = refusal(p, rc, profile))) {
            json_decref(f.picked);
            return rh__portal_page_refused(p, c, r, rc);
        }
    }
    if (why)
        return form_again(p, c, r, &f, why, NULL);
    json_decref(f.picked);
    rc = rh__portal_flash_secret(p, c, id, secret, r);
    rh__wipe(secret, sizeof secret);
    return rc;
}

/* /endpoints/{id}/edit: the add form, filled with the endpoint, and what it
 * posts applied field by field (the URL checked as an add checks one). */
static int edit(rh_portal *p, const rh_portal_request *rq,
                const rh_portal_claims *c, const rh_endpoint *ep,
                rh_portal_response *r)
{
    char action[600], back[600], id[RH_ID_SIZE];
    snprintf(id, sizeof id, "%s", rh_endpoint_id(ep));
    snprintf(action, sizeof action, "%s/endpoints/%s/edit", p->base, id);
    snprintf(back, sizeof back, "%s/endpoints/%s", p->base, id);
    if (!strcmp(rq->method, "GET")) {
        json_t *v = rh__portal_endpoint_view(ep);
        if (v) {
            json_object_set(v, "picked", json_object_get(v, "events"));
            json_object_set_new(v, "action", json_string(action));
            json_object_set_new(v, "editing", json_true());
        }
        return new_page(p, c, r, 200, v);
    }
    endpoint_form f;
    const char *why = read_form(rq, &f);
    int rc = RH_OK;
    if (!why &&
        ((rc = rh_endpoint_set_url(p->ctx, id, f.url)) != RH_OK ||
         (rc = rh_endpoint_set_events(p->ctx, id, f.events, f.n)) != RH_OK ||
         (rc = rh_endpoint_set_name(p->ctx, id, f.name)) != RH_OK ||
         (rc = rh_endpoint_set_description(p->ctx, id, f.desc)) != RH_OK)) {
        if (!(why = refusal(p, rc, 0))) {
            json_decref(f.picked);
            return rh__portal_page_refused(p, c, r, rc);
        }
    }
    if (why)
        return form_again(p, c, r, &f, why, action);
    json_decref(f.picked);
    return rh__portal_redirect(r, back, NULL);
}

/* --------------------------------------------------------------- routes */

int rh__portal_page(rh_portal *p, const rh_portal_request *rq,
                    const rh_portal_claims *c, rh_portal_response *r)
{
    const char *s = rq->sub;
    int get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    if (!strcmp(s, "/") && get)
        return list_page(p, rq, c, r);
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
        if (!strcmp(s + 11 + n, "/edit") && (get || post))
            return c->caps & RH_PORTAL_MANAGE
                       ? edit(p, rq, c, ep, r)
                       : rh__portal_page_error(p, c, r, 403,
                                               "this link cannot change "
                                               "endpoints");
        return rh__portal_endpoint_page(p, rq, c, ep, s + 11 + n, r);
    }
    if (!strncmp(s, "/deliveries/", 12))
        return rh__portal_delivery_html(p, rq, c, s + 12, r);
    return rh__portal_page_error(p, c, r, 404, "no such page");
}
