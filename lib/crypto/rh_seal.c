/* replicer-hooks sealing: the endpoint secrets and client keys a store
 * sees, sealed with AES-256-GCM under the host's key and bound to what
 * they belong to, so that a copy of the database gives no secret away.
 * Apart from signing (rh_sign.c): it shares nothing with it but Mbed TLS
 * and the base64 text. */
#include "rh_seal.h"

#include <mbedtls/base64.h>
#include <mbedtls/gcm.h>

#include <string.h>

#define SEAL_PREFIX "sealed:v1:"
#define SEAL_NONCE 12
#define SEAL_TAG 16

/* The sealed form of n bytes of plain into buf (nonce, ciphertext, tag:
 * n + 28 bytes), then base64 after the prefix into out. */
static int seal_into(const unsigned char key[32], const unsigned char *nonce,
                     const char *aad, const char *plain, size_t n,
                     unsigned char *buf, char *out, size_t outsz)
{
    mbedtls_gcm_context gcm;
    size_t olen, pre = strlen(SEAL_PREFIX);
    int rc;
    if (outsz < pre + 1)
        return RH_E_INVALID_ARG;
    memcpy(buf, nonce, SEAL_NONCE);
    mbedtls_gcm_init(&gcm);
    rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
    if (rc == 0)
        rc = mbedtls_gcm_crypt_and_tag(
            &gcm, MBEDTLS_GCM_ENCRYPT, n, nonce, SEAL_NONCE,
            (const unsigned char *)aad, strlen(aad),
            (const unsigned char *)plain, buf + SEAL_NONCE, SEAL_TAG,
            buf + SEAL_NONCE + n);
    mbedtls_gcm_free(&gcm);
    if (rc != 0)
        return RH_E_CRYPTO;
    memcpy(out, SEAL_PREFIX, pre);
    rc = mbedtls_base64_encode((unsigned char *)out + pre, outsz - pre, &olen,
                               buf, SEAL_NONCE + n + SEAL_TAG);
    return rc == 0 ? RH_OK : RH_E_INVALID_ARG;
}

int rh__seal(const unsigned char key[32], const unsigned char nonce[12],
             const char *aad, const char *plain, char *out, size_t outsz)
{
    unsigned char buf[SEAL_NONCE + RH_SECRET_SIZE + SEAL_TAG];
    size_t n = strlen(plain);
    if (n > RH_SECRET_SIZE)
        return RH_E_INVALID_ARG;
    int rc = seal_into(key, nonce, aad, plain, n, buf, out, outsz);
    rh__wipe(buf, sizeof buf);
    return rc;
}

/* Text of any length (a client key's PEM): the result is allocated. */
int rh__seal_text(const rh_allocator *a, const unsigned char key[32],
                  const unsigned char nonce[12], const char *aad,
                  const char *plain, char **out)
{
    size_t n = strlen(plain), raw = SEAL_NONCE + n + SEAL_TAG;
    size_t outsz = strlen(SEAL_PREFIX) + 4 * (raw / 3 + 1) + 1;
    unsigned char *buf = rh__malloc(a, raw);
    char *text = rh__malloc(a, outsz);
    int rc = buf && text
                 ? seal_into(key, nonce, aad, plain, n, buf, text, outsz)
                 : RH_E_NOMEM;
    if (buf) {
        rh__wipe(buf, raw);
        rh__free(a, buf);
    }
    if (rc != RH_OK) {
        rh__free(a, text);
        return rc;
    }
    *out = text;
    return RH_OK;
}

int rh__is_sealed(const char *s)
{
    return strncmp(s, SEAL_PREFIX, strlen(SEAL_PREFIX)) == 0;
}

/* Open sealed into out (outsz bytes, the text and its NUL), using buf
 * (bufsz bytes) for the decoded form. */
static int unseal_into(const unsigned char key[32], const char *aad,
                       const char *sealed, unsigned char *buf, size_t bufsz,
                       char *out, size_t outsz)
{
    mbedtls_gcm_context gcm;
    size_t n, pre = strlen(SEAL_PREFIX);
    int rc;
    if (!rh__is_sealed(sealed) ||
        mbedtls_base64_decode(buf, bufsz, &n,
                              (const unsigned char *)sealed + pre,
                              strlen(sealed + pre)) != 0 ||
        n < SEAL_NONCE + SEAL_TAG || n - SEAL_NONCE - SEAL_TAG + 1 > outsz)
        return RH_E_CRYPTO;
    n -= SEAL_NONCE + SEAL_TAG;
    mbedtls_gcm_init(&gcm);
    rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
    if (rc == 0)
        rc = mbedtls_gcm_auth_decrypt(&gcm, n, buf, SEAL_NONCE,
                                      (const unsigned char *)aad, strlen(aad),
                                      buf + SEAL_NONCE + n, SEAL_TAG,
                                      buf + SEAL_NONCE, (unsigned char *)out);
    mbedtls_gcm_free(&gcm);
    rh__wipe(buf, bufsz);
    if (rc != 0) {
        rh__wipe(out, outsz);
        return RH_E_CRYPTO; /* wrong key, or the record was altered */
    }
    out[n] = '\0';
    return RH_OK;
}

int rh__unseal(const unsigned char key[32], const char *aad, const char *sealed,
               char *out, size_t outsz)
{
    unsigned char buf[SEAL_NONCE + RH_SECRET_SIZE + SEAL_TAG];
    return unseal_into(key, aad, sealed, buf, sizeof buf, out, outsz);
}

int rh__unseal_text(const rh_allocator *a, const unsigned char key[32],
                    const char *aad, const char *sealed, char **out)
{
    size_t len = strlen(sealed), bufsz = len / 4 * 3 + 3;
    unsigned char *buf = rh__malloc(a, bufsz);
    char *text = rh__malloc(a, bufsz + 1);
    int rc = buf && text
                 ? unseal_into(key, aad, sealed, buf, bufsz, text, bufsz + 1)
                 : RH_E_NOMEM;
    rh__free(a, buf);
    if (rc != RH_OK) {
        rh__free(a, text);
        return rc;
    }
    *out = text;
    return RH_OK;
}
