/* replicer-hooks records, private: the structures behind events,
 * deliveries and attempts (rh_records.c), queries and claim requests
 * (rh_query.c). */
#ifndef RH_RECORDS_H
#define RH_RECORDS_H

#include "rh_util.h"

/* ---------------------------------------------------------------- records */
struct rh_event {
    const rh_allocator *alloc;
    char id[RH_ID_SIZE];
    char type[RH_TYPE_MAX + 1];
    int64_t timestamp_ms;
    char *data;
    size_t data_len;
    char *ordering_key; /* owned; NULL: none */
    int ordering_hold;  /* a failed delivery holds its key */
    char tenant[RH_TENANT_MAX + 1]; /* "": none */
    /* owned, NULL: none; else the traceparent, a NUL, the tracestate
     * ("" when none) and a NUL: one allocation, nothing when unused */
    char *trace;
};

struct rh_delivery {
    const rh_allocator *alloc; /* first: rh_records.c's record_alloc sets it */
    char id[RH_ID_SIZE];
    char event_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    /* Owned, NULL: none (the key); but the deliveries rh_emit builds in
     * one array for the store borrow their event's, and are never freed
     * one by one. */
    char *event_type;
    char *ordering_key;
    int state;
    int attempts;
    int64_t next_attempt_ms;
    int64_t created_ms;
    int64_t updated_ms;
    char tenant[RH_TENANT_MAX + 1]; /* "": none */
};

struct rh_attempt {
    const rh_allocator *alloc; /* first, as in rh_delivery */
    int64_t seq;
    char delivery_id[RH_ID_SIZE];
    char endpoint_id[RH_ID_SIZE];
    char event_id[RH_ID_SIZE];
    char event_type[RH_TYPE_MAX + 1];
    int number;
    int64_t started_ms;
    int64_t duration_ms;
    int status;
    int success;
    int outcome;
    char *response;
    size_t response_len;
    char *error;
    char tenant[RH_TENANT_MAX + 1]; /* "": none */
    char traceparent[RH_TRACEPARENT_SIZE]; /* sent; "": none, or logged */
};

struct rh_query {
    char endpoint[RH_ID_SIZE];
    char delivery[RH_ID_SIZE];
    char event[RH_ID_SIZE];
    int failed_only;
    int state;
    int64_t since_ms;
    int64_t until_ms;
    size_t limit;
    int64_t cursor;
    char type[RH_TYPE_MAX + 3]; /* an event type or "prefix.*"; "" any */
    int status;                 /* attempts: -1 any */
    int outcome;                /* attempts: -1 any */
    int64_t after_created_ms;   /* deliveries after (this, after_id) */
    char after_id[RH_ID_SIZE];  /* "" none */
    char tenant[RH_TENANT_MAX + 1];
    int tenant_set; /* else any tenant; set with "" : of no tenant only */
};

/* A tenant's room in a claim (version 3): its id points into the tenant
 * of a running job's delivery, lent for the claim. */
typedef struct rh_tenant_limit {
    const char *tenant;
    size_t room;
} rh_tenant_limit;

/* What one fair claim may take (rh_storage.h, version 2). */
typedef struct rh_claim_limit {
    char endpoint_id[RH_ID_SIZE];
    size_t room;
} rh_claim_limit;
struct rh_claim_request {
    int64_t now_ms;
    int64_t lease_until_ms;
    size_t max;
    size_t max_per_endpoint;
    rh_claim_limit *limits; /* sorted by endpoint_id */
    size_t n_limits;
    const char *tenant_after; /* the rotation's start; "" from the first */
    size_t max_per_tenant;    /* 0: no cap per tenant */
    rh_tenant_limit *tenant_limits; /* sorted by tenant */
    size_t n_tenant_limits;
};

int rh__event_make(rh_event **out, const rh_allocator *a, const char *id,
                   const char *type, int64_t ts_ms, const char *data,
                   size_t len);
/* The emit's ordering key (copied; NULL: none) and its failure policy. */
int rh__event_set_ordering(rh_event *ev, const char *key, int hold);
/* Copies from a's heap, owning what they point at (NULL: out of memory). */
rh_event *rh__event_copy(const rh_allocator *a, const rh_event *ev);
rh_delivery *rh__delivery_copy(const rh_allocator *a, const rh_delivery *dl);
int rh__attempt_make(rh_attempt **out, const rh_allocator *a);
rh_attempt *rh__attempt_copy(const rh_allocator *a, const rh_attempt *at);
int rh__query_matches_attempt(const rh_query *q, const rh_attempt *at);
int rh__query_matches_delivery(const rh_query *q, const rh_delivery *dl);
size_t rh__query_effective_limit(const rh_query *q);
void rh__query_init(rh_query *q); /* every filter "any" */

#endif
