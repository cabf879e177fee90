/* replicer-hooks event-type catalog: the event types a host sends, each
 * with a description, a group, an example payload, an optional JSON Schema
 * and a state, kept in the store for every process sharing it, so that a
 * customer picks from a menu instead of typing free text. A strict catalog
 * refuses emits and subscriptions it does not know. Included by rh.h;
 * docs/design.md says where the catalog lives and how it is refreshed. */
#ifndef RH_CATALOG_H
#define RH_CATALOG_H

#include "rh_common.h"

RH_BEGIN_DECLS

/** The most bytes of an event type's description (UTF-8, newlines
 *  allowed). @since 0.3.0 */
#define RH_EVENT_TYPE_DESCRIPTION_MAX 2048
/** The longest group name: 1 to this many of [A-Za-z0-9_.-]. @since 0.3.0 */
#define RH_EVENT_TYPE_GROUP_MAX 64
/** The most bytes of an event type's JSON Schema document. @since 0.3.0 */
#define RH_EVENT_TYPE_SCHEMA_MAX 262144

/** An event type's state in the catalog. @since 0.3.0 */
typedef enum rh_catalog_state {
    RH_EVENT_TYPE_ACTIVE = 0,
    /* still sent; each emit of it is counted (RH_STAT_DEPRECATED_EMITS)
     * and told once per context to the event-type callback */
    RH_EVENT_TYPE_DEPRECATED = 1,
    /* hidden from pickers (rh_event_type_list leaves it out unless asked);
     * in strict mode an emit of it is refused as unknown */
    RH_EVENT_TYPE_ARCHIVED = 2,
    RH_EVENT_TYPE_STATE_COUNT = 3 /* how many there are */
} rh_catalog_state;

/** "active", "deprecated", "archived"; NULL past the last. @since 0.3.0 */
RH_EXTERN const char *rh_event_type_state_name(int state);

/** What the event-type callback is told. @since 0.3.0 */
typedef enum rh_event_type_notice {
    /* an emit of a deprecated type: told once per context and type */
    RH_EVENT_TYPE_DEPRECATED_EMITTED = 1
} rh_event_type_notice;

/** Called on the emitting thread, with calls on the context refused; the
 *  type's name is borrowed for the call. @since 0.3.0 */
typedef void (*rh_event_type_notice_cb)(const char *event_type, int notice,
                                        void *userdata);
/** Set the event-type callback (NULL: none). @return RH_OK,
 *  RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_config_set_event_type_cb(rh_config *cfg,
                                          rh_event_type_notice_cb cb,
                                          void *userdata);

/* ------------------------------------------------------------ definitions */

/** What a definition sets: each setter marks its field as given, and a
 *  define of a type that exists changes the given fields only.
 *  @since 0.3.0 */
typedef struct rh_event_type_options rh_event_type_options;

/** @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_type_options_new(rh_event_type_options **out);
/** NULL is a no-op. @since 0.3.0 */
RH_EXTERN void rh_event_type_options_free(rh_event_type_options *opts);
/** Copied; NULL or "": none. Checked by rh_event_type_define.
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_type_options_set_description(rh_event_type_options *o,
                                                    const char *text);
/** Copied; NULL or "": the default, the part of the name before its first
 *  dot. @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_type_options_set_group(rh_event_type_options *o,
                                              const char *group);
/** An example payload: what an emit of the type would carry as its data
 *  (one JSON object, checked as an emit's data is, with no integer beyond
 *  64 bits, so that an export imports again). Copied; NULL: none; an
 *  empty text is refused.
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_type_options_set_example(rh_event_type_options *o,
                                                const char *json, size_t len);
/** A JSON Schema of the data (one JSON object of at most
 *  RH_EVENT_TYPE_SCHEMA_MAX bytes), kept and served as documentation;
 *  payloads are not validated against it. Copied; NULL: none; an empty
 *  text is refused.
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM. @since 0.3.0 */
RH_EXTERN int rh_event_type_options_set_schema(rh_event_type_options *o,
                                               const char *json, size_t len);

/** What rh_event_type_define did. @since 0.3.0 */
typedef enum rh_define_result {
    RH_DEFINE_UNCHANGED = 0, /* stored already, exactly so */
    RH_DEFINE_CREATED = 1,
    RH_DEFINE_UPDATED = 2
} rh_define_result;

/**
 * Define an event type, or update one (the options' given fields only; a
 * new type is active), and store it for every process sharing the store.
 * name follows the emit rules; opts may be NULL. An update of an archived
 * or deprecated type keeps its state (rh_event_type_set_state changes it).
 * @return an rh_define_result, or RH_E_INVALID_ARG (rh_ctx_last_error_arg
 *         names the field: RH_ARG_EVENT_TYPE, RH_ARG_DESCRIPTION,
 *         RH_ARG_GROUP, RH_ARG_EXAMPLE, RH_ARG_SCHEMA), RH_E_TOO_LARGE (an
 *         example over the data limit, a schema over
 *         RH_EVENT_TYPE_SCHEMA_MAX), RH_E_UNSUPPORTED (a store without the
 *         document slots), RH_E_STORAGE, RH_E_NOMEM, RH_E_REENTRANT.
 * @since 0.3.0
 */
RH_EXTERN int rh_event_type_define(rh_ctx *ctx, const char *name,
                                   const rh_event_type_options *opts);

/** Set a type's state (rh_catalog_state): deprecate, archive, or make
 *  it active again. @return RH_OK, RH_E_NOT_FOUND, RH_E_INVALID_ARG,
 *  RH_E_STORAGE, RH_E_UNSUPPORTED, RH_E_REENTRANT. @since 0.3.0 */
RH_EXTERN int rh_event_type_set_state(rh_ctx *ctx, const char *name, int state);

/* ------------------------------------------------------------- reading */

/** One event type, as the catalog holds it. @since 0.3.0 */
typedef struct rh_event_type_info rh_event_type_info;

/** A copy of a type read from the store now, freed with
 *  rh_event_type_free. @return RH_OK, RH_E_NOT_FOUND, RH_E_INVALID_ARG,
 *  RH_E_STORAGE, RH_E_NOMEM, RH_E_REENTRANT. @since 0.3.0 */
RH_EXTERN int rh_event_type_get(rh_ctx *ctx, const char *name,
                                rh_event_type_info **out);
/** NULL is a no-op. @since 0.3.0 */
RH_EXTERN void rh_event_type_free(rh_event_type_info *et);

/** The getters: borrowed, valid while et lives; "" or NULL as noted. */
RH_EXTERN const char *rh_event_type_name(const rh_event_type_info *et);
/** "" when it has none. @since 0.3.0 */
RH_EXTERN const char *rh_event_type_description(const rh_event_type_info *et);
/** Its group, the default one when none was given. @since 0.3.0 */
RH_EXTERN const char *rh_event_type_group(const rh_event_type_info *et);
/** The example's JSON text; NULL when it has none. @since 0.3.0 */
RH_EXTERN const char *rh_event_type_example(const rh_event_type_info *et);
/** The schema's JSON text; NULL when it has none. @since 0.3.0 */
RH_EXTERN const char *rh_event_type_schema(const rh_event_type_info *et);
/** An rh_catalog_state (RH_E_INVALID_ARG for NULL). @since 0.3.0 */
RH_EXTERN int rh_event_type_state(const rh_event_type_info *et);
/** When it was last defined or changed (the context's clock, Unix ms).
 *  @since 0.3.0 */
RH_EXTERN int64_t rh_event_type_updated_ms(const rh_event_type_info *et);

/** Called for each type listed; the type is borrowed for the call. Return
 *  RH_OK, or a negative code to stop (that value is returned). */
typedef int (*rh_event_type_cb)(const rh_event_type_info *et, void *userdata);

/**
 * A page of the catalog, read from the store now, by name: the types of
 * group (NULL: every group) whose name sorts after `after` (NULL or "":
 * from the first), at most limit (1 to 1000), archived ones only when
 * with_archived is not 0. A page's last name is the next page's `after`.
 * @return how many were handed to each, or a negative code (RH_E_INVALID_ARG,
 *         RH_E_STORAGE, RH_E_REENTRANT, or each's). @since 0.3.0
 */
RH_EXTERN int rh_event_type_list(rh_ctx *ctx, const char *group,
                                 const char *after, size_t limit,
                                 int with_archived, rh_event_type_cb each,
                                 void *userdata);

/* ---------------------------------------------------------- strict mode */

/**
 * Strict catalog, stored with it so that every process sharing the store
 * agrees: on (1), an emit of a type the catalog lacks or has archived is
 * refused (RH_E_INVALID_ARG, RH_ARG_EVENT_TYPE,
 * RH_REFUSAL_UNKNOWN_EVENT_TYPE), and so is an endpoint subscription
 * (exact type or pattern) that matches no active or deprecated type in it
 * (RH_ARG_EVENTS, RH_REFUSAL_NO_MATCHING_EVENT_TYPE). Off by default.
 * Other processes follow within their endpoint refresh.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_STORAGE, RH_E_UNSUPPORTED,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_catalog_set_strict(rh_ctx *ctx, int strict);
/** 1 when the catalog is strict, as this context last read it; 0 when not;
 *  RH_E_INVALID_ARG for a NULL ctx. @since 0.3.0 */
RH_EXTERN int rh_catalog_strict(const rh_ctx *ctx);

/* ------------------------------------------------------ import, export */

/**
 * Load a catalog from a JSON document: the project's own form (what
 * rh_catalog_export writes: {"strict": bool, "event_types": [{"name",
 * "description", "group", "example", "schema", "state"}]}; a field given
 * with the wrong type, or a name given twice, is a bad entry), or an OpenAPI
 * 3.1 document, whose "webhooks" entries become types (the key is the
 * name; the POST's description or summary, its first tag as the group
 * (characters a group cannot hold as '-'), its
 * JSON request body's schema, and its example as the example, the "data"
 * of an example envelope when it is one). Each type is defined as
 * rh_event_type_define would; an import twice changes nothing. A document
 * with one bad entry defines none of them.
 * @return how many types were created or changed, or RH_E_INVALID_ARG
 *         (RH_ARG_CATALOG, or the field of the entry named in the error),
 *         RH_E_TOO_LARGE, RH_E_STORAGE, RH_E_UNSUPPORTED, RH_E_NOMEM,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_catalog_import(rh_ctx *ctx, const char *json, size_t len);

/** Called once with a whole text (borrowed for the call); return RH_OK or
 *  a negative code. @since 0.3.0 */
typedef int (*rh_text_cb)(const char *text, size_t len, void *userdata);

/** The catalog as the store holds it now, in the project's JSON form
 *  (every type, archived ones too, by name), handed to each once.
 *  @return RH_OK, or a negative code (each's too). @since 0.3.0 */
RH_EXTERN int rh_catalog_export(rh_ctx *ctx, rh_text_cb each, void *userdata);

/* --------------------------------------------------------- test events */

/**
 * Send a type's example to one endpoint, now, as a real delivery: signed,
 * retried and logged like any other, of the endpoint's tenant, and marked
 * as a test (its event id begins "tst_" instead of "evt_", and its request
 * carries "X-Replicer-Test: 1"; docs/wire-format.md). The endpoint need not
 * subscribe to the type. The event's id goes to id_out (id_size 0: not
 * wanted).
 * @return 1 (the delivery queued), or RH_E_NOT_FOUND (no such type, or
 *         endpoint), RH_E_STATE (the type has no example or is archived;
 *         the endpoint is disabled), RH_E_BUFFER, RH_E_INVALID_ARG,
 *         RH_E_STORAGE, RH_E_FULL, RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_event_type_send_example(rh_ctx *ctx, const char *endpoint_id,
                                         const char *name, char *id_out,
                                         size_t id_size);

/** 1 when an event id is a test event's (rh_event_type_send_example), 0
 *  when not or NULL: what a log view marks. @since 0.3.0 */
RH_EXTERN int rh_event_id_is_test(const char *event_id);

RH_END_DECLS

#endif /* RH_CATALOG_H */
