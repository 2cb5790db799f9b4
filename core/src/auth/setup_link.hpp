#pragma once
// The one-time admin login link (/login/setup?token=...) for a gateway with
// no OAuth provider: printed at start, or made by `warren-gateway setup-link`.
// The store keeps only the token's SHA-256 and its expiry (setting
// "setup_token"), so the gateway and the admin CLI (another process) share
// it, a new link replaces the previous one, and the token itself is never
// written anywhere. Single use: the first successful login clears it.
//
// Blocking (store calls).
#include <warren/store.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

namespace warren {

class setup_links {
public:
    static constexpr std::chrono::minutes lifetime{15};

    explicit setup_links(store& s) : store_(s) {}

    // A fresh token, replacing any earlier one.
    result<std::string> create(time_point now);
    // The local admin user when `token` is the current, unexpired one (then
    // used up); errc::unauthorized otherwise.
    result<user_record> redeem(std::string_view token, time_point now);

private:
    store& store_;
    std::mutex mutex_;  // one redemption at a time in this process: single use
};

// The URL printed for a token.
std::string setup_url(std::string_view apex_url, std::string_view token);

}  // namespace warren
