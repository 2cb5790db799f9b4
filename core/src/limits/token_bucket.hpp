#pragma once
// One token bucket, stored as the single time point at which it would be
// full again (the "generic cell rate algorithm" form of a token bucket: the
// same decisions as counting tokens, but one 8-byte field per key, and a
// bucket that is full needs no state at all, so idle keys can be forgotten
// without changing any answer).
//
// The clock is a parameter of every call: tests drive it by hand, no sleeps.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace warren::limits {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using std::chrono::nanoseconds;

// `tokens` per `per`, at most `burst` at once. tokens == 0 means unlimited.
struct rate {
    std::uint64_t tokens = 0;
    nanoseconds per{std::chrono::seconds(1)};
    std::uint64_t burst = 1;

    bool limited() const noexcept { return tokens > 0; }
    // Time one token takes to come back (at least 1 ns; 0 when unlimited).
    nanoseconds interval() const noexcept {
        if (tokens == 0) return nanoseconds(0);
        return std::max(nanoseconds(1), nanoseconds(per.count() / static_cast<std::int64_t>(tokens)));
    }
};

class token_bucket {
public:
    // A new bucket is full.
    token_bucket() = default;

    // Takes one token if there is one: returns 0. Otherwise takes nothing and
    // returns how long until a token is there (> 0).
    nanoseconds take(const rate& r, time_point now) noexcept {
        const nanoseconds step = r.interval();
        // How far ahead of `now` the bucket may already be spent.
        const nanoseconds tolerance = step * static_cast<std::int64_t>(r.burst > 0 ? r.burst - 1 : 0);
        const time_point refilled = std::max(full_at_, now);
        const nanoseconds ahead = refilled - now;
        if (ahead > tolerance) return ahead - tolerance;
        full_at_ = refilled + step;
        return nanoseconds(0);
    }

    // Full at `now`: forgetting this bucket changes no future answer.
    bool full(time_point now) const noexcept { return full_at_ <= now; }

private:
    time_point full_at_{};  // the epoch: full from the start
};

}  // namespace warren::limits
