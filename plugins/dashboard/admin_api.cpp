#include "admin_api.hpp"

#include "api_input.hpp"
#include "iso_time.hpp"
#include "responses.hpp"
#include "views.hpp"

#include <boost/json/array.hpp>

#include <array>
#include <span>

namespace warren::dashboard {
namespace json = boost::json;
using namespace std::chrono_literals;

// One request to a route: who asks, and the route's path parameter
// ("{name}", "{id}"), still to be checked by the handler.
struct admin_api::call {
    const http_request& request;
    const request_target& target;
    admin_actor actor;
    std::string_view param;
};

struct admin_api::route {
    std::string_view path;  // after "/api/"; "{...}" matches one segment
    std::string_view method;
    http_response (admin_api::*handler)(const call&);
    bool needs_session = true;
};

namespace {

constexpr std::size_t default_audit_limit = 100;
constexpr std::chrono::seconds default_token_ttl = std::chrono::days(30);

// Whether `path` ("tunnels/{name}/key") matches `segments` (after "api"),
// and the segment the placeholder matched.
bool matches(std::string_view path, std::span<const std::string> segments,
             std::string_view& param) {
    for (const auto& segment : segments) {
        if (path.empty()) return false;
        const auto slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (part.starts_with('{'))
            param = segment;
        else if (part != segment)
            return false;
    }
    return path.empty();
}

template <class T, class F>
json::array array_of(const std::vector<T>& items, F&& to_json) {
    json::array out;
    out.reserve(items.size());
    for (const auto& item : items) out.push_back(to_json(item));
    return out;
}

}  // namespace

http_response admin_api::handle(const http_request& request, const request_target& target) {
    static constexpr std::array<route, 13> routes{{
        {"login-options", "GET", &admin_api::login_options, false},
        {"me", "GET", &admin_api::me},
        {"tunnels", "GET", &admin_api::list_tunnels},
        {"tunnels", "POST", &admin_api::create_tunnel},
        {"tunnels/{name}", "GET", &admin_api::get_tunnel},
        {"tunnels/{name}", "DELETE", &admin_api::delete_tunnel},
        {"tunnels/{name}/key", "POST", &admin_api::rotate_key},
        {"tunnels/{name}/key", "DELETE", &admin_api::revoke_key},
        {"live", "GET", &admin_api::live_tunnels},
        {"users", "GET", &admin_api::list_users},
        {"users/{id}", "PATCH", &admin_api::update_user},
        {"audit", "GET", &admin_api::audit},
        {"tokens", "POST", &admin_api::issue_token},
    }};
    const auto segments = std::span<const std::string>(target.segments).subspan(1);
    // HEAD is a GET without the body (the host drops it).
    const std::string_view method =
        request.method == "HEAD" ? "GET" : std::string_view(request.method);

    std::string allow;
    for (const auto& r : routes) {
        std::string_view param;
        if (!matches(r.path, segments, param)) continue;
        if (r.method != method) {
            allow += (allow.empty() ? "" : ", ") + std::string(r.method) +
                     (r.method == "GET" ? ", HEAD" : "");
            continue;
        }
        if (r.needs_session && !request.session) return json_error(401, "sign in first");
        admin_actor actor;
        if (request.session) actor = {request.session->user, request.client_ip};
        return (this->*r.handler)(call{request, target, std::move(actor), param});
    }
    if (!allow.empty()) return method_not_allowed(allow, true);
    return json_error(404, "no such API route: " + request.method + " " + request.path);
}

http_response admin_api::failed(const error& e, std::string_view what) {
    if (e.code == errc::internal) log_.error(std::string(what) + ": " + e.message);
    return json_error(e);
}

http_response admin_api::login_options(const call&) {
    return json_response(200, array_of(host_.admin().login_options(), login_option_json));
}

http_response admin_api::me(const call& c) {
    gateway_admin& admin = host_.admin();
    const http_session& session = *c.request.session;
    return json_response(200, json::object{{"user", user_json(session.user)},
                                           {"csrf_token", session.csrf_token},
                                           {"api_token", session.api_token},
                                           {"max_tunnels", admin.max_tunnels_per_user()},
                                           {"unlimited", session.user.admin},
                                           {"apex_url", admin.apex_url()}});
}

http_response admin_api::list_tunnels(const call& c) {
    const auto all = flag_param(c.target.param("all"), "all");
    if (!all) return json_error(all.error());
    auto tunnels = host_.admin().list_tunnels(c.actor, *all);
    if (!tunnels) return failed(tunnels.error(), "list tunnels");
    return json_response(200, array_of(*tunnels, tunnel_json));
}

http_response admin_api::create_tunnel(const call& c) {
    const auto body = parse_body(c.request.body, {"name"});
    if (!body) return json_error(body.error());
    const auto name = string_member(*body, "name");
    if (!name) return json_error(name.error());
    auto issued = host_.admin().create_tunnel(c.actor, name->value_or(""));
    if (!issued) return failed(issued.error(), "create tunnel");

    // The key is shown only in this answer: whatever happens next, it is sent.
    json::object out{{"name", issued->tunnel}};
    if (auto mine = host_.admin().list_tunnels(c.actor, false)) {
        for (const auto& t : *mine)
            if (t.record.name == issued->tunnel) out = tunnel_json(t);
    }
    out["key"] = key_json(*issued);
    return json_response(201, out);
}

http_response admin_api::get_tunnel(const call& c) {
    const auto name = tunnel_name_param(c.param);
    if (!name) return json_error(name.error());
    auto tunnels = host_.admin().list_tunnels(c.actor, c.actor.user.admin);
    if (!tunnels) return failed(tunnels.error(), "list tunnels");
    for (const auto& t : *tunnels)
        if (t.record.name == *name) return json_response(200, tunnel_json(t));
    return json_error(404, "no tunnel named " + *name);
}

http_response admin_api::delete_tunnel(const call& c) {
    const auto name = tunnel_name_param(c.param);
    if (!name) return json_error(name.error());
    if (auto done = host_.admin().delete_tunnel(c.actor, *name); !done)
        return failed(done.error(), "delete tunnel");
    return no_content();
}

http_response admin_api::rotate_key(const call& c) {
    const auto name = tunnel_name_param(c.param);
    if (!name) return json_error(name.error());
    auto issued = host_.admin().rotate_key(c.actor, *name);
    if (!issued) return failed(issued.error(), "rotate key");
    json::object out = key_json(*issued);
    out["tunnel"] = issued->tunnel;
    return json_response(200, out);
}

http_response admin_api::revoke_key(const call& c) {
    const auto name = tunnel_name_param(c.param);
    if (!name) return json_error(name.error());
    if (auto done = host_.admin().revoke_key(c.actor, *name); !done)
        return failed(done.error(), "revoke key");
    return no_content();
}

http_response admin_api::live_tunnels(const call& c) {
    auto live = host_.admin().live_tunnels(c.actor);
    if (!live) return failed(live.error(), "live tunnels");
    return json_response(200, array_of(*live, live_tunnel_json));
}

http_response admin_api::list_users(const call& c) {
    auto users = host_.admin().list_users(c.actor);
    if (!users) return failed(users.error(), "list users");
    return json_response(200, array_of(*users, user_json));
}

http_response admin_api::update_user(const call& c) {
    const auto id = user_id_param(c.param);
    if (!id) return json_error(id.error());
    const auto body = parse_body(c.request.body, {"admin", "disabled"});
    if (!body) return json_error(body.error());
    const auto admin_flag = bool_member(*body, "admin");
    if (!admin_flag) return json_error(admin_flag.error());
    const auto disabled = bool_member(*body, "disabled");
    if (!disabled) return json_error(disabled.error());
    if (!*admin_flag && !*disabled)
        return json_error(
            400,
            "nothing to change: send {\"admin\": true|false} and/or {\"disabled\": true|false}");

    gateway_admin& admin = host_.admin();
    std::optional<user_record> user;
    if (*admin_flag) {
        auto r = admin.set_user_admin(c.actor, *id, **admin_flag);
        if (!r) return failed(r.error(), "set admin");
        user = std::move(*r);
    }
    if (*disabled) {
        auto r = admin.set_user_disabled(c.actor, *id, **disabled);
        if (!r) return failed(r.error(), "set disabled");
        user = std::move(*r);
    }
    return json_response(200, user_json(*user));
}

http_response admin_api::audit(const call& c) {
    audit_query query;
    const auto since = time_param(c.target.param("since"), "since");
    if (!since) return json_error(since.error());
    const auto limit = limit_param(c.target.param("limit"), default_audit_limit);
    if (!limit) return json_error(limit.error());
    query.since = *since;
    query.limit = *limit;
    query.event = c.target.param("event").value_or("");
    query.tunnel = c.target.param("tunnel").value_or("");
    query.user = c.target.param("user").value_or("");
    auto entries = host_.admin().audit(c.actor, query);
    if (!entries) return failed(entries.error(), "audit log");
    return json_response(200, array_of(*entries, audit_json));
}

http_response admin_api::issue_token(const call& c) {
    const auto body = parse_body(c.request.body, {"ttl"});
    if (!body) return json_error(body.error());
    const auto ttl_text = string_member(*body, "ttl");
    if (!ttl_text) return json_error(ttl_text.error());
    std::chrono::seconds ttl = default_token_ttl;
    if (*ttl_text) {
        const auto parsed = token_ttl(**ttl_text);
        if (!parsed) return json_error(parsed.error());
        ttl = *parsed;
    }
    auto issued = host_.admin().issue_api_token(c.actor, ttl);
    if (!issued) return failed(issued.error(), "issue API token");
    return json_response(201, json::object{{"token", issued->token},
                                           {"expires_at", format_iso_time(issued->expires_at)}});
}

}  // namespace warren::dashboard
