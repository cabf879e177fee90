/* replicer-hooks portal pages: an endpoint's page (its settings, its
 * actions, its delivery history a page at a time with filters, a test
 * event from the catalog), the confirmation before a delete, and a
 * delivery's page with its attempts and resend. Every action is a form
 * POST answered by a redirect (303), so a reload repeats nothing. */
#include "rh_portal_pages.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {"pending", "in_flight", "succeeded",
                                          "failed"};

/* The endpoint's history: the request's filters with its own endpoint put
 * first (the first value of a name is the one read), a page at a time. */
static json_t *history(rh_portal *p, const rh_portal_request *rq,
                       const rh_portal_claims *c, const char *id,
                       rh_portal_response *r, int *rc)
{
    char query[2048];
    json_t *model = NULL;
    if ((size_t)snprintf(query, sizeof query, "endpoint=%s&%s", id,
                         rq->query) >= sizeof query) {
        *rc = rh__portal_page_error(p, c, r, 400, "the query is too long");
        return NULL;
    }
    rh_portal_request scoped = *rq;
    scoped.query = query;
    *rc = rh__portal_delivery_page(p, &scoped, c, r, &model);
    if (!model && *rc == RH_OK) { /* the filters' answer is JSON: a page */
        rh__portal_response_clear(r);
        *rc = rh__portal_page_error(p, c, r, 400,
                                    "those filters are not valid: event type "
                                    "a type or prefix.*, since 1h, 24h or "
                                    "7d");
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(model, "deliveries"), i, d)
    {
        char iso[32];
        rh__portal_iso(json_integer_value(json_object_get(d, "created_ms")),
                       iso);
        json_object_set_new(d, "created", json_string(iso));
    }
    return model;
}

static int endpoint_view_page(rh_portal *p, const rh_portal_request *rq,
                              const rh_portal_claims *c, const rh_endpoint *ep,
                              rh_portal_response *r)
{
    char type[RH_TYPE_MAX + 3] = "", state[16] = "", since[16] = "";
    char id[RH_ID_SIZE], title[RH_ENDPOINT_NAME_MAX + 2049];
    int rc = RH_OK;
    /* ep is borrowed until the next call on the context: read it first */
    json_t *view = rh__portal_endpoint_view(ep);
    snprintf(id, sizeof id, "%s", rh_endpoint_id(ep));
    snprintf(title, sizeof title, "%s",
             rh_endpoint_name(ep)[0] ? rh_endpoint_name(ep)
                                     : rh_endpoint_url(ep));
    json_t *page = history(p, rq, c, id, r, &rc);
    if (!page) { /* RH_OK: the filters' 400 was made; else the failure */
        json_decref(view);
        return rc;
    }
    json_t *types = NULL, *states = json_array();
    if (rh__portal_event_types(p, &types) != RH_OK)
        types = json_array();
    if (rh__portal_query(rq, "event_type", type, sizeof type) <= 0)
        type[0] = '\0';
    if (rh__portal_query(rq, "state", state, sizeof state) <= 0)
        state[0] = '\0';
    if (rh__portal_query(rq, "since", since, sizeof since) <= 0)
        since[0] = '\0';
    json_t *sinces = json_array();
    static const char *const spans[][2] = {
        {"1h", "hour"}, {"24h", "24 hours"}, {"7d", "7 days"}};
    for (size_t i = 0; i < 3; i++)
        json_array_append_new(sinces,
                              json_pack("{s:s, s:s, s:b}", "value", spans[i][0],
                                        "label", spans[i][1], "selected",
                                        !strcmp(since, spans[i][0])));
    for (size_t i = 0; i < 4; i++)
        json_array_append_new(
            states, json_pack("{s:s, s:b}", "name", state_names[i], "selected",
                              !strcmp(state, state_names[i])));
    json_object_set_new(page, "endpoint", view);
    json_object_set_new(page, "types", types);
    json_object_set_new(page, "states", states);
    json_object_set_new(page, "event_type", json_string(type));
    json_object_set_new(page, "sinces", sinces);
    json_object_set_new(page, "state_filter", json_string(state));
    json_object_set_new(page, "since_filter", json_string(since));
    if (json_is_string(json_object_get(page, "next"))) {
        char older[1024];
        const char *kv[][2] = {
            {"after", json_string_value(json_object_get(page, "next"))},
            {"event_type", type},
            {"state", state},
            {"since", since}};
        rh__portal_query_string(older, sizeof older, kv, 4);
        json_object_set_new(page, "older_query", json_string(older));
    }
    json_object_set_new(page, "has_filters",
                        json_boolean(type[0] || state[0] || since[0]));
    return rh__portal_html(p, c, r, 200, "endpoint.html", title, page);
}

/* POST /endpoints/{id}/{action}: the action, then back to a page. */
static int endpoint_action(rh_portal *p, const rh_portal_request *rq,
                           const rh_portal_claims *c, const char *id,
                           const char *action, rh_portal_response *r)
{
    static const struct {
        const char *name;
        int (*call)(rh_ctx *, const char *);
    } acts[] = {{"disable", rh_endpoint_disable},
                {"enable", rh_endpoint_enable},
                {"pause", rh_endpoint_pause},
                {"resume", rh_endpoint_resume},
                {"delete", rh_endpoint_remove}};
    char back[512], secret[RH_SECRET_SIZE], type[RH_TYPE_MAX + 3];
    char event_id[RH_ID_SIZE];
    int rc = RH_E_NOT_FOUND;
    snprintf(back, sizeof back, "%s/endpoints/%s", p->base, id);
    for (size_t k = 0; k < sizeof acts / sizeof *acts; k++)
        if (!strcmp(action, acts[k].name))
            rc = acts[k].call(p->ctx, id);
    if (!strcmp(action, "rotate")) { /* the old secret signs 24 h more */
        rc = rh_endpoint_rotate_secret(p->ctx, id, 86400000, secret,
                                       sizeof secret);
        if (rc == RH_OK) {
            rc = rh__portal_flash_secret(p, c, id, secret, r);
            rh__wipe(secret, sizeof secret);
            return rc;
        }
    }
    if (!strcmp(action, "test"))
        rc = rh__portal_form(rq, "event_type", 0, type, sizeof type) > 0
                 ? rh_event_type_send_example(p->ctx, id, type, event_id,
                                              sizeof event_id)
                 : RH_E_INVALID_ARG;
    if (!strcmp(action, "recover")) {
        char v[16];
        int64_t span = -1;
        static const struct {
            const char *v;
            int64_t ms;
        } spans[] = {{"1h", 3600000}, {"24h", 86400000}, {"7d", 604800000}};
        int got = rh__portal_form(rq, "since", 0, v, sizeof v);
        for (size_t k = 0; got > 0 && k < 3; k++)
            if (!strcmp(v, spans[k].v))
                span = spans[k].ms;
        rc = span < 0
                 ? RH_E_INVALID_ARG
                 : rh_endpoint_recover(p->ctx, id, rh__ctx_now(p->ctx) - span);
    }
    if (rc < 0)
        return rh__portal_page_refused(p, c, r, rc);
    if (rc < 0)
        return rh__portal_page_error(p, c, r, rc == RH_E_NOT_FOUND ? 404 : 400,
                                     rh_ctx_last_error(p->ctx)[0]
                                         ? rh_ctx_last_error(p->ctx)
                                         : "that cannot be done");
    if (!strcmp(action, "delete"))
        snprintf(back, sizeof back, "%s/", p->base);
    return rh__portal_redirect(r, back, NULL);
}

int rh__portal_endpoint_page(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, const rh_endpoint *ep,
                             const char *rest, rh_portal_response *r)
{
    int get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    if (!strcmp(rest, "") && get)
        return endpoint_view_page(p, rq, c, ep, r);
    if (rest[0] != '/' || !(get || post))
        return rh__portal_page_error(p, c, r, 404, "no such page");
    /* recover resends: the capability a resend needs; the rest manage */
    unsigned need =
        !strcmp(rest, "/recover") ? RH_PORTAL_RESEND : RH_PORTAL_MANAGE;
    if (!(c->caps & need))
        return rh__portal_page_error(p, c, r, 403,
                                     need == RH_PORTAL_RESEND
                                         ? "this link cannot resend"
                                         : "this link cannot change "
                                           "endpoints");
    if (!strcmp(rest, "/delete") && get)
        return rh__portal_html(
            p, c, r, 200, "confirm_delete.html", "Delete the endpoint?",
            json_pack("{s:o}", "endpoint", rh__portal_endpoint_view(ep)));
    if (!post)
        return rh__portal_page_error(p, c, r, 404, "no such page");
    char id[RH_ID_SIZE]; /* ep goes with a delete: the id is kept here */
    snprintf(id, sizeof id, "%s", rh_endpoint_id(ep));
    return endpoint_action(p, rq, c, id, rest + 1, r);
}

/* ------------------------------------------------------------- delivery */

int rh__portal_delivery_html(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, const char *rest,
                             rh_portal_response *r)
{
    char id[RH_ID_SIZE], back[512];
    size_t n = strcspn(rest, "/");
    if (n == 0 || n >= sizeof id)
        return rh__portal_page_error(p, c, r, 404, "no such delivery");
    memcpy(id, rest, n);
    id[n] = '\0';
    json_t *dl = rh__portal_delivery_get(p, c, id), *attempts = NULL;
    if (!dl)
        return rh__portal_page_error(p, c, r, 404, "no such delivery");
    if (!strcmp(rest + n, "/resend") && !strcmp(rq->method, "POST")) {
        json_decref(dl);
        if (!(c->caps & RH_PORTAL_RESEND))
            return rh__portal_page_error(p, c, r, 403,
                                         "this link cannot resend");
        int rc = rh_delivery_resend(p->ctx, id);
        if (rc != RH_OK)
            return rh__portal_page_refused(p, c, r, rc);
        snprintf(back, sizeof back, "%s/deliveries/%s", p->base, id);
        return rh__portal_redirect(r, back, NULL);
    }
    if (rest[n] || strcmp(rq->method, "GET")) {
        json_decref(dl);
        return rh__portal_page_error(p, c, r, 404, "no such page");
    }
    if (rh__portal_attempts_of(p, c, id, &attempts) != RH_OK)
        attempts = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(attempts, i, a)
    {
        char iso[32];
        rh__portal_iso(json_integer_value(json_object_get(a, "started_ms")),
                       iso);
        json_object_set_new(a, "started", json_string(iso));
        rh__portal_attempt_request(p, id, a);
    }
    char iso[32];
    rh__portal_iso(json_integer_value(json_object_get(dl, "created_ms")), iso);
    json_object_set_new(dl, "created", json_string(iso));
    return rh__portal_html(
        p, c, r, 200, "delivery.html", "Delivery",
        json_pack("{s:o, s:o}", "delivery", dl, "attempts", attempts));
}
