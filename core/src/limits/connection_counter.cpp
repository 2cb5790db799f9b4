#include "limits/connection_counter.hpp"

namespace warren::limits {

connection_counter::slot& connection_counter::slot::operator=(slot&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        key_ = std::move(other.key_);
        other.owner_ = nullptr;
    }
    return *this;
}

void connection_counter::slot::release() noexcept {
    if (owner_) owner_->give_back(key_);
    owner_ = nullptr;
}

std::optional<connection_counter::slot> connection_counter::try_acquire(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto& n = open_[key];  // max_ > 0 here means n > 0 when refused: no empty entry is left
    if (max_ > 0 && n >= max_) return std::nullopt;
    ++n;
    return slot(this, key);
}

std::uint32_t connection_counter::open(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto it = open_.find(key);
    return it == open_.end() ? 0 : it->second;
}

void connection_counter::give_back(const std::string& key) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = open_.find(key);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
}

}  // namespace warren::limits
