/* replicer-hooks customer portal: the webhooks pages and JSON API one
 * customer account opens from a signed, expiring link, as a function any
 * host mounts in its own web server (a request in, a response out: no
 * server of ours runs). Links are standard JWTs (HS256) over a key the host
 * holds, so that any language can mint one. Included by rh.h; docs/portal.md
 * says how to mount it and what the API answers. */
#ifndef RH_PORTAL_H
#define RH_PORTAL_H

#include "rh_common.h"

RH_BEGIN_DECLS

/** What a link lets its holder do. @since 0.3.0 */
typedef enum rh_portal_cap {
    RH_PORTAL_VIEW = 1,    /* see the tenant's endpoints, catalog and log */
    RH_PORTAL_MANAGE = 2,  /* add, change and remove endpoints; send tests */
    RH_PORTAL_RESEND = 4,  /* resend and recover deliveries */
    RH_PORTAL_OPERATOR = 8 /* every tenant (a link minted with no tenant) */
} rh_portal_cap;

/** The shortest key a portal takes, in bytes (256 bits). @since 0.3.0 */
#define RH_PORTAL_KEY_MIN 32
/** A buffer that holds any token we mint, with its NUL. @since 0.3.0 */
#define RH_PORTAL_TOKEN_SIZE 1024

/**
 * Mint a link token for one tenant (NULL or "" with RH_PORTAL_OPERATOR:
 * every tenant) with caps (rh_portal_cap bits), valid for ttl_s seconds
 * (1 to 30 days) from now_s (Unix seconds): a JWT with "aud"
 * "replicer-hooks-portal", "sub" the tenant, "iat", "exp" and "rh_caps"
 * (["view", "manage", ...]), signed HS256 with key (RH_PORTAL_KEY_MIN to
 * 1024 bytes). The portal's link is its login path with ?token=.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_BUFFER (token_size below
 *         RH_PORTAL_TOKEN_SIZE), RH_E_NOMEM. @since 0.3.0
 */
RH_EXTERN int rh_portal_mint(const unsigned char *key, size_t key_len,
                             const char *tenant, unsigned caps, int64_t now_s,
                             int64_t ttl_s, char *token_out,
                             size_t token_size);

/**
 * Verify a link token as the portal does: HS256 alone, the MAC compared in
 * constant time, the audience, an expiry after now_s, a valid tenant. The
 * tenant goes to tenant_out (RH_TENANT_MAX + 1 bytes; "" for an
 * operator's), the caps and expiry to *caps_out and *expires_out (either
 * may be NULL).
 * @return RH_OK, RH_E_SIGNATURE (not a token of this key), RH_E_TIMESTAMP
 *         (expired), RH_E_INVALID_ARG, RH_E_BUFFER. @since 0.3.0
 */
RH_EXTERN int rh_portal_verify(const unsigned char *key, size_t key_len,
                               const char *token, int64_t now_s,
                               char *tenant_out, size_t tenant_size,
                               unsigned *caps_out, int64_t *expires_out);

/* ---------------------------------------------------------------- handler */

typedef struct rh_portal rh_portal;
typedef struct rh_portal_response rh_portal_response;

/**
 * A portal over ctx (which must outlive it; calls on ctx are made from
 * rh_portal_handle, on its thread) with the link key. Its paths are under
 * "/" until rh_portal_set_base says otherwise.
 * @return RH_OK, RH_E_INVALID_ARG (a key shorter than RH_PORTAL_KEY_MIN),
 *         RH_E_NOMEM. @since 0.3.0
 */
RH_EXTERN int rh_portal_new(rh_portal **out, rh_ctx *ctx,
                            const unsigned char *key, size_t key_len);
/** NULL is a no-op. @since 0.3.0 */
RH_EXTERN void rh_portal_free(rh_portal *portal);
/** Where the host mounts it ("/webhooks": no trailing slash; "" for the
 *  root): the prefix of every path it answers and of its cookie's Path.
 *  @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_portal_set_base(rh_portal *portal, const char *base);
/** Where a browser goes when its session is over (the host mints a new
 *  link there); NULL: the portal answers 401. @return RH_OK,
 *  RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_portal_set_refresh_url(rh_portal *portal, const char *url);
/** 1: the session cookie goes without its Secure attribute, for a portal
 *  tried over plain http on loopback. 0 (the default): Secure.
 *  @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_portal_set_insecure_cookie(rh_portal *portal, int insecure);

/**
 * Answer one request: its method, path (with the base), query (without
 * "?"; NULL: none), n headers as names and values (the Host, Cookie,
 * Origin, Sec-Fetch-Site, Authorization and Content-Type ones are read),
 * and body. The response is the caller's to free; an HTTP-level refusal
 * (401, 403, 404, 413 ...) is a response too.
 * @return RH_OK, RH_E_INVALID_ARG (NULL arguments), RH_E_NOMEM,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_portal_handle(rh_portal *portal, const char *method,
                               const char *path, const char *query,
                               const char *const *header_names,
                               const char *const *header_values,
                               size_t n_headers, const char *body,
                               size_t body_len, rh_portal_response **out);

/** The response's status, headers (by index, NULL past the last) and body
 *  (borrowed until it is freed). @since 0.3.0 */
RH_EXTERN int rh_portal_response_status(const rh_portal_response *r);
RH_EXTERN size_t rh_portal_response_header_count(const rh_portal_response *r);
RH_EXTERN const char *rh_portal_response_header_name(
    const rh_portal_response *r, size_t i);
RH_EXTERN const char *rh_portal_response_header_value(
    const rh_portal_response *r, size_t i);
RH_EXTERN const char *rh_portal_response_body(const rh_portal_response *r);
RH_EXTERN size_t rh_portal_response_body_len(const rh_portal_response *r);
/** NULL is a no-op. @since 0.3.0 */
RH_EXTERN void rh_portal_response_free(rh_portal_response *r);

RH_END_DECLS

#endif /* RH_PORTAL_H */
