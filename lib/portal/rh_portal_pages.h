/* replicer-hooks portal, private: the HTML pages (rh_portal_view.c: what
 * they share; rh_portal_pages.c: routes, list, add, secret;
 * rh_portal_detail.c: an endpoint's page and actions, a delivery's). */
#ifndef RH_PORTAL_PAGES_H
#define RH_PORTAL_PAGES_H

#include "rh_portal_http.h"
#include "rh_portal_tpl.h"

/* Unix ms as "2026-12-07T08:00:00Z" ("" for none); the page's script shows
 * it in the browser's zone. */
void rh__portal_iso(int64_t ms, char out[32]);
/* The page template tpl rendered with model (taken) inside the layout, as
 * the answer with status. */
int rh__portal_html(rh_portal *p, const rh_portal_claims *c,
                    rh_portal_response *r, int status, const char *tpl,
                    const char *title, json_t *model);
/* A page saying why (404, 403, 503), with that status. */
int rh__portal_page_error(rh_portal *p, const rh_portal_claims *c,
                          rh_portal_response *r, int status, const char *why);
/* An endpoint's model for the pages. */
json_t *rh__portal_endpoint_view(const rh_endpoint *ep);
/* The cookie that carries a new secret to its page. */
#define RH__PORTAL_FLASH "rh_flash"
/* The key the secret's cookie is sealed under, from the portal's key. */
void rh__portal_flash_key(const rh_portal *p, unsigned char key[32]);
/* Redirect to the endpoint's secret page with the secret in a sealed
 * cookie for that page alone. */
int rh__portal_flash_secret(rh_portal *p, const rh_portal_claims *c,
                            const char *id, const char *secret,
                            rh_portal_response *r);

/* rh_portal_detail.c: /endpoints/{id}[/action] for an endpoint in scope
 * (rest: "" or "/action"), and /deliveries/{id}[/resend]. */
int rh__portal_endpoint_page(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, const rh_endpoint *ep,
                             const char *rest, rh_portal_response *r);
int rh__portal_delivery_html(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, const char *rest,
                             rh_portal_response *r);

#endif
