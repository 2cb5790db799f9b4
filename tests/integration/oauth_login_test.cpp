// The browser side of OAuth sign-in, run by the core for every [[auth]]
// provider: auth-github against the fake provider, with curl and a cookie
// jar as the browser and the echo-app dashboard fixture showing who is
// signed in. State (single use, bound to the browser), PKCE (the fake checks
// S256), the return path, refusals with clear pages, first-login tunnels.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "fake_oauth.hpp"
#include "harness.hpp"
#include "web_browser.hpp"

namespace warren::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* secret_env = "WARREN_TEST_GITHUB_SECRET";

std::string config(const fake_oauth& fake, const std::string& extra_auth = "") {
  ::setenv(secret_env, fake.client_secret().c_str(), 1);
  const fs::path plugin = (fs::path(bin_dir()) / ".." / "test-plugins" / "echo-app.so").lexically_normal();
  return "[dashboard]\nplugin = \"" + plugin.string() + "\"\n" +
         "[[auth]]\nplugin = \"auth-github\"\nclient_id = \"" + fake.client_id() + "\"\nclient_secret_env = \"" +
         secret_env + "\"\nbase_url = \"" + fake.github_base() + "\"\napi_url = \"" + fake.github_api() +
         "\"\nadmins = [\"alice\"]\n" + extra_auth;
}

using browser = web_browser;

std::string start(const browser& b, const gateway_process& gw, const std::string& query = "") {
  const std::string url = b.start_sign_in(gw, query);
  EXPECT_FALSE(url.empty());
  return url;
}

curl_result sign_in(const browser& b, const gateway_process& gw, const fake_oauth& fake, const std::string& login,
                    const std::string& query = "") {
  return b.sign_in(gw, fake, login, query);
}

std::string user_seen(const browser& b, const gateway_process& gw) {
  const auto r = b.get(gw.url() + "/echo/who");
  const auto o = boost::json::parse(r.body).as_object();
  return o.at("user").is_null() ? "" : std::string(o.at("user").as_string());
}

TEST(oauth_login, signs_in_with_state_and_pkce_and_creates_the_user_and_a_first_tunnel) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  browser b;
  const std::string auth = start(b, gw, "?return=/echo/after");
  EXPECT_TRUE(auth.starts_with(fake.github_base() + "/login/oauth/authorize?")) << auth;
  EXPECT_NE(auth.find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(auth.find("redirect_uri=" "http%3A%2F%2Flocalhost%3A" + std::to_string(gw.port) + "%2Flogin%2Fgithub%2Fcallback"),
            std::string::npos)
      << auth;
  EXPECT_NE(b.cookies().find("warren_login"), std::string::npos);

  const auto done = b.get(fake.sign_in(auth, "alice"));
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(location_of(done), "/echo/after");
  EXPECT_EQ(user_seen(b, gw), "alice");
  // The login cookie is spent; the session cookie is host-only HttpOnly Lax.
  const auto set = header_values(done.headers, "set-cookie");
  ASSERT_EQ(set.size(), 2u);
  EXPECT_TRUE(set[0].starts_with("warren_session=") && set[0].find("Domain") == std::string::npos) << set[0];
  EXPECT_TRUE(set[1].starts_with("warren_login=;") && set[1].find("Max-Age=0") != std::string::npos) << set[1];

  const auto users = run_gateway_admin(gw.config_file, {"users", "list"});
  EXPECT_TRUE(std::regex_search(users.stdout_text, std::regex(R"(alice\s+github\s+yes)"))) << users.stdout_text;
  const auto tunnels = run_gateway_admin(gw.config_file, {"tunnels", "list"});
  EXPECT_EQ(std::count(tunnels.stdout_text.begin(), tunnels.stdout_text.end(), '\n'), 2) << tunnels.stdout_text;
  EXPECT_NE(tunnels.stdout_text.find("alice"), std::string::npos);

  // Signing in again: same user, no second tunnel; bob is no admin.
  browser again;
  EXPECT_EQ(sign_in(again, gw, fake, "alice").status, 302);
  EXPECT_EQ(run_gateway_admin(gw.config_file, {"tunnels", "list"}).stdout_text, tunnels.stdout_text);
  browser bob;
  EXPECT_EQ(sign_in(bob, gw, fake, "bob").status, 302);
  EXPECT_TRUE(std::regex_search(run_gateway_admin(gw.config_file, {"users", "list"}).stdout_text,
                                std::regex(R"(bob\s+github\s+no)")));
  const auto audit = run_gateway_admin(gw.config_file, {"audit", "--event", "login"});
  EXPECT_NE(audit.stdout_text.find("via github"), std::string::npos);

  // Renamed at GitHub: the same user (same id), not a new one with a new tunnel.
  fake.set_users(R"([{"login": "alice-renamed", "id": 1001, "name": "Alice", "email": "a@example.com",
                      "avatar_url": "", "orgs": ["acme"], "groups": []}])");
  browser renamed;
  EXPECT_EQ(sign_in(renamed, gw, fake, "alice-renamed").status, 302);
  const auto still = run_gateway_admin(gw.config_file, {"tunnels", "list"}).stdout_text;
  EXPECT_EQ(std::count(still.begin(), still.end(), '\n'), 3) << still;  // hers (now under her new name) and bob's
  EXPECT_NE(still.find("alice-renamed"), std::string::npos);
  const auto after = run_gateway_admin(gw.config_file, {"users", "list"}).stdout_text;
  EXPECT_NE(after.find("alice-renamed"), std::string::npos);
  EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), 3) << after;  // header, alice-renamed, bob
}

TEST(oauth_login, return_path_never_leaves_the_gateway) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  for (const std::string bad : {"//evil.example/x", "https://evil.example", "/%5Cevil.example", "/login/github"}) {
    browser b;
    const auto r = sign_in(b, gw, fake, "alice", "?return=" + bad);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(location_of(r), "/") << bad;
  }
}

TEST(oauth_login, state_is_single_use_and_bound_to_the_browser) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  const std::string callback = gw.url() + "/login/github/callback";

  browser b;
  const auto missing = b.get(callback + "?code=abc");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("no state"), std::string::npos);
  const auto unknown = b.get(callback + "?code=abc&state=" + std::string(43, 'x'));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("expired or was already used"), std::string::npos);

  // Replayed: the same answer from the provider a second time.
  const std::string back = fake.sign_in(start(b, gw), "alice");
  EXPECT_EQ(b.get(back).status, 302);
  browser replay;  // even from a fresh browser
  EXPECT_EQ(replay.get(back).status, 400);
  EXPECT_EQ(b.get(back).status, 400);

  // Finished in another browser (a login CSRF, or a stolen redirect): refused,
  // and the state is gone for the first browser too.
  browser victim, attacker;
  const std::string stolen = fake.sign_in(start(victim, gw), "bob");
  const auto other = attacker.get(stolen);
  EXPECT_EQ(other.status, 400);
  EXPECT_NE(other.body.find("another browser"), std::string::npos);
  EXPECT_EQ(user_seen(attacker, gw), "");
  EXPECT_EQ(victim.get(stolen).status, 400);
  EXPECT_EQ(user_seen(victim, gw), "");

  const auto audit = run_gateway_admin(gw.config_file, {"audit", "--event", "login_refused"});
  EXPECT_NE(audit.stdout_text.find("missing state"), std::string::npos);
  EXPECT_NE(audit.stdout_text.find("not bound to this browser"), std::string::npos);
}

TEST(oauth_login, refusals_get_clear_pages) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake, "allowed_orgs = [\"acme\"]\n"));

  browser outsider;
  const auto refused = sign_in(outsider, gw, fake, "bob");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("<h1>Not allowed</h1>"), std::string::npos);
  EXPECT_NE(refused.body.find("bob"), std::string::npos);
  EXPECT_NE(refused.body.find("acme"), std::string::npos);
  EXPECT_EQ(header_values(refused.headers, "x-frame-options"), std::vector<std::string>{"DENY"});
  EXPECT_EQ(user_seen(outsider, gw), "");

  browser member;
  EXPECT_EQ(sign_in(member, gw, fake, "alice").status, 302);
  EXPECT_EQ(user_seen(member, gw), "alice");

  // Cancelled at the provider.
  browser cancel;
  const auto denied_at_provider = run_curl({start(cancel, gw) + "&deny=1"});
  ASSERT_EQ(denied_at_provider.status, 302);
  const auto cancelled = cancel.get(location_of(denied_at_provider));
  EXPECT_EQ(cancelled.status, 403);
  EXPECT_NE(cancelled.body.find("access_denied"), std::string::npos);

  // The provider is down while exchanging the code.
  browser unlucky;
  const std::string back = fake.sign_in(start(unlucky, gw), "alice");
  fake.fail_next(502, 1);
  const auto down = unlucky.get(back);
  EXPECT_EQ(down.status, 502);
  EXPECT_NE(down.body.find("cannot be reached"), std::string::npos);

  // Nothing secret in the gateway's log.
  EXPECT_EQ(gw.proc.output().find(fake.client_secret()), std::string::npos);
  EXPECT_EQ(gw.proc.output().find("code="), std::string::npos);
}

TEST(oauth_login, no_first_tunnel_when_disabled) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake) + "[tunnels]\nfirst_login_tunnel = false\n");
  browser b;
  EXPECT_EQ(sign_in(b, gw, fake, "alice").status, 302);
  const auto tunnels = run_gateway_admin(gw.config_file, {"tunnels", "list"});
  EXPECT_EQ(tunnels.stdout_text.find("alice"), std::string::npos) << tunnels.stdout_text;
}

}  // namespace
}  // namespace warren::test
