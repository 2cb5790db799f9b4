#include "gitlab_provider.hpp"

#include "oauth/json_fields.hpp"
#include "oauth/names.hpp"

#include <warren/plugin.hpp>

#include <algorithm>

namespace warren::gitlab {
namespace {

constexpr oauth::provider_defaults defaults{
    .id = "gitlab",
    .display_name = "GitLab",
    .base_url = "https://gitlab.com",
    .api_url = "/api/v4",  // under base_url
    .allowed_key = "allowed_groups",
    .scopes = "read_user",
    // /groups needs an API scope; read_user does not reach it.
    .allowed_scopes = "read_api api",
};

}  // namespace

gitlab_provider::gitlab_provider(const plugin_context& ctx)
    : oauth::provider(ctx, defaults,
                      {.authorize_path = "/oauth/authorize",
                       .token_path = "/oauth/token",
                       .authorize_extra = {{"response_type", "code"}},
                       .token_extra = {{"grant_type", "authorization_code"}},
                       .api_headers = {{"Accept", "application/json"}}}) {}

result<user_identity> gitlab_provider::identify(const std::string& access_token) const {
    const auto& s = settings();
    const auto profile = api().get(s.api_url + "/user", access_token, "the user's profile");
    if (!profile) return profile.error();
    const auto* user = profile->if_object();
    user_identity who;
    std::string state;
    if (user != nullptr) {
        who.subject = oauth::id_field(*user, "id");
        who.username = oauth::string_field(*user, "username");
        who.name = oauth::string_field(*user, "name");
        who.email = oauth::string_field(*user, "email");
        if (who.email.empty()) who.email = oauth::string_field(*user, "public_email");
        who.avatar_url = oauth::string_field(*user, "avatar_url");
        state = oauth::string_field(*user, "state");
    }
    if (who.subject.empty() || who.username.empty())
        return {errc::unavailable,
                s.display_name + " answered the profile request without an id and username"};
    // Blocked, deactivated, ldap_blocked, blocked_pending_approval: GitLab
    // itself would not let them in either.
    if (!state.empty() && state != "active")
        return {errc::forbidden, who.username + "'s account on " + s.display_name + " is " + state};

    if (!s.allowed.empty()) {
        const auto member = api().find_in_list(
            oauth::with_query(s.api_url + "/groups",
                              {{"min_access_level", "10"}, {"per_page", "100"}}),
            access_token, "the user's groups", [&](const boost::json::value& group) {
                const auto path = oauth::string_field(group, "full_path");
                return std::any_of(
                    s.allowed.begin(), s.allowed.end(),
                    [&](const std::string& allowed) { return oauth::in_group(path, allowed); });
            });
        if (!member) return member.error();
        if (!*member) return not_a_member(who.username, "a group");
    }
    return who;
}

}  // namespace warren::gitlab

WARREN_PLUGIN(warren::gitlab::gitlab_provider, "auth-gitlab", "1.0.0",
              "Sign in with gitlab.com or a self-hosted GitLab (OAuth application, PKCE)")
