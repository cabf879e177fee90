/* replicer-hooks sealing, private (rh_seal.c): secrets and client keys as
 * a store keeps them, AES-256-GCM under the host's key. */
#ifndef RH_SEAL_H
#define RH_SEAL_H

#include "rh_util.h"

/* AES-256-GCM of a secret, bound to its endpoint id, as "sealed:v1:...". */
int rh__seal(const unsigned char key[32], const unsigned char nonce[12],
             const char *aad, const char *plain, char *out, size_t outsz);
int rh__unseal(const unsigned char key[32], const char *aad, const char *sealed,
               char *out, size_t outsz);
int rh__is_sealed(const char *s);
/* The same for text of any length, allocated with a (a client key). */
int rh__seal_text(const rh_allocator *a, const unsigned char key[32],
                  const unsigned char nonce[12], const char *aad,
                  const char *plain, char **out);
int rh__unseal_text(const rh_allocator *a, const unsigned char key[32],
                    const char *aad, const char *sealed, char **out);
#define RH_SEALED_SIZE 256

#endif
