/* replicer-hooks portal pages, what every page shares: the layout around
 * a page's template, a page that says why not, an endpoint's model as the
 * pages show it, times for the browser, and the secret carried to the
 * page that shows it once (a sealed cookie for that page alone). */
#include "rh_portal_pages.h"

#include "rh_seal.h"
#include "rh_sign.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void rh__portal_iso(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&s, &tm) ||
        !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%s", "");
}

int rh__portal_html(rh_portal *p, const rh_portal_claims *c,
                    rh_portal_response *r, int status, const char *tpl,
                    const char *title, json_t *model)
{
    const rh_portal_asset *a = rh__portal_asset(tpl),
                          *l = rh__portal_asset("layout.html");
    rh_text body = {&rh__default_allocator, NULL, 0, 0, 0};
    rh_text html = {&rh__default_allocator, NULL, 0, 0, 0};
    int rc = RH_E_NOMEM;
    if (!model || !a || !l)
        goto done;
    json_object_set_new(model, "base", json_string(p->base));
    json_object_set_new(model, "title", json_string(title));
    json_object_set_new(model, "tenant", json_string(c->tenant));
    json_object_set_new(model, "operator", json_boolean(!c->tenant[0]));
    json_object_set_new(model, "can_manage",
                        json_boolean(c->caps & RH_PORTAL_MANAGE));
    json_object_set_new(model, "can_resend",
                        json_boolean(c->caps & RH_PORTAL_RESEND));
    if ((rc = rh__portal_render(a->data, a->len, model, &body)) != RH_OK)
        goto done;
    json_object_set_new(model, "body", json_stringn(body.p, body.len));
    if ((rc = rh__portal_render(l->data, l->len, model, &html)) == RH_OK)
        rc = rh__portal_body(r, status, "text/html; charset=utf-8", html.p,
                             html.len);
done:
    json_decref(model);
    rh__free(&rh__default_allocator, body.p);
    rh__free(&rh__default_allocator, html.p);
    return rc;
}

int rh__portal_page_error(rh_portal *p, const rh_portal_claims *c,
                          rh_portal_response *r, int status, const char *why)
{
    return rh__portal_html(p, c, r, status, "message.html",
                           status == 404 ? "Not found" : "Not done",
                           json_pack("{s:s}", "message", why));
}

/* s percent-encoded for a query value onto t (unreserved bytes kept). */
static void put_query_value(rh_text *t, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
            (*u >= '0' && *u <= '9') || strchr("-._~*:", *u)) {
            rh__text_put(t, (const char *)u, 1);
        } else {
            char e[3] = {'%', hex[*u >> 4], hex[*u & 15]};
            rh__text_put(t, e, 3);
        }
    }
}

void rh__portal_query_string(char *out, size_t size, const char *const kv[][2],
                             size_t n)
{
    rh_text t = {&rh__default_allocator, NULL, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (!kv[i][1] || !kv[i][1][0])
            continue;
        rh__text_puts(&t, t.len ? "&" : "");
        rh__text_puts(&t, kv[i][0]);
        rh__text_puts(&t, "=");
        put_query_value(&t, kv[i][1]);
    }
    snprintf(out, size, "%s", t.failed || !t.p || t.len >= size ? "" : t.p);
    rh__free(&rh__default_allocator, t.p);
}

int rh__portal_page_refused(rh_portal *p, const rh_portal_claims *c,
                            rh_portal_response *r, int rc)
{
    if (rc == RH_E_NOMEM)
        return rc;
    if (rc == RH_E_STORAGE || rc == RH_E_CRYPTO || rc == RH_E_REENTRANT)
        return rh__portal_page_error(p, c, r, 503,
                                     "the store cannot be reached now: try "
                                     "again in a moment");
    const char *why = rh__portal_last_refusal(p);
    return rh__portal_page_error(p, c, r,
                                 rc == RH_E_NOT_FOUND                  ? 404
                                 : rc == RH_E_FULL || rc == RH_E_STATE ? 409
                                                                       : 400,
                                 why);
}

const char *rh__portal_last_refusal(rh_portal *p)
{
    const char *e = rh_ctx_last_error(p->ctx);
    return e && e[0] ? e : "that cannot be done";
}

/* An endpoint's model with what the pages show besides the API's fields:
 * its state in a word, its creation time, and how many types it takes. */
json_t *rh__portal_endpoint_view(const rh_endpoint *ep)
{
    char iso[32];
    json_t *v = rh__portal_endpoint_json(ep);
    if (!v)
        return NULL;
    rh__portal_iso(rh_endpoint_created_ms(ep), iso);
    json_object_set_new(v, "state",
                        json_string(!rh_endpoint_enabled(ep) ? "disabled"
                                    : rh_endpoint_paused(ep) ? "paused"
                                                             : "enabled"));
    json_object_set_new(v, "created", json_string(iso));
    json_object_set_new(v, "all_events",
                        json_boolean(rh_endpoint_event_count(ep) == 1 &&
                                     !strcmp(rh_endpoint_event(ep, 0), "*")));
    return v;
}

/* The secret in a cookie for its page alone, sealed under a key of the
 * portal's own (AES-256-GCM, bound to the tenant and the endpoint), for
 * five minutes; the page reads it once and clears it. */
void rh__portal_flash_key(const rh_portal *p, unsigned char key[32])
{
    static const char label[] = "replicer-hooks-portal-flash";
    const void *parts[] = {label};
    size_t lens[] = {sizeof label - 1};
    rh__hmac_sha256(p->key, p->key_len, parts, lens, 1, key);
}

int rh__portal_flash_secret(rh_portal *p, const rh_portal_claims *c,
                            const char *id, const char *secret,
                            rh_portal_response *r)
{
    unsigned char key[32], nonce[12];
    char aad[RH_TENANT_MAX + RH_ID_SIZE + 2], sealed[RH_SEALED_SIZE];
    char cookie[RH_SEALED_SIZE + 1024], page[512];
    rh__portal_flash_key(p, key);
    snprintf(aad, sizeof aad, "%s:%s", c->tenant, id);
    int rc = rh__ctx_random(p->ctx, nonce, sizeof nonce);
    if (rc == RH_OK) {
        /* "<expiry ms>:<secret>": the page refuses it after the cookie's
         * five minutes, whatever a client does with the cookie */
        char plain[RH_SECRET_SIZE + 32];
        snprintf(plain, sizeof plain, "%lld:%s",
                 (long long)(rh__ctx_now(p->ctx) + RH__PORTAL_FLASH_MS),
                 secret);
        rc = rh__seal(key, nonce, aad, plain, sealed, sizeof sealed);
        rh__wipe(plain, sizeof plain);
    }
    rh__wipe(key, sizeof key);
    if (rc != RH_OK)
        return rc;
    snprintf(page, sizeof page, "%s/endpoints/%s/secret", p->base, id);
    snprintf(cookie, sizeof cookie,
             RH__PORTAL_FLASH
             "=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             sealed, page, RH__PORTAL_FLASH_MS / 1000,
             p->insecure_cookie ? "" : "; Secure");
    return rh__portal_redirect(r, page, cookie);
}
