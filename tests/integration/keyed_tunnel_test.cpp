// Keyed tunnels end to end: the admin CLI makes a tunnel and its key, the
// real client connects with it, and the gateway checks it against the real
// SQLite store; wrong, revoked and rotated keys, replacement, required keys,
// offline and deleted tunnels, per-user limits, the audit log, and keys
// never showing up in logs.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace warren::test {
namespace {

// Runs an admin command that must succeed; returns its stdout.
std::string admin(const gateway_process& gw, std::vector<std::string> args) {
  const auto r = run_gateway_admin(gw.config_file, args);
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  return r.stdout_text;
}

// The client, run to its exit (it stops on 401/403).
command_result run_client_to_exit(const gateway_process& gw, const origin_process& origin,
                                  std::vector<std::string> extra) {
  std::vector<std::string> argv{bin_path("warren"), "http", origin.url(), "--server", gw.url()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_command(argv, 20s);
}

TEST(keyed_tunnels, a_key_opens_its_tunnel_by_name) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  EXPECT_NE(admin(gw, {"tunnels", "create", "myapp"}).find("created tunnel myapp"), std::string::npos);
  const std::string key = issue_api_key(gw, "myapp");

  auto client = start_client(gw.port, origin.port, {"--token", key});
  EXPECT_EQ(client.name, "myapp");
  const auto r = run_curl({client.url + "/echo?x=1"});
  EXPECT_EQ(r.status, 200) << r.stderr_text;

  const std::string list = admin(gw, {"tunnels", "list"});
  EXPECT_NE(list.find(key.substr(0, 11)), std::string::npos) << list;
  EXPECT_EQ(list.find(key), std::string::npos) << "the list shows the prefix only";

  // The key itself appears nowhere but in the output of `keys issue`.
  EXPECT_EQ(gw.proc.output().find(key), std::string::npos);
  EXPECT_EQ(client.proc.output().find(key), std::string::npos);
}

TEST(keyed_tunnels, reserved_and_invalid_names_are_refused) {
  temp_dir dir;
  auto gw = start_gateway(dir);
  const auto reserved = run_gateway_admin(gw.config_file, {"tunnels", "create", "api"});
  EXPECT_EQ(reserved.exit_code, 1);
  EXPECT_NE(reserved.stderr_text.find("reserved"), std::string::npos) << reserved.stderr_text;
  const auto invalid = run_gateway_admin(gw.config_file, {"tunnels", "create", "Not_A_Label"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.stderr_text.find("invalid tunnel name"), std::string::npos) << invalid.stderr_text;
  admin(gw, {"tunnels", "create", "twice"});
  const auto again = run_gateway_admin(gw.config_file, {"tunnels", "create", "twice"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.stderr_text.find("already exists"), std::string::npos) << again.stderr_text;
  const auto usage = run_gateway_admin(gw.config_file, {"tunnels", "create"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.stderr_text.find("usage: warren-gateway tunnels create NAME"), std::string::npos);
  const auto missing = run_gateway_admin(gw.config_file, {"keys", "issue", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.stderr_text.find("no tunnel named \"nope\""), std::string::npos) << missing.stderr_text;
}

TEST(keyed_tunnels, wrong_revoked_and_rotated_keys) {
  temp_dir dir;
  auto gw = start_gateway(dir);
  admin(gw, {"tunnels", "create", "hooks"});
  const std::string first = issue_api_key(gw, "hooks");

  auto wrong = connect_with_key(gw, "wk_" + std::string(43, 'A'));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("unknown or revoked API key"), std::string::npos) << wrong.body;
  auto malformed = connect_with_key(gw, "not-a-key");
  EXPECT_EQ(malformed.status, 401);

  // Rotation: the new key works, the old one no longer does.
  const std::string second = issue_api_key(gw, "hooks");
  EXPECT_EQ(connect_with_key(gw, first).status, 401);
  EXPECT_EQ(connect_with_key(gw, second).status, 101);

  // Revocation.
  EXPECT_NE(admin(gw, {"keys", "revoke", "hooks"}).find(second.substr(0, 11)), std::string::npos);
  EXPECT_EQ(connect_with_key(gw, second).status, 401);
  const auto again = run_gateway_admin(gw.config_file, {"keys", "revoke", "hooks"});
  EXPECT_EQ(again.exit_code, 1);

  for (const auto& k : {first, second}) EXPECT_EQ(gw.proc.output().find(k), std::string::npos);
}

TEST(keyed_tunnels, the_client_prints_why_its_key_was_refused_and_stops) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const auto r = run_client_to_exit(gw, origin, {"--token", "wk_" + std::string(43, 'B')});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.stdout_text + r.stderr_text).find("unknown or revoked API key (401)"), std::string::npos)
      << r.stdout_text << r.stderr_text;
}

TEST(keyed_tunnels, connecting_again_with_the_same_key_replaces_the_earlier_session) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const std::string key = make_keyed_tunnel(gw, "solo");
  auto a = start_client(gw.port, origin.port, {"--token", key});
  auto b = start_client(gw.port, origin.port, {"--token", key});
  EXPECT_EQ(b.name, "solo");
  ASSERT_TRUE(a.proc.wait_for_output(std::regex("replaced by a newer connection; stopping"), 10s));
  EXPECT_TRUE(a.proc.wait(10s).has_value()) << "the replaced client stops instead of fighting back";
  EXPECT_EQ(run_curl({b.url + "/echo"}).status, 200);
}

TEST(keyed_tunnels, keys_are_mandatory_when_anonymous_tunnels_are_off) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nallow_anonymous = false\n");
  const auto r = run_client_to_exit(gw, origin, {});
  EXPECT_NE((r.stdout_text + r.stderr_text).find("requires an API key"), std::string::npos)
      << r.stdout_text << r.stderr_text;
  auto client = start_client(gw.port, origin.port, {"--token", make_keyed_tunnel(gw, "only")});
  EXPECT_EQ(run_curl({client.url + "/echo"}).status, 200);
}

TEST(keyed_tunnels, an_offline_keyed_tunnel_answers_503_and_a_deleted_one_404) {
  temp_dir dir;
  auto gw = start_gateway(dir);
  admin(gw, {"tunnels", "create", "later"});
  // The gateway learns about tunnels made by the CLI within its sync interval.
  EXPECT_TRUE(wait_until([&] { return run_curl({gw.tunnel_url("later") + "/"}).status == 503; }, 10s));
  const auto r = run_curl({gw.tunnel_url("later") + "/"});
  EXPECT_FALSE(header_values(r.headers, "retry-after").empty());

  // Anonymous clients cannot take a keyed name.
  auto origin = start_origin();
  const auto anon = run_client_to_exit(gw, origin, {"--name", "later"});
  EXPECT_NE((anon.stdout_text + anon.stderr_text).find("belongs to a keyed tunnel"), std::string::npos)
      << anon.stdout_text << anon.stderr_text;

  admin(gw, {"tunnels", "delete", "later"});
  EXPECT_TRUE(wait_until([&] { return run_curl({gw.tunnel_url("later") + "/"}).status == 404; }, 10s));
}

TEST(keyed_tunnels, revoking_the_key_disconnects_its_live_session) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  auto client = start_client(gw.port, origin.port, {"--token", make_keyed_tunnel(gw, "cut")});
  admin(gw, {"keys", "revoke", "cut"});
  EXPECT_TRUE(client.proc.wait_for_output(std::regex("its API key was revoked; stopping"), 15s));
}

TEST(keyed_tunnels, per_user_tunnel_limits_spare_admins) {
  temp_dir dir;
  auto gw = start_gateway(dir, "[tunnels]\nmax_tunnels_per_user = 1\n");
  admin(gw, {"users", "create", "bob"});
  admin(gw, {"users", "create", "root", "--admin"});
  admin(gw, {"tunnels", "create", "bob-one", "--user", "bob"});
  const auto over = run_gateway_admin(gw.config_file, {"tunnels", "create", "bob-two", "--user", "bob"});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.stderr_text.find("max_tunnels_per_user = 1"), std::string::npos) << over.stderr_text;
  admin(gw, {"tunnels", "create", "root-one", "--user", "root"});
  admin(gw, {"tunnels", "create", "root-two", "--user", "root"});

  const auto nobody = run_gateway_admin(gw.config_file, {"tunnels", "create", "x", "--user", "nobody"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.stderr_text.find("no user \"nobody\""), std::string::npos) << nobody.stderr_text;

  const std::string users = admin(gw, {"users", "list"});
  EXPECT_TRUE(std::regex_search(users, std::regex(R"(root\s+local\s+yes)"))) << users;
  const std::string tunnels = admin(gw, {"tunnels", "list"});
  EXPECT_TRUE(std::regex_search(tunnels, std::regex(R"(bob-one\s+bob)"))) << tunnels;
}

TEST(keyed_tunnels, the_audit_log_records_every_change_and_connect) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const std::string key = make_keyed_tunnel(gw, "audited");
  {
    auto client = start_client(gw.port, origin.port, {"--token", key});
    client.proc.stop();
  }
  EXPECT_EQ(connect_with_key(gw, "wk_" + std::string(43, 'C')).status, 401);
  admin(gw, {"keys", "revoke", "audited"});
  admin(gw, {"tunnels", "delete", "audited"});

  std::string log;
  // Connect and disconnect rows are written off the network threads: poll.
  EXPECT_TRUE(wait_until(
      [&] {
        log = admin(gw, {"audit", "--since", "1h"});
        return log.find("disconnect") != std::string::npos;
      },
      10s))
      << log;
  for (const char* event : {"tunnel_created", "key_issued", "connect ", "disconnect", "connect_rejected",
                            "key_revoked", "tunnel_deleted"})
    EXPECT_NE(log.find(event), std::string::npos) << event << " missing from:\n" << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"(connect_rejected.*127\.0\.0\.1.*401\s+unknown or revoked)")))
      << log;
  EXPECT_NE(log.find(key.substr(0, 11)), std::string::npos);
  EXPECT_EQ(log.find(key), std::string::npos);

  const std::string only = admin(gw, {"audit", "--event", "key_issued"});
  EXPECT_EQ(only.find("tunnel_created"), std::string::npos) << only;
  const auto bad = run_gateway_admin(gw.config_file, {"audit", "--since", "yesterday"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.stderr_text.find("--since"), std::string::npos);
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

TEST(keyed_tunnels, keys_issue_prints_the_server_a_client_needs) {
  temp_dir dir;
  const auto config = dir.path() / "gateway.toml";
  std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:9000\"\ndomain = \"tunnels.example.com\"\n"
                           "[store]\nplugin = \"store-sqlite\"\n";
  ASSERT_EQ(run_gateway_admin(config, {"tunnels", "create", "far"}).exit_code, 0);
  const auto issued = run_gateway_admin(config, {"keys", "issue", "far"});
  EXPECT_EQ(issued.exit_code, 0) << issued.stderr_text;
  EXPECT_TRUE(std::regex_search(issued.stdout_text,
                                std::regex(R"(warren http 3000 --server http://tunnels\.example\.com:9000 --token wk_)")))
      << issued.stdout_text;
}

}  // namespace
}  // namespace warren::test
