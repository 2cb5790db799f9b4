#pragma once
// The SDK's metric_registry over the core's Prometheus registry, so plugin
// series appear in /metrics next to the core's.
#include "util/metrics.hpp"

#include <warren/metrics.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace warren {

class plugin_metrics final : public metric_registry {
public:
    explicit plugin_metrics(metrics_registry& registry) : registry_(registry) {}

    metric_counter& counter(std::string_view name, std::string_view help) override;
    metric_gauge& gauge(std::string_view name, std::string_view help) override;

private:
    metrics_registry& registry_;
    std::mutex mutex_;
    // Keyed by name, so that asking again returns the same series.
    std::map<std::string, std::unique_ptr<metric_counter>, std::less<>> counters_;
    std::map<std::string, std::unique_ptr<metric_gauge>, std::less<>> gauges_;
};

}  // namespace warren
