#pragma once
// Hands finished-request records to the [[request_log]] sinks, off the hot
// path. Each sink has its own bounded queue and its own thread, so a slow
// sink slows neither the traffic nor the other sinks: a record that does not
// fit a sink's queue is dropped for that sink and counted in
// warren_request_log_dropped_total{sink="<name>"}; records handed to a sink
// are counted in warren_request_log_records_total{sink="<name>"}. For each
// sink, submitted = written + dropped + still queued.
//
// A sink's thread takes everything queued (up to options::max_batch) and
// calls write() with it, oldest first, and flush() whenever its queue runs
// empty and once more at the end.
//
// Threading: submit() may be called from any thread and never waits for a
// sink: it holds a queue's mutex only to move a record in. stop() and the
// destructor belong to the owner. The threads are the host's, not a plugin's.
#include "util/metrics.hpp"

#include <warren/request_log_sink.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace warren {

class request_log_dispatcher {
public:
    struct sink_entry {
        std::string name;  // the metrics label: unique among the configured sinks
        std::shared_ptr<request_log_sink> sink;
        std::size_t queue = 0;  // records that may wait for this sink (at least 1)
    };

    struct options {
        std::size_t max_batch = 256;  // records per write() at most
        // How long stop() keeps writing what is still queued; what is left
        // then is dropped (and counted). A write() that never returns still
        // holds stop() up: sinks bound their own I/O.
        std::chrono::milliseconds drain_timeout{5000};
    };

    // Starts one thread per sink. Registers the two metric families in
    // `metrics` (std::invalid_argument if they already are, as for any
    // metric) and std::invalid_argument for a queue of 0 or a null sink.
    request_log_dispatcher(std::vector<sink_entry> sinks, metrics_registry& metrics, options opts);
    // (Not `options opts = {}`: a nested struct's member initializers are not
    // usable in a default argument inside the enclosing class.)
    request_log_dispatcher(std::vector<sink_entry> sinks, metrics_registry& metrics)
        : request_log_dispatcher(std::move(sinks), metrics, options{}) {}
    ~request_log_dispatcher();  // stop()

    request_log_dispatcher(const request_log_dispatcher&) = delete;
    request_log_dispatcher& operator=(const request_log_dispatcher&) = delete;

    // Queues the record for every sink (copied for all but the last, which
    // takes it). After stop() records are dropped and counted.
    void submit(request_record record) noexcept;

    // Lets every sink write what is queued (within drain_timeout), flush, and
    // joins their threads. Idempotent.
    void stop() noexcept;

private:
    class lane;
    std::vector<std::unique_ptr<lane>> lanes_;
    std::chrono::milliseconds drain_timeout_;
};

}  // namespace warren
