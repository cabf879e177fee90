/* replicer-hooks memory store's map: records by a key each holds at a fixed
 * offset, so that one small table serves the store's deliveries, endpoint
 * records and ordering-key groups. Tombstones mark the removed, and the
 * table is rebuilt without them when it grows: lookups stay short however
 * many records came and went. */
#include "rh_memqueue.h"

/* Marks a removed record: its own address, which no record has. */
static char tombstone;
#define TOMBSTONE ((void *)&tombstone)

static const char *key_of(const mem_map *map, const void *rec)
{
    return (const char *)rec + map->key_at;
}

static void **find_slot(const mem_map *map, const char *key)
{
    if (!map->n_slots)
        return NULL;
    size_t mask = map->n_slots - 1, i = mem_hash(key) & mask;
    for (;;) {
        void *rec = map->slots[i];
        if (!rec)
            return NULL;
        if (rec != TOMBSTONE && strcmp(key_of(map, rec), key) == 0)
            return &map->slots[i];
        i = (i + 1) & mask;
    }
}

void *rh__mem_map_get(const mem_map *map, const char *key)
{
    void **s = find_slot(map, key);
    return s ? *s : NULL;
}

/* Into the first free or removed slot of its run. */
static void put_unchecked(const mem_map *map, void **slots, size_t n, void *rec)
{
    size_t mask = n - 1, i = mem_hash(key_of(map, rec)) & mask;
    while (slots[i] && slots[i] != TOMBSTONE)
        i = (i + 1) & mask;
    slots[i] = rec;
}

int rh__mem_map_reserve(mem_map *map, const rh_allocator *a, size_t extra)
{
    size_t need = map->n_used + extra;
    if (map->n_slots && need * 4 < map->n_slots * 3)
        return RH_OK;
    size_t n = map->n_slots ? map->n_slots : 64;
    while ((map->n_live + extra) * 2 > n)
        n *= 2;
    void **slots = mem_calloc(a, n * sizeof *slots);
    if (!slots)
        return RH_E_NOMEM;
    for (size_t i = 0; i < map->n_slots; i++)
        if (map->slots[i] && map->slots[i] != TOMBSTONE)
            put_unchecked(map, slots, n, map->slots[i]);
    mem_free(a, map->slots);
    map->slots = slots;
    map->n_slots = n;
    map->n_used = map->n_live;
    return RH_OK;
}

void rh__mem_map_put(mem_map *map, void *rec)
{
    put_unchecked(map, map->slots, map->n_slots, rec);
    map->n_used++;
    map->n_live++;
}

void *rh__mem_map_del(mem_map *map, const char *key)
{
    void **s = find_slot(map, key), *rec;
    if (!s)
        return NULL;
    rec = *s;
    *s = TOMBSTONE;
    map->n_live--;
    return rec;
}

void *rh__mem_map_slot(const mem_map *map, size_t i)
{
    void *rec = map->slots[i];
    return rec == TOMBSTONE ? NULL : rec;
}

void rh__mem_map_free(mem_map *map, const rh_allocator *a)
{
    mem_free(a, map->slots);
    map->slots = NULL;
    map->n_slots = map->n_used = map->n_live = 0;
}
