#pragma once
// Open connections per client address, with a cap: a connection holds a
// slot for its lifetime (RAII); the slot is refused when the address has
// `max_per_key` open already. An address's entry exists only while it has
// connections, so memory is bounded by the open sockets. Thread-safe.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace warren::limits {

class connection_counter {
public:
    // 0: no cap (slots are still counted).
    explicit connection_counter(std::uint32_t max_per_key) : max_(max_per_key) {}

    class slot {
    public:
        slot() = default;
        slot(slot&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
        slot& operator=(slot&& other) noexcept;
        slot(const slot&) = delete;
        slot& operator=(const slot&) = delete;
        ~slot() { release(); }

        // Gives the slot back early (e.g. a connection that became a tunnel
        // session, which other limits govern).
        void release() noexcept;
        bool held() const noexcept { return owner_ != nullptr; }

    private:
        friend class connection_counter;
        slot(connection_counter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
        connection_counter* owner_ = nullptr;
        std::string key_;
    };

    // A slot, or nullopt when `key` is at the cap.
    std::optional<slot> try_acquire(const std::string& key);

    std::uint32_t max_per_key() const noexcept { return max_; }
    std::uint32_t open(const std::string& key) const;

private:
    void give_back(const std::string& key) noexcept;

    const std::uint32_t max_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::uint32_t> open_;
};

}  // namespace warren::limits
