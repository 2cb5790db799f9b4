#pragma once
// warren::store on a SOCI database: the one implementation the SQLite and
// PostgreSQL plugins share. A plugin class derives from it, reads its config
// and hands over a dialect and a way to open sessions.
//
// Threading: every method may be called from any thread at once; each call
// leases a session of the pool for its duration.
//
// Failures: each call catches every exception and returns an error (see
// store.hpp for the categories). When a statement fails because the
// connection broke (the server restarted), the call reopens its session once
// and runs again; if the database is still unreachable it returns
// errc::unavailable. Calls are bounded by the connect timeout and the busy
// timeout the plugin configures. A write whose connection broke after the
// server received it may thus run twice: the retried call then reports the
// conflict or writes the audit line again; nothing else is affected.
#include <soci_store/dialect.hpp>
#include <soci_store/migrations.hpp>
#include <soci_store/session_pool.hpp>

#include <warren/logger.hpp>
#include <warren/store.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace warren::soci_store {

class database_store : public store {
public:
    // Opens `pool_size` sessions with `open` and migrates the database to the
    // latest version. `where` names the database in startup errors (a path,
    // or a connection string without password). Throws std::runtime_error
    // with a message for the operator.
    database_store(const dialect& d, std::size_t pool_size, session_pool::opener open,
                   std::string_view where, logger& log);

    result<user_record> upsert_user(const user_identity& who, bool login,
                                    time_point now) noexcept override;
    result<user_record> find_user(user_id id) noexcept override;
    result<std::vector<user_record>> find_users_by_username(
        std::string_view username) noexcept override;
    result<std::vector<user_record>> list_users() noexcept override;
    result<void> set_user_admin(user_id id, bool admin) noexcept override;
    result<void> set_user_disabled(user_id id, bool disabled) noexcept override;

    result<tunnel_record> create_tunnel(std::string_view name, std::optional<user_id> owner,
                                        time_point now) noexcept override;
    result<tunnel_record> find_tunnel(std::string_view name) noexcept override;
    result<std::vector<tunnel_record>> list_tunnels(std::optional<user_id> owner) noexcept override;
    result<std::size_t> count_tunnels(user_id owner) noexcept override;
    result<void> delete_tunnel(std::string_view name, time_point now) noexcept override;
    result<void> touch_tunnel(std::string_view name, time_point seen) noexcept override;

    result<void> set_tunnel_key(std::string_view tunnel, std::string_view prefix,
                                std::string_view hash, time_point now) noexcept override;
    result<std::string> revoke_tunnel_key(std::string_view tunnel,
                                          time_point now) noexcept override;
    result<std::vector<key_record>> find_active_keys(std::string_view prefix) noexcept override;

    result<void> append_audit(const audit_entry& entry) noexcept override;
    result<std::vector<audit_entry>> query_audit(const audit_query& query) noexcept override;

    result<std::optional<std::string>> get_setting(std::string_view key) noexcept override;
    result<void> put_setting(std::string_view key, std::string_view value) noexcept override;

    int schema_version() const noexcept override { return schema_.to; }

protected:
    // What the constructor's migration did, for the plugin's start line:
    // "schema version 2" or "schema version 2, migrated from version 1".
    std::string schema_summary() const;

private:
    // How a call's failures read.
    struct operation {
        const char* name;  // "create_tunnel"
        // For a unique violation (errc::conflict) and a missing referenced
        // row (errc::not_found).
        std::string conflict = "already exists";
        std::string missing = "a referenced row does not exist";
        // Values the call binds that no message may show (hashes, settings).
        std::vector<std::string_view> secrets = {};
    };
    // Runs one call: `body` may run twice (after a reconnect), so it sets its
    // outputs from scratch. It returns a logical error itself (not found) and
    // throws on database failures, which run() turns into errors.
    using body = std::function<result<void>(soci::session&)>;
    result<void> run(const operation& op, const body& fn) noexcept;
    result<void> reconnect(session_pool::lease& held, const operation& op) noexcept;
    result<void> set_user_flag(const char* op, const char* column, user_id id, bool value) noexcept;

    // "<database>: <op>: <what>"
    std::string message(std::string_view op, std::string_view what) const;

    const dialect& dialect_;
    logger& log_;
    session_pool pool_;
    schema_change schema_;
};

}  // namespace warren::soci_store
