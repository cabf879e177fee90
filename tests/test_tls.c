/* Real TLS on loopback with a PKI made at test time: a custom CA in
 * development mode, and verification that cannot be turned off. */
#include "rh_test.h"
#include "tls_sink.h"

#include <stdlib.h>
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

/* One delivery to https://127.0.0.1:port/ with the given mode and CA. */
static int deliver(int mode, const char *ca, int port)
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
    last_outcome = -1;
    snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", port);
    if (rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK ||
        rh_emit(ctx, "t", "{}", 2, NULL, 0) != 1 ||
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

const rh_test_case rh_tests_tls[] = {
    {"tls__self_signed_and_expired_are_refused",
     test_tls__self_signed_and_expired_are_refused},
    {"tls__custom_ca_in_development", test_tls__custom_ca_in_development},
    {"tls__hostname_is_verified", test_tls__hostname_is_verified},
    {"tls__production_trusts_only_the_system_store",
     test_tls__production_trusts_only_the_system_store},
    {NULL, NULL}};
