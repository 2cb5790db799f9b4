#include "plugins/plugin_metrics.hpp"

#include <stdexcept>

namespace warren {
namespace {

class counter_view final : public metric_counter {
public:
    explicit counter_view(warren::counter& c) : c_(c) {}
    void add(std::uint64_t n) noexcept override { c_.inc(n); }

private:
    warren::counter& c_;
};

class gauge_view final : public metric_gauge {
public:
    explicit gauge_view(warren::gauge& g) : g_(g) {}
    void set(std::int64_t v) noexcept override { g_.set(v); }
    void add(std::int64_t d) noexcept override { g_.inc(d); }

private:
    warren::gauge& g_;
};

}  // namespace

metric_counter& plugin_metrics::counter(std::string_view name, std::string_view help) {
    std::lock_guard lock(mutex_);
    if (auto it = counters_.find(name); it != counters_.end()) return *it->second;
    if (gauges_.contains(name))
        throw std::invalid_argument("metric " + std::string(name) + " is already a gauge");
    // add_counter throws std::invalid_argument for a bad or taken name.
    auto& c = registry_.add_counter(std::string(name), std::string(help));
    return *counters_.emplace(std::string(name), std::make_unique<counter_view>(c)).first->second;
}

metric_gauge& plugin_metrics::gauge(std::string_view name, std::string_view help) {
    std::lock_guard lock(mutex_);
    if (auto it = gauges_.find(name); it != gauges_.end()) return *it->second;
    if (counters_.contains(name))
        throw std::invalid_argument("metric " + std::string(name) + " is already a counter");
    auto& g = registry_.add_gauge(std::string(name), std::string(help));
    return *gauges_.emplace(std::string(name), std::make_unique<gauge_view>(g)).first->second;
}

}  // namespace warren
