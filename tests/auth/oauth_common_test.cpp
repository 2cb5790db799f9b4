// auth-common's helpers on their own: form and query encoding, Link headers,
// names and group paths.
#include "oauth/api_client.hpp"
#include "oauth/names.hpp"

#include <gtest/gtest.h>

namespace warren::oauth {
namespace {

TEST(FormEncode, EscapesEverythingButUnreservedCharacters) {
    EXPECT_EQ(form_encode({{"client_secret", "a+b/c&d=e f%"}, {"scope", "read:user user:email"}}),
              "client_secret=a%2Bb%2Fc%26d%3De%20f%25&scope=read%3Auser%20user%3Aemail");
    EXPECT_EQ(form_encode({{"code", "AZaz09-._~"}}), "code=AZaz09-._~");
    EXPECT_EQ(form_encode({}), "");
}

TEST(WithQuery, AppendsToAnExistingQuery) {
    EXPECT_EQ(with_query("https://api.example/user/orgs", {{"per_page", "100"}}),
              "https://api.example/user/orgs?per_page=100");
    EXPECT_EQ(with_query("https://h.example/a?x=1", {{"redirect_uri", "https://w.example/cb?y=2"}}),
              "https://h.example/a?x=1&redirect_uri=https%3A%2F%2Fw.example%2Fcb%3Fy%3D2");
}

TEST(NextLink, FindsTheNextPage) {
    EXPECT_EQ(next_link(R"(<https://api.github.com/user/orgs?page=2>; rel="next", )"
                        R"(<https://api.github.com/user/orgs?page=5>; rel="last")"),
              "https://api.github.com/user/orgs?page=2");
    // Order, unquoted values, several relation types, other parameters.
    EXPECT_EQ(next_link(R"(<https://g.example/api/v4/groups?page=1>; rel="first", )"
                        R"(<https://g.example/api/v4/groups?page=3>; title="x"; rel=next)"),
              "https://g.example/api/v4/groups?page=3");
    EXPECT_EQ(next_link(R"(<https://x.example/p2>; rel="next last")"), "https://x.example/p2");
    EXPECT_EQ(
        next_link(R"(<https://x.example/p1>; rel="prev", <https://x.example/p9>; rel="last")"), "");
    EXPECT_EQ(next_link(""), "");
    EXPECT_EQ(next_link("garbage; rel=\"next\""), "");
    EXPECT_EQ(next_link("<https://x.example/unterminated; rel=\"next\""), "");
}

TEST(Names, CompareWithoutRegardToCase) {
    EXPECT_TRUE(iequals("Acme", "aCME"));
    EXPECT_FALSE(iequals("acme", "acm"));
    EXPECT_TRUE(contains_name({"widgets", "ACME"}, "acme"));
    EXPECT_FALSE(contains_name({"widgets"}, "acme"));
    EXPECT_FALSE(contains_name({}, ""));
    EXPECT_EQ(join({"acme", "widgets"}), "acme, widgets");
    EXPECT_EQ(join({}), "");
}

TEST(Names, GroupsContainTheirSubgroups) {
    EXPECT_TRUE(in_group("acme", "acme"));
    EXPECT_TRUE(in_group("acme/dev", "acme"));
    EXPECT_TRUE(in_group("Acme/Dev/tools", "acme/dev"));
    EXPECT_FALSE(in_group("acme", "acme/dev"));
    EXPECT_FALSE(in_group("acme-corp", "acme"));
    EXPECT_FALSE(in_group("acmedev", "acme"));
    EXPECT_FALSE(in_group("acme", ""));
}

}  // namespace
}  // namespace warren::oauth
