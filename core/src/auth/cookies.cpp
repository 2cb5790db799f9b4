#include "auth/cookies.hpp"

#include "http/http_head.hpp"

namespace warren::cookies {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits "a; b; c" calling f(part) with each trimmed part until f returns true.
template <class F>
bool for_each_part(std::string_view s, F f) {
    while (!s.empty()) {
        const auto semi = s.find(';');
        if (f(trim(s.substr(0, semi)))) return true;
        if (semi == std::string_view::npos) break;
        s.remove_prefix(semi + 1);
    }
    return false;
}

}  // namespace

std::optional<std::string_view> find(std::string_view cookie_header, std::string_view name) {
    std::optional<std::string_view> found;
    for_each_part(cookie_header, [&](std::string_view pair) {
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) return false;
        std::string_view v = trim(pair.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        found = v;
        return true;
    });
    return found;
}

std::string set_cookie(std::string_view name, std::string_view value, std::string_view path,
                       std::optional<std::chrono::seconds> max_age, bool secure) {
    std::string out;
    out.append(name).append("=").append(value).append("; Path=").append(path);
    if (max_age) out.append("; Max-Age=").append(std::to_string(max_age->count()));
    out.append("; HttpOnly; SameSite=Lax");
    if (secure) out.append("; Secure");
    return out;
}

std::string clear_cookie(std::string_view name, std::string_view path, bool secure) {
    return set_cookie(name, "", path, std::chrono::seconds(0), secure);
}

bool tunnel_may_set(std::string_view set_cookie_value, std::string_view tunnel_host) {
    const auto semi = set_cookie_value.find(';');
    if (semi == std::string_view::npos) return true;
    bool allowed = true;
    for_each_part(set_cookie_value.substr(semi + 1), [&](std::string_view attr) {
        const auto eq = attr.find('=');
        if (!iequals(trim(attr.substr(0, eq)), "domain")) return false;
        std::string_view domain = eq == std::string_view::npos ? std::string_view{} : trim(attr.substr(eq + 1));
        if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
        // An empty Domain is ignored by browsers (host-only); anything else
        // must be exactly this tunnel's host. Browsers use the last Domain
        // attribute, so every one must pass.
        if (!domain.empty() && !iequals(domain, tunnel_host)) allowed = false;
        return !allowed;
    });
    return allowed;
}

}  // namespace warren::cookies
