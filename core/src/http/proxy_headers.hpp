#pragma once
// Header rewriting a proxy owes the next hop (RFC 9110 §7.6): drop what
// belonged to the previous connection, say who the client was. Everything
// else stays byte for byte (webhook signatures cover headers).
#include "http/http_head.hpp"

#include <string>

namespace warren::http {

// Removes Connection and every field it names, Keep-Alive, Proxy-Connection,
// TE, Transfer-Encoding, Upgrade, Proxy-Authenticate and Proxy-Authorization.
// Host and Content-Length survive even if Connection names them (routing and
// framing are not the sender's to strip). Trailer is end to end and stays.
// keep_upgrade (WebSocket passthrough): if Connection lists "upgrade", the
// Upgrade field stays and Connection becomes exactly "Connection: Upgrade".
void strip_hop_by_hop(header_list& headers, bool keep_upgrade = false);

struct forwarded_info {
    std::string client_ip;  // as text, IPv4 or IPv6 without brackets
    std::string proto;      // "http" or "https"
    std::string host;       // the Host the public asked for
};

// Drops any incoming X-Forwarded-For/-Proto/-Host and Forwarded (the public
// must not be able to spoof them) and appends ours:
//   X-Forwarded-For: ip, X-Forwarded-Proto, X-Forwarded-Host,
//   Forwarded: for=ip;host=host;proto=proto (RFC 7239, IPv6 as for="[::1]").
// Empty members are left out (for=unknown when client_ip is empty).
void set_forwarded_headers(header_list& headers, const forwarded_info& info);

}  // namespace warren::http
