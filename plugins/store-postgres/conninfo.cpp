#include "conninfo.hpp"

#include <algorithm>
#include <cctype>

namespace warren::store_postgres {
namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool has_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(), is_space);
}

// Whether `keyword` appears as a keyword ("keyword =" at the start of a
// word) in a key=value connection string.
bool has_keyword(std::string_view conninfo, std::string_view keyword) {
    for (auto at = conninfo.find(keyword); at != std::string_view::npos;
         at = conninfo.find(keyword, at + 1)) {
        if (at > 0 && !is_space(conninfo[at - 1])) continue;
        auto rest = conninfo.substr(at + keyword.size());
        while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
        if (!rest.empty() && rest.front() == '=') return true;
    }
    return false;
}

// libpq takes a backslash escape in any value, quoted or not. Without
// whitespace the value goes unquoted (with its double quotes escaped, so
// that SOCI does not take one for the start of a quoted value); with
// whitespace, in libpq's single quotes inside SOCI's double quotes.
std::string password_option(std::string_view password) {
    const bool spaced = has_space(password);
    std::string escaped;
    for (char c : password) {
        if (c == '\\' || c == '\'' || (!spaced && c == '"')) escaped += '\\';
        escaped += c;
    }
    return spaced ? "password=\"'" + escaped + "'\"" : "password=" + escaped;
}

}  // namespace

std::optional<std::string> conninfo_problem(std::string_view configured) {
    if (configured.starts_with("postgres://") || configured.starts_with("postgresql://"))
        return "use the key=value form (\"host=... port=5432 dbname=warren user=warren\"), not a "
               "URI";
    if (has_keyword(configured, "password"))
        return "must not hold a password: name an environment variable holding it in password_env";
    return std::nullopt;
}

std::optional<std::string> password_problem(std::string_view password) {
    if (has_space(password) && password.find('"') != std::string_view::npos)
        return "the password holds both whitespace and a double quote, which SOCI 4.0 cannot pass "
               "to "
               "libpq: change the password";
    return std::nullopt;
}

std::string conninfo(std::string_view configured, std::chrono::milliseconds connect_timeout,
                     std::chrono::milliseconds statement_timeout,
                     const std::optional<std::string>& password) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(connect_timeout).count();
    std::string out =
        "application_name=warren-gateway keepalives=1 keepalives_idle=30 keepalives_interval=10 "
        "keepalives_count=3 ";
    // Before the configured pairs, so that an `options=` of the operator's
    // wins (libpq takes the last); no spaces: SOCI splits at whitespace.
    if (statement_timeout.count() > 0)
        out += "options=-cstatement_timeout=" + std::to_string(statement_timeout.count()) + " ";
    out += configured;
    out += " connect_timeout=" + std::to_string(seconds);
    if (password) out += " " + password_option(*password);
    return out;
}

}  // namespace warren::store_postgres
