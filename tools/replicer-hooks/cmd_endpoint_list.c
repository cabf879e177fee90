/* replicer-hooks endpoint list: the endpoints as a table with a header row
 * and columns as wide as their widest value, or (--json) one JSON object a
 * line for scripts; and the check endpoint add makes for a twin (the same
 * URL and events already registered). */
#include "cli.h"

#include <jansson.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    char id[RH_ID_SIZE], state[32], health[160], tenant[RH_TENANT_MAX + 1];
    char *url, *events;
    int dev;
} row;

typedef struct table {
    row *rows;
    size_t n, cap;
    int failed;
    const char *tenant; /* --tenant: that tenant's only; NULL: all */
    int tenants;        /* some endpoint has one: a TENANT column */
    rh_ctx *ctx;        /* for the health, read after the list's walk */
} table;

static int other_tenant(const table *t, const rh_endpoint *ep)
{
    return t->tenant && strcmp(rh_endpoint_tenant(ep), t->tenant) != 0;
}

static char *events_of(const rh_endpoint *ep)
{
    size_t len = 1;
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++)
        len += strlen(rh_endpoint_event(ep, i)) + 1;
    char *out = calloc(1, len);
    for (size_t i = 0; out && i < rh_endpoint_event_count(ep); i++) {
        if (i)
            strcat(out, ",");
        strcat(out, rh_endpoint_event(ep, i));
    }
    return out;
}

static int collect(const rh_endpoint *ep, void *ud)
{
    table *t = ud;
    if (other_tenant(t, ep))
        return RH_OK;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        row *r = realloc(t->rows, cap * sizeof *r);
        if (!r) {
            t->failed = 1;
            return RH_OK;
        }
        t->rows = r;
        t->cap = cap;
    }
    row *r = &t->rows[t->n];
    snprintf(r->id, sizeof r->id, "%s", rh_endpoint_id(ep));
    snprintf(r->tenant, sizeof r->tenant, "%s", rh_endpoint_tenant(ep));
    t->tenants |= r->tenant[0] != '\0';
    char state[32];
    snprintf(r->state, sizeof r->state, "%s",
             cli_endpoint_state(ep, state, sizeof state));
    r->url = strdup(rh_endpoint_url(ep));
    r->events = events_of(ep);
    r->dev = rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT;
    if (!r->url || !r->events) {
        free(r->url);
        free(r->events);
        t->failed = 1;
        return RH_OK;
    }
    t->n++;
    return RH_OK;
}

static void print_table(const table *t)
{
    int w_state = 5, w_url = 3, w_events = 6;
    for (size_t i = 0; i < t->n; i++) {
        int ls = (int)strlen(t->rows[i].state), lu = (int)strlen(t->rows[i].url),
            le = (int)strlen(t->rows[i].events);
        w_state = ls > w_state ? ls : w_state;
        w_url = lu > w_url ? lu : w_url;
        w_events = le > w_events ? le : w_events;
    }
    int w_tenant = 0;
    for (size_t i = 0; t->tenants && i < t->n; i++) {
        int lt = (int)strlen(t->rows[i].tenant);
        w_tenant = lt > w_tenant ? lt : w_tenant;
    }
    if (t->tenants)
        printf("%-*s  ", w_tenant > 6 ? w_tenant : 6, "TENANT");
    printf("%-*s  %-*s  %-*s  %-*s  %s\n", RH_ID_SIZE - 1, "ID", w_state,
           "STATE", w_url, "URL", w_events, "EVENTS", "HEALTH");
    for (size_t i = 0; i < t->n; i++) {
        const row *r = &t->rows[i];
        if (t->tenants)
            printf("%-*s  ", w_tenant > 6 ? w_tenant : 6,
                   r->tenant[0] ? r->tenant : "-");
        /* a URL is a customer's text: printed escaped, padded after */
        printf("%-*s  %-*s  ", RH_ID_SIZE - 1, r->id, w_state, r->state);
        cli_print_escaped(r->url, strlen(r->url), 0);
        printf("%*s  %-*s  %s%s\n", w_url - (int)strlen(r->url), "",
               w_events, r->events, r->health, r->dev ? "  (--dev)" : "");
    }
}

static json_t *time_or_null(int64_t ms)
{
    char t[32];
    if (!ms)
        return json_null();
    cli_format_time(ms, t);
    return json_string(t);
}

/* One object a line: what the table shows, with the health as numbers. */
static int print_json(const rh_endpoint *ep, void *ud)
{
    char state[32];
    json_t *events, *o, *labels;
    int64_t h[3];
    const table *t = ud;
    if (other_tenant(ud, ep))
        return RH_OK;
    cli_health_now(t->ctx, ep, h);
    events = json_array();
    labels = json_object();
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++)
        json_array_append_new(events, json_string(rh_endpoint_event(ep, i)));
    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I}", "id",
                  rh_endpoint_id(ep), "url", rh_endpoint_url(ep), "state",
                  cli_endpoint_state(ep, state, sizeof state), "mode",
                  rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT ? "development"
                                                              : "production",
                  "events", events, "created",
                  time_or_null(rh_endpoint_created_ms(ep)), "last_success",
                  time_or_null(h[0]), "failing_since", time_or_null(h[1]),
                  "failed_in_a_row", (json_int_t)h[2]);
    const char *tenant = rh_endpoint_tenant(ep), *name = rh_endpoint_name(ep);
    for (size_t i = 0; i < rh_endpoint_label_count(ep); i++)
        json_object_set_new(labels, rh_endpoint_label_key(ep, i),
                            json_string(rh_endpoint_label_value(ep, i)));
    if (o) {
        json_object_set_new(o, "tenant",
                            *tenant ? json_string(tenant) : json_null());
        json_object_set_new(o, "name", *name ? json_string(name) : json_null());
        json_object_set(o, "labels", labels);
    }
    json_decref(labels);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
    return RH_OK;
}

static int run_list(cli_args *a)
{
    rh_ctx *ctx = NULL;
    table t = {NULL, 0, 0, 0, NULL, 0, NULL};
    t.tenant = a->set[O_TENANT] ? a->text[O_TENANT] : NULL;
    rh_query *probe = NULL; /* the tenant's rules, as log's */
    if (t.tenant && (rh_query_new(&probe) != RH_OK ||
                     rh_query_set_tenant(probe, t.tenant) != RH_OK)) {
        rh_query_free(probe);
        return cli_bad(a, "--tenant",
                       "must be 1 to 128 visible ASCII characters (no "
                       "spaces), or '' for the endpoints of no tenant");
    }
    rh_query_free(probe);
    int rc = cli_open(a, NULL, &ctx);
    if (rc)
        return rc;
    t.ctx = ctx;
    rc = rh_endpoint_list(ctx, collect, &t);
    /* each row's health from the log, now the list's walk is over */
    for (size_t i = 0; rc >= 0 && !t.failed && i < t.n; i++) {
        const rh_endpoint *ep = NULL;
        if (rh_endpoint_get(ctx, t.rows[i].id, &ep) != RH_OK)
            continue; /* removed meanwhile */
        if (a->set[O_JSON])
            print_json(ep, &t);
        else
            cli_endpoint_health(ctx, ep, t.rows[i].health,
                                sizeof t.rows[i].health);
    }
    if (rc < 0 || t.failed) {
        for (size_t i = 0; i < t.n; i++) {
            free(t.rows[i].url);
            free(t.rows[i].events);
        }
        free(t.rows);
        return cli_fail(a, ctx, rc < 0 ? rc : RH_E_NOMEM);
    }
    if (!a->set[O_JSON] && t.n)
        print_table(&t);
    if (t.n == 0 && !a->set[O_JSON] && t.tenant)
        fprintf(stderr, "no endpoints of tenant '%s'\n", t.tenant);
    else if (t.n == 0 && !a->set[O_JSON])
        fprintf(stderr,
                "no endpoints: add one with '%s endpoint add URL "
                "--events TYPE'\n",
                cli_prog);
    for (size_t i = 0; i < t.n; i++) {
        free(t.rows[i].url);
        free(t.rows[i].events);
    }
    free(t.rows);
    rh_ctx_free(ctx);
    return 0;
}

typedef struct twin_search {
    const char *url;
    char *events; /* sorted, comma-separated */
    char *found;
    const char *tenant; /* "" for none: a twin is of the same tenant */
} twin_search;

static int by_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "b,a, a" -> "a,b" (sorted, without repeats), for comparing sets. */
static char *normal_events(const char *events)
{
    char *copy = strdup(events), *save = NULL, *parts[257];
    size_t n = 0;
    char *out = copy ? calloc(1, strlen(events) + 2) : NULL;
    for (char *p = copy && out ? strtok_r(copy, ", ", &save) : NULL;
         p && n < 257; p = strtok_r(NULL, ", ", &save))
        parts[n++] = p;
    qsort(parts, n, sizeof *parts, by_str);
    for (size_t i = 0; out && i < n; i++)
        if (!i || strcmp(parts[i], parts[i - 1])) {
            if (*out)
                strcat(out, ",");
            strcat(out, parts[i]);
        }
    free(copy);
    return out;
}

static int match_twin(const rh_endpoint *ep, void *ud)
{
    twin_search *s = ud;
    if (s->found[0] || strcmp(rh_endpoint_url(ep), s->url) ||
        strcmp(rh_endpoint_tenant(ep), s->tenant))
        return RH_OK;
    char *mine = events_of(ep), *norm = mine ? normal_events(mine) : NULL;
    if (norm && s->events && !strcmp(norm, s->events))
        snprintf(s->found, RH_ID_SIZE, "%s", rh_endpoint_id(ep));
    free(mine);
    free(norm);
    return RH_OK;
}

void cli_endpoint_twin(rh_ctx *ctx, const char *url, const char *events,
                       const char *tenant, char found[RH_ID_SIZE])
{
    twin_search s = {url, normal_events(events ? events : ""), found,
                     tenant ? tenant : ""};
    found[0] = '\0';
    if (url && s.events)
        rh_endpoint_list(ctx, match_twin, &s);
    free(s.events);
}

static const cli_opt list_opts[] = {
    {O_JSON, "--json", K_FLAG, 0, 0, NULL, "one JSON object a line"},
    CLI_OPT_TENANT("that tenant's endpoints only"),
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_endpoint_list = {
    "endpoint list",
    "[--json] [--tenant ID]",
    "the endpoints, their state and health",
    "A table with a header row: id, state, URL, events and health, each\n"
    "column as wide as its widest value. --json: one object a line, with\n"
    "the health as times and a count.",
    {NULL},
    0,
    0,
    list_opts,
    run_list};
