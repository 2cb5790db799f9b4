// Scenario e: many tunnel connect/disconnect cycles (warren-bench-connect:
// upgrade, hello, ready, clean close). The gateway's RSS grows less than
// 5 MB over them and its descriptors and sessions come back to idle.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>

#include "fault_scale.hpp"
#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

// Runs `count` cycles; returns the tool's JSON summary line.
boost::json::object connect_cycles(const gateway_process& gw, int count) {
  const auto port = std::to_string(gw.port);
  const auto r = run_command({bin_path("warren-bench-connect"), "--server", "127.0.0.1:" + port, "--host",
                              "localhost:" + port, "--connectors", "4", "--connects", std::to_string(count),
                              "--seconds", "600"},
                             std::chrono::seconds(620));
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.stdout_text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "no JSON summary: " << r.stdout_text << r.stderr_text;
    return {};
  }
  return v.as_object();
}

TEST(ConnectCycles, RssAndDescriptorsStayFlat) {
  const int cycles = fault_scale(2000, 10000);
  temp_dir dir;
  // reclaim_grace 0 s: an anonymous name is not held after its client left,
  // so what remains after the cycles is a leak, not 10,000 reservations.
  auto gw = start_gateway(dir, "[tunnels]\nreclaim_grace = \"0s\"\n");
  const auto idle = read_leak_gauges(gw);
  ASSERT_TRUE(idle);

  // Warm-up: the store's caches, the allocator's arenas.
  connect_cycles(gw, 500);
  ASSERT_TRUE(wait_for_baseline(gw, *idle, 10s));
  const long rss_before = gw.proc.rss_kb();

  const auto start = std::chrono::steady_clock::now();
  const auto summary = connect_cycles(gw, cycles);
  const double took = seconds_since(start);
  leak_gauges last;
  const auto back = wait_for_baseline(gw, *idle, 10s, &last);
  const long rss_after = gw.proc.rss_kb();
  const auto ok = summary.contains("connects") ? summary.at("connects").to_number<std::int64_t>() : -1;
  const auto failed = summary.contains("failures") ? summary.at("failures").to_number<std::int64_t>() : -1;
  std::printf("[ cycles   ] %d connect/disconnect cycles in %.1f s (%lld ok, %lld failed): gateway RSS %ld kB "
              "-> %ld kB (%+ld kB), gauges %s\n",
              cycles, took, static_cast<long long>(ok), static_cast<long long>(failed), rss_before, rss_after,
              rss_after - rss_before, back ? "back to idle" : describe(last).c_str());
  EXPECT_EQ(ok, cycles);
  EXPECT_EQ(failed, 0);
  EXPECT_TRUE(back) << "not back to " << describe(*idle) << ": " << describe(last);
  EXPECT_LT(rss_after - rss_before, 5 * 1024);
}

}  // namespace
}  // namespace warren::test
