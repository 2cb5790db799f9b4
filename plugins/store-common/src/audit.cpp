// The audit log: append-only, read newest first with optional filters.
#include <soci_store/database_store.hpp>

#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace warren::soci_store {

result<void> database_store::append_audit(const audit_entry& entry) noexcept {
    if (entry.event.empty()) return {errc::invalid, message("append_audit", "the event is empty")};
    return run({.name = "append_audit"}, [&](soci::session& s) -> result<void> {
        const long long at = to_millis(entry.at);
        soci::statement st(s);
        st.exchange(soci::use(at, "at"));
        st.exchange(soci::use(entry.event, "event"));
        st.exchange(soci::use(entry.client_ip, "client_ip"));
        st.exchange(soci::use(entry.user, "username"));
        st.exchange(soci::use(entry.tunnel, "tunnel"));
        st.exchange(soci::use(entry.key_prefix, "key_prefix"));
        st.exchange(soci::use(entry.status, "status"));
        st.exchange(soci::use(entry.detail, "detail"));
        execute(
            st,
            "INSERT INTO audit_log (at, event, client_ip, username, tunnel, key_prefix, status, "
            "detail) VALUES (:at, :event, :client_ip, :username, :tunnel, :key_prefix, :status, "
            ":detail)");
        return {};
    });
}

result<std::vector<audit_entry>> database_store::query_audit(const audit_query& query) noexcept {
    std::vector<audit_entry> out;
    auto r = run({.name = "query_audit"}, [&](soci::session& s) -> result<void> {
        out.clear();
        const long long since = query.since ? to_millis(*query.since) : 0;
        const long long limit = static_cast<long long>(
            std::min<std::size_t>(query.limit, std::numeric_limits<long long>::max()));
        audit_row row;
        soci::statement st(s);
        row.into(st);
        std::string where;
        const auto add = [&](const char* condition) {
            where += where.empty() ? " WHERE " : " AND ";
            where += condition;
        };
        if (query.since) {
            add("at >= :since");
            st.exchange(soci::use(since, "since"));
        }
        if (!query.event.empty()) {
            add("event = :event");
            st.exchange(soci::use(query.event, "event"));
        }
        if (!query.tunnel.empty()) {
            add("tunnel = :tunnel");
            st.exchange(soci::use(query.tunnel, "tunnel"));
        }
        if (!query.user.empty()) {
            add("username = :username");
            st.exchange(soci::use(query.user, "username"));
        }
        st.exchange(soci::use(limit, "limit"));
        // Newest first by time, then by id for entries of the same millisecond.
        const std::string sql = "SELECT " + std::string(audit_row::columns) + " FROM audit_log" +
                                where + " ORDER BY at DESC, id DESC LIMIT :limit";
        for (bool more = execute(st, sql); more; more = st.fetch()) out.push_back(row.record());
        return {};
    });
    if (!r) return r.error();
    return out;
}

}  // namespace warren::soci_store
