// Keyed tunnels: names, owners, last seen.
#include <soci_store/database_store.hpp>

#include "queries.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <chrono>
#include <string>

namespace warren::soci_store {
result<tunnel_record> database_store::create_tunnel(std::string_view name,
                                                    std::optional<user_id> owner,
                                                    time_point now) noexcept {
    if (name.empty()) return {errc::invalid, message("create_tunnel", "the name is empty")};
    tunnel_record out;
    const std::string wanted(name);
    auto r = run(
        {.name = "create_tunnel",
         .conflict = "a tunnel named \"" + wanted + "\" already exists",
         .missing = "no user with id " + (owner ? std::to_string(*owner) : std::string("(none)"))},
        [&](soci::session& s) -> result<void> {
            const long long owner_id = owner.value_or(0);
            soci::indicator owner_indicator = owner ? soci::i_ok : soci::i_null;
            const long long created = to_millis(now);
            write_transaction tx(s, dialect_);
            {
                soci::statement st(s);
                st.exchange(soci::use(wanted, "name"));
                st.exchange(soci::use(owner_id, owner_indicator, "owner"));
                st.exchange(soci::use(created, "created_at"));
                execute(st,
                        "INSERT INTO tunnels (name, owner_id, created_at) "
                        "VALUES (:name, :owner, :created_at)");
            }
            // Read back in the same transaction for the owner's name.
            auto found = select_tunnel(s, wanted);
            tx.commit();
            if (!found) return {errc::internal, message("create_tunnel", "the new row is missing")};
            out = std::move(*found);
            return {};
        });
    if (!r) return r.error();
    return out;
}

result<tunnel_record> database_store::find_tunnel(std::string_view name) noexcept {
    tunnel_record out;
    auto r = run({.name = "find_tunnel"}, [&](soci::session& s) -> result<void> {
        auto found = select_tunnel(s, std::string(name));
        if (!found) return {errc::not_found, message("find_tunnel", no_tunnel(name))};
        out = std::move(*found);
        return {};
    });
    if (!r) return r.error();
    return out;
}

result<std::vector<tunnel_record>> database_store::list_tunnels(
    std::optional<user_id> owner) noexcept {
    std::vector<tunnel_record> out;
    auto r = run({.name = "list_tunnels"}, [&](soci::session& s) -> result<void> {
        out.clear();
        const long long owner_id = owner.value_or(0);
        tunnel_row row;
        soci::statement st(s);
        row.into(st);
        std::string sql =
            "SELECT " + std::string(tunnel_row::columns) + " FROM " + tunnel_row::from;
        if (owner) {
            st.exchange(soci::use(owner_id, "owner"));
            sql += " WHERE t.owner_id = :owner";
        }
        sql += " ORDER BY t.name";
        for (bool more = execute(st, sql); more; more = st.fetch()) out.push_back(row.record());
        return {};
    });
    if (!r) return r.error();
    return out;
}

result<std::size_t> database_store::count_tunnels(user_id owner) noexcept {
    long long count = 0;
    auto r = run({.name = "count_tunnels"}, [&](soci::session& s) -> result<void> {
        const long long owner_id = owner;
        soci::statement st(s);
        st.exchange(soci::use(owner_id, "owner"));
        st.exchange(soci::into(count));
        execute(st, "SELECT COUNT(*) FROM tunnels WHERE owner_id = :owner");
        return {};
    });
    if (!r) return r.error();
    return static_cast<std::size_t>(count);
}

result<void> database_store::delete_tunnel(std::string_view name, time_point now) noexcept {
    const long long revoked = to_millis(now);
    return run({.name = "delete_tunnel"}, [&](soci::session& s) -> result<void> {
        write_transaction tx(s, dialect_);
        const auto id = lock_tunnel(s, dialect_, std::string(name));
        if (!id) return {errc::not_found, message("delete_tunnel", no_tunnel(name))};
        {
            // The key keeps its row (its prefix is never issued again); the
            // foreign key then forgets the tunnel.
            soci::statement st(s);
            st.exchange(soci::use(revoked, "now"));
            st.exchange(soci::use(*id, "id"));
            execute(st,
                    "UPDATE api_keys SET revoked_at = :now WHERE tunnel_id = :id AND revoked_at IS "
                    "NULL");
        }
        {
            soci::statement st(s);
            st.exchange(soci::use(*id, "id"));
            execute(st, "DELETE FROM tunnels WHERE id = :id");
        }
        tx.commit();
        return {};
    });
}

result<void> database_store::touch_tunnel(std::string_view name, time_point seen) noexcept {
    return run({.name = "touch_tunnel"}, [&](soci::session& s) -> result<void> {
        const std::string wanted(name);
        const long long at = to_millis(seen);
        soci::statement st(s);
        st.exchange(soci::use(at, "seen"));
        st.exchange(soci::use(wanted, "name"));
        execute(st, "UPDATE tunnels SET last_seen_at = :seen WHERE name = :name");
        if (st.get_affected_rows() == 0)
            return {errc::not_found, message("touch_tunnel", no_tunnel(name))};
        return {};
    });
}

}  // namespace warren::soci_store
