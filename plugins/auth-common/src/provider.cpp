#include "oauth/provider.hpp"

#include "oauth/names.hpp"

#include <exception>

namespace warren::oauth {

provider::provider(const plugin_context& ctx, const provider_defaults& defaults, endpoints e)
    : log_(ctx.log),
      settings_(read_settings(ctx.config, defaults, ctx.log)),
      endpoints_(std::move(e)),
      api_(ctx.host.http(), settings_.display_name, settings_.timeout, endpoints_.api_headers) {}

result<std::string> provider::authorization_url(
    const authorization_request& request) const noexcept {
    try {
        if (request.redirect_uri.empty() || request.state.empty() || request.code_challenge.empty())
            return {errc::invalid,
                    "an authorization request needs redirect_uri, state and code_challenge"};
        form_fields params{{"client_id", settings_.client_id},
                           {"redirect_uri", request.redirect_uri},
                           {"scope", settings_.scopes},
                           {"state", request.state},
                           {"code_challenge", request.code_challenge},
                           {"code_challenge_method", "S256"}};
        params.insert(params.end(), endpoints_.authorize_extra.begin(),
                      endpoints_.authorize_extra.end());
        return with_query(settings_.base_url + endpoints_.authorize_path, params);
    } catch (const std::exception& e) {
        return {errc::internal, std::string("cannot build the authorization URL: ") + e.what()};
    }
}

result<user_identity> provider::complete(const authorization_response& response) noexcept {
    try {
        if (response.code.empty())
            return failed({errc::unauthorized, settings_.display_name + " sent no code"});
        if (response.code_verifier.empty())
            return failed({errc::unauthorized, "the sign-in has no PKCE verifier"});
        form_fields form{{"client_id", settings_.client_id},
                         {"client_secret", settings_.client_secret},
                         {"code", response.code},
                         {"redirect_uri", response.redirect_uri},
                         {"code_verifier", response.code_verifier}};
        form.insert(form.end(), endpoints_.token_extra.begin(), endpoints_.token_extra.end());
        const auto token = api_.exchange_code(settings_.base_url + endpoints_.token_path, form);
        if (!token) return failed(token.error());

        auto who = identify(*token);
        if (!who) return failed(who.error());
        who->provider = settings_.id;
        if (log_.enabled(log_level::debug))
            log_.debug("signed in " + who->username + " (" + settings_.display_name + " user " +
                       who->subject + ")");
        return who;
    } catch (const std::exception& e) {
        return failed(
            {errc::internal, std::string("unexpected error during sign-in: ") + e.what()});
    }
}

bool provider::is_admin(const user_identity& who) const noexcept {
    if (who.provider != settings_.id) return false;
    for (const auto& admin : settings_.admins) {
        if (admin.starts_with("id:") ? admin.substr(3) == who.subject
                                     : iequals(admin, who.username))
            return true;
    }
    return false;
}

error provider::not_a_member(std::string_view username, std::string_view membership) const {
    return {errc::forbidden, std::string(username) + " is not a member of " +
                                 std::string(membership) + " allowed to sign in here (" +
                                 join(settings_.allowed) + ")"};
}

error provider::failed(error e) const {
    // The provider being down or refusing the gateway is the operator's
    // business; a refused code or membership is the user's.
    const bool operators = e.code == errc::unavailable || e.code == errc::internal;
    log_.log(operators ? log_level::warn : log_level::info, "sign-in failed: " + e.message);
    return e;
}

}  // namespace warren::oauth
