#pragma once
// auth-gitlab: sign in with GitLab (gitlab.com or self-hosted) through an
// OAuth application, with state and PKCE S256 (the host's) and:
//
//   authorize  {base_url}/oauth/authorize (response_type=code)
//   token      {base_url}/oauth/token (grant_type=authorization_code); a
//              refused code is a 400 with {"error": "invalid_grant"}
//   profile    {api_url}/user: id, username, name, email (or public_email),
//              avatar_url, state: an account that is not "active" (blocked,
//              deactivated) is refused
//   groups     with allowed_groups only: {api_url}/groups?min_access_level=10,
//              each full_path matched against the allowed paths and their
//              subgroups, without regard to case
//
// Keys (see plugins/auth-gitlab/gateway.toml and docs/AUTH.md): the shared
// ones of oauth/settings.hpp with id "gitlab", base_url https://gitlab.com,
// api_url <base_url>/api/v4, allowed_groups, and the scopes "read_user"
// (+ "read_api" with allowed_groups).
#include "oauth/provider.hpp"

namespace warren::gitlab {

class gitlab_provider final : public oauth::provider {
public:
    explicit gitlab_provider(const plugin_context& ctx);

private:
    result<user_identity> identify(const std::string& access_token) const override;
};

}  // namespace warren::gitlab
