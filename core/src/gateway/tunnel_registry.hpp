#pragma once
// Which tunnel names exist on this gateway, who owns them, and which session
// serves each. Route lookups are synchronous and in memory (no I/O), from any
// thread; claims happen once per connect.
//
// An anonymous name is owned by whoever holds its ownership token. After a
// session drops, its name stays reserved for that token for a grace period,
// so a client on a flaky network keeps its URL.
//
// A keyed name (a tunnel row in the store) belongs to whoever holds its API
// key, checked before claim_keyed(). The registry keeps the set of keyed
// names in memory, refreshed from the store, so that routing never touches
// the store: a keyed tunnel whose client is offline answers 503, not 404, and
// anonymous clients cannot take a keyed name.
#include "gateway/tunnel.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace warren {

class tunnel_registry {
public:
    using clock = std::chrono::steady_clock;

    explicit tunnel_registry(std::chrono::milliseconds grace) : grace_(grace) {}

    struct claim {
        enum class outcome { granted, conflict, reserved, full } result;
        std::string name;
        std::string ownership_token;  // to hand to the client (new or confirmed)
        std::uint32_t epoch = 0;
        std::shared_ptr<tunnel> previous;  // live session of the same owner, to replace
    };

    // Reserves `wanted` (or a random readable name when empty) for the holder
    // of `token`. A different token while the name is held or reserved is a
    // conflict and never evicts the holder. max_tunnels caps live+pending names.
    // A keyed name is `reserved`.
    claim claim_name(std::string_view wanted, std::string_view token, std::size_t max_tunnels);

    // Claims a keyed tunnel's name for a client whose key was verified. Always
    // granted unless the gateway is full; a live session of that name (the
    // same key's older connection, or an anonymous client holding the name
    // from before it was keyed) is returned in `previous` to be replaced.
    claim claim_keyed(std::string_view name, std::size_t max_tunnels);

    // The keyed names the store knows (replaces the set), or one more.
    void set_keyed_names(std::unordered_set<std::string> names);
    void add_keyed_name(std::string_view name);

    // The claimed name now has a live session.
    void attach(const std::shared_ptr<tunnel>& t);

    // The session ended: keep the name reserved for its owner during the grace
    // period. Does nothing if another session replaced it meanwhile.
    void detach(const tunnel& t);

    // A claim whose connect failed before the session started.
    void release(std::string_view name, std::uint32_t epoch);

    enum class lookup_state { live, offline, unknown };
    struct lookup_result {
        lookup_state state = lookup_state::unknown;
        std::shared_ptr<tunnel> live;
    };
    lookup_result lookup(std::string_view name);

    std::vector<std::shared_ptr<tunnel>> snapshot() const;

    // Forgets everything (shutdown).
    void clear();
    std::size_t live_count() const;

    // Grows whenever a session attaches or detaches or the keyed names
    // change: the dashboard's live view polls it.
    std::uint64_t version() const noexcept { return version_.load(std::memory_order_relaxed); }

private:
    struct entry {
        std::string token_hash;  // SHA-256 of the ownership token
        std::shared_ptr<tunnel> live;
        bool pending = false;  // claimed, connect in progress
        clock::time_point reserved_until{};
        std::uint32_t epoch = 0;
        bool keyed = false;
    };
    bool expired(const entry& e, clock::time_point now) const;
    // Drops expired entries; returns how many names are live or pending.
    std::size_t sweep(clock::time_point now);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::unordered_set<std::string> keyed_names_;
    std::chrono::milliseconds grace_;
    std::uint32_t next_epoch_ = 1;
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace warren
