// auth-gitlab's own behaviour, through the real .so against the fake
// provider: subgroups of allowed groups, blocked accounts, the public e-mail,
// the API URL derived from base_url or set apart, two GitLab instances side
// by side. What it shares with auth-github is in oauth_provider_test.cpp.
#include "auth_testing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using strings = std::vector<std::string>;

class GitLabProvider : public ::testing::Test, protected auth_session {
protected:
    GitLabProvider() : auth_session(gitlab_flavour()) {}
    void TearDown() override { expect_no_secrets(); }
};

TEST_F(GitLabProvider, ASubgroupOfAnAllowedGroupCounts) {
    // alice is in acme/dev only.
    for (const auto& allowed :
         {strings{"acme"}, strings{"ACME/Dev"}, strings{"/acme/"}, strings{"x", "acme"}}) {
        auto made = make({{"allowed_groups", allowed}});
        ASSERT_TRUE(made.object) << made.error;
        const auto who = sign_in(made.get(), "alice");
        EXPECT_TRUE(who) << allowed.front() << ": " << who.error().message;
    }
    // A parent is not in its subgroup, and "acm" is not a parent of "acme".
    for (const auto& refused : {strings{"acme/dev/tools"}, strings{"acm"}, strings{"acme/de"}}) {
        auto made = make({{"allowed_groups", refused}});
        ASSERT_TRUE(made.object) << made.error;
        const auto who = sign_in(made.get(), "alice");
        ASSERT_FALSE(who) << refused.front();
        EXPECT_EQ(who.error().code, errc::forbidden);
        EXPECT_EQ(
            who.error().message,
            "alice is not a member of a group allowed to sign in here (" + refused.front() + ")");
    }
    const auto groups = requests_to("/gitlab/api/v4/groups");
    ASSERT_FALSE(groups.empty());
    EXPECT_EQ(groups[0].at("query").at("min_access_level").as_string(), "10");
}

TEST_F(GitLabProvider, ABlockedAccountIsForbidden) {
    fake_.set_users(R"([{"login": "dave", "id": 1004, "name": "Dave", "email": "dave@example.com",
                         "state": "blocked", "groups": ["acme"]},
                        {"login": "erin", "id": 1005, "name": "Erin", "email": null,
                         "public_email": "erin@public.example", "state": "active"}])");
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto dave = sign_in(made.get(), "dave");
    ASSERT_FALSE(dave);
    EXPECT_EQ(dave.error().code, errc::forbidden);
    EXPECT_EQ(dave.error().message, "dave's account on GitLab is blocked");

    // An address hidden from the API: the public one stands in.
    const auto erin = sign_in(made.get(), "erin");
    ASSERT_TRUE(erin) << erin.error().message;
    EXPECT_EQ(erin->email, "erin@public.example");
}

TEST_F(GitLabProvider, TheApiUrlDefaultsToBaseUrlApiV4) {
    auto made = make({}, {"api_url"});
    ASSERT_TRUE(made.object) << made.error;
    ASSERT_TRUE(sign_in(made.get(), "alice"));
    EXPECT_EQ(requests_to("/gitlab/api/v4/user").size(), 1u);
}

TEST_F(GitLabProvider, TheApiUrlCanBeSetApart) {
    // A self-hosted GitLab whose API sits behind another URL.
    auto made =
        make({{"api_url", fake_.url() + "/gitlab-api"}, {"allowed_groups", strings{"acme"}}});
    ASSERT_TRUE(made.object) << made.error;
    const auto who = sign_in(made.get(), "alice");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(requests_to("/gitlab-api/user").size(), 1u);
    EXPECT_EQ(requests_to("/gitlab-api/groups").size(), 1u);
    EXPECT_TRUE(requests_to("/gitlab/api/v4/user").empty());
}

TEST_F(GitLabProvider, TwoInstancesSignInApart) {
    ::setenv("WARREN_TEST_CORP_SECRET", fake_.client_secret().c_str(), 1);
    auto public_gitlab = make();
    auto corp = make({{"id", std::string("gitlab-corp")},
                      {"display_name", std::string("Corp GitLab")},
                      {"client_secret_env", std::string("WARREN_TEST_CORP_SECRET")}});
    ASSERT_TRUE(public_gitlab.object) << public_gitlab.error;
    ASSERT_TRUE(corp.object) << corp.error;
    const auto a = sign_in(public_gitlab.get(), "alice");
    const auto b = sign_in(corp.get(), "alice");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->provider, "gitlab");
    EXPECT_EQ(b->provider, "gitlab-corp");
    EXPECT_EQ(a->subject, b->subject);
}

TEST_F(GitLabProvider, WithoutAnApiScopeTheGroupsCannotBeListed) {
    auto made = make({{"allowed_groups", strings{"acme"}}, {"scopes", std::string("read_user")}});
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_THAT(host_.log().text(),
                HasSubstr("warn: scopes leaves out read_api, which allowed_groups needs"));
    // GitLab answers 403 insufficient_scope: the operator's to fix, not the user's.
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_EQ(who.error().message, "GitLab answered 403 to the request for the user's groups");
}

TEST_F(GitLabProvider, AWrongClientSecretIsInvalidClient) {
    ::setenv("WARREN_TEST_BAD_GITLAB_SECRET", "not-the-gitlab-secret", 1);
    auto made = make({{"client_secret_env", std::string("WARREN_TEST_BAD_GITLAB_SECRET")}});
    ASSERT_TRUE(made.object) << made.error;
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::internal);
    EXPECT_THAT(who.error().message,
                HasSubstr("GitLab refused the gateway's OAuth application (invalid_client)"));
}

}  // namespace
}  // namespace warren::test
