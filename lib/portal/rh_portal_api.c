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
static int in_scope(const rh_portal_claims *c, const rh_endpoint *ep)
{
    return (c->caps & RH_PORTAL_OPERATOR && !c->tenant[0]) ||
           !strcmp(rh_endpoint_tenant(ep), c->tenant);
}

static int send_json(rh_portal_response *r, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text)
        return RH_E_NOMEM;
    int rc = rh__portal_body(r, status, "application/json", text,
                             strlen(text));
    free(text);
    return rc;
}

/* A library refusal as the API's answer: 400 naming the field, 404, 409
 * for a tenant's limit, 503 when storage failed. */
static int refused(rh_portal *p, rh_portal_response *r, int rc)
{
    int status = rc == RH_E_INVALID_ARG || rc == RH_E_TOO_LARGE ? 400
                 : rc == RH_E_NOT_FOUND                         ? 404
                 : rc == RH_E_FULL                              ? 409
                 : rc == RH_E_STATE                             ? 409
                 : rc == RH_E_STORAGE                           ? 503
                                                                : 500;
    const char *field = rh_arg_name(rh_ctx_last_error_arg(p->ctx));
    json_t *v = json_pack("{s:s}", "error", rh_ctx_last_error(p->ctx));
    if (v && field && strcmp(field, "none"))
        json_object_set_new(v, "field", json_string(field));
    return send_json(r, status, v);
}

static json_t *endpoint_json(const rh_endpoint *ep)
{
    json_t *events = json_array(), *labels = json_object();
    for (size_t i = 0; events && i < rh_endpoint_event_count(ep); i++)
        json_array_append_new(events, json_string(rh_endpoint_event(ep, i)));
    for (size_t i = 0; labels && i < rh_endpoint_label_count(ep); i++)
        json_object_set_new(labels, rh_endpoint_label_key(ep, i),
                            json_string(rh_endpoint_label_value(ep, i)));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:I}", "id",
                     rh_endpoint_id(ep), "url", rh_endpoint_url(ep), "name",
                     rh_endpoint_name(ep), "description",
                     rh_endpoint_description(ep), "events", events, "labels",
                     labels, "enabled", rh_endpoint_enabled(ep), "paused",
                     rh_endpoint_paused(ep), "created_ms",
                     (json_int_t)rh_endpoint_created_ms(ep));
}

typedef struct list_pass {
    const rh_portal_claims *c;
    json_t *out;
} list_pass;

static int list_one(const rh_endpoint *ep, void *ud)
{
    list_pass *l = ud;
    if (in_scope(l->c, ep) && json_array_append_new(l->out, endpoint_json(ep)))
        return RH_E_NOMEM;
    return RH_OK;
}

static int list_endpoints(rh_portal *p, const rh_portal_claims *c,
                          rh_portal_response *r)
{
    list_pass l = {c, json_array()};
    if (!l.out)
        return RH_E_NOMEM;
    int rc = rh_endpoint_list(p->ctx, list_one, &l);
    if (rc < 0) {
        json_decref(l.out);
        return rc == RH_E_NOMEM ? rc : refused(p, r, rc);
    }
    return send_json(r, 200, json_pack("{s:o}", "endpoints", l.out));
}

/* The request's JSON object, or an answer saying why there is none. */
static json_t *body_object(const rh_portal_request *rq, rh_portal_response *r,
                           int *rc)
{
    const char *type = rh__portal_header(rq, "Content-Type");
    json_t *v = NULL;
    if (!type || strncmp(type, "application/json", 16))
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
    json_t *b = body_object(rq, r, &rc), *list = json_object_get(b, "events");
    if (!b)
        return rc;
    const char *url = json_string_value(json_object_get(b, "url"));
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *desc = json_string_value(json_object_get(b, "description"));
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n && i < 256; i++)
        if (!(events[i] = json_string_value(json_array_get(list, i))))
            n = 0;
    if (!url || !n || n > 256 || !c->tenant[0]) {
        json_decref(b);
        return rh__portal_error(r, 400, c->tenant[0]
                                            ? "give url and events (strings)"
                                            : "an operator adds endpoints "
                                              "with the tool");
    }
    if ((rc = rh_endpoint_options_new(&o)) == RH_OK &&
        (rc = rh_endpoint_options_set_tenant(o, c->tenant)) == RH_OK &&
        (!name || (rc = rh_endpoint_options_set_name(o, name)) == RH_OK) &&
        (!desc || (rc = rh_endpoint_options_set_description(o, desc)) == RH_OK))
        rc = rh_endpoint_add_with(p->ctx, url, events, n, o, id, sizeof id,
                                  secret, sizeof secret);
    rh_endpoint_options_free(o);
    json_decref(b);
    if (rc == RH_E_INVALID_ARG && !rh_ctx_last_error(p->ctx)[0])
        return rh__portal_error(r, 400, "name or description is not valid");
    if (rc != RH_OK)
        return rc == RH_E_NOMEM ? rc : refused(p, r, rc);
    /* the secret is shown this once: the store keeps it sealed */
    return send_json(r, 201, json_pack("{s:s, s:s}", "id", id, "secret",
                                       secret));
}

/* The endpoint of the path's id, in scope, or an answer (404). */
static const rh_endpoint *scoped(rh_portal *p, const rh_portal_claims *c,
                                 const char *id, rh_portal_response *r,
                                 int *rc)
{
    const rh_endpoint *ep = NULL;
    if (rh_endpoint_get(p->ctx, id, &ep) != RH_OK || !in_scope(c, ep)) {
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
        return refused(p, r, rc);
    return send_json(r, 202, json_pack("{s:s}", "event_id", event_id));
}

/* /api/v1/endpoints/{id}[/test] */
static int one_endpoint(rh_portal *p, const rh_portal_request *rq,
                        const rh_portal_claims *c, const char *rest,
                        rh_portal_response *r)
{
    char id[RH_ID_SIZE];
    size_t n = strcspn(rest, "/");
    int rc = RH_OK, manage = c->caps & RH_PORTAL_MANAGE;
    if (n == 0 || n >= sizeof id)
        return rh__portal_error(r, 404, "no such endpoint");
    memcpy(id, rest, n);
    id[n] = '\0';
    const rh_endpoint *ep = scoped(p, c, id, r, &rc);
    if (!ep)
        return rc;
    const char *tail = rest + n, *m = rq->method;
    if (!strcmp(tail, "") && !strcmp(m, "GET"))
        return send_json(r, 200, endpoint_json(ep));
    if (((!strcmp(tail, "") && !strcmp(m, "DELETE")) ||
         (!strcmp(tail, "/test") && !strcmp(m, "POST"))) &&
        !manage)
        return rh__portal_error(r, 403, "this link cannot manage endpoints");
    if (!strcmp(tail, "") && !strcmp(m, "DELETE")) {
        rc = rh_endpoint_remove(p->ctx, id);
        return rc == RH_OK ? rh__portal_body(r, 204, "text/plain", "", 0)
                           : refused(p, r, rc);
    }
    if (!strcmp(tail, "/test") && !strcmp(m, "POST"))
        return send_test(p, rq, id, r);
    return rh__portal_error(r, 404, "not found");
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

static int event_types(rh_portal *p, rh_portal_response *r)
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
        return rc == RH_E_NOMEM ? rc : refused(p, r, rc);
    }
    return send_json(r, 200, json_pack("{s:o}", "event_types", out));
}

/* ------------------------------------------------------------ the page */

/* s escaped for HTML text and quoted attributes, appended to *buf. */
static int put_html(char **buf, size_t *len, const char *s)
{
    for (; *s; s++) {
        char one[2] = {*s, 0};
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : one;
        size_t n = strlen(e);
        char *grown = rh__realloc(&rh__default_allocator, *buf, *len + n + 1);
        if (!grown)
            return RH_E_NOMEM;
        *buf = grown;
        memcpy(*buf + *len, e, n + 1);
        *len += n;
    }
    return RH_OK;
}

typedef struct page_pass {
    const rh_portal_claims *c;
    char *html;
    size_t len;
    int rc;
} page_pass;

static int page_row(const rh_endpoint *ep, void *ud)
{
    page_pass *pp = ud;
    if (!in_scope(pp->c, ep) || pp->rc)
        return RH_OK;
    /* markup as it is, each value escaped */
    const char *parts[] = {"<tr><td>", rh_endpoint_name(ep), "</td><td>",
                           rh_endpoint_url(ep), "</td><td>",
                           rh_endpoint_enabled(ep) ? "enabled" : "disabled",
                           "</td></tr>\n"};
    for (size_t i = 0; i < 7 && !pp->rc; i++) {
        if (i % 2 == 0) {
            size_t n = strlen(parts[i]);
            char *g = rh__realloc(&rh__default_allocator, pp->html,
                                  pp->len + n + 1);
            if (!g) {
                pp->rc = RH_E_NOMEM;
                break;
            }
            pp->html = g;
            memcpy(pp->html + pp->len, parts[i], n + 1);
            pp->len += n;
        } else {
            pp->rc = put_html(&pp->html, &pp->len, parts[i]);
        }
    }
    return RH_OK;
}

/* The first page: the tenant's endpoints, plain HTML (the pages of the
 * seed's whole flow come next; docs/portal.md). */
static int home(rh_portal *p, const rh_portal_claims *c, rh_portal_response *r)
{
    static const char head[] =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Webhooks</title></head><body><h1>Webhooks</h1><table>"
        "<thead><tr><th>name</th><th>URL</th><th>state</th></tr></thead>"
        "<tbody>\n";
    static const char foot[] = "</tbody></table></body></html>\n";
    page_pass pp = {c, rh__strdup(&rh__default_allocator, head),
                    sizeof head - 1, RH_OK};
    if (!pp.html)
        return RH_E_NOMEM;
    int rc = rh_endpoint_list(p->ctx, page_row, &pp);
    if (rc >= 0 && pp.rc == RH_OK) {
        char *g = rh__realloc(&rh__default_allocator, pp.html,
                              pp.len + sizeof foot);
        if (g) {
            memcpy(g + pp.len, foot, sizeof foot);
            pp.html = g;
            pp.len += sizeof foot - 1;
        } else {
            pp.rc = RH_E_NOMEM;
        }
    }
    if (rc >= 0 && pp.rc == RH_OK)
        rc = rh__portal_body(r, 200, "text/html; charset=utf-8", pp.html,
                             pp.len);
    else if (rc >= 0)
        rc = pp.rc;
    else
        rc = refused(p, r, rc);
    rh__free(&rh__default_allocator, pp.html);
    return rc;
}

int rh__portal_api(rh_portal *p, const rh_portal_request *rq,
                   const rh_portal_claims *c, rh_portal_response *r)
{
    const char *s = rq->sub, *m = rq->method;
    if (!(c->caps & (RH_PORTAL_VIEW | RH_PORTAL_MANAGE | RH_PORTAL_OPERATOR)))
        return rh__portal_error(r, 403, "this link cannot view the portal");
    if (!strcmp(s, "/") && !strcmp(m, "GET"))
        return home(p, c, r);
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
    return rh__portal_error(r, 404, "not found");
}
