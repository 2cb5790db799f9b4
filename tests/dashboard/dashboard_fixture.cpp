#include "dashboard_fixture.hpp"

#include <boost/dll/shared_library.hpp>
#include <boost/url/parse.hpp>

#include <filesystem>

namespace warren::test {

const plugin_descriptor& dashboard_descriptor() {
    // Loaded once and kept until exit, as the gateway keeps its plugins.
    static boost::dll::shared_library library(std::filesystem::path(DASHBOARD_PLUGIN));
    static const plugin_descriptor* descriptor =
        library.get<plugin_entry_fn>(plugin_entry_symbol)();
    return *descriptor;
}

user_record make_user(user_id id, std::string username, bool admin) {
    user_record u;
    u.id = id;
    u.identity.provider = "github";
    u.identity.subject = std::to_string(1000 + id);
    u.identity.name = username + " Example";
    u.identity.email = username + "@example.com";
    u.identity.avatar_url = "https://avatars.example.com/" + username + ".png";
    u.identity.username = std::move(username);
    u.admin = admin;
    u.created_at = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours(3);
    return u;
}

dashboard_test::dashboard_test() : config_("[dashboard] (dashboard)", "gateway.toml:1:1", {}, {}) {
    host_.set_admin(&admin_);
    admin_.users = {alice_, bob_, root_};
    auto created = dashboard_descriptor().create(host_.context("dashboard", config_));
    EXPECT_TRUE(created.object) << created.error;
    object_ = std::move(created.object);
}

http_request dashboard_test::request(std::string method, std::string target, const user_record* as,
                                     std::string body) {
    http_request r;
    r.method = std::move(method);
    r.target = std::move(target);
    // As the host does (core/src/gateway/http_app_bridge.cpp).
    if (auto url = boost::urls::parse_origin_form(r.target)) {
        r.path = url->path();
        r.query = url->encoded_query();
    }
    r.host = "localhost:8080";
    r.body = std::move(body);
    r.client_ip = "203.0.113.9";
    if (as) r.session = http_session{*as, "csrf-" + as->identity.username, false};
    return r;
}

http_response dashboard_test::send(std::string method, std::string target, const user_record* as,
                                   std::string body) {
    return app().handle(request(std::move(method), std::move(target), as, std::move(body)));
}

boost::json::value dashboard_test::json_of(const http_response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.body;
    return v;
}

std::string dashboard_test::error_of(const http_response& r) {
    const auto v = json_of(r);
    if (!v.is_object() || !v.as_object().contains("error") || !v.at("error").is_string()) {
        ADD_FAILURE() << "no {\"error\": ...} in " << r.body;
        return {};
    }
    return std::string(v.at("error").as_string());
}

}  // namespace warren::test
