/* The language bindings' own tests, run against this build's shared
 * libraries: bindings/python (unittest). Skipped, and counted so, without
 * python3 or outside the plain build (a sanitizer's libraries cannot be
 * loaded into an interpreter that was not built with it). */
#include "backends.h"
#include "rh_test.h"

#include <stdlib.h>
#include <unistd.h>

static void test_bindings__python(void)
{
    const char *lib_dir = getenv("RH_PYTHON_LIB_DIR");
    if (!lib_dir || !*lib_dir)
        RH_SKIP("the Python binding is tested in the plain build (make check)");
    if (system("command -v python3 >/dev/null 2>&1") != 0)
        RH_SKIP("no python3");
    char log[160], cmd[1024];
    rh_test_path(log, sizeof log, "python-binding.log");
    snprintf(cmd, sizeof cmd,
             "REPLICER_HOOKS_LIB_DIR='%s' python3 -m unittest discover -s "
             "bindings/python/tests -v > '%s' 2>&1",
             lib_dir, log);
    int rc = system(cmd);
    if (rc != 0) {
        char tail[600];
        snprintf(tail, sizeof tail, "tail -n 30 '%s' >&2", log);
        if (system(tail) != 0)
            fprintf(stderr, "    (no log at %s)\n", log);
    }
    RH_CHECK_EQ_INT(0, rc);
}

const rh_test_case rh_tests_bindings[] = {
    {"bindings__python", test_bindings__python}, {NULL, NULL}};
