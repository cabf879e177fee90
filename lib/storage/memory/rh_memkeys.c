/* replicer-hooks memory store's idempotency keys: key -> the event that took
 * it and when, in an open-addressing table that sheds expired keys as it grows.
 */
#include "rh_memqueue.h"

#include <string.h>

typedef struct mem_key {
    char *key;
    char event_id[RH_ID_SIZE];
    int64_t created_ms;
} mem_key;

static size_t slot_of(const memstore *m, const char *key)
{
    return mem_hash(key) & (m->n_key_slots - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const memstore *m, const char *key)
{
    size_t i = slot_of(m, key);
    while (m->keys[i] && strcmp(m->keys[i]->key, key) != 0)
        i = (i + 1) & (m->n_key_slots - 1);
    return i;
}

const char *rh__mem_key_held(const memstore *m, const char *key,
                             int64_t window_start_ms)
{
    if (!m->n_key_slots)
        return NULL;
    const mem_key *k = m->keys[probe(m, key)];
    return k && k->created_ms >= window_start_ms ? k->event_id : NULL;
}

void rh__mem_key_free(memstore *m, mem_key *k)
{
    if (!k)
        return;
    mem_free(m->alloc, k->key);
    mem_free(m->alloc, k);
}

/* Rebuild into n slots (a power of two), keeping the keys still held. */
static int rebuild(memstore *m, size_t n, int64_t window_start_ms)
{
    mem_key **slots = mem_calloc(m->alloc, n * sizeof *slots);
    mem_key **old = m->keys;
    size_t n_old = m->n_key_slots;
    if (!slots)
        return RH_E_NOMEM;
    m->keys = slots;
    m->n_key_slots = n;
    m->n_keys = 0;
    for (size_t i = 0; i < n_old; i++) {
        if (!old[i])
            continue;
        if (old[i]->created_ms < window_start_ms) {
            rh__mem_key_free(m, old[i]);
            continue;
        }
        m->keys[probe(m, old[i]->key)] = old[i];
        m->n_keys++;
    }
    mem_free(m->alloc, old);
    return RH_OK;
}

int rh__mem_keys_reserve(memstore *m, int64_t window_start_ms)
{
    if ((m->n_keys + 1) * 2 <= m->n_key_slots)
        return RH_OK;
    /* full: shed the expired keys first, and grow only if that is not
     * enough, so a steady rate of keys keeps a steady table */
    size_t n = m->n_key_slots ? m->n_key_slots : 64;
    size_t held = 0;
    for (size_t i = 0; i < m->n_key_slots; i++)
        held += m->keys[i] && m->keys[i]->created_ms >= window_start_ms;
    while ((held + 1) * 4 > n)
        n *= 2;
    return rebuild(m, n, window_start_ms);
}

mem_key *rh__mem_key_new(memstore *m, const char *key, const char *event_id,
                         int64_t created_ms)
{
    size_t len = strlen(key);
    mem_key *k = mem_calloc(m->alloc, sizeof *k);
    if (!k)
        return NULL;
    if (!(k->key = mem_malloc(m->alloc, len + 1))) {
        mem_free(m->alloc, k);
        return NULL;
    }
    memcpy(k->key, key, len + 1);
    mem_copy_id(k->event_id, event_id);
    k->created_ms = created_ms;
    return k;
}

void rh__mem_key_put(memstore *m, mem_key *k)
{
    size_t i = probe(m, k->key);
    if (m->keys[i]) /* an expired holder of the same key */
        rh__mem_key_free(m, m->keys[i]);
    else
        m->n_keys++;
    m->keys[i] = k;
}

void rh__mem_keys_free(memstore *m)
{
    for (size_t i = 0; i < m->n_key_slots; i++)
        rh__mem_key_free(m, m->keys[i]);
    mem_free(m->alloc, m->keys);
    m->keys = NULL;
    m->n_key_slots = m->n_keys = 0;
}
