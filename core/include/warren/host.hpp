#pragma once
// What the gateway offers a plugin: services shared by all plugins, and the
// context one plugin is created with. Plugins make no io_context, thread pool
// or global registry of their own; what they need comes from here.
//
// Lifetime: every reference handed out lives longer than any plugin object.
// Threading: every service is thread-safe.
#include <warren/config_table.hpp>
#include <warren/export.hpp>
#include <warren/gateway_admin.hpp>
#include <warren/http_client.hpp>
#include <warren/logger.hpp>
#include <warren/metrics.hpp>
#include <warren/store.hpp>
#include <warren/tunnels.hpp>

#include <chrono>
#include <string_view>

namespace warren {

class WARREN_SDK_VISIBLE host_services {
public:
    virtual ~host_services() = default;

    // The gateway's clock (tests may run it at another time).
    virtual std::chrono::system_clock::time_point now() const noexcept = 0;
    virtual metric_registry& metrics() noexcept = 0;
    virtual http_client& http() noexcept = 0;
    virtual const tunnel_directory& tunnels() const noexcept = 0;
    // The configured store, for auth providers and the dashboard; null while
    // the store itself is being created.
    virtual warren::store* store() noexcept = 0;
    // SDK 1.1: users, tunnels, keys and the audit log with the gateway's
    // rules applied (gateway_admin.hpp); for the dashboard.
    virtual gateway_admin& admin() noexcept = 0;
};

// Handed to a plugin's constructor. Keep the references you need.
struct plugin_context {
    std::string_view name;       // the plugin's name: as in `plugin = "..."`, or its descriptor's when given by path
    const config_table& config;  // its table; read it all in the constructor
    logger& log;                 // prefixed with the plugin's name
    host_services& host;
};

}  // namespace warren
