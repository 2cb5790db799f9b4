#pragma once
// An OAuth 2 / OpenID identity provider ([[auth]] entries): GitHub, GitLab,
// or a third party's. The host runs the browser side of the flow: it makes
// the `state` (bound to the browser by a short-lived cookie, single use) and
// the PKCE verifier, serves /login/<id> and /login/<id>/callback, and keeps
// sessions. The provider only knows its endpoints and how to turn a code into
// an identity.
//
// Threading: complete() is called from the host's blocking pool and may block
// (it calls the provider through host_services::http()); the other methods
// are cheap and thread-safe.
#include <warren/export.hpp>
#include <warren/plugin_object.hpp>
#include <warren/result.hpp>
#include <warren/store.hpp>

#include <string>
#include <string_view>

namespace warren {

struct authorization_request {
    std::string redirect_uri;    // the host's callback URL for this provider
    std::string state;           // opaque, to be echoed by the provider
    std::string code_challenge;  // PKCE S256 challenge (base64url of SHA-256)
};

struct authorization_response {
    std::string code;
    std::string code_verifier;  // the PKCE verifier matching the challenge
    std::string redirect_uri;   // the same as in the request
};

class WARREN_SDK_VISIBLE auth_provider : public plugin_object {
public:
    // Short, URL-safe and unique among the configured providers: "github".
    virtual std::string_view id() const noexcept = 0;
    // For the login button: "GitHub".
    virtual std::string_view display_name() const noexcept = 0;

    // Where to send the browser to log in.
    virtual result<std::string> authorization_url(const authorization_request& request) const noexcept = 0;

    // Exchanges the code for a token, fetches the user's profile and checks
    // membership rules. errc::forbidden (with a message fit for the user) when
    // the user is not allowed, errc::unauthorized for a bad or used code,
    // errc::unavailable when the provider cannot be reached.
    virtual result<user_identity> complete(const authorization_response& response) noexcept = 0;

    // Whether this identity is listed as an admin in the provider's config.
    virtual bool is_admin(const user_identity& who) const noexcept = 0;
};

}  // namespace warren
