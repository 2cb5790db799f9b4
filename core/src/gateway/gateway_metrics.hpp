#pragma once
// The gateway's own metrics, registered once; hot paths keep these references.
#include "util/metrics.hpp"

namespace warren {

struct gateway_metrics {
    explicit gateway_metrics(metrics_registry& r);

    metrics_registry& registry;
    gauge& tunnels;            // connected tunnels
    gauge& streams;            // streams in flight through all tunnels
    gauge& connections;        // open public connections
    counter& tunnel_connects;  // accepted tunnel sessions
    counter_family& tunnel_rejects;  // by status
    counter_family& requests;  // by status code
    counter& bytes_in;         // request body bytes from the public
    counter& bytes_out;        // response body bytes to the public
    histogram& request_duration;
    // Leak gauges, sampled at scrape time by sample_leak_gauges(): after
    // load, they must come back to their idle values.
    gauge& sessions;        // live tunnel sessions (mux_session objects)
    gauge& mux_streams;     // live mux streams (objects, not requests)
    gauge& buffered_bytes;  // bytes held in mux buffers
    gauge& open_fds;        // entries in /proc/self/fd

    // Counts one finished request.
    void record(unsigned status, double seconds);
    // Reads the process-wide counters into the leak gauges (/metrics calls it).
    void sample_leak_gauges();
};

}  // namespace warren
