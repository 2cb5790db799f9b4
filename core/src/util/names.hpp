#pragma once
// Tunnel names: the <name> of <name>.<domain>. A name is a DNS label, so the
// same checks serve names a client asks for and names the gateway makes up.
#include <string>
#include <string_view>

namespace warren {

// A readable random name, adjective-noun-noun ("brave-otter-lamp"), drawn
// uniformly from embedded word lists with OpenSSL's CSPRNG (about 2^25
// combinations: callers still check it is free). Always is_valid_tunnel_name
// and never reserved. Throws std::runtime_error if the CSPRNG fails.
std::string random_tunnel_name();

// 1..63 characters of [a-z0-9-], not starting or ending with '-', and no "--"
// at positions 2-3 (reserved for "xn--" punycode). Uppercase is refused rather
// than folded: callers canonicalise first.
bool is_valid_tunnel_name(std::string_view name) noexcept;

// Names an operator would not want handed to anyone (www, api, admin, mail,
// ...), compared case-insensitively. Keyed tunnels and anonymous claims both
// refuse these.
bool is_reserved_tunnel_name(std::string_view name) noexcept;

}  // namespace warren
