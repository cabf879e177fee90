/* The demo's webhook receiver: a small HTTP/1.1 server on 127.0.0.1 that
 * keeps what it was sent, so that the demo can verify it as a receiver would.
 */
#ifndef DEMO_RECEIVER_H
#define DEMO_RECEIVER_H

#include <stddef.h>

typedef struct receiver receiver;

/* What one request carried: its path, the three Standard Webhooks headers
 * ("" when absent) and the body, NUL-terminated. */
typedef struct received {
    char path[128];
    char id[128];
    char timestamp[32];
    char signature[512];
    char *body;
    size_t body_len;
} received;

/* Listen on an ephemeral loopback port; requests to a path starting with
 * failing_prefix are answered 503, the others 204. 0 or -1. */
int receiver_start(receiver **out, const char *failing_prefix);
int receiver_port(const receiver *r);
/* How many requests were answered so far, and the i-th of them (lent until
 * receiver_stop). */
size_t receiver_count(receiver *r);
const received *receiver_get(receiver *r, size_t i);
void receiver_stop(receiver *r);

#endif
