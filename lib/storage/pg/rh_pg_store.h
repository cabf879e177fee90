/* replicer-hooks PostgreSQL storage, private: the store, its statements and
 * the connection and transaction helpers shared by the adapter's files. */
#ifndef RH_PG_STORE_H
#define RH_PG_STORE_H

#include <replicer-hooks/rh_pg.h>

#include <libpq-fe.h>

#define RH_ADAPTER_HELPERS_ONLY
#include "rh_adapter.h"
#undef RH_ADAPTER_HELPERS_ONLY

#include <stdio.h>

#define SCHEMA_VERSION 4
#define POLL_MS 1000        /* other processes add work: look this often */
#define BACKOFF_MIN_MS 200  /* reconnect attempts, doubling ... */
#define BACKOFF_MAX_MS 5000 /* ... up to this */

typedef struct store {
    PGconn *conn;
    int owned;
    int own_txn;
    int batch_txn;    /* batch_begin opened BEGIN */
    int pipelined;    /* that batch's enqueues are pipelined */
    int batch_failed; /* and one of them failed: the commit must fail */
    int n_unread;     /* statements sent in the pipeline, not yet read */
    char schema[64];
    char *sql[S_COUNT];
    unsigned char prepared[S_COUNT]; /* on this connection's session */
    int64_t retry_at_ms;
    int64_t backoff_ms;
    char err[512];
} store;

#define I64(buf, v) (snprintf(buf, sizeof buf, "%lld", (long long)(v)), buf)

/* "{a,b,c}": ids and numbers need no quoting in an array literal. */
typedef struct arr {
    char *buf;
    size_t len, cap;
} arr;

typedef int (*row_fn)(store *s, const PGresult *r, int row, void *fn_ud);

int64_t rh__pg_mono_ms(void);
char *rh__pg_expand(const char *tmpl, const char *schema);
int rh__pg_fail(store *s, const char *what, const PGresult *res);
int rh__pg_ensure(store *s);
int rh__pg_exec_simple(store *s, const char *sql, const char *what);
int rh__pg_begin(store *s);
int rh__pg_rollback(store *s, int rc);
int rh__pg_commit(store *s);
void rh__pg_statement_name(const store *s, int which, char *out, size_t n);
int rh__pg_prepare(store *s, int which);
int rh__pg_send_prepared(store *s, int which, int n, const char *const *vals,
                         const int *lens, const int *binary);
PGresult *rh__pg_run(store *s, int which, int n, const char *const *vals,
                     const int *lens, const int *binary, const char *what);
int64_t rh__pg_col_i64(const PGresult *r, int row, int col);
int rh__pg_for_each_row(store *s, PGresult *r, row_fn fn, void *fn_ud);
int rh__pg_pipeline_sync(store *s, int rc, const char *what);
int rh__pg_pipeline_sync_read(store *s);
int rh__pg_pipeline_drain(store *s);
int rh__pg_row_delivery(store *s, const PGresult *r, int i, rh_delivery **out);
unsigned char *rh__pg_col_bytea(const PGresult *r, int i, int c, size_t *len);
int rh__pg_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                 rh_claim_cb each, void *each_ud, void *ud);
int rh__pg_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                       void *each_ud, void *ud);
/* The delivery log's slots (rh_pg_log.c). update_failed resends or skips
 * (statement which) one failed delivery; recover is both recoveries, q NULL
 * for the one by endpoint and time; prune returns how many went. */
int rh__pg_query_attempts(store *s, const rh_query *q, rh_attempt_cb each,
                          void *each_ud);
int rh__pg_query_deliveries(store *s, const rh_query *q, rh_delivery_cb each,
                            void *each_ud);
int rh__pg_update_failed(store *s, int which, const char *id, int64_t now_ms,
                         const char *what);
int rh__pg_recover(store *s, const char *endpoint_id, const rh_query *q,
                   int64_t since_ms, int64_t now_ms);
int rh__pg_prune(store *s, const char *tenant, int64_t before_ms,
                 size_t max); /* tenant NULL: all */
int rh__pg_count_open(store *s, const char *tenant, size_t cap);
int rh__pg_delivery_event(store *s, const char *delivery_id,
                          rh_claimed_cb each, void *each_ud);
int rh__pg_endpoint_health(store *s, const char *endpoint_id, int64_t *out);
int rh__pg_queue_figures(store *s, int64_t now_ms, int64_t failed_since_ms,
                         int group, rh_queue_figures_cb each, void *each_ud);
/* One write of JSON text (v[n - 1], copied NUL-terminated for libpq) in
 * its own transaction: RH_E_NOT_FOUND when need_row and no row changed. */
int rh__pg_write_json(store *s, int which, const char **v, int n,
                      const char *json, size_t len, int need_row,
                      const char *what);
/* The endpoint state slots (rh_pg_state.c). */
int rh__pg_state_save(const char *endpoint_id, const char *part,
                      const char *json, size_t len, void *ud);
int rh__pg_state_load(rh_endpoint_part_cb each, void *each_ud, void *ud);
int rh__pg_document_save(const char *kind, const char *key, const char *json,
                         size_t len, void *ud);
int rh__pg_document_load(const char *kind, rh_document_cb each, void *each_ud,
                         void *ud);
int rh__pg_schema_name_ok(const char *n);
int rh__pg_migrate(store *s);

int rh__pg_arr_add(arr *a, const char *item);
int rh__pg_statements(store *s);

#endif
