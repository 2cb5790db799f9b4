#include "util/metrics.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>
#include <stdexcept>

namespace warren {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
    const auto ok = [allow_colon](char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (allow_colon && c == ':') || (!first && c >= '0' && c <= '9');
    };
    if (name.empty() || !ok(name.front(), true)) return false;
    return std::all_of(name.begin() + 1, name.end(), [&](char c) { return ok(c, false); });
}

void check_metric_name(std::string_view name) {
    if (!valid_name(name, true))
        throw std::invalid_argument("metrics: invalid metric name \"" + std::string{name} + "\"");
}

void check_label_names(std::string_view metric, const std::vector<std::string>& labels,
                       bool is_histogram) {
    std::set<std::string_view> seen;
    for (const auto& label : labels) {
        // "__" is Prometheus's own prefix; "le" is the histogram bucket label.
        const bool ok = valid_name(label, false) && !label.starts_with("__") &&
                        !(is_histogram && label == "le") && seen.insert(label).second;
        if (!ok)
            throw std::invalid_argument("metrics: invalid or duplicate label name \"" + label +
                                        "\" on " + std::string{metric});
    }
}

void check_buckets(const std::vector<double>& bounds) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            throw std::invalid_argument(
                "metrics: histogram buckets must be finite and strictly increasing");
    }
}

// Shortest text that reads back as the same double, in the spelling
// Prometheus uses for the special values.
void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, res.ptr);
    }
}

void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quotes) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

// name{labels} value, with the braces left out when there are no labels.
void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view labels, auto value) {
    out += name;
    out += suffix;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    if constexpr (std::is_floating_point_v<decltype(value)>) {
        append_number(out, value);
    } else {
        out += std::to_string(value);
    }
    out += '\n';
}

void render_series(std::string& out, std::string_view name, std::string_view labels,
                   const counter& c) {
    append_sample(out, name, "", labels, c.value());
}

void render_series(std::string& out, std::string_view name, std::string_view labels,
                   const gauge& g) {
    append_sample(out, name, "", labels, g.value());
}

void render_series(std::string& out, std::string_view name, std::string_view labels,
                   const histogram& h) {
    const auto& bounds = h.bounds();
    std::string bucket_labels{labels};
    if (!bucket_labels.empty()) bucket_labels += ',';
    const auto prefix_size = bucket_labels.size();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += h.bucket_count(i);
        bucket_labels.resize(prefix_size);
        bucket_labels += "le=\"";
        append_number(bucket_labels, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity());
        bucket_labels += '"';
        append_sample(out, name, "_bucket", bucket_labels, cumulative);
    }
    append_sample(out, name, "_sum", labels, h.sum());
    // The total of the buckets just printed, so _count always equals the
    // +Inf bucket even while observations land.
    append_sample(out, name, "_count", labels, cumulative);
}

}  // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_{std::move(bounds)},
      counts_{std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)} {
    check_buckets(bounds_);
}

void histogram::observe(double v) noexcept {
    if (std::isnan(v)) return;
    // Bucket i holds bounds[i-1] < v <= bounds[i].
    const auto i = static_cast<std::size_t>(std::ranges::lower_bound(bounds_, v) - bounds_.begin());
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t histogram::count() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) total += bucket_count(i);
    return total;
}

template <class Metric>
metric_family<Metric>::metric_family(std::string name, std::string help,
                                     std::vector<std::string> label_names, factory make)
    : name_{std::move(name)},
      help_{std::move(help)},
      label_names_{std::move(label_names)},
      make_{std::move(make)} {}

template <class Metric>
Metric& metric_family<Metric>::with(std::initializer_list<std::string_view> label_values) {
    if (label_values.size() != label_names_.size())
        throw std::invalid_argument("metrics: " + name_ + " takes " +
                                    std::to_string(label_names_.size()) + " label values, got " +
                                    std::to_string(label_values.size()));
    std::lock_guard lock{mutex_};
    auto it = series_.find(label_values);
    if (it == series_.end())
        it = series_.emplace(std::vector<std::string>(label_values.begin(), label_values.end()), make_())
                 .first;
    return *it->second;
}

template <class Metric>
void metric_family<Metric>::render(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    append_escaped(out, help_, false);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += Metric::prometheus_type;
    out += '\n';

    std::lock_guard lock{mutex_};
    std::string labels;
    for (const auto& [values, metric] : series_) {
        labels.clear();
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) labels += ',';
            labels += label_names_[i];
            labels += "=\"";
            append_escaped(labels, values[i], true);
            labels += '"';
        }
        render_series(out, name_, labels, *metric);
    }
}

template class metric_family<counter>;
template class metric_family<gauge>;
template class metric_family<histogram>;

template <class Metric>
metric_family<Metric>& metrics_registry::add_family(std::string name, std::string help,
                                                    std::vector<std::string> label_names,
                                                    typename metric_family<Metric>::factory make) {
    check_metric_name(name);
    check_label_names(name, label_names, std::is_same_v<Metric, histogram>);
    std::lock_guard lock{mutex_};
    if (names_.contains(name))
        throw std::invalid_argument("metrics: " + name + " is registered twice");
    names_.insert(name);
    // The constructor is private to the registry, so no make_unique.
    std::unique_ptr<metric_family<Metric>> family{new metric_family<Metric>(
        std::move(name), std::move(help), std::move(label_names), std::move(make))};
    auto& ref = *family;
    families_.push_back(std::move(family));
    return ref;
}

counter& metrics_registry::add_counter(std::string name, std::string help) {
    return add_counter_family(std::move(name), std::move(help), {}).with({});
}

gauge& metrics_registry::add_gauge(std::string name, std::string help) {
    return add_gauge_family(std::move(name), std::move(help), {}).with({});
}

histogram& metrics_registry::add_histogram(std::string name, std::string help,
                                           std::vector<double> buckets) {
    return add_histogram_family(std::move(name), std::move(help), {}, std::move(buckets)).with({});
}

counter_family& metrics_registry::add_counter_family(std::string name, std::string help,
                                                     std::vector<std::string> label_names) {
    return add_family<counter>(std::move(name), std::move(help), std::move(label_names),
                               [] { return std::make_unique<counter>(); });
}

gauge_family& metrics_registry::add_gauge_family(std::string name, std::string help,
                                                 std::vector<std::string> label_names) {
    return add_family<gauge>(std::move(name), std::move(help), std::move(label_names),
                             [] { return std::make_unique<gauge>(); });
}

histogram_family& metrics_registry::add_histogram_family(std::string name, std::string help,
                                                         std::vector<std::string> label_names,
                                                         std::vector<double> buckets) {
    // Checked here too, so a bad bucket list fails at registration rather
    // than at the first with() of a labelled family.
    check_buckets(buckets);
    return add_family<histogram>(std::move(name), std::move(help), std::move(label_names),
                                 [buckets = std::move(buckets)] {
                                     return std::make_unique<histogram>(buckets);
                                 });
}

std::string metrics_registry::render() const {
    std::string out;
    std::lock_guard lock{mutex_};
    for (const auto& family : families_) family->render(out);
    return out;
}

}  // namespace warren
