/* Fuzz target: emitted data, the envelope and header values. Input: an
 * event type line, then the JSON data. Oracles: accepted data is an object;
 * the envelope carries its bytes unchanged, as its last member, and parses
 * back to {id, event, timestamp, data} with data equal to the input's; an
 * accepted type, and an accepted custom header, can never add a header
 * line. */
#include "rh_internal.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tlen = nl ? (size_t)(nl - data) : 0;
    char *type = malloc(tlen + 1), err[200];
    memcpy(type, data, tlen);
    type[tlen] = '\0';
    const char *json = (const char *)data + (nl ? tlen + 1 : 0);
    size_t jlen = size - (nl ? tlen + 1 : 0);
    if (rh__event_type_valid(type) && strpbrk(type, "\r\n: \t"))
        abort();
    /* a header made of the same bytes */
    const char *why;
    char *value = malloc(jlen + 1);
    memcpy(value, json, jlen);
    value[jlen] = '\0';
    if (rh__header_valid(type, value, &why) &&
        (strpbrk(type, "\r\n:") || strpbrk(value, "\r\n")))
        abort();
    free(value);
    char *env = NULL;
    size_t env_len;
    const rh_allocator *a = &rh__default_allocator;
    if (rh__json_check_object(a, json, jlen, err, sizeof err) == RH_OK) {
        if (rh__envelope_build(a, "dlv_FUZZ", "fuzz.type", 1700000000000LL,
                               json, jlen, &env, &env_len) != RH_OK)
            abort();
        /* the host's bytes, then the envelope's closing brace */
        if (env_len < jlen + 1 || memcmp(env + env_len - 1 - jlen, json, jlen))
            abort();
        /* parsed as emit checks it: integers of any length are numbers */
        json_t *e = json_loadb(env, env_len, JSON_DECODE_INT_AS_REAL, NULL);
        json_t *d = json_loadb(json, jlen, JSON_DECODE_INT_AS_REAL, NULL);
        const char *k = NULL;
        int pos = 0, ok = e && d && json_is_object(d);
        static const char *const keys[] = {"id", "event", "timestamp", "data"};
        void *it = e ? json_object_iter(e) : NULL;
        for (; ok && it; it = json_object_iter_next(e, it), pos++) {
            k = json_object_iter_key(it);
            ok = pos < 4 && strcmp(k, keys[pos]) == 0;
        }
        ok = ok && pos == 4 && json_equal(json_object_get(e, "data"), d);
        if (!ok)
            abort();
        json_decref(e);
        json_decref(d);
    }
    rh__free(a, env);
    free(type);
    return 0;
}
