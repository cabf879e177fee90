/* replicer-hooks PostgreSQL storage: the endpoint state and document
 * slots. Each part of an endpoint's state (health, enabled, paused) is a
 * row of its own, written by one statement that touches no other part and
 * not the record, so that a worker's health save never writes over another
 * process's pause or edit; the rows go with their endpoint (ON DELETE
 * CASCADE). A document (the event-type catalog) is a row keyed by its kind
 * and key. */
#include "rh_pg_store.h"

#include <stdlib.h>
#include <string.h>

int rh__pg_state_save(const char *endpoint_id, const char *part,
                      const char *json, size_t len, void *ud)
{
    const char *v[3] = {endpoint_id, part, NULL};
    return rh__pg_write_json(ud, S_STATE_SAVE, v, 3, json, len, 1,
                             "endpoint_state_save");
}

typedef struct state_pass {
    rh_endpoint_part_cb each;
    void *each_ud;
} state_pass;

static int state_row(store *s, const PGresult *r, int i, void *ud)
{
    const state_pass *p = ud;
    (void)s;
    return p->each(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2),
                   p->each_ud);
}

int rh__pg_state_load(rh_endpoint_part_cb each, void *each_ud, void *ud)
{
    store *s = ud;
    state_pass p = {each, each_ud};
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r =
        rh__pg_run(s, S_STATE_LOAD, 0, NULL, NULL, NULL, "endpoint_state_load");
    if (!r)
        return RH_E_STORAGE;
    rc = rh__pg_for_each_row(s, r, state_row, &p);
    return rc < 0 ? rc : RH_OK;
}

/* ----------------------------------------------------------- documents */

int rh__pg_document_save(const char *kind, const char *key, const char *json,
                         size_t len, void *ud)
{
    const char *v[3] = {kind, key, NULL};
    return rh__pg_write_json(ud, S_DOC_SAVE, v, 3, json, len, 0,
                             "document_save");
}

typedef struct doc_pass {
    rh_document_cb each;
    void *each_ud;
} doc_pass;

static int doc_row(store *s, const PGresult *r, int i, void *ud)
{
    const doc_pass *p = ud;
    (void)s;
    return p->each(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   (size_t)PQgetlength(r, i, 1), p->each_ud);
}

int rh__pg_document_load(const char *kind, rh_document_cb each, void *each_ud,
                         void *ud)
{
    store *s = ud;
    doc_pass p = {each, each_ud};
    const char *v[1] = {kind};
    int rc = rh__pg_ensure(s);
    if (rc != RH_OK)
        return rc;
    PGresult *r = rh__pg_run(s, S_DOC_LOAD, 1, v, NULL, NULL, "document_load");
    if (!r)
        return RH_E_STORAGE;
    rc = rh__pg_for_each_row(s, r, doc_row, &p);
    return rc < 0 ? rc : RH_OK;
}
