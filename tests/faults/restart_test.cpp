// Scenario f: the gateway restarts (SIGTERM, start again on the same port
// and store) under N connected clients; all are back within 10 s, each with
// its own name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "fault_scale.hpp"
#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

TEST(Restart, ClientsComeBackWithTheirNames) {
  const int clients = fault_scale(10, 100);
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const auto port = gw.port;
  std::vector<client_process> cs;
  for (int i = 0; i < clients; ++i) cs.push_back(start_client(port, origin.port));
  for (auto& c : cs) ASSERT_EQ(run_curl({c.url + "/echo"}).status, 200) << c.name;

  ASSERT_EQ(gw.proc.stop(15s), 0);
  const auto down = std::chrono::steady_clock::now();
  // The same port and store: what an operator's restart does.
  gw = start_gateway(dir, "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n");
  ASSERT_EQ(gw.port, port);

  std::vector<bool> back(cs.size(), false);
  const bool all_back = wait_until([&] {
    for (std::size_t i = 0; i < cs.size(); ++i) {
      if (!back[i]) back[i] = run_curl({"--max-time", "1", cs[i].url + "/echo"}, 5s).status == 200;
    }
    return std::all_of(back.begin(), back.end(), [](bool b) { return b; });
  }, 30s, 100ms);
  const double took = seconds_since(down);
  const auto n_back = std::count(back.begin(), back.end(), true);
  std::printf("[ restart  ] %d clients: %ld back with their own names %.2f s after the old gateway exited\n",
              clients, static_cast<long>(n_back), took);
  EXPECT_TRUE(all_back);
  EXPECT_LE(took, 10.0);
  EXPECT_EQ(metric(gw, "warren_tunnels"), double(clients));
}

}  // namespace
}  // namespace warren::test
