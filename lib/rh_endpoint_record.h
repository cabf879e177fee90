/* replicer-hooks endpoint, private: its structure, record codec and
 * freeing (rh_endpoint_record.c). */
#ifndef RH_ENDPOINT_RECORD_H
#define RH_ENDPOINT_RECORD_H

#include "rh_util.h"

/* -------------------------------------------------------------- endpoints */
struct rh_endpoint {
    char id[RH_ID_SIZE];
    char *url;
    char **events;
    size_t n_events;
    int enabled;
    int paused; /* queued for, not sent to, until resumed (stored) */
    int64_t created_ms;
    char *secret;     /* "whsec_..." */
    char *old_secret; /* during a rotation's grace period, else NULL */
    int64_t old_secret_until_ms;
    char **hdr_names; /* custom request headers */
    char **hdr_values;
    size_t n_headers;
    size_t in_flight;       /* not stored: transfers running now */
    size_t claimed;         /* version-1 claim: taken, not started yet */
    size_t idle_hint;       /* connections this endpoint may have idle */
    uint64_t claim_stamp;   /* the claim's de-duplication, see rh_claim.c */
    uint64_t match_stamp;   /* emit's de-duplication, see rh_index.c */
    struct rh_mac *mac;     /* keyed HMAC of secret, made on first use */
    struct rh_mac *old_mac; /* of old_secret */
};

int rh__endpoint_encode(const rh_allocator *a, const rh_endpoint *ep,
                        char **out, size_t *out_len);
int rh__endpoint_decode(const rh_allocator *a, const char *json, size_t len,
                        rh_endpoint **out);
/* ----------------------------------------------------------- endpoints */
void rh__endpoint_free(const rh_allocator *a, rh_endpoint *ep);
void rh__endpoint_free_headers(const rh_allocator *a, rh_endpoint *ep);

#endif
