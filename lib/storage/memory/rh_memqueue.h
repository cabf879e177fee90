/* replicer-hooks memory store, private: its structures, shared by the slots
 * (rh_memstore.c) and the maps, heaps, lists and records under them. The
 * store stands on the public storage seam alone, as a host's backend would:
 * it sees the library's records only through their constructors and
 * getters, and keeps its own nodes around them. */
#ifndef RH_MEMQUEUE_H
#define RH_MEMQUEUE_H

#include <replicer-hooks/rh.h>
#include <replicer-hooks/sys/storage.h>

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ allocation */
/* Through the host's allocator (rh_config_set_allocator), as everything
 * the library allocates itself. */
static inline void *mem_malloc(const rh_allocator *a, size_t n)
{
    return a->malloc_fn(n ? n : 1, a->userdata);
}
static inline void *mem_calloc(const rh_allocator *a, size_t n)
{
    void *p = mem_malloc(a, n);
    return p ? memset(p, 0, n ? n : 1) : NULL;
}
static inline void *mem_realloc(const rh_allocator *a, void *p, size_t n)
{
    return a->realloc_fn(p, n ? n : 1, a->userdata);
}
static inline void mem_free(const rh_allocator *a, void *p)
{
    if (p)
        a->free_fn(p, a->userdata);
}
/* The store's tables' hash: FNV-1a over a NUL-terminated key. */
static inline size_t mem_hash(const char *s)
{
    size_t h = (size_t)1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
    return h;
}

/* An id kept to RH_ID_SIZE - 1 bytes, as a record holds it. */
static inline void mem_copy_id(char *dst, const char *src)
{
    size_t n = strlen(src);
    n = n < RH_ID_SIZE ? n : RH_ID_SIZE - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ----------------------------------------------------------------- map */
/* Records by a key they hold: a NUL-terminated char array at offset key_at
 * of each. Open addressing with tombstones, at most three quarters used
 * (rh_memmap.c): the store's deliveries by id, endpoint records by id and
 * ordering-key groups by name. The records stay their owner's. */
typedef struct mem_map {
    void **slots;
    size_t n_slots, n_used, n_live; /* n_used counts tombstones too */
    size_t key_at;
} mem_map;

void *rh__mem_map_get(const mem_map *map, const char *key);
/* Room for `extra` more records, so that putting them cannot fail. */
int rh__mem_map_reserve(mem_map *map, const rh_allocator *a, size_t extra);
void rh__mem_map_put(mem_map *map, void *rec); /* after reserve; key new */
void *rh__mem_map_del(mem_map *map, const char *key); /* the record, or NULL */
/* The record in slot i < n_slots, or NULL: a walk over every record. */
void *rh__mem_map_slot(const mem_map *map, size_t i);
void rh__mem_map_free(mem_map *map, const rh_allocator *a); /* the table */

/* --------------------------------------------------------------- nodes */
/* An event as stored: the public record, built once, so that its data is
 * copied once per event whatever its number of deliveries, shared by them
 * and counted. The ordering key is the store's (the record has no setter
 * for it). */
typedef struct mem_event {
    rh_event *rec;
    size_t refs;
    int hold;    /* rh_event_ordering_holds */
    int has_key; /* key below is the ordering key */
    char key[];  /* "" without one */
} mem_event;

/* A delivery as stored. Its state changes at every claim and completion,
 * so the store keeps its fields and lends a public record built from them
 * (rh__mem_delivery_lend) for the length of a callback. */
typedef struct mem_delivery {
    char id[RH_ID_SIZE]; /* first: the id map's key */
    char event_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    mem_event *ev; /* a counted reference */
    int state;
    int attempts;
    int holds_key; /* failed, it holds its ordering key */
    int64_t next_attempt_ms;
    int64_t created_ms;
    int64_t updated_ms;
    int64_t lease_until_ms;
    size_t heap_index;
    struct mem_order *order_group;  /* its ordering key's, or NULL */
    struct mem_delivery *done_next; /* the list of finished ones */
    struct mem_delivery *done_prev;
} mem_delivery;

/* An attempt as logged, in one allocation: its seq is given when it is
 * appended, and a public record is lent to a query's callback. */
typedef struct mem_attempt {
    struct mem_attempt *next; /* the log's FIFO */
    int64_t seq;
    char delivery_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    char event_id[RH_ID_SIZE];
    int number, status, success, outcome;
    int64_t started_ms, duration_ms;
    size_t response_len;
    const char *error, *event_type, *tenant; /* in bytes, after the response */
    char bytes[];
} mem_attempt;

/* A query's filters, read once through rh_query's getters (rh_memrecord.c),
 * or the few a version-1 recover gives. */
typedef struct mem_filter {
    const char *endpoint, *delivery, *event; /* NULL: any */
    const char *type_exact, *type_prefix;    /* both NULL: any type */
    char type_buf[160];
    int failed_only, state, status, outcome; /* -1: any */
    int64_t since_ms, until_ms, cursor;
    int64_t after_ms;
    const char *after_id; /* NULL: from the start */
    const char *tenant;   /* NULL: any */
} mem_filter;

/* ---------------------------------------------------------- the store */
typedef struct heap_entry heap_entry;
typedef struct mem_queue mem_queue;
typedef struct mem_order mem_order;

typedef struct memstore {
    const rh_allocator *alloc;
    size_t max_pending;
    size_t max_log;
    mem_map dls; /* id -> delivery */
    /* endpoint id -> its queue of pending and in-flight deliveries */
    mem_queue **queues;
    size_t n_queue_slots, n_queues;
    /* tenant -> its heap of endpoint queues ("" for no tenant), and the
     * tenants whose queues hold anything, keyed by their earliest due: a
     * claim takes turns between tenants first (rh_memqueue.c) */
    struct mem_tenant **tenants; /* open addressing, by name */
    size_t n_tenant_slots;
    struct mem_tenant **theap;
    size_t theap_len, theap_cap, n_tenants;
    size_t n_pending;
    uint64_t next_order;
    /* the fair claim's scratch, kept between claims */
    heap_entry *taken;
    mem_queue **taken_q, **picked, **grouped;
    struct mem_tenant **picked_t; /* room for every tenant */
    size_t scratch_cap, tenant_scratch_cap;
    /* finished deliveries, oldest first, at most max_log */
    mem_delivery *done_head, *done_tail;
    size_t n_done;
    /* attempt log, oldest first, at most max_log */
    mem_attempt *log_head, *log_tail;
    size_t n_log;
    int64_t next_seq;
    /* endpoint records by id, and in the order first saved
     * (rh_memendpoint.c) */
    mem_map eps;
    struct mem_endpoint *ep_head, *ep_tail;
    /* idempotency key -> event id, open addressing (rh_memkeys.c) */
    struct mem_key **keys;
    size_t n_key_slots, n_keys;
    /* endpoint and ordering key -> its deliveries (rh_memorder.c) */
    mem_map orders;
    /* documents by (kind, key) (rh_memdoc.c) */
    struct mem_doc **docs;
    size_t n_docs, cap_docs;
} memstore;

/* The key lives in the entry, so that sifting reads one array and never
 * the deliveries themselves (100,000 pending: a cache miss per look).
 * Equal due times keep the order the deliveries were queued in. */
struct heap_entry {
    int64_t due;
    uint64_t order;
    mem_delivery *d;
};

#define NOT_QUEUED ((size_t)-1)

/* One endpoint's unfinished deliveries, earliest due first. */
struct mem_queue {
    char endpoint_id[RH_ID_SIZE];
    heap_entry *heap;
    size_t len, cap;
    size_t want;        /* enqueue's count of deliveries to come */
    size_t qheap_index; /* in its tenant's heap; NOT_QUEUED when empty */
    size_t room;        /* claim scratch */
    struct mem_tenant *tenant; /* an endpoint's tenant never changes */
};

/* One tenant's endpoint queues that hold anything, by earliest due. */
typedef struct mem_tenant {
    char name[RH_TENANT_MAX + 1];
    mem_queue **heap;
    size_t len, cap, n_queues;
    size_t theap_index;             /* NOT_QUEUED when no queue holds any */
    /* claim scratch: its picks in grouped[c_first ..+ c_n), whose turn is
     * next, and (while picking) whether it comes after the rotation wraps;
     * then where its next pick goes */
    size_t c_first, c_n, c_turn, c_at, c_room;
} mem_tenant;

/* Records (rh_memrecord.c). The node of ev, with one reference: RH_OK,
 * RH_E_NOMEM, or RH_E_INVALID_ARG for an event no record can hold. */
int rh__mem_event_new(memstore *m, const rh_event *ev, mem_event **out);
void rh__mem_event_release(memstore *m, mem_event *e);
/* A pending delivery of e, from dl's ids and times (e gains a reference). */
mem_delivery *rh__mem_delivery_new(memstore *m, mem_event *e,
                                   const rh_delivery *dl);
void rh__mem_delivery_free(memstore *m, mem_delivery *d);
/* d as a public record, the caller's to free: RH_OK or a negative code. */
int rh__mem_delivery_lend(const mem_delivery *d, rh_delivery **out);
mem_attempt *rh__mem_attempt_new(memstore *m, const rh_attempt *at);
int rh__mem_attempt_lend(const mem_attempt *a, rh_attempt **out);
void rh__mem_filter_of(mem_filter *f, const rh_query *q);
int rh__mem_filter_delivery(const mem_filter *f, const mem_delivery *d);
int rh__mem_filter_attempt(const mem_filter *f, const mem_attempt *a);

/* Queues, heaps and lists (rh_memqueue.c). */
void rh__mem_qheap_remove(memstore *m, mem_queue *q);
void rh__mem_qheap_update(memstore *m, mem_queue *q);
int rh__mem_queue_reserve(memstore *m, mem_queue *q, size_t extra);
void rh__mem_entry_push(mem_queue *q, heap_entry e);
heap_entry rh__mem_entry_remove(mem_queue *q, mem_delivery *d);
mem_queue *rh__mem_queue_get(memstore *m, const char *endpoint_id,
                             const char *tenant);
/* A tenant's heap changed (or it was taken out for a claim): put it back
 * in its place among the tenants, or out when it holds nothing. */
void rh__mem_tenant_update(memstore *m, mem_tenant *t);
void rh__mem_tenant_remove(memstore *m, mem_tenant *t); /* it is in */
/* q out of its tenant's heap, the tenants' heap left alone (a claim). */
void rh__mem_queue_unheap(mem_queue *q);
void rh__mem_tenants_free(memstore *m);
/* Into or out of q's heap, the pending count left alone (a parked delivery
 * of an ordering key is pending and in no heap). */
void rh__mem_heap_push(memstore *m, mem_queue *q, mem_delivery *d);
void rh__mem_heap_remove(memstore *m, mem_queue *q, mem_delivery *d);
void rh__mem_pending_push(memstore *m, mem_queue *q, mem_delivery *d);
void rh__mem_pending_remove(memstore *m, mem_queue *q, mem_delivery *d);
void rh__mem_pending_fix(memstore *m, mem_queue *q, mem_delivery *d);
mem_queue *rh__mem_queue_of(memstore *m, const mem_delivery *d);
void rh__mem_done_unlink(memstore *m, mem_delivery *d);
void rh__mem_done_append(memstore *m, mem_delivery *d);
mem_queue *rh__mem_first_due(memstore *m, int64_t now_ms);
int rh__mem_scratch_reserve(memstore *m, size_t n);
int rh__mem_tenant_scratch_reserve(memstore *m);
/* Set d's new state from dl's; the caller has checked it exists. */
void rh__mem_apply_complete(memstore *m, mem_delivery *d,
                            const rh_delivery *dl);
void rh__mem_log_append(memstore *m, mem_attempt *copy);
void rh__mem_requeue(memstore *m, mem_queue *q, mem_delivery *d,
                     int64_t now_ms);

/* Claims (rh_memclaim.c): the two claim slots. */
int rh__mem_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                  rh_claim_cb each, void *each_ud, void *ud);
int rh__mem_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                        void *each_ud, void *ud);

/* Idempotency keys (rh_memkeys.c). The event id holding key since
 * window_start_ms, or NULL. */
const char *rh__mem_key_held(const memstore *m, const char *key,
                             int64_t window_start_ms);
/* Room for one more key, dropping those older than window_start_ms when
 * the table fills: RH_OK or RH_E_NOMEM, after which put cannot fail but for
 * its own copy. */
int rh__mem_keys_reserve(memstore *m, int64_t window_start_ms);
struct mem_key *rh__mem_key_new(memstore *m, const char *key,
                                const char *event_id, int64_t created_ms);
void rh__mem_key_put(memstore *m, struct mem_key *k); /* after reserve */
void rh__mem_key_free(memstore *m, struct mem_key *k);
void rh__mem_keys_free(memstore *m);

/* Ordering keys (rh_memorder.c). The group of an endpoint and a key, made
 * if missing, with room to park one more delivery; NULL: out of memory. */
mem_order *rh__mem_order_get(memstore *m, const char *endpoint_id,
                             const char *key);
void rh__mem_orders_init(memstore *m);            /* at the store's making */
void rh__mem_order_gc(memstore *m, mem_order *g); /* drop it if unused */
/* A delivery just pushed into its heap joins g: it stays there when the
 * key is free, else it is parked (still counted pending). */
void rh__mem_order_join(memstore *m, mem_order *g, mem_delivery *d);
/* d finished: its key goes on to the next, unless d failed and holds it. */
void rh__mem_order_finished(memstore *m, mem_delivery *d);
/* d is queued again (resend, recover): 1 when it was parked (counted
 * pending), 0 when the caller pushes it into its heap. */
int rh__mem_order_requeue(memstore *m, mem_delivery *d);
int rh__mem_order_skip(memstore *m, mem_delivery *d);    /* RH_OK, RH_E_STATE */
void rh__mem_order_forget(memstore *m, mem_delivery *d); /* before a free */
void rh__mem_order_each_parked(memstore *m, void (*fn)(mem_delivery *, void *),
                               void *ud);
void rh__mem_orders_free(memstore *m); /* and the parked deliveries */

/* The endpoint slots (rh_memendpoint.c): records handed back in the order
 * they were first saved, as the durable stores do. */
int rh__mem_endpoint_save(memstore *m, const char *id, const char *json,
                          size_t len);
int rh__mem_endpoint_remove(memstore *m, const char *id);
int rh__mem_endpoint_load(memstore *m, rh_endpoint_record_cb each,
                          void *each_ud);
void rh__mem_endpoints_free(memstore *m);

/* The document slots (rh_memdoc.c): a kind's handed back by key. */
int rh__mem_document_save(memstore *m, const char *kind, const char *key,
                          const char *json, size_t len);
int rh__mem_document_load(memstore *m, const char *kind, rh_document_cb each,
                          void *each_ud);
void rh__mem_documents_free(memstore *m);

/* The log's slots (rh_memlog.c). */
int rh__mem_query_attempts(memstore *m, const rh_query *q, rh_attempt_cb each,
                           void *each_ud);
int rh__mem_query_deliveries(memstore *m, const rh_query *q,
                             rh_delivery_cb each, void *each_ud);
int rh__mem_recover(memstore *m, const mem_filter *f, int64_t now_ms);
int rh__mem_count_open(memstore *m, const char *tenant, size_t cap);
/* the queue_figures slot (rh_memfigures.c) */
int rh__mem_queue_figures(memstore *m, int64_t now_ms, int64_t failed_since_ms,
                          int group, rh_queue_figures_cb each, void *each_ud);
int rh__mem_delivery_event(memstore *m, const char *delivery_id,
                           rh_claimed_cb each, void *each_ud);
int rh__mem_endpoint_health(memstore *m, const char *endpoint_id,
                            int64_t *out);

#endif
