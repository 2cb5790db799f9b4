#include "gateway/tunnel_admin.hpp"

#include "util/names.hpp"

#include <spdlog/spdlog.h>

namespace warren {

void tunnel_admin::audit(std::string_view event, const audit_actor& by, std::string_view tunnel,
                         std::string_view key_prefix, std::string detail) {
    audit_entry e;
    e.at = std::chrono::system_clock::now();
    e.event = event;
    e.user = by.user;
    e.client_ip = by.client_ip;
    e.tunnel = tunnel;
    e.key_prefix = key_prefix;
    e.detail = std::move(detail);
    // The change itself succeeded; a lost audit row is reported, not undone.
    if (auto r = store_.append_audit(e); !r)
        spdlog::warn("audit log: could not record {} of {}: {}", event, tunnel, r.error().message);
}

result<tunnel_record> tunnel_admin::create_tunnel(std::string_view name, const std::optional<user_record>& owner,
                                                  const audit_actor& by) {
    if (!is_valid_tunnel_name(name))
        return {errc::invalid, "invalid tunnel name \"" + std::string(name) +
                                   "\": use 1-63 lowercase letters, digits and hyphens"};
    if (is_reserved_tunnel_name(name))
        return {errc::invalid, "the name \"" + std::string(name) + "\" is reserved"};
    if (owner && !owner->admin) {
        auto count = store_.count_tunnels(owner->id);
        if (!count) return count.error();
        if (*count >= max_per_user_)
            return {errc::forbidden, owner->identity.username + " already has " + std::to_string(*count) +
                                         " tunnels, the limit for non-admin users (max_tunnels_per_user = " +
                                         std::to_string(max_per_user_) + ")"};
    }
    auto created = store_.create_tunnel(name, owner ? std::optional<user_id>(owner->id) : std::nullopt,
                                        std::chrono::system_clock::now());
    if (!created) {
        if (created.error().code == errc::conflict)
            return {errc::conflict, "a tunnel named " + std::string(name) + " already exists"};
        return created.error();
    }
    audit("tunnel_created", by, name, {}, owner ? "owner " + owner->identity.username : "no owner");
    return created;
}

result<void> tunnel_admin::delete_tunnel(std::string_view name, const audit_actor& by) {
    auto found = store_.find_tunnel(name);
    if (!found) return found.error();
    if (auto r = store_.delete_tunnel(name, std::chrono::system_clock::now()); !r) return r;
    audit("tunnel_deleted", by, name, found->key_prefix, {});
    return {};
}

result<new_api_key> tunnel_admin::issue_key(std::string_view tunnel, const audit_actor& by) {
    // A prefix is 48 random bits: a collision is rare, two in a row are not
    // going to happen, but a store that keeps saying "conflict" must not loop.
    for (int attempt = 0; attempt < 4; ++attempt) {
        new_api_key k = make_api_key();
        auto r = store_.set_tunnel_key(tunnel, k.prefix, k.hash, std::chrono::system_clock::now());
        if (r) {
            audit("key_issued", by, tunnel, k.prefix, {});
            return k;
        }
        if (r.error().code != errc::conflict) return r.error();
    }
    return {errc::internal, "could not draw an unused key prefix"};
}

result<std::string> tunnel_admin::revoke_key(std::string_view tunnel, const audit_actor& by) {
    auto prefix = store_.revoke_tunnel_key(tunnel, std::chrono::system_clock::now());
    if (!prefix) return prefix;
    audit("key_revoked", by, tunnel, *prefix, {});
    return prefix;
}

}  // namespace warren
