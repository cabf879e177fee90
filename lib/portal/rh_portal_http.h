/* replicer-hooks portal, private: the request as the handler reads it and
 * the response it builds (rh_portal_http.c), and the API behind the
 * handler (rh_portal_api.c). */
#ifndef RH_PORTAL_HTTP_H
#define RH_PORTAL_HTTP_H

#include "rh_portal_priv.h"

#define RH__PORTAL_BODY_MAX (64 * 1024)
#define RH__PORTAL_HEADERS_MAX 8
/* what a base path or a refresh URL may hold, unescaped */
#define RH__URL_PATH_CHARS                                                     \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/"

struct rh_portal {
    rh_ctx *ctx;
    unsigned char key[1024];
    size_t key_len;
    char base[256];
    char refresh_url[1024];
    int insecure_cookie;
};

typedef struct rh_portal_request {
    const char *method;
    const char *sub; /* the path below the base, "/..." */
    const char *query;
    const char *const *names;
    const char *const *values;
    size_t n_headers;
    const char *body;
    size_t body_len;
} rh_portal_request;

struct rh_portal_response {
    int status;
    char *names[RH__PORTAL_HEADERS_MAX];
    char *values[RH__PORTAL_HEADERS_MAX];
    size_t n_headers;
    char *body;
    size_t body_len;
};

/* The request's header of that name (any case), or NULL. */
const char *rh__portal_header(const rh_portal_request *rq, const char *name);
/* The value of the cookie of that name, or NULL: also when the request
 * carries several, since one may have been set by a sibling site (cookie
 * tossing) and none of them can be told for the portal's own. */
const char *rh__portal_cookie(const rh_portal_request *rq, const char *name,
                              char *buf, size_t size);
/* The query parameter's value, percent-decoded, into out: 1 when it is
 * there and fits, 0 when it is absent, -1 when it is there but holds a
 * NUL, is not UTF-8 or does not fit (a bad value, never read as an
 * absent one). */
int rh__portal_query(const rh_portal_request *rq, const char *name, char *out,
                     size_t size);

/* 1 when s (n bytes) is UTF-8: query and form values must be, since
 * pages echo them as JSON strings. */
int rh__portal_utf8(const char *s, size_t n);
/* The nth value (from 0) of a form field in an
 * application/x-www-form-urlencoded body, as rh__portal_query answers. */
int rh__portal_form(const rh_portal_request *rq, const char *name, size_t nth,
                    char *out, size_t size);

rh_portal_response *rh__portal_response_new(void);
/* Back to empty: no status, headers or body (an answer made, taken back). */
void rh__portal_response_clear(rh_portal_response *r);
int rh__portal_add_header(rh_portal_response *r, const char *name,
                          const char *value);
/* The body, copied, with its Content-Type. */
int rh__portal_body(rh_portal_response *r, int status, const char *type,
                    const char *body, size_t len);
/* {"error": message} with the status. */
int rh__portal_error(rh_portal_response *r, int status, const char *message);
/* 303 to location, setting cookie when it is not NULL. */
int rh__portal_redirect(rh_portal_response *r, const char *location,
                        const char *cookie);
/* The headers every answer carries: no framing, no sniffing, no referrer,
 * no cache, and a policy that runs no script and loads nothing foreign. */
int rh__portal_secure_headers(rh_portal_response *r);

/* A JSON value as the answer (v's reference taken); a library refusal as
 * the answer: 400 naming the field, 404, 409 (a limit, a state), 503 when
 * storage failed. */
struct json_t;
int rh__portal_send_json(rh_portal_response *r, int status, struct json_t *v);
int rh__portal_refused(rh_portal *p, rh_portal_response *r, int rc);

/* rh_portal_log.c: the delivery history's routes, and the models the
 * pages render: a page of the scoped history from the request's filters
 * (*model NULL when an answer, 400, was made), one delivery in scope (or
 * NULL), its attempts. */
int rh__portal_delivery_page(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, rh_portal_response *r,
                             struct json_t **model);
struct json_t *rh__portal_delivery_get(rh_portal *p, const rh_portal_claims *c,
                                       const char *id);
int rh__portal_attempts_of(rh_portal *p, const rh_portal_claims *c,
                           const char *id, struct json_t **out);
int rh__portal_deliveries(rh_portal *p, const rh_portal_request *rq,
                          const rh_portal_claims *c, rh_portal_response *r);
int rh__portal_delivery(rh_portal *p, const rh_portal_request *rq,
                        const rh_portal_claims *c, const char *rest,
                        rh_portal_response *r);

/* rh_portal_api.c: the routes, for the claims' tenant and caps; and the
 * models the pages share with it: whether an endpoint is the claims', its
 * JSON, the claims' endpoints, the catalog. */
int rh__portal_api(rh_portal *p, const rh_portal_request *rq,
                   const rh_portal_claims *c, rh_portal_response *r);
int rh__portal_in_scope(const rh_portal_claims *c, const rh_endpoint *ep);
struct json_t *rh__portal_endpoint_json(const rh_endpoint *ep);
/* The claims' endpoints, each made into JSON by make (the API's
 * rh__portal_endpoint_json, or a page's richer view). */
int rh__portal_endpoints(rh_portal *p, const rh_portal_claims *c,
                         struct json_t *(*make)(const rh_endpoint *ep),
                         struct json_t **out);
int rh__portal_event_types(rh_portal *p, struct json_t **list);

/* rh_portal_pages.c: the HTML pages (every path outside /api/). */
int rh__portal_page(rh_portal *p, const rh_portal_request *rq,
                    const rh_portal_claims *c, rh_portal_response *r);

#endif
