/* replicer-hooks input rules shared by endpoints, records and the index:
 * event types, subscription patterns, custom headers, tenant ids. No
 * state, no deps. */
#include "rh_validate.h"

#include <string.h>
#include <strings.h>

int rh__event_type_valid(const char *t)
{
    size_t n = 0;
    if (!t || !*t || *t == '.')
        return 0;
    for (; t[n]; n++) {
        char c = t[n];
        if (n >= RH_TYPE_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
        if (c == '.' && t[n + 1] == '.')
            return 0;
    }
    return t[n - 1] != '.';
}

/* A pattern is "*", an event type, or an event type followed by ".*". */
int rh__pattern_valid(const char *p)
{
    size_t n;
    char buf[RH_TYPE_MAX + 1];
    if (!p)
        return 0;
    if (strcmp(p, "*") == 0)
        return 1;
    n = strlen(p);
    if (n > 2 && p[n - 1] == '*' && p[n - 2] == '.') {
        if (n - 2 > RH_TYPE_MAX)
            return 0;
        memcpy(buf, p, n - 2);
        buf[n - 2] = '\0';
        return rh__event_type_valid(buf);
    }
    return rh__event_type_valid(p);
}

int rh__pattern_matches(const char *p, const char *type)
{
    size_t n;
    if (p[0] == '*' && p[1] == '\0')
        return 1;
    n = strlen(p);
    if (n > 2 && p[n - 1] == '*' && p[n - 2] == '.')
        /* "call.*" matches "call.ended" and "call.leg.ended", not "call". */
        return strncmp(p, type, n - 1) == 0 && type[n - 1] != '\0';
    return strcmp(p, type) == 0;
}

/* RFC 9110 tokens for names; values without CR, LF, NUL or other controls
 * (tab allowed); and none of the names we set ourselves. */
int rh__header_valid(const char *name, const char *value, const char **why)
{
    static const char *const reserved[] = {
        "host",       "content-length", "content-type", "transfer-encoding",
        "connection", "user-agent",     "expect",       "te",
        "trailer",    "upgrade",        "keep-alive",   "proxy-connection"};
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64) {
        *why = "header name must be 1 to 64 characters";
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c))) {
            *why = "header name is not an RFC 9110 token";
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strcasecmp(name, reserved[i]) == 0) {
            *why = "header name is reserved";
            return 0;
        }
    if (strncasecmp(name, "x-replicer-", 11) == 0 ||
        strncasecmp(name, "webhook-", 8) == 0) {
        *why = "header name is reserved (X-Replicer-*, webhook-*)";
        return 0;
    }
    if (!value || strlen(value) > 1024) {
        *why = "header value must be at most 1024 bytes";
        return 0;
    }
    for (const unsigned char *v = (const unsigned char *)value; *v; v++)
        if ((*v < 0x20 && *v != '\t') || *v == 0x7f) {
            *why = "header value has CR, LF or another control character";
            return 0;
        }
    return 1;
}

/* Visible ASCII only, narrower than a header value: a tenant id goes into
 * JSON records, SQL, a portal's URLs and metric labels, where a space, a
 * control character or a byte that is not UTF-8 would each need escaping
 * of its own. */
int rh__tenant_valid(const char *t)
{
    size_t n = 0;
    if (!t || !*t)
        return 0;
    for (; t[n]; n++)
        if (n >= RH_TENANT_MAX || (unsigned char)t[n] < 0x21 ||
            (unsigned char)t[n] > 0x7e)
            return 0;
    return 1;
}

static int lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int rh__traceparent_valid(const char *tp)
{
    static const size_t field[] = {2, 32, 16, 2}; /* version, ids, flags */
    if (!tp || strlen(tp) != RH_TRACEPARENT_SIZE - 1 || strncmp(tp, "00-", 3))
        return 0;
    for (size_t f = 0, at = 0; f < 4; f++) {
        int zero = 1;
        for (size_t i = 0; i < field[f]; i++, at++) {
            if (!lower_hex(tp[at]))
                return 0;
            zero &= tp[at] == '0';
        }
        if ((f == 1 || f == 2) && zero) /* an invalid trace or parent id */
            return 0;
        if (f < 3 && tp[at++] != '-')
            return 0;
    }
    return 1;
}

int rh__tracestate_valid(const char *ts)
{
    size_t n = ts ? strlen(ts) : 0;
    if (n == 0 || n > RH_TRACESTATE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)ts[i] < 0x20 || (unsigned char)ts[i] > 0x7e)
            return 0;
    return 1;
}
