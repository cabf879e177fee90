/* replicer-hooks portal, served: one request answered by the library's
 * portal handler (rh_portal_handle) on a context opened for it, so that it
 * shows what the store holds now. `portal` serves it to the links `portal
 * link` prints; `dashboard` to its operator (cmd_portal.c). */
#ifndef RH_CLI_PORTAL_H
#define RH_CLI_PORTAL_H

#include "cli.h"
#include "cli_http.h"

/* What one server answers with: its key, where it is mounted, where an
 * expired session goes, and whether its cookie may go over plain http. */
typedef struct cli_portal_site {
    const cli_args *args; /* the store's options */
    unsigned char key[32];
    const char *base, *refresh_url; /* refresh_url NULL: none */
    int insecure_cookie;
    /* the dashboard's: its own token's Authorization header is not a
     * portal token, so the portal does not see it */
    int hide_authorization;
} cli_portal_site;

/* One step of a request's body (as cli_http_upload_step): 1 when it is
 * whole in *up (an over-long one marked so that the library answers 413),
 * 0 to go on, -1 when out of memory. */
int cli_portal_body(void **state, const char *data, size_t *data_size,
                    cli_http_upload **up);
/* The library's answer to the whole request. */
cli_mhd_result cli_portal_answer(const cli_portal_site *site,
                                 struct MHD_Connection *c, const char *url,
                                 const char *method, cli_http_upload *up);

#endif
