#pragma once
// The Host header, canonicalised once where a request enters, so routing,
// logging and X-Forwarded-Host all see the same string.
#include <optional>
#include <string>
#include <string_view>

namespace warren {

// The canonical form of a Host header value, or nullopt when it is malformed.
// - Lowercases ASCII, drops the port (1-5 digits, <= 65535; "host:" is
//   malformed) and one trailing dot.
// - IPv6 literals stay bracketed and are normalised ("[0:0::1]" -> "[::1]");
//   zone ids are refused. IPv4 literals stay as they are; a name whose last
//   label is all digits must be a dotted-quad IPv4 address.
// - Refuses: empty values, surrounding whitespace, any byte outside printable
//   ASCII (IDNs must arrive as punycode "xn--"), characters outside
//   [a-z0-9.-], empty labels, labels over 63 or starting/ending with '-', and
//   names over 253 characters.
std::optional<std::string> canonical_host(std::string_view host_header);

struct host_route {
    enum class kind { apex, tunnel, other };
    kind what = kind::other;
    std::string name;  // the tunnel name when what == tunnel, else empty
};

// Where a canonical host goes, given the gateway's domain (lowercase, no
// trailing dot): the apex itself (the domain, or an IP literal), the tunnel
// <name>.<domain> when <name> is a single valid tunnel name, or something
// else (deeper subdomains, foreign hosts).
host_route route_host(std::string_view canonical, std::string_view domain);

}  // namespace warren
