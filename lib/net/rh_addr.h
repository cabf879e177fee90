/* replicer-hooks address guard, private (rh_addr.c): CIDR ranges and the
 * judgement of which addresses production mode may dial. */
#ifndef RH_ADDR_H
#define RH_ADDR_H

#include "rh_util.h"

/* ------------------------------------------------------ address guard */
typedef struct rh_cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix;
} rh_cidr;
struct sockaddr;
int rh__cidr_parse(const char *s, rh_cidr *out);
/* NULL when production mode may connect, else why not (static text). */
const char *rh__addr_refusal(int family, const unsigned char *addr,
                             const rh_cidr *allow, size_t n_allow);
const char *rh__sockaddr_refusal(const struct sockaddr *sa,
                                 const rh_cidr *allow, size_t n_allow);
/* For a URL's host: IP literals and localhost are judged now, names later. */
const char *rh__host_refusal(const char *host, const rh_cidr *allow,
                             size_t n_allow);

#endif
