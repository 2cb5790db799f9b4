#pragma once
// The JSON admin API under /api/ (docs/API.md): each route reads and checks
// its request, calls the host's gateway_admin as the signed-in user, and
// turns the answer into JSON. The rules (who may see and change what) are
// the gateway_admin's; this maps its errors to HTTP statuses and nothing more.
#include "request_target.hpp"

#include <warren/host.hpp>
#include <warren/http_app.hpp>

namespace warren::dashboard {

class admin_api {
public:
    // `host.admin()` is looked up on every request: the host replaces the
    // placeholder it hands out while plugins are created.
    admin_api(host_services& host, logger& log) : host_(host), log_(log) {}

    // `target.segments` starts with "api".
    http_response handle(const http_request& request, const request_target& target);

private:
    struct call;
    struct route;

    http_response login_options(const call& c);
    http_response me(const call& c);
    http_response list_tunnels(const call& c);
    http_response create_tunnel(const call& c);
    http_response get_tunnel(const call& c);
    http_response delete_tunnel(const call& c);
    http_response rotate_key(const call& c);
    http_response revoke_key(const call& c);
    http_response live_tunnels(const call& c);
    http_response list_users(const call& c);
    http_response update_user(const call& c);
    http_response audit(const call& c);
    http_response issue_token(const call& c);

    // The error as JSON; an internal one is logged first (the message never
    // holds a secret, by the SDK's contract).
    http_response failed(const error& e, std::string_view what);

    host_services& host_;
    logger& log_;
};

}  // namespace warren::dashboard
