#pragma once
// The dashboard's server-rendered pages: the login page and the app shell
// that /assets/app.js fills in. No inline script or style: the host's
// Content-Security-Policy allows only the apex's own files.
#include <warren/gateway_admin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace warren::dashboard {

// `requested` if it is a path on this host ("/", "/x?y"), else "/": a return
// path must never send the browser to another site ("//evil.example",
// "https://...", "/\evil.example") after login.
std::string safe_return_path(std::string_view requested);

// One link per provider to `option.path?return=<return_to>`, or how to get
// in without one; `error` (untrusted: from the query) is cleaned and escaped.
std::string login_page(const std::vector<login_option>& options, std::string_view return_to,
                       std::string_view error);

// The signed-in page: the top bar with `user`, the sections app.js fills in
// (admin-only ones hidden until it knows the user is an admin) and the
// dialog that shows a new key once.
std::string shell_page(const user_record& user);

}  // namespace warren::dashboard
