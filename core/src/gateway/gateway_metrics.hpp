#pragma once
// The gateway's own metrics, registered once; hot paths keep these references.
#include "limits/gateway_limits.hpp"
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
    counter_family& rate_limited;      // 429s by {limit, reason}: rate, table_full, no_key
    gauge_family& rate_limiter_keys;   // keys tracked, by {limit}
    counter& connections_refused;      // over [limits] max_connections_per_ip
    counter& tunnel_protocol_closes;   // sessions closed for a protocol violation or abuse

    // Counts one finished request.
    void record(unsigned status, double seconds);
    // Reads the process-wide counters into the leak gauges (/metrics calls it).
    void sample_leak_gauges();

    // After a rate-limit check: refreshes that limiter's key gauge, and
    // counts a refusal.
    void record_rate_check(limits::rate_kind kind, const limits::decision& d,
                           const limits::keyed_limiter& limiter);

private:
    // Series looked up once: the hot path only touches atomics.
    counter* rate_limited_series_[3][3] = {};  // [kind][reason]
    gauge* limiter_keys_series_[3] = {};
};

}  // namespace warren
