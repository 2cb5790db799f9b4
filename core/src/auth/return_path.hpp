#pragma once
// Where to send the browser after login: only a path on this gateway, never
// another site (an open redirect would let a phishing link pass through our
// login page).
#include <string>
#include <string_view>

namespace warren {

// `wanted` when it is a plain local path ("/", "/tunnels?x=1"), else "/".
// Refused: absolute URLs, scheme-relative "//host", "/\host" (browsers read
// the backslash as a slash), control characters and spaces, anything that
// is not a valid origin-form target, and the login routes themselves.
std::string safe_return_path(std::string_view wanted);

}  // namespace warren
