#pragma once
// The gateway's limiters, built once from [limits]: connections per client
// address, and the rate limits (connects per IP, requests per IP, requests
// per tunnel). Shared by every connection; thread-safe.
#include "config/gateway_config.hpp"
#include "limits/connection_counter.hpp"
#include "limits/keyed_limiter.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace warren::limits {

enum class rate_kind { connects_per_ip, requests_per_ip, requests_per_tunnel };
inline constexpr rate_kind all_rate_kinds[] = {rate_kind::connects_per_ip, rate_kind::requests_per_ip,
                                               rate_kind::requests_per_tunnel};

// The config key, also the `limit` label in /metrics.
std::string_view name(rate_kind kind) noexcept;

class gateway_limits {
public:
    explicit gateway_limits(const limit_settings& settings,
                            keyed_limiter::clock_fn now = [] { return clock_type::now(); });

    // Allowed when rate limits are off (rate_limits = false) or this one is
    // not configured. Otherwise the bucket of `key` decides, and a check that
    // cannot run (empty key, table full) refuses: fail closed.
    decision check(rate_kind kind, std::string_view key);

    // Null when that rate is not enforced.
    const keyed_limiter* limiter(rate_kind kind) const noexcept {
        return limiters_[static_cast<std::size_t>(kind)].get();
    }

    // The one-line reason for a refusal of `kind`, for the 429 body.
    std::string reason(rate_kind kind, const decision& d) const;

    connection_counter connections;

private:
    std::unique_ptr<keyed_limiter> limiters_[3];
};

}  // namespace warren::limits
