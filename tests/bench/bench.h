/* What the bench's files share (bench.c holds them): the figure table, the
 * end-to-end loop and the Node baseline, each aimed at a given receiver. */
#ifndef RH_BENCH_H
#define RH_BENCH_H

#include "fastsink.h"

#define REPS 3

extern char payload[1024 + 1];
extern int bench_failed; /* a figure's deliveries missing or not verifying */
extern char dir[64];     /* this run's temporary folder */

double now_s(void);
/* A figure: the median of REPS values, with min and max, printed. */
void record(const char *name, const char *unit, double v[REPS]);
/* n emits and their deliveries in one loop, 64 in flight, to `to` (https
 * with ca as the trusted bundle when ca is given), on the memory store
 * (kind 0): deliveries per second. */
double run_e2e_to(fastsink *to, const char *ca, int kind, int n, int batch,
                  double *syncs_out);
/* The Node.js undici sender to `to` (https with ca when given): deliveries
 * per second, or -1 when it cannot run. */
double run_node_undici_to(fastsink *to, const char *ca, int n);

/* bench_tls.c: the end-to-end figures over TLS. */
void bench_tls(void);

#endif
