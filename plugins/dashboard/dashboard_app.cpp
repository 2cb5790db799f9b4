// dashboard: the [dashboard] app. Web pages (the login page, the app shell
// and its embedded assets) and the JSON admin API on the gateway's apex host.
// The host authenticates each request and serves login, logout and the live
// event stream; every operation goes through host.admin(), which applies the
// gateway's rules.
#include "admin_api.hpp"
#include "assets.hpp"
#include "pages.hpp"
#include "request_target.hpp"
#include "responses.hpp"

#include <warren/plugin.hpp>

#include <exception>

namespace warren::dashboard {
namespace {

// Whether an If-None-Match header ("\"a\", W/\"b\"" or "*") names `etag`.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    while (!if_none_match.empty()) {
        const auto comma = if_none_match.find(',');
        std::string_view tag = if_none_match.substr(0, comma);
        if_none_match =
            comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        if (tag.starts_with("W/"))
            tag.remove_prefix(2);  // weak comparison, as RFC 9110 asks for If-None-Match
        if (tag == "*" || tag == etag) return true;
    }
    return false;
}

class dashboard_app final : public http_app {
public:
    explicit dashboard_app(const plugin_context& ctx)
        : host_(ctx.host), log_(ctx.log), api_(ctx.host, ctx.log) {}

    bool serves(std::string_view path) const noexcept override {
        // Not /login/<provider>..., /logout or /_warren/...: the host's own.
        return path == "/" || path == "/login" || path == "/favicon.ico" ||
               path.starts_with("/assets/") || path.starts_with("/api/");
    }

    http_response handle(const http_request& request) noexcept override {
        const bool api = request.path.starts_with("/api/");
        try {
            const auto target = parse_target(request.target);
            if (!target)
                return api ? json_error(400, "malformed request target")
                           : text_response(400, "bad request");
            if (api) return api_.handle(request, *target);
            return page(request, *target);
        } catch (const std::exception& e) {
            log_.error(request.method + " " + request.path + ": " + e.what());
        }
        return api ? json_error(500, "internal error") : text_response(500, "internal error");
    }

private:
    http_response page(const http_request& request, const request_target& target) {
        if (request.method != "GET" && request.method != "HEAD")
            return method_not_allowed("GET, HEAD", false);
        const auto& s = target.segments;
        if (s.empty()) return home(request);
        if (s.size() == 1 && s[0] == "login") return login(request, target);
        if (s.size() == 1 && s[0] == "favicon.ico") return asset_file(request, "favicon.svg");
        if (s.size() == 2 && s[0] == "assets") return asset_file(request, s[1]);
        return text_response(404, "not found");
    }

    http_response home(const http_request& request) {
        if (!request.session) return redirect("/login");
        return html_response(200, shell_page(request.session->user));
    }

    http_response login(const http_request& request, const request_target& target) {
        const std::string return_to = safe_return_path(target.param("return").value_or("/"));
        const std::string error = target.param("error").value_or("");
        // Signed in already (and not back from a failed attempt): go on.
        if (request.session && error.empty()) return redirect(return_to);
        return html_response(200, login_page(host_.admin().login_options(), return_to, error));
    }

    http_response asset_file(const http_request& request, std::string_view name) {
        const asset* a = find_asset(name);
        if (!a) return text_response(404, "no such asset");
        // Revalidated on every use, so a new gateway version is picked up at once.
        std::vector<http_header> headers{{"Cache-Control", "no-cache"},
                                         {"ETag", std::string(a->etag)}};
        if (etag_matches(request.header("if-none-match"), a->etag))
            return {304, std::move(headers), {}};
        headers.push_back({"Content-Type", std::string(content_type_of(a->name))});
        return {200, std::move(headers), std::string(a->body)};
    }

    host_services& host_;
    logger& log_;
    admin_api api_;
};

}  // namespace
}  // namespace warren::dashboard

WARREN_PLUGIN(warren::dashboard::dashboard_app, "dashboard", "1.0.0",
              "Admin web dashboard and JSON admin API on the apex host")
