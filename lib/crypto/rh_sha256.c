/* replicer-hooks fast HMAC-SHA256: the SHA-256 block function on the CPU's
 * SHA instructions (x86-64 SHA-NI), used for signing when the CPU has them.
 * Mbed TLS signs everywhere else; tests hold the two to the same answers. */
#include "rh_sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RH_HAVE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#define BLOCK 64

static const uint32_t initial_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#ifdef RH_HAVE_SHA_NI

/* The 64 round constants of FIPS 180-4, section 4.2.2. */
static const uint32_t round_k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* SHA256RNDS2 works on the state split as {A,B,E,F} and {C,D,G,H} (A in
 * the top lane), two rounds per instruction; SHA256MSG1/MSG2 extend the
 * message schedule four words at a time. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_sha_ni(uint32_t state[8], const unsigned char *p, size_t nblocks)
{
    /* big-endian words: reverse the bytes of each 32-bit lane */
    const __m128i bswap =
        _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)state);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)(state + 4));
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    for (; nblocks > 0; nblocks--, p += BLOCK) {
        __m128i abef_in = abef, cdgh_in = cdgh, w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
                bswap);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
        for (int g = 0; g < 16; g++) {
            __m128i *cur = &w[g & 3];
            if (g >= 4) {
                /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] */
                __m128i prev = w[(g + 3) & 3], before = w[(g + 2) & 3];
                __m128i x = _mm_sha256msg1_epu32(*cur, w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(prev, before, 4));
                *cur = _mm_sha256msg2_epu32(x, prev);
            }
            __m128i wk = _mm_add_epi32(
                *cur, _mm_load_si128((const __m128i *)(const void *)(round_k +
                                                                     4 * g)));
            __m128i next = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            cdgh = abef;
            abef = next;
            next = _mm_sha256rnds2_epu32(cdgh, abef, _mm_shuffle_epi32(wk, 0x0E));
            cdgh = abef;
            abef = next;
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }

    /* back to a,b,c,d and e,f,g,h in memory order */
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128((__m128i *)(void *)state, dcba);
    _mm_storeu_si128((__m128i *)(void *)(state + 4), hgfe);
}

static int ask_cpu_for_sha_ni(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0; /* CPUID.(EAX=7,ECX=0):EBX.SHA */
}

/* CPUID traps to the hypervisor in a virtual machine (about 5 us each on
 * the bench machine, three of them here: more than a whole 1 KB HMAC), and
 * rh_sign and rh_verify key a fresh HMAC on every call. So the answer is
 * asked once per process and kept: a fact about the CPU, the same for
 * every caller, never configuration. Two threads asking first both store
 * the same value. */
static int cpu_has_sha_ni(void)
{
    static int known; /* 0: not asked yet, 1: no, 2: yes */
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v == 0) {
        v = ask_cpu_for_sha_ni() ? 2 : 1;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v == 2;
}
#endif

int rh__sha_fast_available(void)
{
#ifdef RH_HAVE_SHA_NI
    return cpu_has_sha_ni();
#else
    return 0;
#endif
}

static void blocks(uint32_t state[8], const unsigned char *p, size_t n)
{
#ifdef RH_HAVE_SHA_NI
    blocks_sha_ni(state, p, n);
#else
    (void)state;
    (void)p;
    (void)n; /* unreachable: rh__sha_fast_available() said no */
#endif
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A running hash: whole blocks go straight from the caller's bytes, only
 * a partial block is copied. */
typedef struct stream {
    uint32_t state[8];
    unsigned char buf[BLOCK];
    size_t buffered;
    uint64_t total;
} stream;

static void stream_update(stream *s, const unsigned char *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL: an empty body */
    s->total += n;
    if (s->buffered) {
        size_t take = BLOCK - s->buffered < n ? BLOCK - s->buffered : n;
        memcpy(s->buf + s->buffered, p, take);
        s->buffered += take;
        p += take;
        n -= take;
        if (s->buffered < BLOCK)
            return;
        blocks(s->state, s->buf, 1);
        s->buffered = 0;
    }
    if (n >= BLOCK) {
        blocks(s->state, p, n / BLOCK);
        p += n - n % BLOCK;
        n %= BLOCK;
    }
    memcpy(s->buf, p, n);
    s->buffered = n;
}

static void stream_finish(stream *s, unsigned char out[32])
{
    uint64_t bits = s->total * 8;
    s->buf[s->buffered++] = 0x80;
    if (s->buffered > BLOCK - 8) {
        memset(s->buf + s->buffered, 0, BLOCK - s->buffered);
        blocks(s->state, s->buf, 1);
        s->buffered = 0;
    }
    memset(s->buf + s->buffered, 0, BLOCK - 8 - s->buffered);
    put_be32(s->buf + BLOCK - 8, (uint32_t)(bits >> 32));
    put_be32(s->buf + BLOCK - 4, (uint32_t)bits);
    blocks(s->state, s->buf, 1);
    for (int i = 0; i < 8; i++)
        put_be32(out + 4 * i, s->state[i]);
    rh__wipe(s, sizeof *s);
}

int rh__hmac_fast_key(rh_hmac_fast *h, const unsigned char *key,
                      size_t keylen)
{
    unsigned char pad[BLOCK];
    if (keylen > BLOCK || !rh__sha_fast_available())
        return RH_E_UNSUPPORTED; /* secrets are at most 64 bytes */
    /* the key's two padded blocks are hashed once, here */
    memcpy(h->inner, initial_state, sizeof h->inner);
    memcpy(h->outer, initial_state, sizeof h->outer);
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < keylen; i++)
        pad[i] ^= key[i];
    blocks(h->inner, pad, 1);
    for (size_t i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    blocks(h->outer, pad, 1);
    rh__wipe(pad, sizeof pad);
    return RH_OK;
}

void rh__hmac_fast(const rh_hmac_fast *h, const void *const *parts,
                   const size_t *lens, size_t n, unsigned char mac[32])
{
    stream s;
    unsigned char inner[32];
    memcpy(s.state, h->inner, sizeof s.state);
    s.buffered = 0;
    s.total = BLOCK;
    for (size_t i = 0; i < n; i++)
        stream_update(&s, parts[i], lens[i]);
    stream_finish(&s, inner);
    memcpy(s.state, h->outer, sizeof s.state);
    s.buffered = 0;
    s.total = BLOCK;
    stream_update(&s, inner, sizeof inner);
    stream_finish(&s, mac);
    rh__wipe(inner, sizeof inner);
}
