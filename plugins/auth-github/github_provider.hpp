#pragma once
// auth-github: sign in with GitHub (github.com or GitHub Enterprise Server)
// through an OAuth app, with state and PKCE S256 (the host's) and:
//
//   authorize  {base_url}/login/oauth/authorize (allow_signup=false)
//   token      {base_url}/login/oauth/access_token; GitHub answers a refused
//              code with 200 and {"error": "bad_verification_code"}
//   profile    {api_url}/user: id, login, name, email, avatar_url
//   e-mail     when the profile shows none (it is private),
//              {api_url}/user/emails: the primary verified address
//   orgs       with allowed_orgs only: {api_url}/user/orgs, matched without
//              regard to case
//
// Keys (see plugins/auth-github/gateway.toml and docs/AUTH.md): the shared
// ones of oauth/settings.hpp with id "github", base_url https://github.com,
// api_url https://api.github.com, allowed_orgs, and the scopes
// "read:user user:email" (+ "read:org" with allowed_orgs).
#include "oauth/provider.hpp"

namespace warren::github {

class github_provider final : public oauth::provider {
public:
    explicit github_provider(const plugin_context& ctx);

private:
    result<user_identity> identify(const std::string& access_token) const override;
    // The primary verified address, or empty (also when GitHub will not say).
    std::string primary_email(const std::string& access_token) const;
};

}  // namespace warren::github
