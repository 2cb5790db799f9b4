#pragma once
// Process-wide leak gauges of the multiplexer: bytes held in mux buffers
// (frames queued for the transport, body bytes received and not yet read),
// and live session and stream objects. /metrics samples them at scrape time.
//
// Threading: relaxed atomics, so holders on any strand update them without a
// lock; a scrape reads a value that was true at some recent instant, which is
// all a gauge needs.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace warren::proto {

struct mux_gauges {
    std::atomic<std::int64_t> buffered_bytes{0};
    std::atomic<std::int64_t> sessions{0};
    std::atomic<std::int64_t> streams{0};
};

// The one set of gauges of this process.
inline mux_gauges& process_mux_gauges() noexcept {
    static mux_gauges g;
    return g;
}

// The bytes one buffer holds, added to the process total; the destructor
// takes them back out, so a buffer freed on any path (clear, move, error)
// cannot leave the gauge off.
class buffer_account {
public:
    buffer_account() = default;
    buffer_account(buffer_account&& o) noexcept : held_(std::exchange(o.held_, 0)) {}
    buffer_account& operator=(buffer_account&& o) noexcept {
        if (this != &o) {
            set(0);
            held_ = std::exchange(o.held_, 0);
        }
        return *this;
    }
    buffer_account(const buffer_account&) = delete;
    buffer_account& operator=(const buffer_account&) = delete;
    ~buffer_account() { set(0); }

    // The buffer now holds n bytes.
    void set(std::size_t n) noexcept {
        const auto delta = static_cast<std::int64_t>(n) - static_cast<std::int64_t>(held_);
        if (delta != 0) process_mux_gauges().buffered_bytes.fetch_add(delta, std::memory_order_relaxed);
        held_ = n;
    }

private:
    std::size_t held_ = 0;
};

// Counts one live object of a kind for as long as it exists.
class live_count {
public:
    explicit live_count(std::atomic<std::int64_t>& n) noexcept : n_(n) { n_.fetch_add(1, std::memory_order_relaxed); }
    ~live_count() { n_.fetch_sub(1, std::memory_order_relaxed); }
    live_count(const live_count&) = delete;
    live_count& operator=(const live_count&) = delete;

private:
    std::atomic<std::int64_t>& n_;
};

}  // namespace warren::proto
