#include "auth/cookies.hpp"

#include <gtest/gtest.h>

namespace warren {
namespace {

using namespace std::chrono_literals;

TEST(Cookies, FindsTheNamedCookie) {
    EXPECT_EQ(cookies::find("a=1; warren_session=abc.def; b=2", "warren_session"), "abc.def");
    EXPECT_EQ(cookies::find("warren_session=x", "warren_session"), "x");
    EXPECT_EQ(cookies::find("  warren_session = \"quoted\" ;z=1", "warren_session"), "quoted");
    EXPECT_EQ(cookies::find("a=1;warren_session=first; warren_session=second", "warren_session"), "first");
}

TEST(Cookies, DoesNotConfuseSimilarNames) {
    EXPECT_FALSE(cookies::find("xwarren_session=1; warren_session_old=2", "warren_session"));
    EXPECT_FALSE(cookies::find("", "warren_session"));
    EXPECT_FALSE(cookies::find("warren_session", "warren_session"));  // no '='
}

TEST(Cookies, SetCookieIsHostOnlyHttpOnlyLax) {
    const auto c = cookies::set_cookie("warren_session", "v", "/", 3600s, false);
    EXPECT_EQ(c, "warren_session=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
    EXPECT_EQ(c.find("Domain"), std::string::npos);
    const auto tls = cookies::set_cookie("warren_session", "v", "/", std::nullopt, true);
    EXPECT_EQ(tls, "warren_session=v; Path=/; HttpOnly; SameSite=Lax; Secure");
    EXPECT_EQ(cookies::clear_cookie("warren_login", "/login", false),
              "warren_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST(Cookies, TunnelMaySetHostOnlyCookiesAndItsOwn) {
    const std::string host = "demo.localhost";
    EXPECT_TRUE(cookies::tunnel_may_set("sid=1", host));
    EXPECT_TRUE(cookies::tunnel_may_set("sid=1; Path=/; HttpOnly", host));
    EXPECT_TRUE(cookies::tunnel_may_set("sid=1; Domain=demo.localhost", host));
    EXPECT_TRUE(cookies::tunnel_may_set("sid=1; domain=.DEMO.localhost; Secure", host));
    EXPECT_TRUE(cookies::tunnel_may_set("sid=1; Domain=", host));  // empty: host-only for browsers
}

TEST(Cookies, TunnelMayNotSetCookiesForTheApexOrOtherTunnels) {
    const std::string host = "demo.localhost";
    for (const char* c : {"warren_session=forged; Domain=localhost", "a=1; Domain=.localhost",
                          "a=1; Path=/; DOMAIN=LocalHost", "a=1; Domain=other.localhost",
                          "a=1; Domain=demo.localhost; Domain=localhost", "a=1; Domain=ocalhost",
                          "a=1; Domain=emo.localhost"}) {
        EXPECT_FALSE(cookies::tunnel_may_set(c, host)) << c;
    }
}

}  // namespace
}  // namespace warren
