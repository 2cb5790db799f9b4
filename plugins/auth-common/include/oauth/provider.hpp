#pragma once
// What the GitHub and GitLab plugins have in common, done once: the shared
// [[auth]] keys (settings.hpp), the authorization URL with state and PKCE
// S256, the code-for-token exchange, the admin list, and turning failures
// into log lines without secrets. A plugin derives from oauth::provider,
// names its endpoints and implements identify(): the profile and membership
// rules, given the access token.
//
// Threading: immutable after construction; complete() may run on several
// blocking-pool threads at once (the host's HTTP client is thread-safe).
#include "oauth/api_client.hpp"
#include "oauth/settings.hpp"

#include <warren/auth_provider.hpp>
#include <warren/host.hpp>

#include <string>
#include <string_view>

namespace warren::oauth {

class provider : public auth_provider {
public:
    std::string_view id() const noexcept override { return settings_.id; }
    std::string_view display_name() const noexcept override { return settings_.display_name; }

    // {base_url}{authorize_path}?client_id&redirect_uri&scope&state
    //   &code_challenge&code_challenge_method=S256 plus the plugin's extras.
    result<std::string> authorization_url(
        const authorization_request& request) const noexcept final;

    // Exchanges the code (with the verifier and the client secret), then
    // identify(); the identity's provider is this entry's id.
    result<user_identity> complete(const authorization_response& response) noexcept final;

    // The username (any case) or "id:<subject>" is in `admins`.
    bool is_admin(const user_identity& who) const noexcept override;

protected:
    struct endpoints {
        std::string authorize_path;            // under base_url: "/login/oauth/authorize"
        std::string token_path;                // under base_url: "/login/oauth/access_token"
        form_fields authorize_extra;           // added to the authorization URL's query
        form_fields token_extra;               // added to the token request's form
        std::vector<http_header> api_headers;  // sent with every API request
    };

    // Reads every shared key of ctx.config; throws config_error.
    provider(const plugin_context& ctx, const provider_defaults& defaults, endpoints e);

    // The user behind `access_token`, with subject, username and what else
    // the provider tells; errc::forbidden (a message for the user's browser)
    // when a membership rule refuses them. May throw std::exception:
    // complete() turns it into errc::internal.
    virtual result<user_identity> identify(const std::string& access_token) const = 0;

    const provider_settings& settings() const noexcept { return settings_; }
    const api_client& api() const noexcept { return api_; }
    logger& log() const noexcept { return log_; }

    // errc::forbidden: "alice is not a member of <membership> allowed to sign
    // in here (acme, widgets)".
    struct error not_a_member(std::string_view username, std::string_view membership) const;

private:
    // Logs a failed sign-in at a level fitting its cause; returns it.
    struct error failed(struct error e) const;

    logger& log_;
    provider_settings settings_;
    endpoints endpoints_;
    api_client api_;
};

}  // namespace warren::oauth
