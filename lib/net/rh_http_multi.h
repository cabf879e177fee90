/* replicer-hooks HTTP, private: the libcurl multi handles that carry the
 * transfers, a few hundred per handle (rh_http_multi.c; used by rh_http.c). */
#ifndef RH_HTTP_MULTI_H
#define RH_HTTP_MULTI_H

#include "rh_util.h"

#include <curl/curl.h>

typedef struct rh_multis rh_multis;
/* The host's socket callback (its own event loop), or NULL: then the
 * first handle is driven by curl_multi_perform and the others by the
 * sockets polled here. */
typedef void (*rh_multis_socket_fn)(int fd, unsigned int what, void *ud);

int rh__multis_new(rh_multis **out, const rh_allocator *a, size_t max_in_flight,
                   size_t idle,
                   rh_multis_socket_fn host_socket, void *host_ud);
void rh__multis_free(rh_multis *m);
/* Transfers per handle from now on (tests; before the first transfer). */
void rh__multis_set_per_handle(rh_multis *m, size_t per_handle);
/* Add a transfer to the first handle with room; *index says which. */
CURLMcode rh__multis_add(rh_multis *m, CURL *easy, size_t *index);
void rh__multis_remove(rh_multis *m, size_t index, CURL *easy);
/* The handles made so far, for reading their finished transfers. */
size_t rh__multis_count(const rh_multis *m);
CURLM *rh__multis_at(const rh_multis *m, size_t index);
/* Drive every handle once: the work curl_multi_perform does for one. */
CURLMcode rh__multis_perform(rh_multis *m);
/* The host's loop: fd is ready (events: RH_POLL_*; fd < 0: timers only). */
CURLMcode rh__multis_socket_action(rh_multis *m, int fd, unsigned int events);
int64_t rh__multis_timeout_ms(const rh_multis *m);
void rh__multis_wait(rh_multis *m, int timeout_ms);

#endif
