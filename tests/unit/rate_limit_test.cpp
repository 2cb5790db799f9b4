// The rate limiter's parts with an injected clock (no sleeps): the token
// bucket, the keyed limiter's eviction, cap and fail-closed refusals, the
// connection counter, the gateway's limits built from [limits], and the
// [limits] rate keys of gateway.toml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/gateway_config.hpp"
#include "limits/connection_counter.hpp"
#include "limits/gateway_limits.hpp"
#include "limits/keyed_limiter.hpp"
#include "limits/token_bucket.hpp"

namespace warren::limits {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using verdict = decision::verdict;

// A hand-driven steady clock.
struct fake_clock {
    time_point now = time_point{} + 1000h;
    keyed_limiter::clock_fn fn() {
        return [this] { return now; };
    }
};

TEST(TokenBucket, BurstThenOneTokenPerInterval) {
    const rate r{10, 1s, 5};  // 10/s, burst 5
    token_bucket b;
    time_point t = time_point{} + 1h;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(b.take(r, t).count(), 0) << i;
    const auto wait = b.take(r, t);
    EXPECT_EQ(wait, 100ms);  // one token comes back every 100 ms
    EXPECT_EQ(b.take(r, t + 99ms), 1ms);
    EXPECT_EQ(b.take(r, t + 100ms).count(), 0);
    EXPECT_GT(b.take(r, t + 100ms).count(), 0);
}

TEST(TokenBucket, RefusalsTakeNothing) {
    const rate r{1, 1s, 1};
    token_bucket b;
    const time_point t = time_point{} + 1h;
    EXPECT_EQ(b.take(r, t).count(), 0);
    for (int i = 0; i < 100; ++i) EXPECT_GT(b.take(r, t + 500ms).count(), 0);
    // Refused attempts did not push the next token further away.
    EXPECT_EQ(b.take(r, t + 1s).count(), 0);
}

TEST(TokenBucket, RefillsToBurstAndNoFurther) {
    const rate r{2, 1s, 4};
    token_bucket b;
    time_point t = time_point{} + 1h;
    for (int i = 0; i < 4; ++i) ASSERT_EQ(b.take(r, t).count(), 0);
    EXPECT_FALSE(b.full(t));
    t += 1h;  // a long idle: back to 4, not 7200
    EXPECT_TRUE(b.full(t));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(b.take(r, t).count(), 0) << i;
    EXPECT_EQ(b.take(r, t), 500ms);
}

TEST(TokenBucket, SlowRatesPerMinuteAndHour) {
    const rate per_minute{6, std::chrono::minutes(1), 1};
    token_bucket b;
    const time_point t = time_point{} + 1h;
    EXPECT_EQ(b.take(per_minute, t).count(), 0);
    EXPECT_EQ(b.take(per_minute, t), 10s);
    const rate per_hour{1, std::chrono::hours(1), 1};
    token_bucket h;
    EXPECT_EQ(h.take(per_hour, t).count(), 0);
    EXPECT_EQ(h.take(per_hour, t + 30min), 30min);
}

TEST(KeyedLimiter, KeysHaveTheirOwnBuckets) {
    fake_clock clock;
    keyed_limiter l(rate{1, 1s, 2}, 1000, clock.fn());
    EXPECT_TRUE(l.check("a").allowed());
    EXPECT_TRUE(l.check("a").allowed());
    const auto d = l.check("a");
    EXPECT_EQ(d.what, verdict::limited);
    EXPECT_EQ(d.retry_after, 1s);
    EXPECT_TRUE(l.check("b").allowed());
    EXPECT_EQ(l.size(), 2u);
}

TEST(KeyedLimiter, RetryAfterIsWholeSecondsRoundedUpAtLeastOne) {
    fake_clock clock;
    keyed_limiter fast(rate{100, 1s, 1}, 100, clock.fn());
    ASSERT_TRUE(fast.check("k").allowed());
    EXPECT_EQ(fast.check("k").retry_after, 1s);  // 10 ms away: still "1"
    keyed_limiter slow(rate{1, std::chrono::minutes(1), 1}, 100, clock.fn());
    ASSERT_TRUE(slow.check("k").allowed());
    clock.now += 1500ms;
    EXPECT_EQ(slow.check("k").retry_after, 59s);  // 58.5 s rounded up
}

TEST(KeyedLimiter, IdleKeysAreForgotten) {
    fake_clock clock;
    keyed_limiter l(rate{10, 1s, 10}, 1000, clock.fn());
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(l.check("ip" + std::to_string(i)).allowed());
    EXPECT_EQ(l.size(), 200u);
    clock.now += 2min;  // every bucket is full again
    ASSERT_TRUE(l.check("late").allowed());
    // Each shard sweeps when next touched; touching all of them empties the table.
    for (int i = 0; i < 200; ++i) (void)l.check("other" + std::to_string(i));
    clock.now += 2min;
    for (int i = 0; i < 64; ++i) (void)l.check("sweep" + std::to_string(i));
    EXPECT_LE(l.size(), 64u);
}

TEST(KeyedLimiter, FullTableFailsClosedUntilKeysGoIdle) {
    fake_clock clock;
    // 16 shards of 1 key: a tiny table.
    keyed_limiter l(rate{1, 1s, 1}, 16, clock.fn());
    EXPECT_EQ(l.max_keys(), 16u);
    int allowed = 0;
    int full = 0;
    for (int i = 0; i < 200; ++i) {
        const auto d = l.check("k" + std::to_string(i));
        if (d.allowed()) ++allowed;
        else if (d.what == verdict::table_full) ++full;
    }
    EXPECT_EQ(allowed, 16);  // one key per shard, then refusals
    EXPECT_EQ(full, 200 - 16);
    EXPECT_EQ(l.size(), 16u);
    const auto refused = l.check("newcomer");
    if (!refused.allowed()) {
        EXPECT_EQ(refused.retry_after, 1s);
    }
    // Once the tracked keys' buckets are full again they make room.
    clock.now += 2s;
    EXPECT_TRUE(l.check("newcomer").allowed());
}

TEST(KeyedLimiter, UnlimitedRateAllowsAndTracksNothing) {
    keyed_limiter l(rate{}, 16);
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(l.check("k" + std::to_string(i)).allowed());
    EXPECT_EQ(l.size(), 0u);
}

TEST(ConnectionCounter, CapsPerKeyAndGivesSlotsBack) {
    connection_counter c(2);
    auto a = c.try_acquire("1.2.3.4");
    auto b = c.try_acquire("1.2.3.4");
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(c.try_acquire("1.2.3.4"));
    EXPECT_TRUE(c.try_acquire("5.6.7.8"));  // released at once (temporary)
    EXPECT_EQ(c.open("5.6.7.8"), 0u);
    a->release();
    EXPECT_EQ(c.open("1.2.3.4"), 1u);
    auto again = c.try_acquire("1.2.3.4");
    EXPECT_TRUE(again);
    connection_counter::slot moved = std::move(*again);
    EXPECT_TRUE(moved.held());
    EXPECT_EQ(c.open("1.2.3.4"), 2u);
    b.reset();
    moved.release();
    EXPECT_EQ(c.open("1.2.3.4"), 0u);
}

TEST(ConnectionCounter, ZeroMeansUnlimited) {
    connection_counter c(0);
    std::vector<connection_counter::slot> slots;
    for (int i = 0; i < 1000; ++i) {
        auto s = c.try_acquire("k");
        ASSERT_TRUE(s);
        slots.push_back(std::move(*s));
    }
    EXPECT_EQ(c.open("k"), 1000u);
}

limit_settings with_rates() {
    limit_settings s;
    s.requests_per_ip = {2, 1000ms, 2};
    s.connects_per_ip = {1, 60'000ms, 1};
    s.rate_limit_keys = 16;
    return s;
}

TEST(GatewayLimits, OnlyConfiguredRatesAreEnforced) {
    fake_clock clock;
    gateway_limits g(with_rates(), clock.fn());
    EXPECT_NE(g.limiter(rate_kind::requests_per_ip), nullptr);
    EXPECT_EQ(g.limiter(rate_kind::requests_per_tunnel), nullptr);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(g.check(rate_kind::requests_per_tunnel, "demo").allowed());
    EXPECT_TRUE(g.check(rate_kind::requests_per_ip, "10.0.0.1").allowed());
    EXPECT_TRUE(g.check(rate_kind::requests_per_ip, "10.0.0.1").allowed());
    const auto d = g.check(rate_kind::requests_per_ip, "10.0.0.1");
    EXPECT_EQ(d.what, verdict::limited);
    EXPECT_THAT(g.reason(rate_kind::requests_per_ip, d),
                HasSubstr("over 2 requests per second (requests_per_ip); retry in 1s"));
    ASSERT_TRUE(g.check(rate_kind::connects_per_ip, "10.0.0.1").allowed());
    const auto c = g.check(rate_kind::connects_per_ip, "10.0.0.1");
    EXPECT_EQ(c.retry_after, 60s);
    EXPECT_THAT(g.reason(rate_kind::connects_per_ip, c), HasSubstr("1 tunnel connects per minute"));
}

TEST(GatewayLimits, NoKeyFailsClosed) {
    gateway_limits g(with_rates());
    const auto d = g.check(rate_kind::requests_per_ip, "");
    EXPECT_EQ(d.what, verdict::no_key);
    EXPECT_THAT(g.reason(rate_kind::requests_per_ip, d), HasSubstr("cannot be checked"));
}

TEST(GatewayLimits, TableFullFailsClosedWithAReason) {
    fake_clock clock;
    gateway_limits g(with_rates(), clock.fn());
    decision last;
    for (int i = 0; i < 100 && last.what != verdict::table_full; ++i)
        last = g.check(rate_kind::requests_per_ip, "10.0.0." + std::to_string(i));
    ASSERT_EQ(last.what, verdict::table_full);
    EXPECT_THAT(g.reason(rate_kind::requests_per_ip, last), HasSubstr("tracking as many clients as it can"));
}

TEST(GatewayLimits, RateLimitsFalseTurnsEveryRateOff) {
    auto s = with_rates();
    s.rate_limits = false;
    gateway_limits g(s);
    for (const auto kind : all_rate_kinds) EXPECT_EQ(g.limiter(kind), nullptr);
    // Even the checks that could not run pass: the operator said so.
    EXPECT_TRUE(g.check(rate_kind::requests_per_ip, "").allowed());
}

// ---- gateway.toml ----

std::string error_of(std::string_view text) {
    try {
        parse_gateway_config(text, "t.toml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

TEST(LimitsConfig, RatesAndBursts) {
    const auto c = parse_gateway_config(R"([limits]
requests_per_ip = "100/s"
requests_per_ip_burst = 200
requests_per_tunnel = "600/m"
connects_per_ip = "30/h"
max_connections_per_ip = 64
rate_limit_keys = 5000
tunnel_resets_per_second = 50
)",
                                        "t.toml");
    EXPECT_EQ(c.limits.requests_per_ip.tokens, 100u);
    EXPECT_EQ(c.limits.requests_per_ip.per, 1000ms);
    EXPECT_EQ(c.limits.requests_per_ip.burst, 200u);
    EXPECT_EQ(c.limits.requests_per_tunnel.tokens, 600u);
    EXPECT_EQ(c.limits.requests_per_tunnel.per, 60'000ms);
    EXPECT_EQ(c.limits.requests_per_tunnel.burst, 600u);  // defaults to the count
    EXPECT_EQ(c.limits.connects_per_ip.per, 3'600'000ms);
    EXPECT_EQ(c.limits.max_connections_per_ip, 64u);
    EXPECT_EQ(c.limits.rate_limit_keys, 5000u);
    EXPECT_EQ(c.limits.tunnel_resets_per_second, 50u);
    EXPECT_TRUE(c.limits.rate_limits);
}

TEST(LimitsConfig, DefaultsLeaveRatesOffAndCapConnections) {
    const auto c = parse_gateway_config("", "t.toml");
    EXPECT_FALSE(c.limits.requests_per_ip.enabled());
    EXPECT_FALSE(c.limits.requests_per_tunnel.enabled());
    EXPECT_FALSE(c.limits.connects_per_ip.enabled());
    EXPECT_EQ(c.limits.max_connections_per_ip, 256u);
    EXPECT_TRUE(c.limits.rate_limits);
}

TEST(LimitsConfig, BadRatesNameFileLineAndKey) {
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = \"100\"\n"),
                HasSubstr("t.toml:2:19: [limits] requests_per_ip: expected a rate string"));
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = \"100/d\"\n"), HasSubstr("(got \"100/d\")"));
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = \"0/s\"\n"), HasSubstr("expected a rate string"));
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = 100\n"), HasSubstr("expected a rate string"));
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = \"-1/s\"\n"), HasSubstr("expected a rate string"));
    EXPECT_THAT(error_of("[limits]\nrequests_per_ip = \"5/s\"\nrequests_per_ip_burst = 0\n"),
                HasSubstr("t.toml:3:25: [limits] requests_per_ip_burst: must be between 1 and"));
    EXPECT_THAT(error_of("[limits]\nrate_limits = \"off\"\n"), HasSubstr("expected true or false"));
    EXPECT_THAT(error_of("[limits]\nrequest_per_ip = \"5/s\"\n"), HasSubstr("did you mean requests_per_ip?"));
}

TEST(LimitsConfig, BurstWithoutItsRateIsAnError) {
    EXPECT_THAT(error_of("[limits]\nconnects_per_ip_burst = 5\n"),
                HasSubstr("t.toml:2:25: [limits] connects_per_ip_burst: is set without connects_per_ip"));
}

}  // namespace
}  // namespace warren::limits
