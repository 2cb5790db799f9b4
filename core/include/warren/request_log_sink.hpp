#pragma once
// A request-log sink ([[request_log]] entries): receives one record per
// finished public request. Records never carry bodies, query strings,
// cookies, Authorization values or tokens.
//
// Threading: the host feeds each sink from its own bounded queue on its own
// thread; write() is never called concurrently for one sink and never on a
// network thread, so it may block. A sink slower than the traffic does not
// slow the traffic: records that do not fit the queue are dropped and counted
// (warren_request_log_dropped_total{sink="..."} in /metrics).
#include <warren/export.hpp>
#include <warren/plugin_object.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace warren {

struct request_record {
    std::chrono::system_clock::time_point started;  // when the request head arrived
    std::chrono::microseconds duration{0};          // until the response was sent (or failed)
    std::string tunnel;
    std::string method;
    std::string path;        // without the query string
    std::string host;        // the Host the request used
    std::string client_ip;   // the public client
    int status = 0;          // sent to the public client (502/504/... when the gateway answered)
    std::uint64_t bytes_in = 0;   // request body bytes received from the public client
    std::uint64_t bytes_out = 0;  // response body bytes sent to it
    std::string user_agent;
};

class WARREN_SDK_VISIBLE request_log_sink : public plugin_object {
public:
    // A batch of records, oldest first (at least one).
    virtual void write(std::span<const request_record> batch) noexcept = 0;
    // Called when the queue is empty and at shutdown: push out buffered data.
    virtual void flush() noexcept {}
};

}  // namespace warren
