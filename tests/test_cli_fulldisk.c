/* A worker started on a full disk waits for space, as a running one does,
 * instead of exiting: run in a child in its own mount namespace on a small
 * tmpfs (root only; a skip, with the reason, where the machine cannot). */
#define _GNU_SOURCE /* unshare, for the full disk's own mount namespace */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CANNOT 253 /* the child's code when no private tmpfs can be had */

#define CHILD_CHECK(cond)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "    worker on a full disk: %s:%d: %s\n",          \
                    __FILE__, __LINE__, #cond);                                \
            return __LINE__ % 250 + 1;                                         \
        }                                                                      \
    } while (0)

static int full_disk_worker_child(const char *dir)
{
    char store[200], fill[200], out[8192];
    static char chunk[65536];
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=2m") != 0) {
        fprintf(stderr, "    no private tmpfs here: %s\n", strerror(errno));
        return CANNOT;
    }
    snprintf(store, sizeof store, "sqlite:%s/hooks.db", dir);
    snprintf(fill, sizeof fill, "%s/fill", dir);
    const char *add[] = {"endpoint", "add",  "http://127.0.0.1:9/", "--events",
                         "*",        "--dev", "--store", store, NULL};
    CHILD_CHECK(rh_test_tool_run(add, NULL, out, sizeof out) == 0);
    int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHILD_CHECK(fd >= 0);
    while (write(fd, chunk, sizeof chunk) > 0)
        ;
    close(fd);
    const char *work[] = {"worker", "--until-idle", "--dev", "--store", store,
                          NULL};
    int out_fd = -1;
    pid_t pid = rh_test_tool_spawn(work, &out_fd, NULL);
    CHILD_CHECK(pid > 0);
    int waiting = rh_test_read_until(out_fd, "waiting for the store", out,
                                     sizeof out, 15000) == 0;
    usleep(500000);
    int still_running = waitpid(pid, NULL, WNOHANG) == 0;
    unlink(fill); /* space returns: it opens the store and finishes */
    int code = wait_exit(pid, 20000);
    close(out_fd);
    CHILD_CHECK(waiting);
    CHILD_CHECK(still_running);
    CHILD_CHECK(code == 0);
    return 0;
}

static void test_cli_fulldisk__worker_waits_for_space_at_start(void)
{
    char dir[128];
    if (geteuid() != 0)
        RH_SKIP("needs root for a tmpfs in its own mount namespace");
    rh_test_path(dir, sizeof dir, "fulldisk-worker");
    RH_CHECK(mkdir(dir, 0700) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(full_disk_worker_child(dir));
    int status = 0;
    RH_CHECK(waitpid(pid, &status, 0) == pid);
    rmdir(dir);
    RH_CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == CANNOT)
        RH_SKIP("needs a mount namespace with / a mount point (not a chroot "
                "or a container without CAP_SYS_ADMIN)");
    RH_CHECK_EQ_INT(0, WEXITSTATUS(status));
}

const rh_test_case rh_tests_cli_fulldisk[] = {
    {"cli_fulldisk__worker_waits_for_space_at_start",
     test_cli_fulldisk__worker_waits_for_space_at_start},
    {NULL, NULL}};
