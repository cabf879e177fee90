/* replicer-hooks portal tokens: the signed, expiring links a host mints for
 * one tenant's portal, as standard JWTs (HS256) so that any language can
 * mint one with the key the host holds, and the portal's own session
 * tokens on the same format under another audience. Verification accepts
 * HS256 alone (never "none" or another algorithm a forger could pick),
 * compares the MAC in constant time and checks the expiry, the audience,
 * the tenant and the capabilities before anything is read from the
 * claims. */
#include "rh_portal_priv.h"
#include "rh_sign.h"
#include "rh_validate.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding, NUL-terminated; 0 when out is too small. */
static size_t b64url_encode(const unsigned char *in, size_t n, char *out,
                            size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        size_t left = n - i;
        if (left > 1)
            v |= (unsigned)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        size_t chars = left > 2 ? 4 : left + 1;
        if (o + chars + 1 > size)
            return 0;
        for (size_t k = 0; k < chars; k++)
            out[o++] = b64url[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64url_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

/* Decoded bytes into out (at most size); -1 when the text is not base64url
 * of a whole number of bytes. */
static long b64url_decode(const char *in, size_t n, unsigned char *out,
                          size_t size)
{
    size_t o = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        size_t chars = n - i < 4 ? n - i : 4;
        for (size_t k = 0; k < 4; k++) {
            int d = k < chars ? b64url_value(in[i + k]) : 0;
            if (d < 0)
                return -1;
            v = v << 6 | (unsigned)d;
        }
        /* the bits past the last byte are 0: one spelling per value */
        if ((chars == 2 && (v & 0xFFFF)) || (chars == 3 && (v & 0xFF)))
            return -1;
        for (size_t k = 0; k + 1 < chars; k++) {
            if (o == size)
                return -1;
            out[o++] = (unsigned char)(v >> (16 - 8 * k));
        }
    }
    return (long)o;
}

static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
/* {"alg":"HS256","typ":"JWT"} */

static int mac_of(const unsigned char *key, size_t key_len, const char *text,
                  size_t len, unsigned char mac[32])
{
    const void *parts[1] = {text};
    size_t lens[1] = {len};
    return rh__hmac_sha256(key, key_len, parts, lens, 1, mac);
}

static const char *const cap_names[] = {"view", "manage", "resend",
                                        "operator"};
#define N_CAPS (sizeof cap_names / sizeof *cap_names)

int rh__portal_token_make(const unsigned char *key, size_t key_len,
                          const char *audience, const char *tenant,
                          unsigned caps, int64_t issued_s, int64_t expires_s,
                          char *out, size_t size)
{
    json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:[]}", "aud", audience, "sub",
                          tenant, "iat", (json_int_t)issued_s, "exp",
                          (json_int_t)expires_s, "rh_caps");
    json_t *list = json_object_get(c, "rh_caps");
    for (size_t i = 0; c && i < N_CAPS; i++)
        if (caps & (1u << i))
            json_array_append_new(list, json_string(cap_names[i]));
    char *claims = c ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(c);
    if (!claims)
        return RH_E_NOMEM;
    size_t h = sizeof header_b64 - 1, used;
    int rc = RH_E_BUFFER;
    if (size > h + 1) {
        memcpy(out, header_b64, h);
        out[h] = '.';
        used = b64url_encode((const unsigned char *)claims, strlen(claims),
                             out + h + 1, size - h - 1);
        if (used) {
            unsigned char mac[32];
            size_t signed_len = h + 1 + used;
            rc = mac_of(key, key_len, out, signed_len, mac);
            if (rc == RH_OK && signed_len + 1 < size) {
                out[signed_len] = '.';
                rc = b64url_encode(mac, sizeof mac, out + signed_len + 1,
                                   size - signed_len - 1)
                         ? RH_OK
                         : RH_E_BUFFER;
            } else if (rc == RH_OK) {
                rc = RH_E_BUFFER;
            }
        }
    }
    free(claims);
    return rc;
}

/* The claims a verified token carries, for rh__portal_token_check. */
static int read_claims(const unsigned char *json, size_t len,
                       const char *audience, int64_t now_s,
                       rh_portal_claims *out)
{
    json_t *c = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES,
                           NULL);
    const char *aud = json_string_value(json_object_get(c, "aud"));
    const char *sub = json_string_value(json_object_get(c, "sub"));
    json_t *exp = json_object_get(c, "exp"), *caps = json_object_get(c, "rh_caps");
    int rc = RH_E_SIGNATURE;
    if (!c || !aud || strcmp(aud, audience) || !sub || !json_is_integer(exp) ||
        !json_is_array(caps) || (sub[0] && !rh__tenant_valid(sub)))
        goto done;
    rc = RH_E_TIMESTAMP;
    if (json_integer_value(exp) <= now_s)
        goto done;
    memset(out, 0, sizeof *out);
    memcpy(out->tenant, sub, strlen(sub) + 1);
    out->expires_s = (int64_t)json_integer_value(exp);
    size_t i;
    json_t *v;
    json_array_foreach(caps, i, v)
    {
        for (size_t k = 0; k < N_CAPS; k++)
            if (json_is_string(v) && !strcmp(json_string_value(v), cap_names[k]))
                out->caps |= 1u << k;
    }
    /* no tenant is every tenant's: the operator's alone */
    rc = sub[0] || (out->caps & RH_PORTAL_OPERATOR) ? RH_OK : RH_E_SIGNATURE;
done:
    json_decref(c);
    return rc;
}

/* The JOSE header says HS256 and nothing we would have to honour: any
 * key order, "typ" JWT or absent, a "kid" ignored; "crit" or another
 * algorithm, "none" included, refused. */
static int header_ok(const char *b64, size_t n)
{
    unsigned char text[256];
    long len = b64url_decode(b64, n, text, sizeof text);
    json_t *h = len > 0 ? json_loadb((const char *)text, (size_t)len,
                                     JSON_REJECT_DUPLICATES, NULL)
                        : NULL;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    json_t *typ = json_object_get(h, "typ");
    int ok = alg && !strcmp(alg, "HS256") && !json_object_get(h, "crit") &&
             (!typ || (json_is_string(typ) &&
                       !strcmp(json_string_value(typ), "JWT")));
    json_decref(h);
    return ok;
}

int rh__portal_token_check(const unsigned char *key, size_t key_len,
                           const char *audience, const char *token,
                           int64_t now_s, rh_portal_claims *out)
{
    unsigned char mac[32], given[48], claims[2048];
    size_t n = token ? strlen(token) : 0;
    const char *dot1 = token ? strchr(token, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!token || n > RH_PORTAL_TOKEN_SIZE - 1 || !dot1 || !dot2 ||
        strchr(dot2 + 1, '.') || !header_ok(token, (size_t)(dot1 - token)))
        return RH_E_SIGNATURE; /* not ours: any other algorithm refused */
    long got = b64url_decode(dot2 + 1, strlen(dot2 + 1), given, sizeof given);
    if (got != 32 ||
        mac_of(key, key_len, token, (size_t)(dot2 - token), mac) != RH_OK)
        return RH_E_SIGNATURE;
    unsigned char diff = 0;
    for (size_t i = 0; i < 32; i++) /* constant time */
        diff |= mac[i] ^ given[i];
    if (diff)
        return RH_E_SIGNATURE;
    long len = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims,
                             sizeof claims);
    if (len < 0)
        return RH_E_SIGNATURE;
    return read_claims(claims, (size_t)len, audience, now_s, out);
}

/* ------------------------------------------------------------ public */

static int key_ok(const unsigned char *key, size_t key_len)
{
    return key && key_len >= RH_PORTAL_KEY_MIN && key_len <= 1024;
}

int rh_portal_mint(const unsigned char *key, size_t key_len,
                   const char *tenant, unsigned caps, int64_t now_s,
                   int64_t ttl_s, char *token_out, size_t token_size)
{
    int every = caps & RH_PORTAL_OPERATOR; /* no tenant: all of them */
    if (!key_ok(key, key_len) || !caps || caps >= (1u << N_CAPS) ||
        ttl_s < 1 || ttl_s > 30 * 86400 || now_s < 0 ||
        now_s > INT64_MAX - ttl_s ||
        (tenant && tenant[0] ? !rh__tenant_valid(tenant) : !every))
        return RH_E_INVALID_ARG;
    if (!token_out || token_size < RH_PORTAL_TOKEN_SIZE)
        return RH_E_BUFFER;
    return rh__portal_token_make(key, key_len, RH__PORTAL_LINK,
                                 tenant ? tenant : "", caps, now_s,
                                 now_s + ttl_s, token_out, token_size);
}

int rh_portal_verify(const unsigned char *key, size_t key_len,
                     const char *token, int64_t now_s, char *tenant_out,
                     size_t tenant_size, unsigned *caps_out,
                     int64_t *expires_out)
{
    rh_portal_claims c;
    if (!key_ok(key, key_len) || !token)
        return RH_E_INVALID_ARG;
    if (!tenant_out || tenant_size < RH_TENANT_MAX + 1)
        return RH_E_BUFFER;
    int rc = rh__portal_token_check(key, key_len, RH__PORTAL_LINK, token, now_s,
                                    &c);
    if (rc != RH_OK)
        return rc;
    memcpy(tenant_out, c.tenant, strlen(c.tenant) + 1);
    if (caps_out)
        *caps_out = c.caps;
    if (expires_out)
        *expires_out = c.expires_s;
    return RH_OK;
}
