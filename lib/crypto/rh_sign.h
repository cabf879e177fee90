/* replicer-hooks signing, private (rh_sign.c): secrets, the CSPRNG, keyed
 * HMACs and signatures; the fast HMAC is in rh_sha256.h, sealing in
 * rh_seal.h (included here: who signs a secret also seals it). */
#ifndef RH_SIGN_H
#define RH_SIGN_H

#include "rh_seal.h"
#include "rh_sha256.h"

/* ------------------------------------------------- signing (Mbed TLS) */
typedef struct rh_rng rh_rng;
int rh__rng_new(rh_rng **out, const rh_allocator *a);
void rh__rng_free(rh_rng *r);
int rh__rng_fill(rh_rng *r, unsigned char *buf, size_t len);
/* Decode "whsec_<base64>" into key (RH_KEY_MAX); RH_E_INVALID_ARG if bad. */
int rh__secret_decode(const char *secret, unsigned char *key, size_t *keylen);
int rh__secret_encode(const unsigned char *key, size_t keylen, char *out,
                      size_t outsz);
/* Append "v1,<sig>" for key over id.ts.body to out. */
int rh__sign_key(const unsigned char *key, size_t keylen, const char *msg_id,
                 int64_t timestamp_s, const char *body, size_t body_len,
                 char *out, size_t outsz);
typedef struct rh_mac rh_mac;
int rh__mac_new(rh_mac **out, const rh_allocator *a, const char *secret);
void rh__mac_free(rh_mac *m);
/* "v1,<sig>" over msg_id "." ts "." body; ts is the decimal text sent. */
int rh__mac_sign(rh_mac *m, const char *msg_id, const char *ts,
                 const char *body, size_t body_len, char *out, size_t outsz);
/* HMAC-SHA256 of the concatenated parts: on the CPU's SHA instructions
 * when it has them (rh_sha256.c), else Mbed TLS. */
int rh__hmac_sha256(const unsigned char *key, size_t keylen,
                    const void *const *parts, const size_t *lens, size_t n,
                    unsigned char mac[32]);
/* The Mbed TLS path alone, whatever the CPU (tests compare the two). */
int rh__hmac_sha256_mbedtls(const unsigned char *key, size_t keylen,
                            const void *const *parts, const size_t *lens,
                            size_t n, unsigned char mac[32]);

#endif
