#include <soci_store/session_pool.hpp>

#include <utility>

namespace warren::soci_store {

session_pool::session_pool(std::size_t size, opener open) : open_(std::move(open)) {
    slots_.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        slots_.push_back(std::make_unique<slot>());
        free_.push_back(i);
    }
}

session_pool::~session_pool() = default;

void session_pool::open_all() {
    for (auto& s : slots_)
        if (!s->usable) reopen(*s);
}

void session_pool::reopen(slot& s) {
    s.usable = false;
    s.session.close();
    open_(s.session);
    s.usable = true;
}

session_pool::lease session_pool::acquire() {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return !free_.empty(); });
    const std::size_t index = free_.front();
    free_.pop_front();
    return lease(*this, index);
}

void session_pool::release(std::size_t index) noexcept {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(index);
    }
    released_.notify_one();
}

session_pool::lease::~lease() {
    pool_.release(index_);
}

soci::session& session_pool::lease::session() noexcept {
    return pool_.slots_[index_]->session;
}

bool session_pool::lease::usable() const noexcept {
    return pool_.slots_[index_]->usable;
}

void session_pool::lease::mark_broken() noexcept {
    pool_.slots_[index_]->usable = false;
}

void session_pool::lease::reopen() {
    pool_.reopen(*pool_.slots_[index_]);
}

}  // namespace warren::soci_store
