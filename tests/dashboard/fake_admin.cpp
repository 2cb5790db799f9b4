#include "fake_admin.hpp"

#include <algorithm>

namespace warren::test {

namespace {

const error forbidden{errc::forbidden, "only admins may do that"};

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

}  // namespace

tunnel_view& fake_admin::add_tunnel(std::string name, const user_record* owner,
                                    std::string key_prefix) {
    tunnel_view t;
    t.record.id = static_cast<std::int64_t>(tunnels.size()) + 1;
    t.record.name = name;
    if (owner) {
        t.record.owner = owner->id;
        t.record.owner_username = owner->identity.username;
    }
    t.record.key_prefix = key_prefix;
    if (!key_prefix.empty()) t.record.key_issued_at = std::chrono::system_clock::now();
    t.record.created_at = std::chrono::system_clock::now();
    t.url = "http://" + name + ".localhost:8080";
    tunnels.push_back(std::move(t));
    return tunnels.back();
}

std::optional<error> fake_admin::begin(const admin_actor& by, std::string what) {
    calls.push_back(by.user.identity.username + " " + what);
    last_actor = by;
    if (!fail_next || !(fail_only.empty() || what.starts_with(fail_only))) return std::nullopt;
    auto e = std::move(fail_next);
    fail_next.reset();
    return e;
}

tunnel_view* fake_admin::visible(const admin_actor& by, std::string_view name) {
    for (auto& t : tunnels)
        if (t.record.name == name && (by.user.admin || t.record.owner == by.user.id)) return &t;
    return nullptr;
}

issued_key fake_admin::new_key(tunnel_view& t) {
    const std::string n = std::to_string(next_key_++);
    issued_key k;
    k.tunnel = t.record.name;
    k.prefix = "wk_00000" + n;
    k.key = k.prefix + "_s3cr3tKeyMaterial" + n;
    k.connect_command = "warren http 3000 --server " + apex + " --token " + k.key;
    t.record.key_prefix = k.prefix;
    t.record.key_issued_at = std::chrono::system_clock::now();
    secrets.push_back(k.key);
    return k;
}

result<std::vector<tunnel_view>> fake_admin::list_tunnels(const admin_actor& by,
                                                          bool all) noexcept {
    if (auto e = begin(by, "list_tunnels" + std::string(all ? " all" : ""))) return *e;
    if (all && !by.user.admin) return forbidden;
    std::vector<tunnel_view> out;
    for (const auto& t : tunnels)
        if (all || t.record.owner == by.user.id) out.push_back(t);
    return out;
}

result<issued_key> fake_admin::create_tunnel(const admin_actor& by,
                                             std::string_view name) noexcept {
    if (auto e = begin(by, "create_tunnel " + std::string(name))) return *e;
    const std::string chosen = name.empty() ? "brave-otter-lamp" : std::string(name);
    if (!valid_name(chosen))
        return error{errc::invalid, "invalid tunnel name \"" + chosen +
                                        "\": use 1-63 lowercase letters, digits and hyphens"};
    for (const auto& t : tunnels)
        if (t.record.name == chosen)
            return error{errc::conflict, "a tunnel named " + chosen + " already exists"};
    return new_key(add_tunnel(chosen, &by.user, ""));
}

result<issued_key> fake_admin::rotate_key(const admin_actor& by, std::string_view tunnel) noexcept {
    if (auto e = begin(by, "rotate_key " + std::string(tunnel))) return *e;
    tunnel_view* t = visible(by, tunnel);
    if (!t) return error{errc::not_found, "no tunnel named " + std::string(tunnel)};
    return new_key(*t);
}

result<void> fake_admin::revoke_key(const admin_actor& by, std::string_view tunnel) noexcept {
    if (auto e = begin(by, "revoke_key " + std::string(tunnel))) return *e;
    tunnel_view* t = visible(by, tunnel);
    if (!t) return error{errc::not_found, "no tunnel named " + std::string(tunnel)};
    if (t->record.key_prefix.empty())
        return error{errc::not_found, std::string(tunnel) + " has no key"};
    t->record.key_prefix.clear();
    t->record.key_issued_at.reset();
    return {};
}

result<void> fake_admin::delete_tunnel(const admin_actor& by, std::string_view tunnel) noexcept {
    if (auto e = begin(by, "delete_tunnel " + std::string(tunnel))) return *e;
    tunnel_view* t = visible(by, tunnel);
    if (!t) return error{errc::not_found, "no tunnel named " + std::string(tunnel)};
    tunnels.erase(tunnels.begin() + (t - tunnels.data()));
    return {};
}

result<std::vector<live_tunnel_view>> fake_admin::live_tunnels(const admin_actor& by) noexcept {
    if (auto e = begin(by, "live_tunnels")) return *e;
    if (!by.user.admin) return forbidden;
    return live;
}

result<std::vector<user_record>> fake_admin::list_users(const admin_actor& by) noexcept {
    if (auto e = begin(by, "list_users")) return *e;
    if (!by.user.admin) return forbidden;
    return users;
}

result<user_record> fake_admin::change_user(const admin_actor& by, user_id id,
                                            bool user_record::*field, bool value) {
    if (!by.user.admin) return forbidden;
    if (id == by.user.id) return error{errc::invalid, "you cannot change your own account"};
    for (auto& u : users) {
        if (u.id != id) continue;
        u.*field = value;
        return u;
    }
    return error{errc::not_found, "no user with id " + std::to_string(id)};
}

result<user_record> fake_admin::set_user_admin(const admin_actor& by, user_id id,
                                               bool admin) noexcept {
    if (auto e = begin(by, "set_user_admin " + std::to_string(id) + (admin ? " true" : " false")))
        return *e;
    return change_user(by, id, &user_record::admin, admin);
}

result<user_record> fake_admin::set_user_disabled(const admin_actor& by, user_id id,
                                                  bool disabled) noexcept {
    if (auto e =
            begin(by, "set_user_disabled " + std::to_string(id) + (disabled ? " true" : " false")))
        return *e;
    return change_user(by, id, &user_record::disabled, disabled);
}

result<std::vector<audit_entry>> fake_admin::audit(const admin_actor& by,
                                                   const audit_query& query) noexcept {
    if (auto e = begin(by, "audit")) return *e;
    if (!by.user.admin) return forbidden;
    last_query = query;
    std::vector<audit_entry> out;
    for (auto it = audit_rows.rbegin(); it != audit_rows.rend() && out.size() < query.limit; ++it) {
        if (!query.event.empty() && it->event != query.event) continue;
        if (!query.tunnel.empty() && it->tunnel != query.tunnel) continue;
        if (!query.user.empty() && it->user != query.user) continue;
        if (query.since && it->at < *query.since) continue;
        out.push_back(*it);
    }
    return out;
}

result<issued_api_token> fake_admin::issue_api_token(const admin_actor& by,
                                                     std::chrono::seconds ttl) noexcept {
    if (auto e = begin(by, "issue_api_token")) return *e;
    if (!by.user.admin) return forbidden;
    last_ttl = ttl;
    issued_api_token t;
    t.token = "wat_s3cr3tTokenMaterial" + std::to_string(next_key_++);
    t.expires_at = std::chrono::sys_days{std::chrono::year{2030} / 1 / 2} + std::chrono::hours(3);
    secrets.push_back(t.token);
    return t;
}

}  // namespace warren::test
