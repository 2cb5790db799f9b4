// The [dashboard] slot: an HTTP app plugin gets the apex requests whose paths
// it claims, whole, and answers them from the blocking pool; the core keeps
// its own pages and everything the app does not claim.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness.hpp"

namespace warren::test {
namespace {

namespace fs = std::filesystem;

std::string app_config() {
  const fs::path plugin = (fs::path(bin_dir()) / ".." / "test-plugins" / "echo-app.so").lexically_normal();
  return "[dashboard]\nplugin = \"" + plugin.string() + "\"\n";
}

TEST(http_app, gets_apex_requests_it_claims_whole) {
  temp_dir dir;
  auto gw = start_gateway(dir, app_config());
  const auto r = run_curl({"-X", "POST", "--data-binary", "hello=world", "-A", "tester/1",
                           gw.url() + "/echo/some%20where?x=1&y=two"});
  ASSERT_EQ(r.status, 201) << r.stderr_text << r.body;
  const auto o = boost::json::parse(r.body).as_object();
  EXPECT_EQ(o.at("method").as_string(), "POST");
  EXPECT_EQ(o.at("path").as_string(), "/echo/some where");
  EXPECT_EQ(o.at("query").as_string(), "x=1&y=two");
  EXPECT_EQ(o.at("body").as_string(), "hello=world");
  EXPECT_EQ(o.at("client_ip").as_string(), "127.0.0.1");
  EXPECT_EQ(o.at("user_agent").as_string(), "tester/1");
  EXPECT_FALSE(o.at("secure").as_bool());
  // The app's headers, with its Cache-Control instead of the core's default.
  EXPECT_EQ(header_values(r.headers, "x-app"), std::vector<std::string>{"echo"});
  EXPECT_EQ(header_values(r.headers, "cache-control"), std::vector<std::string>{"private, max-age=5"});
  EXPECT_EQ(header_values(r.headers, "content-type"), std::vector<std::string>{"application/json"});
}

TEST(http_app, core_pages_and_unclaimed_paths_stay_with_the_core) {
  temp_dir dir;
  auto gw = start_gateway(dir, app_config() + "prefix = \"/\"\n");
  // The app claims every path, yet /_health and /metrics are the core's.
  EXPECT_NE(run_curl({gw.url() + "/_health"}).body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_NE(run_curl({gw.url() + "/metrics"}).body.find("warren_"), std::string::npos);
  EXPECT_EQ(run_curl({gw.url() + "/anything"}).status, 201);

  temp_dir other;
  auto narrow = start_gateway(other, app_config());
  EXPECT_EQ(run_curl({narrow.url() + "/elsewhere"}).status, 404);
}

TEST(http_app, uses_the_hosts_store) {
  temp_dir dir;
  auto gw = start_gateway(dir, app_config());
  EXPECT_EQ(run_curl({gw.url() + "/store/settings/greeting"}).status, 404);
  EXPECT_EQ(run_curl({"-X", "PUT", "--data-binary", "hi there", gw.url() + "/store/settings/greeting"}).status, 204);
  const auto r = run_curl({gw.url() + "/store/settings/greeting"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hi there");
}

TEST(http_app, bodies_over_one_mib_are_refused_with_413) {
  temp_dir dir;
  auto gw = start_gateway(dir, app_config());
  const fs::path big = dir.path() / "big";
  std::ofstream(big) << std::string((1u << 20) + 1, 'x');
  const auto r = run_curl({"-X", "POST", "--data-binary", "@" + big.string(), gw.url() + "/echo"});
  EXPECT_EQ(r.status, 413) << r.stderr_text;
  // Keep-alive connections and the gateway carry on.
  EXPECT_EQ(run_curl({gw.url() + "/echo"}).status, 201);
}

}  // namespace
}  // namespace warren::test
