// A fake GitHub + GitLab OAuth provider for tests: runs
// tests/support/fake_oauth_provider.py (python3 from PATH, stdlib only) on
// 127.0.0.1 and a free port, and drives it. The script's docstring documents
// its endpoints, users and control calls; in short:
//
//   warren::test::fake_oauth fake;                 // started, port known
//   [[auth]] base_url = fake.github_base()         // http://127.0.0.1:P/github
//            api_url  = fake.github_api()          // http://127.0.0.1:P/github-api
//            (GitLab: gitlab_base() .../gitlab, gitlab_api() .../gitlab/api/v4)
//            client_id = fake.client_id(), secret = fake.client_secret()
//   auto location = fake.sign_in(authorization_url, "alice");
//       // the provider's 302 back: redirect_uri?code=...&state=...
//       // (a browser test instead opens the URL and clicks #login-as-alice)
//   fake.set_users(R"([{"login": "dave", "id": 1004, "orgs": []}])");
//   fake.fail_next(500, 1);                        // the next token/API call answers 500
//   fake.fail_next(502, 1, "/github-api/user");    // ... the next call to that path
//   fake.delay_next(3s, 1);                        // ... or answers after 3 s
//   fake.requests_json();                          // what it received, as JSON text
//
// Default users: alice 1001 (org acme, group acme/dev), bob 1002 (no org or
// group, private e-mail: /user/emails has bob@example.com), carol 1003 (org
// and group widgets).
//
// The script is found through the WARREN_FAKE_OAUTH_SCRIPT environment
// variable, else in the source tree (a compile definition). Control calls go through curl
// (run_curl), so nothing here needs Asio. Every failure throws
// std::runtime_error with the fake's log tail. Not thread-safe: one object
// per test (or fixture), used from the test's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "harness.hpp"

namespace warren::test {

class fake_oauth {
public:
    struct options {
        std::string client_id = "fake-client-id";
        // Has the characters a form encoder must escape, so a test sees that
        // the secret arrives intact.
        std::string client_secret = "fake+secret/&=s3cr3t-value";
        std::string users_json;  // empty: the default users
    };

    fake_oauth();
    explicit fake_oauth(options opts);

    std::uint16_t port() const { return port_; }
    std::string url() const;          // http://127.0.0.1:P
    std::string github_base() const;  // http://127.0.0.1:P/github
    std::string github_api() const;   // http://127.0.0.1:P/github-api
    std::string gitlab_base() const;  // http://127.0.0.1:P/gitlab
    std::string gitlab_api() const;   // http://127.0.0.1:P/gitlab/api/v4
    const std::string& client_id() const { return opts_.client_id; }
    const std::string& client_secret() const { return opts_.client_secret; }

    // What a browser does at the provider: GET `authorization_url` with
    // &login_as=LOGIN and return the Location it is sent back to (empty if
    // the fake answered anything but a redirect; `status` gets that answer).
    std::string sign_in(const std::string& authorization_url, std::string_view login,
                        long* status = nullptr) const;

    // Control calls (see the script): replace the users; the requests so far
    // as a JSON array; forget everything; make the next `count` token/API
    // calls (to `path` only, when given: "/gitlab/api/v4/groups") fail with
    // `status` (and `body`, JSON by default) or wait `delay` before
    // answering; expire every code issued so far.
    void set_users(const std::string& json_text) const;
    std::string requests_json() const;
    void reset() const;
    void fail_next(int status, int count = 1, const std::string& path = {},
                   const std::string& body = {}) const;
    void delay_next(std::chrono::milliseconds delay, int count = 1,
                    const std::string& path = {}) const;
    void expire_codes() const;

    // The fake's stdout and stderr so far (its request lines).
    std::string output() const { return proc_.output(); }

private:
    void control(const std::string& path, const std::string& json_body) const;

    options opts_;
    temp_dir dir_;  // the --users file
    process proc_;
    std::uint16_t port_ = 0;
};

// Where fake_oauth_provider.py is (for tests that start it themselves).
std::filesystem::path fake_oauth_script();

}  // namespace warren::test
