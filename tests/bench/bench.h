/* What the bench's files share (bench.c holds them): the figure table, the
 * end-to-end loop and the Node baseline, each aimed at a given receiver. */
#ifndef RH_BENCH_H
#define RH_BENCH_H

#include "fastsink.h"

#include <replicer-hooks/rh.h>

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
/* The same loop to any urls (events round robin over them when more than
 * one), over http_version (an rh_http_version), with no sample check: for
 * receivers other than fastsink, and for many hosts. */
double run_e2e_urls(const char *const *urls, size_t n_urls, const char *ca,
                    int kind, int n, int batch, int http_version,
                    double *syncs_out);
/* A plain libcurl multi loop to url (over TLS when ca is given, its CA
 * store cached), 64 in flight, no signing: requests per second. */
double run_raw_to(const char *url, const char *ca, int n, int wire_contract);
/* This process's resident memory in KiB (VmRSS), and its value as the last
 * e2e loop ended, before its context (and connections) went. */
long rss_kib(void);
extern long e2e_rss_kib;
/* The Node.js undici sender to `to` (https with ca when given): deliveries
 * per second, or -1 when it cannot run. */
double run_node_undici_to(fastsink *to, const char *ca, int n);
/* A Node baseline script run as "node SCRIPT PORT N SECRET PAYLOAD_FILE
 * ARGS" with env ("NAME=value ...") before it: the rate its one JSON line
 * prints, every request arrived and the first ones verifying, or -1 when
 * it cannot run (the figure's rounds then fail). */
double run_node_baseline(const char *script, fastsink *to, int n,
                         const char *env, const char *args);
/* The same with env ("NAME=value ...") before the command: RH_PORTS_FILE
 * for many hosts, RH_H2=1 for h2 (undici_sender.mjs). */
double run_node_undici_with(fastsink *to, const char *ca, int n,
                            const char *env);

/* The epoll receiver every figure but TLS's sends to. */
extern fastsink *fast;
/* Paced emits of `type` (with opts) to ctx: p50 and p99 latency in ms at
 * the receiver, and the first's; 0, or -1 when some went missing. */
int paced_latency_with(rh_ctx *ctx, const char *type,
                       const rh_emit_options *opts, double seconds, int rate,
                       double *p50, double *p99, double *first_ms);
/* A listener that never accepts: its port, and the socket to close. */
int black_hole(int *port);

/* 10,000 (n) in flight to a receiver answering each after 1 s, over h2 and
 * TLS when pki (tls_make_pki's folder) is given: the wall time, and the
 * sender's CPU in *cpu_s. */
double run_slow_with(int n, const char *pki, double *cpu_s);

/* bench_tls.c: the end-to-end figures over TLS. */
void bench_tls(void);
/* bench_tenant.c: accounts: fan-out among many tenants, memory per
 * endpoint, adds, a small tenant beside a big one. */
void bench_tenants(void);
/* bench_queue.c: rh_queue_figures at 1,000,000 pending. */
void bench_queue(void);
/* bench_emitter.c: 64 threads emitting through one emitter, end to end. */
void bench_emit_threads(void);

#endif
