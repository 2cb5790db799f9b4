#include "gateway/admin_service.hpp"

#include "auth/sessions.hpp"
#include "gateway/audit_trail.hpp"
#include "gateway/keyed_tunnel_sync.hpp"
#include "gateway/login_routes.hpp"
#include "gateway/registry_directory.hpp"
#include "gateway/tunnel_admin.hpp"
#include "util/names.hpp"

#include <spdlog/spdlog.h>

#include <map>

namespace warren {
namespace {

const error not_admin{errc::forbidden, "only administrators may do this"};

audit_actor actor_of(const admin_actor& by) { return {by.user.identity.username, by.client_ip}; }

// Every gateway_admin call is noexcept: an exception (allocation, a bug)
// becomes an internal error instead of crossing into the plugin.
template <class F>
auto guarded(F&& f) noexcept -> decltype(f()) {
    try {
        return f();
    } catch (const std::exception& e) {
        spdlog::error("admin: {}", e.what());
        return error{errc::internal, "internal error"};
    }
}

}  // namespace

admin_service::admin_service(gateway_context& ctx, tunnel_admin& tunnels, const login_routes* login)
    : ctx_(ctx), tunnels_(tunnels), login_(login) {}

std::vector<login_option> admin_service::login_options() const {
    return login_ ? login_->options() : std::vector<login_option>{};
}

std::string admin_service::apex_url() const { return ctx_.apex_url(); }

std::uint32_t admin_service::max_tunnels_per_user() const noexcept { return ctx_.config.tunnels.max_tunnels_per_user; }

result<tunnel_record> admin_service::owned(const admin_actor& by, std::string_view name) {
    auto t = ctx_.store->find_tunnel(name);
    const error missing{errc::not_found, "no tunnel named " + std::string(name)};
    if (!t) return t.error().code == errc::not_found ? missing : t.error();
    if (!by.user.admin && t->owner != by.user.id) return missing;
    return t;
}

void admin_service::tunnels_changed() {
    if (!sync_keyed_tunnels_now(ctx_)) spdlog::warn("admin: live sessions follow the change at the next sync");
    ctx_.changes.bump(change::tunnels);
    ctx_.changes.bump(change::audit);  // tunnel_admin wrote its rows itself
}

result<std::vector<tunnel_view>> admin_service::list_tunnels(const admin_actor& by, bool all) noexcept {
    return guarded([&]() -> result<std::vector<tunnel_view>> {
        if (all && !by.user.admin) return not_admin;
        auto rows = ctx_.store->list_tunnels(all ? std::nullopt : std::optional<user_id>(by.user.id));
        if (!rows) return rows.error();
        std::map<std::string, std::shared_ptr<tunnel>, std::less<>> live;
        for (auto& t : ctx_.registry.snapshot())
            if (t->credentials().keyed) live.emplace(t->name(), t);
        const auto now = std::chrono::system_clock::now();
        std::vector<tunnel_view> out;
        for (auto& r : *rows) {
            tunnel_view v;
            v.url = ctx_.tunnel_url(r.name);
            if (auto it = live.find(r.name); it != live.end()) v.live = describe(*it->second);
            v.today = ctx_.traffic.today(r.name, now);
            v.record = std::move(r);
            out.push_back(std::move(v));
        }
        return out;
    });
}

result<issued_key> admin_service::new_key(const admin_actor& by, std::string_view tunnel) {
    auto k = tunnels_.issue_key(tunnel, actor_of(by));
    if (!k) return k.error();
    return issued_key{std::string(tunnel), k->key, k->prefix, connect_command(ctx_.apex_url(), k->key)};
}

result<issued_key> admin_service::create_tunnel(const admin_actor& by, std::string_view name) noexcept {
    return guarded([&]() -> result<issued_key> {
        result<tunnel_record> made = error{errc::internal, "no name tried"};
        // A random name may be taken: draw again a few times.
        for (int attempt = 0; attempt < (name.empty() ? 5 : 1); ++attempt) {
            made = tunnels_.create_tunnel(name.empty() ? random_tunnel_name() : std::string(name), by.user,
                                          actor_of(by));
            if (made || made.error().code != errc::conflict) break;
        }
        if (!made) return made.error();
        ctx_.registry.add_keyed_name(made->name);
        auto key = new_key(by, made->name);
        tunnels_changed();
        return key;
    });
}

result<issued_key> admin_service::rotate_key(const admin_actor& by, std::string_view tunnel) noexcept {
    return guarded([&]() -> result<issued_key> {
        if (auto t = owned(by, tunnel); !t) return t.error();
        auto key = new_key(by, tunnel);
        if (key) tunnels_changed();
        return key;
    });
}

result<void> admin_service::revoke_key(const admin_actor& by, std::string_view tunnel) noexcept {
    return guarded([&]() -> result<void> {
        if (auto t = owned(by, tunnel); !t) return t.error();
        auto r = tunnels_.revoke_key(tunnel, actor_of(by));
        if (!r) {
            if (r.error().code == errc::not_found) return error{errc::not_found, std::string(tunnel) + " has no key"};
            return r.error();
        }
        tunnels_changed();
        return {};
    });
}

result<void> admin_service::delete_tunnel(const admin_actor& by, std::string_view tunnel) noexcept {
    return guarded([&]() -> result<void> {
        if (auto t = owned(by, tunnel); !t) return t.error();
        if (auto r = tunnels_.delete_tunnel(tunnel, actor_of(by)); !r) return r;
        tunnels_changed();
        return {};
    });
}

result<std::vector<live_tunnel_view>> admin_service::live_tunnels(const admin_actor& by) noexcept {
    return guarded([&]() -> result<std::vector<live_tunnel_view>> {
        if (!by.user.admin) return not_admin;
        const auto now = std::chrono::system_clock::now();
        std::vector<live_tunnel_view> out;
        for (const auto& t : ctx_.registry.snapshot()) {
            live_tunnel_view v{describe(*t), {}};
            if (v.tunnel.keyed) v.today = ctx_.traffic.today(v.tunnel.name, now);
            out.push_back(std::move(v));
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.tunnel.name < b.tunnel.name; });
        return out;
    });
}

result<std::vector<user_record>> admin_service::list_users(const admin_actor& by) noexcept {
    return guarded([&]() -> result<std::vector<user_record>> {
        if (!by.user.admin) return not_admin;
        return ctx_.store->list_users();
    });
}

void admin_service::audit_user_change(const admin_actor& by, const user_record& user, std::string detail) {
    audit_entry e;
    e.event = "user_updated";
    e.client_ip = by.client_ip;
    e.user = by.user.identity.username;
    e.detail = user.identity.username + " (" + user.identity.provider + "): " + detail;
    ctx_.audit->record(std::move(e));
    ctx_.changes.bump(change::users);
}

result<user_record> admin_service::set_user_admin(const admin_actor& by, user_id id, bool admin) noexcept {
    return guarded([&]() -> result<user_record> {
        if (!by.user.admin) return not_admin;
        if (id == by.user.id && !admin) return error{errc::invalid, "you cannot remove your own admin right"};
        if (auto r = ctx_.store->set_user_admin(id, admin); !r) return r.error();
        auto user = ctx_.store->find_user(id);
        if (user) audit_user_change(by, *user, admin ? "made admin" : "admin right removed");
        return user;
    });
}

result<user_record> admin_service::set_user_disabled(const admin_actor& by, user_id id, bool disabled) noexcept {
    return guarded([&]() -> result<user_record> {
        if (!by.user.admin) return not_admin;
        if (id == by.user.id && disabled) return error{errc::invalid, "you cannot disable yourself"};
        if (auto r = ctx_.store->set_user_disabled(id, disabled); !r) return r.error();
        auto user = ctx_.store->find_user(id);
        if (!user) return user;
        audit_user_change(by, *user, disabled ? "disabled" : "enabled");
        if (disabled) {
            // Their keys fail from now on (checked at connect); their live
            // sessions end now.
            auto owned_tunnels = ctx_.store->list_tunnels(id);
            if (!owned_tunnels) return owned_tunnels.error();
            for (const auto& t : ctx_.registry.snapshot()) {
                if (!t->credentials().keyed) continue;
                for (const auto& r : *owned_tunnels)
                    if (r.name == t->name()) disconnect_for_good(t, "the owner of this tunnel was disabled");
            }
            ctx_.changes.bump(change::tunnels);
        }
        return user;
    });
}

result<std::vector<audit_entry>> admin_service::audit(const admin_actor& by, const audit_query& query) noexcept {
    return guarded([&]() -> result<std::vector<audit_entry>> {
        if (!by.user.admin) return not_admin;
        audit_query q = query;
        q.limit = std::min<std::size_t>(q.limit, 1000);
        return ctx_.store->query_audit(q);
    });
}

result<issued_api_token> admin_service::issue_api_token(const admin_actor& by, std::chrono::seconds ttl) noexcept {
    return guarded([&]() -> result<issued_api_token> {
        if (!by.user.admin) return not_admin;
        if (!ctx_.sessions) return error{errc::unavailable, "sign-in is not set up on this gateway"};
        constexpr std::chrono::seconds min_ttl{60};
        constexpr std::chrono::seconds max_ttl{366LL * 24 * 3600};
        if (ttl < min_ttl || ttl > max_ttl)
            return error{errc::invalid, "an API token lives between 1 minute and 366 days"};
        const auto now = std::chrono::system_clock::now();
        issued_api_token t{ctx_.sessions->issue_api_token(by.user, now, ttl), now + ttl};
        audit_entry e;
        e.event = "api_token_issued";
        e.client_ip = by.client_ip;
        e.user = by.user.identity.username;
        e.detail = "valid " + std::to_string(ttl.count() / 3600) + "h";
        ctx_.audit->record(std::move(e));
        return t;
    });
}

}  // namespace warren
