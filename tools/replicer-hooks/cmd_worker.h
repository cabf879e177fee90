/* replicer-hooks worker's metrics server (cmd_worker_metrics.c): the
 * worker's counters and the store's queue figures as Prometheus text. */
#ifndef CMD_WORKER_H
#define CMD_WORKER_H

#include "cli.h"
#include "cli_http.h"

typedef struct worker_metrics worker_metrics;

/* Serve http://addr/metrics: this worker's counters (from ctx, copied by
 * worker_metrics_snapshot on the worker's thread) and the queue's figures
 * read from the store at each scrape, through a context of the server's
 * own on the same store (top: endpoints and tenants labelled, the top N by
 * volume and "other"; 0: totals only). NULL, having said why, on failure. */
worker_metrics *worker_metrics_start(const cli_args *a,
                                     const cli_http_addr *addr, rh_ctx *ctx,
                                     int top);
/* The worker's counters copied for the next scrape (the worker's thread). */
void worker_metrics_snapshot(worker_metrics *m, rh_ctx *ctx);
void worker_metrics_stop(worker_metrics *m); /* NULL: nothing */

#endif
