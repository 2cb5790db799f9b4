#include "limits/gateway_limits.hpp"

namespace warren::limits {

namespace {

std::string per_text(nanoseconds per) {
    if (per == std::chrono::hours(1)) return "hour";
    if (per == std::chrono::minutes(1)) return "minute";
    return "second";
}

}  // namespace

std::string_view name(rate_kind kind) noexcept {
    switch (kind) {
        case rate_kind::connects_per_ip: return "connects_per_ip";
        case rate_kind::requests_per_ip: return "requests_per_ip";
        case rate_kind::requests_per_tunnel: return "requests_per_tunnel";
    }
    return "unknown";
}

gateway_limits::gateway_limits(const limit_settings& settings, keyed_limiter::clock_fn now)
    : connections(settings.max_connections_per_ip) {
    if (!settings.rate_limits) return;  // the operator's explicit "off"
    const rate_setting* configured[] = {&settings.connects_per_ip, &settings.requests_per_ip,
                                        &settings.requests_per_tunnel};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& c = *configured[i];
        if (!c.enabled()) continue;
        const rate r{c.tokens, std::chrono::duration_cast<nanoseconds>(c.per), c.burst ? c.burst : c.tokens};
        limiters_[i] = std::make_unique<keyed_limiter>(r, settings.rate_limit_keys, now);
    }
}

decision gateway_limits::check(rate_kind kind, std::string_view key) {
    auto& limiter = limiters_[static_cast<std::size_t>(kind)];
    if (!limiter) return {};
    if (key.empty()) return {decision::verdict::no_key, std::chrono::seconds(1)};
    return limiter->check(key);
}

std::string gateway_limits::reason(rate_kind kind, const decision& d) const {
    const auto* limiter = limiters_[static_cast<std::size_t>(kind)].get();
    const std::string subject = kind == rate_kind::requests_per_tunnel ? "this tunnel" : "your address";
    const std::string what = kind == rate_kind::connects_per_ip ? "tunnel connects" : "requests";
    switch (d.what) {
        case decision::verdict::allowed: return {};
        case decision::verdict::limited: {
            const auto& r = limiter->limit();
            return "rate limited: " + subject + " is over " + std::to_string(r.tokens) + " " + what + " per " +
                   per_text(r.per) + " (" + std::string(name(kind)) + "); retry in " +
                   std::to_string(d.retry_after.count()) + "s";
        }
        case decision::verdict::table_full:
            return "rate limited: the gateway is tracking as many clients as it can (" + std::string(name(kind)) +
                   "); retry shortly";
        case decision::verdict::no_key:
            return "rate limited: the client address is unknown, so " + std::string(name(kind)) +
                   " cannot be checked";
    }
    return "rate limited";
}

}  // namespace warren::limits
