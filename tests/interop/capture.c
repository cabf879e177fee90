/* Interop, sender side: delivers a set of events (plain, unicode, large, and
 * during a secret rotation) to the loopback sink and writes each request as
 * one JSON line for tests/interop/verify.mjs to check with the Standard
 * Webhooks reference library. Usage: capture OUT.jsonl */
#include <replicer-hooks/rh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"

static int64_t fake_now = 1764200000000LL;
static int64_t clock_cb(void *ud)
{
    (void)ud;
    return fake_now;
}

/* JSON string escaping for the few fields we write. */
static void put_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Tick until the sink has `want` requests and nothing is in flight (10 s at
 * most of real time). */
static void drive_until(rh_ctx *ctx, sink *s, size_t want)
{
    for (int i = 0; i < 2000; i++) {
        rh_tick(ctx);
        if (sink_count(s) >= want && rh_ctx_in_flight(ctx) == 0)
            return;
        sink_wait_count(s, want, 5);
    }
}

int main(int argc, char **argv)
{
    sink *s;
    rh_config *cfg;
    rh_ctx *ctx;
    char url[128], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE],
        fresh[RH_SECRET_SIZE];
    const char *events[] = {"*"};
    if (argc != 2 || sink_start(&s, 60000) != 0)
        return 2;
    FILE *out = fopen(argv[1], "w");
    if (!out)
        return 2;
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_clock(cfg, clock_cb, NULL);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return 2;
    rh_config_free(cfg);
    sink_url(s, "/interop", url, sizeof url);
    if (rh_endpoint_add(ctx, url, events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK)
        return 2;
    static const char *payloads[] = {
        "{}",
        "{\"order\":\"o_1\",\"total\":4200,\"paid\":true}",
        "{\"text\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e\","
        "\"quote\":\"\\\"x\\\"\",\"nl\":\"a\\nb\"}",
        "{\"n\":[1,2.5,-3e10,null,{\"deep\":{\"er\":[]}}]}"};
    size_t n = sizeof payloads / sizeof *payloads, sent = 0;
    for (size_t i = 0; i < n; i++)
        rh_emit(ctx, "interop.test", payloads[i], strlen(payloads[i]), NULL,
                0);
    /* a 16 KiB payload */
    char *big = malloc(16500);
    strcpy(big, "{\"blob\":\"");
    memset(big + 9, 'x', 16384);
    strcpy(big + 9 + 16384, "\"}");
    rh_emit(ctx, "interop.big", big, strlen(big), NULL, 0);
    free(big);
    /* a catalog type's example, sent as a test event: signed the same */
    rh_event_type_options *o = NULL;
    const char *example = "{\"call\":\"c_1\",\"seconds\":61.5}";
    rh_event_type_options_new(&o);
    rh_event_type_options_set_example(o, example, strlen(example));
    int tests = rh_event_type_define(ctx, "interop.example", o) ==
                        RH_DEFINE_CREATED &&
                rh_event_type_send_example(ctx, ep, "interop.example", NULL,
                                           0) == 1;
    rh_event_type_options_free(o);
    n += tests; /* counted below: a missing one fails the capture */
    drive_until(ctx, s, n + 1);
    /* during a rotation: two signatures, each verifiable alone */
    rh_endpoint_rotate_secret(ctx, ep, 3600000, fresh, sizeof fresh);
    rh_emit(ctx, "interop.rotated", "{\"r\":1}", 7, NULL, 0);
    drive_until(ctx, s, n + 2);
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        if (sink_get(s, i, &r) != 0)
            break;
        int rotated = strstr(r.body, "interop.rotated") != NULL;
        const char *test = sink_header(&r, "X-Replicer-Test");
        if (strstr(r.body, "interop.example") && test && !strcmp(test, "1"))
            tests++; /* the example, marked as a test */
        for (int k = 0; k < (rotated ? 2 : 1); k++) {
            fprintf(out, "{\"secret\":");
            put_str(out, k ? secret : (rotated ? fresh : secret),
                    strlen(k ? secret : (rotated ? fresh : secret)));
            fprintf(out, ",\"id\":");
            put_str(out, sink_header(&r, "webhook-id"),
                    strlen(sink_header(&r, "webhook-id")));
            fprintf(out, ",\"timestamp\":");
            put_str(out, sink_header(&r, "webhook-timestamp"),
                    strlen(sink_header(&r, "webhook-timestamp")));
            fprintf(out, ",\"signature\":");
            put_str(out, sink_header(&r, "webhook-signature"),
                    strlen(sink_header(&r, "webhook-signature")));
            fprintf(out, ",\"body\":");
            put_str(out, r.body, r.body_len);
            fprintf(out, "}\n");
            sent++;
        }
        sink_request_free(&r);
    }
    fclose(out);
    rh_ctx_free(ctx);
    sink_stop(s);
    fprintf(stderr, "captured %zu requests to verify\n", sent);
    if (tests != 2)
        fprintf(stderr, "the catalog example was not sent as a test\n");
    return sent == n + 1 + 2 && tests == 2 ? 0 : 1;
}
