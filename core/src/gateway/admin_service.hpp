#pragma once
// The gateway's gateway_admin (SDK): what the dashboard and the admin API do,
// with the rules applied here, once, whoever calls: ownership (a non-admin
// sees another user's tunnel as "not found"), admin-only operations, tunnel
// limits and audit rows (through tunnel_admin), and the effects on live
// sessions: a rotated or revoked key, a deleted tunnel or a disabled owner
// disconnects the session at once rather than at the next store sync.
//
// Blocking (store calls): http_app::handle runs on the blocking pool.
#include "gateway/gateway_context.hpp"

#include <warren/gateway_admin.hpp>

namespace warren {

class login_routes;
class tunnel_admin;

class admin_service final : public gateway_admin {
public:
    // `login` may be null (no sign-in routes: no login options).
    admin_service(gateway_context& ctx, tunnel_admin& tunnels, const login_routes* login);

    std::vector<login_option> login_options() const override;
    std::string apex_url() const override;
    std::uint32_t max_tunnels_per_user() const noexcept override;

    result<std::vector<tunnel_view>> list_tunnels(const admin_actor& by, bool all) noexcept override;
    result<issued_key> create_tunnel(const admin_actor& by, std::string_view name) noexcept override;
    result<issued_key> rotate_key(const admin_actor& by, std::string_view tunnel) noexcept override;
    result<void> revoke_key(const admin_actor& by, std::string_view tunnel) noexcept override;
    result<void> delete_tunnel(const admin_actor& by, std::string_view tunnel) noexcept override;

    result<std::vector<live_tunnel_view>> live_tunnels(const admin_actor& by) noexcept override;
    result<std::vector<user_record>> list_users(const admin_actor& by) noexcept override;
    result<user_record> set_user_admin(const admin_actor& by, user_id id, bool admin) noexcept override;
    result<user_record> set_user_disabled(const admin_actor& by, user_id id, bool disabled) noexcept override;
    result<std::vector<audit_entry>> audit(const admin_actor& by, const audit_query& query) noexcept override;
    result<issued_api_token> issue_api_token(const admin_actor& by, std::chrono::seconds ttl) noexcept override;

private:
    // The tunnel if `by` may manage it; not_found otherwise.
    result<tunnel_record> owned(const admin_actor& by, std::string_view name);
    result<issued_key> new_key(const admin_actor& by, std::string_view tunnel);
    // After a change of keys or tunnels: routing and live sessions follow the
    // store now, and dashboards hear of it.
    void tunnels_changed();
    void audit_user_change(const admin_actor& by, const user_record& user, std::string detail);

    gateway_context& ctx_;
    tunnel_admin& tunnels_;
    const login_routes* login_;
};

}  // namespace warren
