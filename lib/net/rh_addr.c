/* replicer-hooks address guard: which dialled addresses production mode may
 * connect to. IPv6 forms that carry an IPv4 address are judged as that IPv4
 * address; a CIDR allowlist admits chosen ranges. No dependency is used. */
#include "rh_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

typedef struct range {
    unsigned char net[16];
    int prefix;
    const char *why;
} range;

#define V4(a, b, c, d) {a, b, c, d}
static const range refused_v4[] = {
    {V4(0, 0, 0, 0), 8, "\"this network\" (0.0.0.0/8)"},
    {V4(10, 0, 0, 0), 8, "private (10.0.0.0/8)"},
    {V4(100, 64, 0, 0), 10, "carrier-grade NAT (100.64.0.0/10)"},
    {V4(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"},
    {V4(169, 254, 0, 0), 16, "link-local or cloud metadata (169.254.0.0/16)"},
    {V4(172, 16, 0, 0), 12, "private (172.16.0.0/12)"},
    {V4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"},
    {V4(192, 0, 2, 0), 24, "documentation (192.0.2.0/24)"},
    {V4(192, 168, 0, 0), 16, "private (192.168.0.0/16)"},
    {V4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"},
    {V4(198, 51, 100, 0), 24, "documentation (198.51.100.0/24)"},
    {V4(203, 0, 113, 0), 24, "documentation (203.0.113.0/24)"},
    {V4(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"},
    {V4(240, 0, 0, 0), 4, "reserved or broadcast (240.0.0.0/4)"},
};

static const range refused_v6[] = {
    {{0}, 128, "unspecified (::)"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback (::1)"},
    {{0xfc}, 7, "unique local (fc00::/7)"},
    {{0xfe, 0x80}, 10, "link-local (fe80::/10)"},
    {{0xfe, 0xc0}, 10, "site-local (fec0::/10)"},
    {{0xff}, 8, "multicast (ff00::/8)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation (2001:db8::/32)"},
    {{0x20, 0x01, 0, 0}, 32, "Teredo (2001::/32)"},
    {{0x01, 0, 0, 0, 0, 0, 0, 0}, 64, "discard-only (100::/64)"},
};

static int in_prefix(const unsigned char *addr, const unsigned char *net,
                     int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(addr, net, (size_t)full) != 0)
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((addr[full] & mask) != (net[full] & mask))
            return 0;
    }
    return 1;
}

/* The IPv4 address an IPv6 address carries, if it is one of the forms that
 * reach an IPv4 host: mapped (::ffff:0:0/96), compatible (::/96), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16). */
static int embedded_v4(const unsigned char *a, unsigned char v4[4])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zero[12] = {0};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) {
        memcpy(v4, a + 12, 4);
        return 1;
    }
    if (!memcmp(a, zero, 12)) {
        /* :: and ::1 are judged as IPv6; the rest of ::/96 carries IPv4 */
        static const unsigned char one[4] = {0, 0, 0, 1};
        if (!memcmp(a + 12, zero, 4) || !memcmp(a + 12, one, 4))
            return 0;
        memcpy(v4, a + 12, 4);
        return 1;
    }
    if (a[0] == 0x20 && a[1] == 0x02) {
        memcpy(v4, a + 2, 4);
        return 1;
    }
    return 0;
}

int rh__cidr_parse(const char *s, rh_cidr *out)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    char *end;
    long prefix;
    if (n == 0 || n >= sizeof buf)
        return RH_E_INVALID_ARG;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        prefix = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        prefix = 128;
    } else {
        return RH_E_INVALID_ARG;
    }
    if (slash) {
        long max = prefix;
        prefix = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || prefix < 0 || prefix > max)
            return RH_E_INVALID_ARG;
    }
    out->prefix = (int)prefix;
    return RH_OK;
}

static int allowed_by(const rh_cidr *allow, size_t n, int family,
                      const unsigned char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (allow[i].family == family &&
            in_prefix(addr, allow[i].addr, allow[i].prefix))
            return 1;
    return 0;
}

const char *rh__addr_refusal(int family, const unsigned char *addr,
                             const rh_cidr *allow, size_t n_allow)
{
    unsigned char v4[4];
    if (family == AF_INET6 && embedded_v4(addr, v4)) {
        /* judged as the IPv4 address it reaches, allowlist included */
        if (allowed_by(allow, n_allow, AF_INET6, addr))
            return NULL;
        return rh__addr_refusal(AF_INET, v4, allow, n_allow);
    }
    if (allowed_by(allow, n_allow, family, addr))
        return NULL;
    if (family == AF_INET) {
        for (size_t i = 0; i < sizeof refused_v4 / sizeof *refused_v4; i++)
            if (in_prefix(addr, refused_v4[i].net, refused_v4[i].prefix))
                return refused_v4[i].why;
        return NULL;
    }
    if (family == AF_INET6) {
        for (size_t i = 0; i < sizeof refused_v6 / sizeof *refused_v6; i++)
            if (in_prefix(addr, refused_v6[i].net, refused_v6[i].prefix))
                return refused_v6[i].why;
        return NULL;
    }
    return "not an IP address";
}

const char *rh__sockaddr_refusal(const struct sockaddr *sa,
                                 const rh_cidr *allow, size_t n_allow)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return rh__addr_refusal(AF_INET,
                                (const unsigned char *)&in->sin_addr, allow,
                                n_allow);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return rh__addr_refusal(AF_INET6,
                                (const unsigned char *)&in6->sin6_addr, allow,
                                n_allow);
    }
    return "not an IP address";
}

/* The resolver's old numeric forms allow any number of leading zeros
 * ("10.0000...0"): copies such a host with the zeros that change nothing
 * dropped (one kept for octal, "0x" kept for hex), so that it fits a small
 * buffer and reads as the same address. Returns the length, 0 if it does
 * not fit even so. */
static size_t compact_numeric(const char *in, size_t n, char *out, size_t outsz)
{
    size_t o = 0, i = 0;
    while (i < n) {
        int hex = in[i] == '0' && i + 1 < n && (in[i + 1] | 0x20) == 'x';
        size_t keep = hex ? 2 : (in[i] == '0' ? 1 : 0);
        if (o + keep >= outsz)
            return 0;
        memcpy(out + o, in + i, keep);
        o += keep;
        i += keep;
        /* never drop the zero that makes a following 'x' a hex mark:
         * "00x1" is no number and must stay none */
        while (keep && i < n && in[i] == '0' &&
               !(i + 1 < n && (in[i + 1] | 0x20) == 'x'))
            i++;
        if (hex && (i == n || in[i] == '.')) {
            if (o + 1 >= outsz)
                return 0;
            out[o++] = '0'; /* "0x00" is 0x0 */
        }
        while (i < n && in[i] != '.') {
            if (o + 1 >= outsz)
                return 0;
            out[o++] = in[i++];
        }
        if (i < n) {
            if (o + 1 >= outsz)
                return 0;
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
    return o;
}

const char *rh__host_refusal(const char *host, const rh_cidr *allow,
                             size_t n_allow)
{
    unsigned char addr[16];
    char buf[64];
    size_t n = strlen(host);
    /* bracketed IPv6 literal, as curl_url gives it */
    if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof buf)
            return "not an IP address";
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        if (strchr(buf, '%'))
            return "an IPv6 zone id";
        return inet_pton(AF_INET6, buf, addr) == 1
                   ? rh__addr_refusal(AF_INET6, addr, allow, n_allow)
                   : "not an IP address";
    }
    /* A trailing dot names the same host ("127.0.0.1.", "localhost."):
     * the resolver reads it so, and so must we, or it passes as a name.
     * Hosts longer than any literal or "localhost" form are names, once
     * the zeros of a numeric form that change nothing are dropped. */
    while (n > 1 && host[n - 1] == '.')
        n--;
    if (strspn(host, "0123456789.xXabcdefABCDEF") >= n) {
        n = compact_numeric(host, n, buf, sizeof buf);
        if (!n)
            return NULL;
    } else {
        if (n >= sizeof buf)
            return NULL;
        memcpy(buf, host, n);
        buf[n] = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1)
        return rh__addr_refusal(AF_INET, addr, allow, n_allow);
    /* the resolver's own reading of numbers: 127.1, 0x7f.1, 2130706433 */
    struct in_addr old_style;
    if (strspn(buf, "0123456789.xXabcdefABCDEF") == n &&
        inet_aton(buf, &old_style) == 1)
        return rh__addr_refusal(AF_INET, (const unsigned char *)&old_style,
                                allow, n_allow);
    /* RFC 6761: localhost and its subdomains always mean this machine */
    if (!strcasecmp(buf, "localhost") ||
        (n > 10 && !strcasecmp(buf + n - 10, ".localhost")))
        return "loopback (localhost)";
    return NULL; /* a name: judged on each address it resolves to */
}
