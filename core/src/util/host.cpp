#include "util/host.hpp"

#include <algorithm>
#include <charconv>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "util/ascii.hpp"
#include "util/names.hpp"

namespace warren {
namespace {

constexpr std::size_t max_name = 253;
constexpr std::size_t max_label = 63;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// 1-5 digits, at most 65535. The value itself is not needed: the gateway
// routes on the name only.
bool valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5 || !std::ranges::all_of(port, is_digit)) return false;
    unsigned value = 0;
    std::from_chars(port.data(), port.data() + port.size(), value);
    return value <= 65535;
}

// inet_pton wants a NUL-terminated string; an address is never long.
template <std::size_t N>
bool parse_address(int family, std::string_view text, void* out) {
    if (text.size() >= N) return false;
    char buf[N] = {};
    std::ranges::copy(text, buf);
    return inet_pton(family, buf, out) == 1;
}

std::optional<std::string> canonical_ipv6(std::string_view inside) {
    in6_addr addr{};
    if (!parse_address<INET6_ADDRSTRLEN>(AF_INET6, inside, &addr)) return std::nullopt;
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET6, &addr, text, sizeof text) == nullptr) return std::nullopt;
    return "[" + std::string{text} + "]";
}

// Checks a lowercased name label by label.
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > max_name) return false;
    std::string_view last;
    for (std::string_view rest = name;;) {
        const auto dot = rest.find('.');
        const auto label = rest.substr(0, dot);
        if (label.empty() || label.size() > max_label) return false;
        if (label.front() == '-' || label.back() == '-') return false;
        const bool chars_ok = std::ranges::all_of(label, [](char c) {
            return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
        });
        if (!chars_ok) return false;
        last = label;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    // No top-level domain is all digits: such a name is meant as an IPv4
    // address, and only the plain dotted quad is accepted (no "127.1", no
    // octal "010.0.0.1"), so it cannot be read two ways downstream.
    if (std::ranges::all_of(last, is_digit)) {
        in_addr addr{};
        return parse_address<INET_ADDRSTRLEN>(AF_INET, name, &addr);
    }
    return true;
}

}  // namespace

std::optional<std::string> canonical_host(std::string_view host_header) {
    if (host_header.empty()) return std::nullopt;
    // Printable ASCII only: this refuses whitespace, control bytes and raw
    // UTF-8 in one test.
    if (!std::ranges::all_of(host_header, [](char c) { return c > 0x20 && c < 0x7f; }))
        return std::nullopt;

    std::string_view host = host_header;
    if (host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto after = host.substr(close + 1);
        if (!after.empty() && (after.front() != ':' || !valid_port(after.substr(1))))
            return std::nullopt;
        return canonical_ipv6(host.substr(1, close - 1));
    }

    if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        // Also refuses an unbracketed IPv6 address.
        if (!valid_port(host.substr(colon + 1))) return std::nullopt;
        host = host.substr(0, colon);
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);

    std::string name{host};
    std::ranges::transform(name, name.begin(), ascii_lower);
    if (!valid_name(name)) return std::nullopt;
    return name;
}

host_route route_host(std::string_view canonical, std::string_view domain) {
    if (canonical == domain) return {host_route::kind::apex, {}};
    // Health checkers and load balancers address the gateway by IP: an IP
    // literal can never name a tunnel, so it means the gateway itself.
    // (canonical_host only lets dotted quads and bracketed IPv6 end in digits.)
    if (!canonical.empty() && (canonical.front() == '[' || (canonical.back() >= '0' && canonical.back() <= '9')))
        return {host_route::kind::apex, {}};
    if (canonical.size() > domain.size() + 1 && canonical.ends_with(domain) &&
        canonical[canonical.size() - domain.size() - 1] == '.') {
        const auto label = canonical.substr(0, canonical.size() - domain.size() - 1);
        if (label.find('.') == std::string_view::npos && is_valid_tunnel_name(label))
            return {host_route::kind::tunnel, std::string{label}};
    }
    return {host_route::kind::other, {}};
}

}  // namespace warren

