/* replicer-hooks JSON keys: what an object key means (escapes decoded one
 * byte at a time, nothing allocated), compared and sorted for the data check.
 */
#include "rh_json_keys.h"

#include <string.h>

/* Reads the bytes a key means, one at a time: escapes become the UTF-8
 * they stand for, so that "\u00e9" and "é" are the same key. */
typedef struct key_bytes {
    const char *p, *end;
    unsigned char pending[4];
    int n_pending, next_pending;
} key_bytes;

static int key_next(key_bytes *k)
{
    if (k->next_pending < k->n_pending)
        return k->pending[k->next_pending++];
    if (k->p >= k->end)
        return -1;
    if (*k->p != '\\')
        return (unsigned char)*k->p++;
    char c = k->p[1];
    unsigned cp = 0, low = 0xdc00; /* both set: read_string validated them */
    k->p += 2;
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default:
        return (unsigned char)c; /* " \ / */
    }
    (void)rh__json_hex4(k->p, &cp); /* validated by read_string */
    k->p += 4;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        (void)rh__json_hex4(k->p + 2, &low);
        k->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    k->next_pending = 0;
    if (cp < 0x80) {
        return (int)cp;
    } else if (cp < 0x800) {
        k->pending[0] = (unsigned char)(0xc0 | cp >> 6);
        k->pending[1] = (unsigned char)(0x80 | (cp & 0x3f));
        k->n_pending = 2;
    } else if (cp < 0x10000) {
        k->pending[0] = (unsigned char)(0xe0 | cp >> 12);
        k->pending[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        k->pending[2] = (unsigned char)(0x80 | (cp & 0x3f));
        k->n_pending = 3;
    } else {
        k->pending[0] = (unsigned char)(0xf0 | cp >> 18);
        k->pending[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        k->pending[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        k->pending[3] = (unsigned char)(0x80 | (cp & 0x3f));
        k->n_pending = 4;
    }
    return k->pending[k->next_pending++];
}

/* Byte order of the keys' meanings. */
int rh__json_key_cmp(const json_key *a, const json_key *b)
{
    if (!a->escaped && !b->escaped) {
        int c = memcmp(a->raw, b->raw, a->len < b->len ? a->len : b->len);
        return c ? c : (a->len > b->len) - (a->len < b->len);
    }
    key_bytes x = {a->raw, a->raw + a->len, {0}, 0, 0};
    key_bytes y = {b->raw, b->raw + b->len, {0}, 0, 0};
    for (;;) {
        int cx = key_next(&x), cy = key_next(&y);
        if (cx != cy || cx < 0)
            return cx - cy;
    }
}

static void sift_down(json_key *k, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && rh__json_key_cmp(&k[child], &k[child + 1]) < 0)
            child++;
        if (rh__json_key_cmp(&k[root], &k[child]) >= 0)
            return;
        json_key t = k[root];
        k[root] = k[child];
        k[child] = t;
        root = child;
    }
}

int rh__json_key_same(const json_key *a, const json_key *b)
{
    if (!a->escaped && !b->escaped) /* the usual case: settled by length */
        return a->len == b->len && a->raw[0] == b->raw[0] &&
               memcmp(a->raw, b->raw, a->len) == 0;
    return rh__json_key_cmp(a, b) == 0;
}

/* Heapsort: no choice of keys costs more than n log n, nothing allocated. */
void rh__json_keys_sort(json_key *k, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(k, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        json_key t = k[0];
        k[0] = k[end];
        k[end] = t;
        sift_down(k, 0, end);
    }
}
