#pragma once
// The store plugin: users, keyed tunnels, API keys, the audit log and
// settings, kept in a database. Exactly one is configured ([store]).
//
// Threading: the host calls every method from its blocking pool, never from a
// network thread, and may call them concurrently: implementations are
// thread-safe (a connection pool, or one connection behind a mutex). Calls may
// block on I/O; they should give up after a bounded time and report
// errc::unavailable rather than hang (a database that is down or restarting),
// and recover on their own when it is back, without a gateway restart.
//
// Errors: errc::not_found, errc::conflict (unique names and key prefixes),
// errc::invalid (bad argument), errc::unavailable (database unreachable),
// errc::internal (anything else). Messages name the operation and never
// contain a key, a hash or a password.
//
// Times are UTC system_clock time points, stored with millisecond precision.
// The schema is versioned: the constructor applies any missing migrations.
#include <warren/export.hpp>
#include <warren/plugin_object.hpp>
#include <warren/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warren {

using time_point = std::chrono::system_clock::time_point;
using user_id = std::int64_t;

// Who a user is at their identity provider ("github", "gitlab", or "local"
// for users made by the admin CLI). (provider, subject) is unique.
struct user_identity {
    std::string provider;
    std::string subject;   // the provider's stable user id
    std::string username;  // login name, shown in the UI and the CLI
    std::string name;      // display name
    std::string email;
    std::string avatar_url;
};

struct user_record {
    user_id id = 0;
    user_identity identity;
    bool admin = false;
    bool disabled = false;
    time_point created_at{};
    std::optional<time_point> last_login_at;
};

struct tunnel_record {
    std::int64_t id = 0;
    std::string name;                // the subdomain label, unique
    std::optional<user_id> owner;    // none: made by an operator for nobody
    std::string owner_username;      // filled by the store from the owner
    std::string key_prefix;          // of the active key; empty when it has none
    std::optional<time_point> key_issued_at;
    time_point created_at{};
    std::optional<time_point> last_seen_at;  // last connect or disconnect
};

// An active API key, as found by its visible prefix. The host compares
// `hash` (hex SHA-256 of the whole key) in constant time.
struct key_record {
    std::string prefix;  // "wk_ab12cd34", unique over all keys ever issued
    std::string hash;
    tunnel_record tunnel;
    bool owner_disabled = false;
    bool owner_admin = false;
};

struct audit_entry {
    std::int64_t id = 0;       // assigned by the store, increasing
    time_point at{};
    std::string event;         // "connect", "disconnect", "connect_rejected", "key_issued",
                               // "key_revoked", "tunnel_created", "tunnel_deleted", ...
    std::string client_ip;     // empty when not from the network (the admin CLI)
    std::string user;          // username, or "cli:<os user>", or empty
    std::string tunnel;
    std::string key_prefix;
    int status = 0;            // HTTP status for connects and rejections, else 0
    std::string detail;        // one line, no secrets
};

struct audit_query {
    std::optional<time_point> since;  // at >= since
    std::string event;                // exact match when not empty
    std::string tunnel;               // exact match when not empty
    std::string user;                 // exact match when not empty
    std::size_t limit = 100;          // newest first; 0 returns no rows
};

class WARREN_SDK_VISIBLE store : public plugin_object {
public:
    // --- users ---
    // Creates the user of (provider, subject) or updates its profile fields,
    // and sets last_login_at to `now` when `login` is true.
    virtual result<user_record> upsert_user(const user_identity& who, bool login,
                                            time_point now) noexcept = 0;
    virtual result<user_record> find_user(user_id id) noexcept = 0;
    // All users with that username (one per provider at most), oldest first.
    virtual result<std::vector<user_record>> find_users_by_username(
        std::string_view username) noexcept = 0;
    virtual result<std::vector<user_record>> list_users() noexcept = 0;
    virtual result<void> set_user_admin(user_id id, bool admin) noexcept = 0;
    virtual result<void> set_user_disabled(user_id id, bool disabled) noexcept = 0;

    // --- tunnels ---
    // errc::conflict if the name exists.
    virtual result<tunnel_record> create_tunnel(std::string_view name, std::optional<user_id> owner,
                                                time_point now) noexcept = 0;
    virtual result<tunnel_record> find_tunnel(std::string_view name) noexcept = 0;
    // Every tunnel, or only those of `owner`; ordered by name.
    virtual result<std::vector<tunnel_record>> list_tunnels(
        std::optional<user_id> owner) noexcept = 0;
    virtual result<std::size_t> count_tunnels(user_id owner) noexcept = 0;
    // Deletes the tunnel and revokes its key. errc::not_found if absent.
    virtual result<void> delete_tunnel(std::string_view name, time_point now) noexcept = 0;
    virtual result<void> touch_tunnel(std::string_view name, time_point seen) noexcept = 0;

    // --- API keys ---
    // Makes (prefix, hash) the tunnel's one active key, revoking the previous
    // one in the same transaction. errc::conflict if the prefix was ever
    // used (the caller draws another key), errc::not_found without the tunnel.
    virtual result<void> set_tunnel_key(std::string_view tunnel, std::string_view prefix,
                                        std::string_view hash, time_point now) noexcept = 0;
    // Revokes the active key; returns its prefix. errc::not_found if none.
    virtual result<std::string> revoke_tunnel_key(std::string_view tunnel,
                                                  time_point now) noexcept = 0;
    // The active key with that prefix, if any (an empty vector otherwise).
    virtual result<std::vector<key_record>> find_active_keys(std::string_view prefix) noexcept = 0;

    // --- audit log ---
    virtual result<void> append_audit(const audit_entry& entry) noexcept = 0;
    virtual result<std::vector<audit_entry>> query_audit(const audit_query& query) noexcept = 0;

    // --- settings: small values the gateway keeps (a generated signing secret) ---
    virtual result<std::optional<std::string>> get_setting(std::string_view key) noexcept = 0;
    virtual result<void> put_setting(std::string_view key, std::string_view value) noexcept = 0;

    // The schema version the database is at (after the constructor's migrations).
    virtual int schema_version() const noexcept = 0;
};

}  // namespace warren
