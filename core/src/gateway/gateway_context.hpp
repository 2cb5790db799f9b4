#pragma once
// What every part of a running gateway shares: settings, the tunnel registry,
// metrics and the drain state. Created once by the gateway; read-mostly.
#include "config/gateway_config.hpp"
#include "gateway/change_feed.hpp"
#include "gateway/gateway_metrics.hpp"
#include "gateway/traffic_ledger.hpp"
#include "gateway/tunnel_registry.hpp"
#include "limits/gateway_limits.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <warren/http_app.hpp>
#include <warren/store.hpp>

namespace boost::asio {
class thread_pool;
}

namespace warren {

class audit_trail;
class request_log_dispatcher;
class sessions;

struct gateway_context {
    gateway_context(const gateway_config& c, metrics_registry& m)
        : config(c), registry(c.tunnels.reclaim_grace), metrics(m), limits(c.limits) {}

    const gateway_config& config;
    tunnel_registry registry;
    gateway_metrics metrics;
    limits::gateway_limits limits;  // connection caps and rate limits ([limits])
    std::atomic<bool> draining{false};
    std::atomic<std::int64_t> active_requests{0};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    change_feed changes;     // what the dashboard's event stream watches
    traffic_ledger traffic;  // keyed tunnels' requests and bytes today

    // Set by run_gateway before listening; they outlive every connection.
    warren::store* store = nullptr;                // the [store] plugin
    boost::asio::thread_pool* blocking = nullptr;  // where store calls run (blocking_pool.hpp)
    audit_trail* audit = nullptr;                  // connects and rejections
    request_log_dispatcher* request_log = nullptr;  // null without [[request_log]] sinks
    http_app* dashboard = nullptr;                 // the [dashboard] plugin, if any
    http_app* login = nullptr;                     // /login/..., /logout (login_routes)
    warren::sessions* sessions = nullptr;          // session cookies and API tokens

    // Filled in once listening: how the public reaches us, for the URLs we
    // hand out. From [server] public_url when set (behind a reverse proxy or
    // a port mapping), else from domain, TLS and the bound port.
    std::string scheme = "http";
    std::string public_host;
    bool tls = false;  // plain HTTP then only gets redirected
    std::uint16_t public_port = 0;

    // "http://demo.localhost:8080": the port is left out when it is the default.
    std::string tunnel_url(std::string_view name) const;
    std::string apex_url() const;
};

}  // namespace warren
