#pragma once
// What a signed-in user may see and do on this gateway, with the rules that
// apply whoever asks (the dashboard, the admin API, a third party's app):
// users see and change only their own tunnels, admins everything; non-admins
// own at most [tunnels] max_tunnels_per_user tunnels; every change is written
// to the audit log with the actor's username and IP; revoking a key,
// deleting a tunnel or disabling a user disconnects the affected live
// sessions at once.
//
// Errors: errc::forbidden (not an admin), errc::not_found (no such tunnel or
// user, or another user's tunnel: a non-admin cannot tell them apart),
// errc::conflict (name taken), errc::invalid (bad name or argument),
// errc::unavailable (the store is down). Messages are fit to show the user.
//
// Threading: thread-safe; every call may block on the store, so call it only
// where blocking is allowed (http_app::handle runs on the blocking pool).
#include <warren/export.hpp>
#include <warren/result.hpp>
#include <warren/store.hpp>
#include <warren/tunnels.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warren {

// The user on whose behalf a call is made, as the host authenticated them
// (http_request::session), and where they came from (for the audit log).
struct admin_actor {
    user_record user;
    std::string client_ip;
};

// Traffic of one tunnel since 00:00 UTC, kept in memory by the gateway (it
// starts from zero when the gateway restarts).
struct traffic_counts {
    std::uint64_t requests = 0;
    std::uint64_t bytes_in = 0;   // request bytes from the public
    std::uint64_t bytes_out = 0;  // response bytes to the public
};

// A keyed tunnel with what the dashboard shows next to it.
struct tunnel_view {
    tunnel_record record;
    std::string url;                 // its public URL
    std::optional<live_tunnel> live;  // set while its client is connected
    traffic_counts today;
};

// An API key just issued: `key` is shown once and never again.
struct issued_key {
    std::string tunnel;
    std::string key;
    std::string prefix;
    std::string connect_command;  // "warren http 3000 --server ... --token wk_..."
};

// A token for scripts calling the admin API (Authorization: Bearer). It acts
// as its user; it stops working when it expires, when the user is disabled,
// or when the signing secret changes.
struct issued_api_token {
    std::string token;
    time_point expires_at{};
};

// A way to sign in, for the login page: one per [[auth]] provider.
struct login_option {
    std::string id;            // "github"
    std::string display_name;  // "GitHub"
    std::string path;          // "/login/github": send the browser there
};

// A live tunnel with its traffic today, for the admins' view.
struct live_tunnel_view {
    live_tunnel tunnel;
    traffic_counts today;  // zero for anonymous tunnels (not counted per day)
};

class WARREN_SDK_VISIBLE gateway_admin {
public:
    virtual ~gateway_admin() = default;

    // --- open to everyone (no actor) ---
    virtual std::vector<login_option> login_options() const = 0;
    // The apex URL ("https://example.com") and the tunnel limit for non-admins.
    virtual std::string apex_url() const = 0;
    virtual std::uint32_t max_tunnels_per_user() const noexcept = 0;

    // --- a user's own tunnels (admins: any tunnel) ---
    // The actor's tunnels, or every keyed tunnel when `all` (admins only).
    virtual result<std::vector<tunnel_view>> list_tunnels(const admin_actor& by, bool all) noexcept = 0;
    // Creates a tunnel owned by the actor, named `name` or, when empty, a
    // readable random name, and issues its first key.
    virtual result<issued_key> create_tunnel(const admin_actor& by, std::string_view name) noexcept = 0;
    // A new key; the old one stops working and its session is disconnected.
    virtual result<issued_key> rotate_key(const admin_actor& by, std::string_view tunnel) noexcept = 0;
    virtual result<void> revoke_key(const admin_actor& by, std::string_view tunnel) noexcept = 0;
    virtual result<void> delete_tunnel(const admin_actor& by, std::string_view tunnel) noexcept = 0;

    // --- admins only (errc::forbidden otherwise) ---
    virtual result<std::vector<live_tunnel_view>> live_tunnels(const admin_actor& by) noexcept = 0;
    virtual result<std::vector<user_record>> list_users(const admin_actor& by) noexcept = 0;
    // An admin cannot remove their own admin right or disable themselves
    // (errc::invalid), so a gateway never loses its last admin by accident.
    virtual result<user_record> set_user_admin(const admin_actor& by, user_id id, bool admin) noexcept = 0;
    // Disabling signs the user out everywhere, makes their keys fail and
    // disconnects their live tunnels.
    virtual result<user_record> set_user_disabled(const admin_actor& by, user_id id, bool disabled) noexcept = 0;
    virtual result<std::vector<audit_entry>> audit(const admin_actor& by, const audit_query& query) noexcept = 0;
    // A token for scripts, acting as the actor, valid for `ttl`.
    virtual result<issued_api_token> issue_api_token(const admin_actor& by, std::chrono::seconds ttl) noexcept = 0;
};

}  // namespace warren
