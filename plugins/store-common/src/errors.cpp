#include "errors.hpp"

#include <array>

namespace warren::soci_store {
namespace {

constexpr std::size_t max_length = 400;

// Lines PostgreSQL adds after the primary message; they may quote values.
constexpr std::array<std::string_view, 7> dropped_lines = {
    "DETAIL:", "HINT:", "CONTEXT:", "QUERY:", "LINE ", "STATEMENT:", "WHERE:"};

// What SOCI and the servers put in front of the message itself.
constexpr std::array<std::string_view, 6> boilerplate = {
    "Cannot establish connection to the database.",
    "Cannot execute query.",
    "Fatal error.",
    "Connection failed.",
    "ERROR:",
    "FATAL:"};

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

bool starts_with_any(std::string_view line, std::span<const std::string_view> prefixes) {
    for (auto p : prefixes)
        if (line.starts_with(p)) return true;
    return false;
}

std::string_view strip_boilerplate(std::string_view line) {
    for (bool stripped = true; stripped;) {
        stripped = false;
        line = trim(line);
        for (auto p : boilerplate) {
            if (line.starts_with(p)) {
                line.remove_prefix(p.size());
                stripped = true;
            }
        }
        // SOCI's SQLite backend names its function: "sqlite3_statement_backend::loadOne: ".
        if (line.starts_with("sqlite3_")) {
            if (const auto colon = line.find(": "); colon != std::string_view::npos) {
                line.remove_prefix(colon + 2);
                stripped = true;
            }
        }
    }
    return line;
}

void redact(std::string& text, std::string_view secret) {
    if (secret.empty()) return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), "***");
}

}  // namespace

std::string describe(const soci::soci_error& e, std::span<const std::string_view> secrets) {
    const std::string raw = e.get_error_message();
    std::string out;
    std::string_view rest = raw;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        std::string_view line = trim(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (starts_with_any(line, dropped_lines)) continue;
        line = strip_boilerplate(line);
        if (line.empty()) continue;
        if (!out.empty()) out += ' ';
        out += line;
    }
    for (auto s : secrets) redact(out, s);
    if (out.size() > max_length) out = out.substr(0, max_length) + "...";
    return out.empty() ? "unknown database error" : out;
}

}  // namespace warren::soci_store
