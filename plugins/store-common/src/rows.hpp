#pragma once
// How store records sit in rows: the column lists the queries select, bound
// in order to the fields SOCI fetches into. Times are BIGINT milliseconds
// since the Unix epoch (UTC); flags are INTEGER 0/1 (SOCI has no portable
// boolean column).
#include <warren/store.hpp>

#include <soci/soci.h>

#include <optional>
#include <string>

namespace warren::soci_store {

long long to_millis(time_point t) noexcept;  // rounds down to the millisecond
time_point from_millis(long long ms) noexcept;

// A nullable time column.
struct optional_time {
    long long millis = 0;
    soci::indicator indicator = soci::i_null;

    std::optional<time_point> value() const;
};

// A row of `users`; the column names are unqualified.
struct user_row {
    static constexpr const char* columns =
        "id, provider, subject, username, name, email, avatar_url, admin, disabled, created_at, "
        "last_login_at";

    long long id = 0;
    std::string provider, subject, username, name, email, avatar_url;
    int admin = 0;
    int disabled = 0;
    long long created_at = 0;
    optional_time last_login_at;

    void into(soci::statement& st);
    user_record record() const;
};

// A tunnel with its owner's name and its active key. The columns name the
// tables t (tunnels), u (its owner, left joined) and k (its active key, left
// joined on revoked_at IS NULL; at most one by the api_keys_active index).
struct tunnel_row {
    static constexpr const char* columns =
        "t.id, t.name, t.owner_id, COALESCE(u.username, ''), COALESCE(k.prefix, ''), k.issued_at, "
        "t.created_at, t.last_seen_at";
    static constexpr const char* from =
        "tunnels t LEFT JOIN users u ON u.id = t.owner_id "
        "LEFT JOIN api_keys k ON k.tunnel_id = t.id AND k.revoked_at IS NULL";

    long long id = 0;
    std::string name;
    long long owner_id = 0;
    soci::indicator owner_indicator = soci::i_null;
    std::string owner_username;
    std::string key_prefix;
    optional_time key_issued_at;
    long long created_at = 0;
    optional_time last_seen_at;

    void into(soci::statement& st);
    tunnel_record record() const;
};

// A row of `audit_log`; the column names are unqualified.
struct audit_row {
    static constexpr const char* columns =
        "id, at, event, client_ip, username, tunnel, key_prefix, status, detail";

    long long id = 0;
    long long at = 0;
    std::string event, client_ip, username, tunnel, key_prefix;
    int status = 0;
    std::string detail;

    void into(soci::statement& st);
    audit_entry record() const;
};

}  // namespace warren::soci_store
