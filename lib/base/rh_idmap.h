/* replicer-hooks id map, private: records by their id in one open-addressing
 * table, so that finding, adding and dropping one costs the same with
 * 100,000 as with ten (rh_idmap.c): the context's endpoints. (The memory
 * store, on the public storage seam, has a map of its own.) */
#ifndef RH_IDMAP_H
#define RH_IDMAP_H

#include "rh_util.h"

/* Each record begins with its id: a NUL-terminated char array as its first
 * member. The map holds pointers; the records stay their owner's. */
typedef struct rh_idmap {
    void **slots;
    size_t n_slots; /* 0, or a power of two at least twice n */
    size_t n;
} rh_idmap;

/* The record with that id, or NULL. */
void *rh__idmap_get(const rh_idmap *m, const char *id);
/* Room for `extra` more records: RH_OK or RH_E_NOMEM (the map unchanged),
 * after which putting that many cannot fail. */
int rh__idmap_reserve(rh_idmap *m, const rh_allocator *a, size_t extra);
/* After a reserve. Returns the record of the same id it replaced, or NULL. */
void *rh__idmap_put(rh_idmap *m, void *record);
/* Out of the map: the record that had that id, or NULL. */
void *rh__idmap_del(rh_idmap *m, const char *id);
/* The table only (the records are the caller's); the map is empty after. */
void rh__idmap_free(rh_idmap *m, const rh_allocator *a);

#endif
