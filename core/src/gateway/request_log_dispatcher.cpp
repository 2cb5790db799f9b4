#include "gateway/request_log_dispatcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

namespace warren {

// One sink's queue and thread. The queue is a ring of slots allocated up
// front, so pushing a record moves its strings in and allocates nothing.
class request_log_dispatcher::lane {
public:
    lane(sink_entry entry, counter& written, counter& dropped, std::size_t max_batch)
        : sink_(std::move(entry.sink)),
          ring_(entry.queue),
          written_(written),
          dropped_(dropped),
          max_batch_(std::min(max_batch, entry.queue)),
          thread_([this] { run(); }) {}

    ~lane() {
        request_stop(std::chrono::steady_clock::now());
        join();
    }

    lane(const lane&) = delete;
    lane& operator=(const lane&) = delete;

    void push(request_record&& record) noexcept {
        std::unique_lock lock(mutex_);
        if (stopping_ || count_ == ring_.size()) {
            lock.unlock();
            dropped_.inc();
            return;
        }
        ring_[(first_ + count_) % ring_.size()] = std::move(record);
        // The thread only sleeps on an empty queue: wake it only then.
        const bool was_empty = count_++ == 0;
        lock.unlock();
        if (was_empty) wake_.notify_one();
    }

    void count_drop() noexcept { dropped_.inc(); }

    // Records still queued are written until `deadline`, the rest dropped.
    void request_stop(std::chrono::steady_clock::time_point deadline) noexcept {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            stopping_ = true;
            deadline_ = deadline;
        }
        wake_.notify_one();
    }

    void join() noexcept {
        if (thread_.joinable()) thread_.join();
    }

private:
    void run() noexcept {
        std::vector<request_record> batch;
        batch.reserve(max_batch_);
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return count_ > 0 || stopping_; });
            if (count_ == 0) break;
            if (stopping_ && std::chrono::steady_clock::now() >= deadline_) {
                dropped_.inc(count_);
                count_ = 0;
                break;
            }
            const std::size_t n = std::min(count_, max_batch_);
            for (std::size_t i = 0; i < n; ++i) batch.push_back(std::move(ring_[(first_ + i) % ring_.size()]));
            first_ = (first_ + n) % ring_.size();
            count_ -= n;
            lock.unlock();

            sink_->write(batch);
            written_.inc(batch.size());
            batch.clear();

            lock.lock();
            if (count_ == 0 && !stopping_) {
                lock.unlock();
                sink_->flush();
                lock.lock();
            }
        }
        lock.unlock();
        sink_->flush();
    }

    const std::shared_ptr<request_log_sink> sink_;
    std::vector<request_record> ring_;
    counter& written_;
    counter& dropped_;
    const std::size_t max_batch_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::size_t first_ = 0;  // the oldest queued record's slot
    std::size_t count_ = 0;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point deadline_;

    std::thread thread_;  // last: starts once everything above is set up
};

request_log_dispatcher::request_log_dispatcher(std::vector<sink_entry> sinks, metrics_registry& metrics,
                                               options opts)
    : drain_timeout_(opts.drain_timeout) {
    if (opts.max_batch == 0) throw std::invalid_argument("request log: max_batch must be at least 1");
    for (const auto& s : sinks) {
        if (!s.sink || s.queue == 0)
            throw std::invalid_argument("request log sink \"" + s.name + "\" needs a sink and a queue of at least 1");
    }
    auto& written = metrics.add_counter_family(
        "warren_request_log_records_total", "Request records written to each [[request_log]] sink", {"sink"});
    auto& dropped = metrics.add_counter_family(
        "warren_request_log_dropped_total",
        "Request records a [[request_log]] sink missed: its queue was full, or still held at shutdown", {"sink"});
    lanes_.reserve(sinks.size());
    for (auto& s : sinks) {
        // Looked up before the move: the series exist (at 0) from the start.
        counter& w = written.with({s.name});
        counter& d = dropped.with({s.name});
        lanes_.push_back(std::make_unique<lane>(std::move(s), w, d, opts.max_batch));
    }
}

request_log_dispatcher::~request_log_dispatcher() { stop(); }

void request_log_dispatcher::submit(request_record record) noexcept {
    if (lanes_.empty()) return;
    for (std::size_t i = 0; i + 1 < lanes_.size(); ++i) {
        try {
            lanes_[i]->push(request_record(record));
        } catch (const std::exception&) {
            lanes_[i]->count_drop();  // no memory for the copy: a lost record, counted like one
        }
    }
    lanes_.back()->push(std::move(record));
}

void request_log_dispatcher::stop() noexcept {
    // Every sink drains at once, within one shared deadline.
    const auto deadline = std::chrono::steady_clock::now() + drain_timeout_;
    for (auto& l : lanes_) l->request_stop(deadline);
    for (auto& l : lanes_) l->join();
}

}  // namespace warren
