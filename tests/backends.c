/* The test backends and this run's temporary directory. */
#include "backends.h"
#include "rh_test.h"
#include "rh_internal.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const rh_test_backend *rh_test_backend_now;

static char tmpdir[64];

static void remove_tmpdir(void)
{
    char cmd[128];
    if (!tmpdir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

void rh_test_forked(void)
{
    /* the parent's folder stays the parent's: its atexit handler, which
     * the child inherits, now removes only what the child makes */
    tmpdir[0] = '\0';
}

void rh_test_path(char *out, size_t outsz, const char *stem)
{
    static unsigned n;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/rh-test-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
        atexit(remove_tmpdir);
    }
    snprintf(out, outsz, "%s/%s-%u.db", tmpdir, stem, ++n);
}

static int open_memory(rh_storage *out)
{
    return rh__memstore_new(out, &rh__default_allocator, 100000, 100000);
}

static int open_sqlite(rh_storage *out)
{
    char path[128], err[256];
    rh_test_path(path, sizeof path, "conformance");
    int rc = rh_sqlite_open(out, path, 0, err, sizeof err);
    if (rc != RH_OK)
        fprintf(stderr, "rh_sqlite_open: %s\n", err);
    return rc;
}

const rh_test_backend rh_test_memory_backend = {"memory", open_memory};
const rh_test_backend rh_test_sqlite_backend = {"sqlite", open_sqlite};

const char *rh_test_pg(void)
{
#ifdef RH_HAVE_PG
    const char *c = getenv("RH_TEST_PG");
    return c && *c ? c : NULL;
#else
    return NULL;
#endif
}

/* A fresh schema per store: each test starts from an empty queue. */
static int open_pg(rh_storage *out)
{
#ifdef RH_HAVE_PG
    char schema[64], err[512];
    static unsigned n;
    snprintf(schema, sizeof schema, "t%u_%u", (unsigned)getpid(), ++n);
    int rc = rh_pg_open(out, rh_test_pg(), schema, err, sizeof err);
    if (rc != RH_OK)
        fprintf(stderr, "rh_pg_open: %s\n", err);
    return rc;
#else
    (void)out;
    return RH_E_UNSUPPORTED;
#endif
}

const rh_test_backend rh_test_pg_backend = {"pg", open_pg};

void rh_test_run_on(const rh_test_backend *b, void (*body)(void))
{
    if (b == &rh_test_pg_backend && !rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    rh_test_backend_now = b;
    body();
}

rh_ctx *rh_test_backend_ctx(rh_config *cfg)
{
    rh_storage st;
    if (rh_test_backend_now->open(&st) != RH_OK ||
        rh_config_set_storage(cfg, &st) != RH_OK) {
        rh_config_free(cfg);
        return NULL;
    }
    return rh_test_ctx_from(cfg);
}

rh_ctx *rh_test_sqlite_ctx(const char *path, rh_config *cfg)
{
    rh_storage st;
    char err[256];
    if (rh_sqlite_open(&st, path, 0, err, sizeof err) != RH_OK)
        abort();
    rh_config_set_storage(cfg, &st);
    return rh_test_ctx_from(cfg);
}

int rh_test_tenant_endpoint(rh_ctx *ctx, sink *s, const char *tenant,
                            const char *path, const char *pattern,
                            char id[RH_ID_SIZE])
{
    char url[256], secret[RH_SECRET_SIZE];
    const char *events[] = {pattern};
    rh_endpoint_options *o = NULL;
    sink_url(s, path, url, sizeof url);
    if (rh_endpoint_options_new(&o) != RH_OK ||
        rh_endpoint_options_set_tenant(o, tenant) != RH_OK)
        abort();
    int rc = rh_endpoint_add_with(ctx, url, events, 1, o, id, RH_ID_SIZE,
                                  secret, sizeof secret);
    rh_endpoint_options_free(o);
    return rc;
}

int rh_test_sent_to(sink *s, const char *prefix)
{
    int n = 0;
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        if (sink_get(s, i, &r) == 0) {
            n += strncmp(r.path, prefix, strlen(prefix)) == 0;
            sink_request_free(&r);
        }
    }
    return n;
}
