// Scenario a: kill -9 the tunnel client, again and again, while it streams a
// large response. The public side must always see a truncated transfer
// (curl exit 18, "partial file"), never a complete, well-framed short body;
// the gateway's streams, buffered bytes and descriptors come back to their
// idle values within 1 s, and its RSS stays within 10% of where it started.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <random>

#include "fault_scale.hpp"
#include "fault_support.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

constexpr std::uint64_t body_bytes = 100ull << 20;  // 100 MB per transfer

TEST(KillClient, MidStreamAlwaysTruncatesAndLeaksNothing) {
  const int rounds = fault_scale(12, 100);
  temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  const auto idle = read_leak_gauges(gw);
  ASSERT_TRUE(idle);

  std::minstd_rand rng(42);
  long rss_start_kb = -1;
  double worst_recovery = 0;
  std::vector<int> exits;
  for (int i = 0; i < rounds; ++i) {
    temp_dir files;
    const auto body = files.path() / "body";
    auto client = start_client(gw.port, origin.port);
    auto curl = start_curl({client.url + "/bytes/" + std::to_string(body_bytes)}, body);
    // Kill somewhere between 1 MB and 50 MB into the body.
    const std::uintmax_t kill_at = (1ull << 20) + rng() % (49ull << 20);
    ASSERT_TRUE(wait_until([&] { return file_size_or_zero(body) >= kill_at || !curl.running(); }, 60s, 5ms));
    ASSERT_TRUE(curl.running()) << "the transfer ended before the kill: " << curl.output();
    client.proc.signal(SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    const auto code = curl.wait(30s);
    ASSERT_TRUE(code) << "curl hung after the client died";
    exits.push_back(*code);
    EXPECT_EQ(*code, 18) << "round " << i << ": curl exit " << *code << " (" << curl.output()
                         << "): a dead client must give a truncated transfer";
    EXPECT_LT(file_size_or_zero(body), body_bytes);

    leak_gauges last;
    const auto back = wait_for_baseline(gw, *idle, 10s, &last);
    ASSERT_TRUE(back) << "round " << i << ": not back to " << describe(*idle) << ": " << describe(last);
    worst_recovery = std::max(worst_recovery, seconds_since(killed));
    // The baseline is the largest RSS of the first 3 rounds: each round
    // leaves up to a stream window of freed memory with the allocator,
    // differently each time; a leak grows past that, a warm allocator not.
    if (i < 3) rss_start_kb = std::max(rss_start_kb, gw.proc.rss_kb());
  }
  const long rss_end_kb = gw.proc.rss_kb();
  std::printf("[ kill -9  ] %d rounds of %llu MB: curl exits all 18: %s; gauges back to idle within %.3f s "
              "of the kill (worst); gateway RSS %ld kB after the first 3 rounds, %ld kB at the end (%+.1f%%)\n",
              rounds, static_cast<unsigned long long>(body_bytes >> 20),
              std::all_of(exits.begin(), exits.end(), [](int c) { return c == 18; }) ? "yes" : "NO",
              worst_recovery, rss_start_kb, rss_end_kb,
              100.0 * static_cast<double>(rss_end_kb - rss_start_kb) / static_cast<double>(rss_start_kb));
  // The bound is 1 s; the figure printed above is what was measured.
  EXPECT_LE(worst_recovery, 1.0);
  EXPECT_LE(rss_end_kb, rss_start_kb + rss_start_kb / 10);
}

}  // namespace
}  // namespace warren::test
