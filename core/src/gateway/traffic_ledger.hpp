#pragma once
// Requests and bytes per keyed tunnel since 00:00 UTC, for the dashboard's
// "today" columns. In memory: it starts from zero when the gateway restarts.
// Anonymous tunnels are not counted (their names come and go; the map would
// only grow).
//
// Threading: thread-safe; record() is one short critical section per request.
#include <warren/gateway_admin.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warren {

class traffic_ledger {
public:
    void record(std::string_view tunnel, std::uint64_t bytes_in, std::uint64_t bytes_out,
                std::chrono::system_clock::time_point now);
    traffic_counts today(std::string_view tunnel, std::chrono::system_clock::time_point now) const;
    // Grows with every record(): the event stream's "traffic" signal.
    std::uint64_t version() const;

private:
    static std::int64_t day_of(std::chrono::system_clock::time_point t);

    mutable std::mutex mutex_;
    std::int64_t day_ = 0;  // the day the counts are for; older counts are dropped
    std::unordered_map<std::string, traffic_counts> counts_;
    std::uint64_t version_ = 0;
};

}  // namespace warren
