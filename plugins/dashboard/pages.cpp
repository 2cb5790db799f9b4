#include "pages.hpp"

#include "text.hpp"

#include <boost/url/url.hpp>

namespace warren::dashboard {

namespace {

constexpr std::size_t max_error_chars = 200;
constexpr std::size_t max_return_bytes = 2048;

std::string head(std::string_view title) {
    return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>)html" +
           html_escape(title) +
           R"html(</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
)html";
}

std::string login_href(const login_option& option, std::string_view return_to) {
    boost::urls::url u;
    u.set_path(option.path);
    u.params().append({"return", return_to});
    return std::string(u.buffer());
}

}  // namespace

std::string safe_return_path(std::string_view requested) {
    const bool local = requested.starts_with('/') && !requested.starts_with("//") &&
                       requested.size() <= max_return_bytes;
    if (!local) return "/";
    // Browsers read '\' as '/' ("/\evil.example" is another host) and drop
    // tabs and newlines; refuse both rather than guess.
    for (const char c : requested) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\' || u < 0x20 || u == 0x7f) return "/";
    }
    return std::string(requested);
}

std::string login_page(const std::vector<login_option>& options, std::string_view return_to,
                       std::string_view error) {
    std::string page = head("Sign in · Warren");
    page += R"html(</head>
<body class="login-page">
<main class="login-card">
<h1 class="brand"><img src="/assets/favicon.svg" alt="" width="32" height="32"> Warren</h1>
<p class="muted">Sign in to manage your tunnels.</p>
)html";
    if (const std::string message = clean_text(error, max_error_chars); !message.empty())
        page += "<p class=\"login-error\" role=\"alert\">" + html_escape(message) + "</p>\n";
    if (options.empty()) {
        page +=
            R"html(<p class="login-help">No sign-in provider is configured. Use the one-time setup link the gateway printed at start, or run <code>warren-gateway --config gateway.toml setup-link</code>.</p>
)html";
    } else {
        page += "<ul class=\"login-options\">\n";
        for (const auto& option : options) {
            page += "<li><a class=\"login-provider button\" data-provider=\"" +
                    html_escape(option.id) + "\" href=\"" +
                    html_escape(login_href(option, return_to)) + "\">Sign in with " +
                    html_escape(option.display_name.empty() ? option.id : option.display_name) +
                    "</a></li>\n";
        }
        page += "</ul>\n";
    }
    page += "</main>\n</body>\n</html>\n";
    return page;
}

std::string shell_page(const user_record& user) {
    const user_identity& who = user.identity;
    std::string page = head("Warren");
    page += R"html(<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="topbar">
<a class="brand" href="/"><img src="/assets/favicon.svg" alt="" width="24" height="24"> Warren</a>
<div class="account">
)html";
    // The CSP allows https: images only; an http: avatar would be blocked.
    if (who.avatar_url.starts_with("https://"))
        page += "<img class=\"avatar\" id=\"avatar\" src=\"" + html_escape(who.avatar_url) +
                "\" alt=\"\">\n";
    page += "<span class=\"username\" id=\"username\" title=\"" + html_escape(who.name) + "\">" +
            html_escape(who.username) + "</span>\n";
    if (user.admin) page += "<span class=\"badge\" id=\"admin-badge\">admin</span>\n";
    page += R"html(<button type="button" id="logout" class="secondary">Sign out</button>
</div>
</header>
<div id="error-banner" class="banner" role="alert" hidden>
<span id="error-text"></span>
<button type="button" id="error-dismiss" class="icon" aria-label="Dismiss">&#x2715;</button>
</div>
<main>
<section class="card" id="my-tunnels">
<div class="card-head"><h2>My tunnels</h2><span id="tunnel-usage" class="muted"></span></div>
<form id="create-tunnel-form" class="inline-form">
<input id="new-tunnel-name" name="name" type="text" placeholder="name (optional)" autocomplete="off" spellcheck="false" maxlength="63" aria-label="New tunnel name">
<button id="create-tunnel" type="submit">Create tunnel</button>
</form>
<div class="table-wrap"><table>
<thead><tr><th>URL</th><th>Status</th><th>Last seen</th><th>Key</th><th class="num">Requests today</th><th class="num">Traffic today</th><th></th></tr></thead>
<tbody id="my-tunnels-body"></tbody>
</table></div>
</section>
<section class="card admin-only" id="live-tunnels" hidden>
<div class="card-head"><h2>Live tunnels</h2><span id="live-count" class="muted"></span></div>
<div class="table-wrap"><table>
<thead><tr><th>Name</th><th>Kind</th><th>Owner</th><th>Client IP</th><th>Connected since</th><th class="num">In flight</th><th class="num">Requests</th><th class="num" title="Bytes received from the tunnel client">In</th><th class="num" title="Bytes sent to the tunnel client">Out</th></tr></thead>
<tbody id="live-tunnels-body"></tbody>
</table></div>
</section>
<section class="card admin-only" id="audit" hidden>
<div class="card-head"><h2>Audit log</h2></div>
<form id="audit-filters" class="inline-form">
<select id="audit-event" aria-label="Event">
<option value="">all</option>
<option>connect</option>
<option>disconnect</option>
<option>connect_rejected</option>
<option>key_issued</option>
<option>key_revoked</option>
<option>tunnel_created</option>
<option>tunnel_deleted</option>
<option>user_updated</option>
<option>login</option>
<option>logout</option>
</select>
<input id="audit-tunnel" type="text" placeholder="tunnel" autocomplete="off" spellcheck="false" aria-label="Tunnel">
<input id="audit-user" type="text" placeholder="user" autocomplete="off" spellcheck="false" aria-label="User">
<button id="audit-apply" type="submit">Apply</button>
</form>
<div class="table-wrap"><table>
<thead><tr><th>Time</th><th>Event</th><th>User</th><th>Tunnel</th><th>Key</th><th>Client IP</th><th class="num">Status</th><th>Detail</th></tr></thead>
<tbody id="audit-body"></tbody>
</table></div>
</section>
<section class="card admin-only" id="users" hidden>
<div class="card-head"><h2>Users</h2></div>
<div class="table-wrap"><table>
<thead><tr><th>User</th><th>Name</th><th>Email</th><th>Provider</th><th>Role</th><th>Created</th><th>Last login</th><th></th></tr></thead>
<tbody id="users-body"></tbody>
</table></div>
</section>
<section class="card admin-only" id="api-access" hidden>
<div class="card-head"><h2>Admin API</h2></div>
<p class="muted">Scripts call the <code>/api/</code> routes with <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you.</p>
<form id="api-token-form" class="inline-form">
<select id="api-token-ttl" aria-label="Valid for">
<option value="30d">valid 30 days</option>
<option value="90d">valid 90 days</option>
<option value="365d">valid 365 days</option>
</select>
<button id="new-api-token" type="submit">New API token</button>
</form>
</section>
</main>
<dialog id="key-dialog" aria-labelledby="key-dialog-title">
<h2 id="key-dialog-title">New key</h2>
<p class="warning" id="key-dialog-note">This key is shown once. Copy it now: it cannot be shown again.</p>
<div class="field"><span class="label" id="key-value-label">Key</span><code id="key-value" class="secret"></code></div>
<div class="field"><span class="label" id="key-command-label">Connect with</span><code id="key-command" class="secret"></code></div>
<p class="muted" id="key-copy-status" aria-live="polite"></p>
<div class="dialog-actions">
<button type="button" id="key-copy">Copy key</button>
<button type="button" id="key-copy-command" class="secondary">Copy command</button>
<button type="button" id="key-dialog-close" class="secondary">Close</button>
</div>
</dialog>
</body>
</html>
)html";
    return page;
}

}  // namespace warren::dashboard
