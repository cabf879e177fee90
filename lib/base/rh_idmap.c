/* replicer-hooks id map: linear probing in a table at most half full, and
 * deletion that moves the rest of a run back instead of leaving tombstones,
 * so that a map through which many records come and go never slows down
 * nor needs cleaning. */
#include "rh_idmap.h"

#include <string.h>

static size_t home(const rh_idmap *m, const char *id)
{
    return rh__hash(id, strlen(id)) & (m->n_slots - 1);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t probe(const rh_idmap *m, const char *id)
{
    size_t i = home(m, id);
    while (m->slots[i] && strcmp((const char *)m->slots[i], id) != 0)
        i = (i + 1) & (m->n_slots - 1);
    return i;
}

void *rh__idmap_get(const rh_idmap *m, const char *id)
{
    return m->n_slots ? m->slots[probe(m, id)] : NULL;
}

int rh__idmap_reserve(rh_idmap *m, const rh_allocator *a, size_t extra)
{
    size_t n = m->n_slots ? m->n_slots : 16, n_old = m->n_slots;
    if (m->n_slots && (m->n + extra) * 2 <= m->n_slots)
        return RH_OK;
    while ((m->n + extra) * 2 > n)
        n *= 2;
    void **slots = rh__calloc(a, n * sizeof *slots), **old = m->slots;
    if (!slots)
        return RH_E_NOMEM;
    m->slots = slots;
    m->n_slots = n;
    for (size_t i = 0; i < n_old; i++)
        if (old[i])
            m->slots[probe(m, old[i])] = old[i];
    rh__free(a, old);
    return RH_OK;
}

void *rh__idmap_put(rh_idmap *m, void *record)
{
    size_t i = probe(m, record);
    void *was = m->slots[i];
    if (!was)
        m->n++;
    m->slots[i] = record;
    return was;
}

/* Linear probing's deletion: whether the entry at `at`, later in the run
 * than the hole at `hole`, moves back into it. It does unless its home slot
 * lies (cyclically) in (hole, at]: probing from anywhere else towards it
 * would stop at the hole. */
static int probe_moves_back(size_t hole, size_t at, size_t home)
{
    if (at > hole)
        return home <= hole || home > at;
    return home <= hole && home > at; /* the run wrapped around */
}

void *rh__idmap_del(rh_idmap *m, const char *id)
{
    if (!m->n_slots)
        return NULL;
    size_t mask = m->n_slots - 1, i = probe(m, id), j;
    void *gone = m->slots[i];
    if (!gone)
        return NULL;
    m->slots[i] = NULL;
    m->n--;
    for (j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        if (probe_moves_back(i, j, home(m, m->slots[j]))) {
            m->slots[i] = m->slots[j];
            m->slots[j] = NULL;
            i = j;
        }
    }
    return gone;
}

void rh__idmap_free(rh_idmap *m, const rh_allocator *a)
{
    rh__free(a, m->slots);
    m->slots = NULL;
    m->n_slots = m->n = 0;
}
