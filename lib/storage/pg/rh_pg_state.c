/* replicer-hooks PostgreSQL storage: the endpoint state slots. Each part of
 * an endpoint's state (health, enabled, paused) is a row of its own,
 * written by one statement that touches no other part and not the record,
 * so that a worker's health save never writes over another process's
 * pause or edit; the rows go with their endpoint (ON DELETE CASCADE). */
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
    PGresult *r = rh__pg_run(s, S_STATE_LOAD, 0, NULL, NULL, NULL,
                             "endpoint_state_load");
    if (!r)
        return RH_E_STORAGE;
    rc = rh__pg_for_each_row(s, r, state_row, &p);
    return rc < 0 ? rc : RH_OK;
}
