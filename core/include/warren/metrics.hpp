#pragma once
// Counters and gauges a plugin adds to the gateway's /metrics (Prometheus).
//
// Register in the constructor: counter()/gauge() throw std::invalid_argument
// for a name that is not a valid Prometheus name or that the core already
// uses with another type. Registering the same name twice returns the same
// series. The returned references live as long as the host (longer than any
// plugin object). add/set are lock-free and safe from any thread.
#include <warren/export.hpp>

#include <cstdint>
#include <string_view>

namespace warren {

class WARREN_SDK_VISIBLE metric_counter {
public:
    virtual ~metric_counter() = default;
    virtual void add(std::uint64_t n = 1) noexcept = 0;
};

class WARREN_SDK_VISIBLE metric_gauge {
public:
    virtual ~metric_gauge() = default;
    virtual void set(std::int64_t value) noexcept = 0;
    virtual void add(std::int64_t delta) noexcept = 0;
};

class WARREN_SDK_VISIBLE metric_registry {
public:
    virtual ~metric_registry() = default;
    // `name` should start with "warren_" and name the plugin, e.g.
    // "warren_store_sqlite_busy_retries_total". `help` is one line.
    virtual metric_counter& counter(std::string_view name, std::string_view help) = 0;
    virtual metric_gauge& gauge(std::string_view name, std::string_view help) = 0;
};

}  // namespace warren
