/* Fuzz target: decoding an endpoint record read from storage. Oracle: a
 * record that decodes encodes back to one that decodes to the same
 * endpoint, and its headers are all valid. */
#include "rh_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const rh_allocator *a = &rh__default_allocator;
    rh_endpoint *ep = NULL, *back = NULL;
    char *json = NULL;
    size_t len;
    if (rh__endpoint_decode(a, (const char *)data, size, &ep) != RH_OK)
        return 0;
    for (size_t i = 0; i < ep->n_headers; i++) {
        const char *why;
        if (!rh__header_valid(ep->hdr_names[i], ep->hdr_values[i], &why))
            abort();
    }
    if (rh__endpoint_encode(a, ep, &json, &len) != RH_OK ||
        rh__endpoint_decode(a, json, len, &back) != RH_OK)
        abort();
    if (strcmp(ep->id, back->id) || strcmp(ep->url, back->url) ||
        strcmp(ep->secret, back->secret) || ep->n_events != back->n_events ||
        ep->n_headers != back->n_headers || ep->enabled != back->enabled ||
        ep->created_ms != back->created_ms)
        abort();
    for (size_t i = 0; i < ep->n_events; i++)
        if (strcmp(ep->events[i], back->events[i]))
            abort();
    rh__endpoint_free(a, ep);
    rh__endpoint_free(a, back);
    rh__free(a, json);
    return 0;
}
