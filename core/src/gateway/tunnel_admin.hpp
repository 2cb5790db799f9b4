#pragma once
// What an administrator (the admin CLI, later the dashboard) does to keyed
// tunnels and their keys, with the rules that apply whoever does it: valid
// names, per-user tunnel limits (admins exempt), one active key per tunnel,
// and an audit row for every change.
//
// Blocking (it calls the store): run it on the blocking pool, or from the CLI.
#include "gateway/api_keys.hpp"

#include <warren/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warren {

// Who acts, for the audit log.
struct audit_actor {
    std::string user;       // "cli:root", a username
    std::string client_ip;  // empty when not from the network
};

class tunnel_admin {
public:
    tunnel_admin(store& s, std::uint32_t max_tunnels_per_user) : store_(s), max_per_user_(max_tunnels_per_user) {}

    // errc::invalid for a bad or reserved name, errc::conflict if it exists,
    // errc::forbidden when a non-admin owner is at the limit.
    result<tunnel_record> create_tunnel(std::string_view name, const std::optional<user_record>& owner,
                                        const audit_actor& by);
    result<void> delete_tunnel(std::string_view name, const audit_actor& by);

    // A new key for the tunnel, revoking its previous one. The key is in the
    // result only: show it once.
    result<new_api_key> issue_key(std::string_view tunnel, const audit_actor& by);
    // Revokes the tunnel's active key; returns its prefix.
    result<std::string> revoke_key(std::string_view tunnel, const audit_actor& by);

private:
    void audit(std::string_view event, const audit_actor& by, std::string_view tunnel,
               std::string_view key_prefix, std::string detail);

    store& store_;
    std::uint32_t max_per_user_;
};

}  // namespace warren
