#include "util/secrets.hpp"

#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

namespace warren {
namespace {

TEST(secrets, base64url_rfc4648_vectors) {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},          {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
        // The URL-safe alphabet: standard base64 would be "+/8=" and "/w==".
        {"\xfb\xff", "-_8"}, {"\xff", "_w"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64url_encode(plain), encoded) << encoded;
        const auto decoded = base64url_decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, plain) << encoded;
    }
}

TEST(secrets, base64url_decode_accepts_padding) {
    EXPECT_EQ(base64url_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(base64url_decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(base64url_decode("Zg=="), "f");
    EXPECT_EQ(base64url_decode("-_8="), "\xfb\xff");
}

TEST(secrets, base64url_decode_rejects) {
    for (const char* bad : {"Z", "Zm9vY", "Zm9vYg=", "Zm9vYg===", "Zg===", "=", "==", "====",
                            "Zm=9", "Zm9v+g", "Zm9v/g", "Zm9 v", "Zm9v\n", " Zm9v", "Zm9v*",
                            "Zm9v\xc3\xa9",
                            // Non-canonical: unused trailing bits set.
                            "Zh", "Zm9", "Zm9vYh", "Zh=="}) {
        EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
    }
}

TEST(secrets, base64url_round_trips_random_bytes) {
    for (std::size_t n = 0; n <= 100; ++n) {
        const auto data = random_bytes(n);
        const auto encoded = base64url_encode(data);
        EXPECT_EQ(encoded.size(), (n * 4 + 2) / 3);
        EXPECT_EQ(encoded.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        EXPECT_EQ(base64url_decode(encoded), data);
    }
    // Larger than one OpenSSL chunk in both directions.
    const auto big = random_bytes(100'001);
    EXPECT_EQ(base64url_decode(base64url_encode(big)), big);
}

TEST(secrets, random_bytes_and_tokens) {
    EXPECT_TRUE(random_bytes(0).empty());
    EXPECT_EQ(random_bytes(1 << 16).size(), 1u << 16);
    EXPECT_NE(random_bytes(32), random_bytes(32));

    std::set<std::string> tokens;
    for (int i = 0; i < 100; ++i) {
        const auto token = random_token();
        EXPECT_EQ(token.size(), 43u);
        const auto raw = base64url_decode(token);
        ASSERT_TRUE(raw.has_value());
        EXPECT_EQ(raw->size(), 32u);
        tokens.insert(token);
    }
    EXPECT_EQ(tokens.size(), 100u);
    EXPECT_EQ(random_token(16).size(), 22u);
}

TEST(secrets, constant_time_equals) {
    EXPECT_TRUE(constant_time_equals("", ""));
    EXPECT_TRUE(constant_time_equals("secret-token", "secret-token"));
    EXPECT_FALSE(constant_time_equals("secret-token", "secret-tokex"));
    EXPECT_FALSE(constant_time_equals("xecret-token", "secret-token"));
    EXPECT_FALSE(constant_time_equals("secret", "secret-token"));
    EXPECT_FALSE(constant_time_equals("", "a"));
    EXPECT_TRUE(constant_time_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(secrets, sha256_known_vectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(secrets, sha256_incremental_reset_and_move) {
    // One million 'a's fed in pieces (FIPS 180-2 vector).
    sha256_hasher hasher;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) hasher.update(chunk);
    const auto million = hasher.finish();
    EXPECT_EQ(to_hex(million.data(), million.size()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    // finish() starts over.
    hasher.update("a", 1);
    hasher.update("bc");
    const auto abc = hasher.finish();
    EXPECT_EQ(to_hex(abc.data(), abc.size()), sha256_hex("abc"));

    // A move carries the state along.
    hasher.update("ab");
    sha256_hasher moved{std::move(hasher)};
    moved.update("c");
    EXPECT_EQ(moved.finish(), abc);

    sha256_hasher assigned;
    assigned.update("unrelated");
    assigned = std::move(moved);
    assigned.update("abc");
    EXPECT_EQ(assigned.finish(), abc);

    static_assert(!std::is_copy_constructible_v<sha256_hasher>);
    static_assert(std::is_nothrow_move_constructible_v<sha256_hasher>);
}

TEST(secrets, to_hex) {
    const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    EXPECT_EQ(to_hex(bytes, sizeof bytes), "00017f80abff");
    EXPECT_EQ(to_hex(bytes, 0), "");
}

TEST(secrets, redact) {
    EXPECT_EQ(redact(""), "");
    EXPECT_EQ(redact("wrn_abcdefghijklmnop"), "wrn_ab\u2026");
    EXPECT_EQ(redact(random_token()).size(), 6u + 3u);  // "…" is 3 bytes of UTF-8
    // Never more than half of a short secret.
    EXPECT_EQ(redact("abcdefgh"), "abcd\u2026");
    EXPECT_EQ(redact("abcd"), "ab\u2026");
    EXPECT_EQ(redact("a"), "\u2026");
    // Does not split a UTF-8 sequence: 5 bytes would end inside the third "é".
    EXPECT_EQ(redact("\u00e9\u00e9\u00e9\u00e9\u00e9"), "\u00e9\u00e9\u2026");
}

}  // namespace
}  // namespace warren
