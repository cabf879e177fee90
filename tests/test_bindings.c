/* The language bindings installed as users install them, each with its own
 * suite (bindings/python/tests, bindings/node/test) run against the
 * installed copy and this build's shared libraries; and the man pages.
 * Skipped, and counted so, without python3, pip, node or npm, or outside
 * the plain build (a sanitizer's libraries cannot be loaded into an
 * interpreter that was not built with it). */
#include "backends.h"
#include "rh_test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The end of a failed run's log, on stderr beside the failure. */
static void show_log(const char *log)
{
    char tail[400];
    snprintf(tail, sizeof tail, "tail -n 30 '%s' >&2", log);
    if (system(tail) != 0)
        fprintf(stderr, "    (no log at %s)\n", log);
}

/* The Python package installed the way a user installs it (its sdist, in a
 * fresh virtual environment, offline), then the binding's whole suite run
 * against that copy (tests/bindings/pip_install.sh says how). */
static void test_bindings__python_installs_with_pip(void)
{
    const char *lib_dir = getenv("RH_PYTHON_LIB_DIR");
    if (!lib_dir || !*lib_dir)
        RH_SKIP("the Python binding is tested in the plain build (make check)");
    const char *py =
        access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char probe[256], dir[128], log[160], cmd[1024];
    snprintf(probe, sizeof probe,
             "%s -c 'import setuptools' >/dev/null 2>&1 && "
             "%s -m pip --version >/dev/null 2>&1",
             py, py);
    if (system(probe) != 0)
        RH_SKIP("no pip or setuptools (apt-get install python3-pip "
                "python3-setuptools)");
    rh_test_path(dir, sizeof dir, "pip-install");
    rh_test_path(log, sizeof log, "pip-install.log");
    snprintf(cmd, sizeof cmd,
             "sh tests/bindings/pip_install.sh '%s' '%s' '%s' > '%s' 2>&1", dir,
             lib_dir, py, log);
    int rc = system(cmd);
    if (rc != 0)
        show_log(log);
    RH_CHECK_EQ_INT(0, rc);
}

/* The Python binding's type stubs: mypy --strict over typed uses right and
 * wrong, and stubtest against the package as it imports
 * (tests/bindings/mypy_types.sh says how). */
static void test_bindings__python_types_check(void)
{
    const char *lib_dir = getenv("RH_PYTHON_LIB_DIR"); /* the plain build's */
    if (!lib_dir || !*lib_dir)
        RH_SKIP("the Python binding is tested in the plain build (make check)");
    /* Debian's python3-mypy is /usr/bin/python3's, whatever is first on PATH */
    const char *py =
        access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char log[160], cmd[1024];
    rh_test_path(log, sizeof log, "mypy-types.log");
    snprintf(cmd, sizeof cmd,
             "sh tests/bindings/mypy_types.sh '%s' '%s' > '%s' 2>&1", lib_dir,
             py, log);
    int rc = system(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3)
        RH_SKIP("no mypy (apt-get install python3-mypy)");
    if (rc != 0)
        show_log(log);
    RH_CHECK_EQ_INT(0, rc);
}

/* The npm package packed, installed into an app offline, imported and
 * required by name, then the binding's whole suite run in that app
 * (tests/bindings/npm_install.sh says how). */
static void test_bindings__node_installs_with_npm(void)
{
    const char *lib_dir = getenv("RH_PYTHON_LIB_DIR"); /* the plain build's */
    if (!lib_dir || !*lib_dir)
        RH_SKIP("the Node binding is tested in the plain build (make check)");
    if (system("command -v node >/dev/null 2>&1 && command -v npm "
               ">/dev/null 2>&1") != 0)
        RH_SKIP("no node or npm");
    char dir[128], log[160], cmd[1024];
    rh_test_path(dir, sizeof dir, "npm-install");
    rh_test_path(log, sizeof log, "npm-install.log");
    snprintf(cmd, sizeof cmd,
             "sh tests/bindings/npm_install.sh '%s' '%s' > '%s' 2>&1", dir,
             lib_dir, log);
    int rc = system(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3)
        RH_SKIP("koffi is not installed (make node-binding-deps)");
    if (rc != 0) { /* a failed node test's report, else the log's end */
        snprintf(cmd, sizeof cmd, "grep -B2 -A20 '^not ok' '%s' >&2", log);
        if (system(cmd) != 0)
            show_log(log);
    }
    RH_CHECK_EQ_INT(0, rc);
}

/* bindings/node/index.d.ts checked by tsc against a typed example and
 * lines that must each be a type error (tests/bindings/tsc_types.sh says
 * how); tsc's output is in the log, and none of it is an error. */
static void test_bindings__node_types_check(void)
{
    const char *deps = getenv("RH_NODE_TYPES_DIR");
    if (!deps || !*deps)
        RH_SKIP("the declarations are checked in the plain build (make check)");
    char dir[128], log[160], cmd[1024];
    rh_test_path(dir, sizeof dir, "tsc-types");
    rh_test_path(log, sizeof log, "tsc-types.log");
    snprintf(cmd, sizeof cmd,
             "sh tests/bindings/tsc_types.sh '%s' '%s' > '%s' 2>&1", dir, deps,
             log);
    int rc = system(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3)
        RH_SKIP("typescript is not installed (node, npm or the registry was "
                "missing: see make node-types-deps)");
    if (rc != 0)
        show_log(log);
    RH_CHECK_EQ_INT(0, rc);
    snprintf(cmd, sizeof cmd, "grep -q 'error TS' '%s'", log);
    RH_CHECK(system(cmd) != 0);
}

/* A man page for every exported symbol (make man, run by make check), each
 * with its prototype, and pages that man renders. */
static void test_bindings__man_pages(void)
{
    const char *dir = getenv("RH_MAN_DIR");
    const char *lists[] = {"docs/symbols.txt", "docs/symbols-sqlite.txt",
                           "docs/symbols-pg.txt"};
    int pages = 0;
    if (!dir || !*dir)
        RH_SKIP("the man pages are made by make check (RH_MAN_DIR)");
    for (size_t l = 0; l < 3; l++) {
        FILE *f = fopen(lists[l], "r");
        char line[256];
        RH_CHECK(f != NULL);
        while (f && fgets(line, sizeof line, f)) {
            char sym[128], path[512], text[8192];
            if (line[0] == '#' || sscanf(line, "%127s", sym) != 1)
                continue;
            snprintf(path, sizeof path, "%s/man3/%s.3", dir, sym);
            FILE *p = fopen(path, "r");
            size_t n = p ? fread(text, 1, sizeof text - 1, p) : 0;
            text[n] = '\0';
            if (p)
                fclose(p);
            if (!p || !strstr(text, ".SH SYNOPSIS") || !strstr(text, sym)) {
                fprintf(stderr, "    no man page for %s at %s\n", sym, path);
                RH_CHECK(0);
            }
            /* no comment markup reaches a reader: no tag, no comment */
            const char *tag = strchr(text, '@');
            if ((tag && tag[1] >= 'a' && tag[1] <= 'z') || strstr(text, "/*") ||
                strstr(text, "*/")) {
                fprintf(stderr, "    %s: comment markup in the page: %.40s\n",
                        sym, tag ? tag : "a comment marker");
                RH_CHECK(0);
            }
            pages++;
        }
        if (f)
            fclose(f);
    }
    RH_CHECK(pages > 150);
    if (system("command -v groff >/dev/null 2>&1") == 0) {
        /* rendered as man would, by groff's man macros */
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "groff -man -Tutf8 -P-c '%s/man3/rh_emit.3' 2>&1 | grep -q "
                 "'int rh_emit(' && groff -man -Tutf8 -P-c "
                 "'%s/man1/replicer-hooks.1' 2>&1 | grep -q 'endpoint add'",
                 dir, dir);
        RH_CHECK_EQ_INT(0, system(cmd));
    }
}

const rh_test_case rh_tests_bindings[] = {
    {"bindings__python_installs_with_pip",
     test_bindings__python_installs_with_pip},
    {"bindings__python_types_check", test_bindings__python_types_check},
    {"bindings__node_installs_with_npm", test_bindings__node_installs_with_npm},
    {"bindings__node_types_check", test_bindings__node_types_check},
    {"bindings__man_pages", test_bindings__man_pages},
    {NULL, NULL}};
