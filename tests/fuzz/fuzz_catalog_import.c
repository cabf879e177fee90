/* Fuzz target: a catalog document imported (rh_catalog_import), the
 * surface that reads a file a user hands the tool. Oracle: an import
 * either fails and stores nothing, or succeeds, and then the export
 * imports back with nothing changed and every stored type reads back. */
#include "rh_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int keep(const char *text, size_t len, void *ud)
{
    char **out = ud;
    if (!(*out = malloc(len + 1)))
        return RH_E_NOMEM;
    memcpy(*out, text, len + 1);
    return RH_OK;
}

static int count(const rh_event_type_info *et, void *ud)
{
    (void)et;
    ++*(int *)ud;
    return RH_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rh_ctx *ctx = NULL;
    char *out = NULL;
    int before = 0, after = 0;
    if (rh_ctx_new(&ctx, NULL) != RH_OK)
        abort();
    int rc = rh_catalog_import(ctx, (const char *)data, size);
    rh_event_type_list(ctx, NULL, NULL, 1000, 1, count, &before);
    if (rc < 0 && before != 0)
        abort(); /* a refused document stored something */
    if (rc >= 0) {
        if (rh_catalog_export(ctx, keep, &out) != RH_OK)
            abort();
        if (rh_catalog_import(ctx, out, strlen(out)) != 0)
            abort(); /* the export is not what was stored */
        rh_event_type_list(ctx, NULL, NULL, 1000, 1, count, &after);
        if (after != before)
            abort();
        free(out);
    }
    rh_ctx_free(ctx);
    return 0;
}
