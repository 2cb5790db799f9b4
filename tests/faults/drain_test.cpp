// Scenario d: SIGTERM with requests in flight. Every one completes, the
// gateway exits within drain_timeout + 1 s, and no connection is accepted
// once the drain has started.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "fault_scale.hpp"
#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

TEST(Drain, SigtermLetsInFlightRequestsFinish) {
  const int in_flight = fault_scale(50, 200);
  constexpr double drain_timeout = 10;
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[server]\ndrain_timeout = \"10s\"\n");
  auto client = start_client(gw.port, origin.port);
  const std::string host = client.name + ".localhost:" + std::to_string(gw.port);

  std::vector<int> statuses;
  std::thread load([&] { statuses = concurrent_requests(host, gw.port, "/delay/2000", in_flight, in_flight, 30s); });
  const bool all_in = wait_until([&] { return metric(gw, "warren_streams") == double(in_flight); }, 20s);
  if (!all_in) {
    load.join();
    FAIL() << "the " << in_flight << " requests never were all in flight";
  }

  gw.proc.signal(SIGTERM);
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(300ms);
  const auto after = timed_get(gw.port, host, "/echo", 2s);
  load.join();
  const auto code = gw.proc.wait(std::chrono::milliseconds(static_cast<int>((drain_timeout + 5) * 1000)));
  const double exit_after = seconds_since(start);

  const auto ok = std::count(statuses.begin(), statuses.end(), 200);
  std::printf("[ drain    ] SIGTERM with %d requests in flight (/delay/2000): %ld answered 200, a new "
              "connection after 0.3 s got %s, exit %d after %.2f s (drain_timeout %.0f s)\n",
              in_flight, static_cast<long>(ok),
              after.status == 0 ? "refused" : std::to_string(after.status).c_str(), code.value_or(-1),
              exit_after, drain_timeout);
  EXPECT_EQ(ok, in_flight);
  EXPECT_TRUE(after.status == 0 || after.status == 503) << "accepted after the drain began: " << after.status;
  ASSERT_TRUE(code) << "the gateway did not exit";
  EXPECT_EQ(*code, 0);
  EXPECT_LE(exit_after, drain_timeout + 1);
}

}  // namespace
}  // namespace warren::test
