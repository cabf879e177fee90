/* replicer-hooks queries: what a caller or the library asks a store, apart
 * from the records it gets back (rh_records.c). A log query's filters, their
 * getters for a backend and the memory store's matching; a fair claim's
 * request, its limits found by endpoint. Separate from the records because
 * these are the questions, built by callers and read by adapters, and no
 * record is made or freed here. */
#include "rh_records.h"
#include "rh_validate.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ query */

int rh_query_new(rh_query **out)
{
    rh_query *q;
    if (!out)
        return RH_E_INVALID_ARG;
    q = rh__malloc(&rh__default_allocator, sizeof *q);
    if (!q)
        return RH_E_NOMEM;
    rh__query_init(q);
    *out = q;
    return RH_OK;
}

void rh__query_init(rh_query *q)
{
    memset(q, 0, sizeof *q);
    q->state = -1;
    q->status = -1;
    q->outcome = -1;
}

void rh_query_free(rh_query *q) { rh__free(&rh__default_allocator, q); }

static int set_id(char *dst, const char *id)
{
    if (id == NULL) {
        dst[0] = '\0';
        return RH_OK;
    }
    if (!rh__id_valid(id))
        return RH_E_INVALID_ARG;
    rh__strlcpy(dst, id, RH_ID_SIZE);
    return RH_OK;
}

int rh_query_set_endpoint(rh_query *q, const char *id)
{
    return q ? set_id(q->endpoint, id) : RH_E_INVALID_ARG;
}
int rh_query_set_delivery(rh_query *q, const char *id)
{
    return q ? set_id(q->delivery, id) : RH_E_INVALID_ARG;
}
int rh_query_set_event(rh_query *q, const char *id)
{
    return q ? set_id(q->event, id) : RH_E_INVALID_ARG;
}
int rh_query_set_failed_only(rh_query *q, int failed_only)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->failed_only = failed_only != 0;
    return RH_OK;
}
int rh_query_set_state(rh_query *q, int state)
{
    if (!q || state < -1 || state > RH_DELIVERY_FAILED)
        return RH_E_INVALID_ARG;
    q->state = state;
    return RH_OK;
}
int rh_query_set_time_range(rh_query *q, int64_t since_ms, int64_t until_ms)
{
    if (!q || (until_ms != 0 && until_ms < since_ms))
        return RH_E_INVALID_ARG;
    q->since_ms = since_ms;
    q->until_ms = until_ms;
    return RH_OK;
}
int rh_query_set_event_type(rh_query *q, const char *pattern)
{
    if (!q || (pattern && !rh__pattern_valid(pattern)))
        return RH_E_INVALID_ARG;
    if (!pattern || !strcmp(pattern, "*"))
        q->type[0] = '\0';
    else
        rh__strlcpy(q->type, pattern, sizeof q->type);
    return RH_OK;
}
int rh_query_set_tenant(rh_query *q, const char *tenant)
{
    if (!q || (tenant && *tenant && !rh__tenant_valid(tenant)))
        return RH_E_INVALID_ARG;
    rh__strlcpy(q->tenant, tenant ? tenant : "", sizeof q->tenant);
    q->tenant_set = tenant != NULL;
    return RH_OK;
}
const char *rh_query_tenant(const rh_query *q)
{
    return q && q->tenant_set ? q->tenant : NULL;
}
int rh_query_set_status(rh_query *q, int status)
{
    if (!q || status < -1 || (status > 0 && (status < 100 || status > 599)))
        return RH_E_INVALID_ARG;
    q->status = status;
    return RH_OK;
}
int rh_query_set_outcome(rh_query *q, int outcome)
{
    if (!q || outcome < -1 || outcome > RH_OUTCOME_BAD_RESPONSE)
        return RH_E_INVALID_ARG;
    q->outcome = outcome;
    return RH_OK;
}
int rh_query_set_delivery_cursor(rh_query *q, int64_t created_ms,
                                 const char *delivery_id)
{
    if (!q || (delivery_id && !rh__id_valid(delivery_id)))
        return RH_E_INVALID_ARG;
    q->after_created_ms = delivery_id ? created_ms : 0;
    return set_id(q->after_id, delivery_id);
}
int rh_query_set_limit(rh_query *q, size_t limit)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->limit = limit;
    return RH_OK;
}
int rh_query_set_cursor(rh_query *q, int64_t after)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->cursor = after;
    return RH_OK;
}

const char *rh_query_endpoint(const rh_query *q)
{
    return q && q->endpoint[0] ? q->endpoint : NULL;
}
const char *rh_query_delivery(const rh_query *q)
{
    return q && q->delivery[0] ? q->delivery : NULL;
}
const char *rh_query_event(const rh_query *q)
{
    return q && q->event[0] ? q->event : NULL;
}
int rh_query_failed_only(const rh_query *q) { return q ? q->failed_only : 0; }
int rh_query_state(const rh_query *q) { return q ? q->state : -1; }
int64_t rh_query_since_ms(const rh_query *q) { return q ? q->since_ms : 0; }
int64_t rh_query_until_ms(const rh_query *q) { return q ? q->until_ms : 0; }
size_t rh_query_limit(const rh_query *q) { return rh__query_effective_limit(q); }
int64_t rh_query_cursor(const rh_query *q) { return q ? q->cursor : 0; }
const char *rh_query_event_type(const rh_query *q)
{
    return q && q->type[0] ? q->type : NULL;
}
int rh_query_status(const rh_query *q)
{
    return q ? q->status : -1;
}
int rh_query_outcome(const rh_query *q)
{
    return q ? q->outcome : -1;
}
int64_t rh_query_delivery_cursor_ms(const rh_query *q)
{
    return q && q->after_id[0] ? q->after_created_ms : 0;
}
const char *rh_query_delivery_cursor_id(const rh_query *q)
{
    return q && q->after_id[0] ? q->after_id : NULL;
}

size_t rh__query_effective_limit(const rh_query *q)
{
    return q && q->limit ? q->limit : 100;
}

int rh__query_matches_attempt(const rh_query *q, const rh_attempt *at)
{
    if (!q)
        return 1;
    if (q->endpoint[0] && strcmp(q->endpoint, at->endpoint_id) != 0)
        return 0;
    if (q->delivery[0] && strcmp(q->delivery, at->delivery_id) != 0)
        return 0;
    if (q->event[0] && strcmp(q->event, at->event_id) != 0)
        return 0;
    if (q->failed_only && at->success)
        return 0;
    if (at->started_ms < q->since_ms)
        return 0;
    if (q->until_ms && at->started_ms >= q->until_ms)
        return 0;
    if (q->type[0] && !rh__pattern_matches(q->type, rh_attempt_event_type(at)))
        return 0;
    if (q->status >= 0 && at->status != q->status)
        return 0;
    if (q->tenant_set && strcmp(q->tenant, at->tenant) != 0)
        return 0;
    if (q->outcome >= 0 && at->outcome != q->outcome)
        return 0;
    return at->seq > q->cursor;
}

int rh__query_matches_delivery(const rh_query *q, const rh_delivery *dl)
{
    if (!q)
        return 1;
    if (q->endpoint[0] && strcmp(q->endpoint, dl->endpoint_id) != 0)
        return 0;
    if (q->delivery[0] && strcmp(q->delivery, dl->id) != 0)
        return 0;
    if (q->event[0] && strcmp(q->event, dl->event_id) != 0)
        return 0;
    if (q->failed_only && dl->state != RH_DELIVERY_FAILED)
        return 0;
    if (q->state >= 0 && dl->state != q->state)
        return 0;
    if (dl->created_ms < q->since_ms)
        return 0;
    if (q->until_ms && dl->created_ms >= q->until_ms)
        return 0;
    if (q->type[0] && !rh__pattern_matches(q->type, rh_delivery_event_type(dl)))
        return 0;
    if (q->tenant_set && strcmp(q->tenant, dl->tenant) != 0)
        return 0;
    if (q->after_id[0] && (dl->created_ms < q->after_created_ms ||
                           (dl->created_ms == q->after_created_ms &&
                            strcmp(dl->id, q->after_id) <= 0)))
        return 0;
    return 1;
}

/* ---------------------------------------------------------- claim request */

int64_t rh_claim_request_now_ms(const rh_claim_request *r)
{
    return r ? r->now_ms : 0;
}
int64_t rh_claim_request_lease_until_ms(const rh_claim_request *r)
{
    return r ? r->lease_until_ms : 0;
}
size_t rh_claim_request_max(const rh_claim_request *r)
{
    return r ? r->max : 0;
}
size_t rh_claim_request_max_per_endpoint(const rh_claim_request *r)
{
    return r ? r->max_per_endpoint : 0;
}
size_t rh_claim_request_limit_count(const rh_claim_request *r)
{
    return r ? r->n_limits : 0;
}
const char *rh_claim_request_limit_endpoint(const rh_claim_request *r, size_t i)
{
    return r && i < r->n_limits ? r->limits[i].endpoint_id : "";
}
size_t rh_claim_request_limit_room(const rh_claim_request *r, size_t i)
{
    return r && i < r->n_limits ? r->limits[i].room : 0;
}

size_t rh_claim_request_max_per_tenant(const rh_claim_request *r)
{
    return r ? r->max_per_tenant : 0;
}
size_t rh_claim_request_tenant_limit_count(const rh_claim_request *r)
{
    return r ? r->n_tenant_limits : 0;
}
const char *rh_claim_request_tenant_limit_tenant(const rh_claim_request *r,
                                                 size_t i)
{
    return r && i < r->n_tenant_limits ? r->tenant_limits[i].tenant : "";
}
size_t rh_claim_request_tenant_limit_room(const rh_claim_request *r, size_t i)
{
    return r && i < r->n_tenant_limits ? r->tenant_limits[i].room : 0;
}

/* bsearch's order for the two lists below, each sorted by its id. */
static int tenant_key(const void *key, const void *el)
{
    return strcmp(key, ((const rh_tenant_limit *)el)->tenant);
}
static int endpoint_key(const void *key, const void *el)
{
    return strcmp(key, ((const rh_claim_limit *)el)->endpoint_id);
}

size_t rh_claim_request_tenant_room_of(const rh_claim_request *r,
                                       const char *tenant)
{
    if (!r)
        return 0;
    const rh_tenant_limit *l =
        r->n_tenant_limits ? bsearch(tenant ? tenant : "", r->tenant_limits,
                                     r->n_tenant_limits, sizeof *l, tenant_key)
                           : NULL;
    return l ? l->room : r->max_per_tenant ? r->max_per_tenant : r->max;
}

const char *rh_claim_request_tenant_after(const rh_claim_request *r)
{
    return r && r->tenant_after ? r->tenant_after : "";
}

size_t rh_claim_request_room_of(const rh_claim_request *r,
                                const char *endpoint_id)
{
    if (!r || !endpoint_id)
        return 0;
    const rh_claim_limit *l =
        r->n_limits ? bsearch(endpoint_id, r->limits, r->n_limits, sizeof *l,
                              endpoint_key)
                    : NULL;
    return l ? l->room : r->max_per_endpoint;
}
