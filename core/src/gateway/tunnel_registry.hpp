#pragma once
// Which tunnel names exist on this gateway, who owns them, and which session
// serves each. Route lookups are synchronous and in memory (no I/O), from any
// thread; claims happen once per connect.
//
// An anonymous name is owned by whoever holds its ownership token. After a
// session drops, its name stays reserved for that token for a grace period,
// so a client on a flaky network keeps its URL.
#include "gateway/tunnel.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace warren {

class tunnel_registry {
public:
    using clock = std::chrono::steady_clock;

    explicit tunnel_registry(std::chrono::milliseconds grace) : grace_(grace) {}

    struct claim {
        enum class outcome { granted, conflict, invalid_name, full } result;
        std::string name;
        std::string ownership_token;  // to hand to the client (new or confirmed)
        std::uint32_t epoch = 0;
        std::shared_ptr<tunnel> previous;  // live session of the same owner, to replace
    };

    // Reserves `wanted` (or a random readable name when empty) for the holder
    // of `token`. A different token while the name is held or reserved is a
    // conflict and never evicts the holder. max_tunnels caps live+pending names.
    claim claim_name(std::string_view wanted, std::string_view token, std::size_t max_tunnels);

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

private:
    struct entry {
        std::string token_hash;  // SHA-256 of the ownership token
        std::shared_ptr<tunnel> live;
        bool pending = false;  // claimed, connect in progress
        clock::time_point reserved_until{};
        std::uint32_t epoch = 0;
    };
    bool expired(const entry& e, clock::time_point now) const;

    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::chrono::milliseconds grace_;
    std::uint32_t next_epoch_ = 1;
};

}  // namespace warren
