#pragma once
// What the gateway hands its plugins (warren::host_services): the system
// clock, the gateway's metrics registry, the outbound HTTP client, the live
// tunnels, and the store once it is loaded.
//
// Lifetime: outlives every plugin object (create it before load_plugins and
// destroy it after the loaded plugins). Threading: thread-safe.
#include "plugins/http_client_impl.hpp"
#include "plugins/plugin_metrics.hpp"
#include "plugins/unready_admin.hpp"
#include "util/metrics.hpp"

#include <warren/host.hpp>

#include <atomic>
#include <filesystem>

namespace warren {

class gateway_services final : public host_services {
public:
    // `ca_file` ([plugins] ca_file, may be empty) is trusted by the HTTP
    // client besides the system store; throws config_error if it cannot be
    // loaded.
    gateway_services(metrics_registry& registry, const tunnel_directory& tunnels,
                     const std::filesystem::path& ca_file);

    std::chrono::system_clock::time_point now() const noexcept override;
    metric_registry& metrics() noexcept override { return metrics_; }
    http_client& http() noexcept override { return http_; }
    const tunnel_directory& tunnels() const noexcept override { return tunnels_; }
    warren::store* store() noexcept override { return store_.load(std::memory_order_acquire); }
    gateway_admin& admin() noexcept override {
        gateway_admin* a = admin_.load(std::memory_order_acquire);
        return a ? *a : unready_;
    }

    // Set by load_plugins once the store is created, and reset if start-up
    // fails; null before.
    void set_store(warren::store* store) noexcept {
        store_.store(store, std::memory_order_release);
    }

    // Set by run_gateway once the admin service exists (it needs the store
    // and the registry); plugins see "not ready" before.
    void set_admin(gateway_admin* admin) noexcept { admin_.store(admin, std::memory_order_release); }

private:
    plugin_metrics metrics_;
    http_client_impl http_;
    const tunnel_directory& tunnels_;
    std::atomic<warren::store*> store_{nullptr};
    unready_admin unready_;
    std::atomic<gateway_admin*> admin_{nullptr};
};

}  // namespace warren
