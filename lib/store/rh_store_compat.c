/* replicer-hooks store layer: a host's version-1 or version-2 table serving
 * the version-3 operations it lacks, from its old slots. The engine then
 * has one path for each (a fair claim, a batch of outcomes, a recovery by
 * query), and this is the one file that knows the old protocol. */
#include "rh_store.h"

#include <string.h>

/* What a version-1 claim took, copied inside the store's transaction and
 * handed back after it, as a fair claim does. */
typedef struct old_claim_taken {
    rh_delivery *dl;
    rh_event *ev;
} old_claim_taken;

typedef struct old_claim {
    rh_store *st;
    const rh_claim_request *req;
    old_claim_taken *got;
    size_t n;
    int rc;
} old_claim;

static size_t taken_of(const old_claim *o, const char *endpoint_id)
{
    size_t k = 0;
    for (size_t i = 0; i < o->n; i++)
        k += strcmp(o->got[i].dl->endpoint_id, endpoint_id) == 0;
    return k;
}

/* Offered inside the store's transaction: take what the request's room
 * allows (the endpoint's and in all), and only copy it there. */
static int old_claim_offered(const rh_delivery *dl, const rh_event *ev,
                             void *ud)
{
    old_claim *o = ud;
    const rh_allocator *a = o->st->alloc;
    if (o->n >= rh_claim_request_max(o->req) ||
        taken_of(o, dl->endpoint_id) >=
            rh_claim_request_room_of(o->req, dl->endpoint_id))
        return 0;
    old_claim_taken *t = &o->got[o->n];
    t->dl = rh__delivery_copy(a, dl);
    t->ev = ev ? rh__event_copy(a, ev) : NULL; /* none: the engine says so */
    if (!t->dl || (ev && !t->ev)) {
        rh_delivery_free(t->dl);
        rh_event_free(t->ev);
        o->rc = RH_E_NOMEM;
        return RH_E_NOMEM;
    }
    o->n++;
    return 1;
}

int rh__store_compat_claim(rh_store *st, const rh_claim_request *req,
                           rh_claimed_cb each, void *ud)
{
    size_t max = rh_claim_request_max(req);
    old_claim o = {st, req, NULL, 0, RH_OK};
    int rc;
    if (max == 0)
        return 0;
    o.got = rh__calloc(st->alloc, max * sizeof *o.got);
    if (!o.got)
        return RH_E_NOMEM;
    rc = st->table.claim(rh_claim_request_now_ms(req),
                         rh_claim_request_lease_until_ms(req), max,
                         old_claim_offered, &o, st->table.userdata);
    if (o.rc != RH_OK)
        rc = o.rc;
    /* committed: each is ours; a stop leaves the rest claimed, and they
     * come back when their lease ends */
    int stop = rc < 0;
    for (size_t i = 0; i < o.n; i++) {
        int given = stop ? 0 : each(o.got[i].dl, o.got[i].ev, ud);
        if (given < 0) { /* the caller's failure, told as a fair claim's */
            stop = 1;
            rc = given;
        }
        rh_delivery_free(o.got[i].dl);
        rh_event_free(o.got[i].ev);
    }
    rh__free(st->alloc, o.got);
    return rc < 0 ? rc : (int)o.n;
}

/* One complete each, in order, stopping at the first failure: what is
 * stored stays stored (*stored says how many) and the rest is tried on a
 * later tick. */
int rh__store_compat_complete(rh_store *st, size_t n, size_t *stored)
{
    for (size_t i = 0; i < n; i++) {
        int rc = st->table.complete(st->dls[i], st->ats[i],
                                    st->table.userdata);
        if (rc < 0 && rc != RH_E_NOT_FOUND)
            return rc;
        *stored = i + 1;
    }
    return RH_OK;
}

/* The old recover takes one endpoint and a start time only: anything more
 * is RH_E_UNSUPPORTED. */
int rh__store_compat_recover(rh_store *st, const rh_query *q, int64_t now_ms)
{
    if (!rh_query_endpoint(q) || rh_query_event(q) || rh_query_event_type(q) ||
        rh_query_until_ms(q))
        return RH_E_UNSUPPORTED;
    return st->table.recover(rh_query_endpoint(q), rh_query_since_ms(q),
                             now_ms, st->table.userdata);
}
