#pragma once
// The gateway_admin plugins see until the gateway's own is in place (plugins
// are created before the store-backed services exist) and in hosts that have
// none (tests of a single plugin): every call says the gateway is not ready.
#include <warren/gateway_admin.hpp>

namespace warren {

class unready_admin final : public gateway_admin {
public:
    std::vector<login_option> login_options() const override { return {}; }
    std::string apex_url() const override { return {}; }
    std::uint32_t max_tunnels_per_user() const noexcept override { return 0; }

    result<std::vector<tunnel_view>> list_tunnels(const admin_actor&, bool) noexcept override { return no(); }
    result<issued_key> create_tunnel(const admin_actor&, std::string_view) noexcept override { return no(); }
    result<issued_key> rotate_key(const admin_actor&, std::string_view) noexcept override { return no(); }
    result<void> revoke_key(const admin_actor&, std::string_view) noexcept override { return no(); }
    result<void> delete_tunnel(const admin_actor&, std::string_view) noexcept override { return no(); }
    result<std::vector<live_tunnel_view>> live_tunnels(const admin_actor&) noexcept override { return no(); }
    result<std::vector<user_record>> list_users(const admin_actor&) noexcept override { return no(); }
    result<user_record> set_user_admin(const admin_actor&, user_id, bool) noexcept override { return no(); }
    result<user_record> set_user_disabled(const admin_actor&, user_id, bool) noexcept override { return no(); }
    result<std::vector<audit_entry>> audit(const admin_actor&, const audit_query&) noexcept override { return no(); }
    result<issued_api_token> issue_api_token(const admin_actor&, std::chrono::seconds) noexcept override {
        return no();
    }

private:
    static error no() { return {errc::unavailable, "the gateway is not ready yet"}; }
};

}  // namespace warren
