/* replicer-hooks PostgreSQL storage: the rh_storage contract for many
 * processes on many machines. Fair claims are one statement with FOR UPDATE
 * SKIP LOCKED and a lease, so work spreads without double sends; a tick's
 * outcomes go in one pipelined round trip; a lost connection is
 * re-established with backoff. These are the queue's slots and the table
 * over every slot; the delivery log's are in rh_pg_log.c, the claims in
 * rh_pg_claim.c. */
#include <replicer-hooks/rh_pg.h>

#include "rh_pg_store.h"

#include "rh_adapter.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- slots */

static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud)
{
    const char *v[2] = {id, NULL};
    return rh__pg_write_json(ud, S_EP_SAVE, v, 2, json, len, 0,
                             "endpoint_save");
}

static int s_endpoint_remove(const char *id, void *ud)
{
    store *s = ud;
    int rc = rh__pg_begin(s);
    if (rc != RH_OK)
        return rc;
    const char *v[1] = {id};
    PGresult *r =
        rh__pg_run(s, S_EP_REMOVE, 1, v, NULL, NULL, "endpoint_remove");
    rc = !r ? RH_E_STORAGE
            : (strcmp(PQcmdTuples(r), "0") == 0 ? RH_E_NOT_FOUND : RH_OK);
    PQclear(r);
    return rc == RH_OK ? rh__pg_commit(s) : rh__pg_rollback(s, rc);
}

static int endpoint_row(store *s, const PGresult *r, int i, void *ud)
{
    each_pass *p = ud;
    (void)s;
    return p->on_endpoint(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0),
                          p->each_ud);
}

static int s_endpoint_load(rh_endpoint_record_cb each, void *each_ud,
                           void *ud)
{
    store *s = ud;
    each_pass p = {each, NULL, NULL, each_ud};
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r =
        rh__pg_run(s, S_EP_LOAD, 0, NULL, NULL, NULL, "endpoint_load");
    if (!r)
        return RH_E_STORAGE;
    rc = rh__pg_for_each_row(s, r, endpoint_row, &p);
    return rc < 0 ? rc : RH_OK;
}

/* The statement that writes ev and its deliveries (S_DL_INSERT), or does so
 * behind an idempotency key (S_KEY_TAKE): its text parameters. */
typedef struct enqueue_params {
    arr ids, eps, att, nxt, cr, up;
    char ts[24], window[24], trace[ADAPTER_TRACE_SIZE];
    const char *v[16];
    int lens[16];
    int bin[16];
} enqueue_params;

static int enqueue_fill(enqueue_params *p, const rh_event *ev,
                        const rh_delivery *const *dls, size_t n,
                        const char *key, int64_t window_start_ms)
{
    char b[24];
    int rc = RH_OK;
    memset(p, 0, sizeof *p);
    for (size_t i = 0; rc == RH_OK && i < n; i++) {
        rc = rh__pg_arr_add(&p->ids, rh_delivery_id(dls[i]));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(&p->eps, rh_delivery_endpoint_id(dls[i]));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(&p->att, I64(b, rh_delivery_attempts(dls[i])));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(&p->nxt,
                                I64(b, rh_delivery_next_attempt_ms(dls[i])));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(&p->cr, I64(b, rh_delivery_created_ms(dls[i])));
        if (rc == RH_OK)
            rc = rh__pg_arr_add(&p->up, I64(b, rh_delivery_updated_ms(dls[i])));
    }
    const char *v[16] = {p->ids.buf ? p->ids.buf : "{}",
                         rh_event_id(ev),
                         rh_event_type(ev),
                         p->eps.buf ? p->eps.buf : "{}",
                         p->att.buf ? p->att.buf : "{}",
                         p->nxt.buf ? p->nxt.buf : "{}",
                         p->cr.buf ? p->cr.buf : "{}",
                         p->up.buf ? p->up.buf : "{}",
                         I64(p->ts, rh_event_timestamp_ms(ev)),
                         rh_event_data(ev),
                         rh_event_ordering_key(ev),
                         rh_event_ordering_holds(ev) ? "1" : "0",
                         rh_event_tenant(ev),
                         adapter_trace_text(ev, p->trace),
                         key,
                         I64(p->window, window_start_ms)};
    memcpy(p->v, v, sizeof v);
    p->lens[9] = (int)rh_event_data_len(ev);
    p->bin[9] = 1;
    return rc;
}

static void enqueue_free(enqueue_params *p)
{
    free(p->ids.buf);
    free(p->eps.buf);
    free(p->att.buf);
    free(p->nxt.buf);
    free(p->cr.buf);
    free(p->up.buf);
}

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    store *s = ud;
    enqueue_params p;
    if (n == 0)
        return RH_OK;
    int rc = enqueue_fill(&p, ev, dls, n, NULL, 0);
    if (rc == RH_OK && !s->pipelined)
        rc = rh__pg_ensure(s);
    if (rc == RH_OK && s->pipelined) {
        /* in a batch: sent now, its answer read at the commit (or every so
         * often, so that answers never pile up unread) */
        rc = rh__pg_send_prepared(s, S_DL_INSERT, 14, p.v, p.lens, p.bin);
        if (rc == RH_OK && ++s->n_unread >= 256)
            rc = rh__pg_pipeline_sync_read(s);
    } else if (rc == RH_OK) {
        PGresult *r =
            rh__pg_run(s, S_DL_INSERT, 14, p.v, p.lens, p.bin, "enqueue");
        rc = r ? RH_OK : RH_E_STORAGE;
        PQclear(r);
    }
    enqueue_free(&p);
    return rc;
}

/* One statement, so one transaction of its own, decided by the key's
 * unique index; a held key is read back by a second statement, whose fresh
 * snapshot sees the holder that committed while the first one waited. */
static int s_enqueue_keyed(const rh_event *ev, const rh_delivery *const *dls,
                           size_t n, const char *key, int64_t window_start_ms,
                           char *held_event_id, void *ud)
{
    store *s = ud;
    enqueue_params p;
    int rc = enqueue_fill(&p, ev, dls, n, key, window_start_ms);
    if (rc == RH_OK)
        rc = rh__pg_ensure(s);
    PGresult *r = rc == RH_OK ? rh__pg_run(s, S_KEY_TAKE, 16, p.v, p.lens,
                                           p.bin, "enqueue_keyed")
                              : NULL;
    if (rc == RH_OK && !r)
        rc = RH_E_STORAGE;
    if (r && strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
        const char *hv[1] = {key};
        PGresult *h =
            rh__pg_run(s, S_KEY_HELD, 1, hv, NULL, NULL, "enqueue_keyed");
        if (h && PQntuples(h) == 1) {
            snprintf(held_event_id, RH_ID_SIZE, "%s", PQgetvalue(h, 0, 0));
            rc = 1;
        } else {
            rc = RH_E_STORAGE;
            if (h)
                snprintf(s->err, sizeof s->err,
                         "enqueue_keyed: the key's holder went away");
        }
        PQclear(h);
    }
    PQclear(r);
    enqueue_free(&p);
    return rc;
}

/* The statement and parameters that store one outcome: the delivery's new
 * state alone, or with its attempt in one statement (appended only if the
 * delivery exists). The texts live in b. */
typedef struct outcome_params {
    char b[12][24];
    const char *v[18];
    int lens[18];
    int bin[18];
    int which, n;
} outcome_params;

static void outcome_fill(outcome_params *o, const rh_delivery *dl,
                         const rh_attempt *at)
{
    int state = rh_delivery_state(dl);
    const char *dv[6] = {rh_delivery_id(dl),
                         I64(o->b[0], state),
                         I64(o->b[1], rh_delivery_attempts(dl)),
                         I64(o->b[2], rh_delivery_next_attempt_ms(dl)),
                         I64(o->b[3], state == RH_DELIVERY_PENDING
                                          ? rh_delivery_next_attempt_ms(dl)
                                          : 0),
                         I64(o->b[4], rh_delivery_updated_ms(dl))};
    memset(o->lens, 0, sizeof o->lens);
    memset(o->bin, 0, sizeof o->bin);
    if (!at) {
        memcpy(o->v, dv, sizeof dv);
        o->which = S_DL_UPDATE;
        o->n = 6;
        return;
    }
    const char *av[18] = {rh_delivery_id(dl),
                          rh_attempt_endpoint_id(at),
                          rh_attempt_event_id(at),
                          rh_attempt_event_type(at),
                          I64(o->b[5], rh_attempt_number(at)),
                          I64(o->b[6], rh_attempt_started_ms(at)),
                          I64(o->b[7], rh_attempt_duration_ms(at)),
                          I64(o->b[8], rh_attempt_status(at)),
                          I64(o->b[9], rh_attempt_success(at)),
                          I64(o->b[10], rh_attempt_outcome(at)),
                          rh_attempt_response(at),
                          rh_attempt_error(at),
                          dv[1],
                          dv[2],
                          dv[3],
                          dv[4],
                          dv[5],
                          rh_attempt_tenant(at)};
    memcpy(o->v, av, sizeof av);
    o->lens[10] = (int)rh_attempt_response_len(at);
    o->bin[10] = 1;
    o->which = S_AT_INSERT;
    o->n = 18;
}

static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    store *s = ud;
    outcome_params o;
    int rc = rh__pg_ensure(s);
    PGresult *r;
    if (rc != RH_OK)
        return rc;
    outcome_fill(&o, dl, at);
    r = rh__pg_run(s, o.which, o.n, o.v, o.lens, o.bin, "complete");
    rc = !r ? RH_E_STORAGE
            : (strcmp(PQcmdTuples(r), "0") == 0 ? RH_E_NOT_FOUND : RH_OK);
    PQclear(r);
    return rc;
}

/* A tick's outcomes in one round trip: the statements are pipelined, and
 * between two syncs they are one implicit transaction, all or none. */
static int s_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud)
{
    store *s = ud;
    outcome_params o;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK || n == 0)
        return rc;
    if (n == 1) {
        rc = s_complete(dls[0], ats[0], ud);
        return rc == RH_E_NOT_FOUND ? RH_OK : rc;
    }
    if ((rc = rh__pg_prepare(s, S_DL_UPDATE)) != RH_OK ||
        (rc = rh__pg_prepare(s, S_AT_INSERT)) != RH_OK)
        return rc;
    if (!PQenterPipelineMode(s->conn))
        return rh__pg_fail(s, "complete_batch", NULL);
    for (size_t i = 0; i < n && rc == RH_OK; i++) {
        outcome_fill(&o, dls[i], ats[i]);
        rc = rh__pg_send_prepared(s, o.which, o.n, o.v, o.lens, o.bin);
    }
    rc = rh__pg_pipeline_sync(s, rc, "complete_batch");
    if (!PQexitPipelineMode(s->conn) && rc == RH_OK)
        rc = rh__pg_fail(s, "complete_batch", NULL);
    return rc;
}

/* ------------------------------------------------------------ emit batch */

/* On our own connection the batch's enqueues are pipelined: one round trip
 * for the lot instead of one per emit. The host's connection is left in
 * ordinary mode, so that the host may still use it between emits. */
static int s_batch_begin(void *ud)
{
    store *s = ud;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    s->batch_failed = 0;
    s->batch_txn = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    if (!s->batch_txn)
        return RH_OK; /* inside the host's transaction: its to commit */
    if (s->owned && rh__pg_prepare(s, S_DL_INSERT) == RH_OK &&
        PQenterPipelineMode(s->conn)) {
        s->pipelined = 1;
        if (PQsendQueryParams(s->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
            s->n_unread = 1;
            return RH_OK;
        }
        rc = rh__pg_fail(s, "batch_begin", NULL);
        rh__pg_pipeline_drain(s);
        s->batch_txn = 0;
        return rc;
    }
    if ((rc = rh__pg_exec_simple(s, "BEGIN", "batch_begin")) != RH_OK)
        s->batch_txn = 0;
    return rc;
}

static int s_batch_commit(void *ud)
{
    store *s = ud;
    int rc = RH_OK;
    if (!s->batch_txn)
        return RH_OK; /* inside the host's transaction: its to commit */
    s->batch_txn = 0;
    if (s->pipelined) {
        if (!s->batch_failed &&
            !PQsendQueryParams(s->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            rc = rh__pg_fail(s, "batch_commit", NULL);
        int drained = rh__pg_pipeline_drain(s);
        if (rc == RH_OK)
            rc = drained;
    } else if (!s->batch_failed) {
        rc = rh__pg_exec_simple(s, "COMMIT", "batch_commit");
    }
    if (rc == RH_OK && s->batch_failed)
        rc = RH_E_STORAGE; /* its text is the failed statement's */
    if (PQstatus(s->conn) == CONNECTION_OK &&
        PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK")); /* nothing of it was kept */
    s->batch_failed = 0;
    return rc;
}

/* On our own connection a batch is a pipeline: a keyed enqueue's verdict
 * would come back only at the commit. On the host's connection the batch
 * is a plain transaction, where it answers at once. */
static int s_batch_keys(void *ud)
{
    const store *s = ud;
    return !s->owned;
}

/* ---------------------------------------------------------- delivery log */

/* The log's slots, each on the store in rh_pg_log.c. */
static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud)
{
    return rh__pg_query_attempts(ud, q, each, each_ud);
}

static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud)
{
    return rh__pg_query_deliveries(ud, q, each, each_ud);
}

static int s_resend(const char *id, int64_t now_ms, void *ud)
{
    return rh__pg_update_failed(ud, S_RESEND, id, now_ms, "resend");
}

static int s_skip(const char *id, int64_t now_ms, void *ud)
{
    return rh__pg_update_failed(ud, S_SKIP, id, now_ms, "skip");
}

static int s_recover(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                     void *ud)
{
    return rh__pg_recover(ud, endpoint_id, NULL, since_ms, now_ms);
}

static int s_recover_matching(const rh_query *q, int64_t now_ms, void *ud)
{
    return rh__pg_recover(ud, rh_query_endpoint(q), q, rh_query_since_ms(q),
                          now_ms);
}

static int s_count_open(const char *tenant, size_t cap, void *ud)
{
    return rh__pg_count_open(ud, tenant, cap);
}

static int s_endpoint_health(const char *endpoint_id, int64_t *out, void *ud)
{
    return rh__pg_endpoint_health(ud, endpoint_id, out);
}

static int s_delivery_event(const char *delivery_id, rh_claimed_cb each,
                            void *each_ud, void *ud)
{
    return rh__pg_delivery_event(ud, delivery_id, each, each_ud);
}

static int s_queue_figures(int64_t now_ms, int64_t failed_since_ms, int group,
                           rh_queue_figures_cb each, void *each_ud, void *ud)
{
    return rh__pg_queue_figures(ud, now_ms, failed_since_ms, group, each,
                                each_ud);
}

static int s_prune(int64_t before_ms, size_t max, void *ud)
{
    return rh__pg_prune(ud, NULL, before_ms, max);
}

static int s_prune_tenant(const char *tenant, int64_t before_ms, size_t max,
                          void *ud)
{
    return rh__pg_prune(ud, tenant, before_ms, max);
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    store *s = ud;
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r = rh__pg_run(s, S_NEXT_DUE, 0, NULL, NULL, NULL, "next_due");
    if (!r)
        return RH_E_STORAGE;
    if (PQgetisnull(r, 0, 0)) {
        *due_out = -1;
    } else {
        int64_t due = rh__pg_col_i64(r, 0, 0);
        /* another process may add earlier work */
        *due_out = due < now_ms + POLL_MS ? due : now_ms + POLL_MS;
    }
    PQclear(r);
    return RH_OK;
}

static const char *s_last_error(void *ud)
{
    store *s = ud;
    return s->err;
}

static void s_destroy(void *ud)
{
    store *s = ud;
    for (int i = 0; i < S_COUNT; i++)
        free(s->sql[i]);
    if (s->owned && s->conn)
        PQfinish(s->conn);
    free(s);
}

/* ------------------------------------------------------------ opening */

static int finish(rh_storage *out, store *s, const char *schema, char *err,
                  size_t err_size)
{
    int rc = RH_OK;
    snprintf(s->schema, sizeof s->schema, "%s",
             schema ? schema : "replicer_hooks");
    rc = rh__pg_statements(s);
    if (rc == RH_OK)
        rc = rh__pg_migrate(s);
    if (rc != RH_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s", s->err);
        s_destroy(s);
        return rc;
    }
    adapter_fill(out, s);
    out->claim = rh__pg_claim; /* in the claim file */
    out->claim_batch = rh__pg_claim_batch;
    out->endpoint_state_save = rh__pg_state_save;
    out->endpoint_state_load = rh__pg_state_load;
    out->document_save = rh__pg_document_save;
    out->document_load = rh__pg_document_load;
    out->count_open = s_count_open;
    out->queue_figures = s_queue_figures;
    out->delivery_event = s_delivery_event;
    out->endpoint_health = s_endpoint_health;
    out->prune_tenant = s_prune_tenant;
    out->batch_keys = s_batch_keys;
    return RH_OK;
}

int rh_pg_new(rh_storage **out, const char *conninfo, const char *schema,
              char *err, size_t err_size)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = malloc(sizeof **out);
    if (!*out)
        return RH_E_NOMEM;
    int rc = rh_pg_open(*out, conninfo, schema, err, err_size);
    if (rc != RH_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int rh_pg_open(rh_storage *out, const char *conninfo, const char *schema,
               char *err, size_t err_size)
{
    store *s;
    if (!out || !conninfo || (schema && !rh__pg_schema_name_ok(schema)))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->owned = 1;
    s->conn = PQconnectdb(conninfo);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        if (err && err_size) {
            snprintf(err, err_size, "cannot connect: %s",
                     s->conn ? PQerrorMessage(s->conn) : "out of memory");
            size_t n = strlen(err);
            while (n && err[n - 1] == '\n')
                err[--n] = '\0';
        }
        s_destroy(s);
        return RH_E_STORAGE;
    }
    return finish(out, s, schema, err, err_size);
}

int rh_pg_attach(rh_storage *out, struct pg_conn *conn, const char *schema,
                 char *err, size_t err_size)
{
    store *s;
    if (!out || !conn || (schema && !rh__pg_schema_name_ok(schema)))
        return RH_E_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (!s)
        return RH_E_NOMEM;
    s->conn = conn;
    return finish(out, s, schema, err, err_size);
}
