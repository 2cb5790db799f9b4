#include "gateway/gateway_metrics.hpp"

#include "protocol/buffer_account.hpp"

#include <filesystem>
#include <string>
#include <system_error>

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
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})),
      sessions(r.add_gauge("warren_sessions", "Live tunnel sessions, connected or closing.")),
      mux_streams(r.add_gauge("warren_mux_streams", "Live multiplexed streams, in any state.")),
      buffered_bytes(r.add_gauge("warren_buffered_bytes",
                                 "Bytes held in tunnel buffers: frames queued to send, body bytes not yet read.")),
      open_fds(r.add_gauge("warren_open_fds", "Open file descriptors of the gateway process.")),
      rate_limited(r.add_counter_family(
          "warren_rate_limited_total",
          "Requests and tunnel connects refused with 429 by a rate limit, by limit and reason "
          "(rate: over the rate; table_full or no_key: the check could not run, so it failed closed).",
          {"limit", "reason"})),
      rate_limiter_keys(r.add_gauge_family("warren_rate_limiter_keys",
                                           "Keys (addresses or tunnels) a rate limiter tracks.", {"limit"})),
      connections_refused(r.add_counter(
          "warren_connections_refused_total",
          "Public connections closed at once: their address had max_connections_per_ip open.")),
      tunnel_protocol_closes(r.add_counter(
          "warren_tunnel_protocol_closes_total",
          "Tunnel sessions closed for a protocol violation (bad or over-size frames, RESET floods).")) {
    for (const auto kind : limits::all_rate_kinds) {
        const auto i = static_cast<std::size_t>(kind);
        const auto limit = limits::name(kind);
        rate_limited_series_[i][0] = &rate_limited.with({limit, "rate"});
        rate_limited_series_[i][1] = &rate_limited.with({limit, "table_full"});
        rate_limited_series_[i][2] = &rate_limited.with({limit, "no_key"});
        limiter_keys_series_[i] = &rate_limiter_keys.with({limit});
    }
}

void gateway_metrics::record_rate_check(limits::rate_kind kind, const limits::decision& d,
                                        const limits::keyed_limiter& limiter) {
    const auto i = static_cast<std::size_t>(kind);
    limiter_keys_series_[i]->set(static_cast<std::int64_t>(limiter.size()));
    if (d.allowed()) return;
    using v = limits::decision::verdict;
    const std::size_t reason = d.what == v::table_full ? 1 : d.what == v::no_key ? 2 : 0;
    rate_limited_series_[i][reason]->inc();
}

void gateway_metrics::record(unsigned status, double seconds) {
    const std::string code = std::to_string(status);
    requests.with({code}).inc();
    request_duration.observe(seconds);
}

namespace {

// -1 where /proc is missing: an absent figure, not a false zero.
std::int64_t count_open_fds() {
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/self/fd", ec);
    if (ec) return -1;
    std::int64_t n = 0;
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) return -1;
        ++n;
    }
    return n - 1;  // the iterator's own descriptor
}

}  // namespace

void gateway_metrics::sample_leak_gauges() {
    const auto& g = proto::process_mux_gauges();
    sessions.set(g.sessions.load(std::memory_order_relaxed));
    mux_streams.set(g.streams.load(std::memory_order_relaxed));
    buffered_bytes.set(g.buffered_bytes.load(std::memory_order_relaxed));
    open_fds.set(count_open_fds());
}

}  // namespace warren
