#include "gateway/traffic_ledger.hpp"

namespace warren {

std::int64_t traffic_ledger::day_of(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

void traffic_ledger::record(std::string_view tunnel, std::uint64_t bytes_in, std::uint64_t bytes_out,
                            std::chrono::system_clock::time_point now) {
    const auto day = day_of(now);
    std::lock_guard lock(mutex_);
    if (day != day_) {
        counts_.clear();
        day_ = day;
    }
    auto it = counts_.find(std::string(tunnel));
    if (it == counts_.end()) it = counts_.emplace(std::string(tunnel), traffic_counts{}).first;
    ++it->second.requests;
    it->second.bytes_in += bytes_in;
    it->second.bytes_out += bytes_out;
    ++version_;
}

traffic_counts traffic_ledger::today(std::string_view tunnel, std::chrono::system_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (day_of(now) != day_) return {};
    auto it = counts_.find(std::string(tunnel));
    return it == counts_.end() ? traffic_counts{} : it->second;
}

std::uint64_t traffic_ledger::version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

}  // namespace warren
