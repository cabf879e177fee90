/* replicer-hooks event-loop integration: for hosts with their own loop
 * (libuv, libevent, epoll), the library says which sockets to watch and when
 * to wake it, as libcurl's multi_socket API and c-ares do. */
#ifndef RH_LOOP_H
#define RH_LOOP_H

#include "rh_common.h"

RH_BEGIN_DECLS

/** What to watch a socket for (bits), or RH_POLL_REMOVE to stop. */
enum { RH_POLL_IN = 1, RH_POLL_OUT = 2, RH_POLL_REMOVE = 4 };

/** Watch fd for `what` (RH_POLL_IN | RH_POLL_OUT), or forget it
 *  (RH_POLL_REMOVE). May fire inside any call on the context, even
 *  rh_ctx_free(); do not call the context from it. */
typedef void (*rh_socket_cb)(int fd, unsigned int what, void *userdata);
/** Call rh_tick() after timeout_ms (0: as soon as you can); -1: no timer.
 *  Each call replaces the previous timer. */
typedef void (*rh_timer_cb)(int64_t timeout_ms, void *userdata);

/**
 * Set both to drive the context from your loop: watch the sockets you are
 * told, call rh_process_fd() when one is ready and rh_tick() when the timer
 * fires. Without them, call rh_tick() every rh_next_timeout_ms() (and
 * rh_wait() between). rh_ctx_new() refuses one without the other.
 * @return RH_OK, RH_E_INVALID_ARG. @since 0.1.0
 */
RH_EXTERN int rh_config_set_socket_cb(rh_config *cfg, rh_socket_cb cb,
                                      void *userdata);
RH_EXTERN int rh_config_set_timer_cb(rh_config *cfg, rh_timer_cb cb,
                                     void *userdata);

/**
 * A watched socket is ready: `events` is RH_POLL_IN and/or RH_POLL_OUT (0
 * when the loop cannot tell). Finishes what that makes possible and records
 * finished attempts, like rh_tick() but without claiming new work.
 * @return the number of attempts finished, RH_E_STORAGE, RH_E_NOMEM,
 *         RH_E_INVALID_ARG (no socket callback configured), RH_E_REENTRANT.
 * @since 0.1.0
 */
RH_EXTERN int rh_process_fd(rh_ctx *ctx, int fd, unsigned int events);

RH_END_DECLS

#endif /* RH_LOOP_H */
