/* endpoint list as a person and a script read it: a header row and columns
 * that line up whatever the URLs' lengths, --json one object a line, and a
 * word when endpoint add registers a URL already sending the same events. */
#include "backends.h"
#include "rh_test.h"

#include <jansson.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The column where `word` starts on the line that holds `key`, or -1. */
static int column_of(const char *out, const char *key, const char *word)
{
    const char *line = strstr(out, key);
    while (line && line != out && line[-1] != '\n')
        line--;
    const char *end = line ? strchr(line, '\n') : NULL;
    const char *at = line ? strstr(line, word) : NULL;
    return at && (!end || at < end) ? (int)(at - line) : -1;
}

static void test_cli_list__table_json_and_twins(void)
{
    char path[128], store[160], out[16384], a[64], b[64], sec[128];
    rh_test_path(path, sizeof path, "cli-list");
    snprintf(store, sizeof store, "sqlite:%s", path);
    const char *add_short[] = {"endpoint", "add",     "https://a.example/",
                               "--events", "x.*",     "--store",
                               store,      NULL};
    const char *add_long[] = {"endpoint",
                              "add",
                              "https://hooks.a-much-longer-host.example/in/"
                              "deep/path",
                              "--events",
                              "order.paid,user.created",
                              "--store",
                              store,
                              NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_short, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", a, sec));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_long, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", b, sec));
    RH_CHECK(strstr(out, "already sends") == NULL);
    /* the same URL and events again, in another order: added, with a word */
    const char *twin[] = {"endpoint", "add",      "https://a.example/",
                          "--events", "x.*,x.*", "--store",
                          store,      NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(twin, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "already sends these events to this URL") != NULL);
    RH_CHECK(strstr(out, a) != NULL);

    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strncmp(out, "ID ", 3) == 0);
    int url_col = column_of(out, "ID ", "URL");
    int health_col = column_of(out, "ID ", "HEALTH");
    RH_CHECK(url_col > 0 && health_col > url_col);
    /* every row's URL and health start under their headings */
    RH_CHECK_EQ_INT(url_col, column_of(out, a, "https://a.example/"));
    RH_CHECK_EQ_INT(url_col, column_of(out, b, "https://hooks."));
    RH_CHECK_EQ_INT(health_col, column_of(out, a, "no attempt yet"));
    RH_CHECK_EQ_INT(health_col, column_of(out, b, "no attempt yet"));

    const char *json[] = {"endpoint", "list", "--json", "--store", store,
                          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(json, NULL, out, sizeof out));
    int rows = 0, found = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        RH_CHECK(o != NULL && json_is_object(o));
        rows++;
        if (!strcmp(json_string_value(json_object_get(o, "id")), b)) {
            json_t *ev = json_object_get(o, "events");
            found = json_array_size(ev) == 2 &&
                    !strcmp(json_string_value(json_array_get(ev, 1)),
                            "user.created") &&
                    !strcmp(json_string_value(json_object_get(o, "state")),
                            "enabled") &&
                    json_is_null(json_object_get(o, "last_success")) &&
                    json_integer_value(json_object_get(o, "failed_in_a_row")) ==
                        0;
        }
        json_decref(o);
    }
    RH_CHECK_EQ_INT(3, rows);
    RH_CHECK(found);
}

/* The health words say what each number counts: attempts failing since a
 * time (from the first failed attempt), and deliveries failed for good
 * (after their last retry), in the list and in show alike. */
static void test_cli_list__health_says_what_it_counts(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[16384], ep[64], sec[128];
    rh_test_path(path, sizeof path, "cli-health");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/down", url, sizeof url);
    sink_rule(s, "/down", 500, 0, NULL, NULL, -1);
    const char *add[] = {"endpoint", "add", url,     "--events", "*",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, sec));
    const char *emit[] = {"emit", "a.b", "{}", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    /* one attempt, then a retry far away: failing, nothing failed for good */
    const char *once[] = {"worker", "--until-idle", "--dev", "--schedule",
                          "3600", "--store", store, NULL};
    char log[160];
    rh_test_path(log, sizeof log, "cli-health-worker");
    pid_t pid = rh_test_tool_spawn(once, NULL, log);
    RH_CHECK(pid > 0);
    RH_CHECK_EQ_INT(0, sink_wait_count(s, 1, 10000));
    usleep(300000);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "attempts failing since ") != NULL);
    RH_CHECK(strstr(out, "retrying, none failed for good yet") != NULL);
    /* another store, no retries: the delivery fails for good at once */
    rh_test_path(path, sizeof path, "cli-health-2");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, sec));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    const char *last[] = {"worker", "--until-idle", "--dev", "--schedule", "",
                          "--store", store, NULL};
    RH_CHECK(rh_test_tool_run(last, NULL, out, sizeof out) >= 0);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "; 1 delivery failed for good") != NULL);
    RH_CHECK(strstr(out, "failed for good since the last success") != NULL);
    const char *show[] = {"endpoint", "show", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "(deliveries failed for good since the last "
                         "success)") != NULL);
    sink_stop(s);
}

const rh_test_case rh_tests_cli_list[] = {
    {"cli_list__table_json_and_twins", test_cli_list__table_json_and_twins},
    {"cli_list__health_says_what_it_counts",
     test_cli_list__health_says_what_it_counts},
    {NULL, NULL}};
