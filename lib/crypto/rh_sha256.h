/* replicer-hooks fast HMAC-SHA256, private (rh_sha256.c): on the CPU's SHA
 * instructions, for rh_sign.c. */
#ifndef RH_SHA256_H
#define RH_SHA256_H

#include "rh_util.h"

/* ------------------------------------ fast HMAC-SHA256 (rh_sha256.c) */
/* A key's hash state after its inner and outer padded blocks. */
typedef struct rh_hmac_fast {
    uint32_t inner[8], outer[8];
} rh_hmac_fast;
/* 1 when this CPU has the SHA instructions rh_sha256.c uses. */
int rh__sha_fast_available(void);
/* RH_E_UNSUPPORTED when the CPU lacks them or the key is over 64 bytes. */
int rh__hmac_fast_key(rh_hmac_fast *h, const unsigned char *key, size_t keylen);
void rh__hmac_fast(const rh_hmac_fast *h, const void *const *parts,
                   const size_t *lens, size_t n, unsigned char mac[32]);

#endif
