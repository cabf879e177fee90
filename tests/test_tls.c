/* Real TLS on loopback with a PKI made at test time: a custom CA in
 * development mode, and verification that cannot be turned off. */
#include "rh_internal.h" /* the stored record, read back */
#include "rh_test.h"
#include "tls_sink.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

typedef struct tls_env {
    char dir[64];
    char ca[128], srv_cert[128], srv_key[128], wrong_cert[128], wrong_key[128];
} tls_env;

static int make_env(tls_env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/rh-tls-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    snprintf(e->ca, sizeof e->ca, "%s/ca.pem", e->dir);
    snprintf(e->srv_cert, sizeof e->srv_cert, "%s/srv.pem", e->dir);
    snprintf(e->srv_key, sizeof e->srv_key, "%s/srv.key", e->dir);
    snprintf(e->wrong_cert, sizeof e->wrong_cert, "%s/wrong.pem", e->dir);
    snprintf(e->wrong_key, sizeof e->wrong_key, "%s/wrong.key", e->dir);
    return tls_make_pki(e->dir);
}

static void drop_env(tls_env *e)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", e->dir);
}

static int last_outcome;
static int last_status;

static void on_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    last_outcome = rh_attempt_outcome(at);
    last_status = rh_attempt_status(at);
}

/* A context in mode with ca and one endpoint on https://127.0.0.1:port
 * for every event; NULL when the endpoint was refused. */
static rh_ctx *tls_ctx(int mode, const char *ca, int port)
{
    rh_config *cfg = rh_test_config();
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    rh_config_set_mode(cfg, mode);
    rh_config_set_ca_file(cfg, ca);
    /* the address guard would refuse loopback before TLS is tried */
    rh_config_allow_cidr(cfg, "127.0.0.1/32");
    rh_config_set_attempt_cb(cfg, on_attempt, NULL);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", port);
    if (rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK) {
        rh_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

/* One delivery to https://127.0.0.1:port/ with the given mode and CA. */
static int deliver(int mode, const char *ca, int port)
{
    rh_ctx *ctx = tls_ctx(mode, ca, port);
    last_outcome = -1;
    if (!ctx)
        return -2;
    if (rh_emit(ctx, "t", "{}", 2, NULL, 0) != 1 ||
        rh_test_drive(ctx, 10000) != 1)
        last_outcome = -2;
    rh_ctx_free(ctx);
    return last_outcome;
}

static void test_tls__custom_ca_in_development(void)
{
    tls_env e;
    tls_sink *s = NULL;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.srv_cert, e.srv_key, 60000));
    RH_CHECK_EQ_INT(RH_OUTCOME_OK, deliver(RH_MODE_DEVELOPMENT, e.ca,
                                           tls_sink_port(s)));
    RH_CHECK_EQ_INT(200, last_status);
    RH_CHECK_EQ_INT(1, tls_sink_requests(s));
    /* without the CA the receiver is not trusted: nothing is sent */
    RH_CHECK_EQ_INT(RH_OUTCOME_TLS, deliver(RH_MODE_DEVELOPMENT, NULL,
                                            tls_sink_port(s)));
    RH_CHECK_EQ_INT(0, last_status);
    RH_CHECK_EQ_INT(1, tls_sink_requests(s));
    /* the receiver's side of the refused handshake may end a moment later */
    for (int i = 0; i < 200 && tls_sink_handshakes_failed(s) == 0; i++)
        usleep(10000);
    RH_CHECK(tls_sink_handshakes_failed(s) >= 1);
    tls_sink_stop(s);
    drop_env(&e);
}

static void test_tls__hostname_is_verified(void)
{
    tls_env e;
    tls_sink *s = NULL;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.wrong_cert, e.wrong_key, 60000));
    RH_CHECK_EQ_INT(RH_OUTCOME_TLS, deliver(RH_MODE_DEVELOPMENT, e.ca,
                                            tls_sink_port(s)));
    RH_CHECK_EQ_INT(0, tls_sink_requests(s));
    tls_sink_stop(s);
    drop_env(&e);
}

static void test_tls__production_trusts_only_the_system_store(void)
{
    tls_env e;
    tls_sink *s = NULL;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.srv_cert, e.srv_key, 60000));
    /* a private CA cannot be configured in production, and verification
     * is always on: the self-made certificate is refused */
    RH_CHECK_EQ_INT(RH_OUTCOME_TLS, deliver(RH_MODE_PRODUCTION, NULL,
                                            tls_sink_port(s)));
    RH_CHECK_EQ_INT(0, tls_sink_requests(s));
    tls_sink_stop(s);
    drop_env(&e);
}

/* Only the valid certificate is accepted: self-signed and expired ones are
 * refused even with the test CA configured. */
static void test_tls__self_signed_and_expired_are_refused(void)
{
    tls_env e;
    char cert[160], key[160];
    RH_CHECK_EQ_INT(0, make_env(&e));
    const char *names[] = {"self", "expired"};
    for (int i = 0; i < 2; i++) {
        tls_sink *s = NULL;
        snprintf(cert, sizeof cert, "%s/%s.pem", e.dir, names[i]);
        snprintf(key, sizeof key, "%s/%s.key", e.dir, names[i]);
        RH_CHECK_EQ_INT(0, tls_sink_start(&s, cert, key, 60000));
        RH_CHECK_EQ_INT(RH_OUTCOME_TLS, deliver(RH_MODE_DEVELOPMENT, e.ca,
                                                tls_sink_port(s)));
        RH_CHECK_EQ_INT(0, tls_sink_requests(s));
        tls_sink_stop(s);
    }
    drop_env(&e);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 65536);
    if (!f || !buf) {
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

typedef struct record_text {
    int has_plain_key;
    int has_sealed_key;
} record_text;

static int look_at_record(const char *json, size_t len, void *ud)
{
    record_text *t = ud;
    char *copy = strndup(json, len);
    if (!copy)
        return RH_E_NOMEM;
    t->has_plain_key |= strstr(copy, "PRIVATE KEY") != NULL;
    t->has_sealed_key |= strstr(copy, "\"client_key\":\"sealed:v1:") != NULL;
    free(copy);
    return RH_OK;
}

/* A receiver that demands a client certificate signed by its CA: without
 * one, or with a stranger's, nothing is delivered; with the endpoint's own
 * it is, and the receiver sees who it is. The key reaches storage sealed
 * and comes back from it. */
static void test_tls__client_certificate_is_presented(void)
{
    tls_env e;
    tls_sink *s = NULL;
    char path[160], url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], cn[128];
    const char *events[] = {"*"};
    unsigned char seal[32];
    memset(seal, 7, sizeof seal);
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(
        0, tls_sink_start_mtls(&s, e.srv_cert, e.srv_key, e.ca, 60000));
    snprintf(path, sizeof path, "%s/client.pem", e.dir);
    char *cert = read_text(path);
    snprintf(path, sizeof path, "%s/client.key", e.dir);
    char *key = read_text(path);
    snprintf(path, sizeof path, "%s/self.pem", e.dir);
    char *stranger = read_text(path);
    snprintf(path, sizeof path, "%s/self.key", e.dir);
    char *stranger_key = read_text(path);
    RH_CHECK(cert && key && stranger && stranger_key);
    rh_config *cfg = rh_test_config();
    rh_config_set_ca_file(cfg, e.ca);
    rh_config_set_sealing_key(cfg, seal, sizeof seal);
    rh_config_set_retry_schedule(cfg, NULL, 0);
    rh_config_set_attempt_cb(cfg, on_attempt, NULL);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/mtls", tls_sink_port(s));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep,
                                           secret, sizeof secret));
    /* refused before storage: half a pair, not PEM, an encrypted key */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_client_cert(ctx, ep, cert, NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_endpoint_set_client_cert(ctx, ep, "hello", key));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "cert_pem") != NULL);
    RH_CHECK_EQ_INT(
        RH_E_INVALID_ARG,
        rh_endpoint_set_client_cert(
            ctx, ep, cert, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n"));
    /* no certificate: the handshake fails, nothing arrives */
    last_outcome = -1;
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK(last_outcome != RH_OUTCOME_OK && last_outcome >= 0);
    RH_CHECK_EQ_INT(0, tls_sink_requests(s));
    /* a stranger's certificate: refused too */
    RH_CHECK_EQ_INT(
        RH_OK, rh_endpoint_set_client_cert(ctx, ep, stranger, stranger_key));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK(last_outcome != RH_OUTCOME_OK);
    RH_CHECK_EQ_INT(0, tls_sink_requests(s));
    /* its own: delivered, and the receiver knows it */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_client_cert(ctx, ep, cert, key));
    const rh_endpoint *got = NULL;
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_get(ctx, ep, &got));
    RH_CHECK_EQ_INT(1, rh_endpoint_has_client_cert(got));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(RH_OUTCOME_OK, last_outcome);
    RH_CHECK_EQ_INT(1, tls_sink_requests(s));
    tls_sink_client_cn(s, cn, sizeof cn);
    RH_CHECK_EQ_STR("client", cn);
    /* stored sealed, never in the clear; read back, it still works */
    record_text t = {0, 0};
    RH_CHECK(ctx->store.table.endpoint_load(look_at_record, &t,
                                        ctx->store.table.userdata) >= 0);
    RH_CHECK_EQ_INT(0, t.has_plain_key);
    RH_CHECK_EQ_INT(1, t.has_sealed_key);
    RH_CHECK_EQ_INT(RH_OK, rh__ctx_load_endpoints(ctx));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(2, tls_sink_requests(s));
    /* removed: refused again */
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_set_client_cert(ctx, ep, NULL, NULL));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "t", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(2, tls_sink_requests(s));
    rh_ctx_free(ctx);
    tls_sink_stop(s);
    free(cert);
    free(key);
    free(stranger);
    free(stranger_key);
    drop_env(&e);
}

/* Opens of path seen by the inotify descriptor in so far. */
static int count_opens(int in)
{
    char buf[4096] __attribute__((aligned(8)));
    int n = 0;
    ssize_t got;
    while ((got = read(in, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + got;
             p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
            n += (((struct inotify_event *)p)->mask & IN_OPEN) != 0;
    return n;
}

/* n deliveries, each on a new connection (the receiver closes every one),
 * in mode with ca; the opens of watched (the CA bundle libcurl reads). */
static int opens_for_deliveries(int mode, const char *ca, const char *watched,
                                int port, int n)
{
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, watched, IN_OPEN) < 0)
        return -1;
    rh_ctx *ctx = tls_ctx(mode, ca, port);
    int ok = ctx != NULL;
    /* read after each delivery: inotify folds identical events that are
     * not read yet into one */
    int opens = 0;
    for (int i = 0; ok && i < n; i++) {
        ok = rh_emit(ctx, "t", "{}", 2, NULL, 0) == 1;
        ok = ok && rh_test_drive(ctx, 10000) >= 0; /* one at a time */
        opens += count_opens(in);
    }
    rh_ctx_free(ctx);
    close(in);
    return ok ? opens : -1;
}

/* The CA store is parsed once, not for every new TLS connection: 20
 * deliveries to a receiver that closes each connection make 20 handshakes
 * and read the bundle once (libcurl's CA cache needs the CA directory
 * cleared). In production too, with the system's bundle, where the test
 * receiver is untrusted: each attempt still loads the store first. */
static void test_tls__ca_bundle_read_once_not_per_connection(void)
{
    tls_env e;
    tls_sink *s = NULL;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.srv_cert, e.srv_key, 60000));
    int dev = opens_for_deliveries(RH_MODE_DEVELOPMENT, e.ca, e.ca,
                                   tls_sink_port(s), 20);
    fprintf(stderr, "    development CA: %d opens for 20 connections\n", dev);
    RH_CHECK_EQ_INT(20, tls_sink_requests(s));
    RH_CHECK(dev >= 1 && dev <= 2);
    char *bundle = NULL;
    CURL *probe = curl_easy_init();
    curl_easy_getinfo(probe, CURLINFO_CAINFO, &bundle);
    char system_ca[512] = "";
    if (bundle)
        snprintf(system_ca, sizeof system_ca, "%s", bundle);
    curl_easy_cleanup(probe);
    if (system_ca[0] && access(system_ca, R_OK) == 0) {
        int prod = opens_for_deliveries(RH_MODE_PRODUCTION, NULL, system_ca,
                                        tls_sink_port(s), 10);
        fprintf(stderr, "    system bundle: %d opens for 10 connections\n",
                prod);
        RH_CHECK(prod >= 1 && prod <= 2);
    }
    tls_sink_stop(s);
    drop_env(&e);
}

/* A receiver that offers h2 (as nginx with http2 on does) is spoken to in
 * HTTP/1.1: we offer no h2 in ALPN, since a 2xx followed by a stream reset
 * came back from libcurl 7.88 as an error and was sent again. */
static void test_tls__http11_offered_never_h2(void)
{
    tls_env e;
    tls_sink *s = NULL;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.srv_cert, e.srv_key, 60000));
    RH_CHECK_EQ_INT(RH_OUTCOME_OK, deliver(RH_MODE_DEVELOPMENT, e.ca,
                                           tls_sink_port(s)));
    RH_CHECK_EQ_INT(1, tls_sink_requests(s));
    RH_CHECK_EQ_INT(0, tls_sink_offered_h2(s));
    tls_sink_stop(s);
    drop_env(&e);
}

/* A TLS session made by one transfer handle is resumed by another. One
 * delivery to the receiver (a full handshake on handle A); then A is kept
 * busy by a delivery to a host that takes the connection and never
 * answers, and the next delivery to the receiver goes out on a new handle
 * B. B resumes A's session: each handle kept its own sessions, and B made
 * a full handshake. (Two transfers started at once may both offer one
 * TLS 1.3 ticket, which is used once: that would make the count depend on
 * timing, so this test starts them one after the other.) */
static void test_tls__sessions_resume_across_handles(void)
{
    tls_env e;
    tls_sink *s = NULL;
    char url[64], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *to_sink[] = {"a"}, *to_mute[] = {"b"};
    int mute_port = 0;
    RH_CHECK_EQ_INT(0, make_env(&e));
    RH_CHECK_EQ_INT(0, tls_sink_start(&s, e.srv_cert, e.srv_key, 60000));
    int mute = sink_listen(NULL, 0, 16, 0, &mute_port); /* never accepts */
    RH_CHECK(mute >= 0);
    rh_config *cfg = rh_test_config();
    rh_config_set_ca_file(cfg, e.ca);
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/resume", tls_sink_port(s));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, to_sink, 1, ep,
                                           sizeof ep, secret, sizeof secret));
    snprintf(url, sizeof url, "https://127.0.0.1:%d/mute", mute_port);
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_add(ctx, url, to_mute, 1, ep,
                                           sizeof ep, secret, sizeof secret));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 10000));
    RH_CHECK_EQ_INT(0, tls_sink_resumed(s));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "b", "{}", 2, NULL, 0));
    for (int i = 0; i < 5; i++) { /* A takes it, and waits on the mute host */
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 10);
    }
    RH_CHECK_EQ_INT(1, (long long)rh_ctx_in_flight(ctx));
    RH_CHECK_EQ_INT(1, rh_emit(ctx, "a", "{}", 2, NULL, 0));
    int64_t end = rh_test_mono_ms() + 5000;
    while (tls_sink_requests(s) < 2 && rh_test_mono_ms() < end) {
        RH_CHECK(rh_tick(ctx) >= 0);
        rh_test_pause(ctx, 10);
    }
    RH_CHECK_EQ_INT(2, tls_sink_requests(s));
    RH_CHECK_EQ_INT(1, tls_sink_resumed(s));
    rh_ctx_free(ctx);
    close(mute);
    tls_sink_stop(s);
    drop_env(&e);
}

const rh_test_case rh_tests_tls[] = {
    {"tls__client_certificate_is_presented",
     test_tls__client_certificate_is_presented},
    {"tls__self_signed_and_expired_are_refused",
     test_tls__self_signed_and_expired_are_refused},
    {"tls__custom_ca_in_development", test_tls__custom_ca_in_development},
    {"tls__hostname_is_verified", test_tls__hostname_is_verified},
    {"tls__http11_offered_never_h2", test_tls__http11_offered_never_h2},
    {"tls__sessions_resume_across_handles",
     test_tls__sessions_resume_across_handles},
    {"tls__ca_bundle_read_once_not_per_connection",
     test_tls__ca_bundle_read_once_not_per_connection},
    {"tls__production_trusts_only_the_system_store",
     test_tls__production_trusts_only_the_system_store},
    {NULL, NULL}};
