/* Fuzz target: what a stranger sends the customer portal. The input, cut
 * in three at its first two newlines, is a request's path, query and
 * cookie, and is tried as a link token too. Oracle: no crash, no leak;
 * a token nobody minted with the key never verifies, and every answer is
 * refused (401, 404) or a redirect, never a tenant's data (only the public
 * assets answer 200). */
#include "rh_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rh_ctx *ctx;
    static rh_portal *portal;
    char *text = malloc(size + 1), tenant[RH_TENANT_MAX + 1];
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (!ctx && (rh_ctx_new(&ctx, NULL) != RH_OK ||
                 rh_portal_new(&portal, ctx, key, sizeof key) != RH_OK))
        abort();
    if (rh_portal_verify(key, sizeof key, text, 1800000000, tenant,
                         sizeof tenant, NULL, NULL) == RH_OK)
        abort(); /* a forgery: nobody minted it */
    char *query = strchr(text, '\n'), *cookie = NULL;
    if (query) {
        *query++ = '\0';
        if ((cookie = strchr(query, '\n')))
            *cookie++ = '\0';
    }
    const char *names[] = {"Cookie", "Host"};
    const char *values[] = {cookie ? cookie : "", "portal.example"};
    rh_portal_response *r = NULL;
    if (rh_portal_handle(portal, "GET", text[0] == '/' ? text : "/", query,
                         names, values, 2, NULL, 0, &r) == RH_OK) {
        int status = rh_portal_response_status(r);
        /* the look and the script under /assets/ are public: they hold
         * nothing of any tenant's */
        if ((status == 200 || status == 201) && strncmp(text, "/assets/", 8))
            abort(); /* an answer for nobody's session */
    }
    rh_portal_response_free(r);
    free(text);
    return 0;
}
