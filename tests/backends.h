/* The storage backends every conformance test runs on: the memory store and
 * the SQLite adapter (a fresh file per test), behind one factory. */
#ifndef RH_TEST_BACKENDS_H
#define RH_TEST_BACKENDS_H

#include <replicer-hooks/rh.h>

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

/* A path for a new file in this run's temporary directory. */
void rh_test_path(char *out, size_t outsz, const char *stem);

#endif
