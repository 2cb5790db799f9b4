// auth-github's own behaviour, through the real .so against the fake
// provider: the private e-mail fallback, GitHub Enterprise-style URLs, the
// headers GitHub's API wants, and what the scopes let it see. What it shares
// with auth-gitlab is in oauth_provider_test.cpp.
#include "auth_testing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warren::test {
namespace {

using ::testing::HasSubstr;

class GitHubProvider : public ::testing::Test, protected auth_session {
protected:
    GitHubProvider() : auth_session(github_flavour()) {}
    void TearDown() override { expect_no_secrets(); }
};

TEST_F(GitHubProvider, APrivateEmailComesFromThePrimaryVerifiedAddress) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    // bob's profile shows no e-mail; his list has an old address, an
    // unverified primary one and the verified primary one.
    const auto who = sign_in(made.get(), "bob");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(who->email, "bob@example.com");
    EXPECT_EQ(who->subject, "1002");
    const auto emails = requests_to("/github-api/user/emails");
    ASSERT_EQ(emails.size(), 1u);
    EXPECT_EQ(emails[0].at("query").at("per_page").as_string(), "100");
    // alice's is public: no second call.
    ASSERT_TRUE(sign_in(made.get(), "alice"));
    EXPECT_EQ(requests_to("/github-api/user/emails").size(), 1u);
}

TEST_F(GitHubProvider, NoEmailIsNoReasonToRefuse) {
    // Without user:email GitHub will not list the addresses (404).
    auto narrow = make({{"scopes", std::string("read:user")}});
    ASSERT_TRUE(narrow.object) << narrow.error;
    auto who = sign_in(narrow.get(), "bob");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(who->email, "");

    // The list failing outright does not stop the sign-in either.
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    fake_.fail_next(500, 1, "/github-api/user/emails");
    who = sign_in(made.get(), "bob");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(who->email, "");
    EXPECT_EQ(who->username, "bob");
}

TEST_F(GitHubProvider, EnterpriseStyleUrlsAreUsedAsGiven) {
    // GitHub Enterprise Server: base_url https://ghe.example.com, api_url
    // https://ghe.example.com/api/v3. The fake's /github and /github-api are
    // just as far from the defaults.
    auto made =
        make({{"base_url", fake_.url() + "/github"}, {"api_url", fake_.url() + "/github-api"}});
    ASSERT_TRUE(made.object) << made.error;
    const auto url = made.get().authorization_url({redirect_, "s", make_pkce().challenge});
    EXPECT_THAT(*url, ::testing::StartsWith(fake_.url() + "/github/login/oauth/authorize?"));
    ASSERT_TRUE(sign_in(made.get(), "alice"));
    EXPECT_EQ(requests_to("/github/login/oauth/access_token").size(), 1u);
    EXPECT_EQ(requests_to("/github-api/user").size(), 1u);
}

TEST_F(GitHubProvider, ApiRequestsAskForGitHubJson) {
    auto made = make({{"allowed_orgs", std::vector<std::string>{"acme"}}});
    ASSERT_TRUE(made.object) << made.error;
    ASSERT_TRUE(sign_in(made.get(), "alice"));
    for (const char* path : {"/github-api/user", "/github-api/user/orgs"}) {
        const auto r = requests_to(path);
        ASSERT_EQ(r.size(), 1u) << path;
        EXPECT_EQ(r[0].at("headers").at("accept").as_string(), "application/vnd.github+json")
            << path;
        EXPECT_THAT(std::string(r[0].at("headers").at("user-agent").as_string()),
                    HasSubstr("warren"))
            << path;
    }
}

TEST_F(GitHubProvider, WithoutReadOrgPrivateMembershipsAreInvisible) {
    // The operator replaced the scopes and left read:org out: warned at
    // start, and GitHub then lists public memberships only.
    auto made = make(
        {{"allowed_orgs", std::vector<std::string>{"acme"}}, {"scopes", std::string("read:user")}});
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_THAT(host_.log().text(),
                HasSubstr("warn: scopes leaves out read:org, which allowed_orgs needs"));
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::forbidden);

    // admin:org covers it too: no warning.
    const auto before = host_.log().lines().size();
    auto wide = make({{"allowed_orgs", std::vector<std::string>{"acme"}},
                      {"scopes", std::vector<std::string>{"read:user", "admin:org"}}});
    ASSERT_TRUE(wide.object) << wide.error;
    EXPECT_EQ(host_.log().lines().size(), before) << host_.log().text();
}

TEST_F(GitHubProvider, ARedirectUriMismatchIsTheOperatorsProblem) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(made.get(), fake_, "alice", pkce, redirect_);
    const auto who = complete(made.get(), {cb.code, pkce.verifier, "https://elsewhere.example/cb"});
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::internal);
    EXPECT_EQ(
        who.error().message,
        "GitHub refused the gateway's OAuth application (redirect_uri_mismatch): check client_id, "
        "client_secret_env and the application's callback URL");
}

}  // namespace
}  // namespace warren::test
