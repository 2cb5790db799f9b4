#pragma once
// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256, for session cookies and
// admin API tokens. Only HS256 is ever accepted: the algorithm is pinned, so
// a token naming "none", "RS256" or anything else is refused whatever its
// signature, and the header must be exactly {"alg":"HS256","typ":"JWT"}.
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace warren::jwt {

using clock = std::chrono::system_clock;

// header.payload.signature, each part base64url without padding.
std::string sign(const boost::json::object& claims, std::string_view secret);

enum class failure {
    malformed,        // not three base64url parts of JSON objects
    bad_algorithm,    // header other than {"alg":"HS256","typ":"JWT"}
    bad_signature,    // signature does not match (compared in constant time)
    expired,          // exp <= now
    not_yet_valid,    // iat more than `leeway` in the future
    missing_claims,   // exp or iat absent or not integers
};
const char* to_string(failure f) noexcept;

struct verified {
    boost::json::object claims;  // valid when ok
    failure why = failure::malformed;
    bool ok = false;
};

// Checks the token's form, algorithm, signature, then `exp` and `iat`
// (seconds since the epoch, both required) against `now`.
verified verify(std::string_view token, std::string_view secret, clock::time_point now,
                std::chrono::seconds leeway = std::chrono::seconds(60));

}  // namespace warren::jwt
