#include <soci_store/migrations.hpp>

#include "rows.hpp"
#include "statement.hpp"

#include <soci/soci.h>

#include <chrono>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace warren::soci_store {
namespace {

struct migration {
    int version;
    const char* description;
    std::span<const char* const> statements;  // "{id}" stands for dialect::id_column
};

// Version 1: the tables. Times are BIGINT Unix milliseconds (UTC). A key
// keeps its row when revoked (revoked_at set) and when its tunnel is deleted
// (tunnel_id set to NULL), so a prefix stays unique over every key issued.
constexpr const char* v1[] = {
    "CREATE TABLE users ("
    " id {id},"
    " provider TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " email TEXT NOT NULL DEFAULT '',"
    " avatar_url TEXT NOT NULL DEFAULT '',"
    " admin INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL,"
    " last_login_at BIGINT,"
    " UNIQUE (provider, subject))",
    "CREATE INDEX users_username ON users (username)",
    "CREATE TABLE tunnels ("
    " id {id},"
    " name TEXT NOT NULL UNIQUE,"
    " owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,"
    " created_at BIGINT NOT NULL,"
    " last_seen_at BIGINT)",
    "CREATE INDEX tunnels_owner ON tunnels (owner_id)",
    "CREATE TABLE api_keys ("
    " id {id},"
    " prefix TEXT NOT NULL UNIQUE,"
    " hash TEXT NOT NULL,"
    " tunnel_id BIGINT REFERENCES tunnels (id) ON DELETE SET NULL,"
    " issued_at BIGINT NOT NULL,"
    " revoked_at BIGINT)",
    "CREATE INDEX api_keys_tunnel ON api_keys (tunnel_id)",
    "CREATE TABLE audit_log ("
    " id {id},"
    " at BIGINT NOT NULL,"
    " event TEXT NOT NULL,"
    " client_ip TEXT NOT NULL DEFAULT '',"
    " username TEXT NOT NULL DEFAULT '',"
    " tunnel TEXT NOT NULL DEFAULT '',"
    " key_prefix TEXT NOT NULL DEFAULT '',"
    " status INTEGER NOT NULL DEFAULT 0,"
    " detail TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE settings ("
    " name TEXT PRIMARY KEY,"
    " value TEXT NOT NULL)",
};

// Version 2: the audit log is read newest first and by time range (the
// dashboard, query_audit's `since`); and the database itself now guarantees
// one active key per tunnel, which the tunnel queries' join relies on.
constexpr const char* v2[] = {
    "CREATE INDEX audit_log_at ON audit_log (at)",
    "CREATE UNIQUE INDEX api_keys_active ON api_keys (tunnel_id) WHERE revoked_at IS NULL",
};

constexpr migration migrations[] = {
    {1, "users, tunnels, api_keys, audit_log, settings", v1},
    {2, "index audit_log by time; one active key per tunnel", v2},
};

std::string expand(std::string_view sql, const dialect& d) {
    std::string out(sql);
    constexpr std::string_view id = "{id}";
    for (auto at = out.find(id); at != std::string::npos; at = out.find(id, at))
        out.replace(at, id.size(), d.id_column);
    return out;
}

// Run first in each migration transaction.
void take_migration_lock(soci::session& s, const dialect& d) {
    if (!d.migration_lock.empty()) s << d.migration_lock;
}

int read_version(soci::session& s) {
    int version = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", soci::into(version);
    return version;
}

}  // namespace

int latest_schema_version() noexcept {
    return std::size(migrations);
}

schema_change migrate(soci::session& s, const dialect& d, int target) {
    if (target < 1 || target > latest_schema_version())
        throw std::invalid_argument("no schema version " + std::to_string(target));
    {
        write_transaction tx(s, d);
        take_migration_lock(s, d);
        s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version INTEGER PRIMARY KEY,"
             " description TEXT NOT NULL,"
             " applied_at BIGINT NOT NULL)";
        tx.commit();
    }
    schema_change change;
    change.to = read_version(s);
    if (change.to > latest_schema_version())
        throw std::runtime_error("the database schema is at version " + std::to_string(change.to) +
                                 ", newer than this plugin knows (" +
                                 std::to_string(latest_schema_version()) + "): upgrade Warren");
    bool applied = false;
    for (const migration& m : migrations) {
        if (m.version > target) break;
        if (m.version <= change.to) continue;
        write_transaction tx(s, d);
        take_migration_lock(s, d);
        // Another gateway may have applied it while this one waited for the lock.
        const int current = read_version(s);
        if (current < m.version) {
            if (!applied) change.from = current;
            applied = true;
            for (const char* statement : m.statements) s << expand(statement, d);
            const std::string description = m.description;
            const long long now = to_millis(std::chrono::system_clock::now());
            s << "INSERT INTO schema_migrations (version, description, applied_at) "
                 "VALUES (:version, :description, :applied_at)",
                soci::use(m.version), soci::use(description), soci::use(now);
            tx.commit();
        }
        change.to = m.version;
    }
    if (!applied) change.from = change.to;
    return change;
}

}  // namespace warren::soci_store
