#pragma once
// A Prometheus registry (text exposition format 0.0.4). There is no global
// one: the core owns a registry and hands it to whatever needs to count.
//
// Threading: registering and with() take mutexes; the returned references
// stay valid as long as the registry, so hot paths look a series up once and
// keep the reference. inc/set/observe are lock-free atomics. render() may run
// concurrently with everything else.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace warren {

class counter {
public:
    static constexpr std::string_view prometheus_type = "counter";

    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    static constexpr std::string_view prometheus_type = "gauge";

    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void inc(std::int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    void dec(std::int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

class histogram {
public:
    static constexpr std::string_view prometheus_type = "histogram";

    // Upper bounds, finite and strictly increasing (std::invalid_argument
    // otherwise); the +Inf bucket is implicit.
    explicit histogram(std::vector<double> bounds);

    // NaN is ignored: it would turn the sum into NaN for good.
    void observe(double v) noexcept;

    const std::vector<double>& bounds() const noexcept { return bounds_; }
    // Observations in bucket i alone (not cumulative); i == bounds().size()
    // is the +Inf bucket.
    std::uint64_t bucket_count(std::size_t i) const noexcept {
        return counts_[i].load(std::memory_order_relaxed);
    }
    std::uint64_t count() const noexcept;
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<double> sum_{0.0};
};

namespace detail {

// What the registry needs from every family: its exposition text.
class metric_family_base {
public:
    virtual ~metric_family_base() = default;
    virtual void render(std::string& out) const = 0;
};

// Orders label-value lists, and lets with() look one up without building a
// std::vector<std::string> first.
struct label_values_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
};

}  // namespace detail

// All series of one metric name, one per combination of label values.
template <class Metric>
class metric_family final : public detail::metric_family_base {
public:
    // The series for these label values (in label-name order), created on
    // first use. Throws std::invalid_argument if the count does not match.
    Metric& with(std::initializer_list<std::string_view> label_values);

    void render(std::string& out) const override;

private:
    friend class metrics_registry;
    using factory = std::function<std::unique_ptr<Metric>()>;

    metric_family(std::string name, std::string help, std::vector<std::string> label_names,
                  factory make);

    const std::string name_;
    const std::string help_;
    const std::vector<std::string> label_names_;
    const factory make_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Metric>, detail::label_values_less> series_;
};

extern template class metric_family<counter>;
extern template class metric_family<gauge>;
extern template class metric_family<histogram>;

using counter_family = metric_family<counter>;
using gauge_family = metric_family<gauge>;
using histogram_family = metric_family<histogram>;

class metrics_registry {
public:
    metrics_registry() = default;
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    // Each throws std::invalid_argument for a malformed or already registered
    // name, malformed or duplicate label names, or bad histogram buckets:
    // these are programming errors, found at start.
    counter& add_counter(std::string name, std::string help);
    gauge& add_gauge(std::string name, std::string help);
    histogram& add_histogram(std::string name, std::string help, std::vector<double> buckets);

    counter_family& add_counter_family(std::string name, std::string help,
                                       std::vector<std::string> label_names);
    gauge_family& add_gauge_family(std::string name, std::string help,
                                   std::vector<std::string> label_names);
    histogram_family& add_histogram_family(std::string name, std::string help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> buckets);

    // Families in registration order, series sorted by label values.
    std::string render() const;

private:
    template <class Metric>
    metric_family<Metric>& add_family(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      typename metric_family<Metric>::factory make);

    mutable std::mutex mutex_;
    std::set<std::string, std::less<>> names_;
    std::vector<std::unique_ptr<detail::metric_family_base>> families_;
};

}  // namespace warren
