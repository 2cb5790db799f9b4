#include "auth/jwt.hpp"
#include "util/secrets.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace warren {
namespace {

using namespace std::chrono_literals;
const std::string secret = "a-signing-secret-of-at-least-32-bytes!!";
const jwt::clock::time_point now = jwt::clock::time_point(std::chrono::seconds(1'800'000'000));

boost::json::object claims(std::int64_t iat, std::int64_t exp) {
    return {{"sub", "7"}, {"iat", iat}, {"exp", exp}};
}
std::int64_t at(std::chrono::seconds offset) {
    return std::chrono::duration_cast<std::chrono::seconds>((now + offset).time_since_epoch()).count();
}

// header.payload.signature with each part replaceable.
struct parts {
    std::string header, payload, signature;
    explicit parts(const std::string& token) {
        const auto a = token.find('.'), b = token.find('.', a + 1);
        header = token.substr(0, a);
        payload = token.substr(a + 1, b - a - 1);
        signature = token.substr(b + 1);
    }
    std::string join() const { return header + "." + payload + "." + signature; }
};

TEST(Jwt, SignedTokenVerifiesAndKeepsClaims) {
    const auto token = jwt::sign(claims(at(0s), at(3600s)), secret);
    const auto v = jwt::verify(token, secret, now);
    ASSERT_TRUE(v.ok) << jwt::to_string(v.why);
    EXPECT_EQ(v.claims.at("sub").as_string(), "7");
    EXPECT_EQ(*base64url_decode(parts(token).header), R"({"alg":"HS256","typ":"JWT"})");
}

TEST(Jwt, ExpiredTokenIsRefused) {
    const auto token = jwt::sign(claims(at(-7200s), at(-1s)), secret);
    const auto v = jwt::verify(token, secret, now);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.why, jwt::failure::expired);
    // Exactly at exp is already too late.
    EXPECT_EQ(jwt::verify(jwt::sign(claims(at(-10s), at(0s)), secret), secret, now).why, jwt::failure::expired);
}

TEST(Jwt, TokenFromTheFutureIsRefusedBeyondLeeway) {
    EXPECT_TRUE(jwt::verify(jwt::sign(claims(at(30s), at(3600s)), secret), secret, now).ok);
    const auto v = jwt::verify(jwt::sign(claims(at(120s), at(3600s)), secret), secret, now);
    EXPECT_EQ(v.why, jwt::failure::not_yet_valid);
}

TEST(Jwt, MissingTimesAreRefused) {
    const auto no_exp = jwt::sign({{"sub", "7"}, {"iat", at(0s)}}, secret);
    EXPECT_EQ(jwt::verify(no_exp, secret, now).why, jwt::failure::missing_claims);
    const auto text_exp = jwt::sign({{"sub", "7"}, {"iat", at(0s)}, {"exp", "later"}}, secret);
    EXPECT_EQ(jwt::verify(text_exp, secret, now).why, jwt::failure::missing_claims);
}

TEST(Jwt, TamperedPayloadIsRefused) {
    parts p(jwt::sign(claims(at(0s), at(3600s)), secret));
    boost::json::object changed = claims(at(0s), at(3600s));
    changed["sub"] = "1";  // become another user
    p.payload = base64url_encode(boost::json::serialize(changed));
    EXPECT_EQ(jwt::verify(p.join(), secret, now).why, jwt::failure::bad_signature);
}

TEST(Jwt, TamperedSignatureAndOtherSecretAreRefused) {
    const auto token = jwt::sign(claims(at(0s), at(3600s)), secret);
    parts p(token);
    p.signature[3] = p.signature[3] == 'A' ? 'B' : 'A';
    EXPECT_EQ(jwt::verify(p.join(), secret, now).why, jwt::failure::bad_signature);
    EXPECT_EQ(jwt::verify(token, "another-secret-also-32-bytes-long!!!", now).why, jwt::failure::bad_signature);
}

TEST(Jwt, OnlyHs256IsAccepted) {
    const auto token = jwt::sign(claims(at(0s), at(3600s)), secret);
    parts none(token);
    none.header = base64url_encode(R"({"alg":"none","typ":"JWT"})");
    none.signature.clear();
    EXPECT_EQ(jwt::verify(none.join(), secret, now).why, jwt::failure::bad_algorithm);

    // Even a correct HMAC over a header naming another algorithm is refused.
    parts other(token);
    for (const char* header : {R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                               R"({"alg":"HS256"})", R"({"typ":"JWT","alg":"HS256"})"}) {
        other.header = base64url_encode(header);
        other.signature = base64url_encode(hmac_sha256(secret, other.header + "." + other.payload));
        EXPECT_EQ(jwt::verify(other.join(), secret, now).why, jwt::failure::bad_algorithm) << header;
    }
}

TEST(Jwt, MalformedTokensAreRefused) {
    const auto token = jwt::sign(claims(at(0s), at(3600s)), secret);
    for (const std::string& bad : {std::string(), std::string("abc"), std::string("a.b"), token + ".x",
                                   std::string("...."), "!!." + parts(token).payload + "." + parts(token).signature}) {
        const auto v = jwt::verify(bad, secret, now);
        EXPECT_FALSE(v.ok) << bad;
        EXPECT_EQ(v.why, jwt::failure::malformed) << bad;
    }
    // A payload that is not a JSON object, correctly signed.
    parts p(token);
    p.payload = base64url_encode("[1,2]");
    p.signature = base64url_encode(hmac_sha256(secret, p.header + "." + p.payload));
    EXPECT_EQ(jwt::verify(p.join(), secret, now).why, jwt::failure::malformed);
}

}  // namespace
}  // namespace warren
