/* make bench over TLS, the only production path (RH_BENCH_ONLY=tls): the
 * library end to end against the Node.js undici sender, in rounds side by
 * side, to the bench's own TLS receiver (fastsink over OpenSSL, TLS 1.3),
 * with certificates made at bench time and a trusted bundle the size of
 * the system's (its certificates plus the bench's CA), as production loads:
 *
 *  - keep-alive: 64 connections carry every request;
 *  - a new connection per request: the receiver closes each one, so every
 *    delivery pays a handshake (and, before 0.3.0, a parse of the bundle).
 *
 * Beside each, a raw libcurl loop to the same receiver (no signing, no
 * store, the CA store cached as the library has it): what libcurl itself
 * costs. Also printed: the share of handshakes that resumed a session, and the
 * sender's CPU per delivery (its own thread: the receiver runs in this
 * process too).
 *
 * Then 1,000 hosts in round robin, and h2 (RH_HTTP_VERSION_2) against the library's own HTTP/1.1
 * keep-alive, both to one nghttp2 receiver that speaks either (h2_sink,
 * a thread per connection): deliveries a second and connections opened. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "bench.h"
#include "h2_sink.h"
#include "tls_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

static double thread_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The system's bundle followed by the bench CA, into out. 0, or -1 when
 * there is no system bundle to copy. */
static int make_bundle(const char *ca, char *out, size_t size)
{
    char *sys = NULL, cmd[1024];
    CURL *e = curl_easy_init();
    curl_easy_getinfo(e, CURLINFO_CAINFO, &sys);
    snprintf(out, size, "%s/bundle.pem", dir);
    int ok = sys && access(sys, R_OK) == 0;
    if (ok) {
        snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s'", sys, ca, out);
        ok = system(cmd) == 0;
    }
    curl_easy_cleanup(e);
    return ok ? 0 : -1;
}

typedef struct tls_figures {
    double lib[REPS], node[REPS], ratio[REPS], resumed[REPS], cpu_us[REPS];
    double raw[REPS], raw_ratio[REPS]; /* a raw libcurl loop, same sink */
} tls_figures;

/* REPS rounds of the library then Node against a TLS receiver. 0, or -1
 * when Node could not run (the library's figures are kept). */
static int rounds(fastsink *to, const char *bundle, int n, tls_figures *f)
{
    int have_node = 1;
    for (int r = 0; r < REPS; r++) {
        size_t handshakes, resumed;
        double unused, cpu0 = thread_cpu_s();
        fastsink_tls_counts(to, &handshakes, &resumed); /* zeroed */
        f->lib[r] = run_e2e_to(to, bundle, 0, n, 1, &unused);
        f->cpu_us[r] = (thread_cpu_s() - cpu0) * 1e6 / n;
        fastsink_tls_counts(to, &handshakes, &resumed);
        f->resumed[r] = handshakes > 1
                            ? 100.0 * (double)resumed / (double)(handshakes - 1)
                            : 0;
        char url[64];
        snprintf(url, sizeof url, "https://127.0.0.1:%d/raw",
                 fastsink_port(to));
        fastsink_reset(to, 0);
        f->raw[r] = run_raw_to(url, bundle, n, 1);

        f->raw_ratio[r] = f->raw[r] > 0 ? f->lib[r] / f->raw[r] : 0;
        f->node[r] = have_node ? run_node_undici_to(to, bundle, n) : -1;
        have_node = have_node && f->node[r] > 0;
        f->ratio[r] = have_node ? f->lib[r] / f->node[r] : 0;
    }
    return have_node ? 0 : -1;
}

static void print_figures(const char *name, tls_figures *f, int with_node)
{
    char lib[64], node[64], ratio[80], res[80], cpu[80];
    snprintf(lib, sizeof lib, "e2e_tls_%s", name);
    snprintf(node, sizeof node, "node_undici_tls_%s", name);
    snprintf(ratio, sizeof ratio, "e2e_tls_%s / node", name);
    snprintf(res, sizeof res, "e2e_tls_%s: resumed", name);
    snprintf(cpu, sizeof cpu, "e2e_tls_%s: sender cpu", name);
    /* record keeps the name pointers: give it lasting copies */
    record(strdup(lib), "deliveries/s", f->lib);
    /* with keep-alive the 64 handshakes open at once, each context's
     * first: nothing to resume, so no share to print */
    if (strcmp(name, "keepalive"))
        record(strdup(res), "% after 1st", f->resumed);
    record(strdup(cpu), "us/delivery", f->cpu_us);
    char raw[80], raw_ratio[80];
    snprintf(raw, sizeof raw, "raw_libcurl_tls_%s", name);
    snprintf(raw_ratio, sizeof raw_ratio, "e2e_tls_%s / raw_libcurl", name);
    record(strdup(raw), "requests/s", f->raw);
    record(strdup(raw_ratio), "ratio", f->raw_ratio);
    if (!with_node)
        return;
    record(strdup(node), "deliveries/s", f->node);
    record(strdup(ratio), "ratio", f->ratio);
}

/* 1,000 hosts in round robin (1,000 ports of one receiver: each its own
 * connections and TLS sessions to libcurl), 20 deliveries each a round:
 * the rate, the handshakes a round and the share of them resumed. With
 * as many connections kept idle as hosts, each host costs one handshake a
 * round, however many deliveries follow. */
static void bench_hosts(const char *cert, const char *key, const char *bundle)
{
    enum { HOSTS = 1000 };
    fastsink *many = NULL;
    double rate[REPS], shakes[REPS], resumed[REPS], cpu_us[REPS];
    double node[REPS], ratio[REPS], kib_per_host[REPS];
    char ports_file[160], env[200];
    static char url_text[HOSTS][64];
    const char *urls[HOSTS];
    if (fastsink_start_tls_hosts(&many, cert, key, HOSTS) != 0) {
        printf("(1,000-host figures skipped: no receiver)\n");
        bench_failed = 1;
        return;
    }
    snprintf(ports_file, sizeof ports_file, "%s/ports.txt", dir);
    FILE *pf = fopen(ports_file, "w");
    for (size_t i = 0; i < HOSTS; i++) {
        snprintf(url_text[i], sizeof url_text[i], "https://127.0.0.1:%d/e2e",
                 fastsink_port_at(many, i));
        urls[i] = url_text[i];
        if (pf)
            fprintf(pf, "%s%d", i ? "," : "", fastsink_port_at(many, i));
    }
    if (pf)
        fclose(pf);
    snprintf(env, sizeof env, "RH_PORTS_FILE='%s'", ports_file);
    int have_node = pf != NULL;
    for (int r = 0; r < REPS; r++) {
        size_t handshakes, resumed_n;
        double unused, cpu0 = thread_cpu_s();
        fastsink_tls_counts(many, &handshakes, &resumed_n); /* zeroed */
        fastsink_reset(many, 0);
        long kib0 = rss_kib();
        rate[r] = run_e2e_urls(urls, HOSTS, bundle, 0, 20 * HOSTS, 1,
                               RH_HTTP_VERSION_DEFAULT, &unused);
        kib_per_host[r] = (double)(e2e_rss_kib - kib0) / HOSTS;
        cpu_us[r] = (thread_cpu_s() - cpu0) * 1e6 / (20 * HOSTS);
        fastsink_tls_counts(many, &handshakes, &resumed_n);
        shakes[r] = (double)handshakes;
        resumed[r] = handshakes ? 100.0 * (double)resumed_n / (double)handshakes
                                : 0;
        if (fastsink_count(many) != 20 * HOSTS)
            bench_failed = 1;
        node[r] = have_node ? run_node_undici_with(many, bundle, 20 * HOSTS,
                                                   env)
                            : -1;
        have_node = have_node && node[r] > 0;
        ratio[r] = have_node ? rate[r] / node[r] : 0;
    }
    record("e2e_tls_1000_hosts", "deliveries/s", rate);
    record("e2e_tls_1000_hosts: handshakes", "per round", shakes);
    record("e2e_tls_1000_hosts: resumed", "% of them", resumed);
    record("e2e_tls_1000_hosts: sender cpu", "us/delivery", cpu_us);
    /* the growth of this process over a round, per host: the sender's
     * kept connection and its share of the context, and the receiver's
     * end of the same connection (both live here) */
    record("e2e_tls_1000_hosts: memory", "KiB/host", kib_per_host);
    if (have_node) {
        record("node_undici_tls_1000_hosts", "deliveries/s", node);
        record("e2e_tls_1000_hosts / node", "ratio", ratio);
    }
    fastsink_stop(many);
}

/* h2 against HTTP/1.1 to one receiver speaking both, rounds side by side:
 * the rate of each, their ratio, and the connections each opened. */
static void bench_h2(const char *cert, const char *key, const char *bundle)
{
    h2_sink *s = NULL;
    double h1[REPS], h2[REPS], ratio[REPS], h1_conns[REPS], h2_conns[REPS];
    char url[64];
    if (h2_sink_start(&s, cert, key, H2_SINK_READ_BODY, 600000) != 0) {
        printf("(h2 figures skipped: no receiver)\n");
        bench_failed = 1;
        return;
    }
    snprintf(url, sizeof url, "https://127.0.0.1:%d/e2e", h2_sink_port(s));
    const char *urls[] = {url};
    for (int r = 0; r < REPS; r++) {
        h2_sink_counts c;
        double unused;
        h2_sink_counts_get(s, &c, 1);
        h1[r] = run_e2e_urls(urls, 1, bundle, 0, 20000, 1,
                             RH_HTTP_VERSION_1_1, &unused);
        h2_sink_counts_get(s, &c, 1);
        h1_conns[r] = (double)c.connections;
        h2[r] = run_e2e_urls(urls, 1, bundle, 0, 20000, 1, RH_HTTP_VERSION_2,
                             &unused);
        h2_sink_counts_get(s, &c, 1);
        h2_conns[r] = (double)c.connections;
        if (c.h2_requests != 20000)
            bench_failed = 1;
        ratio[r] = h1[r] > 0 ? h2[r] / h1[r] : 0;
    }
    record("e2e_tls_h2_receiver_http11", "deliveries/s", h1);
    record("e2e_tls_h2_receiver_http11: connections", "per run", h1_conns);
    record("e2e_tls_h2", "deliveries/s", h2);
    record("e2e_tls_h2: connections", "per run", h2_conns);
    record("e2e_tls_h2 / http11", "ratio", ratio);
    h2_sink_stop(s);
}

void bench_tls(void)
{
    char pki[128], cert[160], key[160], ca[160], bundle[200];
    fastsink *keep = NULL, *fresh = NULL;
    tls_figures f;
    snprintf(pki, sizeof pki, "%s/pki", dir);
    snprintf(cert, sizeof cert, "%s/srv.pem", pki);
    snprintf(key, sizeof key, "%s/srv.key", pki);
    snprintf(ca, sizeof ca, "%s/ca.pem", pki);
    char mk[200];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", pki);
    if (system(mk) != 0 || tls_make_pki(pki) != 0 ||
        make_bundle(ca, bundle, sizeof bundle) != 0 ||
        fastsink_start_tls(&keep, cert, key, 0) != 0 ||
        fastsink_start_tls(&fresh, cert, key, 1) != 0) {
        printf("(TLS figures skipped: no PKI, system bundle or receiver)\n");
        bench_failed = 1;
        return;
    }
    int node = rounds(keep, bundle, 20000, &f) == 0;
    print_figures("keepalive", &f, node);
    node = rounds(fresh, bundle, 2000, &f) == 0;
    print_figures("new_conn", &f, node);
    if (!node)
        printf("(node_undici_tls skipped: no node, or undici not installed "
               "beside RH_BENCH_NODE)\n");
    fastsink_stop(keep);
    fastsink_stop(fresh);
    bench_hosts(cert, key, bundle);
    bench_h2(cert, key, bundle);
    /* 0.2.0's slow receivers over h2 (100 streams a connection, and past
     * that libcurl 7.88 opens a connection per transfer), beside the same
     * over HTTP/1.1 (a connection each), at 1,000 in flight: 10,000 would
     * ask the h2 receiver for a thread per connection (docs/performance.md) */
    double wall[REPS], cpu[REPS], wall1[REPS], cpu1[REPS];
    for (int r = 0; r < REPS; r++) {
        wall1[r] = run_slow_with(1000, NULL, &cpu1[r]);
        wall[r] = run_slow_with(1000, pki, &cpu[r]);
    }
    record("slow_receivers 1k x 1 s, http/1.1: wall", "s", wall1);
    record("slow_receivers 1k x 1 s, http/1.1: cpu", "s", cpu1);
    record("slow_receivers_h2 1k x 1 s: wall", "s", wall);
    record("slow_receivers_h2 1k x 1 s: cpu", "s", cpu);
}
