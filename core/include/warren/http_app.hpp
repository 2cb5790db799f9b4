#pragma once
// An HTTP application on the gateway's apex host: the [dashboard]. The core
// keeps /_health, /metrics and /_warren/ for itself and hands every other
// apex request whose path the app claims to it.
//
// Requests are buffered (bodies up to 1 MiB; larger ones get 413 from the
// host) and handle() runs on the host's blocking pool, so it may call the
// store. The host adds Date, Content-Length and Connection, and the security
// headers the app leaves out (a strict Content-Security-Policy allowing only
// the apex's own scripts, styles and connections, X-Frame-Options: DENY,
// Referrer-Policy: same-origin, X-Content-Type-Options: nosniff).
//
// Sessions (SDK 1.1): the host authenticates every app request before
// handle() sees it, from the session cookie it set at login or from an
// `Authorization: Bearer` admin API token, and puts the user in `session`
// (fresh from the store: a disabled user has no session). It also answers
// 403 itself to a state-changing request (anything but GET, HEAD, OPTIONS)
// made with the cookie but without the session's CSRF token in the
// `X-CSRF-Token` header, so handle() only sees requests the user meant.
// The host serves /login/<provider>, /login/<provider>/callback,
// /login/setup and POST /logout, and a server-sent event stream of changes
// at /_warren/events (see docs/API.md); the app serves the pages.
#include <warren/export.hpp>
#include <warren/http_types.hpp>
#include <warren/plugin_object.hpp>
#include <warren/store.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warren {

struct http_session {
    user_record user;
    std::string csrf_token;  // for X-CSRF-Token; empty for API tokens
    bool api_token = false;  // authenticated by Authorization: Bearer
};

struct http_request {
    std::string method;
    std::string target;  // as sent: path and query
    std::string path;    // decoded path, without the query
    std::string query;   // raw query, without '?'
    std::string host;
    std::vector<http_header> headers;
    std::string body;
    std::string client_ip;
    bool secure = false;  // arrived over TLS (or public_url is https)
    std::optional<http_session> session;  // SDK 1.1: the signed-in user, if any

    std::string_view header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
};

struct http_response {
    int status = 200;
    std::vector<http_header> headers;
    std::string body;
};

class WARREN_SDK_VISIBLE http_app : public plugin_object {
public:
    // Whether this app serves `path` on the apex host ("/", "/api/..."). Called
    // on a network thread for every apex request: cheap, thread-safe, no I/O.
    virtual bool serves(std::string_view path) const noexcept = 0;
    virtual http_response handle(const http_request& request) noexcept = 0;
};

}  // namespace warren
