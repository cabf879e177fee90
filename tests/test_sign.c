/* Signing and verification: the Standard Webhooks known answer, RFC 4231,
 * the timestamp tolerance, and every way a signature header can be wrong. */
#include "rh_test.h"
#include "rh_internal.h"

#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void test_sign__standard_webhooks_known_answer(void)
{
    char sig[RH_SIGNATURE_SIZE] = "";
    RH_CHECK_EQ_INT(RH_OK, rh_sign(SW_SECRET, SW_ID, 1614265330, SW_BODY,
                                   strlen(SW_BODY), sig, sizeof sig));
    RH_CHECK_EQ_STR(SW_SIG, sig);
    RH_CHECK_EQ_INT(RH_OK, rh_verify(SW_SECRET, SW_ID, "1614265330", SW_SIG,
                                     SW_BODY, strlen(SW_BODY), 1614265330,
                                     RH_VERIFY_TOLERANCE_S));
}

static void test_sign__rfc4231_case2(void)
{
    static const unsigned char want[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
        0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
        0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *data = "what do ya want for nothing?";
    const void *parts[1] = {data};
    size_t lens[1] = {strlen(data)};
    unsigned char mac[32];
    RH_CHECK_EQ_INT(RH_OK, rh__hmac_sha256((const unsigned char *)"Jefe", 4,
                                           parts, lens, 1, mac));
    RH_CHECK(memcmp(mac, want, 32) == 0);
}

/* The CPU's SHA instructions and Mbed TLS give the same HMAC for every key
 * length up to a block, every message length around the block and padding
 * boundaries, and every way of splitting the message into parts. */
static void test_sign__fast_hmac_matches_mbedtls(void)
{
    static unsigned char msg[16384 + 200];
    unsigned char key[64], a[32], b[32];
    static const size_t key_lens[] = {1, 4, 24, 32, 55, 63, 64};
    uint32_t x = 2463534242u;
    size_t compared = 0;
    rh_hmac_fast h;
    if (!rh__sha_fast_available())
        RH_SKIP("this CPU has no SHA instructions: Mbed TLS signs");
    for (size_t i = 0; i < sizeof msg; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        msg[i] = (unsigned char)x;
    }
    for (size_t k = 0; k < sizeof key_lens / sizeof *key_lens; k++) {
        memcpy(key, msg + 1000 + k, sizeof key);
        RH_CHECK_EQ_INT(RH_OK, rh__hmac_fast_key(&h, key, key_lens[k]));
        for (size_t len = 0; len <= sizeof msg; len += len < 300 ? 1 : 997) {
            /* split at two points that move with the length */
            size_t cut1 = len ? (len * 7 + k) % len : 0;
            size_t cut2 = cut1 + (len - cut1) / 2;
            const void *parts[3] = {msg, msg + cut1, msg + cut2};
            size_t lens[3] = {cut1, cut2 - cut1, len - cut2};
            rh__hmac_fast(&h, parts, lens, 3, a);
            RH_CHECK_EQ_INT(RH_OK, rh__hmac_sha256_mbedtls(
                                       key, key_lens[k], parts, lens, 3, b));
            if (memcmp(a, b, 32) != 0) {
                fprintf(stderr, "key %zu bytes, message %zu bytes differ\n",
                        key_lens[k], len);
                RH_CHECK(0);
            }
            compared++;
        }
    }
    RH_CHECK(compared > 2000);
    /* a key longer than a block is left to Mbed TLS, which hashes it */
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED, rh__hmac_fast_key(&h, msg, 65));
}

/* RFC 4231 case 6: a 131-byte key, through whichever path signs. */
static void test_sign__long_key_rfc4231_case6(void)
{
    static const unsigned char want[32] = {
        0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26,
        0xaa, 0xcb, 0xf5, 0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28,
        0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54};
    unsigned char key[131], mac[32];
    const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
    const void *parts[1] = {data};
    size_t lens[1] = {strlen(data)};
    memset(key, 0xaa, sizeof key);
    RH_CHECK_EQ_INT(RH_OK,
                    rh__hmac_sha256(key, sizeof key, parts, lens, 1, mac));
    RH_CHECK(memcmp(mac, want, 32) == 0);
}

static void test_sign__tolerance_is_300s_both_ways(void)
{
    const int64_t ts = 1614265330;
    const size_t n = strlen(SW_BODY);
    RH_CHECK_EQ_INT(RH_OK, rh_verify(SW_SECRET, SW_ID, "1614265330", SW_SIG,
                                     SW_BODY, n, ts + 300, 300));
    RH_CHECK_EQ_INT(RH_OK, rh_verify(SW_SECRET, SW_ID, "1614265330", SW_SIG,
                                     SW_BODY, n, ts - 300, 300));
    RH_CHECK_EQ_INT(RH_E_TIMESTAMP, rh_verify(SW_SECRET, SW_ID, "1614265330",
                                              SW_SIG, SW_BODY, n, ts + 301,
                                              300));
    RH_CHECK_EQ_INT(RH_E_TIMESTAMP, rh_verify(SW_SECRET, SW_ID, "1614265330",
                                              SW_SIG, SW_BODY, n, ts - 301,
                                              300));
}

static void test_sign__tampered_body_or_wrong_secret_fails(void)
{
    const char *other = "whsec_" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, SW_ID, "1614265330", SW_SIG,
                              "{\"test\": 2432232315}", strlen(SW_BODY),
                              1614265330, 300));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(other, SW_ID, "1614265330", SW_SIG, SW_BODY,
                              strlen(SW_BODY), 1614265330, 300));
    /* a different id or timestamp is a different message */
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, "msg_other", "1614265330", SW_SIG,
                              SW_BODY, strlen(SW_BODY), 1614265330, 300));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, SW_ID, "1614265331", SW_SIG, SW_BODY,
                              strlen(SW_BODY), 1614265330, 300));
}

static void test_sign__header_lists_and_versions(void)
{
    const size_t n = strlen(SW_BODY);
    /* one good v1 among others, any order, extra spaces */
    RH_CHECK_EQ_INT(RH_OK,
                    rh_verify(SW_SECRET, SW_ID, "1614265330",
                              "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "
                              " v2,whatever " SW_SIG,
                              SW_BODY, n, 1614265330, 300));
    /* only other versions: nothing to check against */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_verify(SW_SECRET, SW_ID, "1614265330", "v1a,abc",
                              SW_BODY, n, 1614265330, 300));
}

static void test_sign__malformed_input_is_invalid(void)
{
    const size_t n = strlen(SW_BODY);
    const char *bad_headers[] = {"", " ", "v1", "garbage", "v1;abc"};
    for (size_t i = 0; i < sizeof bad_headers / sizeof *bad_headers; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_verify(SW_SECRET, SW_ID, "1614265330",
                                  bad_headers[i], SW_BODY, n, 1614265330,
                                  300));
    /* the same MAC bytes in a non-canonical encoding (padding bits set):
     * a token matches exactly or not at all */
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, SW_ID, "1614265330",
                              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=",
                              SW_BODY, n, 1614265330, 300));
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, SW_ID, "1614265330",
                              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                              SW_BODY, n, 1614265330, 300));
    /* v1 with a value that is not base64 of 32 bytes never matches */
    RH_CHECK_EQ_INT(RH_E_SIGNATURE,
                    rh_verify(SW_SECRET, SW_ID, "1614265330", "v1,!!!!",
                              SW_BODY, n, 1614265330, 300));
    const char *bad_ts[] = {"", "-1", "16142x", " 1614265330", "1e9",
                            "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_ts / sizeof *bad_ts; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_verify(SW_SECRET, SW_ID, bad_ts[i], SW_SIG, SW_BODY,
                                  n, 1614265330, 300));
    const char *bad_secrets[] = {"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                 "whsec_", "whsec_c2hvcnQ=", "whsec_***"};
    for (size_t i = 0; i < sizeof bad_secrets / sizeof *bad_secrets; i++)
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                        rh_verify(bad_secrets[i], SW_ID, "1614265330", SW_SIG,
                                  SW_BODY, n, 1614265330, 300));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_verify(NULL, SW_ID, "1", SW_SIG, SW_BODY, n, 1, 300));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_verify(SW_SECRET, NULL, "1", SW_SIG,
                                                SW_BODY, n, 1, 300));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_verify(SW_SECRET, "a.b", "1", SW_SIG,
                                                SW_BODY, n, 1, 300));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_verify(SW_SECRET, SW_ID, "1", NULL, SW_BODY, n, 1, 300));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_verify(SW_SECRET, SW_ID, "1", SW_SIG, NULL, 3, 1, 300));
}

static void test_sign__sign_rejects_bad_input_and_small_buffers(void)
{
    char sig[RH_SIGNATURE_SIZE] = "untouched";
    RH_CHECK_EQ_INT(RH_E_BUFFER, rh_sign(SW_SECRET, SW_ID, 1614265330, SW_BODY,
                                         strlen(SW_BODY), sig, 10));
    RH_CHECK_EQ_STR("untouched", sig);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_sign("whsec_x", SW_ID, 1, "", 0, sig,
                                              sizeof sig));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_sign(SW_SECRET, "id.with.dot", 1, "", 0, sig,
                            sizeof sig));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_sign(SW_SECRET, SW_ID, -1, "", 0, sig, sizeof sig));
    RH_CHECK_EQ_INT(RH_E_BUFFER, rh_sign(SW_SECRET, SW_ID, 1, "", 0, NULL, 0));
    RH_CHECK_EQ_STR("untouched", sig);
    /* an empty body is a valid message */
    RH_CHECK_EQ_INT(RH_OK, rh_sign(SW_SECRET, SW_ID, 1, NULL, 0, sig,
                                   sizeof sig));
    RH_CHECK_EQ_INT(RH_OK, rh_verify(SW_SECRET, SW_ID, "1", sig, NULL, 0, 1,
                                     300));
}

const rh_test_case rh_tests_sign[] = {
    {"sign__standard_webhooks_known_answer",
     test_sign__standard_webhooks_known_answer},
    {"sign__rfc4231_case2", test_sign__rfc4231_case2},
    {"sign__fast_hmac_matches_mbedtls", test_sign__fast_hmac_matches_mbedtls},
    {"sign__long_key_rfc4231_case6", test_sign__long_key_rfc4231_case6},
    {"sign__tolerance_is_300s_both_ways",
     test_sign__tolerance_is_300s_both_ways},
    {"sign__tampered_body_or_wrong_secret_fails",
     test_sign__tampered_body_or_wrong_secret_fails},
    {"sign__header_lists_and_versions", test_sign__header_lists_and_versions},
    {"sign__malformed_input_is_invalid", test_sign__malformed_input_is_invalid},
    {"sign__sign_rejects_bad_input_and_small_buffers",
     test_sign__sign_rejects_bad_input_and_small_buffers},
    {NULL, NULL}};
