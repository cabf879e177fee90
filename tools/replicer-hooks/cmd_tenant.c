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

/* ------------------------------------------------------------- tenants */

typedef struct tenant_count {
    char **names;
    size_t *endpoints;
    size_t n, cap;
    int failed;
} tenant_count;

/* Each endpoint's tenant, counted (a linear look: a tool's listing). */
static int count_tenant(const rh_endpoint *ep, void *ud)
{
    tenant_count *tc = ud;
    const char *t = rh_endpoint_tenant(ep);
    size_t i = 0;
    if (!*t)
        return RH_OK;
    while (i < tc->n && strcmp(tc->names[i], t) != 0)
        i++;
    if (i == tc->n) {
        if (tc->n == tc->cap) {
            size_t cap = tc->cap ? tc->cap * 2 : 32;
            char **nm = realloc(tc->names, cap * sizeof *nm);
            if (nm)
                tc->names = nm;
            size_t *ct = nm ? realloc(tc->endpoints, cap * sizeof *ct) : NULL;
            if (!ct) {
                tc->failed = 1;
                return RH_OK;
            }
            tc->endpoints = ct;
            tc->cap = cap;
        }
        if (!(tc->names[i] = strdup(t))) {
            tc->failed = 1;
            return RH_OK;
        }
        tc->endpoints[i] = 0;
        tc->n++;
    }
    tc->endpoints[i]++;
    return RH_OK;
}

static int run_tenant_list(cli_args *a)
{
    rh_ctx *ctx = NULL;
    tenant_count tc = {0};
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    rc = rh_endpoint_list(ctx, count_tenant, &tc);
    if (rc >= 0 && !tc.failed) {
        if (tc.n)
            printf("%-30s  %s\n", "TENANT", "ENDPOINTS");
        for (size_t i = 0; i < tc.n; i++)
            printf("%-30s  %zu\n", tc.names[i], tc.endpoints[i]);
        if (!tc.n)
            fprintf(stderr, "no tenants: add an endpoint with '%s endpoint "
                            "add URL --events TYPE --tenant ID'\n",
                    cli_prog);
    }
    for (size_t i = 0; i < tc.n; i++)
        free(tc.names[i]);
    free(tc.names);
    free(tc.endpoints);
    if (rc < 0 || tc.failed)
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

static int count_one(const rh_delivery *dl, void *ud)
{
    (void)dl;
    (*(long long *)ud)++;
    return RH_OK;
}

/* The tenant's deliveries in one state, through its own index. */
static int tenant_count_in(rh_ctx *ctx, const char *tenant, int state,
                           long long *n)
{
    rh_query *q = NULL;
    *n = 0;
    if (rh_query_new(&q) != RH_OK)
        return RH_E_NOMEM;
    rh_query_set_tenant(q, tenant);
    rh_query_set_state(q, state);
    rh_query_set_limit(q, 1000000);
    int rc = rh_log_deliveries(ctx, q, count_one, n);
    rh_query_free(q);
    return rc < 0 ? rc : RH_OK;
}

static int run_tenant_show(cli_args *a)
{
    rh_ctx *ctx = NULL;
    tenant_view v = {a->pos[0], 0};
    long long pending = 0, failed = 0;
    rh_query *probe = NULL;
    if (rh_query_new(&probe) != RH_OK)
        return EXIT_FAILED;
    int bad = rh_query_set_tenant(probe, a->pos[0]) != RH_OK;
    rh_query_free(probe);
    if (bad)
        return cli_bad(a, "ID", "a tenant is 1 to 128 visible ASCII "
                                "characters");
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    printf("tenant:          %s\n", a->pos[0]);
    if ((rc = rh_endpoint_list(ctx, print_tenant_endpoint, &v)) >= 0 &&
        (rc = tenant_count_in(ctx, a->pos[0], RH_DELIVERY_PENDING,
                              &pending)) == RH_OK)
        rc = tenant_count_in(ctx, a->pos[0], RH_DELIVERY_FAILED, &failed);
    if (rc < 0)
        return cli_fail(a, ctx, rc);
    if (!v.n)
        printf("endpoints:       none\n");
    printf("pending:         %lld\nfailed:          %lld\n", pending, failed);
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
    "deliveries are pending and failed.",
    {"ID"},
    1,
    1,
    store_opts,
    run_tenant_show};
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
