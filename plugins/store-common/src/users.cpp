// The users of the store: one row per identity at a provider.
#include <soci_store/database_store.hpp>

#include "rows.hpp"
#include "statement.hpp"

#include <string>

namespace warren::soci_store {

result<user_record> database_store::upsert_user(const user_identity& who, bool login,
                                                time_point now) noexcept {
    if (who.provider.empty() || who.subject.empty() || who.username.empty())
        return {errc::invalid,
                message("upsert_user", "provider, subject and username are required")};
    user_row row;
    auto r = run({.name = "upsert_user"}, [&](soci::session& s) -> result<void> {
        const long long at = to_millis(now);
        soci::indicator login_indicator = login ? soci::i_ok : soci::i_null;
        soci::statement st(s);
        st.exchange(soci::use(who.provider, "provider"));
        st.exchange(soci::use(who.subject, "subject"));
        st.exchange(soci::use(who.username, "username"));
        st.exchange(soci::use(who.name, "name"));
        st.exchange(soci::use(who.email, "email"));
        st.exchange(soci::use(who.avatar_url, "avatar_url"));
        st.exchange(soci::use(at, "created_at"));
        st.exchange(soci::use(at, login_indicator, "login_at"));
        row.into(st);
        // One statement, so two logins of a new user at once cannot both
        // insert it: the second updates what the first inserted.
        execute(
            st,
            "INSERT INTO users (provider, subject, username, name, email, avatar_url, created_at, "
            "last_login_at) VALUES (:provider, :subject, :username, :name, :email, :avatar_url, "
            ":created_at, :login_at) ON CONFLICT (provider, subject) DO UPDATE SET "
            "username = excluded.username, name = excluded.name, email = excluded.email, "
            "avatar_url = excluded.avatar_url, "
            "last_login_at = COALESCE(excluded.last_login_at, users.last_login_at) RETURNING " +
                std::string(user_row::columns));
        return {};
    });
    if (!r) return r.error();
    return row.record();
}

result<user_record> database_store::find_user(user_id id) noexcept {
    user_row row;
    auto r = run({.name = "find_user"}, [&](soci::session& s) -> result<void> {
        const long long key = id;
        soci::statement st(s);
        st.exchange(soci::use(key, "id"));
        row.into(st);
        if (!execute(st, "SELECT " + std::string(user_row::columns) + " FROM users WHERE id = :id"))
            return {errc::not_found, message("find_user", "no user with id " + std::to_string(id))};
        return {};
    });
    if (!r) return r.error();
    return row.record();
}

result<std::vector<user_record>> database_store::find_users_by_username(
    std::string_view username) noexcept {
    std::vector<user_record> out;
    auto r = run({.name = "find_users_by_username"}, [&](soci::session& s) -> result<void> {
        out.clear();
        const std::string wanted(username);
        user_row row;
        soci::statement st(s);
        st.exchange(soci::use(wanted, "username"));
        row.into(st);
        for (bool more = execute(st, "SELECT " + std::string(user_row::columns) +
                                         " FROM users WHERE username = :username ORDER BY id");
             more; more = st.fetch())
            out.push_back(row.record());
        return {};
    });
    if (!r) return r.error();
    return out;
}

result<std::vector<user_record>> database_store::list_users() noexcept {
    std::vector<user_record> out;
    auto r = run({.name = "list_users"}, [&](soci::session& s) -> result<void> {
        out.clear();
        user_row row;
        soci::statement st(s);
        row.into(st);
        for (bool more = execute(
                 st, "SELECT " + std::string(user_row::columns) + " FROM users ORDER BY id");
             more; more = st.fetch())
            out.push_back(row.record());
        return {};
    });
    if (!r) return r.error();
    return out;
}

result<void> database_store::set_user_admin(user_id id, bool admin) noexcept {
    return set_user_flag("set_user_admin", "admin", id, admin);
}

result<void> database_store::set_user_disabled(user_id id, bool disabled) noexcept {
    return set_user_flag("set_user_disabled", "disabled", id, disabled);
}

// `column` is one of the two flag columns above, never input.
result<void> database_store::set_user_flag(const char* op, const char* column, user_id id,
                                           bool value) noexcept {
    return run({.name = op}, [&](soci::session& s) -> result<void> {
        const long long key = id;
        const int flag = value ? 1 : 0;
        soci::statement st(s);
        st.exchange(soci::use(flag, "flag"));
        st.exchange(soci::use(key, "id"));
        execute(st, "UPDATE users SET " + std::string(column) + " = :flag WHERE id = :id");
        if (st.get_affected_rows() == 0)
            return {errc::not_found, message(op, "no user with id " + std::to_string(id))};
        return {};
    });
}

}  // namespace warren::soci_store
