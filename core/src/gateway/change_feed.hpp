#pragma once
// Version counters for what the dashboard shows, so its live event stream
// (/_warren/events) can tell what changed since it last looked without any
// queue per subscriber: a writer bumps a kind, each stream compares the
// counters it saw with the current ones once a second.
//
// Threading: lock-free, any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace warren {

enum class change : unsigned { tunnels, audit, users };

class change_feed {
public:
    static constexpr std::size_t kinds = 3;

    void bump(change c) noexcept { counters_[index(c)].fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t version(change c) const noexcept {
        return counters_[index(c)].load(std::memory_order_relaxed);
    }

    static std::string_view name(change c) noexcept {
        switch (c) {
        case change::tunnels: return "tunnels";
        case change::audit: return "audit";
        case change::users: return "users";
        }
        return "";
    }

private:
    static constexpr std::size_t index(change c) noexcept { return static_cast<std::size_t>(c); }
    std::array<std::atomic<std::uint64_t>, kinds> counters_{};
};

}  // namespace warren
