/* The tool's stores at rest: secrets sealed with a key from a file the tool
 * makes (0600) when absent, store files 0600, a wrong or exposed key refused
 * with a clear word, on SQLite and PostgreSQL. */
#include "backends.h"
#include "rh_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef RH_HAVE_PG
#include <libpq-fe.h>
#endif

/* Does the file at path hold needle anywhere in its bytes? -1: unreadable. */
static int file_holds(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, len = 0, got, nlen = strlen(needle);
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p)
                break;
            buf = p;
        }
    }
    fclose(f);
    int found = 0;
    for (size_t i = 0; buf && i + nlen <= len && !found; i++)
        found = !memcmp(buf + i, needle, nlen);
    free(buf);
    return found;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* endpoint add with the given store and key file; the secret into secret. */
static int add_endpoint(const char *store, const char *key, char *secret,
                        size_t size, char *out, size_t outsz)
{
    char ep[64], sec[128];
    const char *add[] = {"endpoint", "add",       "https://hooks.example/in",
                         "--events", "*",         "--store",
                         store,      "--key-file", key,
                         NULL};
    int rc = rh_test_tool_run(add, NULL, out, outsz);
    /* "ep_... whsec_...", after what standard error said first */
    const char *line = strstr(out, "ep_");
    secret[0] = '\0';
    if (rc == 0 && line && sscanf(line, "%63s %127s", ep, sec) == 2)
        snprintf(secret, size, "%s", sec);
    return rc;
}

static void test_cli_seal__sqlite_secrets_sealed_and_files_private(void)
{
    char db[128], store[160], key[160], out[4096], secret[128], wal[180];
    rh_test_path(db, sizeof db, "seal");
    rh_test_path(key, sizeof key, "seal-key");
    snprintf(store, sizeof store, "sqlite:%s", db);
    RH_CHECK_EQ_INT(0, add_endpoint(store, key, secret, sizeof secret, out,
                                    sizeof out));
    RH_CHECK(strncmp(secret, "whsec_", 6) == 0);
    RH_CHECK(strstr(out, "made a sealing key") != NULL);
    RH_CHECK_EQ_INT(0600, mode_of(key));
    RH_CHECK_EQ_INT(0600, mode_of(db));
    /* neither the secret nor its base64 is anywhere in the store's bytes */
    snprintf(wal, sizeof wal, "%s-wal", db);
    RH_CHECK_EQ_INT(0, file_holds(db, secret + 6));
    RH_CHECK(file_holds(wal, secret + 6) <= 0);
    if (mode_of(wal) >= 0)
        RH_CHECK_EQ_INT(0600, mode_of(wal));
    RH_CHECK_EQ_INT(1, file_holds(db, "sealed:v1:"));
    /* the same key opens it again, and says nothing of making one */
    const char *list[] = {"endpoint", "list", "--store", store, "--key-file",
                          key,        NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "hooks.example") != NULL);
    RH_CHECK(strstr(out, "made a sealing key") == NULL);
    /* another key: refused, naming what to give */
    char other[160];
    rh_test_path(other, sizeof other, "seal-other");
    const char *wrong[] = {"endpoint", "list", "--store", store, "--key-file",
                           other,      NULL};
    RH_CHECK(rh_test_tool_run(wrong, NULL, out, sizeof out) != 0);
    RH_CHECK(strstr(out, "sealed with another key") != NULL);
    /* a key others can read is refused, not used */
    RH_CHECK_EQ_INT(0, chmod(key, 0644));
    RH_CHECK_EQ_INT(2, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "chmod 600") != NULL);
    RH_CHECK_EQ_INT(0, chmod(key, 0600));
    /* a folder where the key should be: not a regular file, refused */
    char folder[160];
    rh_test_path(folder, sizeof folder, "seal-folder");
    RH_CHECK_EQ_INT(0, mkdir(folder, 0700));
    const char *not_file[] = {"endpoint", "list", "--store", store,
                              "--key-file", folder, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(not_file, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "not a regular file") != NULL);
    /* a key file that is not a key */
    int fd = open(other, O_WRONLY | O_TRUNC | O_CREAT, 0600);
    RH_CHECK(fd >= 0);
    RH_CHECK_EQ_INT(4, (int)write(fd, "nope", 4));
    close(fd);
    RH_CHECK_EQ_INT(2, rh_test_tool_run(wrong, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "not a sealing key") != NULL);
    /* --schema belongs to PostgreSQL */
    const char *schema[] = {"endpoint", "list",  "--store", store,
                            "--schema", "other", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(schema, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--schema: only with a PostgreSQL store") != NULL);
}

/* The environment names the key as well as the flag does. */
static void test_cli_seal__key_from_the_environment(void)
{
    char db[128], store[160], key[160], out[4096], secret[128];
    rh_test_path(db, sizeof db, "seal-env");
    rh_test_path(key, sizeof key, "seal-env-key");
    snprintf(store, sizeof store, "sqlite:%s", db);
    RH_CHECK_EQ_INT(0, add_endpoint(store, key, secret, sizeof secret, out,
                                    sizeof out));
    char *saved = getenv("REPLICER_HOOKS_KEY_FILE");
    char keep[256] = "";
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    setenv("REPLICER_HOOKS_KEY_FILE", key, 1);
    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    int rc = rh_test_tool_run(list, NULL, out, sizeof out);
    if (keep[0])
        setenv("REPLICER_HOOKS_KEY_FILE", keep, 1);
    else
        unsetenv("REPLICER_HOOKS_KEY_FILE");
    RH_CHECK_EQ_INT(0, rc);
    RH_CHECK(strstr(out, "hooks.example") != NULL);
}

static void test_cli_seal__pg_secrets_sealed(void)
{
#ifdef RH_HAVE_PG
    char store[600], key[160], out[4096], secret[128], sql[200];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    rh_test_path(key, sizeof key, "seal-pg-key");
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    char schema[40];
    snprintf(schema, sizeof schema, "seal_%d", (int)getpid());
    char ep[64], sec[128];
    const char *add[] = {"endpoint", "add",      "https://hooks.example/in",
                         "--events", "*",        "--store",
                         store,      "--schema", schema,
                         "--key-file", key,      NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "ep_") != NULL);
    RH_CHECK_EQ_INT(2, sscanf(strstr(out, "ep_"), "%63s %127s", ep, sec));
    snprintf(secret, sizeof secret, "%s", sec);
    PGconn *db = PQconnectdb(rh_test_pg());
    RH_CHECK_EQ_INT(CONNECTION_OK, PQstatus(db));
    snprintf(sql, sizeof sql, "SELECT string_agg(e::text, ' ') FROM %s.endpoints e",
             schema);
    PGresult *r = PQexec(db, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    const char *row = ok ? PQgetvalue(r, 0, 0) : "";
    int has_secret = strstr(row, secret + 6) != NULL;
    int has_sealed = strstr(row, "sealed:v1:") != NULL;
    PQclear(r);
    PQclear(PQexec(db, "SET client_min_messages = warning"));
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    PQclear(PQexec(db, sql));
    PQfinish(db);
    RH_CHECK(ok);
    RH_CHECK(!has_secret);
    RH_CHECK(has_sealed);
#else
    RH_SKIP("built without libpq");
#endif
}

const rh_test_case rh_tests_cli_seal[] = {
    {"cli_seal__sqlite_secrets_sealed_and_files_private",
     test_cli_seal__sqlite_secrets_sealed_and_files_private},
    {"cli_seal__key_from_the_environment",
     test_cli_seal__key_from_the_environment},
    {"cli_seal__pg_secrets_sealed", test_cli_seal__pg_secrets_sealed},
    {NULL, NULL}};
