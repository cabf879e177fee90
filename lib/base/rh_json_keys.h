/* replicer-hooks JSON check, private: the key record shared by the reader
 * (rh_json.c) and the key comparison (rh_json_keys.c). */
#ifndef RH_JSON_KEYS_H
#define RH_JSON_KEYS_H

#include <stddef.h>

/* One key of an object still open: its bytes as written (between the
 * quotes) and whether they hold escapes, which decide how it compares. */
typedef struct json_key {
    const char *raw;
    size_t len;
    int escaped;
} json_key;

static inline int rh__json_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (unsigned)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* <0, 0, >0 by the bytes the keys mean; same: 1 when they mean the same */
int rh__json_key_cmp(const json_key *a, const json_key *b);
int rh__json_key_same(const json_key *a, const json_key *b);
/* n >= 1 keys into rh__json_key_cmp order */
void rh__json_keys_sort(json_key *k, size_t n);

#endif
