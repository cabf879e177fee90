/* replicer-hooks portal: the pages' templates, a small subset of Mustache
 * rendered from a JSON value (the same model the JSON API answers with).
 *
 *   {{name}}       the value, escaped for HTML text and quoted attributes
 *   {{{name}}}     the value as it is (the layout's body, made here)
 *   {{.}}          the current value (inside a section over strings)
 *   {{#name}}..{{/name}}  once per element of an array, once with an
 *                  object, once for true, a non-empty string or a non-zero
 *                  number; never for false, null, "", 0, [] or no value
 *   {{^name}}..{{/name}}  once exactly when {{#name}} would not run
 *
 * A name is looked up in the innermost object first, then outwards. Why
 * our own: Debian 12 ships no Mustache (or other template) library for C,
 * only C++ ones, and the core links no C++; these 200 lines keep the markup
 * in files a web developer edits (lib/portal/assets) and every value
 * escaped by default. */
#include "rh_portal_tpl.h"

#include <stdio.h>
#include <string.h>

#define DEPTH_MAX 16

typedef struct frame {
    json_t *stack[DEPTH_MAX];
    size_t depth;
} frame;

void rh__portal_put_html(rh_text *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *e = s[i] == '&'    ? "&amp;"
                        : s[i] == '<'  ? "&lt;"
                        : s[i] == '>'  ? "&gt;"
                        : s[i] == '"'  ? "&quot;"
                        : s[i] == '\'' ? "&#39;"
                                       : NULL;
        if (e)
            rh__text_puts(t, e);
        else
            rh__text_put(t, s + i, 1);
    }
}

static json_t *lookup(const frame *f, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return f->depth ? f->stack[f->depth - 1] : NULL;
    for (size_t i = f->depth; i-- > 0;) {
        json_t *o = f->stack[i];
        if (json_is_object(o)) {
            json_t *v = json_object_getn(o, name, len);
            if (v)
                return v;
        }
    }
    return NULL;
}

static int truthy(json_t *v)
{
    return v && !json_is_false(v) && !json_is_null(v) &&
           !(json_is_string(v) && json_string_length(v) == 0) &&
           !(json_is_integer(v) && json_integer_value(v) == 0) &&
           !(json_is_array(v) && json_array_size(v) == 0);
}

static void put_value(rh_text *t, json_t *v, int escape)
{
    char num[32];
    const char *s = NULL;
    size_t n = 0;
    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
    } else if (json_is_integer(v)) {
        n = (size_t)snprintf(num, sizeof num, "%lld",
                             (long long)json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        n = (size_t)snprintf(num, sizeof num, "%g", json_real_value(v));
        s = num;
    }
    if (!s)
        return;
    if (escape)
        rh__portal_put_html(t, s, n);
    else
        rh__text_put(t, s, n);
}

/* The end of the section opened by a tag named name/len, whose body starts
 * at from: where its {{/name}} starts (*after: past it), or NULL. Nested
 * sections of the same name are skipped. */
static const char *section_end(const char *from, const char *end,
                               const char *name, size_t len, const char **after)
{
    int nested = 0;
    for (const char *s = from; s + 4 <= end;) {
        const char *o = strstr(s, "{{");
        if (!o || o >= end)
            return NULL;
        const char *c = strstr(o + 2, "}}");
        if (!c || c >= end)
            return NULL;
        char kind = o[2];
        const char *tn = o + 3;
        if ((kind == '#' || kind == '^' || kind == '/') &&
            (size_t)(c - tn) == len && !memcmp(tn, name, len)) {
            if (kind != '/')
                nested++;
            else if (nested-- == 0) {
                *after = c + 2;
                return o;
            }
        }
        s = c + 2;
    }
    return NULL;
}

static int render(const char *s, const char *end, frame *f, rh_text *t);

static int render_section(const char *body, const char *body_end, json_t *v,
                          int inverted, frame *f, rh_text *t)
{
    if (inverted)
        return truthy(v) ? RH_OK : render(body, body_end, f, t);
    if (!truthy(v))
        return RH_OK;
    if (f->depth == DEPTH_MAX)
        return RH_E_INVALID_ARG;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            f->stack[f->depth++] = e;
            int rc = render(body, body_end, f, t);
            f->depth--;
            if (rc != RH_OK)
                return rc;
        }
        return RH_OK;
    }
    json_t *inner = json_is_object(v) ? v : f->stack[f->depth - 1];
    f->stack[f->depth++] = inner;
    int rc = render(body, body_end, f, t);
    f->depth--;
    return rc;
}

static int render(const char *s, const char *end, frame *f, rh_text *t)
{
    while (s < end) {
        const char *o = strstr(s, "{{");
        if (!o || o >= end) {
            rh__text_put(t, s, (size_t)(end - s));
            return RH_OK;
        }
        rh__text_put(t, s, (size_t)(o - s));
        int raw = o[2] == '{';
        const char *c = strstr(o + 2, raw ? "}}}" : "}}");
        if (!c || c >= end)
            return RH_E_INVALID_ARG; /* a template of ours: a bug */
        char kind = o[2];
        const char *name = o + 2 + (kind == '#' || kind == '^' || raw);
        size_t len = (size_t)(c - name);
        const char *next = c + (raw ? 3 : 2);
        if (kind == '#' || kind == '^') {
            const char *after,
                *close = section_end(next, end, name, len, &after);
            if (!close)
                return RH_E_INVALID_ARG;
            int rc = render_section(next, close, lookup(f, name, len),
                                    kind == '^', f, t);
            if (rc != RH_OK)
                return rc;
            next = after;
        } else if (kind == '/') {
            return RH_E_INVALID_ARG; /* a close without its open */
        } else {
            put_value(t, lookup(f, name, len), !raw);
        }
        s = next;
    }
    return RH_OK;
}

int rh__portal_render(const char *tpl, size_t len, json_t *model, rh_text *out)
{
    frame f = {{model}, 1};
    int rc = render(tpl, tpl + len, &f, out);
    return rc != RH_OK ? rc : out->failed ? RH_E_NOMEM : RH_OK;
}
