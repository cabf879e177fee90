/* replicer-hooks portal, private: the pages' templates (rh_portal_tpl.c)
 * and the files they come from, built into the library
 * (lib/portal/assets, embedded by scripts/embed-assets.py). */
#ifndef RH_PORTAL_TPL_H
#define RH_PORTAL_TPL_H

#include "rh_base.h"

#include <jansson.h>

/* s (n bytes) escaped for HTML text and quoted attributes, onto t. */
void rh__portal_put_html(rh_text *t, const char *s, size_t n);
/* tpl (len bytes, NUL-terminated after) rendered with model onto out:
 * RH_OK, RH_E_NOMEM, or RH_E_INVALID_ARG for a template that does not
 * parse (a bug in our assets, which a test renders). */
int rh__portal_render(const char *tpl, size_t len, json_t *model, rh_text *out);

/* An asset by its file name ("portal.css"): its bytes (NUL-terminated
 * after len) and its Content-Type, or NULL. Generated at build time. */
typedef struct rh_portal_asset {
    const char *name;
    const char *type;
    const char *data;
    size_t len;
} rh_portal_asset;
const rh_portal_asset *rh__portal_asset(const char *name);

#endif
