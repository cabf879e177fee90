/* A pause made by another process reaches a running worker within the time
 * docs/cli.md promises (2 s, the worker's endpoint refresh): events emitted
 * after that wait, and go on the resume. On SQLite and PostgreSQL. */
#include "backends.h"
#include "rh_test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The promise: a pause is seen by a running worker within this much. */
#define PAUSE_REACHES_MS 2000

static void pause_reaches_a_running_worker(const char *store,
                                           const char *schema)
{
    sink *s = rh_test_sink();
    char url[128], out[8192], ep[64], sec[128], log[160];
    const char *extra = schema ? "--schema" : NULL;
    sink_url(s, "/p", url, sizeof url);
    const char *add[] = {"endpoint", "add", url,   "--events", "*", "--dev",
                         "--store",  store, extra, schema,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, sec));
    const char *work[] = {"worker", "--dev", "--quiet", "--store",
                          store,    extra,   schema,    NULL};
    rh_test_path(log, sizeof log, "pause-worker");
    pid_t worker = rh_test_tool_spawn(work, NULL, log);
    RH_CHECK(worker > 0);
    const char *emit[] = {"emit",  "a.b", "{}", "--store",
                          store,   extra, schema, NULL};
    /* the worker is up and delivering */
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, sink_wait_count(s, 1, 15000));
    const char *pause[] = {"endpoint", "pause", ep,     "--store",
                           store,      extra,   schema, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(pause, NULL, out, sizeof out));
    usleep((PAUSE_REACHES_MS + 500) * 1000);
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    usleep(2500 * 1000); /* time enough to have sent them, had it */
    size_t while_paused = sink_count(s);
    const char *resume[] = {"endpoint", "resume", ep,     "--store",
                            store,      extra,    schema, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(resume, NULL, out, sizeof out));
    int all = sink_wait_count(s, 4, 15000);
    kill(worker, SIGTERM);
    waitpid(worker, NULL, 0);
    RH_CHECK_EQ_INT(1, (long long)while_paused);
    RH_CHECK_EQ_INT(0, all);
    sink_stop(s);
}

static void test_cli_pause__reaches_a_running_worker_sqlite(void)
{
    char path[128], store[160];
    rh_test_path(path, sizeof path, "pause");
    snprintf(store, sizeof store, "sqlite:%s", path);
    pause_reaches_a_running_worker(store, NULL);
}

static void test_cli_pause__reaches_a_running_worker_pg(void)
{
    char store[600], schema[40];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    snprintf(schema, sizeof schema, "pause_%d", (int)getpid());
    pause_reaches_a_running_worker(store, schema);
}

const rh_test_case rh_tests_cli_pause[] = {
    {"cli_pause__reaches_a_running_worker_sqlite",
     test_cli_pause__reaches_a_running_worker_sqlite},
    {"cli_pause__reaches_a_running_worker_pg",
     test_cli_pause__reaches_a_running_worker_pg},
    {NULL, NULL}};
