#include "gateway/gateway_metrics.hpp"

#include <string>

namespace warren {

gateway_metrics::gateway_metrics(metrics_registry& r)
    : registry(r),
      tunnels(r.add_gauge("warren_tunnels", "Connected tunnels.")),
      streams(r.add_gauge("warren_streams", "Requests in flight through tunnels.")),
      connections(r.add_gauge("warren_public_connections", "Open public HTTP connections.")),
      tunnel_connects(r.add_counter("warren_tunnel_connects_total", "Tunnel sessions accepted.")),
      tunnel_rejects(r.add_counter_family("warren_tunnel_rejects_total",
                                          "Tunnel connects refused, by HTTP status.", {"status"})),
      requests(r.add_counter_family("warren_requests_total",
                                    "Public requests answered, by HTTP status.", {"status"})),
      bytes_in(r.add_counter("warren_request_bytes_total", "Request body bytes received from the public.")),
      bytes_out(r.add_counter("warren_response_bytes_total", "Response body bytes sent to the public.")),
      request_duration(r.add_histogram(
          "warren_request_duration_seconds", "Time from request head to the end of the response.",
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})) {}

void gateway_metrics::record(unsigned status, double seconds) {
    const std::string code = std::to_string(status);
    requests.with({code}).inc();
    request_duration.observe(seconds);
}

}  // namespace warren
