#include "gateway/tunnel_registry.hpp"

#include "util/names.hpp"
#include "util/secrets.hpp"

namespace warren {

bool tunnel_registry::expired(const entry& e, clock::time_point now) const {
    return !e.live && !e.pending && e.reserved_until <= now;
}

std::size_t tunnel_registry::sweep(clock::time_point now) {
    std::size_t active = 0;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (expired(it->second, now)) {
            it = entries_.erase(it);
        } else {
            if (it->second.live || it->second.pending) ++active;
            ++it;
        }
    }
    return active;
}

tunnel_registry::claim tunnel_registry::claim_name(std::string_view wanted, std::string_view token,
                                                   std::size_t max_tunnels) {
    const auto now = clock::now();
    const std::string token_hash = token.empty() ? std::string{} : sha256_hex(token);
    std::lock_guard lock(mutex_);
    const std::size_t active = sweep(now);

    std::string name(wanted);
    if (name.empty()) {
        // Random names collide rarely; a few tries make it practically never.
        const auto taken = [&] { return entries_.count(name) || keyed_names_.count(name); };
        for (int i = 0; i < 16 && (name.empty() || taken()); ++i) name = random_tunnel_name();
        if (taken()) return {claim::outcome::conflict, name, {}, 0, nullptr};
    } else if (keyed_names_.count(name)) {
        return {claim::outcome::reserved, name, {}, 0, nullptr};
    }

    claim c{claim::outcome::granted, name, {}, 0, nullptr};
    auto it = entries_.find(name);
    if (it != entries_.end()) {
        entry& e = it->second;
        if (e.keyed) return {claim::outcome::reserved, name, {}, 0, nullptr};
        if (token_hash.empty() || !constant_time_equals(token_hash, e.token_hash)) {
            c.result = claim::outcome::conflict;
            return c;
        }
        if (e.pending) {  // the same owner is mid-connect on another socket
            c.result = claim::outcome::conflict;
            return c;
        }
        c.previous = std::move(e.live);
        c.ownership_token = std::string(token);
        e.live.reset();
        e.pending = true;
        e.epoch = c.epoch = next_epoch_++;
        return c;
    }
    if (active >= max_tunnels) {
        c.result = claim::outcome::full;
        return c;
    }
    // A token the client made up for a free name is not trusted: issue ours.
    c.ownership_token = random_token(32);
    entry e;
    e.token_hash = sha256_hex(c.ownership_token);
    e.pending = true;
    e.epoch = c.epoch = next_epoch_++;
    entries_.emplace(name, std::move(e));
    return c;
}

tunnel_registry::claim tunnel_registry::claim_keyed(std::string_view name, std::size_t max_tunnels) {
    std::lock_guard lock(mutex_);
    const std::size_t active = sweep(clock::now());
    keyed_names_.emplace(name);
    claim c{claim::outcome::granted, std::string(name), {}, 0, nullptr};
    auto it = entries_.find(c.name);
    if (it == entries_.end()) {
        if (active >= max_tunnels) {
            c.result = claim::outcome::full;
            return c;
        }
        it = entries_.emplace(c.name, entry{}).first;
    }
    // Whoever held the name (a session of the same key, or an anonymous
    // client from before the name was keyed) gives way to the key's holder.
    entry& e = it->second;
    c.previous = std::move(e.live);
    e = entry{};
    e.keyed = true;
    e.pending = true;
    e.epoch = c.epoch = next_epoch_++;
    return c;
}

void tunnel_registry::set_keyed_names(std::unordered_set<std::string> names) {
    std::lock_guard lock(mutex_);
    if (names == keyed_names_) return;
    keyed_names_ = std::move(names);
    version_.fetch_add(1, std::memory_order_relaxed);
}

void tunnel_registry::add_keyed_name(std::string_view name) {
    std::lock_guard lock(mutex_);
    if (keyed_names_.emplace(name).second) version_.fetch_add(1, std::memory_order_relaxed);
}

void tunnel_registry::attach(const std::shared_ptr<tunnel>& t) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(t->name());
    if (it == entries_.end() || it->second.epoch != t->epoch()) return;
    it->second.live = t;
    it->second.pending = false;
    version_.fetch_add(1, std::memory_order_relaxed);
}

void tunnel_registry::detach(const tunnel& t) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(t.name());
    if (it == entries_.end() || it->second.epoch != t.epoch()) return;
    it->second.live.reset();
    it->second.pending = false;
    it->second.reserved_until = clock::now() + grace_;
    version_.fetch_add(1, std::memory_order_relaxed);
}

void tunnel_registry::release(std::string_view name, std::uint32_t epoch) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string(name));
    if (it == entries_.end() || it->second.epoch != epoch) return;
    it->second.pending = false;
    it->second.reserved_until = clock::now() + grace_;
    version_.fetch_add(1, std::memory_order_relaxed);
}

tunnel_registry::lookup_result tunnel_registry::lookup(std::string_view name) {
    std::lock_guard lock(mutex_);
    const std::string key(name);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.live) return {lookup_state::live, it->second.live};
    if (keyed_names_.count(key)) return {lookup_state::offline, nullptr};
    if (it == entries_.end()) return {};
    // A keyed session's name outlives it only as long as the tunnel exists:
    // once deleted (no longer a keyed name) it is gone, not reclaimable.
    if (expired(it->second, clock::now()) || (it->second.keyed && !it->second.live && !it->second.pending)) {
        entries_.erase(it);
        return {};
    }
    return {lookup_state::offline, nullptr};
}

std::vector<std::shared_ptr<tunnel>> tunnel_registry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<tunnel>> out;
    for (const auto& [name, e] : entries_)
        if (e.live) out.push_back(e.live);
    return out;
}

void tunnel_registry::clear() {
    std::unordered_map<std::string, entry> gone;
    {
        std::lock_guard lock(mutex_);
        gone.swap(entries_);
    }
}

std::size_t tunnel_registry::live_count() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [name, e] : entries_)
        if (e.live) ++n;
    return n;
}

}  // namespace warren
