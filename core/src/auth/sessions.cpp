#include "auth/sessions.hpp"

#include "auth/jwt.hpp"
#include "http/http_head.hpp"
#include "util/secrets.hpp"

#include <cstdlib>
#include <stdexcept>

namespace warren {
namespace {

constexpr std::size_t min_secret_bytes = 32;
constexpr std::string_view secret_setting = "session_secret";

std::int64_t seconds_of(time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
std::int64_t millis_of(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string signed_out_key(user_id id) { return "signed_out:" + std::to_string(id); }

boost::json::object claims_for(const user_record& user, std::string_view type, time_point now,
                               std::chrono::seconds ttl) {
    boost::json::object c;
    c["sub"] = std::to_string(user.id);
    c["typ"] = type;
    c[type == "session" ? "sid" : "jti"] = random_token(16);
    c["iat"] = seconds_of(now);
    c["ims"] = millis_of(now);
    c["exp"] = seconds_of(now + ttl);
    return c;
}

std::string_view string_claim(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return {};
    return it->value().as_string();
}

}  // namespace

std::string sessions::load_secret(store& s, std::string_view secret_env) {
    if (!secret_env.empty()) {
        const std::string name(secret_env);
        const char* value = std::getenv(name.c_str());
        if (!value || !*value)
            throw std::runtime_error("[sessions] secret_env: the environment variable " + name + " is not set");
        if (std::string_view(value).size() < min_secret_bytes)
            throw std::runtime_error("[sessions] secret_env: " + name + " must hold at least " +
                                     std::to_string(min_secret_bytes) + " bytes (e.g. openssl rand -base64 48)");
        return value;
    }
    auto kept = s.get_setting(secret_setting);
    if (!kept) throw std::runtime_error("cannot read the session secret from the store: " + kept.error().message);
    if (*kept && (*kept)->size() >= min_secret_bytes) return **kept;
    std::string fresh = random_token(48);
    if (auto put = s.put_setting(secret_setting, fresh); !put)
        throw std::runtime_error("cannot save the session secret in the store: " + put.error().message);
    return fresh;
}

sessions::sessions(std::string secret, store& s, std::chrono::seconds ttl)
    : secret_(std::move(secret)), store_(s), ttl_(ttl) {}

std::string sessions::issue_session(const user_record& user, time_point now) const {
    return jwt::sign(claims_for(user, "session", now, ttl_), secret_);
}

std::string sessions::issue_api_token(const user_record& user, time_point now, std::chrono::seconds ttl) const {
    return std::string(api_token_prefix) + jwt::sign(claims_for(user, "api", now, ttl), secret_);
}

std::string sessions::session_cookie(std::string_view value, bool secure) const {
    return cookies::set_cookie(cookie_name, value, "/", ttl_, secure);
}

std::string sessions::clear_session_cookie(bool secure) {
    return cookies::clear_cookie(cookie_name, "/", secure);
}

std::string sessions::csrf_for(std::string_view sid) const {
    return base64url_encode(hmac_sha256(secret_, "csrf|" + std::string(sid)));
}

sessions::outcome sessions::check(std::string_view token, std::string_view expected_type, time_point now) const {
    outcome out;
    auto v = jwt::verify(token, secret_, now);
    if (!v.ok) {
        out.refused = jwt::to_string(v.why);
        return out;
    }
    if (string_claim(v.claims, "typ") != expected_type) {
        out.refused = "wrong token type";
        return out;
    }
    const std::string_view sub = string_claim(v.claims, "sub");
    user_id id = 0;
    try {
        std::size_t used = 0;
        id = std::stoll(std::string(sub), &used);
        if (used != sub.size()) throw std::invalid_argument("sub");
    } catch (const std::exception&) {
        out.refused = "bad subject";
        return out;
    }
    auto user = store_.find_user(id);
    if (!user) {
        out.refused = user.error().code == errc::not_found ? "unknown user" : user.error().message;
        return out;
    }
    if (user->disabled) {
        out.refused = "user " + user->identity.username + " is disabled";
        return out;
    }
    if (auto signed_out = store_.get_setting(signed_out_key(id)); !signed_out) {
        out.refused = signed_out.error().message;  // fail closed while the store is down
        return out;
    } else if (*signed_out) {
        auto ims = v.claims.find("ims");
        const std::int64_t issued = ims != v.claims.end() && ims->value().is_int64() ? ims->value().as_int64() : 0;
        if (issued <= std::strtoll((*signed_out)->c_str(), nullptr, 10)) {
            out.refused = "signed out";
            return out;
        }
    }
    http_session s;
    s.user = std::move(*user);
    s.api_token = expected_type == "api";
    if (!s.api_token) s.csrf_token = csrf_for(string_claim(v.claims, "sid"));
    out.session = std::move(s);
    return out;
}

sessions::outcome sessions::authenticate(const http_request& request, time_point now) const {
    const std::string_view authorization = request.header("authorization");
    if (!authorization.empty()) {
        outcome out;
        out.bearer = true;
        constexpr std::string_view scheme = "bearer ";
        if (authorization.size() <= scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme)) {
            out.refused = "not a bearer token";
            return out;
        }
        std::string_view token = authorization.substr(scheme.size());
        if (!token.starts_with(api_token_prefix)) {
            out.refused = "not an admin API token";
            return out;
        }
        token.remove_prefix(api_token_prefix.size());
        out = check(token, "api", now);
        out.bearer = true;
        return out;
    }
    for (const auto& h : request.headers) {
        if (!iequals(h.name, "cookie")) continue;
        if (auto value = cookies::find(h.value, cookie_name)) return check(*value, "session", now);
    }
    return {};
}

result<void> sessions::sign_out(user_id user, time_point now) const {
    return store_.put_setting(signed_out_key(user), std::to_string(millis_of(now)));
}

}  // namespace warren
