// The request-log dispatcher with in-process sinks: order, batching, drops
// under a slow sink, isolation between sinks, and draining at stop. Slow
// sinks are made deterministic with a gate that holds write() until the test
// opens it; nothing here asserts on how long anything took.
#include "gateway/request_log_dispatcher.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace warren {
namespace {

using namespace std::chrono_literals;

// Keeps the paths of every batch it gets. While its gate is closed, write()
// waits for it to open.
class test_sink final : public request_log_sink {
public:
    explicit test_sink(std::chrono::milliseconds delay = 0ms) : delay_(delay) {}

    void write(std::span<const request_record> batch) noexcept override {
        std::unique_lock lock(mutex_);
        ++blocked_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return !gated_; });
        --blocked_;
        lock.unlock();
        std::this_thread::sleep_for(delay_);
        lock.lock();
        std::vector<std::string> paths;
        for (const auto& r : batch) paths.push_back(r.path);
        batches_.push_back(std::move(paths));
        changed_.notify_all();
    }

    void flush() noexcept override {
        std::lock_guard lock(mutex_);
        ++flushes_;
    }

    void close_gate() { set_gate(true); }
    void open_gate() { set_gate(false); }

    // Waits (generously: this is a wait, not a timing assertion) until a
    // write() is held at the gate.
    bool wait_blocked() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 30s, [this] { return blocked_ > 0; });
    }
    bool wait_records(std::size_t n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 30s, [&] { return count_locked() >= n; });
    }

    std::vector<std::vector<std::string>> batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }
    std::vector<std::string> paths() const {
        std::vector<std::string> out;
        for (const auto& b : batches()) out.insert(out.end(), b.begin(), b.end());
        return out;
    }
    int flushes() const {
        std::lock_guard lock(mutex_);
        return flushes_;
    }

private:
    void set_gate(bool closed) {
        std::lock_guard lock(mutex_);
        gated_ = closed;
        changed_.notify_all();
    }
    std::size_t count_locked() const {
        std::size_t n = 0;
        for (const auto& b : batches_) n += b.size();
        return n;
    }

    const std::chrono::milliseconds delay_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool gated_ = false;
    int blocked_ = 0;
    int flushes_ = 0;
    std::vector<std::vector<std::string>> batches_;
};

request_record record(int i) {
    request_record r;
    r.started = std::chrono::system_clock::now();
    r.tunnel = "demo";
    r.method = "GET";
    r.path = "/" + std::to_string(i);
    r.host = "demo.localhost";
    r.client_ip = "127.0.0.1";
    r.status = 200;
    return r;
}

std::vector<std::string> expected_paths(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("/" + std::to_string(i));
    return out;
}

// A labelled sample from the registry's exposition text; -1 if absent.
double sample(const metrics_registry& registry, std::string_view name, std::string_view sink) {
    const std::string prefix = std::string(name) + "{sink=\"" + std::string(sink) + "\"} ";
    std::istringstream in(registry.render());
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size()));
    return -1;
}
double written(const metrics_registry& r, std::string_view sink) {
    return sample(r, "warren_request_log_records_total", sink);
}
double dropped(const metrics_registry& r, std::string_view sink) {
    return sample(r, "warren_request_log_dropped_total", sink);
}

TEST(RequestLogDispatcher, RecordsArriveInOrderAndAreCounted) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>();
    request_log_dispatcher d({{"mem", sink, 1000}}, metrics);
    EXPECT_EQ(written(metrics, "mem"), 0);  // the series exist from the start
    EXPECT_EQ(dropped(metrics, "mem"), 0);
    for (int i = 0; i < 500; ++i) d.submit(record(i));
    d.stop();
    EXPECT_EQ(sink->paths(), expected_paths(0, 500));
    EXPECT_EQ(written(metrics, "mem"), 500);
    EXPECT_EQ(dropped(metrics, "mem"), 0);
    EXPECT_GE(sink->flushes(), 1);
}

TEST(RequestLogDispatcher, TakesEverythingQueuedInBatchesUpToTheCap) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>();
    request_log_dispatcher d({{"mem", sink, 100}}, metrics, {.max_batch = 4});
    sink->close_gate();
    d.submit(record(0));
    ASSERT_TRUE(sink->wait_blocked());  // the thread holds record 0; the rest queue up
    for (int i = 1; i <= 10; ++i) d.submit(record(i));
    sink->open_gate();
    ASSERT_TRUE(sink->wait_records(11));
    const auto batches = sink->batches();
    ASSERT_EQ(batches.size(), 4u);
    EXPECT_EQ(batches[0], expected_paths(0, 1));
    EXPECT_EQ(batches[1], expected_paths(1, 5));
    EXPECT_EQ(batches[2], expected_paths(5, 9));
    EXPECT_EQ(batches[3], expected_paths(9, 11));
    d.stop();
    EXPECT_GE(sink->flushes(), 1);
}

TEST(RequestLogDispatcher, FlushesWhenTheQueueRunsEmpty) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>();
    request_log_dispatcher d({{"mem", sink, 100}}, metrics);
    d.submit(record(0));
    ASSERT_TRUE(sink->wait_records(1));
    // flush() follows the write on the same thread, just after it.
    for (int i = 0; i < 3000 && sink->flushes() == 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(sink->flushes(), 1);
    d.stop();
    EXPECT_EQ(sink->flushes(), 2);  // and once more at the end
}

TEST(RequestLogDispatcher, SlowSinkDropsAndCountsWhileSubmitNeverWaits) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>();
    request_log_dispatcher d({{"slow", sink, 8}}, metrics);
    sink->close_gate();
    d.submit(record(0));
    ASSERT_TRUE(sink->wait_blocked());
    // The sink is stuck: if submit() waited for it, this loop would never end.
    constexpr int n = 10'000;
    for (int i = 1; i < n; ++i) d.submit(record(i));
    EXPECT_EQ(dropped(metrics, "slow"), n - 1 - 8);  // all but the one in hand and a full queue
    EXPECT_EQ(written(metrics, "slow"), 0);
    sink->open_gate();
    d.stop();
    EXPECT_EQ(written(metrics, "slow"), 9);
    EXPECT_EQ(written(metrics, "slow") + dropped(metrics, "slow"), n);
    EXPECT_EQ(sink->paths(), expected_paths(0, 9));  // the oldest kept, in order
}

TEST(RequestLogDispatcher, OneSlowSinkDoesNotDelayAnother) {
    metrics_registry metrics;
    auto slow = std::make_shared<test_sink>();
    auto fast = std::make_shared<test_sink>();
    request_log_dispatcher d({{"slow", slow, 1000}, {"fast", fast, 1000}}, metrics);
    slow->close_gate();
    for (int i = 0; i < 100; ++i) d.submit(record(i));
    ASSERT_TRUE(fast->wait_records(100));  // while the slow one is still stuck
    EXPECT_TRUE(slow->paths().empty());
    slow->open_gate();
    d.stop();
    EXPECT_EQ(fast->paths(), expected_paths(0, 100));
    EXPECT_EQ(slow->paths(), expected_paths(0, 100));  // its queue was big enough: nothing lost
    EXPECT_EQ(dropped(metrics, "slow"), 0);
    EXPECT_EQ(dropped(metrics, "fast"), 0);
}

TEST(RequestLogDispatcher, StopDrainsWhatIsQueued) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>(1ms);
    request_log_dispatcher d({{"mem", sink, 1000}}, metrics, {.max_batch = 10});
    for (int i = 0; i < 300; ++i) d.submit(record(i));
    d.stop();
    EXPECT_EQ(sink->paths(), expected_paths(0, 300));
    EXPECT_EQ(dropped(metrics, "mem"), 0);
    EXPECT_GE(sink->flushes(), 1);
}

TEST(RequestLogDispatcher, StopGivesUpAtTheDrainTimeoutAndCountsTheRest) {
    metrics_registry metrics;
    // 50 ms per record, 100 records, 100 ms to drain: most are left over.
    auto sink = std::make_shared<test_sink>(50ms);
    request_log_dispatcher d({{"mem", sink, 100}}, metrics, {.max_batch = 1, .drain_timeout = 100ms});
    for (int i = 0; i < 100; ++i) d.submit(record(i));
    d.stop();
    EXPECT_GT(dropped(metrics, "mem"), 0);
    EXPECT_EQ(written(metrics, "mem") + dropped(metrics, "mem"), 100);
    EXPECT_EQ(written(metrics, "mem"), static_cast<double>(sink->paths().size()));
}

TEST(RequestLogDispatcher, RecordsAfterStopAreDroppedAndCounted) {
    metrics_registry metrics;
    auto sink = std::make_shared<test_sink>();
    request_log_dispatcher d({{"mem", sink, 10}}, metrics);
    d.stop();
    d.stop();  // idempotent
    d.submit(record(0));
    EXPECT_EQ(dropped(metrics, "mem"), 1);
    EXPECT_TRUE(sink->paths().empty());
}

TEST(RequestLogDispatcher, RefusesAnEmptyQueueOrNoSink) {
    metrics_registry metrics;
    EXPECT_THROW(request_log_dispatcher({{"a", std::make_shared<test_sink>(), 0}}, metrics),
                 std::invalid_argument);
    EXPECT_THROW(request_log_dispatcher({{"b", nullptr, 10}}, metrics), std::invalid_argument);
}

}  // namespace
}  // namespace warren
