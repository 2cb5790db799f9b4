#pragma once
// The [[auth]] keys every OAuth provider plugin shares, read and checked in
// one place. A plugin describes its defaults; read_settings() reads every key
// (so the host can report the unknown ones) and throws config_error, naming
// the file, line and key, for a bad one:
//
//   id                 "github"       URL-safe [a-z0-9-]: the login URL is /login/<id>
//   display_name       "GitHub"       the login button
//   client_id          required
//   client_secret_env  required       the name of an environment variable
//   base_url           per provider   http(s), no query; a trailing '/' is dropped
//   api_url            per provider   likewise
//   admins             []             usernames (any case), or "id:<subject>"
//   <allowed key>      []             allowed_orgs / allowed_groups
//   scopes             per provider   a string or an array; replaces the defaults
//   timeout            "10s"          for each call to the provider (100ms-2m)
//
// The client secret is kept here and in no message: errors name the
// variable, never its value.
#include <warren/config_table.hpp>
#include <warren/logger.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace warren::oauth {

struct provider_defaults {
    std::string_view id;            // "github"
    std::string_view display_name;  // "GitHub"
    std::string_view base_url;      // "https://github.com"
    // Absolute ("https://api.github.com"), or a path under base_url ("/api/v4").
    std::string_view api_url;
    std::string_view allowed_key;  // "allowed_orgs"
    std::string_view scopes;       // "read:user user:email"
    // The scopes that each let the provider list a user's memberships, the
    // one asked for first ("read:org write:org admin:org"): the first is added
    // to the default scopes when the allowed list is set.
    std::string_view allowed_scopes;
};

struct provider_settings {
    std::string id;
    std::string display_name;
    std::string client_id;
    std::string client_secret;
    std::string base_url;  // without a trailing '/'
    std::string api_url;   // without a trailing '/'
    std::vector<std::string> admins;
    std::vector<std::string> allowed;  // empty: everyone with an account may sign in
    std::string scopes;                // space-separated, as the authorize URL wants them
    std::chrono::milliseconds timeout{10'000};
};

// Reads the shared keys of `config`. Logs a warning (through `log`) for
// settings that work but are probably not meant: plain http to a host that
// is not loopback, or scopes that leave out what the allowed list needs.
provider_settings read_settings(const config_table& config, const provider_defaults& defaults,
                                logger& log);

}  // namespace warren::oauth
