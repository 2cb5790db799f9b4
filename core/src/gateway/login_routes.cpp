#include "gateway/login_routes.hpp"

#include "auth/cookies.hpp"
#include "auth/return_path.hpp"
#include "auth/sessions.hpp"
#include "auth/setup_link.hpp"
#include "gateway/audit_trail.hpp"
#include "gateway/responses.hpp"
#include "gateway/tunnel_admin.hpp"
#include "http/http_head.hpp"
#include "util/names.hpp"
#include "util/secrets.hpp"

#include <boost/url/parse.hpp>

#include <spdlog/spdlog.h>

namespace warren {
namespace {

constexpr std::string_view login_cookie = "warren_login";
constexpr std::chrono::minutes login_window{10};
constexpr std::size_t max_pending = 10'000;

// A decoded query parameter of the request, if present.
std::optional<std::string> query_param(const http_request& r, std::string_view key) {
    const std::string target = "/?" + r.query;  // the view below points into it
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return std::nullopt;
    auto params = url->params();
    auto it = params.find(key);
    if (it == params.end()) return std::nullopt;
    return std::string((*it).value);
}

std::optional<std::string_view> request_cookie(const http_request& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (iequals(h.name, "cookie"))
            if (auto v = cookies::find(h.value, name)) return v;
    return std::nullopt;
}

constexpr std::string_view login_cookie_path = "/login";

// A small page for a sign-in that did not work: what happened and a way back.
http_response error_page(int status, std::string_view title, std::string_view message) {
    http_response r;
    r.status = status;
    r.headers.push_back({"Content-Type", "text/html; charset=utf-8"});
    r.headers.push_back({"Cache-Control", "no-store"});
    r.body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
             " - Warren</title></head>\n<body><main><h1>" + html_escape(title) + "</h1>\n<p>" +
             html_escape(message) + "</p>\n<p><a href=\"/login\">Back to sign-in</a></p></main></body></html>\n";
    return r;
}

http_response redirect(std::string location) {
    http_response r;
    r.status = 302;
    r.headers.push_back({"Location", std::move(location)});
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

// What a provider reports in ?error= is shown to the user: keep it to the
// RFC 6749 error-code alphabet and a sane length.
std::string provider_error_code(std::string_view e) {
    std::string out;
    for (char c : e.substr(0, 64))
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') out += c;
    return out.empty() ? "error" : out;
}

std::string pkce_challenge(std::string_view verifier) {
    sha256_hasher h;
    h.update(verifier);
    const auto digest = h.finish();
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace

login_routes::login_routes(gateway_context& ctx, std::vector<std::shared_ptr<auth_provider>> providers,
                           setup_links& setup, tunnel_admin& admin)
    : ctx_(ctx), providers_(std::move(providers)), setup_(setup), admin_(admin) {}

std::vector<login_option> login_routes::options() const {
    std::vector<login_option> out;
    for (const auto& p : providers_)
        out.push_back({std::string(p->id()), std::string(p->display_name()), "/login/" + std::string(p->id())});
    return out;
}

bool login_routes::serves(std::string_view path) const noexcept {
    if (path == "/logout" || path == "/login/setup") return true;
    if (!path.starts_with("/login/")) return false;
    std::string_view rest = path.substr(7);
    if (rest.ends_with("/callback")) rest.remove_suffix(9);
    for (const auto& p : providers_)
        if (p->id() == rest) return true;
    return false;
}

http_response login_routes::handle(const http_request& request) noexcept {
    try {
        const auto now = std::chrono::system_clock::now();
        const std::string& path = request.path;
        const bool get = request.method == "GET" || request.method == "HEAD";
        if (path == "/logout") {
            if (request.method != "POST") {
                http_response r = error_page(405, "Method not allowed", "Sign out with a POST request.");
                r.headers.push_back({"Allow", "POST"});
                return r;
            }
            return logout(request, now);
        }
        if (!get) {
            http_response r = error_page(405, "Method not allowed", "Sign-in pages are reached with GET.");
            r.headers.push_back({"Allow", "GET, HEAD"});
            return r;
        }
        if (path == "/login/setup") return setup(request, now);
        std::string_view rest = std::string_view(path).substr(7);
        const bool callback = rest.ends_with("/callback");
        if (callback) rest.remove_suffix(9);
        for (const auto& p : providers_)
            if (p->id() == rest) return callback ? finish(*p, request, now) : start(*p, request, now);
        return error_page(404, "Not found", "No such sign-in provider.");
    } catch (const std::exception& e) {
        spdlog::error("sign-in: {} {}: {}", request.method, request.path, e.what());
        return error_page(500, "Sign-in failed", "Something went wrong on this gateway. Try again.");
    }
}

http_response login_routes::start(auth_provider& p, const http_request& request, time_point now) {
    const std::string return_to = safe_return_path(query_param(request, "return").value_or("/"));
    // Two sign-ins from one browser at once (two tabs) share the binding.
    std::string binding;
    if (auto have = request_cookie(request, login_cookie); have && base64url_decode(*have) && have->size() == 43)
        binding = *have;
    else
        binding = random_token(32);

    pending entry{std::string(p.id()), random_token(32), return_to, sha256_hex(binding), now + login_window};
    const std::string state = random_token(32);
    authorization_request ask{ctx_.apex_url() + "/login/" + std::string(p.id()) + "/callback", state,
                              pkce_challenge(entry.verifier)};
    auto url = p.authorization_url(ask);
    if (!url) {
        spdlog::warn("sign-in with {}: no authorization URL: {}", p.id(), url.error().message);
        return error_page(502, "Sign-in unavailable", std::string(p.display_name()) + " sign-in is not available.");
    }
    {
        std::lock_guard lock(mutex_);
        std::erase_if(pending_, [now](const auto& kv) { return kv.second.expires <= now; });
        if (pending_.size() >= max_pending)
            return error_page(503, "Too many sign-ins", "Too many sign-ins are in progress. Try again in a minute.");
        pending_.emplace(state, std::move(entry));
    }
    http_response r = redirect(*url);
    r.headers.push_back({"Set-Cookie", cookies::set_cookie(login_cookie, binding, login_cookie_path,
                                                           login_window, request.secure)});
    return r;
}

http_response login_routes::finish(auth_provider& p, const http_request& request, time_point now) {
    const std::string name(p.display_name());
    const auto refuse = [&](int status, std::string_view title, std::string message, std::string why) {
        audit("login_refused", request, {}, status, std::string(p.id()) + ": " + why);
        return error_page(status, title, message);
    };
    const auto state = query_param(request, "state");
    if (!state || state->empty())
        return refuse(400, "Sign-in failed", "The answer from " + name + " has no state. Start again.",
                      "missing state");
    std::optional<pending> entry;
    {
        std::lock_guard lock(mutex_);
        if (auto it = pending_.find(*state); it != pending_.end()) {
            entry = std::move(it->second);
            pending_.erase(it);  // single use, whatever happens next
        }
    }
    const std::string expired_message = "This sign-in has expired or was already used. Start again.";
    if (!entry || entry->expires <= now) return refuse(400, "Sign-in expired", expired_message, "unknown state");
    const auto binding = request_cookie(request, login_cookie);
    if (!binding || !constant_time_equals(sha256_hex(*binding), entry->binding_hash))
        return refuse(400, "Sign-in failed",
                      "This sign-in was started in another browser (or cookies are blocked). Start again here.",
                      "state not bound to this browser");
    if (entry->provider != p.id()) return refuse(400, "Sign-in failed", expired_message, "state of another provider");
    if (auto e = query_param(request, "error"))
        return refuse(403, "Sign-in cancelled",
                      "Sign-in was cancelled or refused at " + name + " (" + provider_error_code(*e) + ").",
                      "provider error " + provider_error_code(*e));
    const auto code = query_param(request, "code");
    if (!code || code->empty())
        return refuse(400, "Sign-in failed", "The answer from " + name + " has no code. Start again.", "missing code");

    const std::string redirect_uri = ctx_.apex_url() + "/login/" + std::string(p.id()) + "/callback";
    auto who = p.complete({*code, entry->verifier, redirect_uri});
    if (!who) {
        const auto& e = who.error();
        switch (e.code) {
        case errc::forbidden: return refuse(403, "Not allowed", e.message, e.message);
        case errc::unauthorized:
            return refuse(401, "Sign-in failed", name + " did not accept this sign-in: " + e.message + ". Start again.",
                          e.message);
        case errc::unavailable:
            return refuse(502, "Sign-in unavailable", name + " cannot be reached right now. Try again in a minute.",
                          e.message);
        default: return refuse(500, "Sign-in failed", "Sign-in failed. Try again.", e.message);
        }
    }

    store& s = *ctx_.store;
    // First the profile alone, to learn whether this identity ever signed in
    // before (a renamed account is still the same user), then the login.
    auto before = s.upsert_user(*who, false, now);
    const bool first_login = before && !before->last_login_at;
    auto user = before ? s.upsert_user(*who, true, now) : before;
    if (!user)
        return refuse(503, "Sign-in unavailable", "The gateway cannot reach its database. Try again in a minute.",
                      user.error().message);
    if (user->disabled)
        return refuse(403, "Account disabled", "Your account on this gateway is disabled. Ask an administrator.",
                      "user " + user->identity.username + " is disabled");
    if (p.is_admin(*who) && !user->admin) {
        if (auto r = s.set_user_admin(user->id, true); r) user->admin = true;
        else spdlog::warn("sign-in: could not make {} an admin: {}", user->identity.username, r.error().message);
    }
    if (first_login) {
        ctx_.changes.bump(change::users);
        if (ctx_.config.tunnels.first_login_tunnel) first_login_tunnel(*user, request);
    }
    return signed_in(*user, request, p.id(), entry->return_to, now, true);
}

void login_routes::first_login_tunnel(const user_record& user, const http_request& request) {
    const audit_actor by{user.identity.username, request.client_ip};
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto made = admin_.create_tunnel(random_tunnel_name(), user, by);
        if (made) {
            ctx_.registry.add_keyed_name(made->name);
            ctx_.changes.bump(change::tunnels);
            return;
        }
        if (made.error().code != errc::conflict) {
            spdlog::warn("sign-in: no first tunnel for {}: {}", user.identity.username, made.error().message);
            return;
        }
    }
}

http_response login_routes::setup(const http_request& request, time_point now) {
    auto user = setup_.redeem(query_param(request, "token").value_or(""), now);
    if (!user) {
        const int status = user.error().code == errc::unavailable ? 503 : 401;
        audit("login_refused", request, {}, status, "setup link: " + user.error().message);
        return error_page(status, "Setup link not valid", user.error().message);
    }
    ctx_.changes.bump(change::users);
    return signed_in(*user, request, "setup link", "/", now, false);
}

http_response login_routes::signed_in(const user_record& user, const http_request& request, std::string_view how,
                                      std::string_view return_to, time_point now, bool clear_login_cookie) {
    const std::string session = ctx_.sessions->issue_session(user, now);
    http_response r = redirect(std::string(return_to));
    r.headers.push_back({"Set-Cookie", ctx_.sessions->session_cookie(session, request.secure)});
    if (clear_login_cookie)
        r.headers.push_back({"Set-Cookie", cookies::clear_cookie(login_cookie, login_cookie_path, request.secure)});
    audit("login", request, user.identity.username, 0, "via " + std::string(how));
    spdlog::info("{} signed in via {} from {}", user.identity.username, how, request.client_ip);
    return r;
}

http_response login_routes::logout(const http_request& request, time_point now) {
    if (request.session && !request.session->api_token) {
        if (auto r = ctx_.sessions->sign_out(request.session->user.id, now); !r)
            return error_page(503, "Sign-out failed", "The gateway cannot reach its database. Try again.");
        audit("logout", request, request.session->user.identity.username, 0, {});
    }
    http_response r;
    const bool browser_form = request.header("accept").find("text/html") != std::string_view::npos &&
                              request.header("x-csrf-token").empty();
    r.status = browser_form ? 303 : 204;
    if (browser_form) r.headers.push_back({"Location", "/login"});
    r.headers.push_back({"Cache-Control", "no-store"});
    r.headers.push_back({"Set-Cookie", sessions::clear_session_cookie(request.secure)});
    return r;
}

void login_routes::audit(std::string_view event, const http_request& request, std::string_view user, int status,
                         std::string detail) {
    audit_entry e;
    e.event = event;
    e.client_ip = request.client_ip;
    e.user = user;
    e.status = status;
    e.detail = std::move(detail);
    ctx_.audit->record(std::move(e));
}

}  // namespace warren
