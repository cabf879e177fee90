/* The storage backends every conformance test runs on: the memory store and
 * the SQLite adapter (a fresh file per test), behind one factory. */
#ifndef RH_TEST_BACKENDS_H
#define RH_TEST_BACKENDS_H

#include <replicer-hooks/rh.h>

#include "sink.h"

typedef struct rh_test_backend {
    const char *name;
    /* A fresh, empty store. */
    int (*open)(rh_storage *out);
} rh_test_backend;

extern const rh_test_backend rh_test_memory_backend;
extern const rh_test_backend rh_test_sqlite_backend;
extern const rh_test_backend rh_test_pg_backend;
/* The test cluster's connection string, or NULL when there is none. */
const char *rh_test_pg(void);
/* The backend the current conformance test runs on. */
extern const rh_test_backend *rh_test_backend_now;

/* Run body on backend b (skipped, and counted so, for PostgreSQL without a
 * test cluster). */
void rh_test_run_on(const rh_test_backend *b, void (*body)(void));

/* One test function per backend for a body, and their table rows:
 *   RH_BACKEND_WRAPPERS(name, body)  then  RH_BACKEND_ROWS("suite", name) */
#define RH_BACKEND_WRAPPERS(name, body)                                        \
    static void memory_##name(void)                                            \
    {                                                                          \
        rh_test_run_on(&rh_test_memory_backend, body);                         \
    }                                                                          \
    static void sqlite_##name(void)                                            \
    {                                                                          \
        rh_test_run_on(&rh_test_sqlite_backend, body);                         \
    }                                                                          \
    static void pg_##name(void) { rh_test_run_on(&rh_test_pg_backend, body); }
#define RH_BACKEND_ROWS(suite, name)                                           \
    {suite "_memory__" #name, memory_##name},                                  \
        {suite "_sqlite__" #name, sqlite_##name},                              \
        {suite "_pg__" #name, pg_##name},

/* A context (rh_test_ctx_from, which frees cfg) on a fresh store of the
 * current backend; NULL when the store cannot be opened. */
rh_ctx *rh_test_backend_ctx(rh_config *cfg);

/* A context (rh_test_ctx_from, which frees cfg) on the SQLite file at
 * path, as another process would open it; aborts when it cannot. */
rh_ctx *rh_test_sqlite_ctx(const char *path, rh_config *cfg);

/* An endpoint of tenant (NULL: none) for pattern on the sink at path. */
int rh_test_tenant_endpoint(rh_ctx *ctx, sink *s, const char *tenant,
                            const char *path, const char *pattern,
                            char id[RH_ID_SIZE]);
/* How many requests the sink got at paths beginning with prefix. */
int rh_test_sent_to(sink *s, const char *prefix);

/* A path for a new file in this run's temporary directory. */
void rh_test_path(char *out, size_t outsz, const char *stem);
/* In a test's own process (the runner forks one per test): the paths it
 * asks for go to a folder of its own. */
void rh_test_forked(void);

#endif
