/* The portal's tests' helpers (portal_util.c). */
#ifndef RH_PORTAL_UTIL_H
#define RH_PORTAL_UTIL_H

#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_portal.h>

/* One request: headers as "Name", "value" pairs ending with NULL. The
 * status, or the handler's error code; *r to free. */
int portal_call(rh_portal *p, const char *method, const char *path,
                const char *query, const char *body, rh_portal_response **r,
                ...);
const char *portal_header(const rh_portal_response *r, const char *name);
/* The cookie a response sets, as a "Cookie" header's value. */
void portal_session(const rh_portal_response *r, char *out, size_t size);

#endif
