/* replicer-hooks: one config builder and one store opener for every command,
 * so a flag such as --allow or --timeout-ms means the same thing in each. */
#include "cli.h"

#include <replicer-hooks/rh_sqlite.h>
#ifdef RH_HAVE_PG
#include <replicer-hooks/rh_pg.h>
#endif

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The transfer settings: in-flight caps and the HTTP version. RH_OK, or
 * the library's refusal with the flag it came from in *flag. */
static int set_transfers(const cli_args *a, rh_config *cfg, const char **flag)
{
    int rc = RH_OK;
    if (a->set[O_MAX_IN_FLIGHT] &&
        (rc = rh_config_set_max_in_flight(
             cfg, (size_t)a->num[O_MAX_IN_FLIGHT])) != RH_OK)
        *flag = "--max-in-flight";
    if (rc == RH_OK && a->set[O_PER_TENANT] &&
        (rc = rh_config_set_max_in_flight_per_tenant(
             cfg, (size_t)a->num[O_PER_TENANT])) != RH_OK)
        *flag = "--per-tenant";
    if (rc == RH_OK && a->set[O_PER_ENDPOINT] &&
        (rc = rh_config_set_max_in_flight_per_endpoint(
             cfg, (size_t)a->num[O_PER_ENDPOINT])) != RH_OK)
        *flag = "--per-endpoint";
    if (rc == RH_OK && a->set[O_HTTP_VERSION] &&
        (rc = rh_config_set_http_version(cfg, (int)a->num[O_HTTP_VERSION])) !=
            RH_OK)
        *flag = "--http-version";
    return rc;
}

int cli_config(const cli_args *a, rh_config **out)
{
    rh_config *cfg = NULL;
    const char *flag = NULL;
    int rc = rh_config_new(&cfg);
    if (rc == RH_OK && a->set[O_DEV])
        rc = rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    if (rc == RH_OK && a->set[O_TIMEOUT_MS] &&
        (rc = rh_config_set_timeout_ms(cfg, a->num[O_TIMEOUT_MS])) != RH_OK)
        flag = "--timeout-ms";
    if (rc == RH_OK && a->set[O_LEASE_MS] &&
        (rc = rh_config_set_lease_ms(cfg, a->num[O_LEASE_MS])) != RH_OK)
        flag = "--lease-ms";
    /* rh_ctx_new would refuse it later with a bare RH_E_INVALID_ARG */
    int64_t timeout = a->set[O_TIMEOUT_MS] ? a->num[O_TIMEOUT_MS] : 10000;
    if (rc == RH_OK && a->set[O_LEASE_MS] &&
        a->num[O_LEASE_MS] < timeout + 1000) {
        char why[200];
        snprintf(why, sizeof why,
                 "must be at least the timeout (%lld ms, --timeout-ms) plus "
                 "1000: a claim's lease has to outlive its transfer",
                 (long long)timeout);
        rh_config_free(cfg);
        return cli_bad(a, "--lease-ms", why);
    }
    if (rc == RH_OK)
        rc = set_transfers(a, cfg, &flag);
    if (rc == RH_OK && a->set[O_SCHEDULE] && !a->schedule_default &&
        (rc = rh_config_set_retry_schedule(cfg, a->schedule, a->n_schedule)) !=
            RH_OK)
        flag = "--schedule";
    if (rc == RH_OK && a->set[O_MAX_DATA] &&
        (rc = rh_config_set_max_data_bytes(cfg, (size_t)a->num[O_MAX_DATA])) !=
            RH_OK)
        flag = "--max-data-bytes";
    if (rc == RH_OK && a->set[O_CA_FILE] &&
        (rc = rh_config_set_ca_file(cfg, a->text[O_CA_FILE])) != RH_OK)
        flag = "--ca-file";
    for (size_t i = 0; rc == RH_OK && i < a->n_list; i++)
        if (a->list_of[i] == O_ALLOW &&
            (rc = rh_config_allow_cidr(cfg, a->list[i])) != RH_OK)
            flag = "--allow";
    if (rc == RH_OK && a->set[O_AUTO_DISABLE] &&
        (rc = rh_config_set_auto_disable_ms(cfg, a->num[O_AUTO_DISABLE])) !=
            RH_OK)
        flag = "--auto-disable";
    if (rc == RH_OK && a->set[O_RETENTION] &&
        (rc = rh_config_set_retention_ms(cfg, a->num[O_RETENTION])) != RH_OK)
        flag = "--retention";
    if (rc == RH_OK) {
        *out = cfg;
        return 0;
    }
    rh_config_free(cfg);
    if (!flag) {
        fprintf(stderr, "%s %s: %s\n", cli_prog, a->cmd->name, rh_strerror(rc));
        return EXIT_FAILED;
    }
    return cli_bad(a, flag,
                   !strcmp(flag, "--allow") ? "expected a CIDR like 10.1.2.0/24"
                   : !strcmp(flag, "--auto-disable")
                       ? "expected a duration up to 365d, or 0 for never"
                   : !strcmp(flag, "--retention")
                       ? "expected a duration from 1m to 100 years, or 0 to "
                         "keep everything"
                   : !strcmp(flag, "--ca-file")
                       ? "only with --dev (production uses the system's CAs)"
                       : "out of range");
}

/* Set by cli_open_waiting: a store that cannot be opened for a passing
 * reason is waited for instead of refused. */
static int wait_for_store;

/* A store that fails to open for a reason that passes by itself: a full
 * disk (SQLite says "full", or "disk I/O error" when it cannot even make
 * its -shm file), a lock held elsewhere, a database restarting. */
static int passing_failure(int rc, const char *err)
{
    return rc == RH_E_STORAGE &&
           (strstr(err, "full") || strstr(err, "disk I/O error") ||
            strstr(err, "locked") || strstr(err, "busy") ||
            strstr(err, "unreachable"));
}

/* Sleep about ms, or less when told to stop; 0 when told to stop. */
static int wait_ms(int ms)
{
    for (int i = 0; i < ms / 100 && !cli_stop; i++) {
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return !cli_stop;
}

static int open_storage_once(const cli_args *a, rh_storage *st, char *err,
                             size_t errsz, int *rc)
{
    const char *s = a->text[O_STORE];
    if (!strncmp(s, "sqlite:", 7) && s[7]) {
        if (a->set[O_SCHEMA])
            return cli_bad(a, "--schema", "only with a PostgreSQL store");
        /* SQLite would make it 0644 (and its -wal and -shm files after
         * it): the store holds deliveries' payloads, so ours is 0600 */
        if (s[7] != ':' && strncmp(s + 7, "file:", 5)) {
            int fd = open(s + 7, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0)
                close(fd);
        }
        *rc = rh_sqlite_open(st, s + 7, 0, err, errsz);
    } else if (!strncmp(s, "postgresql://", 13) ||
               !strncmp(s, "postgres://", 11) || !strncmp(s, "pg:", 3)) {
#ifdef RH_HAVE_PG
        const char *conninfo = strncmp(s, "pg:", 3) ? s : s + 3;
        *rc = rh_pg_open(st, conninfo, a->text[O_SCHEMA], err, errsz);
        if (*rc == RH_E_INVALID_ARG && a->text[O_SCHEMA])
            return cli_bad(a, "--schema",
                           "expected 1 to 63 of [a-z0-9_], not starting "
                           "with a digit");
#else
        return cli_bad(a, "--store",
                       "this build has no PostgreSQL support (libpq)");
#endif
    } else {
        return cli_bad(a, "--store",
                       "expected sqlite:PATH, postgresql://... or "
                       "pg:CONNINFO");
    }
    return 0;
}

/* Open the store; with wait_for_store, wait out a passing failure (as a
 * running worker waits out a full disk), saying so once a minute. */
static int open_storage(const cli_args *a, rh_storage *st)
{
    char err[300];
    int rc, tries = 0;
    for (;;) {
        err[0] = '\0';
        int usage = open_storage_once(a, st, err, sizeof err, &rc);
        if (usage)
            return usage;
        if (rc == RH_OK)
            return 0;
        if (!wait_for_store || !passing_failure(rc, err))
            break;
        if (tries++ % 30 == 0)
            fprintf(stderr,
                    "%s %s: waiting for the store (%s); trying again every "
                    "2 s\n",
                    cli_prog, a->cmd->name, err);
        if (!wait_ms(2000))
            break;
    }
    fprintf(stderr, "%s %s: --store: %s\n", cli_prog, a->cmd->name,
            err[0] ? err : rh_strerror(rc));
    return EXIT_USAGE; /* a store named on the command line that cannot be
                          opened is the argument's fault */
}

int cli_open(const cli_args *a, rh_config *cfg, rh_ctx **out)
{
    rh_storage st;
    int rc;
    if (!cfg && (rc = cli_config(a, &cfg)) != 0)
        return rc;
    if ((rc = cli_sealing_key(a, cfg)) != 0 ||
        (rc = open_storage(a, &st)) != 0) {
        rh_config_free(cfg);
        return rc;
    }
    rc = rh_config_set_storage(cfg, &st);
    if (rc == RH_OK)
        rc = rh_ctx_new(out, cfg);
    rh_config_free(cfg);
    if (rc != RH_OK) {
        st.destroy(st.userdata); /* a context that failed does not own it */
        if (rc == RH_E_CRYPTO)
            fprintf(stderr,
                    "%s %s: the store's secrets are sealed with another key: "
                    "give the key file they were sealed with (--key-file or "
                    "REPLICER_HOOKS_KEY_FILE)\n",
                    cli_prog, a->cmd->name);
        else
            fprintf(stderr, "%s %s: %s\n", cli_prog, a->cmd->name,
                    rh_strerror(rc));
        return cli_exit_code(rc);
    }
    return 0;
}

int cli_open_waiting(const cli_args *a, rh_config *cfg, rh_ctx **out)
{
    wait_for_store = 1;
    int rc = cli_open(a, cfg, out);
    wait_for_store = 0;
    return rc;
}
