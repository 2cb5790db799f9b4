// The leak gauges of /metrics (warren_sessions, warren_tunnels,
// warren_streams, warren_mux_streams, warren_buffered_bytes,
// warren_open_fds) move under load and come back to their idle values.
#include <gtest/gtest.h>

#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

TEST(LeakGauges, MoveUnderLoadAndComeBack) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const auto idle = read_leak_gauges(gw);
  ASSERT_TRUE(idle) << "no /metrics";
  EXPECT_EQ(idle->sessions, 0);
  EXPECT_EQ(idle->tunnels, 0);
  EXPECT_EQ(idle->streams, 0);
  EXPECT_EQ(idle->mux_streams, 0);
  EXPECT_EQ(idle->buffered_bytes, 0);
  EXPECT_GT(idle->open_fds, 2) << "counted from /proc/self/fd";

  leak_gauges connected_baseline;
  {
    auto client = start_client(gw.port, origin.port);
    const auto connected = read_leak_gauges(gw);
    ASSERT_TRUE(connected);
    EXPECT_EQ(connected->sessions, 1);
    EXPECT_EQ(connected->tunnels, 1);
    EXPECT_GT(connected->open_fds, idle->open_fds) << "the tunnel's socket";
    connected_baseline = *connected;

    // A reader at 200 kB/s of a 64 MB body: the tunnel buffers up to a
    // stream window for it.
    temp_dir files;
    auto curl = start_curl({"--limit-rate", "200k", client.url + "/bytes/67108864"}, files.path() / "body");
    leak_gauges busy;
    EXPECT_TRUE(wait_until([&] {
      const auto g = read_leak_gauges(gw);
      if (g) busy = *g;
      return g && g->buffered_bytes > 65536 && g->streams == 1 && g->mux_streams == 1;
    }, 20s)) << describe(busy);
    std::printf("[ gauges   ] idle: %s\n[ gauges   ] slow reader: %s\n", describe(*idle).c_str(),
                describe(busy).c_str());

    curl.signal(SIGKILL);
    curl.wait(5s);
    leak_gauges last;
    const auto back = wait_for_baseline(gw, connected_baseline, 10s, &last);
    EXPECT_TRUE(back) << "not back to " << describe(connected_baseline) << ": " << describe(last);
    if (back) std::printf("[ gauges   ] back to the connected baseline %.3f s after the reader left\n", *back);
  }
  // The client is gone (SIGKILL by its destructor): the session goes too.
  leak_gauges last;
  EXPECT_TRUE(wait_for_baseline(gw, *idle, 10s, &last)) << "not back to idle " << describe(*idle) << ": "
                                                         << describe(last);
}

}  // namespace
}  // namespace warren::test
