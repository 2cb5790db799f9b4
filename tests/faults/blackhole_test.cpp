// Scenario b: the control link (client <-> gateway) is blackholed: packets
// vanish, the sockets stay open. Both ends must notice within
// ping_interval + ping_timeout, and the tunnel must serve again (the client
// reconnecting through a fresh connection) within that + 2 s.
#include <gtest/gtest.h>

#include <cstdio>

#include "fault_relay.hpp"
#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

TEST(Blackhole, ControlLinkRecoversWithinPingBound) {
  constexpr double ping_interval = 1.0, ping_timeout = 1.0;
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nping_interval = \"1s\"\nping_timeout = \"1s\"\n");
  fault_relay relay(gw.port);
  auto client = start_client(relay.port(), origin.port);
  ASSERT_EQ(run_curl({client.url + "/echo"}).status, 200);
  ASSERT_EQ(relay.accepted(), 1);

  // Only the established link: the client's next connection passes.
  relay.set(0, fault::blackhole());
  const auto start = std::chrono::steady_clock::now();
  double recovered = -1;
  std::vector<long> seen;
  wait_until([&] {
    const auto r = run_curl({"--max-time", "0.5", client.url + "/echo"}, 5s);
    if (seen.empty() || seen.back() != r.status) seen.push_back(r.status);
    if (r.status == 200 && relay.accepted() >= 2) {
      recovered = seconds_since(start);
      return true;
    }
    return false;
  }, 30s, 100ms);
  std::string statuses;
  for (long s : seen) statuses += std::to_string(s) + " ";
  ASSERT_GT(recovered, 0) << "the tunnel never served again; statuses seen: " << statuses;
  std::printf("[ blackhole] ping_interval 1 s + ping_timeout 1 s: tunnel serving again through a new "
              "connection %.2f s after the blackhole (bound %.1f s); statuses on the way: %s\n",
              recovered, ping_interval + ping_timeout + 2, statuses.c_str());
  EXPECT_LE(recovered, ping_interval + ping_timeout + 2);
  // Same name: the client reclaimed it with its ownership token.
  EXPECT_EQ(run_curl({client.url + "/echo"}).status, 200);
}

}  // namespace
}  // namespace warren::test
