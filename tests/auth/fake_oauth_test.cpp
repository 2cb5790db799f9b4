// The fake provider itself, as browser tests and the gateway's tests use it:
// users from a file, the consent page's links, refusals of bad requests.
#include "auth_testing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string authorize_url(const fake_oauth& fake, const std::string& client_id,
                          const std::string& extra = "") {
    return fake.github_base() + "/login/oauth/authorize?client_id=" + client_id +
           "&redirect_uri=https%3A%2F%2Fw.example%2Flogin%2Fgithub%2Fcallback&state=s1"
           "&code_challenge=" +
           make_pkce().challenge + "&code_challenge_method=S256&scope=read%3Auser" + extra;
}

TEST(FakeOAuth, ServesUsersFromAFileOnItsConsentPage) {
    fake_oauth::options opts;
    opts.users_json =
        R"([{"login": "zed", "id": 42, "name": "Zed <Z>", "email": "zed@example.com"}])";
    const fake_oauth fake(opts);
    const auto page = run_curl({authorize_url(fake, fake.client_id())});
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_THAT(page.body, HasSubstr("Sign in to Fake GitHub as:"));
    EXPECT_THAT(page.body, HasSubstr("id=\"login-as-zed\""));
    EXPECT_THAT(page.body, HasSubstr("Zed &lt;Z&gt;"));  // escaped
    EXPECT_THAT(page.body, Not(HasSubstr("login-as-alice")));

    long status = 0;
    const auto location = fake.sign_in(authorize_url(fake, fake.client_id()), "zed", &status);
    EXPECT_EQ(status, 302);
    EXPECT_THAT(location, StartsWith("https://w.example/login/github/callback?code="));
    EXPECT_EQ(query_of(location)["state"], "s1");
}

TEST(FakeOAuth, RefusesWhatARealProviderRefuses) {
    const fake_oauth fake;
    const auto unknown_client = run_curl({authorize_url(fake, "someone-else")});
    EXPECT_EQ(unknown_client.status, 400);
    EXPECT_THAT(unknown_client.body, HasSubstr("unknown client_id"));

    long status = 0;
    EXPECT_EQ(fake.sign_in(authorize_url(fake, fake.client_id()), "nobody", &status), "");
    EXPECT_EQ(status, 400);

    const auto denied = run_curl({authorize_url(fake, fake.client_id(), "&deny=1")});
    EXPECT_EQ(denied.status, 302);
    const auto q = query_of(header_values(denied.headers, "Location").at(0));
    EXPECT_EQ(q.at("error"), "access_denied");
    EXPECT_EQ(q.at("state"), "s1");

    const auto no_token = run_curl({fake.github_api() + "/user"});
    EXPECT_EQ(no_token.status, 401);
}

}  // namespace
}  // namespace warren::test
