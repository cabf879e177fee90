/* replicer-hooks portal API: the JSON routes under <base>/api/v1 and the
 * first page, each for the tenant of the token that opened the portal (an
 * operator's token: every tenant). An endpoint of another tenant is
 * answered as unknown (404), so that an id guessed across accounts tells
 * nothing. Writes need the "manage" capability. */
#include "rh_portal_http.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The claims' view of an endpoint: theirs, or the operator's. */
int rh__portal_in_scope(const rh_portal_claims *c, const rh_endpoint *ep)
{
    return (c->caps & RH_PORTAL_OPERATOR && !c->tenant[0]) ||
           !strcmp(rh_endpoint_tenant(ep), c->tenant);
}



json_t *rh__portal_endpoint_json(const rh_endpoint *ep)
{
    json_t *events = json_array(), *labels = json_object();
    for (size_t i = 0; events && i < rh_endpoint_event_count(ep); i++)
        json_array_append_new(events, json_string(rh_endpoint_event(ep, i)));
    for (size_t i = 0; labels && i < rh_endpoint_label_count(ep); i++)
        json_object_set_new(labels, rh_endpoint_label_key(ep, i),
                            json_string(rh_endpoint_label_value(ep, i)));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:I}",
                     "id", rh_endpoint_id(ep), "tenant",
                     rh_endpoint_tenant(ep), "url", rh_endpoint_url(ep),
                     "name",
                     rh_endpoint_name(ep), "description",
                     rh_endpoint_description(ep), "events", events, "labels",
                     labels, "enabled", rh_endpoint_enabled(ep), "paused",
                     rh_endpoint_paused(ep), "created_ms",
                     (json_int_t)rh_endpoint_created_ms(ep));
}

typedef struct list_pass {
    const rh_portal_claims *c;
    json_t *(*make)(const rh_endpoint *ep);
    json_t *out;
} list_pass;

static int list_one(const rh_endpoint *ep, void *ud)
{
    list_pass *l = ud;
    if (rh__portal_in_scope(l->c, ep) &&
        json_array_append_new(l->out, l->make(ep)))
        return RH_E_NOMEM;
    return RH_OK;
}

int rh__portal_endpoints(rh_portal *p, const rh_portal_claims *c,
                         json_t *(*make)(const rh_endpoint *ep), json_t **out)
{
    list_pass l = {c, make, json_array()};
    if (!l.out)
        return RH_E_NOMEM;
    int rc = rh_endpoint_list(p->ctx, list_one, &l);
    if (rc < 0) {
        json_decref(l.out);
        return rc;
    }
    *out = l.out;
    return RH_OK;
}

static int list_endpoints(rh_portal *p, const rh_portal_claims *c,
                          rh_portal_response *r)
{
    json_t *list = NULL;
    int rc = rh__portal_endpoints(p, c, rh__portal_endpoint_json, &list);
    if (rc < 0)
        return rc == RH_E_NOMEM ? rc : rh__portal_refused(p, r, rc);
    return rh__portal_send_json(r, 200, json_pack("{s:o}", "endpoints", list));
}

/* A field the route does not read is refused, naming it, so that a typo
 * ("nme") never answers 200 and changes nothing. */
static int unknown_field(json_t *b, const char *const *known,
                         rh_portal_response *r, int *rc)
{
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k))
            i++;
        if (!known[i]) {
            *rc = rh__portal_send_json(r, 400,
                                       json_pack("{s:s, s:s}", "error",
                                                 "a field this route does not "
                                                 "take",
                                                 "field", k));
            return 1;
        }
    }
    return 0;
}

/* The request's JSON object, or an answer saying why there is none. */
static json_t *body_object(const rh_portal_request *rq, rh_portal_response *r,
                           int *rc)
{
    const char *type = rh__portal_header(rq, "Content-Type");
    json_t *v = NULL;
    if (!type || strncmp(type, "application/json", 16) ||
        (type[16] != '\0' && type[16] != ';' && type[16] != ' '))
        *rc = rh__portal_error(r, 415, "send application/json");
    else if (!(v = json_loadb(rq->body ? rq->body : "", rq->body_len,
                              JSON_REJECT_DUPLICATES, NULL)) ||
             !json_is_object(v)) {
        json_decref(v);
        v = NULL;
        *rc = rh__portal_error(r, 400, "the body is not a JSON object");
    }
    return v;
}

static int add_endpoint(rh_portal *p, const rh_portal_request *rq,
                        const rh_portal_claims *c, rh_portal_response *r)
{
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[256];
    rh_endpoint_options *o = NULL;
    int rc = RH_OK;
    static const char *const known[] = {"url",         "events", "name",
                                        "description", "tenant", NULL};
    json_t *b = body_object(rq, r, &rc), *list = json_object_get(b, "events");
    if (!b || unknown_field(b, known, r, &rc)) {
        json_decref(b);
        return rc;
    }
    const char *url = json_string_value(json_object_get(b, "url"));
    json_t *nv = json_object_get(b, "name"), *dv = json_object_get(b, "description");
    const char *name = json_string_value(nv), *desc = json_string_value(dv);
    if ((nv && !name) || (dv && !desc)) {
        json_decref(b);
        return rh__portal_error(r, 400, "name and description are strings");
    }
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n && i < 256; i++)
        if (!(events[i] = json_string_value(json_array_get(list, i))))
            n = 0;
    /* the operator names the account ("tenant"; none: no account) */
    json_t *tv = json_object_get(b, "tenant");
    const char *tenant = c->tenant[0] ? c->tenant : json_string_value(tv);
    if (!url || !n || n > 256 || (tv && !c->tenant[0] && !tenant)) {
        json_decref(b);
        return rh__portal_error(r, 400, "give url and events (strings), and "
                                        "an operator's tenant as a string");
    }
    int profile = RH_OK; /* the options' own checks touch no context */
    if ((rc = rh_endpoint_options_new(&o)) == RH_OK &&
        (rc = rh_endpoint_options_set_tenant(
             o, tenant && tenant[0] ? tenant : NULL)) == RH_OK &&
        (!name || (profile = rh_endpoint_options_set_name(o, name)) == RH_OK) &&
        (!desc ||
         (profile = rh_endpoint_options_set_description(o, desc)) == RH_OK))
        rc = rh_endpoint_add_with(p->ctx, url, events, n, o, id, sizeof id,
                                  secret, sizeof secret);
    rh_endpoint_options_free(o);
    json_decref(b);
    if (profile != RH_OK) /* a constant answer: never another call's text */
        return rh__portal_error(r, 400, "name or description is not valid: "
                                        "text without control characters");
    if (rc != RH_OK)
        return rc == RH_E_NOMEM ? rc : rh__portal_refused(p, r, rc);
    /* the secret is shown this once: the store keeps it sealed */
    return rh__portal_send_json(r, 201, json_pack("{s:s, s:s}", "id", id, "secret",
                                       secret));
}

/* The endpoint of the path's id, in scope, or an answer (404). */
static const rh_endpoint *scoped(rh_portal *p, const rh_portal_claims *c,
                                 const char *id, rh_portal_response *r,
                                 int *rc)
{
    const rh_endpoint *ep = NULL;
    if (rh_endpoint_get(p->ctx, id, &ep) != RH_OK || !rh__portal_in_scope(c, ep)) {
        *rc = rh__portal_error(r, 404, "no such endpoint");
        return NULL;
    }
    return ep;
}

static int send_test(rh_portal *p, const rh_portal_request *rq,
                     const char *id, rh_portal_response *r)
{
    char event_id[RH_ID_SIZE];
    int rc = RH_OK;
    json_t *b = body_object(rq, r, &rc);
    if (!b)
        return rc;
    const char *type = json_string_value(json_object_get(b, "event_type"));
    rc = type ? rh_event_type_send_example(p->ctx, id, type, event_id,
                                           sizeof event_id)
              : RH_E_INVALID_ARG;
    json_decref(b);
    if (!type)
        return rh__portal_error(r, 400, "give event_type");
    if (rc < 0)
        return rh__portal_refused(p, r, rc);
    return rh__portal_send_json(r, 202, json_pack("{s:s}", "event_id", event_id));
}

/* PATCH: the fields given, each an edit of its own (url checked as an add
 * checks one, events, name, description), in that order. */
static int edit_endpoint(rh_portal *p, const rh_portal_request *rq,
                         const char *id, rh_portal_response *r)
{
    static const char *const known[] = {"url", "events", "name",
                                        "description", NULL};
    const char *events[256];
    int rc = RH_OK;
    json_t *b = body_object(rq, r, &rc);
    if (!b || unknown_field(b, known, r, &rc)) {
        json_decref(b);
        return rc;
    }
    json_t *url = json_object_get(b, "url"), *list = json_object_get(b, "events");
    json_t *name = json_object_get(b, "name"), *desc = json_object_get(b, "description");
    size_t n = json_array_size(list);
    int typed = (!url || json_is_string(url)) && (!name || json_is_string(name)) &&
                (!desc || json_is_string(desc)) &&
                (!list || (json_is_array(list) && n >= 1 && n <= 256));
    for (size_t i = 0; typed && i < n; i++)
        typed = (events[i] = json_string_value(json_array_get(list, i))) != NULL;
    rh_endpoint_options *check = NULL; /* the profile's rules, first */
    if (typed && rh_endpoint_options_new(&check) == RH_OK)
        typed = (!name ||
                 rh_endpoint_options_set_name(check, json_string_value(name)) ==
                     RH_OK) &&
                (!desc || rh_endpoint_options_set_description(
                              check, json_string_value(desc)) == RH_OK);
    rh_endpoint_options_free(check);
    if (!typed)
        rc = rh__portal_error(r, 400, "url, name and description are strings "
                                      "(name and description without control "
                                      "characters); events 1 to 256 strings");
    else if ((url && (rc = rh_endpoint_set_url(p->ctx, id, json_string_value(url)))) ||
             (list && (rc = rh_endpoint_set_events(p->ctx, id, events, n))) ||
             (name && (rc = rh_endpoint_set_name(p->ctx, id, json_string_value(name)))) ||
             (desc && (rc = rh_endpoint_set_description(p->ctx, id,
                                                        json_string_value(desc)))))
        rc = rh__portal_refused(p, r, rc);
    else {
        const rh_endpoint *ep = NULL;
        rc = rh_endpoint_get(p->ctx, id, &ep) == RH_OK
                 ? rh__portal_send_json(r, 200, rh__portal_endpoint_json(ep))
                 : rh__portal_error(r, 404, "no such endpoint");
    }
    json_decref(b);
    return rc;
}

/* POST /disable, /enable, /pause, /resume, /rotate, /test */
static int endpoint_action(rh_portal *p, const rh_portal_request *rq,
                           const char *id, const char *action,
                           rh_portal_response *r)
{
    char secret[RH_SECRET_SIZE];
    int rc;
    if (!strcmp(action, "/test"))
        return send_test(p, rq, id, r);
    if (!strcmp(action, "/rotate")) { /* the old secret signs for 24 h more */
        rc = rh_endpoint_rotate_secret(p->ctx, id, 86400000, secret,
                                       sizeof secret);
        return rc == RH_OK ? rh__portal_send_json(
                                 r, 200, json_pack("{s:s}", "secret", secret))
                           : rh__portal_refused(p, r, rc);
    }
    static const struct {
        const char *name;
        int (*call)(rh_ctx *, const char *);
    } acts[] = {{"/disable", rh_endpoint_disable},
                {"/enable", rh_endpoint_enable},
                {"/pause", rh_endpoint_pause},
                {"/resume", rh_endpoint_resume}};
    size_t k = 0;
    while (k < sizeof acts / sizeof *acts && strcmp(action, acts[k].name))
        k++;
    if (k == sizeof acts / sizeof *acts)
        return rh__portal_error(r, 404, "not found");
    rc = acts[k].call(p->ctx, id);
    const rh_endpoint *ep = NULL;
    if (rc == RH_OK && rh_endpoint_get(p->ctx, id, &ep) == RH_OK)
        return rh__portal_send_json(r, 200, rh__portal_endpoint_json(ep));
    return rh__portal_refused(p, r, rc);
}

/* /api/v1/endpoints/{id}[/action] */
static int one_endpoint(rh_portal *p, const rh_portal_request *rq,
                        const rh_portal_claims *c, const char *rest,
                        rh_portal_response *r)
{
    char id[RH_ID_SIZE];
    size_t n = strcspn(rest, "/");
    int rc = RH_OK;
    if (n == 0 || n >= sizeof id)
        return rh__portal_error(r, 404, "no such endpoint");
    memcpy(id, rest, n);
    id[n] = '\0';
    const rh_endpoint *ep = scoped(p, c, id, r, &rc);
    if (!ep)
        return rc;
    const char *tail = rest + n, *m = rq->method;
    if (!strcmp(tail, "") && !strcmp(m, "GET"))
        return rh__portal_send_json(r, 200, rh__portal_endpoint_json(ep));
    int write = (!strcmp(tail, "") && (!strcmp(m, "DELETE") ||
                                       !strcmp(m, "PATCH"))) ||
                (tail[0] == '/' && !strcmp(m, "POST"));
    if (!write)
        return rh__portal_error(r, 404, "not found");
    if (!(c->caps & RH_PORTAL_MANAGE))
        return rh__portal_error(r, 403, "this link cannot manage endpoints");
    if (!strcmp(m, "DELETE")) {
        rc = rh_endpoint_remove(p->ctx, id);
        return rc == RH_OK ? rh__portal_body(r, 204, "text/plain", "", 0)
                           : rh__portal_refused(p, r, rc);
    }
    if (!strcmp(m, "PATCH"))
        return edit_endpoint(p, rq, id, r);
    return endpoint_action(p, rq, id, tail, r);
}

static int type_one(const rh_event_type_info *et, void *ud)
{
    const char *ex = rh_event_type_example(et);
    json_t *v = json_pack(
        "{s:s, s:s, s:s, s:s}", "name", rh_event_type_name(et), "description",
        rh_event_type_description(et), "group", rh_event_type_group(et),
        "state", rh_event_type_state_name(rh_event_type_state(et)));
    if (v && ex)
        json_object_set_new(v, "example", json_loads(ex, 0, NULL));
    return json_array_append_new(ud, v) ? RH_E_NOMEM : RH_OK;
}

int rh__portal_event_types(rh_portal *p, json_t **list)
{
    json_t *out = json_array();
    char after[RH_TYPE_MAX + 1] = "";
    int rc;
    if (!out)
        return RH_E_NOMEM;
    do { /* the catalog a page at a time */
        rc = rh_event_type_list(p->ctx, NULL, after, 1000, 0, type_one, out);
        if (rc == 1000)
            snprintf(after, sizeof after, "%s",
                     json_string_value(json_object_get(
                         json_array_get(out, json_array_size(out) - 1),
                         "name")));
    } while (rc == 1000);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *list = out;
    return RH_OK;
}

static int event_types(rh_portal *p, rh_portal_response *r)
{
    json_t *out = NULL;
    int rc = rh__portal_event_types(p, &out);
    if (rc < 0)
        return rc == RH_E_NOMEM ? rc : rh__portal_refused(p, r, rc);
    return rh__portal_send_json(r, 200, json_pack("{s:o}", "event_types", out));
}

int rh__portal_api(rh_portal *p, const rh_portal_request *rq,
                   const rh_portal_claims *c, rh_portal_response *r)
{
    const char *s = rq->sub, *m = rq->method;
    if (!strcmp(s, "/api/v1/endpoints") && !strcmp(m, "GET"))
        return list_endpoints(p, c, r);
    if (!strcmp(s, "/api/v1/endpoints") && !strcmp(m, "POST"))
        return c->caps & RH_PORTAL_MANAGE
                   ? add_endpoint(p, rq, c, r)
                   : rh__portal_error(r, 403,
                                      "this link cannot manage endpoints");
    if (!strncmp(s, "/api/v1/endpoints/", 18))
        return one_endpoint(p, rq, c, s + 18, r);
    if (!strcmp(s, "/api/v1/event-types") && !strcmp(m, "GET"))
        return event_types(p, r);
    if (!strcmp(s, "/api/v1/deliveries") && !strcmp(m, "GET"))
        return rh__portal_deliveries(p, rq, c, r);
    if (!strncmp(s, "/api/v1/deliveries/", 19))
        return rh__portal_delivery(p, rq, c, s + 19, r);
    return rh__portal_error(r, 404, "not found");
}
