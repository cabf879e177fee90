/* log --follow: an attempt made by a worker in another process is printed
 * within 2 s, once; a stop ends it with 0; --deliveries is refused. And the
 * worker's lines begin with the time. On SQLite and PostgreSQL. */
#include "backends.h"
#include "rh_test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* How many times needle is in the file at path (-1: unreadable). */
static int count_in_file(const char *path, const char *needle)
{
    char buf[65536];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int hits = 0;
    for (const char *p = buf; (p = strstr(p, needle)) != NULL; p++)
        hits++;
    return hits;
}

static void follow_sees_another_process(const char *store, const char *schema)
{
    sink *s = rh_test_sink();
    char url[128], out[8192], log[160], evt[64], dlv[64] = "";
    const char *extra = schema ? "--schema" : NULL;
    sink_url(s, "/f", url, sizeof url);
    const char *add[] = {"endpoint", "add", url,   "--events", "*", "--dev",
                         "--store",  store, extra, schema,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    rh_test_path(log, sizeof log, "follow-out");
    const char *follow[] = {"log", "--follow", "--json", "--store",
                            store, extra,      schema,   NULL};
    pid_t pid = rh_test_tool_spawn(follow, NULL, log);
    RH_CHECK(pid > 0);
    usleep(300 * 1000); /* it has listed the (empty) log and follows */
    const char *emit[] = {"emit", "a.b", "{}",   "--store",
                          store,  extra, schema, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    snprintf(evt, sizeof evt, "%.*s", (int)strcspn(out, "\n"), out);
    const char *work[] = {"worker", "--until-idle", "--dev", "--store",
                          store,    extra,          schema,  NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    /* the worker's line: the time first, then the delivery */
    RH_CHECK(out[4] == '-' && out[10] == 'T' && out[19] == 'Z' &&
             !strncmp(out + 21, "dlv_", 4));
    snprintf(dlv, sizeof dlv, "%.*s", (int)strcspn(out + 21, " "), out + 21);
    int64_t end = rh_test_mono_ms() + 2000;
    while (count_in_file(log, dlv) < 1 && rh_test_mono_ms() < end)
        usleep(50 * 1000);
    RH_CHECK_EQ_INT(1, count_in_file(log, dlv));
    usleep(600 * 1000); /* more polls: still printed once */
    RH_CHECK_EQ_INT(1, count_in_file(log, dlv));
    RH_CHECK_EQ_INT(1, count_in_file(log, evt));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const char *bad[] = {"log", "--follow", "--deliveries", "--store",
                         store, extra,      schema,         NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--follow: follows attempts") != NULL);
    sink_stop(s);
}

static void test_cli_follow__sqlite(void)
{
    char path[128], store[160];
    rh_test_path(path, sizeof path, "follow");
    snprintf(store, sizeof store, "sqlite:%s", path);
    follow_sees_another_process(store, NULL);
}

static void test_cli_follow__pg(void)
{
    char store[600], schema[40];
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(store, sizeof store, "pg:%s", rh_test_pg());
    snprintf(schema, sizeof schema, "follow_%d", (int)getpid());
    follow_sees_another_process(store, schema);
}

const rh_test_case rh_tests_cli_follow[] = {
    {"cli_follow__sqlite", test_cli_follow__sqlite},
    {"cli_follow__pg", test_cli_follow__pg},
    {NULL, NULL}};
