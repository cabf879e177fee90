/* replicer-hooks signing: the Standard Webhooks v1 scheme (HMAC-SHA256 over
 * id.timestamp.body), secrets, the CSPRNG, per-endpoint MAC objects. Mbed
 * TLS is used here and in rh_seal.c (AES-GCM), nowhere else. */
#include "rh_sign.h"

#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "Mbed TLS 4.x needs the psa_mac_compute() path, not written yet"
#endif

#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN 6
#define KEY_MIN 24
#define MAC_LEN 32

struct rh_rng {
    const rh_allocator *alloc;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
};

int rh__rng_new(rh_rng **out, const rh_allocator *a)
{
    static const char personal[] = "replicer-hooks";
    rh_rng *r = rh__calloc(a, sizeof *r);
    if (!r)
        return RH_E_NOMEM;
    r->alloc = a;
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
                              (const unsigned char *)personal,
                              sizeof personal - 1) != 0) {
        rh__rng_free(r);
        return RH_E_CRYPTO;
    }
    *out = r;
    return RH_OK;
}

void rh__rng_free(rh_rng *r)
{
    if (!r)
        return;
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
    rh__free(r->alloc, r);
}

int rh__rng_fill(rh_rng *r, unsigned char *buf, size_t len)
{
    /* CTR-DRBG gives at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call. */
    while (len) {
        size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST
                       ? len
                       : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        if (mbedtls_ctr_drbg_random(&r->drbg, buf, n) != 0)
            return RH_E_CRYPTO;
        buf += n;
        len -= n;
    }
    return RH_OK;
}

int rh__secret_decode(const char *secret, unsigned char *key, size_t *keylen)
{
    size_t n;
    if (!secret || strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) != 0)
        return RH_E_INVALID_ARG;
    const char *b64 = secret + SECRET_PREFIX_LEN;
    size_t b64len = strlen(b64);
    /* 64 bytes encode to 88 characters; longer cannot fit RH_KEY_MAX. */
    if (b64len == 0 || b64len > 88)
        return RH_E_INVALID_ARG;
    /* Mbed TLS skips spaces and line breaks inside base64: a secret pasted
     * with its newline would work here and fail at any other verifier */
    if (strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789+/=") != b64len)
        return RH_E_INVALID_ARG;
    if (mbedtls_base64_decode(key, RH_KEY_MAX, &n,
                              (const unsigned char *)b64, b64len) != 0) {
        rh__wipe(key, RH_KEY_MAX);
        return RH_E_INVALID_ARG;
    }
    if (n < KEY_MIN) {
        rh__wipe(key, RH_KEY_MAX);
        return RH_E_INVALID_ARG;
    }
    *keylen = n;
    return RH_OK;
}

int rh__secret_encode(const unsigned char *key, size_t keylen, char *out,
                      size_t outsz)
{
    size_t n;
    if (outsz < SECRET_PREFIX_LEN + 1)
        return RH_E_INVALID_ARG;
    memcpy(out, SECRET_PREFIX, SECRET_PREFIX_LEN);
    if (mbedtls_base64_encode((unsigned char *)out + SECRET_PREFIX_LEN,
                              outsz - SECRET_PREFIX_LEN, &n, key, keylen) != 0)
        return RH_E_INVALID_ARG;
    return RH_OK; /* mbedtls_base64_encode NUL-terminates */
}

int rh__hmac_sha256(const unsigned char *key, size_t keylen,
                    const void *const *parts, const size_t *lens, size_t n,
                    unsigned char mac[32])
{
    rh_hmac_fast fast;
    if (rh__hmac_fast_key(&fast, key, keylen) == RH_OK) {
        rh__hmac_fast(&fast, parts, lens, n, mac);
        rh__wipe(&fast, sizeof fast);
        return RH_OK;
    }
    return rh__hmac_sha256_mbedtls(key, keylen, parts, lens, n, mac);
}

int rh__hmac_sha256_mbedtls(const unsigned char *key, size_t keylen,
                            const void *const *parts, const size_t *lens,
                            size_t n, unsigned char mac[32])
{
    mbedtls_md_context_t md;
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    int rc;
    mbedtls_md_init(&md);
    /* The parts are streamed, so the body is never copied. */
    rc = mbedtls_md_setup(&md, info, 1);
    if (rc == 0)
        rc = mbedtls_md_hmac_starts(&md, key, keylen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (lens[i])
            rc = mbedtls_md_hmac_update(&md, parts[i], lens[i]);
    if (rc == 0)
        rc = mbedtls_md_hmac_finish(&md, mac);
    mbedtls_md_free(&md);
    return rc == 0 ? RH_OK : RH_E_CRYPTO;
}

/* The signed content: id "." timestamp "." body. */
static int hmac_message(const unsigned char *key, size_t keylen,
                        const char *msg_id, const char *ts, const char *body,
                        size_t body_len, unsigned char mac[MAC_LEN])
{
    const void *parts[5] = {msg_id, ".", ts, ".", body};
    size_t lens[5] = {strlen(msg_id), 1, strlen(ts), 1, body_len};
    return rh__hmac_sha256(key, keylen, parts, lens, 5, mac);
}

static int msg_id_valid(const char *id)
{
    /* The id is part of the signed content's framing: a '.' would make
     * two different (id, timestamp) pairs sign the same bytes. */
    return id && *id && strchr(id, '.') == NULL &&
           strpbrk(id, "\r\n ") == NULL;
}

int rh__sign_key(const unsigned char *key, size_t keylen, const char *msg_id,
                 int64_t timestamp_s, const char *body, size_t body_len,
                 char *out, size_t outsz)
{
    unsigned char mac[MAC_LEN];
    char ts[24];
    size_t n;
    int rc;
    snprintf(ts, sizeof ts, "%" PRId64, timestamp_s);
    rc = hmac_message(key, keylen, msg_id, ts, body, body_len, mac);
    if (rc != RH_OK)
        return rc;
    if (outsz < 4) {
        rh__wipe(mac, sizeof mac);
        return RH_E_INVALID_ARG;
    }
    memcpy(out, "v1,", 3);
    rc = mbedtls_base64_encode((unsigned char *)out + 3, outsz - 3, &n, mac,
                               sizeof mac);
    rh__wipe(mac, sizeof mac);
    return rc == 0 ? RH_OK : RH_E_INVALID_ARG;
}

int rh_sign(const char *secret, const char *msg_id, int64_t timestamp_s,
            const char *body, size_t body_len, char *sig_out, size_t sig_size)
{
    unsigned char key[RH_KEY_MAX];
    size_t keylen;
    char sig[RH_SIGNATURE_SIZE];
    int rc;
    if (!secret || !msg_id_valid(msg_id) || (!body && body_len) ||
        timestamp_s < 0)
        return RH_E_INVALID_ARG;
    if (!sig_out)
        return RH_E_BUFFER;
    rc = rh__secret_decode(secret, key, &keylen);
    if (rc != RH_OK)
        return rc;
    rc = rh__sign_key(key, keylen, msg_id, timestamp_s, body, body_len, sig,
                      sizeof sig);
    rh__wipe(key, sizeof key);
    if (rc != RH_OK)
        return rc;
    if (strlen(sig) + 1 > sig_size)
        return RH_E_BUFFER;
    memcpy(sig_out, sig, strlen(sig) + 1);
    return RH_OK;
}

/* Parse a decimal, non-negative timestamp with no sign, space or suffix. */
static int parse_timestamp(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!s || !*s)
        return RH_E_INVALID_ARG;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return RH_E_INVALID_ARG;
        if (v > (INT64_MAX - 9) / 10)
            return RH_E_INVALID_ARG;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return RH_OK;
}

int rh_verify(const char *secret, const char *msg_id, const char *timestamp,
              const char *signature_header, const char *body, size_t body_len,
              int64_t now_s, int64_t tolerance_s)
{
    unsigned char key[RH_KEY_MAX];
    unsigned char mac[MAC_LEN];
    size_t keylen;
    int64_t ts;
    int rc, seen = 0, matched = 0;
    if (!secret || !msg_id_valid(msg_id) || !signature_header ||
        (!body && body_len) || tolerance_s < 0)
        return RH_E_INVALID_ARG;
    rc = parse_timestamp(timestamp, &ts);
    if (rc != RH_OK)
        return rc;
    rc = rh__secret_decode(secret, key, &keylen);
    if (rc != RH_OK)
        return rc;
    rc = hmac_message(key, keylen, msg_id, timestamp, body, body_len, mac);
    rh__wipe(key, sizeof key);
    if (rc != RH_OK)
        return rc;

    /* The expected token text: comparing text, not decoded bytes, refuses
     * the non-canonical encodings a lenient base64 decoder would accept,
     * so a token matches exactly or not at all. */
    unsigned char want[64];
    size_t want_len = 0;
    if (mbedtls_base64_encode(want, sizeof want, &want_len, mac, MAC_LEN) !=
        0) {
        rh__wipe(mac, sizeof mac);
        return RH_E_CRYPTO;
    }
    /* Walk "v1,<b64> v1,<b64> ...": other versions are skipped, and every
     * v1 token is compared, so timing does not tell which one matched. */
    const char *p = signature_header;
    while (*p) {
        const char *end;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        end = strchr(p, ' ');
        if (!end)
            end = p + strlen(p);
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (!comma) {
            rh__wipe(mac, sizeof mac);
            rh__wipe(want, sizeof want);
            return RH_E_INVALID_ARG;
        }
        if (comma - p == 2 && p[0] == 'v' && p[1] == '1') {
            seen++;
            if ((size_t)(end - comma - 1) == want_len &&
                mbedtls_ct_memcmp(comma + 1, want, want_len) == 0)
                matched = 1;
        }
        p = end;
    }
    rh__wipe(want, sizeof want);
    rh__wipe(mac, sizeof mac);
    if (!seen)
        return RH_E_INVALID_ARG;
    if (!matched)
        return RH_E_SIGNATURE;
    /* Checked after the MAC so that a forged timestamp is a bad signature
     * first; both checks must pass. */
    if (ts > now_s + tolerance_s || ts < now_s - tolerance_s)
        return RH_E_TIMESTAMP;
    return RH_OK;
}

/* ------------------------------------------------ per-endpoint HMAC key */

/* The HMAC context of one secret, keyed once: every request then costs
 * the message only, not the key schedule and an allocation. With the CPU's
 * SHA instructions the keyed state is ours; without, Mbed TLS's. */
struct rh_mac {
    const rh_allocator *alloc;
    int fast;
    rh_hmac_fast hmac_fast;
    mbedtls_md_context_t md;
};

int rh__mac_new(rh_mac **out, const rh_allocator *a, const char *secret)
{
    unsigned char key[RH_KEY_MAX];
    size_t keylen;
    int rc = rh__secret_decode(secret, key, &keylen);
    if (rc != RH_OK)
        return rc;
    rh_mac *m = rh__calloc(a, sizeof *m);
    if (!m) {
        rh__wipe(key, sizeof key);
        return RH_E_NOMEM;
    }
    m->alloc = a;
    mbedtls_md_init(&m->md);
    if (rh__hmac_fast_key(&m->hmac_fast, key, keylen) == RH_OK) {
        rh__wipe(key, sizeof key);
        m->fast = 1;
        *out = m;
        return RH_OK;
    }
    rc = mbedtls_md_setup(&m->md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                          1);
    if (rc == 0)
        rc = mbedtls_md_hmac_starts(&m->md, key, keylen);
    rh__wipe(key, sizeof key);
    if (rc != 0) {
        rh__mac_free(m);
        return rc == MBEDTLS_ERR_MD_ALLOC_FAILED ? RH_E_NOMEM : RH_E_CRYPTO;
    }
    *out = m;
    return RH_OK;
}

void rh__mac_free(rh_mac *m)
{
    if (!m)
        return;
    mbedtls_md_free(&m->md); /* zeroizes the keyed pads */
    rh__wipe(&m->hmac_fast, sizeof m->hmac_fast);
    rh__free(m->alloc, m);
}

int rh__mac_sign(rh_mac *m, const char *msg_id, const char *ts,
                 const char *body, size_t body_len, char *out, size_t outsz)
{
    unsigned char mac[MAC_LEN];
    size_t n;
    int rc = 0;
    const void *parts[5] = {msg_id, ".", ts, ".", body};
    size_t lens[5] = {strlen(msg_id), 1, strlen(ts), 1, body_len};
    if (m->fast) {
        rh__hmac_fast(&m->hmac_fast, parts, lens, 5, mac);
    } else {
        rc = mbedtls_md_hmac_reset(&m->md);
        for (size_t i = 0; rc == 0 && i < 5; i++)
            if (lens[i])
                rc = mbedtls_md_hmac_update(&m->md, parts[i], lens[i]);
        if (rc == 0)
            rc = mbedtls_md_hmac_finish(&m->md, mac);
    }
    if (rc != 0 || outsz < 4)
        return rc != 0 ? RH_E_CRYPTO : RH_E_INVALID_ARG;
    memcpy(out, "v1,", 3);
    rc = mbedtls_base64_encode((unsigned char *)out + 3, outsz - 3, &n, mac,
                               sizeof mac);
    rh__wipe(mac, sizeof mac);
    return rc == 0 ? RH_OK : RH_E_INVALID_ARG;
}
