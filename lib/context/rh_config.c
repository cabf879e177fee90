/* replicer-hooks config: the opaque builder a context is made from, with one
 * typed setter per option and the defaults docs/design.md gives. */
#include "rh_config.h"
#include "rh_store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const int64_t default_schedule_ms[] = {5000, 30000, 120000, 600000,
                                              1800000};

int rh_config_new(rh_config **out)
{
    rh_config *c;
    if (!out)
        return RH_E_INVALID_ARG;
    c = calloc(1, sizeof *c);
    if (!c)
        return RH_E_NOMEM;
    c->s.mode = RH_MODE_PRODUCTION;
    c->s.timeout_ms = 10000;
    memcpy(c->s.schedule_ms, default_schedule_ms, sizeof default_schedule_ms);
    c->s.schedule_len = sizeof default_schedule_ms / sizeof *default_schedule_ms;
    c->s.max_in_flight = 64;
    c->s.max_in_flight_per_endpoint = 8;
    c->s.max_pending = 1000000;
    c->s.max_log = 100000;
    c->s.max_data_bytes = RH_MAX_DATA_BYTES_DEFAULT;
    c->s.standard_headers = 1;
    c->s.auto_disable_ms = RH_AUTO_DISABLE_DEFAULT_MS;
    c->s.retention_ms = RH_RETENTION_DEFAULT_MS;
    c->s.idempotency_window_ms = RH_IDEMPOTENCY_WINDOW_DEFAULT_MS;
    c->alloc = rh__default_allocator;
    *out = c;
    return RH_OK;
}

void rh_config_free(rh_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->ca_file);
    free(cfg->proxy);
    rh__wipe(cfg->s.sealing_key, sizeof cfg->s.sealing_key);
    free(cfg);
}

int rh_config_set_mode(rh_config *cfg, int mode)
{
    if (!cfg || (mode != RH_MODE_PRODUCTION && mode != RH_MODE_DEVELOPMENT))
        return RH_E_INVALID_ARG;
    cfg->s.mode = mode;
    return RH_OK;
}

int rh_config_set_timeout_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 1 || ms > RH_TIMEOUT_MAX_MS)
        return RH_E_INVALID_ARG;
    cfg->s.timeout_ms = ms;
    return RH_OK;
}

int rh_config_set_retry_schedule(rh_config *cfg, const int64_t *delays_ms,
                                 size_t n)
{
    if (!cfg || n > RH_SCHEDULE_MAX || (n && !delays_ms))
        return RH_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (delays_ms[i] < 0 || delays_ms[i] > RH_DELAY_MAX_MS)
            return RH_E_INVALID_ARG;
    if (n)
        memcpy(cfg->s.schedule_ms, delays_ms, n * sizeof *delays_ms);
    cfg->s.schedule_len = n;
    return RH_OK;
}

int rh_config_set_retry_jitter_pct(rh_config *cfg, int pct)
{
    if (!cfg || pct < 0 || pct > 50)
        return RH_E_INVALID_ARG;
    cfg->s.jitter_pct = pct;
    return RH_OK;
}

int rh_config_set_max_in_flight(rh_config *cfg, size_t n)
{
    if (!cfg || n < 1 || n > 100000)
        return RH_E_INVALID_ARG;
    cfg->s.max_in_flight = n;
    return RH_OK;
}

int rh_config_set_max_in_flight_per_endpoint(rh_config *cfg, size_t n)
{
    if (!cfg || n < 1 || n > 100000)
        return RH_E_INVALID_ARG;
    cfg->s.max_in_flight_per_endpoint = n;
    return RH_OK;
}

int rh_config_set_max_pending(rh_config *cfg, size_t n)
{
    if (!cfg || n < 1)
        return RH_E_INVALID_ARG;
    cfg->s.max_pending = n;
    return RH_OK;
}

int rh_config_set_max_data_bytes(rh_config *cfg, size_t n)
{
    /* "{}" is the smallest object; past 1 GiB no receiver takes it and the
     * envelope's size sums stay far from overflow */
    if (!cfg || n < 2 || n > (size_t)1 << 30)
        return RH_E_INVALID_ARG;
    cfg->s.max_data_bytes = n;
    return RH_OK;
}

int rh_config_set_max_log(rh_config *cfg, size_t n)
{
    if (!cfg || n < 1)
        return RH_E_INVALID_ARG;
    cfg->s.max_log = n;
    return RH_OK;
}

int rh_config_set_clock(rh_config *cfg, rh_clock_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.clock = cb;
    cfg->s.clock_ud = userdata;
    return RH_OK;
}

int rh_config_set_random(rh_config *cfg, rh_random_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.random = cb;
    cfg->s.random_ud = userdata;
    return RH_OK;
}

int rh_config_set_attempt_cb(rh_config *cfg, rh_attempt_notify_cb cb,
                             void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.attempt_cb = cb;
    cfg->s.attempt_ud = userdata;
    return RH_OK;
}

int rh_config_set_failed_cb(rh_config *cfg, rh_failed_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.failed_cb = cb;
    cfg->s.failed_ud = userdata;
    return RH_OK;
}

int rh_config_set_auto_disable_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 0 || ms > 365LL * 86400 * 1000)
        return RH_E_INVALID_ARG;
    cfg->s.auto_disable_ms = ms;
    return RH_OK;
}

int rh_config_set_retention_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 0 || (ms > 0 && ms < 60000) ||
        ms > 100LL * 365 * 86400 * 1000)
        return RH_E_INVALID_ARG;
    cfg->s.retention_ms = ms;
    return RH_OK;
}

int rh_config_set_idempotency_window_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 1000 || ms > 365LL * 86400 * 1000)
        return RH_E_INVALID_ARG;
    cfg->s.idempotency_window_ms = ms;
    return RH_OK;
}

int rh_config_set_token_cb(rh_config *cfg, rh_token_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.token_cb = cb;
    cfg->s.token_ud = userdata;
    return RH_OK;
}

int rh_config_set_endpoint_state_cb(rh_config *cfg, rh_endpoint_state_cb cb,
                                    void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.endpoint_state_cb = cb;
    cfg->s.endpoint_state_ud = userdata;
    return RH_OK;
}

int rh_config_set_event_type_cb(rh_config *cfg, rh_event_type_notice_cb cb,
                                void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.event_type_cb = cb;
    cfg->s.event_type_ud = userdata;
    return RH_OK;
}

int rh_config_set_allocator(rh_config *cfg, const rh_allocator *alloc)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    if (!alloc) {
        cfg->alloc = rh__default_allocator;
        return RH_OK;
    }
    if (!alloc->malloc_fn || !alloc->realloc_fn || !alloc->free_fn)
        return RH_E_INVALID_ARG;
    cfg->alloc = *alloc;
    return RH_OK;
}

void rh_storage_free(rh_storage *table)
{
    free(table);
}

void rh_storage_close(rh_storage *table)
{
    if (table && table->destroy)
        table->destroy(table->userdata);
    free(table);
}

int rh_config_set_storage(rh_config *cfg, const rh_storage *st)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    if (!st) {
        cfg->has_storage = 0;
        return RH_OK;
    }
    int rc = rh__store_table_check(st);
    if (rc != RH_OK)
        return rc;
    /* Copy only what the host's version has: a version-1 table given to
     * this library is shorter than our rh_storage, and reading past it
     * would take whatever follows it in the host's memory for slots. */
    memset(&cfg->storage, 0, sizeof cfg->storage);
    memcpy(&cfg->storage, st, rh__store_table_size(st->version));
    cfg->has_storage = 1;
    return RH_OK;
}

int rh_config_set_standard_headers(rh_config *cfg, int on)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.standard_headers = on != 0;
    return RH_OK;
}

int rh_config_set_ca_file(rh_config *cfg, const char *path)
{
    char *copy = NULL;
    if (!cfg || (path && !*path))
        return RH_E_INVALID_ARG;
    if (path && !(copy = strdup(path)))
        return RH_E_NOMEM;
    free(cfg->ca_file);
    cfg->ca_file = copy;
    return RH_OK;
}

int rh_config_set_lease_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 1000 || ms > 86400000)
        return RH_E_INVALID_ARG;
    cfg->s.lease_ms = ms;
    return RH_OK;
}

int rh_config_set_idle_connections(rh_config *cfg, size_t n)
{
    if (!cfg || n > 100000)
        return RH_E_INVALID_ARG;
    cfg->s.idle_connections = n;
    return RH_OK;
}

int rh_config_set_http_version(rh_config *cfg, int version)
{
    if (!cfg || version < RH_HTTP_VERSION_DEFAULT ||
        version > RH_HTTP_VERSION_2)
        return RH_E_INVALID_ARG;
    cfg->s.http_version = version;
    return RH_OK;
}

int rh_config_set_max_in_flight_per_tenant(rh_config *cfg, size_t n)
{
    if (!cfg || n > 100000)
        return RH_E_INVALID_ARG;
    cfg->s.max_in_flight_per_tenant = n;
    return RH_OK;
}

int rh_config_set_tenant_required(rh_config *cfg, int required)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.tenant_required = required != 0;
    return RH_OK;
}

int rh_config_set_endpoint_refresh_ms(rh_config *cfg, int64_t ms)
{
    if (!cfg || ms < 0 || ms > 86400000)
        return RH_E_INVALID_ARG;
    cfg->s.endpoint_refresh_ms = ms;
    return RH_OK;
}

int rh_config_allow_cidr(rh_config *cfg, const char *cidr)
{
    rh_cidr c;
    if (!cfg || !cidr || cfg->s.n_allow >= RH_ALLOW_MAX ||
        rh__cidr_parse(cidr, &c) != RH_OK)
        return RH_E_INVALID_ARG;
    cfg->s.allow[cfg->s.n_allow++] = c;
    return RH_OK;
}

int rh_config_set_proxy(rh_config *cfg, const char *url)
{
    char *copy = NULL;
    if (!cfg || (url && (!*url || strpbrk(url, " \r\n"))))
        return RH_E_INVALID_ARG;
    if (url && !(copy = strdup(url)))
        return RH_E_NOMEM;
    free(cfg->proxy);
    cfg->proxy = copy;
    return RH_OK;
}

int rh_config_set_sealing_key(rh_config *cfg, const unsigned char *key,
                              size_t len)
{
    if (!cfg || (key && len != 32) || (!key && len))
        return RH_E_INVALID_ARG;
    if (!key) {
        rh__wipe(cfg->s.sealing_key, sizeof cfg->s.sealing_key);
        cfg->s.has_sealing_key = 0;
        return RH_OK;
    }
    memcpy(cfg->s.sealing_key, key, 32);
    cfg->s.has_sealing_key = 1;
    return RH_OK;
}

int rh_config_set_socket_cb(rh_config *cfg, rh_socket_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.socket_cb = cb;
    cfg->s.socket_ud = userdata;
    return RH_OK;
}

int rh_config_set_timer_cb(rh_config *cfg, rh_timer_cb cb, void *userdata)
{
    if (!cfg)
        return RH_E_INVALID_ARG;
    cfg->s.timer_cb = cb;
    cfg->s.timer_ud = userdata;
    return RH_OK;
}
