#include "queries.hpp"

#include "rows.hpp"
#include "statement.hpp"

namespace warren::soci_store {

std::string no_tunnel(std::string_view name) {
    return "no tunnel named \"" + std::string(name) + "\"";
}

std::optional<tunnel_record> select_tunnel(soci::session& s, const std::string& name) {
    tunnel_row row;
    soci::statement st(s);
    st.exchange(soci::use(name, "name"));
    row.into(st);
    if (!execute(st, "SELECT " + std::string(tunnel_row::columns) + " FROM " + tunnel_row::from +
                         " WHERE t.name = :name"))
        return std::nullopt;
    return row.record();
}

std::optional<long long> lock_tunnel(soci::session& s, const dialect& d, const std::string& name) {
    long long id = 0;
    soci::statement st(s);
    st.exchange(soci::use(name, "name"));
    st.exchange(soci::into(id));
    if (!execute(st, "SELECT id FROM tunnels WHERE name = :name" + std::string(d.lock_row)))
        return std::nullopt;
    return id;
}

}  // namespace warren::soci_store
