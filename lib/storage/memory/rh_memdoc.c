/* replicer-hooks memory store's documents (the event-type catalog): an
 * array kept in (kind, key) order, so that a load hands a kind's documents
 * back by key as the durable stores do. A catalog holds tens to a few
 * thousand types and changes rarely: a sorted array is all it needs. */
#include "rh_memqueue.h"

#include <string.h>

typedef struct mem_doc {
    char *kind, *key, *json;
    size_t len;
} mem_doc;

static int doc_cmp(const mem_doc *d, const char *kind, const char *key)
{
    int c = strcmp(d->kind, kind);
    return c ? c : strcmp(d->key, key);
}

/* The index of (kind, key), or where it would go, in *at; 1 when found. */
static int doc_find(const memstore *m, const char *kind, const char *key,
                    size_t *at)
{
    size_t lo = 0, hi = m->n_docs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = doc_cmp(m->docs[mid], kind, key);
        if (c == 0) {
            *at = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return 0;
}

static char *text_copy(const rh_allocator *a, const char *s, size_t n)
{
    char *c = mem_malloc(a, n + 1);
    if (c) {
        if (n)
            memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static void doc_free(memstore *m, mem_doc *d)
{
    if (!d)
        return;
    mem_free(m->alloc, d->kind);
    mem_free(m->alloc, d->key);
    mem_free(m->alloc, d->json);
    mem_free(m->alloc, d);
}

int rh__mem_document_save(memstore *m, const char *kind, const char *key,
                          const char *json, size_t len)
{
    size_t at;
    char *copy = text_copy(m->alloc, json, len);
    if (!copy)
        return RH_E_NOMEM;
    if (doc_find(m, kind, key, &at)) { /* replaced in place */
        mem_free(m->alloc, m->docs[at]->json);
        m->docs[at]->json = copy;
        m->docs[at]->len = len;
        return RH_OK;
    }
    if (m->n_docs == m->cap_docs) {
        size_t cap = m->cap_docs ? m->cap_docs * 2 : 16;
        mem_doc **grown = mem_malloc(m->alloc, cap * sizeof *grown);
        if (!grown) {
            mem_free(m->alloc, copy);
            return RH_E_NOMEM;
        }
        if (m->n_docs)
            memcpy(grown, m->docs, m->n_docs * sizeof *grown);
        mem_free(m->alloc, m->docs);
        m->docs = grown;
        m->cap_docs = cap;
    }
    mem_doc *d = mem_calloc(m->alloc, sizeof *d);
    if (d) {
        d->kind = text_copy(m->alloc, kind, strlen(kind));
        d->key = text_copy(m->alloc, key, strlen(key));
    }
    if (!d || !d->kind || !d->key) {
        doc_free(m, d);
        mem_free(m->alloc, copy);
        return RH_E_NOMEM;
    }
    d->json = copy;
    d->len = len;
    memmove(m->docs + at + 1, m->docs + at, (m->n_docs - at) * sizeof *m->docs);
    m->docs[at] = d;
    m->n_docs++;
    return RH_OK;
}

int rh__mem_document_load(memstore *m, const char *kind, rh_document_cb each,
                          void *each_ud)
{
    size_t at;
    doc_find(m, kind, "", &at); /* the first of the kind: "" sorts first */
    for (; at < m->n_docs && strcmp(m->docs[at]->kind, kind) == 0; at++) {
        int rc = each(m->docs[at]->key, m->docs[at]->json, m->docs[at]->len,
                      each_ud);
        if (rc < 0)
            return rc;
    }
    return RH_OK;
}

void rh__mem_documents_free(memstore *m)
{
    for (size_t i = 0; i < m->n_docs; i++)
        doc_free(m, m->docs[i]);
    mem_free(m->alloc, m->docs);
    m->docs = NULL;
    m->n_docs = m->cap_docs = 0;
}
