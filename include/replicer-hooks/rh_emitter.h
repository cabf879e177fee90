/* replicer-hooks emitter: emits from many host threads into one store, each
 * durable when it returns, where the emits that arrive while a commit is
 * under way are committed together by the next one (group commit). The
 * library starts no thread: the first waiting caller commits for the
 * others. Included by rh.h; docs/threading.md says which calls are
 * thread-safe. */
#ifndef RH_EMITTER_H
#define RH_EMITTER_H

#include "rh_common.h"

RH_BEGIN_DECLS

/* rh_emit_options is rh.h's, which includes this header after it. */
typedef struct rh_emitter rh_emitter;

/** The most emits one commit of an emitter takes; those beyond wait for
 *  the next. @since 0.3.0 */
#define RH_EMITTER_GROUP_MAX 1024

/**
 * What one emit through an emitter came to besides its return code, kept
 * apart from the other threads' emits: its event id, whether its
 * idempotency key was a repeat, and why it failed. One per thread, reused
 * from emit to emit. @since 0.3.0
 */
typedef struct rh_emit_result rh_emit_result;
/** @return RH_OK, RH_E_INVALID_ARG (out is NULL), RH_E_NOMEM. */
RH_EXTERN int rh_emit_result_new(rh_emit_result **out);
RH_EXTERN void rh_emit_result_free(rh_emit_result *result);
/** The event's id (its first event's on a repeated idempotency key); ""
 *  when the emit failed. Owned by result, valid until its next emit. */
RH_EXTERN const char *rh_emit_result_id(const rh_emit_result *result);
/** 1 when the idempotency key was used within the window (nothing was
 *  queued), else 0. */
RH_EXTERN int rh_emit_result_duplicate(const rh_emit_result *result);
/** Why the emit failed, as rh_ctx_last_error says it; "" when it did not. */
RH_EXTERN const char *rh_emit_result_error(const rh_emit_result *result);
/** The rh_arg and rh_refusal of the failure, as rh_ctx_last_error_arg and
 *  rh_ctx_last_error_refusal say them (RH_ARG_NONE, RH_REFUSAL_NONE). */
RH_EXTERN int rh_emit_result_error_arg(const rh_emit_result *result);
RH_EXTERN int rh_emit_result_error_refusal(const rh_emit_result *result);
/** How many emits shared the commit that made this one durable (1 when it
 *  went alone, 0 when it failed before any commit). */
RH_EXTERN size_t rh_emit_result_group_size(const rh_emit_result *result);

/**
 * An emitter over ctx, which it takes over: from then until
 * rh_emitter_free(), call nothing else on ctx (tick another context on
 * the same store to deliver; the emitter reloads the endpoints as a
 * claim does, every rh_config_set_endpoint_refresh_ms). The store must be
 * one that other contexts claim from: SQLite, PostgreSQL, or a host table
 * shared as storage.md says; the default memory store is private to its
 * context, so it is refused. The context's timer callback (rh_loop.h)
 * is not called while the emitter has it (it would run on the emitting
 * threads); rh_emitter_free() calls it with the timeout then.
 * @return RH_OK, RH_E_INVALID_ARG (NULL), RH_E_UNSUPPORTED (the memory
 *         store), RH_E_STATE (an emit batch is open on ctx, or it has an
 *         emitter already), RH_E_NOMEM,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_emitter_new(rh_ctx *ctx, rh_emitter **out);
/** Frees the emitter, not its context (the host's again). Call it when no
 *  thread is inside rh_emitter_emit(). NULL is a no-op. @since 0.3.0 */
RH_EXTERN void rh_emitter_free(rh_emitter *em);

/**
 * rh_emit_with, callable from any number of threads at once: returns when
 * the event is durable (or failed), with the deliveries it queued (0 for a
 * repeated idempotency key) and its own result in `result` (NULL: none
 * wanted). Emits that arrive while a commit is under way wait, and the
 * first of them commits them all in one storage transaction (one sync on
 * SQLite, one round trip and commit on PostgreSQL), at most
 * RH_EMITTER_GROUP_MAX at a time. An emit that is refused (bad type, data,
 * options, an unknown endpoint) fails alone; a commit that fails (a full
 * disk, a locked store, a lost connection) fails every emit of its group
 * with the store's error, and none of them is stored. An emit with an
 * idempotency key is in the group where the store's batch answers it
 * (SQLite, the memory store, PostgreSQL on the host's connection: the
 * storage table's batch_keys slot); elsewhere (PostgreSQL on its own
 * connection, whose batch is a pipeline) it commits on its own, after
 * the group. Emits of one thread are stored in the
 * order made (so ordering keys keep their order); emits of threads at once
 * are in no order among themselves.
 * @return as rh_emit_with; RH_E_REENTRANT when called from a callback of
 *         the emitter's own commit. @since 0.3.0
 */
RH_EXTERN int rh_emitter_emit(rh_emitter *em, const char *type,
                              const char *json, size_t json_len,
                              const rh_emit_options *opts,
                              rh_emit_result *result);

/**
 * Counts since rh_emitter_new(): emits taken, storage commits that kept
 * them (one per group, one per keyed emit; a commit that failed is not
 * one), and the most emits one leader took at once. Any pointer may be
 * NULL. @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0
 */
RH_EXTERN int rh_emitter_counts(rh_emitter *em, uint64_t *emits,
                                uint64_t *commits, uint64_t *largest_group);

RH_END_DECLS

#endif /* RH_EMITTER_H */
