#include "auth/jwt.hpp"

#include "util/secrets.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>


namespace warren::jwt {
namespace {

// The one header we write and accept, byte for byte once decoded.
constexpr std::string_view header_json = R"({"alg":"HS256","typ":"JWT"})";

std::optional<boost::json::object> decode_object(std::string_view part) {
    auto bytes = base64url_decode(part);
    if (!bytes) return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(*bytes, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

std::optional<std::int64_t> int_claim(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_int64()) return std::nullopt;
    return it->value().as_int64();
}

}  // namespace

const char* to_string(failure f) noexcept {
    switch (f) {
    case failure::malformed: return "malformed token";
    case failure::bad_algorithm: return "algorithm other than HS256";
    case failure::bad_signature: return "bad signature";
    case failure::expired: return "expired";
    case failure::not_yet_valid: return "issued in the future";
    case failure::missing_claims: return "exp or iat missing";
    }
    return "invalid token";
}

std::string sign(const boost::json::object& claims, std::string_view secret) {
    std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(boost::json::serialize(claims));
    const std::string mac = hmac_sha256(secret, signing_input);
    return signing_input + "." + base64url_encode(mac);
}

verified verify(std::string_view token, std::string_view secret, clock::time_point now,
                std::chrono::seconds leeway) {
    verified out;
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return out;
    const std::string_view header_part = token.substr(0, dot1);
    const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_part = token.substr(dot2 + 1);

    auto header = base64url_decode(header_part);
    if (!header) return out;
    if (*header != header_json) {
        // Tell a foreign algorithm from garbage, for the log line.
        if (decode_object(header_part)) out.why = failure::bad_algorithm;
        return out;
    }
    auto signature = base64url_decode(signature_part);
    if (!signature) return out;
    const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
    if (!constant_time_equals(*signature, expected)) {
        out.why = failure::bad_signature;
        return out;
    }
    auto claims = decode_object(payload_part);
    if (!claims) return out;
    const auto exp = int_claim(*claims, "exp");
    const auto iat = int_claim(*claims, "iat");
    if (!exp || !iat) {
        out.why = failure::missing_claims;
        return out;
    }
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (*exp <= now_s) {
        out.why = failure::expired;
        return out;
    }
    if (*iat > now_s + leeway.count()) {
        out.why = failure::not_yet_valid;
        return out;
    }
    out.claims = std::move(*claims);
    out.ok = true;
    return out;
}

}  // namespace warren::jwt
