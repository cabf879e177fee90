/* replicer-hooks portal: reading the host's request (headers by name, query
 * parameters percent-decoded) and building the response (status, headers,
 * body), with the headers every portal answer carries. */
#include "rh_portal_http.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *rh__portal_header(const rh_portal_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_headers; i++)
        if (rq->names[i] && rq->values[i] && !strcasecmp(rq->names[i], name))
            return rq->values[i];
    return NULL;
}

const char *rh__portal_cookie(const rh_portal_request *rq, const char *name,
                              char *buf, size_t size)
{
    const char *c = rh__portal_header(rq, "Cookie"), *found = NULL;
    size_t found_len = 0, nl = strlen(name);
    for (const char *p = c; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            if (found)
                return NULL; /* two: neither is trusted */
            found = p + nl + 1;
            found_len = n - nl - 1;
        }
        p += n;
    }
    if (!found || found_len >= size)
        return NULL;
    memcpy(buf, found, found_len);
    buf[found_len] = '\0';
    return buf;
}

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int rh__portal_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                                 : (c >> 3) == 30                ? 4
                                                                 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xc2) ||
            (len == 4 && c > 0xf4))
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((u[i + k] & 0xc0) != 0x80)
                return 0;
        if ((len == 3 && c == 0xe0 && u[i + 1] < 0xa0) || /* overlong */
            (len == 3 && c == 0xed && u[i + 1] > 0x9f) || /* surrogate */
            (len == 4 && c == 0xf0 && u[i + 1] < 0x90) ||
            (len == 4 && c == 0xf4 && u[i + 1] > 0x8f))
            return 0;
        i += len;
    }
    return 1;
}

/* The nth value of name in the form-encoded s (len bytes, not always
 * NUL-terminated), percent-decoded into out; as rh__portal_query says. */
static int param(const char *s, size_t len, const char *name, size_t nth,
                 char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = s, *end = s + len; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
        if (n > nl && !strncmp(p, name, nl) && p[nl] == '=' && nth-- == 0) {
            size_t o = 0;
            for (size_t i = nl + 1; i < n; i++) {
                char c = p[i];
                if (c == '+')
                    c = ' ';
                else if (c == '%' && i + 2 < n && hex(p[i + 1]) >= 0 &&
                         hex(p[i + 2]) >= 0) {
                    c = (char)(hex(p[i + 1]) * 16 + hex(p[i + 2]));
                    i += 2;
                }
                if (c == '\0' || o + 1 >= size)
                    return -1; /* a NUL, or too long: not a value of ours */
                out[o++] = c;
            }
            out[o] = '\0';
            return rh__portal_utf8(out, o) ? 1 : -1; /* text, or not ours */
        }
        p += n + (amp != NULL);
    }
    return 0;
}

int rh__portal_query(const rh_portal_request *rq, const char *name, char *out,
                     size_t size)
{
    return param(rq->query, strlen(rq->query), name, 0, out, size);
}

int rh__portal_form(const rh_portal_request *rq, const char *name, size_t nth,
                    char *out, size_t size)
{
    return rq->body ? param(rq->body, rq->body_len, name, nth, out, size) : 0;
}

rh_portal_response *rh__portal_response_new(void)
{
    return rh__calloc(&rh__default_allocator, sizeof(rh_portal_response));
}

int rh__portal_add_header(rh_portal_response *r, const char *name,
                          const char *value)
{
    if (r->n_headers == RH__PORTAL_HEADERS_MAX)
        return RH_E_NOMEM; /* more than any answer of ours has */
    char *n = rh__strdup(&rh__default_allocator, name),
         *v = rh__strdup(&rh__default_allocator, value);
    if (!n || !v) {
        rh__free(&rh__default_allocator, n);
        rh__free(&rh__default_allocator, v);
        return RH_E_NOMEM;
    }
    r->names[r->n_headers] = n;
    r->values[r->n_headers++] = v;
    return RH_OK;
}

int rh__portal_body(rh_portal_response *r, int status, const char *type,
                    const char *body, size_t len)
{
    char *copy = rh__memdup(&rh__default_allocator, body, len);
    if (!copy)
        return RH_E_NOMEM;
    rh__free(&rh__default_allocator, r->body);
    r->body = copy;
    r->body_len = len;
    r->status = status;
    return rh__portal_add_header(r, "Content-Type", type);
}

int rh__portal_error(rh_portal_response *r, int status, const char *message)
{
    char json[300];
    /* our own messages, constant text: no quote or backslash to escape */
    int n = snprintf(json, sizeof json, "{\"error\":\"%.250s\"}", message);
    return rh__portal_body(r, status, "application/json", json, (size_t)n);
}

int rh__portal_redirect(rh_portal_response *r, const char *location,
                        const char *cookie)
{
    int rc = rh__portal_add_header(r, "Location", location);
    if (rc == RH_OK && cookie)
        rc = rh__portal_add_header(r, "Set-Cookie", cookie);
    r->status = 303;
    return rc;
}

int rh__portal_secure_headers(rh_portal_response *r)
{
    static const char *const h[][2] = {
        /* the pages' own script file (local times, copy buttons) and
         * nothing inline */
        {"Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; "
         "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
         "base-uri 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        /* same-origin, not no-referrer: a browser then sends its Origin
         * with the portal's own form posts, which the cross-site check
         * reads */
        {"Referrer-Policy", "same-origin"},
        {"Cache-Control", "no-store"}};
    for (size_t i = 0; i < sizeof h / sizeof *h; i++) {
        int rc = rh__portal_add_header(r, h[i][0], h[i][1]);
        if (rc != RH_OK)
            return rc;
    }
    return RH_OK;
}

int rh__portal_send_json(rh_portal_response *r, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text)
        return RH_E_NOMEM;
    int rc = rh__portal_body(r, status, "application/json", text,
                             strlen(text));
    free(text);
    return rc;
}

/* A library refusal as the API's answer: 400 naming the field, 404, 409
 * for a tenant's limit, 503 when storage failed. */
int rh__portal_refused(rh_portal *p, rh_portal_response *r, int rc)
{
    int status = rc == RH_E_INVALID_ARG || rc == RH_E_TOO_LARGE ? 400
                 : rc == RH_E_NOT_FOUND                         ? 404
                 : rc == RH_E_FULL                              ? 409
                 : rc == RH_E_STATE                             ? 409
                 : rc == RH_E_STORAGE                           ? 503
                                                                : 500;
    const char *field = rh_arg_name(rh_ctx_last_error_arg(p->ctx));
    /* the store's own text stays the host's: a customer reads none of it */
    json_t *v = json_pack("{s:s}", "error",
                          status == 503 ? "storage is unavailable: try again"
                                        : rh_ctx_last_error(p->ctx));
    if (v && field && strcmp(field, "none"))
        json_object_set_new(v, "field", json_string(field));
    return rh__portal_send_json(r, status, v);
}

/* ------------------------------------------------------------- getters */

int rh_portal_response_status(const rh_portal_response *r)
{
    return r ? r->status : RH_E_INVALID_ARG;
}

size_t rh_portal_response_header_count(const rh_portal_response *r)
{
    return r ? r->n_headers : 0;
}

const char *rh_portal_response_header_name(const rh_portal_response *r,
                                           size_t i)
{
    return r && i < r->n_headers ? r->names[i] : NULL;
}

const char *rh_portal_response_header_value(const rh_portal_response *r,
                                            size_t i)
{
    return r && i < r->n_headers ? r->values[i] : NULL;
}

const char *rh_portal_response_body(const rh_portal_response *r)
{
    return r && r->body ? r->body : "";
}

size_t rh_portal_response_body_len(const rh_portal_response *r)
{
    return r ? r->body_len : 0;
}

void rh__portal_response_clear(rh_portal_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        rh__free(&rh__default_allocator, r->names[i]);
        rh__free(&rh__default_allocator, r->values[i]);
    }
    rh__free(&rh__default_allocator, r->body);
    memset(r, 0, sizeof *r);
}

void rh_portal_response_free(rh_portal_response *r)
{
    if (!r)
        return;
    rh__portal_response_clear(r);
    rh__free(&rh__default_allocator, r);
}
