/* replicer-hooks accounts: the tenant, name, description and labels of
 * endpoint add and set (and --url, --events of set), what endpoint show
 * prints of them, and the tenant commands: list, show and remove. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* "KEY=VALUE" split at its first '=' into key (a copy, the caller's) and
 * value; "KEY" alone gives value NULL (set: remove the label). */
static char *label_parts(const char *arg, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    char *key = malloc(n + 1);
    if (key) {
        memcpy(key, arg, n);
        key[n] = '\0';
    }
    *value = eq ? eq + 1 : NULL;
    return key;
}

int cli_endpoint_options(const cli_args *a, rh_endpoint_options **out)
{
    rh_endpoint_options *o = NULL;
    int rc = 0;
    if (rh_endpoint_options_new(&o) != RH_OK)
        return EXIT_FAILED;
    if (a->set[O_TENANT] &&
        rh_endpoint_options_set_tenant(o, a->text[O_TENANT]) != RH_OK)
        rc = cli_bad(a, "--tenant",
                     "must be 1 to 128 visible ASCII characters (no spaces)");
    if (!rc && a->set[O_NAME] &&
        rh_endpoint_options_set_name(o, a->text[O_NAME]) != RH_OK)
        rc = cli_bad(a, "--name",
                     "must be at most 128 bytes of text, no control "
                     "characters");
    if (!rc && a->set[O_DESCRIPTION] &&
        rh_endpoint_options_set_description(o, a->text[O_DESCRIPTION]) !=
            RH_OK)
        rc = cli_bad(a, "--description",
                     "must be at most 1024 bytes of text, no control "
                     "characters but newlines and tabs");
    for (size_t i = 0; !rc && i < a->n_list; i++) {
        const char *value;
        char *key;
        if (a->list_of[i] != O_LABEL)
            continue;
        if (!(key = label_parts(a->list[i], &value)))
            rc = EXIT_FAILED;
        else if (!value || rh_endpoint_options_set_label(o, key, value))
            rc = cli_bad(a, "--label",
                         "must be KEY=VALUE: a key of [A-Za-z0-9_.-] (at "
                         "most 64), a value of at most 256 bytes of text");
        free(key);
    }
    if (rc) {
        rh_endpoint_options_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* --label KEY=VALUE sets, --label KEY removes: each through the library. */
static int edit_labels(const cli_args *a, rh_ctx *ctx, const char *id)
{
    int rc = RH_OK;
    for (size_t i = 0; rc == RH_OK && i < a->n_list; i++) {
        const char *value;
        char *key;
        if (a->list_of[i] != O_LABEL)
            continue;
        if (!(key = label_parts(a->list[i], &value)))
            return RH_E_NOMEM;
        rc = rh_endpoint_set_label(ctx, id, key, value);
        free(key);
    }
    return rc;
}

int cli_endpoint_edit(const cli_args *a, rh_ctx *ctx, const char *id)
{
    int rc = RH_OK;
    const char *flag = NULL;
    if (a->set[O_URL] &&
        (rc = rh_endpoint_set_url(ctx, id, a->text[O_URL])) != RH_OK)
        flag = "--url";
    if (rc == RH_OK && a->set[O_EVENTS]) {
        const char *list[257];
        char *copy = strdup(a->text[O_EVENTS]);
        rc = copy ? rh_endpoint_set_events(ctx, id, list,
                                           cli_split_events(copy, list))
                  : RH_E_NOMEM;
        free(copy);
        flag = rc != RH_OK ? "--events" : NULL;
    }
    if (rc == RH_OK && a->set[O_NAME] &&
        (rc = rh_endpoint_set_name(ctx, id, a->text[O_NAME])) != RH_OK)
        flag = "--name";
    if (rc == RH_OK && a->set[O_DESCRIPTION] &&
        (rc = rh_endpoint_set_description(ctx, id, a->text[O_DESCRIPTION])) !=
            RH_OK)
        flag = "--description";
    if (rc == RH_OK && (rc = edit_labels(a, ctx, id)) != RH_OK)
        flag = "--label";
    if (rc == RH_OK)
        return 0;
    if (rh_ctx_last_error_arg(ctx) == RH_ARG_ENDPOINT_ID)
        flag = NULL; /* the id's own failure is named as the id */
    else /* each option is its own change, in this order: say which took */
        fprintf(stderr,
                "%s endpoint set: changes are made in the order --url, "
                "--events, --name, --description, --label, then the "
                "settings; those before %s were made\n",
                cli_prog, flag ? flag : "the refused one");
    return cli_fail_at(a, ctx, rc, flag);
}

void cli_print_profile(const rh_endpoint *ep)
{
    const char *t = rh_endpoint_tenant(ep), *n = rh_endpoint_name(ep),
               *d = rh_endpoint_description(ep);
    printf("tenant:          %s\n", *t ? t : "none");
    if (*n) {
        printf("name:            ");
        cli_print_escaped(n, strlen(n), 0);
        printf("\n");
    }
    if (*d) {
        printf("description:     ");
        cli_print_escaped(d, strlen(d), 0);
        printf("\n");
    }
    for (size_t i = 0; i < rh_endpoint_label_count(ep); i++) {
        const char *v = rh_endpoint_label_value(ep, i);
        printf("label:           %s=", rh_endpoint_label_key(ep, i));
        cli_print_escaped(v, strlen(v), 0);
        printf("\n");
    }
}

/* A tenant id by the library's own rules (1 to 128 visible ASCII), read
 * through a setter that applies them: the library exports no check. */
static int tenant_ok(const char *tenant)
{
    rh_emit_options *probe = NULL;
    int ok = tenant[0] && rh_emit_options_new(&probe) == RH_OK &&
             rh_emit_options_set_tenant(probe, tenant) == RH_OK;
    rh_emit_options_free(probe);
    return ok;
}

int cli_open_endpoint(const cli_args *a, const char *id, rh_ctx **out)
{
    const rh_endpoint *ep = NULL;
    if (a->set[O_TENANT] && !tenant_ok(a->text[O_TENANT]))
        return cli_bad(a, "--tenant", "a tenant is 1 to 128 visible ASCII "
                                      "characters");
    int rc = cli_open(a, NULL, out);
    if (rc || !a->set[O_TENANT])
        return rc;
    if ((rc = rh_endpoint_get(*out, id, &ep)) != RH_OK)
        return cli_fail(a, *out, rc);
    if (strcmp(rh_endpoint_tenant(ep), a->text[O_TENANT]) == 0)
        return 0;
    /* another tenant's is unknown to this one, as in the library */
    fprintf(stderr, "%s %s: ID: no endpoint %s for tenant %s\n", cli_prog,
            a->cmd->name, id, a->text[O_TENANT]);
    rh_ctx_free(*out);
    *out = NULL;
    return EXIT_USAGE;
}

/* ------------------------------------------------------------- tenants */

typedef struct tenant_names {
    char **names; /* one per endpoint with a tenant */
    size_t n, cap;
    int failed;
} tenant_names;

static int collect_tenant(const rh_endpoint *ep, void *ud)
{
    tenant_names *tn = ud;
    const char *t = rh_endpoint_tenant(ep);
    if (!*t || tn->failed)
        return RH_OK;
    if (tn->n == tn->cap) {
        size_t cap = tn->cap ? tn->cap * 2 : 64;
        char **nm = realloc(tn->names, cap * sizeof *nm);
        if (!nm) {
            tn->failed = 1;
            return RH_OK;
        }
        tn->names = nm;
        tn->cap = cap;
    }
    if (!(tn->names[tn->n] = strdup(t)))
        tn->failed = 1;
    else
        tn->n++;
    return RH_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, then counted in runs: a store may hold 100,000 tenants. */
static int run_tenant_list(cli_args *a)
{
    rh_ctx *ctx = NULL;
    tenant_names tn = {0};
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = rh_endpoint_list(ctx, collect_tenant, &tn);
    if (rc >= 0 && !tn.failed) {
        qsort(tn.names, tn.n, sizeof *tn.names, by_name);
        if (tn.n)
            printf("%-30s  %s\n", "TENANT", "ENDPOINTS");
        for (size_t i = 0, j; i < tn.n; i = j) {
            for (j = i + 1; j < tn.n && !strcmp(tn.names[i], tn.names[j]); j++)
                ;
            printf("%-30s  %zu\n", tn.names[i], j - i);
        }
        if (!tn.n)
            fprintf(stderr, "no tenants: add an endpoint with '%s endpoint "
                            "add URL --events TYPE --tenant ID'\n",
                    cli_prog);
    }
    for (size_t i = 0; i < tn.n; i++)
        free(tn.names[i]);
    free(tn.names);
    if (rc < 0 || tn.failed)
        return cli_fail(a, ctx, rc < 0 ? rc : RH_E_NOMEM);
    rh_ctx_free(ctx);
    return 0;
}

typedef struct tenant_view {
    const char *tenant;
    size_t n;
} tenant_view;

static int print_tenant_endpoint(const rh_endpoint *ep, void *ud)
{
    tenant_view *v = ud;
    char state[32];
    if (strcmp(rh_endpoint_tenant(ep), v->tenant) != 0)
        return RH_OK;
    if (!v->n++)
        printf("endpoints:\n");
    printf("  %s  %s  ", rh_endpoint_id(ep),
           cli_endpoint_state(ep, state, sizeof state));
    cli_print_escaped(rh_endpoint_url(ep), strlen(rh_endpoint_url(ep)), 0);
    printf("\n");
    return RH_OK;
}

typedef struct page_count {
    long long n;
    int64_t last_ms;
    char last_id[RH_ID_SIZE];
} page_count;

static int count_one(const rh_delivery *dl, void *ud)
{
    page_count *pc = ud;
    pc->n++;
    pc->last_ms = rh_delivery_created_ms(dl);
    snprintf(pc->last_id, sizeof pc->last_id, "%s", rh_delivery_id(dl));
    return RH_OK;
}

/* The tenant's deliveries in one state, a page at a time through its own
 * index (never a whole backlog in memory at once). */
static int tenant_count_in(rh_ctx *ctx, const char *tenant, int state,
                           long long *n)
{
    enum { PAGE = 10000 };
    rh_query *q = NULL;
    page_count pc = {0, 0, ""};
    int rc;
    *n = 0;
    if (rh_query_new(&q) != RH_OK)
        return RH_E_NOMEM;
    rh_query_set_tenant(q, tenant);
    rh_query_set_state(q, state);
    rh_query_set_limit(q, PAGE);
    do {
        long long before = pc.n;
        rc = rh_log_deliveries(ctx, q, count_one, &pc);
        if (rc < 0 || pc.n - before < PAGE)
            break;
        rh_query_set_delivery_cursor(q, pc.last_ms, pc.last_id);
    } while (1);
    rh_query_free(q);
    *n = pc.n;
    return rc < 0 ? rc : RH_OK;
}

/* Its limits, one line each ("none" where it has none). */
static int print_limits(rh_ctx *ctx, const char *tenant)
{
    static const char *const label[RH_TENANT_LIMIT_COUNT] = {
        "max endpoints:   ", "max pending:     ", "max in flight:   ",
        "rate:            "};
    for (int k = 0; k < RH_TENANT_LIMIT_COUNT; k++) {
        int64_t v = 0;
        int rc = rh_tenant_get_limit(ctx, tenant, k, &v);
        if (rc != RH_OK)
            return rc;
        if (v)
            printf("%s%lld%s\n", label[k], (long long)v,
                   k == RH_TENANT_RATE ? " a second" : "");
        else
            printf("%snone\n", label[k]);
    }
    return RH_OK;
}

static int run_tenant_show(cli_args *a)
{
    rh_ctx *ctx = NULL;
    tenant_view v = {a->pos[0], 0};
    long long pending = 0, in_flight = 0, failed = 0;
    if (a->pos[0][0] && !tenant_ok(a->pos[0])) /* "": of no tenant */
        return cli_bad(a, "ID", "a tenant is 1 to 128 visible ASCII "
                                "characters");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    printf("tenant:          %s\n", a->pos[0]);
    if ((rc = rh_endpoint_list(ctx, print_tenant_endpoint, &v)) >= 0 &&
        (rc = tenant_count_in(ctx, a->pos[0], RH_DELIVERY_PENDING,
                              &pending)) == RH_OK &&
        (rc = tenant_count_in(ctx, a->pos[0], RH_DELIVERY_IN_FLIGHT,
                              &in_flight)) == RH_OK)
        rc = tenant_count_in(ctx, a->pos[0], RH_DELIVERY_FAILED, &failed);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    if (!v.n)
        printf("endpoints:       none\n");
    printf("pending:         %lld\nin flight:       %lld\n"
           "failed:          %lld\n",
           pending, in_flight, failed);
    if ((rc = print_limits(ctx, a->pos[0])) != RH_OK)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

/* The options of tenant set, by rh_tenant_limit_kind. */
static const cli_opt_id limit_opts[RH_TENANT_LIMIT_COUNT] = {
    O_MAX_ENDPOINTS, O_MAX_PENDING, O_MAX_IN_FLIGHT, O_RATE};

static int run_tenant_set(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int any = 0;
    for (int k = 0; k < RH_TENANT_LIMIT_COUNT; k++)
        any |= a->set[limit_opts[k]];
    if (!any)
        return cli_bad(a, "ID", "give at least one of --max-endpoints, "
                                "--max-pending, --max-in-flight, --rate (0 "
                                "removes one)");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    for (int k = 0; k < RH_TENANT_LIMIT_COUNT; k++) {
        if (!a->set[limit_opts[k]])
            continue;
        rc = rh_tenant_set_limit(ctx, a->pos[0], k, a->num[limit_opts[k]]);
        if (rc != RH_OK)
            return cli_fail(a, ctx, rc);
    }
    printf("tenant:          %s\n", a->pos[0]);
    if ((rc = print_limits(ctx, a->pos[0])) != RH_OK)
        return cli_fail(a, ctx, rc);
    rh_ctx_free(ctx);
    return 0;
}

static int run_tenant_remove(cli_args *a)
{
    rh_ctx *ctx = NULL;
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = rh_tenant_remove(ctx, a->pos[0]);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    printf("removed %d %s of tenant %s\n", rc,
           cli_plural(rc, "endpoint", "endpoints"), a->pos[0]);
    rh_ctx_free(ctx);
    return 0;
}

static const cli_opt store_opts[] = {CLI_OPT_STORE, CLI_OPT_END};

const cli_command cli_cmd_tenant_list = {
    "tenant list",
    "",
    "the tenants with endpoints, and how many each has",
    "Lists every tenant that has an endpoint, with its count of endpoints.",
    {NULL},
    0,
    0,
    store_opts,
    run_tenant_list};
const cli_command cli_cmd_tenant_show = {
    "tenant show",
    "ID",
    "a tenant's endpoints and deliveries",
    "Prints a tenant's endpoints (id, state, URL) and how many of its\n"
    "deliveries are pending, in flight and failed.",
    {"ID"},
    1,
    1,
    store_opts,
    run_tenant_show};
static const cli_opt set_opts[] = {
    {O_MAX_ENDPOINTS, "--max-endpoints", K_INT, 0, RH_TENANT_LIMIT_MAX, "N",
     "endpoints it may have (0: no limit)"},
    {O_MAX_PENDING, "--max-pending", K_INT, 0, RH_TENANT_LIMIT_MAX, "N",
     "deliveries pending or in flight; an emit past it is refused"},
    {O_MAX_IN_FLIGHT, "--max-in-flight", K_INT, 0, RH_TENANT_LIMIT_MAX, "N",
     "deliveries in flight at once, in each worker"},
    {O_RATE, "--rate", K_INT, 0, RH_TENANT_LIMIT_MAX, "N",
     "deliveries started per second, in each worker"},
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_tenant_set = {
    "tenant set",
    "ID [--max-endpoints N] [--max-pending N] [--max-in-flight N] [--rate N]",
    "set a tenant's limits",
    "Stores the limits given (0 removes one) for every process sharing the\n"
    "store: an add past --max-endpoints and an emit past --max-pending are\n"
    "refused (exit 1); --max-in-flight and --rate hold in each worker.",
    {"ID"},
    1,
    1,
    set_opts,
    run_tenant_set};
const cli_command cli_cmd_tenant_remove = {
    "tenant remove",
    "ID",
    "remove every endpoint of a tenant",
    "Removes the tenant's endpoints (their secrets go with them); its\n"
    "queued deliveries fail when due, and its log stays until pruned.\n"
    "Removing a tenant with no endpoint left removes nothing.",
    {"ID"},
    1,
    1,
    store_opts,
    run_tenant_remove};
