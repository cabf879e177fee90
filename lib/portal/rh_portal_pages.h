/* replicer-hooks portal, private: the HTML pages (rh_portal_view.c: what
 * they share; rh_portal_pages.c: routes, list, add, secret;
 * rh_portal_detail.c: an endpoint's page and actions, a delivery's). */
#ifndef RH_PORTAL_PAGES_H
#define RH_PORTAL_PAGES_H

#include "rh_portal_http.h"
#include "rh_portal_tpl.h"

/* An attempt's request rebuilt (rh_attempt_request, rh_portal_log.c) onto
 * its JSON row: request_headers (secrets redacted) and payload (the body,
 * indented). */
void rh__portal_attempt_request(rh_portal *p, const char *delivery_id,
                                json_t *attempt);
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
/* A query string of n names and values (kv[i][0], kv[i][1]), each value
 * percent-encoded, those NULL or empty left out ("" when it does not fit
 * size). */
void rh__portal_query_string(char *out, size_t size,
                             const char *const kv[][2], size_t n);
/* A page for a call's refusal rc, made right after that call: 503 with a
 * constant text when storage failed (a customer never reads the store's
 * own messages), else the library's text with 404, 409 or 400. */
int rh__portal_page_refused(rh_portal *p, const rh_portal_claims *c,
                            rh_portal_response *r, int rc);
/* The text of the call that just failed on the portal's context. */
const char *rh__portal_last_refusal(rh_portal *p);
/* An endpoint's model for the pages. */
json_t *rh__portal_endpoint_view(const rh_endpoint *ep);
/* The cookie that carries a new secret to its page. */
#define RH__PORTAL_FLASH "rh_flash"
/* How long it carries it: 5 minutes. */
#define RH__PORTAL_FLASH_MS 300000
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
