/* replicer-hooks SQLite storage's claims: the fair claim (one index seek per
 * endpoint with room, taken in turns, committed before it hands back) and
 * version 1's offer. */
#include "rh_sqlite_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct claimed_row {
    rh_delivery *dl;
    rh_event *ev;
} claimed_row;

typedef struct scan_state {
    claimed_row *rows;
    size_t n;
} scan_state;

/* A due row: the delivery in columns 0..8, its event's time and data. */
static int claim_row(store *s, sqlite3_stmt *st, void *ud)
{
    scan_state *sc = ud;
    claimed_row *r = &sc->rows[sc->n];
    int rc = rh__sqlite_row_delivery(s, st, &r->dl);
    if (rc == RH_OK)
        rc = rh_event_new(&r->ev, (const char *)sqlite3_column_text(st, 1),
                          (const char *)sqlite3_column_text(st, 3),
                          sqlite3_column_int64(st, 9),
                          (const char *)sqlite3_column_blob(st, 10),
                          (size_t)sqlite3_column_bytes(st, 10));
    if (rc == RH_OK) {
        const char *tenant = (const char *)sqlite3_column_text(st, 11);
        if ((rc = rh_event_set_tenant(r->ev, tenant)) == RH_OK &&
            (rc = adapter_trace_set(
                 r->ev, (const char *)sqlite3_column_text(st, 12))) == RH_OK)
            rc = rh_delivery_set_tenant(r->dl, tenant);
        if (rc != RH_OK) {
            rh_event_free(r->ev);
            r->ev = NULL;
        }
    }
    if (rc != RH_OK) {
        rh_delivery_free(r->dl);
        r->dl = NULL;
        return adapter_row_rc(rc, "event", s->err, sizeof s->err);
    }
    sc->n++;
    return RH_OK;
}

/* One delivery and its event, read as a claim row is (delivery_event). */
int rh__sqlite_delivery_event(store *s, const char *delivery_id,
                              rh_claimed_cb each, void *each_ud)
{
    claimed_row row = {NULL, NULL};
    scan_state sc = {&row, 0};
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_DELIVERY_EVENT);
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_text(st, 1, delivery_id, -1, SQLITE_TRANSIENT);
    int rc = rh__sqlite_for_each_row(s, st, "delivery_event", claim_row, &sc);
    if (rc >= 0)
        rc = sc.n ? each(row.dl, row.ev, each_ud) : RH_E_NOT_FOUND;
    rh_delivery_free(row.dl);
    rh_event_free(row.ev);
    return rc;
}

/* Version 1's claim: offered in the transaction, within a window. */
static int claim_offered(store *s, int64_t now_ms, int64_t lease_until_ms,
                         size_t max, rh_claim_cb each, void *each_ud)
{
    sqlite3_stmt *scan = rh__sqlite_stmt(s, S_CLAIM_SCAN),
                 *take = rh__sqlite_stmt(s, S_CLAIM_TAKE);
    size_t budget = adapter_scan_budget(max), n = 0, taken = 0;
    claimed_row *rows;
    int rc;
    if (!scan || !take)
        return RH_E_STORAGE;
    if (max == 0)
        return 0;
    rows = calloc(budget, sizeof *rows);
    if (!rows)
        return RH_E_NOMEM;
    /* The scan runs under the write lock: nobody else can claim the rows
     * we read before we mark them. */
    if ((rc = rh__sqlite_begin(s)) != RH_OK) {
        free(rows);
        return rc;
    }
    sqlite3_bind_int64(scan, 1, now_ms);
    sqlite3_bind_int64(scan, 2, (sqlite3_int64)budget);
    scan_state sc = {rows, 0};
    rc = rh__sqlite_for_each_row(s, scan, "claim", claim_row, &sc);
    n = sc.n;
    rc = rc < 0 ? rc : RH_OK;
    for (size_t i = 0; rc == RH_OK && i < n && taken < max; i++) {
        int want = each(rows[i].dl, rows[i].ev, each_ud);
        if (want < 0) {
            rc = want;
            break;
        }
        if (want == 0)
            continue;
        sqlite3_bind_text(take, 1, rh_delivery_id(rows[i].dl), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(take, 2, lease_until_ms);
        if (sqlite3_step(take) != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "claim");
        rh__sqlite_done_with(take);
        taken++;
    }
    for (size_t i = 0; i < n; i++) {
        rh_delivery_free(rows[i].dl);
        rh_event_free(rows[i].ev);
    }
    free(rows);
    if (rc == RH_OK)
        rc = rh__sqlite_commit(s);
    else
        /* A callback that fails mid-claim keeps what it accepted before:
         * those transfers were started. */
        rc = rc == RH_E_STORAGE || rc == RH_E_NOMEM
                 ? rh__sqlite_rollback(s, rc)
                 : (rh__sqlite_commit(s), rc);
    return rc == RH_OK ? (int)taken : rc;
}

int rh__sqlite_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                     rh_claim_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    rh__sqlite_tick_path(s, 1);
    rh__sqlite_claim_sync(s, 1);
    int rc = claim_offered(s, now_ms, lease_until_ms, max, each, each_ud);
    rh__sqlite_claim_sync(s, 0);
    rh__sqlite_tick_path(s, 0);
    return rc;
}

/* ------------------------------------------------------------ fair claim */

typedef struct due_endpoint due_endpoint;
struct due_endpoint {
    char id[RH_ID_SIZE];
    char tenant[RH_TENANT_MAX + 1];
    size_t room;
    size_t first, n, next; /* its rows in the claim's row array */
};

/* A tenant's picked endpoints, in the order they were picked, and whose
 * turn among them is next. */
typedef struct tenant_group {
    struct due_endpoint **eps; /* its slice of the claim's group_eps */
    size_t n, turn;
    int wrapped; /* at or before the rotation's start: it goes after those
                    past it */
    size_t room; /* what it may still take (its cap per tenant) */
} tenant_group;

/* One fair claim as it goes: the endpoints with due rows and room, their
 * rows read, and the rows chosen in turns. */
typedef struct fair_claim {
    const rh_claim_request *req;
    size_t max;
    due_endpoint *eps;
    size_t n_eps;
    claimed_row *rows;
    size_t n_rows;
    claimed_row **chosen;
    size_t taken;
    tenant_group *groups; /* in the order of each tenant's first pick */
    size_t n_groups;
    due_endpoint **group_eps; /* every group's endpoints, one array */
} fair_claim;

static int due_endpoint_row(store *s, sqlite3_stmt *st, void *ud)
{
    fair_claim *fc = ud;
    const char *id = (const char *)sqlite3_column_text(st, 0);
    size_t room;
    (void)s;
    if (!id || fc->n_eps >= fc->max)
        return RH_OK;
    room = rh_claim_request_room_of(fc->req, id);
    if (room == 0)
        return RH_OK; /* at its cap: none of its rows is read */
    due_endpoint *e = &fc->eps[fc->n_eps++];
    snprintf(e->id, sizeof e->id, "%s", id);
    snprintf(e->tenant, sizeof e->tenant, "%s",
             sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2)
                                        : "");
    e->room = room;
    return RH_OK;
}

/* The tenants at their cap, as a JSON array for the statement's json_each
 * (ids are visible ASCII: only a quote and a backslash need escaping). */
static char *full_tenants(const rh_claim_request *req)
{
    size_t n = rh_claim_request_tenant_limit_count(req), len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(rh_claim_request_tenant_limit_tenant(req, i)) + 3;
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (rh_claim_request_tenant_limit_room(req, i))
            continue;
        if (o[-1] != '[')
            *o++ = ',';
        *o++ = '"';
        for (const char *t = rh_claim_request_tenant_limit_tenant(req, i); *t;
             t++) {
            if (*t == '"' || *t == '\\')
                *o++ = '\\';
            *o++ = *t;
        }
        *o++ = '"';
    }
    *o++ = ']';
    *o = '\0';
    return out;
}

/* The endpoints with due rows and room, earliest due first: at most max,
 * read past those the request names as full. */
static int scan_endpoints(store *s, sqlite3_stmt *st, fair_claim *fc,
                          int64_t now)
{
    size_t full = 0;
    for (size_t i = 0; i < rh_claim_request_limit_count(fc->req); i++)
        full += rh_claim_request_limit_room(fc->req, i) == 0;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(fc->max + full));
    sqlite3_bind_text(st, 3, rh_claim_request_tenant_after(fc->req), -1,
                      SQLITE_STATIC);
    if (!rh_claim_request_tenant_limit_count(fc->req)) {
        /* no cap per tenant, the usual claim: nothing to build */
        sqlite3_bind_text(st, 4, "[]", -1, SQLITE_STATIC);
    } else {
        char *capped = full_tenants(fc->req);
        if (!capped)
            return RH_E_NOMEM;
        sqlite3_bind_text(st, 4, capped, -1, SQLITE_TRANSIENT);
        free(capped);
    }
    int rc = rh__sqlite_for_each_row(s, st, "claim", due_endpoint_row, fc);
    return rc < 0 ? rc : RH_OK;
}

/* Each endpoint's due rows, up to its room and the claim's max, into one
 * array: an endpoint's are rows[first .. first + n). */
static int read_rows(store *s, sqlite3_stmt *st, fair_claim *fc, int64_t now)
{
    size_t cap_rows = 0;
    int rc = RH_OK;
    for (size_t i = 0; i < fc->n_eps; i++)
        cap_rows += fc->eps[i].room < fc->max ? fc->eps[i].room : fc->max;
    if (cap_rows && !(fc->rows = calloc(cap_rows, sizeof *fc->rows)))
        return RH_E_NOMEM;
    for (size_t i = 0; rc == RH_OK && i < fc->n_eps; i++) {
        due_endpoint *e = &fc->eps[i];
        size_t want = e->room < fc->max ? e->room : fc->max;
        scan_state sc = {fc->rows + fc->n_rows, 0};
        sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)want);
        rc = rh__sqlite_for_each_row(s, st, "claim", claim_row, &sc);
        rc = rc < 0 ? rc : RH_OK;
        e->first = e->next = fc->n_rows;
        e->n = sc.n;
        fc->n_rows += sc.n;
    }
    return rc;
}

/* qsort's order for the grouping below: by tenant, then pick order (the
 * endpoints' array is in pick order). */
static int by_tenant_then_pick(const void *a, const void *b)
{
    const due_endpoint *x = *(due_endpoint *const *)a,
                       *y = *(due_endpoint *const *)b;
    int c = strcmp(x->tenant, y->tenant);
    return c ? c : (x > y) - (x < y);
}

/* The rotation: tenants past its start, then from the first round to it;
 * by tenant id in each part. */
static int by_rotation(const void *a, const void *b)
{
    const tenant_group *x = a, *y = b;
    if (x->wrapped != y->wrapped)
        return x->wrapped - y->wrapped;
    return strcmp(x->eps[0]->tenant, y->eps[0]->tenant);
}

/* The picked endpoints by tenant: a group per tenant, in the rotation's
 * order, each listing its endpoints in pick order (earliest due first).
 * Sorted, not searched: a claim may pick thousands of endpoints. */
static void group_by_tenant(fair_claim *fc)
{
    for (size_t i = 0; i < fc->n_eps; i++)
        fc->group_eps[i] = &fc->eps[i];
    qsort(fc->group_eps, fc->n_eps, sizeof *fc->group_eps, by_tenant_then_pick);
    for (size_t i = 0; i < fc->n_eps; i++) {
        if (!i || strcmp(fc->group_eps[i - 1]->tenant, fc->group_eps[i]->tenant)) {
            tenant_group *g = &fc->groups[fc->n_groups++];
            g->eps = &fc->group_eps[i];
            g->n = g->turn = 0;
            g->wrapped = strcmp(fc->group_eps[i]->tenant,
                                rh_claim_request_tenant_after(fc->req)) <= 0;
            g->room = rh_claim_request_tenant_room_of(fc->req,
                                                      fc->group_eps[i]->tenant);
        }
        fc->groups[fc->n_groups - 1].n++;
    }
    qsort(fc->groups, fc->n_groups, sizeof *fc->groups, by_rotation);
}

/* A tenant's next row: its endpoints take turns, skipping those with no
 * row left. NULL when it has none. */
static claimed_row *tenant_next(fair_claim *fc, tenant_group *g)
{
    for (size_t tries = 0; g->room && tries < g->n; tries++) {
        due_endpoint *e = g->eps[g->turn];
        g->turn = (g->turn + 1) % g->n;
        if (e->next < e->first + e->n) {
            g->room--;
            return &fc->rows[e->next++];
        }
    }
    return NULL;
}

/* Turns: one row of each tenant (in the rotation's order), then again,
 * until the claim is full or the rows run out; within a tenant its
 * endpoints take turns, earliest first due first. */
static void take_turns(fair_claim *fc)
{
    group_by_tenant(fc);
    for (int progress = 1; progress && fc->taken < fc->max;) {
        progress = 0;
        for (size_t g = 0; g < fc->n_groups && fc->taken < fc->max; g++) {
            claimed_row *r = tenant_next(fc, &fc->groups[g]);
            if (r) {
                fc->chosen[fc->taken++] = r;
                progress = 1;
            }
        }
    }
}

/* The chosen rows leased, in the claim's transaction. */
static int lease_chosen(store *s, sqlite3_stmt *take, const fair_claim *fc)
{
    int rc = RH_OK;
    for (size_t i = 0; rc == RH_OK && i < fc->taken; i++) {
        sqlite3_bind_text(take, 1, rh_delivery_id(fc->chosen[i]->dl), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(take, 2, rh_claim_request_lease_until_ms(fc->req));
        if (sqlite3_step(take) != SQLITE_DONE)
            rc = rh__sqlite_fail(s, "claim");
        rh__sqlite_done_with(take);
    }
    return rc;
}

int rh__sqlite_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                           void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *eps_st = rh__sqlite_stmt(s, S_DUE_ENDPOINTS),
                 *rows_st = rh__sqlite_stmt(s, S_ENDPOINT_DUE),
                 *take = rh__sqlite_stmt(s, S_CLAIM_TAKE);
    fair_claim fc = {req,  rh_claim_request_max(req), NULL, 0, NULL, 0, NULL, 0,
                     NULL, 0,    NULL};
    int64_t now = rh_claim_request_now_ms(req);
    int rc;
    if (!eps_st || !rows_st || !take)
        return RH_E_STORAGE;
    if (fc.max == 0)
        return 0;
    fc.eps = calloc(fc.max, sizeof *fc.eps);
    fc.chosen = calloc(fc.max, sizeof *fc.chosen);
    fc.groups = calloc(fc.max, sizeof *fc.groups);
    fc.group_eps = calloc(fc.max, sizeof *fc.group_eps);
    if (!fc.eps || !fc.chosen || !fc.groups || !fc.group_eps) {
        free(fc.eps);
        free(fc.chosen);
        free(fc.groups);
        free(fc.group_eps);
        return RH_E_NOMEM;
    }
    rh__sqlite_tick_path(s, 1);
    rh__sqlite_claim_sync(s, 1);
    /* Under the write lock: nobody else claims the rows we read. */
    if ((rc = rh__sqlite_begin(s)) == RH_OK) {
        rc = scan_endpoints(s, eps_st, &fc, now);
        if (rc == RH_OK)
            rc = read_rows(s, rows_st, &fc, now);
        if (rc == RH_OK) {
            take_turns(&fc);
            rc = lease_chosen(s, take, &fc);
        }
        rc = rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
    }
    /* Committed: only now is anything handed back. */
    for (size_t i = 0; rc == RH_OK && i < fc.taken; i++) {
        int r = each(fc.chosen[i]->dl, fc.chosen[i]->ev, each_ud);
        if (r < 0)
            rc = r;
    }
    for (size_t i = 0; i < fc.n_rows; i++) {
        rh_delivery_free(fc.rows[i].dl);
        rh_event_free(fc.rows[i].ev);
    }
    rh__sqlite_claim_sync(s, 0);
    rh__sqlite_tick_path(s, 0);
    free(fc.rows);
    free(fc.eps);
    free(fc.chosen);
    free(fc.groups);
    free(fc.group_eps);
    return rc == RH_OK ? (int)fc.taken : rc;
}
