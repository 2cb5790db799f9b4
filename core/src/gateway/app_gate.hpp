#pragma once
// What every request to an apex app (the dashboard, the sign-in routes)
// passes before the app sees it, and what every answer gets on the way out:
// - the session, from the cookie or an admin API token (a refused bearer
//   token is answered 401 here; a refused cookie is cleared and the request
//   goes on signed out, so the app shows its login page);
// - for state-changing methods: an Origin other than the apex is refused,
//   and a cookie session must send its CSRF token in X-CSRF-Token (403);
// - security headers the app did not set (CSP, X-Frame-Options, ...).
//
// Blocking (the session check reads the store): call it on the blocking pool.
#include "gateway/gateway_context.hpp"

#include <warren/http_app.hpp>

namespace warren {

// Whether a method may change state (everything but GET, HEAD, OPTIONS).
bool is_state_changing(std::string_view method) noexcept;

// Fills request.session and answers it, through `app` unless refused.
http_response answer_app_request(gateway_context& ctx, http_app& app, http_request& request);

// The session of a request for the core's own endpoints (the event
// stream): nullopt when signed out or refused.
std::optional<http_session> session_of(gateway_context& ctx, const http_request& request);

// The origin browsers send for the apex ("http://localhost:8080").
bool same_origin(gateway_context& ctx, std::string_view origin);

}  // namespace warren
