// Settings: small values the gateway keeps, such as a generated signing
// secret, so their values never appear in a message.
#include <soci_store/database_store.hpp>

#include "statement.hpp"

#include <string>

namespace warren::soci_store {

result<std::optional<std::string>> database_store::get_setting(std::string_view key) noexcept {
    std::optional<std::string> out;
    auto r = run({.name = "get_setting"}, [&](soci::session& s) -> result<void> {
        const std::string name(key);
        std::string value;
        soci::statement st(s);
        st.exchange(soci::use(name, "name"));
        st.exchange(soci::into(value));
        out.reset();
        if (execute(st, "SELECT value FROM settings WHERE name = :name")) out = std::move(value);
        return {};
    });
    if (!r) return r.error();
    return out;
}

result<void> database_store::put_setting(std::string_view key, std::string_view value) noexcept {
    if (key.empty()) return {errc::invalid, message("put_setting", "the key is empty")};
    return run({.name = "put_setting", .secrets = {value}}, [&](soci::session& s) -> result<void> {
        const std::string name(key);
        const std::string text(value);
        soci::statement st(s);
        st.exchange(soci::use(name, "name"));
        st.exchange(soci::use(text, "value"));
        execute(st,
                "INSERT INTO settings (name, value) VALUES (:name, :value) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        return {};
    });
}

}  // namespace warren::soci_store
