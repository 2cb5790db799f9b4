// Sessions on the apex, checked through the echo-app dashboard fixture
// (which shows who the host says is signed in): the setup link, cookie
// attributes, forged and expired cookies, CSRF and Origin checks, sign-out,
// admin API tokens, the live event stream, and the cookies tunnels may set.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "auth/jwt.hpp"
#include "harness.hpp"
#include "util/secrets.hpp"

namespace warren::test {
namespace {

namespace fs = std::filesystem;

// The gateway reads its signing secret from here ([sessions] secret_env), so
// the tests can compute CSRF tokens and sign cookies of their own.
constexpr const char* secret_env = "WARREN_TEST_SESSION_SECRET";
constexpr const char* secret = "sessions-test-secret-0123456789-abcdefghij";

std::string config() {
  ::setenv(secret_env, secret, 1);
  const fs::path plugin = (fs::path(bin_dir()) / ".." / "test-plugins" / "echo-app.so").lexically_normal();
  return "[dashboard]\nplugin = \"" + plugin.string() + "\"\n[sessions]\nsecret_env = \"" + secret_env + "\"\n";
}

std::string first_match(const std::string& text, const std::string& re) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(re))) return {};
  return m[1];
}

// `setup-link` through the CLI: the token it prints.
std::string setup_token(const gateway_process& gw) {
  const auto r = run_gateway_admin(gw.config_file, {"setup-link"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  return first_match(r.stdout_text, R"(/login/setup\?token=([A-Za-z0-9_-]+))");
}

// Follows a fresh setup link: the session cookie's value.
std::string sign_in(const gateway_process& gw) {
  const auto r = run_curl({gw.url() + "/login/setup?token=" + setup_token(gw)});
  EXPECT_EQ(r.status, 302) << r.body;
  return first_match(r.headers, "warren_session=([^;\\s]+)");
}

std::string csrf_of(const std::string& cookie) {
  const auto a = cookie.find('.'), b = cookie.find('.', a + 1);
  const auto payload = boost::json::parse(*base64url_decode(cookie.substr(a + 1, b - a - 1))).as_object();
  return base64url_encode(hmac_sha256(secret, "csrf|" + std::string(payload.at("sid").as_string())));
}

// Who the echo app was told is signed in ("" for nobody).
std::string user_seen(const curl_result& r) {
  const auto o = boost::json::parse(r.body).as_object();
  return o.at("user").is_null() ? "" : std::string(o.at("user").as_string());
}

curl_result echo(const gateway_process& gw, const std::string& cookie, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"-H", "Cookie: warren_session=" + cookie};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(gw.url() + "/echo/x");
  return run_curl(args);
}

TEST(sessions, setup_link_signs_in_once_as_the_local_admin) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  // Not on a terminal: the gateway says how to get a link, and prints none.
  EXPECT_NE(gw.proc.output().find("setup-link"), std::string::npos);
  EXPECT_EQ(gw.proc.output().find("token="), std::string::npos);

  const std::string token = setup_token(gw);
  ASSERT_EQ(token.size(), 43u);
  const auto r = run_curl({gw.url() + "/login/setup?token=" + token});
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(header_values(r.headers, "location"), std::vector<std::string>{"/"});
  const auto set = header_values(r.headers, "set-cookie");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_NE(set[0].find("HttpOnly"), std::string::npos);
  EXPECT_NE(set[0].find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(set[0].find("Path=/"), std::string::npos);
  EXPECT_EQ(set[0].find("Domain"), std::string::npos);  // host-only: tunnels never get it
  EXPECT_EQ(set[0].find("Secure"), std::string::npos);  // plain HTTP here
  const std::string cookie = first_match(r.headers, "warren_session=([^;\\s]+)");

  const auto seen = echo(gw, cookie);
  EXPECT_EQ(user_seen(seen), "admin");
  EXPECT_TRUE(boost::json::parse(seen.body).at("admin").as_bool());

  // Single use.
  const auto again = run_curl({gw.url() + "/login/setup?token=" + token});
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.body.find("setup-link"), std::string::npos);
  EXPECT_EQ(run_curl({gw.url() + "/login/setup?token=" + std::string(43, 'A')}).status, 401);
  EXPECT_EQ(run_curl({gw.url() + "/login/setup"}).status, 401);

  // Never in the gateway's log.
  EXPECT_EQ(gw.proc.output().find(token), std::string::npos);
}

TEST(sessions, cookies_are_secure_over_tls) {
  temp_dir dir;
  const auto cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
  const auto made = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                 "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
  ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  auto gw = start_gateway(dir, config() + "[server]\ntls_cert = \"" + cert + "\"\ntls_key = \"" + key + "\"\n");
  ASSERT_EQ(gw.scheme, "https");
  const auto r = run_curl({"-k", gw.url() + "/login/setup?token=" + setup_token(gw)});
  ASSERT_EQ(r.status, 302) << r.body;
  const auto set = header_values(r.headers, "set-cookie");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_TRUE(set[0].ends_with("; Secure")) << set[0];
}

TEST(sessions, expired_setup_link_is_refused) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  const std::string token = "a-token-the-test-planted-in-the-store";
  const auto plant = [&](std::int64_t expires_ms) {
    const auto r = run_curl({"-X", "PUT", "--data-binary", sha256_hex(token) + ":" + std::to_string(expires_ms),
                             gw.url() + "/store/settings/setup_token"});
    ASSERT_EQ(r.status, 204) << r.body;
  };
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  plant(now_ms - 1000);
  EXPECT_EQ(run_curl({gw.url() + "/login/setup?token=" + token}).status, 401);
  plant(now_ms + 60'000);
  EXPECT_EQ(run_curl({gw.url() + "/login/setup?token=" + token}).status, 302);
}

TEST(sessions, setup_link_is_printed_on_a_terminal) {
  temp_dir dir;
  std::ofstream(dir.path() / "gateway.toml") << gateway_toml(config());
  // script(1) gives the gateway a terminal; its output reaches our log.
  const std::string command = bin_path("warren-gateway") + " --config " + (dir.path() / "gateway.toml").string();
  process gw({"script", "-qfec", command, "/dev/null"}, {}, {}, dir.path());
  const auto port = gw.wait_for_output(std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"), 20s);
  ASSERT_TRUE(port);
  const auto link = gw.wait_for_output(std::regex(R"((http://localhost:\d+)/login/setup\?token=([A-Za-z0-9_-]{43}))"), 10s);
  ASSERT_TRUE(link);
  const std::string url = "http://localhost:" + (*port)[1] + "/login/setup?token=" + (*link)[2];
  EXPECT_EQ((*link)[1], "http://localhost:" + (*port)[1]);
  EXPECT_EQ(run_curl({url}).status, 302);
  EXPECT_EQ(run_curl({url}).status, 401);
  gw.signal(SIGTERM);
  gw.wait(10s);
}

TEST(sessions, forged_expired_and_garbage_cookies_are_signed_out_and_cleared) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  const std::string good = sign_in(gw);
  ASSERT_EQ(user_seen(echo(gw, good)), "admin");

  const auto now = std::chrono::system_clock::now();
  const auto secs = [&](std::chrono::seconds d) {
    return std::chrono::duration_cast<std::chrono::seconds>((now + d).time_since_epoch()).count();
  };
  boost::json::object claims{{"sub", "1"}, {"typ", "session"}, {"sid", "s"}, {"iat", secs(-7200s)},
                             {"ims", secs(-7200s) * 1000}, {"exp", secs(-60s)}};
  const std::string expired = jwt::sign(claims, secret);
  claims["exp"] = secs(3600s);
  const std::string forged = jwt::sign(claims, "not-the-gateways-secret-at-all-0123456789");
  claims["typ"] = "api";  // an API token's claims in a cookie
  const std::string wrong_type = jwt::sign(claims, secret);

  for (const std::string& bad : {expired, forged, wrong_type, std::string("garbage"), good + "x"}) {
    const auto r = echo(gw, bad);
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(user_seen(r), "") << bad;
    const auto set = header_values(r.headers, "set-cookie");
    ASSERT_EQ(set.size(), 1u) << bad;
    EXPECT_NE(set[0].find("warren_session=;"), std::string::npos);
    EXPECT_NE(set[0].find("Max-Age=0"), std::string::npos);
  }
}

TEST(sessions, state_changing_requests_need_the_csrf_token_and_our_origin) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  const std::string cookie = sign_in(gw);
  const std::string token = csrf_of(cookie);

  EXPECT_EQ(echo(gw, cookie, {"-X", "POST"}).status, 403);
  EXPECT_EQ(echo(gw, cookie, {"-X", "DELETE", "-H", "X-CSRF-Token: wrong"}).status, 403);
  const auto ok = echo(gw, cookie, {"-X", "POST", "-H", "X-CSRF-Token: " + token});
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(user_seen(ok), "admin");
  EXPECT_EQ(echo(gw, cookie, {"-X", "POST", "-H", "X-CSRF-Token: " + token, "-H", "Origin: " + gw.url()}).status, 201);
  // A cross-site form or fetch: refused even if it somehow had the token.
  const auto cross = echo(gw, cookie, {"-X", "POST", "-H", "X-CSRF-Token: " + token, "-H", "Origin: http://evil.example"});
  EXPECT_EQ(cross.status, 403);
  EXPECT_NE(cross.body.find("cross-site"), std::string::npos);
  // Reads need no token.
  EXPECT_EQ(echo(gw, cookie).status, 201);
  // Another session's token does not fit this one.
  const std::string other = sign_in(gw);
  EXPECT_EQ(echo(gw, cookie, {"-X", "POST", "-H", "X-CSRF-Token: " + csrf_of(other)}).status, 403);
}

TEST(sessions, sign_out_ends_the_session) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  const std::string cookie = sign_in(gw);
  EXPECT_EQ(run_curl({"-X", "POST", "-H", "Cookie: warren_session=" + cookie, gw.url() + "/logout"}).status, 403);
  const auto out = run_curl({"-X", "POST", "-H", "Cookie: warren_session=" + cookie, "-H",
                             "X-CSRF-Token: " + csrf_of(cookie), gw.url() + "/logout"});
  EXPECT_EQ(out.status, 204);
  const auto set = header_values(out.headers, "set-cookie");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_NE(set[0].find("Max-Age=0"), std::string::npos);
  // The old cookie is dead even if a browser kept it; a new sign-in works.
  EXPECT_EQ(user_seen(echo(gw, cookie)), "");
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(user_seen(echo(gw, sign_in(gw))), "admin");
  EXPECT_EQ(run_curl({gw.url() + "/logout"}).status, 405);
}

TEST(sessions, admin_api_tokens_act_as_their_admin_without_csrf) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  ASSERT_EQ(run_gateway_admin(gw.config_file, {"users", "create", "root", "--admin"}).exit_code, 0);
  ASSERT_EQ(run_gateway_admin(gw.config_file, {"users", "create", "bob"}).exit_code, 0);
  const auto refused = run_gateway_admin(gw.config_file, {"api-tokens", "issue", "--user", "bob"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.stderr_text.find("not an admin"), std::string::npos);
  EXPECT_EQ(run_gateway_admin(gw.config_file, {"api-tokens", "issue"}).exit_code, 2);
  EXPECT_EQ(run_gateway_admin(gw.config_file, {"api-tokens", "issue", "--user", "root", "--ttl", "5s"}).exit_code, 2);

  const auto issued = run_gateway_admin(gw.config_file, {"api-tokens", "issue", "--user", "root", "--ttl", "1h"});
  ASSERT_EQ(issued.exit_code, 0) << issued.stderr_text;
  const std::string token = first_match(issued.stdout_text, R"((wat_[A-Za-z0-9_.-]+))");
  ASSERT_FALSE(token.empty()) << issued.stdout_text;

  const auto r = run_curl({"-X", "POST", "-H", "Authorization: Bearer " + token, gw.url() + "/echo/x"});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(user_seen(r), "root");
  EXPECT_TRUE(boost::json::parse(r.body).at("api_token").as_bool());

  for (const std::string& bad : {token + "x", std::string("wat_nope"), std::string("wk_abc"), token.substr(4)}) {
    const auto no = run_curl({"-H", "Authorization: Bearer " + bad, gw.url() + "/echo/x"});
    EXPECT_EQ(no.status, 401) << bad;
    EXPECT_EQ(header_values(no.headers, "www-authenticate"), std::vector<std::string>{"Bearer"});
    EXPECT_EQ(no.body.find(bad), std::string::npos);
  }
  // The audit log names who issued it, never the token.
  const auto audit = run_gateway_admin(gw.config_file, {"audit", "--event", "api_token_issued"});
  EXPECT_NE(audit.stdout_text.find("for root"), std::string::npos);
  EXPECT_EQ(audit.stdout_text.find(token), std::string::npos);
}

TEST(sessions, event_stream_needs_a_session_and_reports_tunnels_live) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  const std::string cookie = sign_in(gw);
  const std::string url = gw.url() + "/_warren/events";
  EXPECT_EQ(run_curl({url}).status, 401);
  EXPECT_EQ(run_curl({"-H", "Cookie: warren_session=" + cookie, "-H", "Origin: http://evil.example", url}).status, 403);

  process stream({"curl", "-sS", "-N", "-i", "-m", "20", "-H", "Cookie: warren_session=" + cookie, url});
  ASSERT_TRUE(stream.wait_for_output(std::regex("text/event-stream"), 10s));
  auto origin = start_origin();
  auto client = start_client(gw.port, origin.port);
  EXPECT_TRUE(stream.wait_for_output(std::regex("event: tunnels"), 10s));
  EXPECT_EQ(run_curl({client.url + "/status/200"}).status, 200);
  EXPECT_TRUE(stream.wait_for_output(std::regex("event: audit"), 10s));  // admins hear of audit rows
}

TEST(sessions, tunnels_cannot_set_cookies_for_the_apex_or_other_tunnels) {
  temp_dir dir;
  auto gw = start_gateway(dir, config());
  auto origin = start_origin();
  auto client = start_client(gw.port, origin.port);
  const std::string own = client.name + ".localhost";
  const auto r = run_curl({client.url + "/cookies?domains=localhost,.localhost,other.localhost,LOCALHOST," + own + ",." + own});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto set = header_values(r.headers, "set-cookie");
  const auto has = [&](const std::string& prefix) {
    return std::any_of(set.begin(), set.end(), [&](const std::string& c) { return c.starts_with(prefix); });
  };
  for (const char* kept : {"a=1", "b=2", "c=3", "d4=4", "d5=5"}) EXPECT_TRUE(has(kept)) << kept;
  for (const char* dropped : {"d0=", "d1=", "d2=", "d3="}) EXPECT_FALSE(has(dropped)) << dropped;
}

}  // namespace
}  // namespace warren::test
