/* replicer-hooks catalog floor, private: the context's copy of what the
 * store keeps as documents for every process: the event-type catalog
 * (rh_catalog.c, its documents' form in rh_catalog_doc.c) and the tenants'
 * limits (rh_tenant_caps.c), with what emits, adds, subscriptions and
 * claims ask of them. The floor stands on the context and under the
 * endpoints, which check subscriptions and adds with it. */
#ifndef RH_EVENT_TYPES_H
#define RH_EVENT_TYPES_H

#include "rh_base.h"

/* The store's document kinds and the settings' key. */
#define RH__DOC_EVENT_TYPE "event_type"
#define RH__DOC_CATALOG "catalog"
#define RH__DOC_SETTINGS "settings"
#define RH__DOC_TENANT "tenant"

struct rh_event_type_info {
    const rh_allocator *alloc; /* the context's, or the default for a copy */
    char name[RH_TYPE_MAX + 1];
    char group[RH_EVENT_TYPE_GROUP_MAX + 1];       /* "": the default */
    char shown_group[RH_EVENT_TYPE_GROUP_MAX + 1]; /* what the getter says */
    char *description; /* never NULL: "" when none */
    char *example;     /* JSON text; NULL: none */
    char *schema;      /* JSON text; NULL: none */
    int state;
    int64_t updated_ms;
    int told; /* a deprecated emit was told to the host (kept by reloads) */
};

/* What a define gives; a field is given when its flag is set. */
struct rh_event_type_options {
    char *description, *group, *example, *schema; /* malloc'd; NULL: none */
    size_t example_len, schema_len;
    int has_description, has_group, has_example, has_schema;
};

/* One tenant's stored limits, and this context's account of them. */
typedef struct rh_tenant_caps {
    char tenant[RH_TENANT_MAX + 1];
    int64_t limit[RH_TENANT_LIMIT_COUNT]; /* 0: none */
    double tokens;       /* the rate's bucket, in this context */
    int64_t tokens_at_ms; /* 0: full */
    int64_t open;        /* open deliveries as last counted, plus emits */
    int64_t counted_ms;  /* when the store last counted them; 0: never */
    int full;            /* that count refused an emit */
} rh_tenant_caps;

typedef struct rh_catalog {
    rh_event_type_info **types; /* by name */
    size_t n, cap;
    int strict;
    rh_tenant_caps *caps; /* by tenant */
    size_t n_caps;
} rh_catalog;

/* rh_catalog.c: the cache, replaced by what the store holds (failing, it
 * stays as it was); freed with the context. */
int rh__catalog_load(rh_ctx *ctx);
void rh__catalog_free(rh_ctx *ctx);
rh_event_type_info *rh__catalog_find(const rh_ctx *ctx, const char *name);
/* Strict mode's checks (the error set), and an emit's notice. */
int rh__catalog_check_emit(rh_ctx *ctx, const char *type);
int rh__catalog_check_patterns(rh_ctx *ctx, const char *const *events,
                               size_t n);
void rh__catalog_emitted(rh_ctx *ctx, const char *type);
/* A definition checked and stored, and the cache updated: an
 * rh_define_result or a code (the error set). */
int rh__catalog_define(rh_ctx *ctx, const char *name,
                       const rh_event_type_options *opts);
int rh__catalog_store_type(rh_ctx *ctx, const rh_event_type_info *et);
/* rh_catalog_api.c: the cached type of that name (RH_OK, or the error
 * set: RH_E_INVALID_ARG, RH_E_NOT_FOUND). */
int rh__catalog_find_named(rh_ctx *ctx, const char *name,
                           rh_event_type_info **out);
/* et (the context's allocator) in the cache, in place of its namesake. */
int rh__catalog_put(rh_ctx *ctx, rh_event_type_info *et);

/* rh_tenant_caps.c: the stored limits read into c (the old copy's
 * counters carried over); a tenant's limits (NULL: none); the checks of an
 * add and an emit of n deliveries (the error set), and the emit's count;
 * the claim's room for a tenant with `running` in flight (limited set
 * when a limit of it applies) and a started transfer's token. */
int rh__tenant_caps_load(rh_ctx *ctx, rh_catalog *c, const rh_catalog *old);
rh_tenant_caps *rh__tenant_caps_find(const rh_ctx *ctx, const char *tenant);
int rh__tenant_check_add(rh_ctx *ctx, const char *tenant);
int rh__tenant_check_emit(rh_ctx *ctx, const char *tenant, size_t n);
void rh__tenant_emitted(rh_ctx *ctx, const char *tenant, size_t n);
size_t rh__tenant_room(rh_ctx *ctx, rh_tenant_caps *t, size_t running,
                       int64_t now);
void rh__tenant_take_token(rh_ctx *ctx, const char *tenant);
/* t's limits stored and put in the cache (the error set on failure). */
int rh__tenant_caps_put(rh_ctx *ctx, const rh_tenant_caps *t);

/* rh_catalog_doc.c: a type as its stored document and back; options
 * checked against the context's limits (the error set). */
int rh__event_type_encode(const rh_event_type_info *et, char **json,
                          size_t *len);
int rh__event_type_decode(const rh_allocator *a, const char *key,
                          const char *json, size_t len,
                          rh_event_type_info **out);
rh_event_type_info *rh__event_type_new(const rh_allocator *a, const char *name);
int rh__event_type_copy(const rh_allocator *a, const rh_event_type_info *from,
                        rh_event_type_info **out);
void rh__event_type_release(rh_event_type_info *et);
void rh__event_type_default_group(rh_event_type_info *et);
int rh__catalog_check_options(rh_ctx *ctx, const rh_event_type_options *o);
/* 1 to RH_EVENT_TYPE_GROUP_MAX of [A-Za-z0-9_.-] */
int rh__group_valid(const char *group);
/* 1 when two JSON texts (NULL: none) hold the same value */
int rh__json_same(const char *a, const char *b);

#endif
