// The dashboard plugin on the real gateway: its JSON API over the core's
// gateway_admin, with real sign-ins (auth-github against the fake provider),
// the real client connecting with keys the API issues, and the rules the
// core applies whoever asks: 401 signed out, 403 for non-admins on admin
// routes, 404 for another user's tunnel, limits, CSRF, and the effects on
// live sessions of rotating, revoking and disabling.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "fake_oauth.hpp"
#include "harness.hpp"
#include "web_browser.hpp"

namespace warren::test {
namespace {

namespace json = boost::json;
constexpr const char* secret_env = "WARREN_TEST_GITHUB_SECRET";

std::string config(const fake_oauth& fake, const std::string& extra = "") {
  ::setenv(secret_env, fake.client_secret().c_str(), 1);
  return "[dashboard]\nplugin = \"dashboard\"\n[[auth]]\nplugin = \"auth-github\"\nclient_id = \"" +
         fake.client_id() + "\"\nclient_secret_env = \"" + secret_env + "\"\nbase_url = \"" + fake.github_base() +
         "\"\napi_url = \"" + fake.github_api() + "\"\nadmins = [\"alice\"]\n" + extra;
}

// A signed-in browser with its CSRF token, calling the API.
struct user_agent {
  web_browser browser;
  std::string csrf;
  std::string base;

  curl_result call(const std::string& method, const std::string& path, const std::string& body = {}) const {
    return browser.send(method, base + path, body, {"X-CSRF-Token: " + csrf});
  }
  json::value json_of(const std::string& method, const std::string& path, long expect,
                      const std::string& body = {}) const {
    const auto r = call(method, path, body);
    EXPECT_EQ(r.status, expect) << method << " " << path << ": " << r.body;
    return r.body.empty() ? json::value() : json::parse(r.body);
  }
};

user_agent sign_in(const gateway_process& gw, const fake_oauth& fake, const std::string& login) {
  user_agent u;
  u.base = gw.url();
  const auto r = u.browser.sign_in(gw, fake, login);
  EXPECT_EQ(r.status, 302) << r.body;
  const auto me = u.browser.get(gw.url() + "/api/me");
  EXPECT_EQ(me.status, 200) << me.body;
  u.csrf = json::value_to<std::string>(json::parse(me.body).at("csrf_token"));
  return u;
}

std::optional<json::object> tunnel_in(const json::value& list, const std::string& name) {
  for (const auto& t : list.as_array())
    if (t.at("name").as_string() == name) return t.as_object();
  return std::nullopt;
}

TEST(dashboard_api, signed_out_callers_get_401_and_pages_send_them_to_login) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  for (const char* path : {"/api/me", "/api/tunnels", "/api/users", "/api/audit", "/api/live"})
    EXPECT_EQ(run_curl({gw.url() + path}).status, 401) << path;
  const auto home = run_curl({"-H", "Cookie: warren_session=forged.cookie.value", gw.url() + "/"});
  EXPECT_EQ(home.status, 302);
  EXPECT_EQ(location_of(home), "/login");
  const auto login = run_curl({gw.url() + "/login"});
  EXPECT_EQ(login.status, 200);
  EXPECT_NE(login.body.find("data-provider=\"github\""), std::string::npos);
  for (const char* h : {"content-security-policy", "x-frame-options", "referrer-policy"})
    EXPECT_EQ(header_values(login.headers, h).size(), 1u) << h;
  EXPECT_EQ(header_values(login.headers, "x-frame-options"), std::vector<std::string>{"DENY"});
}

TEST(dashboard_api, users_manage_their_own_tunnels_and_keys_work_with_the_real_client) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake, "[tunnels]\nmax_tunnels_per_user = 2\nfirst_login_tunnel = false\n"));
  auto origin = start_origin();
  const auto bob = sign_in(gw, fake, "bob");
  const auto me = bob.json_of("GET", "/api/me", 200);
  EXPECT_EQ(me.at("user").at("username").as_string(), "bob");
  EXPECT_FALSE(me.at("user").at("admin").as_bool());

  // Create: the key is in the answer, once.
  const auto made = bob.json_of("POST", "/api/tunnels", 201, R"({"name":"bobs-hooks"})");
  const std::string key = json::value_to<std::string>(made.at("key").at("key"));
  ASSERT_TRUE(key.starts_with("wk_"));
  EXPECT_NE(json::value_to<std::string>(made.at("key").at("connect_command")).find("--token " + key),
            std::string::npos);
  auto client = start_client(gw.port, origin.port, {"--token", key});
  EXPECT_EQ(client.name, "bobs-hooks");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run_curl({client.url + "/status/200"}).status, 200);
  ASSERT_TRUE(wait_until([&] {
    const auto t = tunnel_in(bob.json_of("GET", "/api/tunnels", 200), "bobs-hooks");
    return t && t->at("connected").as_bool() && t->at("today").at("requests").as_int64() == 3;
  }, 5s));
  EXPECT_EQ(bob.browser.get(gw.url() + "/api/tunnels").body.find(key), std::string::npos);  // never shown again

  // Rotate: the old session ends at once (not at the next sync), the old key is refused.
  const auto rotated = bob.json_of("POST", "/api/tunnels/bobs-hooks/key", 200);
  const std::string new_key = json::value_to<std::string>(rotated.at("key"));
  EXPECT_NE(new_key, key);
  EXPECT_TRUE(client.proc.wait(3s).has_value()) << "the client with the rotated key should stop";
  EXPECT_EQ(connect_with_key(gw, key).status, 401);
  auto second = start_client(gw.port, origin.port, {"--token", new_key});
  EXPECT_EQ(run_curl({second.url + "/status/200"}).status, 200);

  // Revoke and delete.
  EXPECT_EQ(bob.call("DELETE", "/api/tunnels/bobs-hooks/key").status, 204);
  EXPECT_TRUE(second.proc.wait(3s).has_value());
  EXPECT_EQ(connect_with_key(gw, new_key).status, 401);
  EXPECT_EQ(bob.call("DELETE", "/api/tunnels/bobs-hooks").status, 204);
  EXPECT_EQ(run_curl({gw.tunnel_url("bobs-hooks") + "/"}).status, 404);

  // The limit for non-admins, named in the refusal.
  EXPECT_EQ(bob.call("POST", "/api/tunnels", R"({"name":"one"})").status, 201);
  EXPECT_EQ(bob.call("POST", "/api/tunnels", R"({"name":"one"})").status, 409);
  EXPECT_EQ(bob.call("POST", "/api/tunnels", R"({})").status, 201);  // a random readable name
  const auto third = bob.call("POST", "/api/tunnels", R"({"name":"three"})");
  EXPECT_EQ(third.status, 403);
  EXPECT_NE(third.body.find("max_tunnels_per_user"), std::string::npos);
  EXPECT_EQ(bob.call("POST", "/api/tunnels", R"({"name":"Bad_Name"})").status, 400);
  EXPECT_EQ(bob.call("POST", "/api/tunnels", "{not json").status, 400);

  // The audit log has it all, with bob and his IP.
  const auto audit = run_gateway_admin(gw.config_file, {"audit", "--user", "bob"});
  for (const char* e : {"tunnel_created", "key_issued", "key_revoked", "tunnel_deleted"})
    EXPECT_NE(audit.stdout_text.find(e), std::string::npos) << e;
}

TEST(dashboard_api, non_admins_get_403_on_admin_routes_and_404_for_others_tunnels) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  const auto alice = sign_in(gw, fake, "alice");
  const auto bob = sign_in(gw, fake, "bob");
  const auto alices = alice.json_of("POST", "/api/tunnels", 201, R"({"name":"alices"})");
  (void)alices;

  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/users"}, {"GET", "/api/audit"}, {"GET", "/api/live"}, {"GET", "/api/tunnels?all=1"},
           {"POST", "/api/tokens"}, {"PATCH", "/api/users/1"}}) {
    const auto r = bob.call(method, path, method == "PATCH" ? R"({"admin":true})" : "");
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/api/tunnels/alices/key"}, {"DELETE", "/api/tunnels/alices/key"}, {"DELETE", "/api/tunnels/alices"}})
    EXPECT_EQ(bob.call(method, path).status, 404) << method << " " << path;
  EXPECT_EQ(bob.json_of("GET", "/api/tunnels", 200).as_array().size(), 1u);  // his first-login tunnel only

  // Alice (admin via `admins`) sees everything.
  EXPECT_EQ(alice.json_of("GET", "/api/users", 200).as_array().size(), 2u);
  EXPECT_GE(alice.json_of("GET", "/api/tunnels?all=1", 200).as_array().size(), 3u);
  EXPECT_FALSE(alice.json_of("GET", "/api/audit?event=login", 200).as_array().empty());
  EXPECT_EQ(alice.call("GET", "/api/audit?limit=0").status, 400);
  EXPECT_EQ(alice.call("GET", "/api/audit?since=yesterday").status, 400);

  // CSRF: the cookie alone does not make a state change.
  EXPECT_EQ(alice.browser.send("POST", gw.url() + "/api/tunnels", R"({"name":"x1"})").status, 403);
  EXPECT_EQ(alice.browser.send("POST", gw.url() + "/api/tunnels", R"({"name":"x2"})",
                               {"X-CSRF-Token: " + bob.csrf}).status, 403);
}

TEST(dashboard_api, disabling_a_user_stops_their_session_keys_and_live_tunnels_at_once) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  auto origin = start_origin();
  const auto alice = sign_in(gw, fake, "alice");
  const auto bob = sign_in(gw, fake, "bob");
  const auto made = bob.json_of("POST", "/api/tunnels", 201, R"({"name":"bobs"})");
  const std::string key = json::value_to<std::string>(made.at("key").at("key"));
  auto client = start_client(gw.port, origin.port, {"--token", key});

  std::int64_t bob_id = 0, alice_id = 0;
  const json::value users = alice.json_of("GET", "/api/users", 200);
  for (const auto& u : users.as_array()) {
    if (u.at("username").as_string() == "bob") bob_id = u.at("id").as_int64();
    if (u.at("username").as_string() == "alice") alice_id = u.at("id").as_int64();
  }
  ASSERT_NE(bob_id, 0);
  EXPECT_EQ(alice.call("PATCH", "/api/users/" + std::to_string(alice_id), R"({"disabled":true})").status, 400);

  const auto disabled = alice.json_of("PATCH", "/api/users/" + std::to_string(bob_id), 200, R"({"disabled":true})");
  EXPECT_TRUE(disabled.at("disabled").as_bool());
  EXPECT_EQ(bob.call("GET", "/api/me").status, 401);                              // session: gone
  EXPECT_TRUE(client.proc.wait(3s).has_value()) << "bob's live tunnel should end"; // live tunnel: gone
  const auto refused = connect_with_key(gw, key);                                  // key: refused
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("disabled"), std::string::npos);
  // Signing in again does not help.
  web_browser again;
  EXPECT_EQ(again.sign_in(gw, fake, "bob").status, 403);

  // Enabled again: everything works.
  alice.json_of("PATCH", "/api/users/" + std::to_string(bob_id), 200, R"({"disabled":false})");
  EXPECT_EQ(connect_with_key(gw, key).status, 101);
  EXPECT_EQ(sign_in(gw, fake, "bob").call("GET", "/api/me").status, 200);
}

TEST(dashboard_api, admin_api_tokens_work_for_scripts) {
  fake_oauth fake;
  temp_dir dir;
  auto gw = start_gateway(dir, config(fake));
  const auto alice = sign_in(gw, fake, "alice");
  const auto issued = alice.json_of("POST", "/api/tokens", 201, R"({"ttl":"1h"})");
  const std::string token = json::value_to<std::string>(issued.at("token"));
  const auto users = run_curl({"-H", "Authorization: Bearer " + token, gw.url() + "/api/users"});
  EXPECT_EQ(users.status, 200) << users.body;
  const auto made = run_curl({"-X", "POST", "-H", "Authorization: Bearer " + token, "-H",
                              "Content-Type: application/json", "--data-binary", R"({"name":"scripted"})",
                              gw.url() + "/api/tunnels"});
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(run_curl({"-H", "Authorization: Bearer " + token + "x", gw.url() + "/api/users"}).status, 401);
  EXPECT_EQ(alice.call("POST", "/api/tokens", R"({"ttl":"1000d"})").status, 400);
}

}  // namespace
}  // namespace warren::test
