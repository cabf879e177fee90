/* Fuzz target: the signature header parser and rh_verify. Input: a header,
 * then a NUL, then a body. Oracle: verify accepts iff the header is well
 * formed (every space-separated token has a comma) and one token equals the
 * signature we compute for that body; appending that signature to a well
 * formed header always makes it pass. A second oracle: the HMAC of the body
 * on the CPU's SHA instructions equals Mbed TLS's. */
#include "rh_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define ID "msg_fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t hlen = nul ? (size_t)(nul - data) : size;
    const char *body = nul ? (const char *)nul + 1 : "";
    size_t blen = nul ? size - hlen - 1 : 0;
    char *header = malloc(hlen + 1), sig[RH_SIGNATURE_SIZE], *save = NULL;
    memcpy(header, data, hlen);
    header[hlen] = '\0';
    if (rh_sign(SECRET, ID, 1614265330, body, blen, sig, sizeof sig) != RH_OK)
        abort();
    int has_sig = 0, malformed = 0, tokens = 0;
    char *copy = strdup(header);
    for (char *t = strtok_r(copy, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        tokens++;
        has_sig |= strcmp(t, sig) == 0;
        malformed |= strchr(t, ',') == NULL;
    }
    free(copy);
    int rc = rh_verify(SECRET, ID, "1614265330", header, body, blen,
                       1614265330, 300);
    if ((rc == RH_OK) != (has_sig && !malformed))
        abort();
    if (rc != RH_OK && rc != RH_E_SIGNATURE && rc != RH_E_INVALID_ARG)
        abort();
    if (!malformed) {
        size_t n = hlen + strlen(sig) + 2;
        char *with = malloc(n);
        snprintf(with, n, "%s %s", header, sig);
        if (rh_verify(SECRET, ID, "1614265330", with, body, blen, 1614265330,
                      300) != RH_OK)
            abort();
        free(with);
    }
    (void)tokens;
    free(header);
    {
        unsigned char key[32], fast[32], slow[32];
        size_t cut = blen / 3;
        const void *parts[2] = {body, body + cut};
        size_t lens[2] = {cut, blen - cut};
        memcpy(key, data, size < sizeof key ? size : sizeof key);
        if (size < sizeof key)
            memset(key + size, 0x5a, sizeof key - size);
        if (rh__hmac_sha256(key, sizeof key, parts, lens, 2, fast) != RH_OK ||
            rh__hmac_sha256_mbedtls(key, sizeof key, parts, lens, 2, slow) !=
                RH_OK ||
            memcmp(fast, slow, sizeof fast) != 0)
            abort();
    }
    return 0;
}
