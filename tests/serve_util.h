/* Helpers for tests of the tool's servers (serve_util.c). */
#ifndef RH_SERVE_UTIL_H
#define RH_SERVE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct reply {
    char body[65536];
    size_t len;
    char headers[8192];
    size_t hlen;
} reply;

/* One request; headers is NULL-terminated "Name: value" lines (or NULL);
 * a body makes it a POST. The status, or -1 when there was no answer. */
long http(const char *url, const char *body, const char *const *headers,
          reply *r);
/* A GET that carries a body of len bytes (which no GET should). */
long http_get_with_body(const char *url, const char *body, size_t len,
                        const char *const *headers, reply *r);
/* Start the tool, and read the base URL ("http://127.0.0.1:P") from the
 * line it prints after `marker`; its output is left on *fd. */
pid_t start_server(const char *const *args, const char *marker, char *base,
                   size_t size, int *fd);
/* SIGTERM, and its exit code (-1 when it did not exit). */
int stop_server(pid_t pid, int fd);
/* Its exit code within ms, else -2 after killing it. */
int wait_exit(pid_t pid, int64_t ms);

/* A browser script run to its end (cmd's output into out, NUL-terminated,
 * and printed when the script failed), then the server (pid, fd) stopped
 * whatever the verdict: 0 when both ended well. */
int run_browser_script(const char *cmd, char *out, size_t size, pid_t pid,
                       int fd);

/* What a browser script's run left at a sink: its requests to /ok (ok),
 * of them those that verify with the secret the script printed as
 * "secret=..." (verified) and those whose body holds body_has (holding;
 * body_has NULL: every one), and its requests to /fail (failed). -1 when
 * the script printed no secret, else 0. */
typedef struct browser_tally {
    int ok, verified, holding, failed;
} browser_tally;
struct sink;
int tally_browser_run(struct sink *s, const char *out, const char *body_has,
                      browser_tally *t);

/* A header's value in a reply's headers ("" when absent), up to the
 * first ';' for a cookie when cut_at_semicolon. */
void reply_header(const reply *r, const char *name, char *out, size_t size,
                  int cut_at_semicolon);
/* The dashboard's operator signed in, as a browser is: its door's
 * redirect to a minted link (door: the headers its token needs, or NULL),
 * the portal's /login trading it for the session cookie ("rh_portal=...",
 * into cookie). 0, or -1 when a step was not as said. */
int dashboard_session(const char *base, const char *const *door,
                      char *cookie, size_t size);
/* Endpoints in a store, by the tool's endpoint list; -1 on failure. */
int count_endpoints(const char *store);

#endif
