/* replicer-hooks memory store's endpoint records: found by id in a hash map,
 * so that adding the 100,000th endpoint or saving one's state costs what the
 * first did (it was a scan of all of them), and kept in a list in the order
 * first saved, which endpoint_load hands back as the durable stores do. */
#include "rh_memqueue.h"

#include <string.h>

typedef struct mem_endpoint {
    char id[RH_ID_SIZE]; /* first: the id map's key */
    char *json;
    size_t len;
    struct mem_endpoint *prev, *next;
} mem_endpoint;

static void record_free(memstore *m, mem_endpoint *e)
{
    rh__wipe(e->json, e->len); /* it holds the secrets */
    rh__free(m->alloc, e->json);
    rh__free(m->alloc, e);
}

/* An id is kept to RH_ID_SIZE - 1 bytes, as it was stored; looked up the
 * same way, so that a longer one still names one record. */
int rh__mem_endpoint_save(memstore *m, const char *id, const char *json,
                          size_t len)
{
    char key[RH_ID_SIZE];
    mem_endpoint *e;
    char *copy = rh__memdup(m->alloc, json, len);
    if (!copy)
        return RH_E_NOMEM;
    rh__strlcpy(key, id, sizeof key);
    if ((e = rh__idmap_get(&m->eps, key)) != NULL) { /* replaced in place */
        rh__wipe(e->json, e->len);
        rh__free(m->alloc, e->json);
        e->json = copy;
        e->len = len;
        return RH_OK;
    }
    if (rh__idmap_reserve(&m->eps, m->alloc, 1) != RH_OK ||
        !(e = rh__calloc(m->alloc, sizeof *e))) {
        rh__free(m->alloc, copy);
        return RH_E_NOMEM;
    }
    memcpy(e->id, key, sizeof key);
    e->json = copy;
    e->len = len;
    e->prev = m->ep_tail;
    if (m->ep_tail)
        m->ep_tail->next = e;
    else
        m->ep_head = e;
    m->ep_tail = e;
    rh__idmap_put(&m->eps, e);
    return RH_OK;
}

int rh__mem_endpoint_remove(memstore *m, const char *id)
{
    char key[RH_ID_SIZE];
    rh__strlcpy(key, id, sizeof key);
    mem_endpoint *e = rh__idmap_del(&m->eps, key);
    if (!e)
        return RH_E_NOT_FOUND;
    if (e->prev)
        e->prev->next = e->next;
    else
        m->ep_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->ep_tail = e->prev;
    record_free(m, e);
    return RH_OK;
}

int rh__mem_endpoint_load(memstore *m, rh_endpoint_record_cb each,
                          void *each_ud)
{
    for (const mem_endpoint *e = m->ep_head; e; e = e->next) {
        int rc = each(e->json, e->len, each_ud);
        if (rc < 0)
            return rc;
    }
    return RH_OK;
}

void rh__mem_endpoints_free(memstore *m)
{
    for (mem_endpoint *e = m->ep_head, *next; e; e = next) {
        next = e->next;
        record_free(m, e);
    }
    m->ep_head = m->ep_tail = NULL;
    rh__idmap_free(&m->eps, m->alloc);
}
