// A [dashboard] app for the tests: serves /echo/... with a JSON description
// of the request it got (method, path, query, headers, body, client, TLS)
// (and who is signed in) and /store/settings/<key> to show it can use the
// host's store.
#include <warren/plugin.hpp>

#include <boost/json.hpp>

namespace {

class echo_app final : public warren::http_app {
public:
    explicit echo_app(const warren::plugin_context& ctx)
        : prefix_(ctx.config.string("prefix", "/echo")), host_(ctx.host) {}

    bool serves(std::string_view path) const noexcept override {
        return path.starts_with(prefix_) || path.starts_with("/store/");
    }

    warren::http_response handle(const warren::http_request& r) noexcept override {
        if (r.path.starts_with("/store/settings/")) return setting(r);
        boost::json::object o;
        o["method"] = r.method;
        o["target"] = r.target;
        o["path"] = r.path;
        o["query"] = r.query;
        o["host"] = r.host;
        o["body"] = r.body;
        o["client_ip"] = r.client_ip;
        o["secure"] = r.secure;
        o["user_agent"] = r.header("user-agent");
        // Who the host says is signed in (SDK 1.1), for the session tests.
        if (r.session) {
            o["user"] = r.session->user.identity.username;
            o["admin"] = r.session->user.admin;
            o["api_token"] = r.session->api_token;
        } else {
            o["user"] = nullptr;
        }
        return {201,
                {{"Content-Type", "application/json"}, {"Cache-Control", "private, max-age=5"}, {"X-App", "echo"}},
                boost::json::serialize(o)};
    }

private:
    // GET reads a setting through the host's store, PUT writes the body.
    warren::http_response setting(const warren::http_request& r) {
        const std::string key = r.path.substr(std::string_view("/store/settings/").size());
        warren::store* s = host_.store();
        if (!s) return {500, {}, "no store"};
        if (r.method == "PUT") {
            auto put = s->put_setting(key, r.body);
            return put ? warren::http_response{204, {}, {}} : warren::http_response{503, {}, put.error().message};
        }
        auto got = s->get_setting(key);
        if (!got) return {503, {}, got.error().message};
        if (!*got) return {404, {}, "no such setting"};
        return {200, {{"Content-Type", "text/plain"}}, **got};
    }

    std::string prefix_;
    warren::host_services& host_;
};

}  // namespace

WARREN_PLUGIN(echo_app, "echo-app", "1.0.0", "Echoes requests as JSON (tests)")
