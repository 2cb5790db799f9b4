#include "auth/setup_link.hpp"

#include "util/secrets.hpp"

#include <cstdlib>

namespace warren {
namespace {

constexpr std::string_view setting = "setup_token";

std::int64_t millis_of(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

result<std::string> setup_links::create(time_point now) {
    std::string token = random_token(32);
    const std::string kept = sha256_hex(token) + ":" + std::to_string(millis_of(now + lifetime));
    std::lock_guard lock(mutex_);
    if (auto r = store_.put_setting(setting, kept); !r) return r.error();
    return token;
}

result<user_record> setup_links::redeem(std::string_view token, time_point now) {
    const error refused{errc::unauthorized, "this setup link is invalid, expired or already used; make a new one "
                                            "with: warren-gateway --config gateway.toml setup-link"};
    std::lock_guard lock(mutex_);
    auto kept = store_.get_setting(setting);
    if (!kept) return kept.error();
    if (!*kept || (*kept)->empty()) return refused;
    const std::string& value = **kept;
    const auto colon = value.find(':');
    if (colon == std::string::npos) return refused;
    const std::int64_t expires = std::strtoll(value.c_str() + colon + 1, nullptr, 10);
    if (!constant_time_equals(sha256_hex(token), std::string_view(value).substr(0, colon))) return refused;
    if (millis_of(now) >= expires) return refused;
    if (auto r = store_.put_setting(setting, ""); !r) return r.error();

    user_identity admin;
    admin.provider = "local";
    admin.subject = "admin";
    admin.username = "admin";
    admin.name = "Local admin";
    auto user = store_.upsert_user(admin, true, now);
    if (!user) return user;
    if (!user->admin) {
        if (auto r = store_.set_user_admin(user->id, true); !r) return r.error();
        user->admin = true;
    }
    if (user->disabled) return error{errc::forbidden, "the local admin user is disabled"};
    return user;
}

std::string setup_url(std::string_view apex_url, std::string_view token) {
    return std::string(apex_url) + "/login/setup?token=" + std::string(token);
}

}  // namespace warren
