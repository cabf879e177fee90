/* replicer-hooks: the tool's durations ("90m", "1.5h") and points in time
 * (Unix seconds, RFC 3339, or a duration ago), parsed strictly: every
 * character is accounted for, every field is in its range, and nothing
 * overflows, so that a typo or a huge value is refused (exit 2) instead of
 * quietly meaning "everything" or "nothing". */
#include "cli.h"

#include <time.h>

#include <stdlib.h>
#include <string.h>

/* 9999-12-31T23:59:59Z: the last instant RFC 3339 can write, and our cap. */
#define CLI_TIME_MAX_S 253402300799LL

/* Up to max_digits decimal digits at *s; -1 when there are none or more. */
static int64_t digits(const char **s, int max_digits)
{
    int64_t v = 0;
    int n = 0;
    while (**s >= '0' && **s <= '9') {
        if (++n > max_digits)
            return -1;
        v = v * 10 + (**s - '0');
        (*s)++;
    }
    return n ? v : -1;
}

/* Exactly n digits at *s. */
static int64_t fixed(const char **s, int n)
{
    const char *start = *s;
    int64_t v = digits(s, n);
    return *s - start == n ? v : -1;
}

/* "12", "1.5": a non-negative number of up to 15 integer digits, as
 * thousandths (the fraction beyond them is dropped). */
static int decimal_milli(const char **s, int64_t *milli)
{
    int64_t whole = digits(s, 15), frac = 0, scale = 100;
    if (whole < 0)
        return -1;
    if (**s == '.') {
        (*s)++;
        if (**s < '0' || **s > '9')
            return -1;
        for (; **s >= '0' && **s <= '9'; (*s)++, scale /= 10)
            frac += scale * (**s - '0');
    }
    *milli = whole * 1000 + frac;
    return 0;
}

int cli_parse_duration_ms(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1},          {"s", 1000},     {"", 1000},
                 {"m", 60000},       {"h", 3600000},  {"d", 86400000}};
    int64_t milli;
    if (decimal_milli(&s, &milli) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        if (strcmp(s, units[i].unit))
            continue;
        /* milli < 1e18, so this divides before it can overflow */
        if (milli / 1000 > CLI_TIME_MAX_S * 1000 / units[i].ms)
            return -1; /* longer than the calendar we accept */
        *out = milli / 1000 * units[i].ms + (milli % 1000) * units[i].ms / 1000;
        return 0;
    }
    return -1;
}

static int days_in_month(int64_t year, int64_t month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}

/* "Z", "z", "+02:00", "-05:30": the offset east of UTC, in seconds. */
static int utc_offset(const char **s, int64_t *seconds)
{
    if (**s == 'Z' || **s == 'z') {
        (*s)++;
        *seconds = 0;
        return 0;
    }
    int sign = **s == '+' ? 1 : **s == '-' ? -1 : 0;
    if (!sign)
        return -1;
    (*s)++;
    int64_t hh = fixed(s, 2);
    if (hh < 0 || hh > 23 || *(*s)++ != ':')
        return -1;
    int64_t mm = fixed(s, 2);
    if (mm < 0 || mm > 59)
        return -1;
    *seconds = sign * (hh * 3600 + mm * 60);
    return 0;
}

/* RFC 3339's date-time: 2026-11-27T05:00:00Z, with an optional fraction
 * and a numeric offset. Fields out of range are refused, never normalised
 * (timegm would make 2026-13-45 a date in 2027). */
static int rfc3339_ms(const char *s, int64_t *out)
{
    struct tm tm;
    int64_t y, mo, d, h, mi, sec, frac_ms = 0, offset;
    memset(&tm, 0, sizeof tm);
    if ((y = fixed(&s, 4)) < 1970 || *s++ != '-' || (mo = fixed(&s, 2)) < 1 ||
        mo > 12 || *s++ != '-' || (d = fixed(&s, 2)) < 1 ||
        d > days_in_month(y, mo) || (*s != 'T' && *s != 't'))
        return -1;
    s++;
    /* a leap second (60) is RFC 3339's own; it reads as the next second */
    if ((h = fixed(&s, 2)) < 0 || h > 23 || *s++ != ':' ||
        (mi = fixed(&s, 2)) < 0 || mi > 59 || *s++ != ':' ||
        (sec = fixed(&s, 2)) < 0 || sec > 60)
        return -1;
    if (*s == '.') {
        int64_t milli;
        s--; /* decimal_milli reads "0.5" from the seconds' last digit */
        if (decimal_milli(&s, &milli) != 0)
            return -1;
        frac_ms = milli % 1000;
    }
    if (utc_offset(&s, &offset) != 0 || *s)
        return -1;
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = (int)(mo - 1);
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)sec;
    int64_t t = (int64_t)timegm(&tm) - offset;
    if (t < 0 || t > CLI_TIME_MAX_S)
        return -1;
    *out = t * 1000 + frac_ms;
    return 0;
}

int cli_parse_time_ms(const char *s, int64_t *out)
{
    const char *p = s;
    int64_t v = digits(&p, 15);
    if (v >= 0 && !*p) { /* Unix seconds */
        if (v > CLI_TIME_MAX_S)
            return -1;
        *out = v * 1000;
        return 0;
    }
    if (strchr(s, 'T') || strchr(s, 't'))
        return rfc3339_ms(s, out);
    if (cli_parse_duration_ms(s, &v) != 0)
        return -1;
    int64_t now = (int64_t)time(NULL) * 1000;
    if (v > now)
        return -1; /* before 1970: out of range, not "everything" */
    *out = now - v;
    return 0;
}
