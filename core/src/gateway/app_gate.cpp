#include "gateway/app_gate.hpp"

#include "auth/sessions.hpp"
#include "http/http_head.hpp"
#include "util/secrets.hpp"

#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

namespace warren {
namespace {

constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

http_response json_error(int status, std::string_view message) {
    http_response r;
    r.status = status;
    r.headers.push_back({"Content-Type", "application/json"});
    r.headers.push_back({"Cache-Control", "no-store"});
    r.body = boost::json::serialize(boost::json::object{{"error", message}}) + "\n";
    return r;
}

void add_if_absent(http_response& r, std::string_view name, std::string_view value) {
    for (const auto& h : r.headers)
        if (iequals(h.name, name)) return;
    r.headers.push_back({std::string(name), std::string(value)});
}

void add_security_headers(http_response& r) {
    add_if_absent(r, "Content-Security-Policy", content_security_policy);
    add_if_absent(r, "X-Frame-Options", "DENY");
    add_if_absent(r, "Referrer-Policy", "same-origin");
    add_if_absent(r, "X-Content-Type-Options", "nosniff");
}

}  // namespace

bool is_state_changing(std::string_view method) noexcept {
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool same_origin(gateway_context& ctx, std::string_view origin) { return origin == ctx.apex_url(); }

std::optional<http_session> session_of(gateway_context& ctx, const http_request& request) {
    if (!ctx.sessions) return std::nullopt;
    return ctx.sessions->authenticate(request, std::chrono::system_clock::now()).session;
}

http_response answer_app_request(gateway_context& ctx, http_app& app, http_request& request) {
    http_response r;
    sessions::outcome outcome;  // no sign-in on this gateway: everyone is signed out
    if (ctx.sessions) outcome = ctx.sessions->authenticate(request, std::chrono::system_clock::now());
    const bool stale_cookie = !outcome.session && !outcome.refused.empty() && !outcome.bearer;
    if (!outcome.refused.empty())
        spdlog::debug("{} {}: credentials refused: {}", request.method, request.path, outcome.refused);
    request.session = std::move(outcome.session);
    const std::string_view origin = request.header("origin");

    if (outcome.bearer && !request.session) {
        r = json_error(401, "invalid, expired or revoked API token");
        r.headers.push_back({"WWW-Authenticate", "Bearer"});
    } else if (is_state_changing(request.method) && !origin.empty() && !same_origin(ctx, origin)) {
        r = json_error(403, "cross-site request refused");
    } else if (is_state_changing(request.method) && request.session && !request.session->api_token &&
               !constant_time_equals(request.header("x-csrf-token"), request.session->csrf_token)) {
        r = json_error(403, "missing or wrong CSRF token (send the X-CSRF-Token header from /api/me)");
    } else {
        r = app.handle(request);
    }
    if (stale_cookie) r.headers.push_back({"Set-Cookie", sessions::clear_session_cookie(request.secure)});
    add_security_headers(r);
    return r;
}

}  // namespace warren
