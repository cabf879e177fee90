/* Fuzz target: the Retry-After parser. Oracles: the answer is -1 or a
 * delay >= 0; plain digits mean that many seconds, saturated at
 * RH_RETRY_AFTER_MAX_S however many there are; an HTTP date never answers
 * a negative delay. */
#include "rh_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    memcpy(v, data, size);
    v[size] = '\0';
    int64_t got = rh__http_parse_retry_after(v, 1764200000);
    if (got < -1)
        abort();
    size_t digits = strspn(v, "0123456789");
    if (digits > 0 && digits == strlen(v)) {
        /* strtoll saturates at LLONG_MAX, above the cap */
        long long want = strtoll(v, NULL, 10);
        if (want > RH_RETRY_AFTER_MAX_S)
            want = RH_RETRY_AFTER_MAX_S;
        if (got != want)
            abort();
    }
    free(v);
    return 0;
}
