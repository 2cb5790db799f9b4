#include "util/metrics.hpp"

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace warren {
namespace {

TEST(metrics, renders_exposition_text) {
    metrics_registry registry;
    auto& requests = registry.add_counter("warren_requests_total", "Requests served.");
    auto& tunnels = registry.add_gauge("warren_tunnels", "Connected tunnels.");
    auto& responses = registry.add_counter_family("warren_responses_total", "Responses by status.",
                                                  {"tunnel", "code"});
    auto& latency =
        registry.add_histogram("warren_latency_seconds", "Time to response head.", {0.25, 1, 2.5});

    requests.inc();
    requests.inc(2);
    tunnels.set(5);
    tunnels.dec();
    tunnels.inc(3);
    responses.with({"demo", "200"}).inc();
    responses.with({"alpha", "404"}).inc(2);
    responses.with({"demo", "200"}).inc();
    latency.observe(0.25);  // on a bound: counts in that bucket
    latency.observe(0.5);
    latency.observe(2);
    latency.observe(10);

    EXPECT_EQ(registry.render(),
              "# HELP warren_requests_total Requests served.\n"
              "# TYPE warren_requests_total counter\n"
              "warren_requests_total 3\n"
              "# HELP warren_tunnels Connected tunnels.\n"
              "# TYPE warren_tunnels gauge\n"
              "warren_tunnels 7\n"
              "# HELP warren_responses_total Responses by status.\n"
              "# TYPE warren_responses_total counter\n"
              "warren_responses_total{tunnel=\"alpha\",code=\"404\"} 2\n"
              "warren_responses_total{tunnel=\"demo\",code=\"200\"} 2\n"
              "# HELP warren_latency_seconds Time to response head.\n"
              "# TYPE warren_latency_seconds histogram\n"
              "warren_latency_seconds_bucket{le=\"0.25\"} 1\n"
              "warren_latency_seconds_bucket{le=\"1\"} 2\n"
              "warren_latency_seconds_bucket{le=\"2.5\"} 3\n"
              "warren_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              "warren_latency_seconds_sum 12.75\n"
              "warren_latency_seconds_count 4\n");

    EXPECT_EQ(requests.value(), 3u);
    EXPECT_EQ(tunnels.value(), 7);
    EXPECT_EQ(latency.count(), 4u);
    EXPECT_EQ(latency.sum(), 12.75);
}

TEST(metrics, labelled_histograms_and_gauges) {
    metrics_registry registry;
    auto& sizes = registry.add_histogram_family("body_bytes", "Body sizes.", {"dir"}, {1024});
    auto& streams = registry.add_gauge_family("streams", "Open streams.", {"tunnel"});
    sizes.with({"up"}).observe(100);
    sizes.with({"down"}).observe(4096);
    streams.with({"b"}).set(-2);
    streams.with({"a"}).inc();

    EXPECT_EQ(registry.render(),
              "# HELP body_bytes Body sizes.\n"
              "# TYPE body_bytes histogram\n"
              "body_bytes_bucket{dir=\"down\",le=\"1024\"} 0\n"
              "body_bytes_bucket{dir=\"down\",le=\"+Inf\"} 1\n"
              "body_bytes_sum{dir=\"down\"} 4096\n"
              "body_bytes_count{dir=\"down\"} 1\n"
              "body_bytes_bucket{dir=\"up\",le=\"1024\"} 1\n"
              "body_bytes_bucket{dir=\"up\",le=\"+Inf\"} 1\n"
              "body_bytes_sum{dir=\"up\"} 100\n"
              "body_bytes_count{dir=\"up\"} 1\n"
              "# HELP streams Open streams.\n"
              "# TYPE streams gauge\n"
              "streams{tunnel=\"a\"} 1\n"
              "streams{tunnel=\"b\"} -2\n");
}

TEST(metrics, escapes_label_values_and_help) {
    metrics_registry registry;
    auto& family = registry.add_counter_family("hits_total", "Hits by path\\host\nsecond \"line\".",
                                               {"path"});
    family.with({"a\\b\"c\nd"}).inc();
    EXPECT_EQ(registry.render(),
              "# HELP hits_total Hits by path\\\\host\\nsecond \"line\".\n"
              "# TYPE hits_total counter\n"
              "hits_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(metrics, empty_family_renders_only_its_header) {
    metrics_registry registry;
    registry.add_counter_family("rejections_total", "Rejected connects.", {"reason"});
    EXPECT_EQ(registry.render(),
              "# HELP rejections_total Rejected connects.\n"
              "# TYPE rejections_total counter\n");
}

TEST(metrics, series_references_are_stable) {
    metrics_registry registry;
    auto& family = registry.add_counter_family("c_total", "c", {"k"});
    auto& first = family.with({"m"});
    for (int i = 0; i < 1000; ++i) family.with({std::to_string(i)}).inc();
    EXPECT_EQ(&family.with({"m"}), &first);
    first.inc();
    EXPECT_EQ(family.with({"m"}).value(), 1u);
}

TEST(metrics, histogram_buckets_and_nan) {
    histogram h{{1, 2}};
    h.observe(-5);
    h.observe(1);
    h.observe(1.5);
    h.observe(2);
    h.observe(std::nan(""));
    h.observe(INFINITY);
    EXPECT_EQ(h.bucket_count(0), 2u);
    EXPECT_EQ(h.bucket_count(1), 2u);
    EXPECT_EQ(h.bucket_count(2), 1u);
    EXPECT_EQ(h.count(), 5u);
    EXPECT_TRUE(std::isinf(h.sum()));
}

TEST(metrics, refuses_programming_errors) {
    metrics_registry registry;
    registry.add_counter("dup_total", "x");
    EXPECT_THROW(registry.add_gauge("dup_total", "x"), std::invalid_argument);
    EXPECT_THROW(registry.add_counter("", "x"), std::invalid_argument);
    EXPECT_THROW(registry.add_counter("1abc", "x"), std::invalid_argument);
    EXPECT_THROW(registry.add_counter("bad-name", "x"), std::invalid_argument);
    EXPECT_NO_THROW(registry.add_counter("ns:sub_total", "colons are allowed in names"));
    EXPECT_THROW(registry.add_counter_family("a_total", "x", {"__reserved"}), std::invalid_argument);
    EXPECT_THROW(registry.add_counter_family("b_total", "x", {"k", "k"}), std::invalid_argument);
    EXPECT_THROW(registry.add_counter_family("c_total", "x", {"a:b"}), std::invalid_argument);
    EXPECT_THROW(registry.add_histogram_family("d", "x", {"le"}, {1}), std::invalid_argument);
    EXPECT_THROW(registry.add_histogram("e", "x", {2, 1}), std::invalid_argument);
    EXPECT_THROW(registry.add_histogram("f", "x", {1, 1}), std::invalid_argument);
    EXPECT_THROW(registry.add_histogram("g", "x", {1, INFINITY}), std::invalid_argument);
    EXPECT_THROW(registry.add_histogram("h", "x", {std::nan("")}), std::invalid_argument);

    auto& family = registry.add_counter_family("i_total", "x", {"a", "b"});
    EXPECT_THROW(family.with({"only-one"}), std::invalid_argument);
    EXPECT_THROW(family.with({"1", "2", "3"}), std::invalid_argument);
    // A refused registration leaves nothing behind: the name is still free.
    EXPECT_NO_THROW(registry.add_counter("a_total", "x"));
}

TEST(metrics, concurrent_updates_sum_exactly) {
    metrics_registry registry;
    auto& total = registry.add_counter("ops_total", "x");
    auto& level = registry.add_gauge("level", "x");
    auto& per_tunnel = registry.add_counter_family("tunnel_ops_total", "x", {"tunnel"});
    auto& latency = registry.add_histogram("latency", "x", {0.5, 1.5});

    constexpr int threads = 4;
    constexpr int iterations = 100'000;
    std::atomic<bool> done{false};
    // Rendering while others write must be safe (run under TSan).
    std::thread reader{[&] {
        while (!done.load()) EXPECT_FALSE(registry.render().empty());
    }};
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&, t] {
            auto& mine = per_tunnel.with({t % 2 == 0 ? "even" : "odd"});
            for (int i = 0; i < iterations; ++i) {
                total.inc();
                level.inc(2);
                level.dec();
                mine.inc();
                latency.observe(1.0);
                if (i % 1000 == 0) per_tunnel.with({"shared"}).inc();
            }
        });
    }
    for (auto& w : writers) w.join();
    done = true;
    reader.join();

    EXPECT_EQ(total.value(), std::uint64_t{threads} * iterations);
    EXPECT_EQ(level.value(), std::int64_t{threads} * iterations);
    EXPECT_EQ(per_tunnel.with({"even"}).value(), 2u * iterations);
    EXPECT_EQ(per_tunnel.with({"odd"}).value(), 2u * iterations);
    EXPECT_EQ(per_tunnel.with({"shared"}).value(), std::uint64_t{threads} * (iterations / 1000));
    EXPECT_EQ(latency.count(), std::uint64_t{threads} * iterations);
    EXPECT_EQ(latency.bucket_count(1), std::uint64_t{threads} * iterations);
    EXPECT_EQ(latency.sum(), double{threads} * iterations);
}

}  // namespace
}  // namespace warren
