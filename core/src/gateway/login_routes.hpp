#pragma once
// The sign-in routes the core serves on the apex host, for every [[auth]]
// provider and the setup link:
//   GET  /login/<id>?return=/path   start: remember state + PKCE verifier,
//                                   bind them to the browser, 302 to the provider
//   GET  /login/<id>/callback       finish: check state, let the provider turn
//                                   the code into a user, store the user, set
//                                   the session cookie, 302 back
//   GET  /login/setup?token=...     the one-time local admin link
//   POST /logout                    end the session (CSRF-checked by the bridge)
// It is an http_app like the dashboard, so the same bridge reads, checks
// and answers its requests on the blocking pool.
//
// The state is single use and expires after 10 minutes; it is bound to the
// browser that started the login by the `warren_login` cookie (Path=/login,
// HttpOnly, SameSite=Lax: sent on the provider's redirect back), whose
// SHA-256 the pending entry keeps.
#include "gateway/gateway_context.hpp"

#include <warren/auth_provider.hpp>
#include <warren/http_app.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace warren {

class setup_links;
class tunnel_admin;

class login_routes final : public http_app {
public:
    login_routes(gateway_context& ctx, std::vector<std::shared_ptr<auth_provider>> providers,
                 setup_links& setup, tunnel_admin& admin);

    std::vector<login_option> options() const;

    bool serves(std::string_view path) const noexcept override;
    http_response handle(const http_request& request) noexcept override;

private:
    struct pending {
        std::string provider;
        std::string verifier;
        std::string return_to;
        std::string binding_hash;
        time_point expires;
    };

    http_response start(auth_provider& p, const http_request& request, time_point now);
    http_response finish(auth_provider& p, const http_request& request, time_point now);
    http_response setup(const http_request& request, time_point now);
    http_response logout(const http_request& request, time_point now);
    // After a successful sign-in: the cookie, the audit row, the redirect.
    http_response signed_in(const user_record& user, const http_request& request, std::string_view how,
                            std::string_view return_to, time_point now, bool clear_login_cookie);
    void first_login_tunnel(const user_record& user, const http_request& request);
    void audit(std::string_view event, const http_request& request, std::string_view user, int status,
               std::string detail);

    gateway_context& ctx_;
    std::vector<std::shared_ptr<auth_provider>> providers_;
    setup_links& setup_;
    tunnel_admin& admin_;

    std::mutex mutex_;
    std::unordered_map<std::string, pending> pending_;  // by state
};

}  // namespace warren
