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

/* The JSON holds the secrets: zeroed through a volatile pointer, which
 * the compiler cannot prove dead, before it is freed. */
static void json_free(memstore *m, char *json, size_t len)
{
    volatile char *p = json;
    while (len--)
        *p++ = 0;
    mem_free(m->alloc, json);
}

static void record_free(memstore *m, mem_endpoint *e)
{
    json_free(m, e->json, e->len);
    mem_free(m->alloc, e);
}

/* An id is kept to RH_ID_SIZE - 1 bytes, as it was stored; looked up the
 * same way, so that a longer one still names one record. */
int rh__mem_endpoint_save(memstore *m, const char *id, const char *json,
                          size_t len)
{
    char key[RH_ID_SIZE];
    mem_endpoint *e;
    char *copy = mem_malloc(m->alloc, len + 1);
    if (!copy)
        return RH_E_NOMEM;
    if (len)
        memcpy(copy, json, len);
    copy[len] = '\0';
    mem_copy_id(key, id);
    if ((e = rh__mem_map_get(&m->eps, key)) != NULL) { /* replaced in place */
        json_free(m, e->json, e->len);
        e->json = copy;
        e->len = len;
        return RH_OK;
    }
    if (rh__mem_map_reserve(&m->eps, m->alloc, 1) != RH_OK ||
        !(e = mem_calloc(m->alloc, sizeof *e))) {
        mem_free(m->alloc, copy);
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
    rh__mem_map_put(&m->eps, e);
    return RH_OK;
}

int rh__mem_endpoint_remove(memstore *m, const char *id)
{
    char key[RH_ID_SIZE];
    mem_copy_id(key, id);
    mem_endpoint *e = rh__mem_map_del(&m->eps, key);
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
    rh__mem_map_free(&m->eps, m->alloc);
}
