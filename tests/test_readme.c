/* The README, as a new user follows it: its "try it" block runs as written
 * (against listen, on a free port, with the tool under test on PATH), and
 * the sample request it shows carries this version's User-Agent. */
#include "backends.h"
#include "rh_test.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* text with every `from` replaced by `to`, into a new string. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t n = 0, lf = strlen(from), lt = strlen(to);
    for (const char *p = text; (p = strstr(p, from)); p += lf)
        n++;
    char *out = malloc(strlen(text) + n * (lt > lf ? lt - lf : 0) + 1), *o = out;
    for (const char *p = text, *q; out; p = q + lf) {
        if (!(q = strstr(p, from))) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, lt);
        o += lt;
    }
    return out;
}

static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void test_readme__try_it_runs_as_written(void)
{
    char *readme = read_file("README.md"), tool[PATH_MAX], bin[160],
         link[200], script[160], db[160], port[16], cmd[700];
    RH_CHECK(readme != NULL);
    const char *start = strstr(readme, "<!-- try-it");
    const char *end = strstr(readme, "<!-- end of try-it -->");
    RH_CHECK(start && end && end > start);
    start = strstr(start, "```sh\n");
    RH_CHECK(start && start < end);
    start += 6;
    const char *close = strstr(start, "```");
    RH_CHECK(close && close < end);
    char *block = strndup(start, (size_t)(close - start));
    free(readme);
    /* the tool under test as "replicer-hooks" on PATH; a free port; a
     * store of the test's own */
    RH_CHECK(realpath(rh_test_tool(), tool) != NULL);
    rh_test_path(bin, sizeof bin, "readme-bin");
    RH_CHECK(mkdir(bin, 0700) == 0);
    snprintf(link, sizeof link, "%s/replicer-hooks", bin);
    RH_CHECK(symlink(tool, link) == 0);
    rh_test_path(db, sizeof db, "readme-store");
    snprintf(port, sizeof port, "%d", free_port());
    char *a = replace_all(block, "9000", port);
    char *b = a ? replace_all(a, "/tmp/hooks-try.db", db) : NULL;
    free(block);
    free(a);
    RH_CHECK(b != NULL);
    rh_test_path(script, sizeof script, "readme-try");
    FILE *f = fopen(script, "w");
    RH_CHECK(f != NULL);
    fputs(b, f);
    fclose(f);
    free(b);
    char log[180];
    rh_test_path(log, sizeof log, "readme-try-log");
    snprintf(cmd, sizeof cmd,
             "PATH='%s':\"$PATH\" timeout 60 bash '%s' > '%s' 2>&1", bin,
             script, log);
    int status = system(cmd);
    char *out = read_file(log);
    if (status != 0)
        fprintf(stderr, "    the README's block said:\n%s\n", out ? out : "");
    RH_CHECK_EQ_INT(0, status);
    RH_CHECK(out && strstr(out, "POST /in") && strstr(out, "order.paid") &&
             strstr(out, "-> 200"));
    free(out);
}

static void test_readme__sample_request_shows_this_version(void)
{
    char *readme = read_file("README.md"), want[64];
    RH_CHECK(readme != NULL);
    snprintf(want, sizeof want, "User-Agent: replicer-hooks/%s\n",
             rh_version_string());
    int ok = strstr(readme, want) != NULL;
    free(readme);
    if (!ok)
        fprintf(stderr, "    README.md has no \"%.*s\"\n",
                (int)strlen(want) - 1, want);
    RH_CHECK(ok);
}

const rh_test_case rh_tests_readme[] = {
    {"readme__try_it_runs_as_written", test_readme__try_it_runs_as_written},
    {"readme__sample_request_shows_this_version",
     test_readme__sample_request_shows_this_version},
    {NULL, NULL}};
