/* replicer-hooks memory store, private: its structures, shared by the slots
 * (rh_memstore.c) and the id map, heaps and lists under them (rh_memqueue.c).
 */
#ifndef RH_MEMQUEUE_H
#define RH_MEMQUEUE_H

#include "rh_idmap.h"
#include "rh_records.h"

typedef struct heap_entry heap_entry;
typedef struct mem_queue mem_queue;

typedef struct memstore {
    const rh_allocator *alloc;
    size_t max_pending;
    size_t max_log;
    /* id -> delivery, open addressing with tombstones */
    rh_delivery **slots;
    size_t n_slots, n_used, n_live;
    /* endpoint id -> its queue of pending and in-flight deliveries */
    mem_queue **queues;
    size_t n_queue_slots, n_queues;
    /* the queues that hold anything, keyed by their earliest due */
    mem_queue **qheap;
    size_t qheap_len, qheap_cap;
    size_t n_pending;
    uint64_t next_order;
    uint64_t claim_stamp;
    /* the fair claim's scratch, kept between claims */
    heap_entry *taken;
    mem_queue **taken_q, **picked;
    size_t scratch_cap;
    /* finished deliveries, oldest first, at most max_log */
    rh_delivery *done_head, *done_tail;
    size_t n_done;
    /* attempt log, oldest first, at most max_log */
    rh_attempt *log_head, *log_tail;
    size_t n_log;
    int64_t next_seq;
    /* endpoint records by id, and in the order first saved
     * (rh_memendpoint.c) */
    rh_idmap eps;
    struct mem_endpoint *ep_head, *ep_tail;
    /* idempotency key -> event id, open addressing (rh_memkeys.c) */
    struct mem_key **keys;
    size_t n_key_slots, n_keys;
    /* endpoint and ordering key -> its deliveries (rh_memorder.c) */
    struct mem_order **orders;
    size_t n_order_slots, n_orders;
} memstore;

/* The key lives in the entry, so that sifting reads one array and never
 * the deliveries themselves (100,000 pending: a cache miss per look).
 * Equal due times keep the order the deliveries were queued in. */
struct heap_entry {
    int64_t due;
    uint64_t order;
    rh_delivery *d;
};

#define NOT_QUEUED ((size_t)-1)

/* One endpoint's unfinished deliveries, earliest due first. */
struct mem_queue {
    char endpoint_id[RH_ID_SIZE];
    heap_entry *heap;
    size_t len, cap;
    size_t want;        /* enqueue's count of deliveries to come */
    size_t qheap_index; /* NOT_QUEUED when empty */
    size_t room;        /* claim scratch */
};

rh_delivery *rh__mem_map_get(memstore *m, const char *id);
int rh__mem_map_reserve(memstore *m, size_t extra);
void rh__mem_map_put(memstore *m, rh_delivery *d);
void rh__mem_map_del(memstore *m, const char *id);
void rh__mem_qheap_remove(memstore *m, mem_queue *q);
void rh__mem_qheap_update(memstore *m, mem_queue *q);
int rh__mem_queue_reserve(memstore *m, mem_queue *q, size_t extra);
void rh__mem_entry_push(mem_queue *q, heap_entry e);
heap_entry rh__mem_entry_remove(mem_queue *q, rh_delivery *d);
mem_queue *rh__mem_queue_get(memstore *m, const char *endpoint_id);
/* Into or out of q's heap, the pending count left alone (a parked delivery
 * of an ordering key is pending and in no heap). */
void rh__mem_heap_push(memstore *m, mem_queue *q, rh_delivery *d);
void rh__mem_heap_remove(memstore *m, mem_queue *q, rh_delivery *d);
void rh__mem_pending_push(memstore *m, mem_queue *q, rh_delivery *d);
void rh__mem_pending_remove(memstore *m, mem_queue *q, rh_delivery *d);
void rh__mem_pending_fix(memstore *m, mem_queue *q, rh_delivery *d);
mem_queue *rh__mem_queue_of(memstore *m, const rh_delivery *d);
void rh__mem_done_unlink(memstore *m, rh_delivery *d);
void rh__mem_done_append(memstore *m, rh_delivery *d);
mem_queue *rh__mem_first_due(memstore *m, int64_t now_ms);
int rh__mem_scratch_reserve(memstore *m, size_t n);
void rh__mem_apply_complete(memstore *m, rh_delivery *d, const rh_delivery *dl);
void rh__mem_log_append(memstore *m, rh_attempt *copy);
void rh__mem_requeue(memstore *m, mem_queue *q, rh_delivery *d, int64_t now_ms);

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
typedef struct mem_order mem_order;
mem_order *rh__mem_order_get(memstore *m, const char *endpoint_id,
                             const char *key);
void rh__mem_order_gc(memstore *m, mem_order *g); /* drop it if unused */
/* A delivery just pushed into its heap joins g: it stays there when the
 * key is free, else it is parked (still counted pending). */
void rh__mem_order_join(memstore *m, mem_order *g, rh_delivery *d);
/* d finished: its key goes on to the next, unless d failed and holds it. */
void rh__mem_order_finished(memstore *m, rh_delivery *d);
/* d is queued again (resend, recover): 1 when it was parked (counted
 * pending), 0 when the caller pushes it into its heap. */
int rh__mem_order_requeue(memstore *m, rh_delivery *d);
int rh__mem_order_skip(memstore *m, rh_delivery *d);    /* RH_OK, RH_E_STATE */
void rh__mem_order_forget(memstore *m, rh_delivery *d); /* before a free */
void rh__mem_order_each_parked(memstore *m, void (*fn)(rh_delivery *, void *),
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

/* The log's slots (rh_memlog.c). */
int rh__mem_query_attempts(memstore *m, const rh_query *q, rh_attempt_cb each,
                           void *each_ud);
int rh__mem_query_deliveries(memstore *m, const rh_query *q,
                             rh_delivery_cb each, void *each_ud);
int rh__mem_recover(memstore *m, const rh_query *q, int64_t now_ms);

#endif
