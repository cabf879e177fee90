/* make demo: a loopback receiver, one healthy and one failing endpoint, a few
 * events, a shortened retry schedule, and tables of what happened. */
#include <replicer-hooks/rh.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "receiver.h"

static int64_t t0;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *endpoint_name(const char *id, const char *healthy)
{
    return strcmp(id, healthy) == 0 ? "healthy" : "failing";
}

static char healthy_id[RH_ID_SIZE];

static void on_attempt(const rh_attempt *at, void *ud)
{
    (void)ud;
    printf("  %6.1f s  %-30s  %-7s  %-14s  #%d  %3d  %-11s %4" PRId64 " ms\n",
           (double)(rh_attempt_started_ms(at) - t0) / 1000,
           rh_attempt_delivery_id(at),
           endpoint_name(rh_attempt_endpoint_id(at), healthy_id),
           rh_attempt_event_type(at), rh_attempt_number(at),
           rh_attempt_status(at), rh_outcome_name(rh_attempt_outcome(at)),
           rh_attempt_duration_ms(at));
    fflush(stdout);
}

static void on_failed(const rh_delivery *dl, void *ud)
{
    (void)ud;
    printf("  -> %s failed for good after %d attempts\n", rh_delivery_id(dl),
           rh_delivery_attempts(dl));
}

static int print_delivery(const rh_delivery *dl, void *ud)
{
    (void)ud;
    printf("  %-30s  %-7s  %-14s  %-9s  %d\n", rh_delivery_id(dl),
           endpoint_name(rh_delivery_endpoint_id(dl), healthy_id),
           rh_delivery_event_type(dl),
           rh_delivery_state_name(rh_delivery_state(dl)),
           rh_delivery_attempts(dl));
    return RH_OK;
}

int main(void)
{
    receiver *rx = NULL;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char url_ok[128], url_bad[128], failing_id[RH_ID_SIZE];
    char secret_ok[RH_SECRET_SIZE], secret_bad[RH_SECRET_SIZE];
    const char *events_all[] = {"order.*", "user.signup"};
    /* Shortened from 5 s, 30 s, 2 min, 10 min, 30 min so that it ends fast. */
    const int64_t schedule[] = {500, 1000, 2000, 3000, 4000};
    int rc = 1;

    if (receiver_start(&rx, "/broken") != 0) {
        fprintf(stderr, "demo: cannot start the loopback receiver\n");
        return 1;
    }
    snprintf(url_ok, sizeof url_ok, "http://127.0.0.1:%d/orders",
             receiver_port(rx));
    snprintf(url_bad, sizeof url_bad, "http://127.0.0.1:%d/broken",
             receiver_port(rx));
    printf("replicer-hooks %s demo\n", rh_version_string());
    printf("receiver listening on 127.0.0.1:%d\n\n", receiver_port(rx));

    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT); /* http:// to loopback */
    rh_config_set_retry_schedule(cfg, schedule, 5);
    rh_config_set_timeout_ms(cfg, 2000);
    rh_config_set_attempt_cb(cfg, on_attempt, NULL);
    rh_config_set_failed_cb(cfg, on_failed, NULL);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        goto done;
    if (rh_endpoint_add(ctx, url_ok, events_all, 2, healthy_id,
                        sizeof healthy_id, secret_ok,
                        sizeof secret_ok) != RH_OK ||
        rh_endpoint_add(ctx, url_bad, events_all, 1, failing_id,
                        sizeof failing_id, secret_bad,
                        sizeof secret_bad) != RH_OK) {
        fprintf(stderr, "demo: %s\n", rh_ctx_last_error(ctx));
        goto done;
    }
    printf("endpoints\n");
    printf("  healthy  %s  %s  (order.*, user.signup)\n", healthy_id, url_ok);
    printf("  failing  %s  %s  (order.*), answers 503\n\n", failing_id,
           url_bad);

    static const struct {
        const char *type, *data;
    } evs[] = {{"order.created", "{\"order\":\"o_1001\",\"total\":4200}"},
               {"order.paid", "{\"order\":\"o_1001\",\"method\":\"card\"}"},
               {"user.signup", "{\"user\":\"u_77\",\"plan\":\"free\"}"}};
    printf("events\n");
    for (size_t i = 0; i < 3; i++) {
        char evt[RH_ID_SIZE];
        int n = rh_emit(ctx, evs[i].type, evs[i].data, strlen(evs[i].data),
                        evt, sizeof evt);
        if (n < 0) {
            fprintf(stderr, "demo: emit: %s\n", rh_ctx_last_error(ctx));
            goto done;
        }
        printf("  %s  %-14s -> %d deliveries\n", evt, evs[i].type, n);
    }

    t0 = now_ms();
    printf("\nattempts (retries after 0.5 s, 1 s, 2 s, 3 s, 4 s)\n");
    printf("  %8s  %-30s  %-7s  %-14s  %-3s %4s  %-11s %7s\n", "time",
           "delivery", "to", "event", "try", "http", "outcome", "took");
    while (rh_next_timeout_ms(ctx) >= 0 && now_ms() - t0 < 30000) {
        if (rh_tick(ctx) < 0) {
            fprintf(stderr, "demo: %s\n", rh_ctx_last_error(ctx));
            goto done;
        }
        rh_wait(ctx, 200);
    }

    printf("\ndeliveries\n");
    printf("  %-30s  %-7s  %-14s  %-9s  %s\n", "delivery", "to", "event",
           "state", "attempts");
    rh_log_deliveries(ctx, NULL, print_delivery, NULL);

    /* What a receiver does with each request: verify before trusting it. */
    printf("\nreceiver: %zu requests; verifying the first healthy one\n",
           receiver_count(rx));
    for (size_t i = 0; i < receiver_count(rx); i++) {
        const received *r = receiver_get(rx, i);
        if (strcmp(r->path, "/orders") == 0) {
            int v =
                rh_verify(secret_ok, r->id, r->timestamp, r->signature, r->body,
                          r->body_len, now_ms() / 1000, RH_VERIFY_TOLERANCE_S);
            printf("  body       %s\n", r->body);
            printf("  webhook-id %s\n  signature  %s\n", r->id, r->signature);
            printf("  rh_verify: %s\n", v == RH_OK ? "valid" : rh_strerror(v));
            int tampered =
                rh_verify(secret_ok, r->id, r->timestamp, r->signature, "{}", 2,
                          now_ms() / 1000, RH_VERIFY_TOLERANCE_S);
            printf("  same signature over a tampered body: %s\n",
                   rh_strerror(tampered));
            rc = v == RH_OK ? 0 : 1;
            break;
        }
    }
done:
    rh_config_free(cfg);
    rh_ctx_free(ctx);
    receiver_stop(rx);
    printf("\ndemo finished: receiver stopped\n");
    return rc;
}
