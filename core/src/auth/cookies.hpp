#pragma once
// Reading the Cookie request header, writing Set-Cookie, and judging the
// Set-Cookie headers tunnels send (RFC 6265).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warren::cookies {

// The value of cookie `name` in one Cookie header ("a=1; b=2"), if present.
// The first one wins when a name repeats.
std::optional<std::string_view> find(std::string_view cookie_header, std::string_view name);

// "name=value; Path=P; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]"; no
// Max-Age without `max_age` (a browser-session cookie). Never a Domain
// attribute: our cookies are host-only, so a tunnel subdomain never gets them.
std::string set_cookie(std::string_view name, std::string_view value, std::string_view path,
                       std::optional<std::chrono::seconds> max_age, bool secure);
// A Set-Cookie that deletes the cookie (empty, Max-Age=0).
std::string clear_cookie(std::string_view name, std::string_view path, bool secure);

// Whether a response from the tunnel at `tunnel_host` (lowercase, no port)
// may carry this Set-Cookie value: yes without a Domain attribute (host-only)
// or with one naming that host; no when Domain would reach the apex or
// other tunnels ("Domain=localhost", ".example.com", another tunnel's host).
bool tunnel_may_set(std::string_view set_cookie_value, std::string_view tunnel_host);

}  // namespace warren::cookies
