#pragma once
// A stand-in for the gateway's gateway_admin, for unit tests of the dashboard
// plugin's HTTP mapping: tunnels, users and audit rows in memory, the same
// rules the real service documents (own tunnels only, admins everything,
// admin-only calls forbidden to others, no changing one's own account), every
// call recorded, and a way to make the next call fail with any error.
#include <warren/gateway_admin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace warren::test {

class fake_admin final : public gateway_admin {
public:
    // --- what the fake holds; tests fill and inspect these ---
    std::vector<login_option> options;
    std::string apex = "http://localhost:8080";
    std::uint32_t max_per_user = 5;
    std::vector<tunnel_view> tunnels;  // every keyed tunnel
    std::vector<user_record> users;
    std::vector<audit_entry> audit_rows;
    std::vector<live_tunnel_view> live;
    // Set to make the next actor call fail with this error (then cleared);
    // with `fail_only`, the next call of that method ("list_tunnels").
    std::optional<error> fail_next;
    std::string fail_only;
    admin_actor last_actor;
    // One line per actor call: "alice create_tunnel demo".
    std::vector<std::string> calls;
    audit_query last_query;
    std::chrono::seconds last_ttl{};
    // Keys and tokens handed out, for checking they never reach a log.
    std::vector<std::string> secrets;

    // A tunnel owned by `owner` (or nobody), with a key unless `key_prefix` is empty.
    tunnel_view& add_tunnel(std::string name, const user_record* owner,
                            std::string key_prefix = "wk_0011aabb");

    std::vector<login_option> login_options() const override { return options; }
    std::string apex_url() const override { return apex; }
    std::uint32_t max_tunnels_per_user() const noexcept override { return max_per_user; }

    result<std::vector<tunnel_view>> list_tunnels(const admin_actor& by,
                                                  bool all) noexcept override;
    result<issued_key> create_tunnel(const admin_actor& by,
                                     std::string_view name) noexcept override;
    result<issued_key> rotate_key(const admin_actor& by, std::string_view tunnel) noexcept override;
    result<void> revoke_key(const admin_actor& by, std::string_view tunnel) noexcept override;
    result<void> delete_tunnel(const admin_actor& by, std::string_view tunnel) noexcept override;
    result<std::vector<live_tunnel_view>> live_tunnels(const admin_actor& by) noexcept override;
    result<std::vector<user_record>> list_users(const admin_actor& by) noexcept override;
    result<user_record> set_user_admin(const admin_actor& by, user_id id,
                                       bool admin) noexcept override;
    result<user_record> set_user_disabled(const admin_actor& by, user_id id,
                                          bool disabled) noexcept override;
    result<std::vector<audit_entry>> audit(const admin_actor& by,
                                           const audit_query& query) noexcept override;
    result<issued_api_token> issue_api_token(const admin_actor& by,
                                             std::chrono::seconds ttl) noexcept override;

private:
    // Records the call; returns the injected failure, if any.
    std::optional<error> begin(const admin_actor& by, std::string what);
    // The tunnel `name` as `by` may see it: another user's is not found.
    tunnel_view* visible(const admin_actor& by, std::string_view name);
    issued_key new_key(tunnel_view& t);
    result<user_record> change_user(const admin_actor& by, user_id id, bool user_record::*field,
                                    bool value);

    int next_key_ = 1;
};

}  // namespace warren::test
