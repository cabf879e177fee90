/* The HTTPS test receiver: one thread, one connection at a time, blocking
 * OpenSSL I/O with short timeouts; enough to show real TLS on loopback. */
#define _GNU_SOURCE /* strcasestr */
#include "tls_sink.h"

#include "sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct tls_sink {
    SSL_CTX *ssl;
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    int stop;
    long deadline_ms;
    size_t requests;
    size_t failed;
    char client_cn[128]; /* the last client certificate's CN, or "" */
    size_t offered_h2;   /* handshakes whose client offered h2 (ALPN) */
    size_t resumed;      /* handshakes that resumed a TLS session */
};

/* The sink offers h2 as many receivers do (nginx with http2 on); it counts
 * the clients that would take it, and answers http/1.1, which is all it
 * speaks. */
static int choose_alpn(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    tls_sink *s = arg;
    (void)ssl;
    int h2 = 0, h1 = 0;
    for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
        if (in[i] == 2 && i + 3 <= inlen && !memcmp(in + i + 1, "h2", 2))
            h2 = 1;
        if (in[i] == 8 && i + 9 <= inlen &&
            !memcmp(in + i + 1, "http/1.1", 8)) {
            h1 = 1;
            *out = in + i + 1;
            *outlen = 8;
        }
    }
    if (h2) {
        pthread_mutex_lock(&s->mu);
        s->offered_h2++;
        pthread_mutex_unlock(&s->mu);
    }
    return h1 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tls_make_pki(const char *dir)
{
    char cmd[8192];
    const char *key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    snprintf(cmd, sizeof cmd,
             "set -e; cd '%s';"
             "openssl req -x509 %s -keyout ca.key -out ca.pem -days 2"
             " -subj /CN=replicer-hooks-test-ca 2>/dev/null;"
             "printf 'subjectAltName=IP:127.0.0.1\\n' > srv.ext;"
             "printf 'subjectAltName=DNS:wrong.example\\n' > wrong.ext;"
             "printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
             "for n in srv wrong client; do"
             " openssl req %s -keyout $n.key -out $n.csr -subj /CN=$n"
             " 2>/dev/null;"
             " openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key"
             " -CAcreateserial -out $n.pem -days 2 -extfile $n.ext"
             " 2>/dev/null;"
             "done;"
             /* self-signed, with the right name */
             "openssl req -x509 %s -keyout self.key -out self.pem -days 2"
             " -subj /CN=self -addext subjectAltName=IP:127.0.0.1"
             " 2>/dev/null;"
             /* signed by the CA, right name, validity long past */
             "printf '[ca]\\ndefault_ca=t\\n[t]\\ndir=.\\n"
             "database=index.txt\\nnew_certs_dir=.\\nserial=serial\\n"
             "default_md=sha256\\npolicy=p\\ncopy_extensions=copy\\n"
             "unique_subject=no\\n[p]\\ncommonName=supplied\\n' > ca.cnf;"
             ": > index.txt; echo 1000 > serial;"
             "openssl req %s -keyout expired.key -out expired.csr"
             " -subj /CN=expired -addext subjectAltName=IP:127.0.0.1"
             " 2>/dev/null;"
             "openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem"
             " -in expired.csr -out expired.pem -startdate 20200101000000Z"
             " -enddate 20200102000000Z 2>/dev/null",
             dir, key, key, key, key);
    return system(cmd) == 0 ? 0 : -1;
}

static void serve(tls_sink *s, int cfd)
{
    struct timeval tv = {2, 0};
    char buf[65536];
    size_t got = 0;
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(s->ssl);
    SSL_set_fd(ssl, cfd);
    if (SSL_accept(ssl) != 1) {
        pthread_mutex_lock(&s->mu);
        s->failed++;
        pthread_mutex_unlock(&s->mu);
        ERR_clear_error();
        SSL_free(ssl);
        return;
    }
    X509 *peer = SSL_get1_peer_certificate(ssl);
    pthread_mutex_lock(&s->mu);
    s->resumed += SSL_session_reused(ssl) == 1;
    s->client_cn[0] = '\0';
    if (peer)
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
                                  s->client_cn, (int)sizeof s->client_cn);
    pthread_mutex_unlock(&s->mu);
    X509_free(peer);
    for (;;) {
        int r = SSL_read(ssl, buf + got, (int)(sizeof buf - 1 - got));
        if (r <= 0)
            break;
        got += (size_t)r;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end) {
            char *cl = strcasestr(buf, "content-length:");
            size_t want = (size_t)(end - buf) + 4 +
                          (cl ? strtoul(cl + 15, NULL, 10) : 0);
            if (got >= want) {
                static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length:"
                                         " 2\r\nConnection: close\r\n\r\nok";
                /* counted before the answer, so a client that has it can
                 * count on the count */
                pthread_mutex_lock(&s->mu);
                s->requests++;
                pthread_mutex_unlock(&s->mu);
                SSL_write(ssl, ok, (int)sizeof ok - 1);
                break;
            }
        }
        if (got + 1 >= sizeof buf)
            break;
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
    ERR_clear_error();
}

static void *run(void *arg)
{
    tls_sink *s = arg;
    for (;;) {
        struct pollfd p = {s->fd, POLLIN, 0};
        pthread_mutex_lock(&s->mu);
        int stop = s->stop || mono_ms() > s->deadline_ms;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        if (poll(&p, 1, 50) <= 0)
            continue;
        int cfd = accept(s->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        serve(s, cfd);
        close(cfd);
    }
    return NULL;
}

int tls_sink_start(tls_sink **out, const char *cert, const char *key,
                   long max_life_ms)
{
    return tls_sink_start_mtls(out, cert, key, NULL, max_life_ms);
}

int tls_sink_start_mtls(tls_sink **out, const char *cert, const char *key,
                        const char *client_ca, long max_life_ms)
{
    tls_sink *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->ssl = SSL_CTX_new(TLS_server_method());
    if (!s->ssl || SSL_CTX_use_certificate_chain_file(s->ssl, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(s->ssl, key, SSL_FILETYPE_PEM) != 1)
        goto fail;
    if (client_ca) {
        /* TLS 1.2: a refused client certificate fails the handshake itself
         * (in 1.3 the client learns of it only after sending) */
        SSL_CTX_set_max_proto_version(s->ssl, TLS1_2_VERSION);
        if (SSL_CTX_load_verify_locations(s->ssl, client_ca, NULL) != 1)
            goto fail;
        SSL_CTX_set_verify(
            s->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    SSL_CTX_set_alpn_select_cb(s->ssl, choose_alpn, s);
    if ((s->fd = sink_listen(NULL, 0, 16, 0, &s->port)) < 0)
        goto fail;
    s->deadline_ms = mono_ms() + max_life_ms;
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    if (s->ssl)
        SSL_CTX_free(s->ssl);
    if (s->fd > 0)
        close(s->fd);
    free(s);
    return -1;
}

void tls_sink_stop(tls_sink *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    close(s->fd);
    SSL_CTX_free(s->ssl);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int tls_sink_port(const tls_sink *s) { return s->port; }

size_t tls_sink_requests(tls_sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->requests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void tls_sink_client_cn(tls_sink *s, char *out, size_t size)
{
    pthread_mutex_lock(&s->mu);
    snprintf(out, size, "%s", s->client_cn);
    pthread_mutex_unlock(&s->mu);
}

size_t tls_sink_resumed(tls_sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->resumed;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t tls_sink_offered_h2(tls_sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->offered_h2;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t tls_sink_handshakes_failed(tls_sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->failed;
    pthread_mutex_unlock(&s->mu);
    return n;
}
