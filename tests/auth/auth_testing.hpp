// What the auth plugin tests share: the real auth-github.so and
// auth-gitlab.so opened with Boost.DLL (kept loaded, as the gateway keeps
// them), [[auth]] tables, a PKCE pair, and the browser's part of the flow
// against the fake provider.
#pragma once

#include "fake_oauth.hpp"
#include "test_host.hpp"

#include <warren/plugin.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace warren::test {

// Where one plugin's .so is and what the fake answers in its dialect.
struct auth_flavour {
    std::string plugin;  // "auth-github"
    std::filesystem::path library;
    std::string id;                // its default id: "github"
    std::string display_name;      // "GitHub"
    std::string allowed_key;       // "allowed_orgs"
    std::string default_scopes;    // "read:user user:email"
    std::string allowed_scope;     // added with the allowed list: "read:org"
    std::string refused_code;      // the token endpoint's error for a bad code
    std::string membership;        // "an organization" / "a group"
    std::string user_path;         // the profile's path at the fake: "/github-api/user"
    std::string token_path;        // "/github/login/oauth/access_token"
    std::string authorize_path;    // "/github/login/oauth/authorize"
    std::filesystem::path sample;  // plugins/auth-github/gateway.toml
    std::string base(const fake_oauth& f) const;  // its base_url at the fake
    std::string api(const fake_oauth& f) const;   // its api_url at the fake
};

const auth_flavour& github_flavour();
const auth_flavour& gitlab_flavour();

const plugin_descriptor& descriptor_of(const std::filesystem::path& library);

using auth_settings = std::map<std::string, config_table::value>;

// An [[auth]] table as the gateway hands it over, keys at made-up lines.
config_table auth_table(const auth_flavour& f, const auth_settings& values);

// The settings that work against `fake`: client_id, client_secret_env
// (set to the fake's secret in `secret_env`), base_url, api_url.
auth_settings working_settings(const auth_flavour& f, const fake_oauth& fake,
                               const std::string& secret_env = "WARREN_TEST_OAUTH_SECRET");

// A plugin object made through the descriptor's factory, or its error.
struct made_provider {
    std::unique_ptr<plugin_object> object;
    std::string error;
    auth_provider& get() const { return dynamic_cast<auth_provider&>(*object); }
};
made_provider make_provider(const auth_flavour& f, test_host& host, const config_table& config);

struct pkce_pair {
    std::string verifier;
    std::string challenge;  // base64url(SHA-256(verifier)), unpadded
};
pkce_pair make_pkce();

// The decoded query parameters of a URL (Boost.URL).
std::map<std::string, std::string> query_of(std::string_view url);

// The browser's part: the provider's authorization URL for `pkce` and
// `state`, the fake's consent as `login`, and what came back to the
// callback.
struct callback {
    std::string authorization_url;
    std::string location;  // the redirect back (empty if there was none)
    std::string code;
    std::string state;
};
callback browse_to_callback(const auth_provider& p, const fake_oauth& fake, std::string_view login,
                            const pkce_pair& pkce, const std::string& redirect_uri,
                            const std::string& state = "st4te-xyz");

inline constexpr std::string_view test_redirect_uri = "https://warren.example/login/x/callback";

// What a test of one plugin works with: a fake provider, a test host, and the
// flow's steps. Fixtures derive from it (and from ::testing::Test) and call
// expect_no_secrets() in TearDown().
class auth_session {
public:
    explicit auth_session(const auth_flavour& f) : f_(f) {}

    // A provider for the fake with `extra` settings on top and the keys in
    // `without` left out; a failure's message is kept for expect_no_secrets.
    made_provider make(const auth_settings& extra = {},
                       const std::vector<std::string>& without = {});
    // The error a provider with these settings fails to start with (a test
    // failure if it starts).
    std::string start_error(const auth_settings& extra,
                            const std::vector<std::string>& without = {});

    result<user_identity> complete(auth_provider& p, const authorization_response& r);
    // The whole flow as `login`: browser to the fake and back, then complete().
    result<user_identity> sign_in(auth_provider& p, std::string_view login);

    // What the fake received, and those of it for one path.
    boost::json::array requests() const;
    std::vector<boost::json::object> requests_to(std::string_view path) const;

    // Neither the plugin's log nor any error message seen contains the
    // client secret, a code, a verifier or an access token: every one the
    // fake received.
    void expect_no_secrets();

protected:
    const auth_flavour& f_;
    fake_oauth fake_;
    test_host host_;
    std::vector<std::string> messages_;
    const std::string redirect_ = std::string(test_redirect_uri);
};

}  // namespace warren::test
