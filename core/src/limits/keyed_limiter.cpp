#include "limits/keyed_limiter.hpp"

#include <algorithm>

namespace warren::limits {

namespace {

std::chrono::seconds whole_seconds_up(nanoseconds wait) {
    const auto s = std::chrono::ceil<std::chrono::seconds>(wait);
    return std::max(s, std::chrono::seconds(1));
}

}  // namespace

keyed_limiter::keyed_limiter(rate r, std::size_t max_keys, clock_fn now)
    : rate_(r),
      shard_cap_(std::max<std::size_t>(1, (max_keys + shard_count - 1) / shard_count)),
      // A key idle for a whole burst's refill is full again: sweeping about
      // that often keeps the table near the number of active keys. Bounded
      // so a slow rate ("10/h") still sweeps, and a fast one not constantly.
      sweep_every_(std::clamp<nanoseconds>(r.interval() * static_cast<std::int64_t>(std::max<std::uint64_t>(r.burst, 1)),
                                           std::chrono::seconds(1), std::chrono::seconds(60))),
      now_(std::move(now)) {}

void keyed_limiter::sweep(shard& s, time_point now) {
    const auto before = s.buckets.size();
    std::erase_if(s.buckets, [now](const auto& entry) { return entry.second.full(now); });
    size_.fetch_sub(before - s.buckets.size(), std::memory_order_relaxed);
    s.next_sweep = now + sweep_every_;
}

decision keyed_limiter::check(std::string_view key) {
    if (!rate_.limited()) return {};
    const time_point now = now_();
    shard& s = shards_[std::hash<std::string_view>{}(key) % shard_count];
    std::lock_guard lock(s.mutex);
    if (now >= s.next_sweep) sweep(s, now);
    auto it = s.buckets.find(key);
    if (it == s.buckets.end()) {
        if (s.buckets.size() >= shard_cap_) sweep(s, now);
        if (s.buckets.size() >= shard_cap_) return {decision::verdict::table_full, std::chrono::seconds(1)};
        it = s.buckets.emplace(std::string(key), token_bucket{}).first;
        size_.fetch_add(1, std::memory_order_relaxed);
    }
    const nanoseconds wait = it->second.take(rate_, now);
    if (wait.count() == 0) return {};
    return {decision::verdict::limited, whole_seconds_up(wait)};
}

}  // namespace warren::limits
