// A browser for integration tests, made of curl and a cookie jar: it keeps
// the cookies the gateway sets (the OAuth login binding, the session) between
// requests, as a browser would, and signs in through a fake OAuth provider.
//
//   web_browser b;
//   b.sign_in(gw, fake, "alice");                 // GitHub-shaped, [[auth]] id "github"
//   auto me = b.get(gw.url() + "/api/me");
//   b.send("POST", gw.url() + "/api/tunnels", R"({"name":"demo"})", {"X-CSRF-Token: ..."});
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fake_oauth.hpp"
#include "harness.hpp"

namespace warren::test {

class web_browser {
public:
  curl_result get(const std::string& url) const;
  // Any method, an optional JSON body, extra header lines ("Name: value").
  curl_result send(const std::string& method, const std::string& url, const std::string& json_body = {},
                   const std::vector<std::string>& headers = {}) const;
  // The cookie jar as curl writes it (Netscape format).
  std::string cookies() const;

  // Starts a sign-in at the gateway (GET /login/ID + query); the provider's
  // authorization URL it redirects to, empty if it did not.
  std::string start_sign_in(const gateway_process& gw, const std::string& query = "",
                            const std::string& provider_id = "github") const;
  // The whole dance as `login` at the fake; the gateway's last answer (302
  // with the session cookie on success).
  curl_result sign_in(const gateway_process& gw, const fake_oauth& fake, const std::string& login,
                      const std::string& query = "", const std::string& provider_id = "github") const;

private:
  std::string jar() const;
  // Shared, so a copy is the same browser (the same cookies).
  std::shared_ptr<temp_dir> dir_ = std::make_shared<temp_dir>();
};

// The first Location header of a curl result, or "".
std::string location_of(const curl_result& r);

}  // namespace warren::test
