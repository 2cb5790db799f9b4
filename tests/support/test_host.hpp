#pragma once
// The host side of the plugin boundary for tests that create plugin objects
// without a running gateway: the core's own metrics adapter and HTTP client,
// a logger that keeps every line (so tests can grep for secrets), and an
// empty tunnel directory (no gateway, no tunnels).
#include "util/metrics.hpp"

#include <warren/host.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace warren::test {

class capture_logger final : public logger {
public:
    bool enabled(log_level) const noexcept override { return true; }
    void log(log_level level, std::string_view message) noexcept override;

    std::vector<std::string> lines() const;
    // Every line joined by '\n', for EXPECT_THAT(..., Not(HasSubstr(key))).
    std::string text() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

class test_host final : public host_services {
public:
    // The HTTP client trusts `ca_file` (PEM) besides the system store, as
    // [plugins] ca_file does: tests point it at their fake servers' CA.
    explicit test_host(const std::filesystem::path& ca_file = {});
    ~test_host() override;

    std::chrono::system_clock::time_point now() const noexcept override;
    metric_registry& metrics() noexcept override;
    http_client& http() noexcept override;
    const tunnel_directory& tunnels() const noexcept override;
    warren::store* store() noexcept override { return store_; }
    // "Not ready" unless a test sets one.
    gateway_admin& admin() noexcept override;

    void set_store(warren::store* s) { store_ = s; }
    void set_admin(gateway_admin* a) { admin_ = a; }
    capture_logger& log() { return log_; }
    metrics_registry& registry() { return registry_; }

    // A context for creating a plugin named `name` with `config`.
    plugin_context context(std::string_view name, const config_table& config) {
        return plugin_context{name, config, log_, *this};
    }

private:
    struct impl;
    metrics_registry registry_;
    capture_logger log_;
    std::unique_ptr<impl> impl_;
    warren::store* store_ = nullptr;
    gateway_admin* admin_ = nullptr;
};

}  // namespace warren::test
