/* replicer-hooks util: allocation through the host's allocator, error text,
 * the version, ids, time formatting and wiping. No dependency is used here. */
#define _POSIX_C_SOURCE 200809L
#include "rh_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *default_malloc(size_t n, void *ud)
{
    (void)ud;
    return malloc(n);
}
static void *default_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return realloc(p, n);
}
static void default_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

const rh_allocator rh__default_allocator = {NULL, default_malloc,
                                            default_realloc, default_free};

void *rh__malloc(const rh_allocator *a, size_t n)
{
    return a->malloc_fn(n ? n : 1, a->userdata);
}

void *rh__calloc(const rh_allocator *a, size_t n)
{
    void *p = rh__malloc(a, n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *rh__realloc(const rh_allocator *a, void *p, size_t n)
{
    return a->realloc_fn(p, n ? n : 1, a->userdata);
}

void rh__free(const rh_allocator *a, void *p)
{
    if (p)
        a->free_fn(p, a->userdata);
}

char *rh__memdup(const rh_allocator *a, const char *s, size_t n)
{
    char *p = rh__malloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void rh__text_put(rh_text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = rh__realloc(t->a, t->p, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

void rh__text_puts(rh_text *t, const char *s)
{
    rh__text_put(t, s, strlen(s));
}

char *rh__strdup(const rh_allocator *a, const char *s)
{
    return rh__memdup(a, s, strlen(s));
}

void rh__free_secret(const rh_allocator *a, char *s)
{
    if (!s)
        return;
    rh__wipe(s, strlen(s));
    rh__free(a, s);
}

size_t rh__strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

const char *rh_strerror(int code)
{
    switch (code) {
    case RH_OK:
        return "success";
    case RH_E_INVALID_ARG:
        return "invalid argument";
    case RH_E_NOMEM:
        return "out of memory";
    case RH_E_NOT_FOUND:
        return "not found";
    case RH_E_STORAGE:
        return "storage failure";
    case RH_E_REENTRANT:
        return "called from inside one of the context's own callbacks";
    case RH_E_UNSUPPORTED:
        return "unsupported";
    case RH_E_FULL:
        return "queue full: the pending-delivery cap is reached";
    case RH_E_SIGNATURE:
        return "no signature matches";
    case RH_E_TIMESTAMP:
        return "timestamp outside the tolerance";
    case RH_E_STATE:
        return "not in a state that allows this";
    case RH_E_CRYPTO:
        return "random source or crypto failure";
    case RH_E_TOO_LARGE:
        return "data larger than the configured limit";
    case RH_E_BUFFER:
        return "output buffer missing or too small";
    default:
        return code <= RH_E_USER ? "callback failure" : "unknown error";
    }
}

unsigned int rh_version_num(void) { return RH_VERSION_NUM; }
const char *rh_version_string(void) { return RH_VERSION_STRING; }

int64_t rh__system_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from civil date, Howard Hinnant's algorithm, so that we need neither
 * gmtime_r's locale-free guarantees nor time_t's range. */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

void rh__format_rfc3339(int64_t ms, char out[32])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* Build by hand: snprintf of a year that cannot exceed 4 digits still
     * makes -Wformat-truncation noisy. */
    int hh = (int)(rem / 3600), mi = (int)(rem % 3600 / 60), ss = (int)(rem % 60);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 'T';
    out[11] = (char)('0' + hh / 10);
    out[12] = (char)('0' + hh % 10);
    out[13] = ':';
    out[14] = (char)('0' + mi / 10);
    out[15] = (char)('0' + mi % 10);
    out[16] = ':';
    out[17] = (char)('0' + ss / 10);
    out[18] = (char)('0' + ss % 10);
    out[19] = 'Z';
    out[20] = '\0';
}

/* FNV-1a: short keys (ids, event types) into the open-addressing tables of
 * the endpoint index and the memory store. */
size_t rh__hash(const char *s, size_t n)
{
    size_t h = (size_t)1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * (size_t)1099511628211ull;
    return h;
}

/* Called through a volatile pointer, so that the compiler cannot prove the
 * memory dead and drop the call (the usual portable zeroize; C99 has no
 * memset_s). */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void rh__wipe(void *p, size_t n)
{
    if (p && n)
        wipe_memset(p, 0, n);
}

/* Crockford's base32 alphabet is in ASCII order, so ids sort by time. */
static const char id_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int rh__id_make(const char *prefix, int64_t now_ms, unsigned int seq,
                const unsigned char *rnd16, char out[RH_ID_SIZE])
{
    size_t plen = strlen(prefix);
    if (plen + 26 + 1 > RH_ID_SIZE)
        return RH_E_INVALID_ARG;
    memcpy(out, prefix, plen);
    uint64_t t = now_ms < 0 ? 0 : (uint64_t)now_ms;
    for (int i = 9; i >= 0; i--) {
        out[plen + (size_t)i] = id_alphabet[t & 31];
        t >>= 5;
    }
    for (int i = 0; i < 16; i++)
        out[plen + 10 + (size_t)i] = id_alphabet[rnd16[i] & 31];
    /* ids made in the same millisecond keep their order: the sequence
     * replaces the first three random characters */
    out[plen + 10] = id_alphabet[(seq >> 10) & 31];
    out[plen + 11] = id_alphabet[(seq >> 5) & 31];
    out[plen + 12] = id_alphabet[seq & 31];
    out[plen + 26] = '\0';
    return RH_OK;
}

int rh__id_valid(const char *id)
{
    size_t n = 0;
    if (!id)
        return 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return 0;
        if (n + 1 >= RH_ID_SIZE)
            return 0;
    }
    return n > 0;
}
