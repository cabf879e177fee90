/* What the portal's tests share: one request through rh_portal_handle,
 * a response's header by name, and the session a login sets. */
#include "portal_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One request: headers as "Name", "value" pairs ending with NULL. */
int portal_call(rh_portal *p, const char *method, const char *path,
                const char *query, const char *body, rh_portal_response **r,
                ...)
{
    const char *names[8], *values[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, r);
    for (const char *k; n < 8 && (k = va_arg(ap, const char *)) != NULL; n++) {
        names[n] = k;
        values[n] = va_arg(ap, const char *);
    }
    va_end(ap);
    *r = NULL;
    int rc = rh_portal_handle(p, method, path, query, names, values, n, body,
                              body ? strlen(body) : 0, r);
    return rc == RH_OK ? rh_portal_response_status(*r) : rc;
}

const char *portal_header(const rh_portal_response *r, const char *name)
{
    for (size_t i = 0; i < rh_portal_response_header_count(r); i++)
        if (!strcmp(rh_portal_response_header_name(r, i), name))
            return rh_portal_response_header_value(r, i);
    return NULL;
}

/* The cookie a login sets, as a "Cookie" header's value. */
void portal_session(const rh_portal_response *r, char *out, size_t size)
{
    const char *c = portal_header(r, "Set-Cookie");
    size_t n = c ? strcspn(c, ";") : 0;
    snprintf(out, size, "%.*s", (int)n, c ? c : "");
}

