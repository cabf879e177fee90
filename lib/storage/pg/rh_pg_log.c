/* replicer-hooks PostgreSQL storage's delivery log: the slots that look
 * back over what was sent (attempts and deliveries by query) and act on it
 * (a failed delivery resent or skipped, bulk recovery, retention's prune).
 * Apart from rh_pg.c, whose slots move the queue itself (enqueue, outcomes,
 * the pipelined emit batch): these read and rewrite the log's rows in the
 * caller's or retention's time, each a statement or a transaction of its
 * own. */
#include "rh_pg_store.h"

#include <limits.h>

#include <stdlib.h>
#include <string.h>

static int attempt_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    rh_attempt *at = NULL;
    size_t rlen = 0;
    unsigned char *resp = rh__pg_col_bytea(r, i, 11, &rlen);
    int rc =
        resp ? rh_attempt_new(&at, rh__pg_col_i64(r, i, 0), PQgetvalue(r, i, 1),
                              PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                              PQgetvalue(r, i, 4), (int)rh__pg_col_i64(r, i, 5),
                              rh__pg_col_i64(r, i, 6), rh__pg_col_i64(r, i, 7),
                              (int)rh__pg_col_i64(r, i, 8),
                              (int)rh__pg_col_i64(r, i, 9),
                              (int)rh__pg_col_i64(r, i, 10), (const char *)resp,
                              rlen, PQgetvalue(r, i, 12))
             : RH_E_NOMEM;
    PQfreemem(resp);
    if (rc == RH_OK &&
        (rc = rh_attempt_set_tenant(at, PQgetvalue(r, i, 13))) != RH_OK) {
        rh_attempt_free(at);
        at = NULL;
    }
    return adapter_give_attempt(p, rc, at, s->err, sizeof s->err);
}

/* A log query with its 12 parameters: one endpoint's page through the
 * endpoint's own index (which[2]; the tenant, if any, a filter beside it as
 * the 13th parameter), else a tenant's through the tenant's own (which[1]),
 * else the plain one (which[0]). */
static PGresult *run_log_query(store *s, const int which[3],
                               const char *const *v, const char *endpoint,
                               const char *tenant, const char *what)
{
    const char *vt[13];
    if (!tenant && !endpoint)
        return rh__pg_run(s, which[0], 12, v, NULL, NULL, what);
    memcpy(vt, v, 12 * sizeof *v);
    vt[12] = tenant;
    return rh__pg_run(s, endpoint ? which[2] : which[1], 13, vt, NULL, NULL,
                      what);
}

int rh__pg_query_attempts(store *s, const rh_query *q, rh_attempt_cb each,
                          void *each_ud)
{
    each_pass p = {NULL, each, NULL, each_ud};
    char b[7][24];
    adapter_type_filter f;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    adapter_type_filter_of(q, &f);
    const char *v[12] = {I64(b[0], rh_query_cursor(q)),
                         rh_query_endpoint(q),
                         rh_query_delivery(q),
                         rh_query_event(q),
                         I64(b[1], rh_query_failed_only(q)),
                         I64(b[2], rh_query_since_ms(q)),
                         I64(b[3], rh_query_until_ms(q)),
                         I64(b[4], (int64_t)rh_query_limit(q)),
                         f.exact,
                         f.prefix,
                         I64(b[5], rh_query_status(q)),
                         I64(b[6], rh_query_outcome(q))};
    static const int which[3] = {S_QUERY_ATTEMPTS, S_QUERY_ATTEMPTS_TENANT,
                                 S_QUERY_ATTEMPTS_ENDPOINT};
    PGresult *r = run_log_query(s, which, v, rh_query_endpoint(q),
                                rh_query_tenant(q), "query_attempts");
    return r ? rh__pg_for_each_row(s, r, attempt_row, &p) : RH_E_STORAGE;
}

static int delivery_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    rh_delivery *dl = NULL;
    int rc = rh__pg_row_delivery(s, r, i, &dl);
    if (rc == RH_OK && !PQgetisnull(r, i, 9))
        rc = rh_delivery_set_ordering_key(dl, PQgetvalue(r, i, 9));
    if (rc == RH_OK)
        rc = rh_delivery_set_tenant(dl, PQgetvalue(r, i, 10));
    if (rc != RH_OK && dl) {
        rh_delivery_free(dl);
        return adapter_row_rc(rc, "delivery", s->err, sizeof s->err);
    }
    return rc == RH_OK ? adapter_give_delivery(p, dl) : rc;
}

int rh__pg_query_deliveries(store *s, const rh_query *q, rh_delivery_cb each,
                            void *each_ud)
{
    each_pass p = {NULL, NULL, each, each_ud};
    char b[6][24];
    adapter_type_filter f;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    adapter_type_filter_of(q, &f);
    const char *v[12] = {rh_query_endpoint(q),
                         rh_query_delivery(q),
                         rh_query_event(q),
                         I64(b[0], rh_query_failed_only(q)),
                         I64(b[1], rh_query_state(q)),
                         I64(b[2], rh_query_since_ms(q)),
                         I64(b[3], rh_query_until_ms(q)),
                         I64(b[4], (int64_t)rh_query_limit(q)),
                         f.exact,
                         f.prefix,
                         rh_query_delivery_cursor_id(q),
                         I64(b[5], rh_query_delivery_cursor_ms(q))};
    static const int which[3] = {S_QUERY_DELIVERIES, S_QUERY_DELIVERIES_TENANT,
                                 S_QUERY_DELIVERIES_ENDPOINT};
    PGresult *r = run_log_query(s, which, v, rh_query_endpoint(q),
                                rh_query_tenant(q), "query_deliveries");
    return r ? rh__pg_for_each_row(s, r, delivery_row, &p) : RH_E_STORAGE;
}

/* An update of one failed delivery (resend, skip): RH_E_NOT_FOUND when it
 * is unknown, RH_E_STATE when it is not in the state the update needs. */
int rh__pg_update_failed(store *s, int which, const char *id, int64_t now_ms,
                         const char *what)
{
    char b[24];
    int rc = rh__pg_begin(s);
    if (rc != RH_OK)
        return rc;
    const char *v[2] = {id, I64(b, now_ms)};
    PGresult *r = rh__pg_run(s, which, 2, v, NULL, NULL, what);
    rc = r ? RH_OK : RH_E_STORAGE;
    if (r && strcmp(PQcmdTuples(r), "0") == 0) {
        PGresult *g = rh__pg_run(s, S_STATE_OF, 1, v, NULL, NULL, what);
        rc = !g ? RH_E_STORAGE : PQntuples(g) ? RH_E_STATE : RH_E_NOT_FOUND;
        PQclear(g);
    }
    PQclear(r);
    return rc == RH_OK ? rh__pg_commit(s) : rh__pg_rollback(s, rc);
}

/* Recovery of what q selects (its endpoint, event, event type and time
 * range), in one transaction. */
int rh__pg_recover(store *s, const char *endpoint_id, const rh_query *q,
                   int64_t since_ms, int64_t now_ms)
{
    char b1[24], b2[24], b3[24];
    adapter_type_filter f;
    int rc = rh__pg_begin(s), n = 0;
    if (rc != RH_OK)
        return rc;
    adapter_type_filter_of(q, &f);
    const char *v[8] = {endpoint_id,       I64(b1, since_ms),
                        I64(b2, now_ms),   I64(b3, rh_query_until_ms(q)),
                        rh_query_event(q), f.exact,
                        f.prefix,          rh_query_tenant(q)};
    PGresult *r = rh__pg_run(s, S_RECOVER, 8, v, NULL, NULL, "recover");
    rc = r ? RH_OK : RH_E_STORAGE;
    if (r)
        n = atoi(PQcmdTuples(r));
    PQclear(r);
    rc = rc == RH_OK ? rh__pg_commit(s) : rh__pg_rollback(s, rc);
    return rc == RH_OK ? n : rc;
}

/* One statement of two or three parameters (v2 NULL: two) whose answer is
 * one count. */
static int count_of(store *s, int which, const char *v0, const char *v1,
                    const char *v2, const char *what)
{
    int rc = rh__pg_ensure(s), n = 0;
    if (rc != RH_OK)
        return rc;
    const char *v[3] = {v0, v1, v2};
    PGresult *r = rh__pg_run(s, which, v2 ? 3 : 2, v, NULL, NULL, what);
    if (!r)
        return RH_E_STORAGE;
    if (PQntuples(r) == 1)
        n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

int rh__pg_prune(store *s, const char *tenant, int64_t before_ms, size_t max)
{
    char b1[24], b2[24];
    return count_of(s, tenant ? S_PRUNE_DELIVERIES_TENANT : S_PRUNE_DELIVERIES,
                    I64(b1, before_ms), I64(b2, (int64_t)max), tenant,
                    "prune");
}

/* A tenant's open deliveries, read through deliveries_open_due. */
int rh__pg_count_open(store *s, const char *tenant, size_t cap)
{
    char b[24];
    return count_of(s, S_COUNT_OPEN, tenant,
                    I64(b, (int64_t)(cap > INT_MAX ? INT_MAX : cap)), NULL,
                    "count_open");
}

/* The queue's figures: one statement, one snapshot. */
int rh__pg_queue_figures(store *s, int64_t now_ms, int64_t failed_since_ms,
                         int group, rh_queue_figures_cb each, void *each_ud)
{
    char b1[24], b2[24];
    const char *v[2] = {I64(b1, now_ms), I64(b2, failed_since_ms)};
    int which = group == RH_QUEUE_BY_ENDPOINT ? S_FIGURES_ENDPOINT
                : group == RH_QUEUE_BY_TENANT ? S_FIGURES_TENANT
                                              : S_FIGURES_TOTAL;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r = rh__pg_run(s, which, 2, v, NULL, NULL, "queue_figures");
    if (!r)
        return RH_E_STORAGE;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && rc == RH_OK; i++) {
        int64_t f[RH_QUEUE_FIGURE_COUNT];
        for (int k = 0; k < RH_QUEUE_FIGURE_COUNT; k++)
            f[k] = strtoll(PQgetvalue(r, i, k + 1), NULL, 10);
        rc = each(PQgetvalue(r, i, 0), f, RH_QUEUE_FIGURE_COUNT, each_ud);
    }
    PQclear(r);
    if (rc == RH_OK && rows == 0 && group == RH_QUEUE_TOTAL) {
        int64_t zero[RH_QUEUE_FIGURE_COUNT] = {0};
        rc = each("", zero, RH_QUEUE_FIGURE_COUNT, each_ud);
    }
    return rc;
}

/* An endpoint's health from its log: one statement. */
int rh__pg_endpoint_health(store *s, const char *endpoint_id, int64_t *out)
{
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    const char *v[1] = {endpoint_id};
    PGresult *r =
        rh__pg_run(s, S_ENDPOINT_HEALTH, 1, v, NULL, NULL, "endpoint_health");
    if (!r)
        return RH_E_STORAGE;
    for (int i = 0; i < 3; i++)
        out[i] = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, i), NULL, 10) : 0;
    PQclear(r);
    return RH_OK;
}
