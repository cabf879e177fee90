/* replicer-hooks SQLite storage (libreplicer-hooks-sqlite): a durable
 * rh_storage on a database file, or on the host's own connection so that
 * emit joins the host's transaction (a transactional outbox). */
#ifndef RH_SQLITE_H
#define RH_SQLITE_H

#include "sys/storage.h"

RH_BEGIN_DECLS

struct sqlite3; /* from <sqlite3.h>; only a pointer crosses this API */

/** Flags for rh_sqlite_open() and rh_sqlite_attach(). */
#define RH_SQLITE_SYNC_NORMAL 1u /* synchronous=NORMAL (default FULL) */

/**
 * Open (or create) the database file at path and fill *out with a storage
 * table for rh_config_set_storage(). The schema is created or migrated; the
 * file is put in WAL mode with synchronous=FULL (NORMAL with
 * RH_SQLITE_SYNC_NORMAL) and a 5 s busy timeout, so several processes may
 * share it. The context that gets the table closes the file when freed;
 * until then, call out->destroy(out->userdata) yourself to close it.
 * err (may be NULL) receives the reason on failure.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOMEM, RH_E_STORAGE (cannot open,
 *         not a database, a schema newer than this library).
 * @since 0.1.0
 */
RH_EXTERN int rh_sqlite_open(rh_storage *out, const char *path,
                             unsigned int flags, char *err, size_t err_size);
/** rh_sqlite_open into a table of its own, for a binding that cannot lay
 *  out the struct: hand it to rh_config_set_storage(), then free the table
 *  with rh_storage_free() (the context closes the store), or close an
 *  unused one with rh_storage_close(). @since 0.2.0 */
RH_EXTERN int rh_sqlite_new(rh_storage **out, const char *path,
                            unsigned int flags, char *err, size_t err_size);

/**
 * The same on the host's open connection, which stays the host's: destroy
 * does not close it, and it must outlive the context. When the host is
 * inside its own transaction, emit's writes join it (committed or rolled
 * back with the host's change); otherwise each write is its own
 * transaction. WAL and synchronous are set only when no transaction is open.
 * @since 0.1.0
 */
RH_EXTERN int rh_sqlite_attach(rh_storage *out, struct sqlite3 *db,
                               unsigned int flags, char *err, size_t err_size);

RH_END_DECLS

#endif /* RH_SQLITE_H */
