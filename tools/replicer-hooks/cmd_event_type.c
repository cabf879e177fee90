/* replicer-hooks event-type catalog at the shell: event-type add, list,
 * show, deprecate, archive, restore, import, export and strict, and
 * endpoint test (a type's example sent to one endpoint as a test event).
 * The catalog lives in the store, so every process sharing it agrees. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The largest catalog document import reads. */
#define IMPORT_MAX (16u << 20)

static rh_event_type_options *options_from(const cli_args *a, char **bufs)
{
    rh_event_type_options *o = NULL;
    const char *text;
    size_t len;
    if (rh_event_type_options_new(&o) != RH_OK)
        return NULL;
    int rc = 0;
    if (a->set[O_DESCRIPTION])
        rc = rh_event_type_options_set_description(o, a->text[O_DESCRIPTION]);
    if (!rc && a->set[O_GROUP])
        rc = rh_event_type_options_set_group(o, a->text[O_GROUP]);
    if (!rc && a->set[O_EXAMPLE]) {
        rc = cli_load_data(a, "--example", a->text[O_EXAMPLE], 1u << 20, &text,
                           &len, &bufs[0]);
        if (!rc && rh_event_type_options_set_example(o, text, len))
            rc = cli_bad(a, "--example", "give one JSON object (the text is "
                                         "empty or holds a NUL byte)");
    }
    if (!rc && a->set[O_JSON_SCHEMA]) {
        char at_path[4200];
        snprintf(at_path, sizeof at_path, "@%s", a->text[O_JSON_SCHEMA]);
        rc = cli_load_data(a, "--json-schema", at_path,
                           RH_EVENT_TYPE_SCHEMA_MAX, &text, &len, &bufs[1]);
        if (!rc && rh_event_type_options_set_schema(o, text, len))
            rc = cli_bad(a, "--json-schema", "give a file of one JSON object "
                                             "(it is empty or holds a NUL "
                                             "byte)");
    }
    if (rc) {
        rh_event_type_options_free(o);
        return NULL;
    }
    return o;
}

static int run_add(cli_args *a)
{
    rh_ctx *ctx = NULL;
    char *bufs[2] = {NULL, NULL};
    rh_event_type_options *o = options_from(a, bufs);
    if (!o) {
        free(bufs[0]);
        free(bufs[1]);
        return EXIT_USAGE; /* cli_load_data said why */
    }
    int rc = cli_open(a, NULL, &ctx);
    if (!rc) {
        rc = rh_event_type_define(ctx, a->pos[0], o);
        if (rc < 0) {
            rc = cli_fail(a, ctx, rc);
        } else {
            printf(rc == RH_DEFINE_CREATED   ? "defined %s\n"
                   : rc == RH_DEFINE_UPDATED ? "updated %s\n"
                                             : "%s is defined so already; "
                                               "nothing changed\n",
                   a->pos[0]);
            rh_ctx_free(ctx);
            rc = 0;
        }
    }
    rh_event_type_options_free(o);
    free(bufs[0]);
    free(bufs[1]);
    return rc;
}

/* ------------------------------------------------------------------ list */

typedef struct list_pass {
    int json;
    size_t n;
    char last[256];
} list_pass;

/* The first line of a description, cut at 60 bytes (never mid-character). */
static void print_summary(const char *d)
{
    size_t n = strcspn(d, "\n");
    if (n > 60) {
        n = 57;
        while (n && ((unsigned char)d[n] & 0xC0) == 0x80)
            n--;
        cli_print_escaped(d, n, 0);
        printf("...");
        return;
    }
    cli_print_escaped(d, n, 0);
}

static int print_type(const rh_event_type_info *et, void *ud)
{
    list_pass *p = ud;
    const char *ex = rh_event_type_example(et), *sc = rh_event_type_schema(et);
    snprintf(p->last, sizeof p->last, "%s", rh_event_type_name(et));
    if (p->json) {
        printf("%s\n  {\"name\": ", p->n ? "," : "");
        cli_json_str(stdout, rh_event_type_name(et),
                     strlen(rh_event_type_name(et)));
        printf(", \"group\": ");
        cli_json_str(stdout, rh_event_type_group(et),
                     strlen(rh_event_type_group(et)));
        printf(", \"state\": \"%s\", \"description\": ",
               rh_event_type_state_name(rh_event_type_state(et)));
        cli_json_str(stdout, rh_event_type_description(et),
                     strlen(rh_event_type_description(et)));
        printf(", \"example\": %s, \"schema\": %s}", ex ? ex : "null",
               sc ? sc : "null");
    } else {
        if (!p->n)
            printf("%-32s %-16s %-10s %s\n", "NAME", "GROUP", "STATE",
                   "DESCRIPTION");
        printf("%-32s %-16s %-10s ", rh_event_type_name(et),
               rh_event_type_group(et),
               rh_event_type_state_name(rh_event_type_state(et)));
        print_summary(rh_event_type_description(et));
        printf("\n");
    }
    p->n++;
    return RH_OK;
}

static int run_list(cli_args *a)
{
    rh_ctx *ctx = NULL;
    list_pass p = {a->set[O_JSON], 0, ""};
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    if (p.json)
        printf("[");
    do { /* a page at a time: the catalog may be long */
        rc = rh_event_type_list(ctx, a->set[O_GROUP] ? a->text[O_GROUP] : NULL,
                                p.last, 1000, a->set[O_ARCHIVED], print_type,
                                &p);
    } while (rc == 1000);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    if (p.json)
        printf("%s]\n", p.n ? "\n" : "");
    else if (!p.n)
        fprintf(stderr, "no event types%s: add one with '%s event-type add "
                        "NAME --description TEXT'\n",
                a->set[O_GROUP] ? " in this group" : "", cli_prog);
    rh_ctx_free(ctx);
    return 0;
}

static int run_show(cli_args *a)
{
    rh_ctx *ctx = NULL;
    rh_event_type_info *et = NULL;
    char when[32];
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    if ((rc = rh_event_type_get(ctx, a->pos[0], &et)) != RH_OK)
        return cli_fail(a, ctx, rc);
    const char *d = rh_event_type_description(et), *ex, *sc;
    cli_format_time(rh_event_type_updated_ms(et), when);
    printf("name:        %s\ngroup:       %s\nstate:       %s\n"
           "updated:     %s\ndescription: ",
           rh_event_type_name(et), rh_event_type_group(et),
           rh_event_type_state_name(rh_event_type_state(et)), when);
    cli_print_escaped(d, strlen(d), 1);
    ex = rh_event_type_example(et);
    sc = rh_event_type_schema(et);
    printf("\nexample:     %s\nschema:      %s\n", ex ? ex : "none",
           sc ? sc : "none");
    rh_event_type_free(et);
    rh_ctx_free(ctx);
    return 0;
}

/* deprecate, archive and restore: the command's last word says which. */
static int run_state(cli_args *a)
{
    const char *verb = strchr(a->cmd->name, ' ') + 1;
    int state = !strcmp(verb, "deprecate") ? RH_EVENT_TYPE_DEPRECATED
                : !strcmp(verb, "archive") ? RH_EVENT_TYPE_ARCHIVED
                                           : RH_EVENT_TYPE_ACTIVE;
    rh_ctx *ctx = NULL;
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    if ((rc = rh_event_type_set_state(ctx, a->pos[0], state)) != RH_OK)
        return cli_fail(a, ctx, rc);
    printf("%s is %s\n", a->pos[0], rh_event_type_state_name(state));
    rh_ctx_free(ctx);
    return 0;
}

static int run_import(cli_args *a)
{
    rh_ctx *ctx = NULL;
    size_t len = 0;
    int is_stdin = !strcmp(a->pos[0], "-");
    FILE *f = is_stdin ? stdin : fopen(a->pos[0], "rb");
    if (!f) {
        char why[300];
        snprintf(why, sizeof why, "cannot read %s: %s", a->pos[0],
                 strerror(errno));
        return cli_bad(a, "FILE", why);
    }
    /* at most IMPORT_MAX + 1 bytes read, from a file or a pipe alike */
    char *doc = malloc(IMPORT_MAX + 2);
    while (doc && len <= IMPORT_MAX && !feof(f) && !ferror(f))
        len += fread(doc + len, 1, IMPORT_MAX + 1 - len, f);
    int unread = !doc || ferror(f);
    if (!is_stdin)
        fclose(f);
    if (unread || len > IMPORT_MAX) {
        free(doc);
        return cli_bad(a, "FILE", unread ? "cannot read it (a directory?)"
                                         : "it is over 16 MiB");
    }
    int rc = cli_open(a, NULL, &ctx);
    if (!rc) {
        rc = rh_catalog_import(ctx, doc, len);
        if (rc < 0) {
            rc = cli_fail(a, ctx, rc);
        } else {
            printf("imported %s: %d event %s created or changed\n", a->pos[0],
                   rc, cli_plural(rc, "type", "types"));
            rh_ctx_free(ctx);
            rc = 0;
        }
    }
    free(doc);
    return rc;
}

static int write_out(const char *text, size_t len, void *ud)
{
    (void)ud;
    return fwrite(text, 1, len, stdout) == len ? RH_OK : RH_E_USER;
}

static int run_export(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    if ((rc = rh_catalog_export(ctx, write_out, NULL)) != RH_OK)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return fflush(stdout) == 0 ? 0 : EXIT_FAILED;
}

static int run_strict(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int on = !strcmp(a->pos[0], "on");
    if (!on && strcmp(a->pos[0], "off"))
        return cli_bad(a, "on|off", "say on or off");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    if ((rc = rh_catalog_set_strict(ctx, on)) != RH_OK)
        return cli_fail(a, ctx, rc);
    printf("strict mode is %s: %s\n", on ? "on" : "off",
           on ? "emits and subscriptions outside the catalog are refused"
              : "any event type may be emitted and subscribed to");
    rh_ctx_free(ctx);
    return 0;
}

static int run_test(cli_args *a)
{
    rh_ctx *ctx = NULL;
    char id[RH_ID_SIZE];
    if (!a->set[O_EVENT_TYPE])
        return cli_bad(a, "--event-type", "name the type whose example to send");
    int rc = cli_open_endpoint(a, a->pos[0], &ctx);
    if (rc)
        return rc;
    rc = rh_event_type_send_example(ctx, a->pos[0], a->text[O_EVENT_TYPE], id,
                                    sizeof id);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("test event %s (%s) queued for %s: a worker sends it\n", id,
           a->text[O_EVENT_TYPE], a->pos[0]);
    rh_ctx_free(ctx);
    return 0;
}

/* ---------------------------------------------------------------- tables */

static const cli_opt store_opts[] = {CLI_OPT_STORE, CLI_OPT_END};
static const cli_opt add_opts[] = {
    {O_DESCRIPTION, "--description", K_TEXT, 0, 0, "TEXT",
     "what the event means, for the customer picking it"},
    {O_GROUP, "--group", K_TEXT, 0, 0, "GROUP",
     "the picker's heading (default: the name up to its first dot)"},
    {O_EXAMPLE, "--example", K_TEXT, 0, 0, "JSON|@FILE",
     "an example of the data, sent by endpoint test"},
    {O_JSON_SCHEMA, "--json-schema", K_TEXT, 0, 0, "FILE",
     "a JSON Schema of the data, kept as documentation"},
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt list_opts[] = {
    {O_GROUP, "--group", K_TEXT, 0, 0, "GROUP", "only this group's types"},
    {O_ARCHIVED, "--archived", K_FLAG, 0, 0, NULL, "archived types too"},
    {O_JSON, "--json", K_FLAG, 0, 0, NULL, "one JSON array, examples too"},
    CLI_OPT_STORE,
    CLI_OPT_END};
static const cli_opt test_opts[] = {
    {O_EVENT_TYPE, "--event-type", K_TEXT, 0, 0, "NAME",
     "the type whose example to send (required)"},
    CLI_OPT_TENANT("act only if it is this tenant's endpoint"),
    CLI_OPT_STORE,
    CLI_OPT_END};

#define STATE_CMD(var, verb, what)                                             \
    const cli_command var = {"event-type " verb, "NAME", what, what ".",       \
                             {"NAME"},           1,      1,    store_opts,     \
                             run_state}

const cli_command cli_cmd_type_add = {
    "event-type add",
    "NAME [--description TEXT]",
    "define an event type in the catalog, or change one",
    "Defines an event type, or changes the given fields of one. The catalog\n"
    "is what a customer picks from; strict mode refuses anything outside it.",
    {"NAME"},
    1,
    1,
    add_opts,
    run_add};
const cli_command cli_cmd_type_list = {
    "event-type list", "", "the event types in the catalog",
    "Lists the catalog by name (archived types only with --archived).",
    {NULL}, 0, 0, list_opts, run_list};
const cli_command cli_cmd_type_show = {
    "event-type show", "NAME", "an event type with its example and schema",
    "Prints an event type: group, state, description, example and schema.",
    {"NAME"}, 1, 1, store_opts, run_show};
STATE_CMD(cli_cmd_type_deprecate, "deprecate",
          "mark a type deprecated: still sent, each emit counted");
STATE_CMD(cli_cmd_type_archive, "archive",
          "hide a type from pickers (strict mode refuses its emits)");
STATE_CMD(cli_cmd_type_restore, "restore", "make a type active again");
const cli_command cli_cmd_type_import = {
    "event-type import",
    "FILE",
    "load the catalog from JSON: OpenAPI webhooks or an export",
    "Defines every type of an OpenAPI 3.1 document's \"webhooks\" (JSON, not\n"
    "YAML) or of an event-type export (- reads standard input). Nothing is\n"
    "stored when one entry is bad; importing twice changes nothing.",
    {"FILE"},
    1,
    1,
    store_opts,
    run_import};
const cli_command cli_cmd_type_export = {
    "event-type export", "", "the catalog as JSON, for import elsewhere",
    "Writes the whole catalog (archived types and strict mode too) as JSON.",
    {NULL}, 0, 0, store_opts, run_export};
const cli_command cli_cmd_type_strict = {
    "event-type strict",
    "on|off",
    "refuse emits and subscriptions outside the catalog",
    "Strict mode, stored with the catalog for every process sharing the\n"
    "store: on refuses an emit of a type the catalog lacks (or archived)\n"
    "and a subscription that matches no type in it.",
    {"on|off"},
    1,
    1,
    store_opts,
    run_strict};
const cli_command cli_cmd_endpoint_test = {
    "endpoint test",
    "ID --event-type NAME",
    "send a type's example to an endpoint as a test event",
    "Queues the type's example for the endpoint as a real, signed delivery\n"
    "marked as a test (X-Replicer-Test: 1; its event id begins tst_).",
    {"ID"},
    1,
    1,
    test_opts,
    run_test};
