// API keys: one active key per tunnel; revoked keys keep their rows so that
// no prefix is ever issued twice.
#include <soci_store/database_store.hpp>

#include "queries.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <string>

namespace warren::soci_store {
result<void> database_store::set_tunnel_key(std::string_view tunnel, std::string_view prefix,
                                            std::string_view hash, time_point now) noexcept {
    if (prefix.empty() || hash.empty())
        return {errc::invalid, message("set_tunnel_key", "the key prefix and hash are required")};
    return run({.name = "set_tunnel_key",
                .conflict = "the key prefix was issued before; draw another key",
                .secrets = {hash}},
               [&](soci::session& s) -> result<void> {
                   const std::string key_prefix(prefix);
                   const std::string key_hash(hash);
                   const long long issued = to_millis(now);
                   write_transaction tx(s, dialect_);
                   const auto id = lock_tunnel(s, dialect_, std::string(tunnel));
                   if (!id) return {errc::not_found, message("set_tunnel_key", no_tunnel(tunnel))};
                   {
                       soci::statement st(s);
                       st.exchange(soci::use(issued, "now"));
                       st.exchange(soci::use(*id, "id"));
                       execute(st,
                               "UPDATE api_keys SET revoked_at = :now "
                               "WHERE tunnel_id = :id AND revoked_at IS NULL");
                   }
                   {
                       soci::statement st(s);
                       st.exchange(soci::use(key_prefix, "prefix"));
                       st.exchange(soci::use(key_hash, "hash"));
                       st.exchange(soci::use(*id, "id"));
                       st.exchange(soci::use(issued, "now"));
                       execute(st,
                               "INSERT INTO api_keys (prefix, hash, tunnel_id, issued_at) "
                               "VALUES (:prefix, :hash, :id, :now)");
                   }
                   tx.commit();
                   return {};
               });
}

result<std::string> database_store::revoke_tunnel_key(std::string_view tunnel,
                                                      time_point now) noexcept {
    std::string revoked;
    auto r = run({.name = "revoke_tunnel_key"}, [&](soci::session& s) -> result<void> {
        const long long at = to_millis(now);
        write_transaction tx(s, dialect_);
        const auto id = lock_tunnel(s, dialect_, std::string(tunnel));
        if (!id) return {errc::not_found, message("revoke_tunnel_key", no_tunnel(tunnel))};
        bool had_key = false;
        {
            // Finished before the commit: SQLite refuses to commit while a
            // statement still has a row to give.
            soci::statement st(s);
            st.exchange(soci::use(at, "now"));
            st.exchange(soci::use(*id, "id"));
            st.exchange(soci::into(revoked));
            had_key = execute(st,
                              "UPDATE api_keys SET revoked_at = :now WHERE tunnel_id = :id "
                              "AND revoked_at IS NULL RETURNING prefix");
        }
        if (!had_key)
            return {errc::not_found,
                    message("revoke_tunnel_key",
                            "tunnel \"" + std::string(tunnel) + "\" has no active key")};
        tx.commit();
        return {};
    });
    if (!r) return r.error();
    return revoked;
}

// On every keyed connect: one query on the unique index of api_keys.prefix.
result<std::vector<key_record>> database_store::find_active_keys(std::string_view prefix) noexcept {
    std::vector<key_record> out;
    auto r = run({.name = "find_active_keys"}, [&](soci::session& s) -> result<void> {
        out.clear();
        const std::string wanted(prefix);
        std::string hash;
        int owner_disabled = 0;
        int owner_admin = 0;
        tunnel_row tunnel;
        soci::statement st(s);
        st.exchange(soci::use(wanted, "prefix"));
        st.exchange(soci::into(hash));
        st.exchange(soci::into(owner_disabled));
        st.exchange(soci::into(owner_admin));
        tunnel.into(st);
        for (bool more =
                 execute(st, "SELECT k.hash, COALESCE(u.disabled, 0), COALESCE(u.admin, 0), " +
                                 std::string(tunnel_row::columns) +
                                 " FROM api_keys k JOIN tunnels t ON t.id = k.tunnel_id "
                                 "LEFT JOIN users u ON u.id = t.owner_id "
                                 "WHERE k.prefix = :prefix AND k.revoked_at IS NULL");
             more; more = st.fetch()) {
            key_record key;
            key.prefix = tunnel.key_prefix;
            key.hash = hash;
            key.tunnel = tunnel.record();
            key.owner_disabled = owner_disabled != 0;
            key.owner_admin = owner_admin != 0;
            out.push_back(std::move(key));
        }
        return {};
    });
    if (!r) return r.error();
    return out;
}

}  // namespace warren::soci_store
