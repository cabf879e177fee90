/* replicer-hooks: the command table, the option parser every command shares
 * and the help it prints from the tables, so no help text is written twice. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const cli_command *const commands[] = {
    &cli_cmd_send,
    &cli_cmd_verify,
    &cli_cmd_listen,
    &cli_cmd_endpoint_add,
    &cli_cmd_endpoint_list,
    &cli_cmd_endpoint_show,
    &cli_cmd_endpoint_set,
    &cli_cmd_endpoint_disable,
    &cli_cmd_endpoint_enable,
    &cli_cmd_endpoint_pause,
    &cli_cmd_endpoint_resume,
    &cli_cmd_endpoint_remove,
    &cli_cmd_endpoint_rotate,
    &cli_cmd_endpoint_header,
    &cli_cmd_emit,
    &cli_cmd_worker,
    &cli_cmd_log,
    &cli_cmd_resend,
    &cli_cmd_skip,
    &cli_cmd_recover,
    &cli_cmd_prune,
    &cli_cmd_tenant_list,
    &cli_cmd_tenant_show,
    &cli_cmd_tenant_set,
    &cli_cmd_tenant_remove,
    &cli_cmd_type_add,
    &cli_cmd_type_list,
    &cli_cmd_type_show,
    &cli_cmd_type_deprecate,
    &cli_cmd_type_archive,
    &cli_cmd_type_restore,
    &cli_cmd_type_import,
    &cli_cmd_type_export,
    &cli_cmd_type_strict,
    &cli_cmd_endpoint_test,
    &cli_cmd_dashboard,
    &cli_cmd_portal_link, /* before "portal": the longer name first */
    &cli_cmd_portal,
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

static void usage_main(FILE *f)
{
    fprintf(f, "usage: %s <command> [options]\n\n", cli_prog);
    fprintf(f, "without a store:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cli_command *c = commands[i];
        if (!cli_find_opt(c, "--store"))
            fprintf(f, "  %-20s %s\n", c->name, c->summary);
    }
    fprintf(f, "\nwith a store (--store sqlite:PATH | postgresql://..., or "
               "REPLICER_HOOKS_STORE):\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cli_command *c = commands[i];
        if (cli_find_opt(c, "--store"))
            fprintf(f, "  %-20s %s\n", c->name, c->summary);
    }
    fprintf(f,
            "\nProduction mode is the default: https only, and no loopback or\n"
            "private addresses. --dev (on send, endpoint add and worker) is\n"
            "for trying it out against a local receiver; an endpoint added\n"
            "with --dev is delivered only by a worker started with --dev.\n"
            "\n"
            "Exit codes: 0 done, 1 a delivery or the store failed, 2 bad\n"
            "input (an option, an argument, an unknown id).\n"
            "\n"
            "  %s <command> --help   the options of a command\n"
            "  %s --version          the library version\n",
            cli_prog, cli_prog);
}

void cli_usage(const cli_command *c, FILE *f)
{
    fprintf(f, "usage: %s %s%s%s [options]\n\n%s\n", cli_prog, c->name,
            c->synopsis[0] ? " " : "", c->synopsis, c->about);
    if (!c->opts || !c->opts->name)
        return;
    fprintf(f, "\noptions:\n");
    for (const cli_opt *o = c->opts; o->name; o++) {
        char head[48];
        snprintf(head, sizeof head, "%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        fprintf(f, "  %-24s %s\n", head, o->help);
    }
}

/* A command name of one or two words ("endpoint add"): the entry, and how
 * many words of argv it took. */
static const cli_command *find_command(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i]->name, *space = strchr(name, ' ');
        if (!space && !strcmp(name, argv[0])) {
            *words = 1;
            return commands[i];
        }
        if (space && argc >= 2 && strlen(argv[0]) == (size_t)(space - name) &&
            !strncmp(name, argv[0], (size_t)(space - name)) &&
            !strcmp(space + 1, argv[1])) {
            *words = 2;
            return commands[i];
        }
    }
    return NULL;
}

/* The commands of a group ("endpoint"), for `replicer-hooks endpoint`. */
static int group_usage(const char *group, FILE *f)
{
    size_t len = strlen(group);
    int n = 0;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i]->name;
        if (!strncmp(name, group, len) && name[len] == ' ') {
            if (!n++)
                fprintf(f, "usage:\n");
            const char *syn = commands[i]->synopsis;
            fprintf(f, "  %s %s%s%s\n      %s\n", cli_prog, name,
                    *syn ? " " : "", syn, commands[i]->summary);
        }
    }
    if (n)
        fprintf(f, "\n%s %s SUBCOMMAND --help: its options\n", cli_prog, group);
    return n;
}

/* The value of option o, checked; 0 or EXIT_USAGE after saying why. */
static int take_value(cli_args *a, const cli_opt *o, const char *v)
{
    char why[160];
    int64_t n;
    /* twice, the second would win unseen: a script that appends a
     * --tenant would send one account's event to another */
    if (a->set[o->id] && o->kind != K_FLAG && o->kind != K_LIST)
        return cli_bad(a, o->name, "given twice");
    a->set[o->id] = 1;
    a->text[o->id] = v;
    switch (o->kind) {
    case K_FLAG:
    case K_TEXT:
        return 0;
    case K_LIST:
        if (a->n_list >= CLI_LIST_MAX)
            return cli_bad(a, o->name, "at most 16");
        a->list_of[a->n_list] = o->id;
        a->list[a->n_list++] = v;
        return 0;
    case K_INT:
        if (cli_parse_i64(v, &n) != 0 || n < (int64_t)o->lo ||
            n > (int64_t)o->hi) {
            snprintf(why, sizeof why, "expected %.0f to %.0f, not \"%.40s\"",
                     o->lo, o->hi, v);
            return cli_bad(a, o->name, why);
        }
        a->num[o->id] = n;
        return 0;
    case K_REAL: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !(d >= o->lo) || d > o->hi) {
            snprintf(why, sizeof why, "expected %g to %g, not \"%.40s\"", o->lo,
                     o->hi, v);
            return cli_bad(a, o->name, why);
        }
        a->real[o->id] = d;
        return 0;
    }
    case K_DURATION:
        if (cli_parse_duration_ms(v, &a->num[o->id]) != 0) {
            snprintf(why, sizeof why,
                     "expected a duration like 30d, 12h, 90m, 45s or 1500ms, "
                     "not \"%.40s\"",
                     v);
            return cli_bad(a, o->name, why);
        }
        return 0;
    case K_TIME:
        if (cli_parse_time_ms(v, &a->num[o->id]) != 0)
            return cli_bad(a, o->name,
                           "expected Unix seconds, an RFC 3339 time such as "
                           "2026-11-27T05:00:00Z or 2026-11-27T07:00:00.5+02:00 "
                           "(years 1970 to 9999), or a duration ago like 24h");
        return 0;
    case K_SCHEDULE:
        if (!strcmp(v, "default"))
            a->schedule_default = 1;
        else if (cli_parse_schedule(v, a->schedule, &a->n_schedule) != 0)
            return cli_bad(a, o->name,
                           "expected seconds separated by commas, e.g. "
                           "5,30,120");
        return 0;
    }
    return 0;
}

/* -1: help was printed; 0: parsed; EXIT_USAGE after saying why. */
static int parse(const cli_command *c, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = c;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            cli_usage(c, stdout);
            return -1;
        }
        if (arg[0] == '-' && arg[1]) {
            const cli_opt *o = cli_find_opt(c, arg);
            if (!o) {
                /* another command's flag is named as such */
                for (size_t k = 0; k < N_COMMANDS; k++)
                    if (cli_find_opt(commands[k], arg)) {
                        char why[120];
                        snprintf(why, sizeof why,
                                 "not an option of %s (it is one of %s)",
                                 c->name, commands[k]->name);
                        return cli_bad(a, arg, why);
                    }
                return cli_bad(a, arg, "unknown option");
            }
            if (o->kind == K_FLAG) {
                a->set[o->id] = 1;
                continue;
            }
            if (i + 1 >= argc)
                return cli_bad(a, arg, "needs a value");
            int rc = take_value(a, o, argv[++i]);
            if (rc)
                return rc;
        } else if (a->n_pos < c->max_pos) {
            a->pos[a->n_pos++] = arg;
        } else {
            return cli_bad(a, arg,
                           c->max_pos ? "one argument too many"
                                      : "unexpected argument");
        }
    }
    if (a->n_pos < c->min_pos)
        return cli_bad(a, c->pos_names[a->n_pos], "missing");
    if (cli_find_opt(c, "--store")) {
        if (!a->set[O_STORE]) {
            a->text[O_STORE] = getenv("REPLICER_HOOKS_STORE");
            a->set[O_STORE] = a->text[O_STORE] && *a->text[O_STORE];
        }
        if (!a->set[O_STORE])
            return cli_bad(a, "--store",
                           "missing (or set REPLICER_HOOKS_STORE)");
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_args a;
    int words = 0;
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("replicer-hooks %s\n", rh_version_string());
        return 0;
    }
    const cli_command *c = find_command(argc - 1, argv + 1, &words);
    if (!c) {
        int help =
            argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
        if (argc == 2 || help) {
            if (group_usage(argv[1], help ? stdout : stderr))
                return help ? 0 : EXIT_USAGE;
        } else if (group_usage(argv[1], stderr)) {
            fprintf(stderr, "%s %s: unknown subcommand '%s'\n", cli_prog,
                    argv[1], argv[2]);
            return EXIT_USAGE;
        }
        fprintf(stderr, "%s: unknown command '%s'\n", cli_prog, argv[1]);
        usage_main(stderr);
        return EXIT_USAGE;
    }
    int rc = parse(c, argc - 1 - words, argv + 1 + words, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    return c->run(&a);
}
