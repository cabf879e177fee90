/* replicer-hooks HTTP: every transfer through libcurl's multi interface
 * (its handles: rh_http_multi.c), with the production-mode dial checks and
 * outcome classes. libcurl's transfer API is used here only (its parsers and
 * version check: rh_http_parse.c). */
#include "rh_http.h"
#include "rh_http_multi.h"
#include "rh_http_outcome.h"
#include "rh_http_tls.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* A response header line longer than this is a flood (RESPONSE_ABORT, the
 * cap on the body, is rh_http_outcome.h's). */
#define HEADER_LINE_MAX 8192

struct rh_http {
    const rh_allocator *alloc;
    rh_multis *multis; /* the multi handles (rh_http_multi.c) */
    int mode;
    int64_t timeout_ms;
    char *ca_file;
    int ca_cacheable; /* a CA bundle file is known (rh_http_tls.c) */
    void *share;      /* TLS sessions and DNS of all transfers */
    char *proxy;
    rh_cidr allow[RH_ALLOW_MAX];
    size_t n_allow;
#ifdef RH_TEST_HOOKS
    struct curl_slist *resolve; /* the test runner's build only */
#endif
    /* finished transfers kept for the next ones, most recent last */
    struct transfer *pool[256];
    size_t n_pool;
};

/* One easy handle and what its transfers need, kept for the next transfer
 * once finished: the options that do not change (callbacks, limits, TLS,
 * the URL while it is the same) are set once, not per attempt, and the
 * header list is an array in here, relinked per request, not allocated. */
typedef struct transfer {
    CURL *easy;
    char *url; /* the URL the handle is set up for */
    struct curl_slist header_nodes[RH_REQUEST_HEADERS_MAX + 2];
    rh_job *job;
    rh_http *http;
    size_t multi_index; /* the multi handle it runs on */
    request_state rq;
} transfer;

int rh__http_new(rh_http **out, const rh_allocator *a, const rh_http_opts *o)
{
    rh_http *h;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return RH_E_NOMEM;
    h = rh__calloc(a, sizeof *h);
    if (!h)
        goto fail;
    h->alloc = a;
    h->mode = o->mode;
    h->timeout_ms = o->timeout_ms;
    h->n_allow = o->n_allow;
    if (o->n_allow)
        memcpy(h->allow, o->allow, o->n_allow * sizeof *o->allow);
    if (o->ca_file && !(h->ca_file = rh__strdup(a, o->ca_file)))
        goto fail;
    h->ca_cacheable = rh__http_ca_cacheable(h->ca_file);
    h->share = rh__http_share_new();
    if (o->proxy && !(h->proxy = rh__strdup(a, o->proxy)))
        goto fail;
    if (rh__multis_new(&h->multis, a, o->max_in_flight, o->idle, o->on_socket,
                       o->on_socket_ud) != RH_OK)
        goto fail;
    *out = h;
    return RH_OK;
fail:
    if (h) {
        rh__http_share_free(h->share);
        rh__free(a, h->ca_file);
        rh__free(a, h->proxy);
        rh__free(a, h);
    }
    curl_global_cleanup();
    return RH_E_NOMEM;
}

#ifdef RH_TEST_HOOKS
void rh__http_test_per_handle(rh_http *h, size_t transfers)
{
    rh__multis_set_per_handle(h->multis, transfers);
}

int rh__http_test_resolve(rh_http *h, const char *entry)
{
    struct curl_slist *l = curl_slist_append(h->resolve, entry);
    if (!l)
        return RH_E_NOMEM;
    h->resolve = l;
    return RH_OK;
}
#endif

static void transfer_destroy(rh_http *h, transfer *t)
{
    if (!t)
        return;
    if (t->easy)
        curl_easy_cleanup(t->easy);
    rh__free(h->alloc, t->url);
    rh__free(h->alloc, t);
}

/* The transfer is over: back to the pool, set up as it is. */
static void transfer_release(rh_http *h, transfer *t)
{
    rh__multis_remove(h->multis, t->multi_index, t->easy);
    t->job->priv = NULL;
    t->job = NULL;
    if (h->n_pool < sizeof h->pool / sizeof *h->pool)
        h->pool[h->n_pool++] = t;
    else
        transfer_destroy(h, t);
}

void rh__http_abort(rh_http *h, rh_job *job)
{
    if (job->priv)
        transfer_release(h, job->priv);
}

void rh__http_free(rh_http *h)
{
    if (!h)
        return;
    rh__multis_free(h->multis);
    for (size_t i = 0; i < h->n_pool; i++)
        transfer_destroy(h, h->pool[i]);
    rh__http_share_free(h->share);
#ifdef RH_TEST_HOOKS
    curl_slist_free_all(h->resolve);
#endif
    rh__free(h->alloc, h->ca_file);
    rh__free(h->alloc, h->proxy);
    rh__free(h->alloc, h);
    curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    rh_job *job = t->job;
    size_t n = size * nmemb;
    t->rq.received += n;
    if (t->rq.received > RESPONSE_ABORT) {
        t->rq.too_large = 1;
        return 0; /* CURLE_WRITE_ERROR ends the transfer */
    }
    if (job->response_len < RH_RESPONSE_KEEP) {
        size_t keep = RH_RESPONSE_KEEP - job->response_len;
        if (keep > n)
            keep = n;
        /* grow by doubling: most answers are a few bytes */
        size_t need = job->response_len + keep + 1, cap = job->response_cap;
        if (need > cap) {
            cap = cap ? cap : 256;
            while (cap < need)
                cap *= 2;
            char *b = rh__realloc(t->http->alloc, job->response, cap);
            if (!b)
                return n; /* the log loses its prefix, not the outcome */
            job->response = b;
            job->response_cap = cap;
        }
        memcpy(job->response + job->response_len, data, keep);
        job->response_len += keep;
        job->response[job->response_len] = '\0';
    }
    return n;
}

/* The guard: every socket libcurl opens is judged on the address it is
 * about to dial, at every attempt, so neither DNS rebinding nor a name that
 * later resolves privately gets through. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
                                 struct curl_sockaddr *address)
{
    transfer *t = clientp;
    rh_http *h = t->http;
    if (purpose == CURLSOCKTYPE_IPCXN && h->mode == RH_MODE_PRODUCTION) {
        const char *why =
            rh__sockaddr_refusal(&address->addr, h->allow, h->n_allow);
        if (why) {
            t->rq.blocked = why;
            if (address->family == AF_INET)
                inet_ntop(AF_INET,
                          &((struct sockaddr_in *)&address->addr)->sin_addr,
                          t->rq.blocked_addr, sizeof t->rq.blocked_addr);
            else if (address->family == AF_INET6)
                inet_ntop(AF_INET6,
                          &((struct sockaddr_in6 *)&address->addr)->sin6_addr,
                          t->rq.blocked_addr, sizeof t->rq.blocked_addr);
            return CURL_SOCKET_BAD;
        }
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC,
                  address->protocol);
}

static int upload_done(const transfer *t)
{
    curl_off_t sent = 0;
    curl_easy_getinfo(t->easy, CURLINFO_SIZE_UPLOAD_T, &sent);
    return (size_t)sent >= t->job->body_len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;
    t->rq.header_bytes += n;
    /* A header flood is a failure, never a success. */
    if (n > HEADER_LINE_MAX || t->rq.header_bytes > 64 * 1024) {
        t->rq.header_flood = 1;
        return 0;
    }
    if (n > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        size_t i = 12, j = 0;
        while (i < n && (data[i] == ' ' || data[i] == '\t'))
            i++;
        while (i < n && data[i] != '\r' && data[i] != '\n' &&
               j + 1 < sizeof t->rq.retry_after)
            t->rq.retry_after[j++] = data[i++];
        t->rq.retry_after[j] = '\0';
    }
    /* A new status line (after 1xx) resets what we read of headers. */
    if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', n);
        t->rq.retry_after[0] = '\0';
        t->rq.headers_done = 0;
        /* a 1xx is followed by the real answer: only its end counts */
        t->rq.informational = sp && (size_t)(sp - data) + 1 < n && sp[1] == '1';
        t->rq.h2_success = n > 7 && !strncmp(data, "HTTP/2 2", 8);
    } else if ((n == 2 && data[0] == '\r') || (n == 1 && data[0] == '\n')) {
        if (!t->rq.informational)
            t->rq.headers_done = 1;
        if (t->rq.headers_done && t->rq.h2_success && !upload_done(t)) {
            /* The receiver took the delivery before reading all of it.
             * libcurl 7.88 would go on sending into a stream the receiver
             * resets, and then either report an error or wait out the
             * whole timeout: end the transfer here, as the success it is. */
            t->rq.answered_early = 1;
            return 0;
        }
    }
    return n;
}

/* A new transfer with every option that is the same for all of its
 * requests; the URL and the request's own parts are set per start. */
static transfer *transfer_new(rh_http *h)
{
    transfer *t = rh__calloc(h->alloc, sizeof *t);
    CURL *e;
    if (!t)
        return NULL;
    t->http = h;
    e = t->easy = curl_easy_init();
    if (!e) {
        rh__free(h->alloc, t);
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_nodes);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* Proxies only from explicit configuration, never the environment. */
    curl_easy_setopt(e, CURLOPT_PROXY, h->proxy ? h->proxy : "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->rq.errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    rh__http_tls_setup(e, h->mode, h->ca_file, h->ca_cacheable, h->share);
    if (h->mode == RH_MODE_PRODUCTION) {
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    } else {
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    return t;
}

/* Point the transfer at url: a pooled transfer that last sent there keeps
 * its setting, so most starts set nothing here. The URL was checked with
 * curl_url at registration; CURLOPT_URL parses it with the same parser. */
static int transfer_bind_url(rh_http *h, transfer *t, const char *url)
{
    char *copy;
    if (t->url && strcmp(t->url, url) == 0)
        return RH_OK;
    copy = rh__strdup(h->alloc, url);
    if (!copy || curl_easy_setopt(t->easy, CURLOPT_URL, url) != CURLE_OK) {
        rh__free(h->alloc, copy);
        return RH_E_NOMEM;
    }
    rh__free(h->alloc, t->url);
    t->url = copy;
    return RH_OK;
}

/* The job's header lines, linked in place, then two that only stop curl
 * from adding its own: no Expect (a 100-continue round trip) and no
 * Accept (nothing for a receiver, and libcurl 7.88 spends about 95
 * instructions on every header byte it writes). */
static void link_headers(transfer *t, const rh_job *job)
{
    static char no_expect[] = "Expect:", no_accept[] = "Accept:";
    size_t i;
    for (i = 0; i < job->n_headers; i++) {
        t->header_nodes[i].data = job->headers[i];
        t->header_nodes[i].next = &t->header_nodes[i + 1];
    }
    t->header_nodes[i].data = no_expect;
    t->header_nodes[i].next = &t->header_nodes[i + 1];
    t->header_nodes[i + 1].data = no_accept;
    t->header_nodes[i + 1].next = NULL;
}

/* A transfer for the URL, from the pool when one of the most recently
 * used was set up for it (a bounded look: many endpoints must not make
 * every start scan the whole pool). */
static transfer *transfer_take(rh_http *h, const char *url)
{
    for (size_t k = 0; k < 16 && k < h->n_pool; k++) {
        size_t i = h->n_pool - 1 - k;
        if (strcmp(h->pool[i]->url, url) == 0) {
            transfer *t = h->pool[i];
            h->pool[i] = h->pool[--h->n_pool];
            return t;
        }
    }
    return h->n_pool ? h->pool[--h->n_pool] : transfer_new(h);
}

/* A client certificate for this transfer, or none (a reused handle keeps
 * the last one's otherwise). libcurl copies the blobs, and a connection
 * made with one certificate is reused only with the same one. */
static int set_client_cert(CURL *e, const rh_job *job)
{
    struct curl_blob cert = {0}, key = {0};
    if (!job->client_cert)
        return curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, NULL) == CURLE_OK &&
                       curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, NULL) ==
                           CURLE_OK
                   ? RH_OK
                   : RH_E_NOMEM;
    cert.data = (void *)job->client_cert;
    cert.len = strlen(job->client_cert);
    cert.flags = CURL_BLOB_COPY;
    key.data = (void *)job->client_key;
    key.len = strlen(job->client_key);
    key.flags = CURL_BLOB_COPY;
    if (curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK)
        return RH_E_NOMEM;
    return RH_OK;
}

int rh__http_start(rh_http *h, rh_job *job)
{
    transfer *t;
    CURL *e;
    if (job->n_headers > RH_REQUEST_HEADERS_MAX)
        return RH_E_INVALID_ARG;
    t = transfer_take(h, job->url);
    if (!t)
        return RH_E_NOMEM;
    if (transfer_bind_url(h, t, job->url) != RH_OK) {
        transfer_destroy(h, t);
        return RH_E_NOMEM;
    }
    e = t->easy;
    t->job = job;
    memset(&t->rq, 0, sizeof t->rq);
    link_headers(t, job);
#ifdef RH_TEST_HOOKS
    /* curl reads the list into its DNS cache once per setting */
    if (h->resolve)
        curl_easy_setopt(e, CURLOPT_RESOLVE, h->resolve);
#endif
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, job->fresh_connect ? 1L : 0L);
    rh__http_version_setup(e, job->http_version);
    /* a reused handle keeps what the last transfer set: set it each time */
    long timeout = (long)(job->timeout_ms ? job->timeout_ms : h->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    if (set_client_cert(e, job) != RH_OK) {
        transfer_destroy(h, t);
        return RH_E_NOMEM;
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->body_len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body);
    job->priv = t;
    job->done = 0;
    job->retry_after[0] = '\0';
    if (rh__multis_add(h->multis, e, &t->multi_index) != CURLM_OK) {
        job->priv = NULL;
        transfer_destroy(h, t);
        return RH_E_NOMEM;
    }
    return RH_OK;
}

/* Hand every finished transfer of one multi handle to `done`. */
static int collect_one(rh_http *h, CURLM *multi, rh__http_done_cb done,
                       void *ud)
{
    int left, finished = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        transfer *t = NULL;
        long status = 0;
        curl_off_t total_us = 0;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        rh_job *job = t->job;
        CURLcode rc = msg->data.result;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
        job->status = (int)status;
        job->duration_ms = (int64_t)(total_us / 1000);
        job->outcome = rh__http_classify((int)rc, t->easy, &t->rq);
        if (rc != CURLE_OK)
            snprintf(job->error, sizeof job->error, "%s",
                     t->rq.errbuf[0] ? t->rq.errbuf : curl_easy_strerror(rc));
        if (rc == CURLE_OK && !t->rq.headers_done) {
            /* not an answer: its status must not count (a cut-off 410
             * would otherwise disable the endpoint) */
            snprintf(job->error, sizeof job->error,
                     "answer cut off before the end of its headers "
                     "(status line said %d)",
                     (int)status);
            job->status = 0;
        }
        if (job->outcome == RH_OUTCOME_TOO_LARGE && !t->rq.too_large)
            snprintf(job->error, sizeof job->error,
                     "response headers too large");
        if (t->rq.too_large) {
            /* cut short, but the status had arrived: it is still judged */
            job->outcome = RH_OUTCOME_OK;
            snprintf(job->error, sizeof job->error,
                     "response body cut at %d bytes", RESPONSE_ABORT);
        }
        if (job->outcome == RH_OUTCOME_OK && (status < 200 || status > 299))
            job->outcome = RH_OUTCOME_HTTP_STATUS;
        else if (job->outcome == RH_OUTCOME_OK && !t->rq.too_large)
            job->error[0] = '\0'; /* a success ended by a reset (classify) */
        if (t->rq.header_flood) {
            job->outcome = RH_OUTCOME_TOO_LARGE; /* never a success */
            snprintf(job->error, sizeof job->error,
                     "response headers too large");
        }
        if (t->rq.blocked) {
            job->outcome = RH_OUTCOME_BLOCKED;
            job->status = 0;
            snprintf(job->error, sizeof job->error,
                     "blocked: %s is %s (production mode)", t->rq.blocked_addr,
                     t->rq.blocked);
        }
        memcpy(job->retry_after, t->rq.retry_after, sizeof job->retry_after);
        job->done = 1;
        transfer_release(h, t);
        done(job, ud);
        finished++;
    }
    return finished;
}

/* Hand every finished transfer to `done`. */
static int collect(rh_http *h, rh__http_done_cb done, void *ud)
{
    int finished = 0;
    for (size_t i = 0; i < rh__multis_count(h->multis); i++) {
        CURLM *multi = rh__multis_at(h->multis, i);
        if (multi)
            finished += collect_one(h, multi, done, ud);
    }
    return finished;
}

int rh__http_perform(rh_http *h, rh__http_done_cb done, void *ud)
{
    if (rh__multis_perform(h->multis) != CURLM_OK)
        return RH_E_NOMEM;
    return collect(h, done, ud);
}

int rh__http_socket_action(rh_http *h, int fd, unsigned int events,
                           rh__http_done_cb done, void *ud)
{
    if (rh__multis_socket_action(h->multis, fd, events) != CURLM_OK)
        return RH_E_NOMEM;
    return collect(h, done, ud);
}

int64_t rh__http_timeout_ms(const rh_http *h)
{
    return rh__multis_timeout_ms(h->multis);
}

void rh__http_wait(rh_http *h, int64_t ms)
{
    if (ms < 0)
        ms = 1000;
    if (ms > 0x7fffffff)
        ms = 0x7fffffff;
    rh__multis_wait(h->multis, (int)ms);
}
