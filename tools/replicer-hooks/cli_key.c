/* replicer-hooks: the sealing key every store command uses, so that the
 * endpoints' secrets (and client keys) are stored sealed with AES-256-GCM,
 * never readable by whoever copies the store. The key is 32 random bytes,
 * written as 64 hex digits in a file of its own: --key-file, else
 * $REPLICER_HOOKS_KEY_FILE, else $XDG_CONFIG_HOME/replicer-hooks/sealing.key
 * (~/.config/... without it). Absent, it is made on first use, mode 0600;
 * present, it must not be readable by others (as ssh insists of its keys). */
#include "cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 32

/* The key file's path into out; 0, or -1 when no place can be named. */
static int key_path(const cli_args *a, char *out, size_t size, int *is_default)
{
    const char *env = getenv("REPLICER_HOOKS_KEY_FILE");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;
    *is_default = 0;
    if (a->set[O_KEY_FILE])
        n = snprintf(out, size, "%s", a->text[O_KEY_FILE]);
    else if (env && *env)
        n = snprintf(out, size, "%s", env);
    else if ((*is_default = 1) && xdg && *xdg == '/')
        n = snprintf(out, size, "%s/replicer-hooks/sealing.key", xdg);
    else if (home && *home)
        n = snprintf(out, size, "%s/.config/replicer-hooks/sealing.key", home);
    else
        return -1;
    return n > 0 && (size_t)n < size ? 0 : -1;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Read an existing key (flag names the option in messages); 0, 1 when
 * there is none, or EXIT_USAGE. */
static int read_key(const cli_args *a, const char *flag, const char *path,
                    unsigned char key[KEY_BYTES])
{
    char text[2 * KEY_BYTES + 2], why[600];
    struct stat st;
    /* a link is followed (secret volumes are links), the file itself is
     * judged: a regular file of ours that nobody else may read; O_NONBLOCK
     * so that a FIFO put there cannot hang us */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, sizeof why, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return cli_bad(a, flag, why);
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        snprintf(why, sizeof why,
                 "%s is not a regular file owned by this user: another user "
                 "could know the key",
                 path);
        return cli_bad(a, flag, why);
    }
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    if (st.st_mode & 077) {
        snprintf(why, sizeof why,
                 "%s can be read by others (mode %04o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 07777));
        return cli_bad(a, flag, why);
    }
    int ok = n == 2 * KEY_BYTES || (n == 2 * KEY_BYTES + 1 && text[n - 1] == '\n');
    for (int i = 0; ok && i < KEY_BYTES; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        key[i] = (unsigned char)(hi * 16 + lo);
    }
    if (!ok) {
        snprintf(why, sizeof why, "%s is not a %s key (64 hex digits)", path,
                 strcmp(flag, "--key-file") ? "portal" : "sealing");
        return cli_bad(a, flag, why);
    }
    return 0;
}

/* The new name reaches the disk before any secret sealed with the key:
 * after a power cut the store must not hold secrets of a key that is gone. */
static void sync_folder_of(const char *path)
{
    char folder[4200];
    snprintf(folder, sizeof folder, "%s", path);
    char *slash = strrchr(folder, '/');
    if (!slash)
        snprintf(folder, sizeof folder, ".");
    else
        slash[slash == folder] = '\0'; /* "/key" keeps "/" */
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Make a new key at path: written whole to a temporary file, then linked
 * into place, so a process racing us reads either no file or a whole key
 * (the loser of the link reads the winner's). 0, 1 (lost the race), or -1. */
static int make_key(const char *path, int is_default)
{
    char tmp[4200], dir[4200], text[2 * KEY_BYTES + 1];
    unsigned char key[KEY_BYTES];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (is_default && slash && slash != dir) {
        *slash = '\0';
        char *parent = strrchr(dir, '/');
        if (parent && parent != dir) { /* ~/.config, then its child */
            *parent = '\0';
            mkdir(dir, 0700);
            *parent = '/';
        }
        mkdir(dir, 0700);
    }
    if (cli_random_bytes(key, sizeof key) != 0)
        return -1;
    for (int i = 0; i < KEY_BYTES; i++)
        snprintf(text + 2 * i, 3, "%02x", key[i]);
    /* a unique temporary name (a PID repeats: every container's first
     * process is 1), made 0600 by mkstemp */
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, 2 * KEY_BYTES) == 2 * KEY_BYTES &&
             write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    int linked = ok ? link(tmp, path) : -1;
    int lost = linked != 0 && errno == EEXIST;
    unlink(tmp);
    if (linked == 0)
        sync_folder_of(path);
    memset(key, 0, sizeof key);
    memset(text, 0, sizeof text);
    return linked == 0 ? 0 : lost ? 1 : -1;
}

int cli_sealing_key(const cli_args *a, rh_config *cfg)
{
    char path[4096], why[4200];
    unsigned char key[KEY_BYTES];
    int is_default;
    if (key_path(a, path, sizeof path, &is_default) != 0)
        return cli_bad(a, "--key-file",
                       "no place for the sealing key: give --key-file or set "
                       "REPLICER_HOOKS_KEY_FILE (or HOME)");
    int rc = read_key(a, "--key-file", path, key);
    if (rc == 1) {
        int made = make_key(path, is_default);
        if (made < 0) {
            snprintf(why, sizeof why, "cannot create %s: %s", path,
                     strerror(errno));
            return cli_bad(a, "--key-file", why);
        }
        if (made == 0)
            fprintf(stderr,
                    "%s: made a sealing key in %s; the store's secrets are "
                    "sealed with it: keep it, and give the same file to every "
                    "process that shares the store\n",
                    cli_prog, path);
        rc = read_key(a, "--key-file", path, key);
    }
    if (rc == 1) { /* made, then gone before we could read it */
        snprintf(why, sizeof why, "%s vanished as it was made", path);
        return cli_bad(a, "--key-file", why);
    }
    if (rc != 0)
        return rc;
    rc = rh_config_set_sealing_key(cfg, key, sizeof key);
    memset(key, 0, sizeof key);
    if (rc != RH_OK) {
        fprintf(stderr, "%s %s: %s\n", cli_prog, a->cmd->name,
                rh_strerror(rc));
        return EXIT_FAILED;
    }
    return 0;
}

int cli_portal_key(const cli_args *a, unsigned char key[32])
{
    const char *path = a->text[O_PORTAL_KEY_FILE];
    char why[4200];
    if (!a->set[O_PORTAL_KEY_FILE])
        return cli_bad(a, "--portal-key-file", "missing: the key that signs "
                                               "the portal's links");
    int rc = read_key(a, "--portal-key-file", path, key);
    if (rc == 1) { /* made on first use, as the sealing key is */
        if (make_key(path, 0) < 0) {
            snprintf(why, sizeof why, "cannot create %s: %s", path,
                     strerror(errno));
            return cli_bad(a, "--portal-key-file", why);
        }
        fprintf(stderr, "%s: made a portal key in %s; links are signed with "
                        "it\n", cli_prog, path);
        rc = read_key(a, "--portal-key-file", path, key);
    }
    return rc == 1 ? cli_bad(a, "--portal-key-file", "it vanished as it was "
                                                     "made")
                   : rc;
}

int cli_random_bytes(unsigned char *out, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, out, n) : -1;
    if (fd >= 0)
        close(fd);
    return got == (ssize_t)n ? 0 : -1;
}
