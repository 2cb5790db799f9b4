// [[request_log]] sinks behind the real gateway: the log-file plugin records
// what curl did through a real tunnel (and nothing secret), and a sink slower
// than the traffic loses records, counted, without slowing the traffic.
#include "harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace warren::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// A string field of a log line.
std::string field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "<missing " + std::string(key) + ">";
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string text_of(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The sum of every labelled series of `name` in /metrics (one per sink);
// nullopt when there is none.
std::optional<double> labelled_total(const gateway_process& gw, std::string_view name) {
  const auto r = run_curl({gw.url() + "/metrics"}, 10s);
  if (r.status != 200) return std::nullopt;
  std::optional<double> total;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(std::string(name) + "{")) continue;
    total = total.value_or(0) + std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return total;
}

struct expected_line {
  std::string method;
  std::string path;
  long status = 0;
  std::uint64_t bytes_in = 0;
  std::optional<std::uint64_t> bytes_out;  // unset for pages the gateway wrote itself
  std::string user_agent;
};

TEST(RequestLog, LogFileRecordsEachTunnelRequestWithoutSecrets) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[[request_log]]\n"
                               "plugin = \"log-file\"\n"
                               "path = \"requests.log\"\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const fs::path log = dir.path() / "requests.log";  // relative to gateway.toml
  const fs::path upload = dir.path() / "upload.bin";
  std::ofstream(upload) << std::string(5000, 'u');

  std::vector<expected_line> expected;
  {
    const auto r = run_curl({"-A", "log-test/1.0", "-H", "Authorization: Bearer auth-secret-1", "-H",
                             "Cookie: session=cookie-secret-2", cl.url + "/bytes/1234?token=query-secret-3"});
    ASSERT_EQ(r.status, 200) << r.stderr_text;
    expected.push_back({"GET", "/bytes/1234", 200, 0, r.body.size(), "log-test/1.0"});
    EXPECT_EQ(r.body.size(), 1234u);
  }
  {
    const auto r = run_curl({"-A", "log-test/1.0", "--data-binary", "@" + upload.string(),
                             cl.url + "/upload?sig=query-secret-4"});
    ASSERT_EQ(r.status, 200) << r.stderr_text;
    expected.push_back({"POST", "/upload", 200, 5000, r.body.size(), "log-test/1.0"});
  }
  {
    const auto r = run_curl({"-A", "log-test/1.0", cl.url + "/status/404"});
    ASSERT_EQ(r.status, 404) << r.stderr_text;
    expected.push_back({"GET", "/status/404", 404, 0, r.body.size(), "log-test/1.0"});
  }
  // Apex requests are the gateway's own, not a tunnel's: never logged.
  ASSERT_EQ(run_curl({gw.url() + "/_health"}).status, 200);
  {
    // The origin hangs up without answering: the gateway answers for the tunnel.
    const auto r = run_curl({"-A", "log-test/1.0", cl.url + "/close"});
    ASSERT_GE(r.status, 500) << r.stderr_text;
    expected.push_back({"GET", "/close", r.status, 0, std::nullopt, "log-test/1.0"});
  }

  // Records reach a sink in order: once the last is there, all are.
  ASSERT_TRUE(wait_until([&] { return lines_of(log).size() >= expected.size(); }, 20s))
      << "the log has " << lines_of(log).size() << " lines:\n" << text_of(log);
  const auto lines = lines_of(log);
  ASSERT_EQ(lines.size(), expected.size()) << text_of(log);
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    const auto& want = expected[i];
    const json::object o = json::parse(lines[i]).as_object();
    EXPECT_TRUE(std::regex_match(std::string(o.at("time").as_string()), rfc3339));
    EXPECT_EQ(field(o, "tunnel"), cl.name);
    EXPECT_EQ(field(o, "method"), want.method);
    EXPECT_EQ(field(o, "path"), want.path);
    EXPECT_EQ(field(o, "host"), cl.name + ".localhost:" + std::to_string(gw.port));
    EXPECT_EQ(o.at("status").to_number<long>(), want.status);
    EXPECT_EQ(o.at("bytes_in").to_number<std::uint64_t>(), want.bytes_in);
    if (want.bytes_out) {
      EXPECT_EQ(o.at("bytes_out").to_number<std::uint64_t>(), *want.bytes_out);
    }
    EXPECT_GE(o.at("duration_ms").to_number<double>(), 0.0);
    EXPECT_EQ(field(o, "client_ip"), "127.0.0.1");
    EXPECT_EQ(field(o, "user_agent"), want.user_agent);
  }
  const std::string all = text_of(log);
  EXPECT_EQ(all.find("secret"), std::string::npos) << all;
  EXPECT_EQ(all.find('?'), std::string::npos) << all;
}

TEST(RequestLog, RequestsForOfflineAndUnknownTunnelsAreLogged) {
  temp_dir dir;
  auto gw = start_gateway(dir, "[[request_log]]\nplugin = \"log-file\"\npath = \"requests.log\"\n");
  make_keyed_tunnel(gw, "hooks");
  // A webhook to a keyed tunnel whose client is offline (503 once the
  // gateway has seen the tunnel), and one to a name nobody holds (404).
  ASSERT_TRUE(wait_until([&] { return run_curl({gw.tunnel_url("hooks") + "/push?sig=x"}).status == 503; }, 10s));
  ASSERT_EQ(run_curl({gw.tunnel_url("nobody") + "/"}).status, 404);
  const fs::path log = dir.path() / "requests.log";
  std::string text;
  ASSERT_TRUE(wait_until(
      [&] {
        text = text_of(log);
        return text.find("\"tunnel\":\"nobody\"") != std::string::npos;
      },
      10s))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\"tunnel\":\"hooks\".*\"path\":\"/push\".*\"status\":503)"))) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\"tunnel\":\"nobody\".*\"status\":404)"))) << text;
}

TEST(RequestLog, SlowSinkDropsAndCountsWithoutSlowingTraffic) {
  temp_dir dir;
  auto origin = start_origin();
  const fs::path plugin = (fs::path(bin_dir()) / ".." / "test-plugins" / "slow-sink.so").lexically_normal();
  ASSERT_TRUE(fs::exists(plugin)) << plugin << " (built by tests/request_log/)";
  auto gw = start_gateway(dir, "[[request_log]]\n"
                               "plugin = \"" + plugin.string() + "\"\n"
                               "queue = 4\n"
                               "delay = \"300ms\"\n"
                               "path = \"slow.log\"\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const std::string host = cl.name + ".localhost:" + std::to_string(gw.port);

  // A sink that writes 4 records per 300 ms cannot keep up with 200 requests;
  // were the proxy waiting for it, there would be no drops, only slowness.
  constexpr int requests = 200;
  const auto started = std::chrono::steady_clock::now();
  const auto statuses = concurrent_requests(host, gw.port, "/bytes/100?token=x", requests, 4, 60s);
  std::cout << requests << " requests took " << seconds_since(started) << " s\n";
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), requests);

  const auto dropped_now = labelled_total(gw, "warren_request_log_dropped_total");
  ASSERT_TRUE(dropped_now) << "no warren_request_log_dropped_total{sink=...} in /metrics";
  EXPECT_GT(*dropped_now, 0);

  // What was still queued gets written; then every record is accounted for.
  std::optional<double> written;
  std::optional<double> dropped;
  const bool settled = wait_until([&] {
    written = labelled_total(gw, "warren_request_log_records_total");
    dropped = labelled_total(gw, "warren_request_log_dropped_total");
    return written && dropped && *written + *dropped == requests;
  }, 30s, 200ms);
  EXPECT_TRUE(settled) << "written " << written.value_or(-1) << " + dropped " << dropped.value_or(-1)
                       << " != " << requests;
  EXPECT_EQ(static_cast<double>(lines_of(dir.path() / "slow.log").size()), written.value_or(-1));
}

}  // namespace
}  // namespace warren::test
