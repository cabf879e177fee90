/* replicer-hooks SQLite storage, private: the store, its statements and the
 * transaction helpers shared by the adapter's files (rh_sqlite*.c). */
#ifndef RH_SQLITE_STORE_H
#define RH_SQLITE_STORE_H

#include <replicer-hooks/rh_sqlite.h>

#include <sqlite3.h>

#define RH_ADAPTER_HELPERS_ONLY
#include "rh_adapter.h"
#undef RH_ADAPTER_HELPERS_ONLY

#define SCHEMA_VERSION 4
/* A shared file may gain work from another process: look at least this
 * often while anything is pending. */
#define POLL_MS 1000
/* How long an emit (or anything the host calls) waits for another process's
 * lock, and how long rh_tick's slots do: a tick must not stall its
 * transfers, so it gives up quickly and the engine tries again later. */
#define BUSY_MS 5000
#define TICK_BUSY_MS 10
/* WAL pages between automatic checkpoints on our own connection (SQLite's
 * default is 1,000). Each checkpoint costs two syncs and writes every
 * page again into the database file; a queue rewrites the same pages
 * (a delivery row: emit, claim, outcome) within that span, so a longer
 * one writes them to the file once. Measured by make bench: syncs per
 * delivery 1.06 -> 1.04 (FULL), 0.03 -> 0.01 (NORMAL). The cost is a WAL
 * of up to 16 MiB between checkpoints. */
#define AUTOCHECKPOINT_PAGES "4000"

typedef struct store {
    sqlite3 *db;
    int owned;
    int own_txn;      /* how this write is framed: one of the TXN_ below */
    int batch_txn;    /* batch_begin opened BEGIN */
    int batch_failed; /* a write in that batch failed: it must roll back */
    int sync_full;    /* our connection runs synchronous=FULL */
    sqlite3_stmt *stmt[S_COUNT];
    char err[256];
} store;

/* How one write is framed. Our writes join the host's transaction when
 * one is open (the outbox), as a SAVEPOINT so that each stays all or none
 * inside it; otherwise each is one IMMEDIATE transaction. Inside our own
 * emit batch they run bare: a SAVEPOINT makes SQLite copy every page it
 * touches to a sub-journal, which grows over the batch and spills to a
 * temporary file (37 KB written per emit, measured), so instead a failed
 * write fails the whole batch at its commit. */
enum { TXN_SAVEPOINT, TXN_OWN, TXN_IN_BATCH };

typedef int (*row_fn)(store *s, sqlite3_stmt *st, void *fn_ud);

int rh__sqlite_fail(store *s, const char *what);
sqlite3_stmt *rh__sqlite_stmt(store *s, int which);
void rh__sqlite_done_with(sqlite3_stmt *st);
/* v bound as text (not copied: it must outlive the step), or NULL. */
void rh__sqlite_bind_text_or_null(sqlite3_stmt *st, int i, const char *v);
void rh__sqlite_tick_path(store *s, int on);
void rh__sqlite_claim_sync(store *s, int claiming);
int rh__sqlite_begin(store *s);
int rh__sqlite_rollback(store *s, int rc);
int rh__sqlite_commit(store *s);
int rh__sqlite_row_delivery(store *s, sqlite3_stmt *st, rh_delivery **out);
int rh__sqlite_for_each_row(store *s, sqlite3_stmt *st, const char *slot,
                            row_fn fn, void *fn_ud);
int rh__sqlite_setup(store *s, unsigned int flags);
int rh__sqlite_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                     rh_claim_cb each, void *each_ud, void *ud);
int rh__sqlite_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                           void *each_ud, void *ud);
/* The endpoint state slots (rh_sqlite_state.c). */
int rh__sqlite_state_save(const char *endpoint_id, const char *part,
                          const char *json, size_t len, void *ud);
int rh__sqlite_state_load(rh_endpoint_part_cb each, void *each_ud, void *ud);
int rh__sqlite_document_save(const char *kind, const char *key,
                             const char *json, size_t len, void *ud);
int rh__sqlite_document_load(const char *kind, rh_document_cb each,
                             void *each_ud, void *ud);
/* Inside endpoint_remove's transaction: the endpoint's parts go with it. */
int rh__sqlite_state_remove(store *s, const char *endpoint_id);
/* The delivery log's slots (rh_sqlite_log.c). update_failed resends or
 * skips (statement which) one failed delivery; recover is both recoveries,
 * q NULL for the one by endpoint and time; prune returns how many went. */
int rh__sqlite_query_attempts(store *s, const rh_query *q, rh_attempt_cb each,
                              void *each_ud);
int rh__sqlite_query_deliveries(store *s, const rh_query *q,
                                rh_delivery_cb each, void *each_ud);
int rh__sqlite_update_failed(store *s, int which, const char *id,
                             int64_t now_ms, const char *what);
int rh__sqlite_recover(store *s, const char *endpoint_id, const rh_query *q,
                       int64_t since_ms, int64_t now_ms);
int rh__sqlite_prune(store *s, const char *tenant, int64_t before_ms,
                     size_t max); /* tenant NULL: all */
int rh__sqlite_count_open(store *s, const char *tenant, size_t cap);
int rh__sqlite_delivery_event(store *s, const char *delivery_id,
                              rh_claimed_cb each, void *each_ud);
int rh__sqlite_endpoint_health(store *s, const char *endpoint_id, int64_t *out);
int rh__sqlite_queue_figures(store *s, int64_t now_ms, int64_t failed_since_ms,
                             int group, rh_queue_figures_cb each,
                             void *each_ud);

#endif
