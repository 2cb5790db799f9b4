#pragma once
// A token bucket per key (a client address, a tunnel name), in a sharded
// table of bounded size. Keys whose bucket is full again are forgotten (that
// loses nothing, see token_bucket.hpp); when a shard is still full of active
// keys a new key is refused ("table full"): the caller fails closed rather
// than letting traffic through unmetered.
//
// Thread-safe: one mutex per shard, so threads rarely meet.
#include "limits/token_bucket.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warren::limits {

struct decision {
    enum class verdict {
        allowed,
        limited,     // over the rate: retry_after says when a token is there
        table_full,  // cannot track one more key: refused (fail closed)
        no_key,      // nothing to key on (no peer address): refused (fail closed)
    };
    verdict what = verdict::allowed;
    std::chrono::seconds retry_after{0};  // whole seconds, at least 1 unless allowed

    bool allowed() const noexcept { return what == verdict::allowed; }
};

class keyed_limiter {
public:
    using clock_fn = std::function<time_point()>;

    // At most `max_keys` keys tracked at once (spread over the shards).
    keyed_limiter(rate r, std::size_t max_keys, clock_fn now = [] { return clock_type::now(); });

    decision check(std::string_view key);

    const rate& limit() const noexcept { return rate_; }
    std::size_t max_keys() const noexcept { return shard_cap_ * shard_count; }
    // Keys tracked now; readable from any thread.
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

    static constexpr std::size_t shard_count = 16;

private:
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct shard {
        std::mutex mutex;
        std::unordered_map<std::string, token_bucket, key_hash, std::equal_to<>> buckets;
        time_point next_sweep{};
    };

    // Drops the keys whose buckets are full; the caller holds the lock.
    void sweep(shard& s, time_point now);

    rate rate_;
    std::size_t shard_cap_;
    nanoseconds sweep_every_;
    clock_fn now_;
    std::array<shard, shard_count> shards_;
    std::atomic<std::size_t> size_{0};
};

}  // namespace warren::limits
