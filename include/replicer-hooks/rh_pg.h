/* replicer-hooks PostgreSQL storage (libreplicer-hooks-pg): one delivery
 * queue shared by many processes on many machines, claimed with
 * FOR UPDATE SKIP LOCKED, and a transactional outbox on the host's PGconn. */
#ifndef RH_PG_H
#define RH_PG_H

#include "sys/storage.h"

RH_BEGIN_DECLS

struct pg_conn; /* PGconn, from <libpq-fe.h>; only a pointer crosses */

/**
 * Connect with a libpq connection string (or postgresql:// URI) and fill
 * *out for rh_config_set_storage(). Tables live in `schema` (NULL:
 * "replicer_hooks"; 1 to 63 of [a-z0-9_], not starting with a digit), created
 * or migrated on first use. A lost connection is re-established on a later
 * call, with backoff; meanwhile calls fail with RH_E_STORAGE. The context
 * closes the connection when freed.
 * err (may be NULL) receives the reason on failure.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM, RH_E_STORAGE (cannot connect,
 *         a schema newer than this library).
 * @since 0.1.0
 */
RH_EXTERN int rh_pg_open(rh_storage *out, const char *conninfo,
                         const char *schema, char *err, size_t err_size);
/** rh_pg_open into a table of its own (see rh_sqlite_new). @since 0.2.0 */
RH_EXTERN int rh_pg_new(rh_storage **out, const char *conninfo,
                        const char *schema, char *err, size_t err_size);

/**
 * The same on the host's connection, which stays the host's (never closed,
 * never reset). Inside the host's transaction, emit's writes join it: they
 * commit or roll back with the host's change.
 * @since 0.1.0
 */
RH_EXTERN int rh_pg_attach(rh_storage *out, struct pg_conn *conn,
                           const char *schema, char *err, size_t err_size);

RH_END_DECLS

#endif /* RH_PG_H */
