/* replicer-hooks PostgreSQL storage's claims: the fair claim (one statement,
 * FOR UPDATE SKIP LOCKED, per-endpoint room) and version 1's offer. */
#include "rh_pg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A result row's columns 0..8 as a delivery. */
int rh__pg_row_delivery(store *s, const PGresult *r, int i, rh_delivery **out)
{
    int rc = rh_delivery_new(
        out, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
        PQgetvalue(r, i, 3), (int)rh__pg_col_i64(r, i, 4),
        (int)rh__pg_col_i64(r, i, 5), rh__pg_col_i64(r, i, 6),
        rh__pg_col_i64(r, i, 7), rh__pg_col_i64(r, i, 8));
    return adapter_row_rc(rc, "delivery", s->err, sizeof s->err);
}

/* A bytea column, text format, decoded; *len 0 and "" for NULL. */
unsigned char *rh__pg_col_bytea(const PGresult *r, int i, int c, size_t *len)
{
    if (PQgetisnull(r, i, c)) {
        *len = 0;
        return PQunescapeBytea((const unsigned char *)"", len);
    }
    return PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, c), len);
}

/* A text element of an array literal, quoted: a tenant id may hold a
 * comma, a brace, a quote or a backslash. */
static int add_quoted(arr *a, const char *item)
{
    size_t n = strlen(item);
    char *q = malloc(2 * n + 3), *o = q;
    if (!q)
        return RH_E_NOMEM;
    *o++ = '"';
    for (; *item; item++) {
        if (*item == '"' || *item == '\\')
            *o++ = '\\';
        *o++ = *item;
    }
    *o++ = '"';
    *o = '\0';
    int rc = rh__pg_arr_add(a, q);
    free(q);
    return rc;
}

/* Row i of a claim's result (the delivery in columns 0..8, its event's
 * time and data in 9 and 10) as the records handed to the caller. */
static int claimed_records(store *s, const PGresult *r, int i, rh_delivery **dl,
                           rh_event **ev)
{
    size_t dlen = 0;
    unsigned char *data = rh__pg_col_bytea(r, i, 10, &dlen);
    int rc = data ? rh__pg_row_delivery(s, r, i, dl) : RH_E_NOMEM;
    *ev = NULL;
    if (rc == RH_OK)
        rc = rh_event_new(ev, PQgetvalue(r, i, 1), PQgetvalue(r, i, 3),
                          rh__pg_col_i64(r, i, 9), (const char *)data, dlen);
    if (rc == RH_OK &&
        (rc = rh_event_set_tenant(*ev, PQgetvalue(r, i, 11))) == RH_OK &&
        (rc = adapter_trace_set(
             *ev, PQgetisnull(r, i, 12) ? NULL : PQgetvalue(r, i, 12))) ==
            RH_OK)
        rc = rh_delivery_set_tenant(*dl, PQgetvalue(r, i, 11));
    PQfreemem(data);
    return adapter_row_rc(rc, "event", s->err, sizeof s->err);
}

int rh__pg_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                 rh_claim_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    char b1[24], b2[24];
    size_t budget = adapter_scan_budget(max), taken = 0;
    arr took = {0};
    int rc;
    if (max == 0)
        return 0;
    if ((rc = rh__pg_begin(s)) != RH_OK)
        return rc;
    /* the rows stay locked until commit: other workers skip them */
    const char *v[2] = {I64(b1, now_ms), I64(b2, (int64_t)budget)};
    PGresult *r = rh__pg_run(s, S_CLAIM_SCAN, 2, v, NULL, NULL, "claim");
    if (!r)
        return rh__pg_rollback(s, RH_E_STORAGE);
    for (int i = 0; i < PQntuples(r) && taken < max; i++) {
        rh_delivery *dl = NULL;
        rh_event *ev = NULL;
        rc = claimed_records(s, r, i, &dl, &ev);
        if (rc == RH_OK) {
            int want = each(dl, ev, each_ud);
            if (want < 0)
                rc = want;
            else if (want > 0) {
                rc = rh__pg_arr_add(&took, rh_delivery_id(dl));
                taken++;
            }
        }
        rh_delivery_free(dl);
        rh_event_free(ev);
        if (rc != RH_OK)
            break;
    }
    PQclear(r);
    /* what was accepted was started: mark it even if a callback failed */
    if (taken && (rc == RH_OK || (rc != RH_E_STORAGE && rc != RH_E_NOMEM))) {
        const char *tv[2] = {took.buf, I64(b1, lease_until_ms)};
        PGresult *t = rh__pg_run(s, S_CLAIM_TAKE, 2, tv, NULL, NULL, "claim");
        if (!t)
            rc = RH_E_STORAGE;
        PQclear(t);
    }
    free(took.buf);
    if (rc == RH_OK)
        rc = rh__pg_commit(s);
    else if (rc == RH_E_STORAGE || rc == RH_E_NOMEM)
        rc = rh__pg_rollback(s, rc);
    else if (rh__pg_commit(s) != RH_OK)
        rc = RH_E_STORAGE;
    return rc == RH_OK ? (int)taken : rc;
}

int rh__pg_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                       void *each_ud, void *ud)
{
    store *s = ud;
    char b[4][24];
    arr ids = {0}, rooms = {0};
    size_t max = rh_claim_request_max(req), n = 0;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    if (max == 0)
        return 0;
    for (size_t i = 0; rc == RH_OK && i < rh_claim_request_limit_count(req);
         i++) {
        rc = rh__pg_arr_add(&ids, rh_claim_request_limit_endpoint(req, i));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(
                &rooms,
                I64(b[0], (int64_t)rh_claim_request_limit_room(req, i)));
    }
    if (rc != RH_OK) {
        free(ids.buf);
        free(rooms.buf);
        return rc;
    }
    arr capped = {0}, tenants = {0}, troom = {0};
    for (size_t i = 0;
         rc == RH_OK && i < rh_claim_request_tenant_limit_count(req); i++) {
        const char *t = rh_claim_request_tenant_limit_tenant(req, i);
        size_t room = rh_claim_request_tenant_limit_room(req, i);
        rc = add_quoted(room ? &tenants : &capped, t);
        if (rc == RH_OK && room)
            rc = rh__pg_arr_add(&troom, I64(b[2], (int64_t)room));
    }
    size_t per_tenant = rh_claim_request_max_per_tenant(req);
    char nowb[24], maxb[24], leaseb[24];
    const char *v[11] = {
        I64(nowb, rh_claim_request_now_ms(req)),
        I64(maxb, (int64_t)max),
        ids.buf ? ids.buf : "{}",
        rooms.buf ? rooms.buf : "{}",
        I64(b[1], (int64_t)rh_claim_request_max_per_endpoint(req)),
        I64(leaseb, rh_claim_request_lease_until_ms(req)),
        rh_claim_request_tenant_after(req),
        capped.buf ? capped.buf : "{}",
        tenants.buf ? tenants.buf : "{}",
        troom.buf ? troom.buf : "{}",
        I64(b[3], (int64_t)(per_tenant ? per_tenant : max))};
    /* one statement: committed when it returns */
    PGresult *r = rc == RH_OK ? rh__pg_run(s, S_CLAIM_FAIR, 11, v, NULL, NULL,
                                           "claim")
                              : NULL;
    free(ids.buf);
    free(rooms.buf);
    free(capped.buf);
    free(tenants.buf);
    free(troom.buf);
    if (rc != RH_OK)
        return rc;
    if (!r)
        return RH_E_STORAGE;
    for (int i = 0; i < PQntuples(r) && rc == RH_OK; i++, n++) {
        rh_delivery *dl = NULL;
        rh_event *ev = NULL;
        rc = claimed_records(s, r, i, &dl, &ev);
        if (rc == RH_OK)
            rc = each(dl, ev, each_ud);
        rh_delivery_free(dl);
        rh_event_free(ev);
    }
    n = (size_t)PQntuples(r);
    PQclear(r);
    return rc < 0 ? rc : (int)n;
}

/* One delivery and its event, read as a claim row is (delivery_event). */
int rh__pg_delivery_event(store *s, const char *delivery_id,
                          rh_claimed_cb each, void *each_ud)
{
    rh_delivery *dl = NULL;
    rh_event *ev = NULL;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    const char *v[1] = {delivery_id};
    PGresult *r =
        rh__pg_run(s, S_DELIVERY_EVENT, 1, v, NULL, NULL, "delivery_event");
    if (!r)
        return RH_E_STORAGE;
    if (PQntuples(r) != 1)
        rc = RH_E_NOT_FOUND;
    else if ((rc = claimed_records(s, r, 0, &dl, &ev)) == RH_OK)
        rc = each(dl, ev, each_ud);
    PQclear(r);
    rh_delivery_free(dl);
    rh_event_free(ev);
    return rc;
}
