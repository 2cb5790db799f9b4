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

    // Counts one finished request.
    void record(unsigned status, double seconds);
};

}  // namespace warren
