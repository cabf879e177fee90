/* replicer-hooks dashboard: the add-endpoint form's event picker, built
 * from the store's catalog: a multiple select grouped by the types' groups
 * (optgroups), deprecated types marked, archived ones left out, "*" first.
 * An empty catalog keeps the free-text field of before. Plain HTML: the
 * dashboard's pages carry no script. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct picked {
    char *name, *group, *description;
    int deprecated;
} picked;

typedef struct picker {
    picked *rows;
    size_t n, cap;
    int failed;
} picker;

static int keep(const rh_event_type_info *et, void *ud)
{
    picker *p = ud;
    if (p->failed)
        return RH_OK;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        picked *r = realloc(p->rows, cap * sizeof *r);
        if (!r) {
            p->failed = 1;
            return RH_OK;
        }
        p->rows = r;
        p->cap = cap;
    }
    picked *row = &p->rows[p->n];
    row->name = strdup(rh_event_type_name(et));
    row->group = strdup(rh_event_type_group(et));
    row->description = strdup(rh_event_type_description(et));
    row->deprecated = rh_event_type_state(et) == RH_EVENT_TYPE_DEPRECATED;
    if (!row->name || !row->group || !row->description) {
        free(row->name);
        free(row->group);
        free(row->description);
        p->failed = 1;
        return RH_OK;
    }
    p->n++;
    return RH_OK;
}

static int by_group(const void *a, const void *b)
{
    const picked *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    return c ? c : strcmp(x->name, y->name);
}

/* Where the picker writes: the dashboard's page, markup as it is and text
 * escaped by the page's own escaping. */
static void add(const cli_html *h, const char *markup)
{
    h->markup(h->page, markup);
}

static void add_text(const cli_html *h, const char *text)
{
    h->text(h->page, text);
}

static void add_options(const cli_html *h, const picker *p)
{
    add(h, "<select name=\"events\" id=\"event-picker\" multiple size=\"8\" "
           "required><option value=\"*\">* (every event type)</option>");
    for (size_t i = 0; i < p->n; i++) {
        const picked *r = &p->rows[i];
        if (!i || strcmp(r->group, p->rows[i - 1].group)) {
            add(h, i ? "</optgroup><optgroup label=\"" : "<optgroup label=\"");
            add_text(h, r->group);
            add(h, "\">");
        }
        add(h, "<option value=\"");
        add_text(h, r->name);
        add(h, "\" title=\"");
        add_text(h, r->description);
        add(h, "\">");
        add_text(h, r->name);
        if (r->deprecated)
            add(h, " (deprecated)");
        add(h, "</option>");
    }
    add(h, p->n ? "</optgroup></select>" : "</select>");
}

void cli_event_picker(rh_ctx *ctx, const cli_html *h)
{
    picker p = {NULL, 0, 0, 0};
    int rc = 0;
    char after[256] = "";
    do { /* every active and deprecated type, a page at a time */
        size_t before = p.n;
        rc = rh_event_type_list(ctx, NULL, after, 1000, 0, keep, &p);
        if (rc == 1000 && p.n > before)
            snprintf(after, sizeof after, "%s", p.rows[p.n - 1].name);
    } while (rc == 1000 && !p.failed);
    if (rc < 0 || p.failed || p.n == 0)
        add(h, "<label>Events <input name=\"events\" type=\"text\" "
                "size=\"30\" value=\"*\" required></label> <span "
                "class=\"muted\">event types or patterns, comma-separated: "
                "order.paid, order.*, *</span>");
    else {
        qsort(p.rows, p.n, sizeof *p.rows, by_group);
        add(h, "<label>Events ");
        add_options(h, &p);
        add(h, "</label> <span class=\"muted\">pick one or more (Ctrl or "
                "Shift to pick several)</span>");
    }
    for (size_t i = 0; i < p.n; i++) {
        free(p.rows[i].name);
        free(p.rows[i].group);
        free(p.rows[i].description);
    }
    free(p.rows);
}
