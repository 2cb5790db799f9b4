#pragma once
// Login sessions and admin API tokens: HS256 JWTs signed with one secret.
//
// - A session is the cookie `warren_session` (HttpOnly, SameSite=Lax,
//   host-only, Secure over TLS) holding a JWT {sub: user id, sid, typ:
//   "session", iat, ims (iat in ms), exp}. Its CSRF token is an HMAC of the
//   sid, so it needs no storage and dies with the session.
// - An API token is "wat_" + a JWT {sub, jti, typ: "api", iat, ims, exp},
//   sent as `Authorization: Bearer`.
// Every check reloads the user from the store: a disabled user has no
// session, and signing out (which records the time in the store setting
// "signed_out:<user id>") ends every session of that user issued before.
//
// Threading: thread-safe. authenticate(), sign_out() and load_secret() call
// the store: blocking pool only.
#include "auth/cookies.hpp"

#include <warren/http_app.hpp>
#include <warren/store.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warren {

class sessions {
public:
    static constexpr std::string_view cookie_name = "warren_session";
    static constexpr std::string_view api_token_prefix = "wat_";

    // The signing secret: from the environment variable `secret_env` (when
    // not empty; at least 32 bytes), else the store's setting
    // "session_secret", generated and saved on first use. Throws
    // std::runtime_error with an operator-facing message.
    static std::string load_secret(store& s, std::string_view secret_env);

    sessions(std::string secret, store& s, std::chrono::seconds ttl);

    std::chrono::seconds ttl() const noexcept { return ttl_; }

    // A new session of `user`: the cookie's value.
    std::string issue_session(const user_record& user, time_point now) const;
    std::string issue_api_token(const user_record& user, time_point now, std::chrono::seconds ttl) const;

    // Set-Cookie values for the session cookie.
    std::string session_cookie(std::string_view value, bool secure) const;
    static std::string clear_session_cookie(bool secure);

    struct outcome {
        std::optional<http_session> session;
        // A credential was presented but refused (forged, expired, signed
        // out, disabled user): why, for the debug log. Never the token.
        std::string refused;
        bool bearer = false;  // the refused credential was a bearer token
    };
    // The session of `request` from its cookie, or its bearer API token
    // (which wins when both are present). Blocking.
    outcome authenticate(const http_request& request, time_point now) const;

    // Ends every session and API token of `user` issued before `now`. Blocking.
    result<void> sign_out(user_id user, time_point now) const;

private:
    outcome check(std::string_view token, std::string_view expected_type, time_point now) const;
    std::string csrf_for(std::string_view sid) const;

    std::string secret_;
    store& store_;
    std::chrono::seconds ttl_;
};

}  // namespace warren
