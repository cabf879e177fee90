/* replicer-hooks memory store: its one entry point, for the context that
 * falls back to it (rh_ctx.c) and the tests. Everything else of the store
 * is behind its method table. */
#ifndef RH_MEMSTORE_H
#define RH_MEMSTORE_H

#include <replicer-hooks/sys/storage.h>

/* The default backend (rh_memstore.c), allocating through a, which must
 * outlive the table. */
int rh__memstore_new(rh_storage *out, const rh_allocator *a, size_t max_pending,
                     size_t max_log);

#endif
