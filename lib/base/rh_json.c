/* The data check of emit: is this one JSON object (RFC 8259, UTF-8, no
 * duplicate keys, nesting at most RH_JSON_MAX_DEPTH), building nothing.
 *
 * jansson answered this before 0.2.0 by building a tree it then threw away,
 * at about 230 instructions a byte; this reads each byte once. Its verdict
 * is held to jansson's (with the flags emit used: duplicates refused, any
 * top-level value read, integers as reals) by the fuzz_json target, so a
 * host sees the same inputs refused as before: \u0000 and lone surrogates,
 * numbers too large for a double, 2,049 levels of nesting. jansson stays
 * for everything that does need a tree. */
#include "rh_json.h"
#include "rh_json_keys.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson's JSON_PARSER_MAX_DEPTH: the top-level object is level 1 */
#define RH_JSON_MAX_DEPTH 2048

typedef struct json_reader {
    const rh_allocator *alloc;
    const char *s;
    size_t len, pos;
    const char *why; /* the first error, static text */
    size_t why_at;
    int nomem;
    /* open containers: for an object, the index of its first key in keys;
     * for an array, SIZE_MAX */
    size_t *open, open_cap, depth, open_small[64];
    json_key *keys, keys_small[64];
    size_t n_keys, keys_cap;
    const json_key *dup; /* the duplicate key found */
} json_reader;

static int fail_at(json_reader *r, const char *why, size_t at)
{
    if (!r->why) {
        r->why = why;
        r->why_at = at;
    }
    return -1;
}

static int grow(json_reader *r, void **p, size_t *cap, void *small, size_t elem)
{
    size_t ncap = *cap * 2;
    void *n;
    if (*p == small) {
        n = rh__malloc(r->alloc, ncap * elem);
        if (n)
            memcpy(n, small, *cap * elem);
    } else {
        n = rh__realloc(r->alloc, *p, ncap * elem);
    }
    if (!n) {
        r->nomem = 1;
        return fail_at(r, "out of memory", r->pos);
    }
    *p = n;
    *cap = ncap;
    return 0;
}

/* Compact JSON has no whitespace between tokens: the first test settles
 * most calls without a loop. */
static inline void skip_space(json_reader *r)
{
    if (r->pos < r->len && (unsigned char)r->s[r->pos] > ' ')
        return;
    while (r->pos < r->len) {
        char c = r->s[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        r->pos++;
    }
}

/* One UTF-8 sequence starting at a byte >= 0x80: its length, or 0 when it
 * is not the shortest form of a scalar value (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). */
static size_t utf8_length(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

/* Eight string bytes at once: nonzero when one of them needs a look (a
 * control character, a quote, a backslash or a non-ASCII byte). The usual
 * zero-byte test of each byte's difference, as in strlen: a false alarm
 * above a true one only sends that word to the byte loop. */
static uint64_t word_needs_look(uint64_t w)
{
    uint64_t quote = w ^ (BYTES_01 * '"'), slash = w ^ (BYTES_01 * '\\');
    return (((w - BYTES_01 * 0x20) & ~w) | ((quote - BYTES_01) & ~quote) |
            ((slash - BYTES_01) & ~slash) | w) &
           BYTES_80;
}

/* A string at r->pos (its opening quote). A key is recorded for the
 * duplicate check of the object being read. */
static int read_string(json_reader *r, int is_key)
{
    const unsigned char *s = (const unsigned char *)r->s;
    size_t start = ++r->pos, at;
    int escaped = 0;
    for (;;) {
        /* the common bytes: eight at a time, then one at a time (about 2
         * instructions a byte instead of 15 on a 1 KB string) */
        while (r->len - r->pos >= 8) {
            uint64_t w;
            memcpy(&w, s + r->pos, 8);
            if (word_needs_look(w))
                break;
            r->pos += 8;
        }
        while (r->pos < r->len && s[r->pos] >= 0x20 && s[r->pos] < 0x80 &&
               s[r->pos] != '"' && s[r->pos] != '\\')
            r->pos++;
        if (r->pos >= r->len)
            return fail_at(r, "premature end of input in a string", start - 1);
        unsigned char c = s[r->pos];
        at = r->pos;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail_at(r, "control character in a string", at);
        if (c >= 0x80) {
            size_t n = utf8_length(s + at, r->len - at);
            if (!n)
                return fail_at(r, "invalid UTF-8", at);
            r->pos += n;
            continue;
        }
        /* an escape */
        escaped = 1;
        if (at + 1 >= r->len)
            return fail_at(r, "premature end of input in a string", start - 1);
        c = s[at + 1];
        if (c != 'u') {
            if (!strchr("\"\\/bfnrt", c) || !c)
                return fail_at(r, "invalid escape", at);
            r->pos += 2;
            continue;
        }
        unsigned cp, low;
        if (at + 6 > r->len || rh__json_hex4(r->s + at + 2, &cp) != 0)
            return fail_at(r, "invalid \\u escape", at);
        r->pos += 6;
        if (cp == 0)
            return fail_at(r, "\\u0000 in a string", at);
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return fail_at(r, "lone low surrogate", at);
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (r->pos + 6 > r->len || s[r->pos] != '\\' ||
                s[r->pos + 1] != 'u' ||
                rh__json_hex4(r->s + r->pos + 2, &low) != 0 || low < 0xdc00 ||
                low > 0xdfff)
                return fail_at(r, "lone high surrogate", at);
            r->pos += 6;
        }
    }
    r->pos++; /* the closing quote */
    if (is_key) {
        if (r->n_keys == r->keys_cap &&
            grow(r, (void **)&r->keys, &r->keys_cap, r->keys_small,
                 sizeof *r->keys) != 0)
            return -1;
        json_key *k = &r->keys[r->n_keys++];
        k->raw = r->s + start;
        k->len = at - start;
        k->escaped = escaped;
    }
    return 0;
}

/* An object closed: finds two keys that mean the same. Few keys are
 * compared pair by pair (most pairs differ in length); many are sorted
 * with heapsort, so that no choice of keys costs more than n log n and
 * nothing is allocated. */
static int duplicate_found(json_reader *r, const json_key *k)
{
    r->dup = k;
    return fail_at(r, "duplicate object key", (size_t)(k->raw - r->s));
}

static int check_duplicates(json_reader *r, size_t first)
{
    json_key *k = r->keys + first;
    size_t n = r->n_keys - first;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (rh__json_key_same(&k[j], &k[i]))
                    return duplicate_found(r, &k[i]);
        return 0;
    }
    rh__json_keys_sort(k, n);
    for (size_t i = 1; i < n; i++)
        if (rh__json_key_cmp(&k[i - 1], &k[i]) == 0)
            return duplicate_found(r, &k[i]);
    return 0;
}

/* A number that may not fit a double (jansson refuses one whose value
 * rounds to infinity): strtod decides, on a copy written without a decimal
 * point so that no locale can misread it ("1.5e400" as "15e399"). */
static int number_overflows(json_reader *r, const char *p, size_t n,
                            long long exp10)
{
    char *copy = rh__malloc(r->alloc, n + 32), *o = copy;
    long long shift = 0;
    int past_point = 0;
    double v;
    if (!copy) {
        r->nomem = 1;
        return fail_at(r, "out of memory", (size_t)(p - r->s));
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '.') {
            past_point = 1;
        } else if (c == 'e' || c == 'E') {
            break;
        } else {
            *o++ = c;
            shift -= past_point;
        }
    }
    snprintf(o, 32, "e%lld", exp10 + shift);
    errno = 0;
    v = strtod(copy, NULL);
    int over = errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL);
    rh__free(r->alloc, copy);
    return over
               ? fail_at(r, "number too large for a double", (size_t)(p - r->s))
               : 0;
}

static int read_number(json_reader *r)
{
    const char *s = r->s;
    size_t start = r->pos, int_digits = 0;
    long long exp10 = 0;
    int exp_sign = 1;
    if (s[r->pos] == '-')
        r->pos++;
    if (r->pos < r->len && s[r->pos] == '0') {
        r->pos++;
        int_digits = 1;
    } else if (r->pos < r->len && s[r->pos] >= '1' && s[r->pos] <= '9') {
        while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9') {
            r->pos++;
            int_digits++;
        }
    } else {
        return fail_at(r, "invalid number", start);
    }
    if (r->pos < r->len && s[r->pos] == '.') {
        size_t digits = ++r->pos;
        while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9')
            r->pos++;
        if (r->pos == digits)
            return fail_at(r, "invalid number", start);
    }
    if (r->pos < r->len && (s[r->pos] | 0x20) == 'e') {
        r->pos++;
        if (r->pos < r->len && (s[r->pos] == '+' || s[r->pos] == '-'))
            exp_sign = s[r->pos++] == '-' ? -1 : 1;
        size_t digits = r->pos;
        while (r->pos < r->len && s[r->pos] >= '0' && s[r->pos] <= '9') {
            if (exp10 < 1000000000)
                exp10 = exp10 * 10 + (s[r->pos] - '0');
            r->pos++;
        }
        if (r->pos == digits)
            return fail_at(r, "invalid number", start);
        exp10 *= exp_sign;
    }
    /* below 10^308 it cannot overflow: only larger spellings are read */
    if ((long long)int_digits + exp10 > 308)
        return number_overflows(r, s + start, r->pos - start, exp10);
    return 0;
}

static int read_literal(json_reader *r)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (r->len - r->pos >= n && memcmp(r->s + r->pos, words[i], n) == 0) {
            r->pos += n;
            return 0;
        }
    }
    return fail_at(r, "invalid token", r->pos);
}

static int open_container(json_reader *r, size_t first_key)
{
    if (r->depth == r->open_cap && grow(r, (void **)&r->open, &r->open_cap,
                                        r->open_small, sizeof *r->open) != 0)
        return -1;
    r->open[r->depth++] = first_key;
    r->pos++;
    return 0;
}

/* A key and its colon, inside an object. */
static int read_member_name(json_reader *r)
{
    if (r->pos >= r->len || r->s[r->pos] != '"')
        return fail_at(r,
                       r->pos >= r->len ? "premature end of input"
                                        : "string expected as object key",
                       r->pos);
    if (read_string(r, 1) != 0)
        return -1;
    skip_space(r);
    if (r->pos >= r->len || r->s[r->pos] != ':')
        return fail_at(r, "':' expected", r->pos);
    r->pos++;
    return 0;
}

/* The whole text: one value, then nothing but whitespace. Iterative, so
 * that nesting costs heap (bounded), never stack. */
static int read_document(json_reader *r, int *top_is_object)
{
    skip_space(r);
    *top_is_object = r->pos < r->len && r->s[r->pos] == '{';
    for (;;) {
        /* a value */
        skip_space(r);
        if (r->pos >= r->len)
            return fail_at(r, "premature end of input", r->pos);
        char c = r->s[r->pos];
        /* jansson counts every value as a level, a number inside 2,048
         * open containers too */
        if (r->depth == RH_JSON_MAX_DEPTH)
            return fail_at(r, "nesting deeper than 2048 levels", r->pos);
        if (c == '{' || c == '[') {
            int object = c == '{';
            if (open_container(r, object ? r->n_keys : SIZE_MAX) != 0)
                return -1;
            skip_space(r);
            if (r->pos < r->len && r->s[r->pos] == c + 2) { /* '}' or ']' */
                r->pos++;
                r->depth--;
            } else {
                if (object && read_member_name(r) != 0)
                    return -1;
                continue; /* the first value inside */
            }
        } else if (c == '"') {
            if (read_string(r, 0) != 0)
                return -1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (read_number(r) != 0)
                return -1;
        } else if (read_literal(r) != 0) {
            return -1;
        }
        /* after a value: a comma, or the end of containers */
        for (;;) {
            skip_space(r);
            if (r->depth == 0)
                return r->pos == r->len
                           ? 0
                           : fail_at(r, "end of input expected", r->pos);
            if (r->pos >= r->len)
                return fail_at(r, "premature end of input", r->pos);
            size_t top = r->open[r->depth - 1];
            c = r->s[r->pos];
            if (c == ',') {
                r->pos++;
                skip_space(r);
                if (top != SIZE_MAX && read_member_name(r) != 0)
                    return -1;
                break; /* the next value */
            }
            if (c == (top == SIZE_MAX ? ']' : '}')) {
                r->pos++;
                r->depth--;
                if (top != SIZE_MAX) {
                    if (check_duplicates(r, top) != 0)
                        return -1;
                    r->n_keys = top;
                }
                continue;
            }
            return fail_at(r, "unexpected character", r->pos);
        }
    }
}

int rh__json_check_object(const rh_allocator *a, const char *json, size_t len,
                          char *err, size_t errsz)
{
    json_reader r;
    int top_is_object = 0, rc;
    memset(&r, 0, sizeof r);
    r.alloc = a;
    r.s = json;
    r.len = len;
    r.open = r.open_small;
    r.open_cap = sizeof r.open_small / sizeof *r.open_small;
    r.keys = r.keys_small;
    r.keys_cap = sizeof r.keys_small / sizeof *r.keys_small;
    rc = read_document(&r, &top_is_object);
    if (r.nomem) {
        rc = RH_E_NOMEM;
    } else if (rc != 0) {
        /* line and column for a person; the byte offset for a program */
        size_t line = 1, col = 1;
        for (size_t i = 0; i < r.why_at && i < len; i++) {
            if (json[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (r.dup)
            snprintf(err, errsz,
                     "data is not valid JSON: duplicate object key \"%.*s\" "
                     "(line %zu, column %zu)",
                     (int)(r.dup->len > 40 ? 40 : r.dup->len), r.dup->raw, line,
                     col);
        else
            snprintf(err, errsz,
                     "data is not valid JSON: %s (line %zu, column %zu, "
                     "byte %zu)",
                     r.why, line, col, r.why_at);
        rc = RH_E_INVALID_ARG;
    } else if (!top_is_object) {
        snprintf(err, errsz, "data must be a JSON object");
        rc = RH_E_INVALID_ARG;
    } else {
        rc = RH_OK;
    }
    /* after the message: r.dup points into the keys */
    if (r.open != r.open_small)
        rh__free(a, r.open);
    if (r.keys != r.keys_small)
        rh__free(a, r.keys);
    return rc;
}

int rh__utf8_text_valid(const char *s, size_t max, int multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    if (len > max)
        return 0;
    for (size_t at = 0; at < len;) {
        if (p[at] >= 0x80) {
            size_t n = utf8_length(p + at, len - at);
            if (!n)
                return 0;
            at += n;
            continue;
        }
        if ((p[at] < 0x20 || p[at] == 0x7f) &&
            !(multiline && (p[at] == '\n' || p[at] == '\t')))
            return 0;
        at++;
    }
    return 1;
}
