/* The README's example: register an endpoint, emit an event, drive delivery.
 * Usage: example-basic URL (development mode, so http://127.0.0.1 works). */
#include <replicer-hooks/rh.h>

#include <stdio.h>
#include <string.h>

static void on_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    printf("attempt %d -> %d (%s)\n", rh_attempt_number(at),
           rh_attempt_status(at), rh_outcome_name(rh_attempt_outcome(at)));
}

int main(int argc, char **argv)
{
    rh_config *cfg;
    rh_ctx *ctx;
    char ep[RH_ID_SIZE], secret[RH_SECRET_SIZE], evt[RH_ID_SIZE];
    const char *events[] = {"order.*"};
    const char *data = "{\"order\":\"o_123\",\"total\":4200}";
    if (argc != 2) {
        fprintf(stderr, "usage: %s URL\n", argv[0]);
        return 2;
    }
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_attempt_cb(cfg, on_attempt, NULL);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return 1;
    rh_config_free(cfg);
    if (rh_endpoint_add(ctx, argv[1], events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK) {
        fprintf(stderr, "endpoint: %s\n", rh_ctx_last_error(ctx));
        return 1;
    }
    printf("endpoint %s, secret %s\n", ep, secret);
    if (rh_emit(ctx, "order.paid", data, strlen(data), evt, sizeof evt) < 0)
        return 1;
    /* Without an event loop: tick, then sleep until there is work. */
    while (rh_next_timeout_ms(ctx) >= 0) {
        if (rh_tick(ctx) < 0)
            break;
        if (rh_ctx_in_flight(ctx) == 0 && rh_next_timeout_ms(ctx) > 1000)
            break; /* delivered, or waiting for a retry: enough for a demo */
        rh_wait(ctx, 1000);
    }
    rh_ctx_free(ctx);
    return 0;
}
