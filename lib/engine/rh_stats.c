/* replicer-hooks counters: what a context did since it was made (emits,
 * attempts by outcome and duration, final states), read by the host in one
 * cheap call to feed its own metrics system. */
#include "rh_base.h"

#include <string.h>

static const int64_t bucket_ms[] = {10,   50,   100,  250,  500,
                                    1000, 2500, 5000, 10000};

static const char *const names[RH_STAT_COUNT] = {"events_emitted",
                                                 "deliveries_queued",
                                                 "attempts",
                                                 "succeeded",
                                                 "failed",
                                                 "retried",
                                                 "in_flight",
                                                 "outcome_ok",
                                                 "outcome_http_status",
                                                 "outcome_timeout",
                                                 "outcome_connect",
                                                 "outcome_dns",
                                                 "outcome_tls",
                                                 "outcome_blocked",
                                                 "outcome_too_large",
                                                 "outcome_reset",
                                                 "outcome_other",
                                                 "outcome_bad_response",
                                                 "attempt_ms_le_10",
                                                 "attempt_ms_le_50",
                                                 "attempt_ms_le_100",
                                                 "attempt_ms_le_250",
                                                 "attempt_ms_le_500",
                                                 "attempt_ms_le_1000",
                                                 "attempt_ms_le_2500",
                                                 "attempt_ms_le_5000",
                                                 "attempt_ms_le_10000",
                                                 "attempt_ms_sum",
                                                 "deprecated_emits"};

/* One outcome into st: the attempt and the delivery's state. */
void rh__stats_count(uint64_t *st, const rh_delivery *dl, const rh_attempt *at)
{
    if (at) {
        int64_t ms = at->duration_ms > 0 ? at->duration_ms : 0;
        int outcome = at->outcome;
        st[RH_STAT_ATTEMPTS]++;
        if (outcome >= 0 &&
            outcome <= RH_STAT_OUTCOME_BAD_RESPONSE - RH_STAT_OUTCOME_OK)
            st[RH_STAT_OUTCOME_OK + outcome]++;
        for (size_t i = 0; i < sizeof bucket_ms / sizeof *bucket_ms; i++)
            if (ms <= bucket_ms[i])
                st[RH_STAT_ATTEMPT_MS_LE_10 + i]++;
        st[RH_STAT_ATTEMPT_MS_SUM] += (uint64_t)ms;
        if (dl->state == RH_DELIVERY_PENDING)
            st[RH_STAT_RETRIED]++;
    }
    if (dl->state == RH_DELIVERY_SUCCEEDED)
        st[RH_STAT_SUCCEEDED]++;
    else if (dl->state == RH_DELIVERY_FAILED)
        st[RH_STAT_FAILED]++;
}

int rh_ctx_stats(const rh_ctx *ctx, uint64_t *out, size_t n)
{
    if (!ctx || (!out && n))
        return RH_E_INVALID_ARG;
    if (n > RH_STAT_COUNT)
        n = RH_STAT_COUNT;
    memcpy(out, ctx->stats, n * sizeof *out);
    if (n > RH_STAT_IN_FLIGHT)
        out[RH_STAT_IN_FLIGHT] = rh_ctx_in_flight(ctx);
    return (int)n;
}

const char *rh_stat_name(int stat)
{
    return stat >= 0 && stat < RH_STAT_COUNT ? names[stat] : NULL;
}
