// Scenario c and the misbehaving origins: a local server that refuses is a
// 502 within 100 ms; one that never answers is a 504 at request_timeout
// (+-10%); malformed, truncated, stalled and endless answers reach the public
// as errors or truncated transfers, never as well-framed wrong bodies, and
// leave nothing behind in the gateway.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

std::string host_of(const client_process& c, const gateway_process& gw) {
  return c.name + ".localhost:" + std::to_string(gw.port);
}

TEST(OriginFaults, RefusingOriginIs502Within100ms) {
  temp_dir dir;
  auto origin = start_origin();  // only for the client's start; it points elsewhere
  auto gw = start_gateway(dir);
  auto client = start_client(gw.port, closed_port());
  double worst = 0;
  for (int i = 0; i < 10; ++i) {
    const auto r = timed_get(gw.port, host_of(client, gw), "/anything");
    EXPECT_EQ(r.status, 502);
    worst = std::max(worst, r.seconds);
  }
  std::printf("[ refused  ] 10 requests to a tunnel whose local server refuses: 502, slowest %.1f ms\n",
              worst * 1000);
  EXPECT_LT(worst, 0.1);
}

TEST(OriginFaults, HungOriginIs504AtRequestTimeout) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nrequest_timeout = \"2s\"\n");
  auto client = start_client(gw.port, origin.port);
  const auto r = timed_get(gw.port, host_of(client, gw), "/fault/silent", 10s);
  std::printf("[ hung     ] request_timeout 2 s: %d after %.3f s\n", r.status, r.seconds);
  EXPECT_EQ(r.status, 504);
  EXPECT_GE(r.seconds, 1.8);
  EXPECT_LE(r.seconds, 2.2);
  EXPECT_TRUE(wait_streams_zero(gw, 10s) == 0.0);
}

TEST(OriginFaults, MisbehavingOriginsLeaveNothingBehind) {
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  auto client = start_client(gw.port, origin.port);
  const auto baseline = read_leak_gauges(gw);
  ASSERT_TRUE(baseline);

  // A malformed status line: the client cannot make a response of it.
  EXPECT_EQ(run_curl({client.url + "/fault/bad-status"}).status, 502);

  // Closed half-way through a Content-Length body: truncated for the public too.
  auto mid = run_curl({client.url + "/fault/close-mid-body?size=200000"});
  EXPECT_EQ(mid.exit_code, 18) << mid.stderr_text;
  EXPECT_LT(mid.body.size(), 200000u);

  // A head, then nothing: the public has the head and waits (curl gives up).
  auto stall = run_curl({"--max-time", "1.5", client.url + "/fault/stall-after-headers"});
  EXPECT_EQ(stall.status, 200);
  EXPECT_EQ(stall.exit_code, 28) << stall.stderr_text;

  // An endless body streams until the public leaves.
  auto endless = run_curl({"--max-time", "1", client.url + "/fault/endless-chunked"});
  EXPECT_EQ(endless.status, 200);
  EXPECT_EQ(endless.exit_code, 28);
  EXPECT_GT(endless.body.size(), 65536u);

  // A slow reader of the request body still gets all of it.
  const std::string upload(3000, 'u');
  auto slow = run_curl({"--data-binary", upload, client.url + "/fault/slow-read?rate=3000"});
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "{\"size\":3000}");

  leak_gauges last;
  const auto back = wait_for_baseline(gw, *baseline, 10s, &last);
  EXPECT_TRUE(back) << "not back to " << describe(*baseline) << ": " << describe(last);
}

}  // namespace
}  // namespace warren::test
