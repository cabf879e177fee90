/* replicer-hooks per-endpoint settings: a timeout, a retry schedule, an
 * in-flight cap, a rate limit and an HTTP version stored with the
 * endpoint, each overriding the context's; the claim's room for an
 * endpoint and its token bucket. */
#include "rh_base.h"
#include "rh_endpoint_record.h"

#include <string.h>

/* Store the endpoint with its settings replaced by *next (valid already);
 * on failure the old ones stay. */
static int replace_settings(rh_ctx *ctx, rh_endpoint *ep,
                            const rh_endpoint_settings *next)
{
    rh_endpoint_settings was = ep->set;
    int rc;
    ep->set = *next;
    rc = rh__ctx_save_endpoint(ctx, ep);
    if (rc != RH_OK) {
        ep->set = was;
        return rc;
    }
    if (next->rate_per_s != was.rate_per_s)
        ep->tokens_at_ms = 0; /* a new limit starts with a full bucket */
    ctx->index_dirty = 1;     /* the claim lists capped and limited ones */
    /* a larger room may take due work now; the host's timer needs no news:
     * a claim held by the caps has it look again within 250 ms */
    ctx->claim_blocked = 0;
    return RH_OK;
}

int rh_endpoint_set_timeout_ms(rh_ctx *ctx, const char *endpoint_id, int64_t ms)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (ms < 0 || ms > RH_TIMEOUT_MAX_MS)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "timeout: 1 to 600000 ms, or 0 for the "
                              "context's");
    rh_endpoint_settings next = ep->set;
    next.timeout_ms = ms;
    return replace_settings(ctx, ep, &next);
}

int rh_endpoint_set_retry_schedule(rh_ctx *ctx, const char *endpoint_id,
                                   const int64_t *delays_ms, size_t n)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    rh_endpoint_settings next = ep->set;
    next.has_schedule = delays_ms != NULL;
    next.schedule_len = delays_ms ? n : 0;
    if (delays_ms && n > RH_SCHEDULE_MAX)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "schedule: at most %d delays", RH_SCHEDULE_MAX);
    for (size_t i = 0; i < next.schedule_len; i++) {
        if (delays_ms[i] < 0 || delays_ms[i] > RH_DELAY_MAX_MS)
            return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                                  RH_REFUSAL_MALFORMED,
                                  "schedule[%zu]: 0 to 30 days", i);
        next.schedule_ms[i] = delays_ms[i];
    }
    return replace_settings(ctx, ep, &next);
}

int rh_endpoint_set_max_in_flight(rh_ctx *ctx, const char *endpoint_id,
                                  size_t n)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (n > 100000)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "in-flight cap: 1 to 100000, or 0 for the "
                              "context's");
    rh_endpoint_settings next = ep->set;
    next.max_in_flight = n;
    return replace_settings(ctx, ep, &next);
}

int rh_endpoint_set_rate_limit(rh_ctx *ctx, const char *endpoint_id,
                               double per_second)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (!(per_second >= 0) || per_second > 100000 ||
        (per_second > 0 && per_second < 0.001))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "rate limit: 0.001 to 100000 requests a second, "
                              "or 0 for none");
    rh_endpoint_settings next = ep->set;
    next.rate_per_s = per_second;
    return replace_settings(ctx, ep, &next);
}

#define PEM_MAX (64 * 1024)

static int pem_ok(const char *pem, const char *label)
{
    size_t n = strnlen(pem, PEM_MAX + 1);
    return n > 0 && n <= PEM_MAX && strstr(pem, "-----BEGIN ") &&
           strstr(pem, label);
}

int rh_endpoint_set_client_cert(rh_ctx *ctx, const char *endpoint_id,
                                const char *cert_pem, const char *key_pem)
{
    rh_endpoint *ep;
    char *cert = NULL, *key = NULL;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (!cert_pem != !key_pem)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CLIENT_KEY,
                              RH_REFUSAL_MALFORMED,
                              "give both the certificate and its key, or "
                              "neither to remove them");
    if (cert_pem && !pem_ok(cert_pem, "CERTIFICATE-----"))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CLIENT_CERT,
                              RH_REFUSAL_MALFORMED,
                              "cert_pem: not a PEM certificate (at most 64 "
                              "KiB)");
    if (key_pem && !pem_ok(key_pem, "PRIVATE KEY-----"))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CLIENT_KEY,
                              RH_REFUSAL_MALFORMED,
                              "key_pem: not a PEM private key (at most 64 "
                              "KiB)");
    if (key_pem && strstr(key_pem, "ENCRYPTED"))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CLIENT_KEY,
                              RH_REFUSAL_MALFORMED,
                              "key_pem: an encrypted key cannot be used; "
                              "seal it with rh_config_set_sealing_key instead");
    if (cert_pem && (!(cert = rh__strdup(&ctx->alloc, cert_pem)) ||
                     !(key = rh__strdup(&ctx->alloc, key_pem)))) {
        rh__free(&ctx->alloc, cert);
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    }
    char *old_cert = ep->client_cert, *old_key = ep->client_key;
    ep->client_cert = cert;
    ep->client_key = key;
    rc = rh__ctx_save_endpoint(ctx, ep);
    if (rc != RH_OK) {
        ep->client_cert = old_cert;
        ep->client_key = old_key;
        old_cert = cert;
        old_key = key;
    }
    rh__free(&ctx->alloc, old_cert);
    rh__free_secret(&ctx->alloc, old_key);
    return rc;
}

int rh_endpoint_has_client_cert(const rh_endpoint *ep)
{
    return ep && ep->client_cert != NULL;
}

int rh_endpoint_set_http_version(rh_ctx *ctx, const char *endpoint_id,
                                 int version)
{
    rh_endpoint *ep;
    int rc = rh__endpoint_lookup(ctx, endpoint_id, &ep);
    if (rc != RH_OK)
        return rc;
    if (version < RH_HTTP_VERSION_DEFAULT || version > RH_HTTP_VERSION_2)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "http version: 0 (the context's), 1 (HTTP/1.1) "
                              "or 2 (h2 where offered)");
    rh_endpoint_settings next = ep->set;
    next.http_version = version;
    return replace_settings(ctx, ep, &next);
}

int rh_endpoint_http_version(const rh_endpoint *ep)
{
    return ep ? ep->set.http_version : 0;
}

int64_t rh_endpoint_timeout_ms(const rh_endpoint *ep)
{
    return ep ? ep->set.timeout_ms : 0;
}
size_t rh_endpoint_max_in_flight(const rh_endpoint *ep)
{
    return ep ? ep->set.max_in_flight : 0;
}
double rh_endpoint_rate_limit(const rh_endpoint *ep)
{
    return ep ? ep->set.rate_per_s : 0;
}
int rh_endpoint_retry_schedule(const rh_endpoint *ep, int64_t *out, size_t cap)
{
    if (!ep || (!out && cap))
        return RH_E_INVALID_ARG;
    if (!ep->set.has_schedule)
        return RH_E_NOT_FOUND; /* it follows the context's */
    size_t n = ep->set.schedule_len < cap ? ep->set.schedule_len : cap;
    if (n)
        memcpy(out, ep->set.schedule_ms, n * sizeof *out);
    return (int)ep->set.schedule_len;
}

const int64_t *rh__endpoint_schedule(const rh_ctx *ctx, const rh_endpoint *ep,
                                     size_t *n)
{
    if (ep && ep->set.has_schedule) {
        *n = ep->set.schedule_len;
        return ep->set.schedule_ms;
    }
    *n = ctx->s.schedule_len;
    return ctx->s.schedule_ms;
}

/* A token bucket on the delivery clock: rate tokens a second, holding at
 * most a second's worth (at least one), full when first used. */
static double tokens_now(rh_endpoint *ep, int64_t now)
{
    double burst = ep->set.rate_per_s > 1 ? ep->set.rate_per_s : 1;
    if (!ep->tokens_at_ms || now < ep->tokens_at_ms) {
        ep->tokens = burst;
    } else {
        ep->tokens +=
            ep->set.rate_per_s * (double)(now - ep->tokens_at_ms) / 1000.0;
        if (ep->tokens > burst)
            ep->tokens = burst;
    }
    ep->tokens_at_ms = now;
    return ep->tokens;
}

size_t rh__endpoint_room(rh_ctx *ctx, rh_endpoint *ep, int64_t now)
{
    size_t cap = ep->set.max_in_flight ? ep->set.max_in_flight
                                       : ctx->s.max_in_flight_per_endpoint;
    size_t busy = ep->in_flight, room;
    if (rh__endpoint_held(ctx, ep) || busy >= cap)
        return 0;
    room = cap - busy;
    if (ep->set.rate_per_s > 0) {
        double t = tokens_now(ep, now);
        if (t < 0)
            t = 0;
        if (t < (double)room) /* t >= 0: truncation is floor */
            room = (size_t)t;
    }
    return room;
}

void rh__endpoint_take_token(rh_endpoint *ep)
{
    if (ep->set.rate_per_s > 0 && ep->tokens >= 1)
        ep->tokens -= 1;
}
