/* replicer-hooks portal, private: its tokens (rh_portal_token.c) and the
 * handler's pieces (rh_portal.c, rh_portal_api.c). The portal floor stands
 * above the engine: it uses the public calls, scoped by the tenant of the
 * token that opened it. */
#ifndef RH_PORTAL_PRIV_H
#define RH_PORTAL_PRIV_H

#include "rh_base.h"

/* The audiences: a host's link, and the portal's own session. */
#define RH__PORTAL_LINK "replicer-hooks-portal"
#define RH__PORTAL_SESSION "replicer-hooks-portal-session"

typedef struct rh_portal_claims {
    char tenant[RH_TENANT_MAX + 1]; /* "": every tenant (operator) */
    unsigned caps;                  /* rh_portal_cap bits */
    int64_t expires_s;
} rh_portal_claims;

/* A JWT (HS256) of these claims into out: RH_OK, RH_E_BUFFER, RH_E_NOMEM. */
int rh__portal_token_make(const unsigned char *key, size_t key_len,
                          const char *audience, const char *tenant,
                          unsigned caps, int64_t issued_s, int64_t expires_s,
                          char *out, size_t size);
/* RH_OK and the claims, or RH_E_SIGNATURE (not a token of this key and
 * audience), RH_E_TIMESTAMP (expired). */
int rh__portal_token_check(const unsigned char *key, size_t key_len,
                           const char *audience, const char *token,
                           int64_t now_s, rh_portal_claims *out);

#endif
