/* Helpers for tests of the tool's servers, run as separate processes on
 * loopback: one HTTP request with libcurl, and starting and stopping the
 * tool with the base URL it prints. */
#include "serve_util.h"
#include "rh_test.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Keep what fits of n bytes in buf (cap bytes, NUL-terminated, *len used);
 * the whole n is reported taken, so libcurl goes on. */
static size_t keep(char *buf, size_t cap, size_t *len, const char *p,
                   size_t n)
{
    size_t room = cap - 1 - *len, k = n < room ? n : room;
    memcpy(buf + *len, p, k);
    *len += k;
    buf[*len] = '\0';
    return n;
}

static size_t take_body(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    return keep(r->body, sizeof r->body, &r->len, p, size * n);
}

static size_t take_header(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    return keep(r->headers, sizeof r->headers, &r->hlen, p, size * n);
}

/* One request; headers is NULL-terminated "Name: value" lines (or NULL);
 * a body makes it a POST. The status, or -1 when there was no answer. */
/* method NULL: GET, or POST with a body. */
static long request(const char *method, const char *url, const char *body,
                    size_t len, const char *const *headers, reply *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    long status = -1;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, take_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

long http(const char *url, const char *body, const char *const *headers,
          reply *r)
{
    return request(NULL, url, body, body ? strlen(body) : 0, headers, r);
}

long http_get_with_body(const char *url, const char *body, size_t len,
                        const char *const *headers, reply *r)
{
    return request("GET", url, body, len, headers, r);
}

/* Start the tool, and read the base URL ("http://127.0.0.1:P") from the
 * line it prints after `marker`. */
pid_t start_server(const char *const *args, const char *marker,
                          char *base, size_t size, int *fd)
{
    char out[4096];
    pid_t pid = rh_test_tool_spawn(args, fd, NULL);
    if (pid < 0 ||
        rh_test_read_until(*fd, marker, out, sizeof out,
                           getenv("RH_TEST_VALGRIND") ? 30000 : 10000) != 0) {
        fprintf(stderr, "    the server said: %s\n", out);
        return -1;
    }
    const char *p = strstr(out, marker) + strlen(marker);
    size_t n = strncmp(p, "http://", 7) ? 0 : 7 + strcspn(p + 7, "/ \n");
    snprintf(base, size, "%.*s", (int)n, p);
    return pid;
}

int stop_server(pid_t pid, int fd)
{
    int status = -1;
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, &status, 0);
    }
    if (fd >= 0)
        close(fd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int wait_exit(pid_t pid, int64_t ms)
{
    int status;
    int64_t end = rh_test_mono_ms() + ms;
    while (rh_test_mono_ms() < end) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -2;
}


/* A header's value in a reply's headers ("" when absent), up to the
 * first ';' for a cookie when cut_at_semicolon. */
void reply_header(const reply *r, const char *name, char *out, size_t size,
                  int cut_at_semicolon)
{
    char want[64];
    snprintf(want, sizeof want, "\n%s: ", name);
    const char *h = strstr(r->headers, want);
    out[0] = '\0';
    if (!h)
        return;
    h += strlen(want);
    size_t n = strcspn(h, cut_at_semicolon ? ";\r\n" : "\r\n");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), h);
}

/* The operator's way in, as a browser takes it: the door's redirect to a
 * minted link, the portal's /login trading it for its session cookie
 * ("rh_portal=..." in cookie). 0, or -1 when a step was not as said. */
int dashboard_session(const char *base, const char *const *door, char *cookie,
                      size_t size)
{
    char url[2048], location[1800];
    reply r;
    snprintf(url, sizeof url, "%s/operator-login", base);
    if (http(url, NULL, door, &r) != 303)
        return -1;
    reply_header(&r, "Location", location, sizeof location, 0);
    if (strncmp(location, "/login?token=", 13) != 0)
        return -1;
    snprintf(url, sizeof url, "%s%s", base, location);
    if (http(url, NULL, door, &r) != 303)
        return -1;
    reply_header(&r, "Set-Cookie", cookie, size, 1);
    return strncmp(cookie, "rh_portal=", 10) == 0 ? 0 : -1;
}

int count_endpoints(const char *store)
{
    char out[8192];
    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    int n = 0;
    if (rh_test_tool_run(list, NULL, out, sizeof out) != 0)
        return -1;
    for (const char *p = out; (p = strstr(p, "ep_")); p++)
        n++;
    return n;
}


int run_browser_script(const char *cmd, char *out, size_t size, pid_t pid,
                       int fd)
{
    FILE *p = popen(cmd, "r");
    size_t got = p ? fread(out, 1, size - 1, p) : 0;
    out[got] = '\0';
    int status = p ? pclose(p) : -1;
    /* the page's work is done: the server stops whatever the verdict */
    int stopped = stop_server(pid, fd);
    if (status != 0)
        fprintf(stderr, "    the browser test said:\n%s\n", out);
    return status != 0 || stopped != 0;
}

int tally_browser_run(struct sink *s, const char *out, const char *body_has,
                      browser_tally *t)
{
    char secret[RH_SECRET_SIZE] = "";
    const char *at = strstr(out, "secret=");
    memset(t, 0, sizeof *t);
    if (!at || sscanf(at, "secret=%100s", secret) != 1)
        return -1;
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        if (sink_get(s, i, &r) != 0)
            continue;
        if (!strcmp(r.path, "/ok")) {
            t->ok++;
            t->verified += rh_test_verify_request(&r, secret, -1) == RH_OK;
            t->holding += !body_has || strstr(r.body, body_has) != NULL;
        } else if (!strcmp(r.path, "/fail")) {
            t->failed++;
        }
        sink_request_free(&r);
    }
    return 0;
}
