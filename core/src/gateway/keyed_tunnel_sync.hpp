#pragma once
// Keeps the gateway's picture of keyed tunnels in step with the store, which
// the admin CLI (another process) changes: every `every`, on the blocking
// pool, it reads the tunnel list, replaces the registry's set of keyed names
// (so routing answers 503 for a known tunnel that is offline and 404 for a
// deleted one), and disconnects live sessions whose tunnel was deleted or
// whose key was revoked or rotated since they connected.
#include "gateway/gateway_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <vector>

namespace warren {

// One pass, given the store's tunnels as read at `as_of`. Sessions that
// connected after that are left alone: the list may predate their key.
void apply_keyed_tunnels(gateway_context& ctx, const std::vector<tunnel_record>& tunnels,
                         std::chrono::system_clock::time_point as_of);

// Ends a live session so that its client stops rather than reconnects (its
// key is no longer good): GOAWAY "replaced" with `why`, then close. Any thread.
void disconnect_for_good(const std::shared_ptr<tunnel>& t, std::string why);

// One pass, blocking (before listening, and after the dashboard changed tunnels). False if the store failed.
bool sync_keyed_tunnels_now(gateway_context& ctx);

// Runs until the gateway drains.
boost::asio::awaitable<void> sync_keyed_tunnels(gateway_context& ctx, std::chrono::milliseconds every);

}  // namespace warren
