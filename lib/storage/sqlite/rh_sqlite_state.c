/* replicer-hooks SQLite storage: the endpoint state and document slots.
 * Each part of an endpoint's state (health, enabled, paused) is a row of
 * its own, written by one short statement that touches no other part and
 * not the record, so that a worker's health save never writes over another
 * process's pause or edit. A document (the event-type catalog) is a row
 * keyed by its kind and key. */
#include "rh_sqlite_store.h"

int rh__sqlite_state_save(const char *endpoint_id, const char *part,
                          const char *json, size_t len, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_STATE_SAVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, endpoint_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, json, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE
             ? RH_OK
             : rh__sqlite_fail(s, "endpoint_state_save");
    rh__sqlite_done_with(st);
    if (rc == RH_OK && sqlite3_changes(s->db) == 0)
        rc = RH_E_NOT_FOUND; /* the endpoint is not stored */
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

int rh__sqlite_state_remove(store *s, const char *endpoint_id)
{
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_STATE_REMOVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_text(st, 1, endpoint_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE
             ? RH_OK
             : rh__sqlite_fail(s, "endpoint_remove");
    rh__sqlite_done_with(st);
    return rc;
}

typedef struct state_pass {
    rh_endpoint_part_cb each;
    void *each_ud;
} state_pass;

static int state_row(store *s, sqlite3_stmt *st, void *ud)
{
    const state_pass *p = ud;
    (void)s;
    return p->each((const char *)sqlite3_column_text(st, 0),
                   (const char *)sqlite3_column_text(st, 1),
                   (const char *)sqlite3_column_text(st, 2),
                   (size_t)sqlite3_column_bytes(st, 2), p->each_ud);
}

int rh__sqlite_state_load(rh_endpoint_part_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_STATE_LOAD);
    state_pass p = {each, each_ud};
    if (!st)
        return RH_E_STORAGE;
    int rc =
        rh__sqlite_for_each_row(s, st, "endpoint_state_load", state_row, &p);
    return rc < 0 ? rc : RH_OK;
}

/* ----------------------------------------------------------- documents */

int rh__sqlite_document_save(const char *kind, const char *key,
                             const char *json, size_t len, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_DOC_SAVE);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    if ((rc = rh__sqlite_begin(s)) != RH_OK)
        return rc;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, json, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? RH_OK
                                         : rh__sqlite_fail(s, "document_save");
    rh__sqlite_done_with(st);
    return rc == RH_OK ? rh__sqlite_commit(s) : rh__sqlite_rollback(s, rc);
}

typedef struct doc_pass {
    rh_document_cb each;
    void *each_ud;
} doc_pass;

static int doc_row(store *s, sqlite3_stmt *st, void *ud)
{
    const doc_pass *p = ud;
    (void)s;
    return p->each((const char *)sqlite3_column_text(st, 0),
                   (const char *)sqlite3_column_text(st, 1),
                   (size_t)sqlite3_column_bytes(st, 1), p->each_ud);
}

int rh__sqlite_document_load(const char *kind, rh_document_cb each,
                             void *each_ud, void *ud)
{
    store *s = ud;
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_DOC_LOAD);
    doc_pass p = {each, each_ud};
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    int rc = rh__sqlite_for_each_row(s, st, "document_load", doc_row, &p);
    return rc < 0 ? rc : RH_OK;
}
