#include "github_provider.hpp"

#include "oauth/json_fields.hpp"
#include "oauth/names.hpp"

#include <warren/plugin.hpp>

namespace warren::github {
namespace {

constexpr oauth::provider_defaults defaults{
    .id = "github",
    .display_name = "GitHub",
    .base_url = "https://github.com",
    .api_url = "https://api.github.com",
    .allowed_key = "allowed_orgs",
    .scopes = "read:user user:email",
    // Any of these lets /user/orgs list private memberships too.
    .allowed_scopes = "read:org write:org admin:org",
};

}  // namespace

github_provider::github_provider(const plugin_context& ctx)
    : oauth::provider(ctx, defaults,
                      {.authorize_path = "/login/oauth/authorize",
                       .token_path = "/login/oauth/access_token",
                       // Only people who already have an account: no sign-up detour.
                       .authorize_extra = {{"allow_signup", "false"}},
                       .token_extra = {},
                       // GitHub refuses API calls without a User-Agent; the
                       // host's client always sends its own.
                       .api_headers = {{"Accept", "application/vnd.github+json"},
                                       {"X-GitHub-Api-Version", "2022-11-28"}}}) {}

result<user_identity> github_provider::identify(const std::string& access_token) const {
    const auto& s = settings();
    const auto profile = api().get(s.api_url + "/user", access_token, "the user's profile");
    if (!profile) return profile.error();
    const auto* user = profile->if_object();
    user_identity who;
    if (user != nullptr) {
        who.subject = oauth::id_field(*user, "id");
        who.username = oauth::string_field(*user, "login");
        who.name = oauth::string_field(*user, "name");
        who.email = oauth::string_field(*user, "email");
        who.avatar_url = oauth::string_field(*user, "avatar_url");
    }
    if (who.subject.empty() || who.username.empty())
        return {errc::unavailable,
                s.display_name + " answered the profile request without an id and login"};
    if (who.email.empty()) who.email = primary_email(access_token);

    if (!s.allowed.empty()) {
        const auto member = api().find_in_list(
            oauth::with_query(s.api_url + "/user/orgs", {{"per_page", "100"}}), access_token,
            "the user's organizations", [&](const boost::json::value& org) {
                return oauth::contains_name(s.allowed, oauth::string_field(org, "login"));
            });
        if (!member) return member.error();
        if (!*member) return not_a_member(who.username, "an organization");
    }
    return who;
}

std::string github_provider::primary_email(const std::string& access_token) const {
    std::string found;
    const auto listed = api().find_in_list(
        oauth::with_query(settings().api_url + "/user/emails", {{"per_page", "100"}}), access_token,
        "the user's e-mail addresses", [&](const boost::json::value& v) {
            const auto* e = v.if_object();
            if (e == nullptr || !oauth::true_field(*e, "primary") ||
                !oauth::true_field(*e, "verified"))
                return false;
            found = oauth::string_field(*e, "email");
            return !found.empty();
        });
    // An address is nice to have, not a reason to refuse the sign-in.
    if (!listed) log().debug("no e-mail address: " + listed.error().message);
    return found;
}

}  // namespace warren::github

WARREN_PLUGIN(warren::github::github_provider, "auth-github", "1.0.0",
              "Sign in with GitHub or GitHub Enterprise Server (OAuth app, PKCE)")
