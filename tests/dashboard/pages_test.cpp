// The dashboard's pages: which paths it claims, the login page, the app
// shell, and that whatever the server renders from users' data is escaped.
#include "dashboard_fixture.hpp"

#include <gmock/gmock.h>

#include <regex>

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DashboardPlugin, DescriptorIsAnHttpAppCalledDashboard) {
    const auto& d = dashboard_descriptor();
    EXPECT_EQ(d.sdk_major, sdk_major);
    EXPECT_EQ(d.sdk_minor, sdk_minor);
    EXPECT_STREQ(d.fingerprint, WARREN_SDK_FINGERPRINT);
    EXPECT_EQ(d.kind, plugin_kind::http_app);
    EXPECT_STREQ(d.name, "dashboard");
}

using DashboardPages = dashboard_test;

TEST_F(DashboardPages, ServesItsPagesAssetsAndApiButNotTheHostsPaths) {
    for (const char* path : {"/", "/login", "/favicon.ico", "/assets/app.js", "/assets/nothing",
                             "/api/me", "/api/tunnels/demo/key", "/api/unknown"})
        EXPECT_TRUE(app().serves(path)) << path;
    for (const char* path : {"/login/github", "/login/github/callback", "/login/setup", "/logout",
                             "/_warren/events", "/_warren/connect", "/_health", "/metrics", "/api",
                             "/assets", "/loginx", "/login/", "/index.html", "/robots.txt", ""})
        EXPECT_FALSE(app().serves(path)) << path;
}

TEST_F(DashboardPages, RootRedirectsToLoginWithoutASession) {
    const auto r = get("/");
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(header(r, "Location"), "/login");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
}

TEST_F(DashboardPages, RootServesTheAppShellToASignedInUser) {
    const auto r = get("/", &alice_);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_THAT(r.body, HasSubstr(R"x(<script src="/assets/app.js" defer></script>)x"));
    EXPECT_THAT(r.body, HasSubstr(R"x(<link rel="stylesheet" href="/assets/app.css">)x"));
    EXPECT_THAT(r.body, HasSubstr(R"x(<link rel="icon" href="/assets/favicon.svg")x"));
    for (const char* id : {"my-tunnels", "create-tunnel-form", "new-tunnel-name", "create-tunnel",
                           "key-dialog", "key-value", "key-command", "key-copy", "key-dialog-close",
                           "error-banner", "logout", "live-tunnels", "audit", "audit-event",
                           "audit-tunnel", "audit-user", "audit-apply", "users", "new-api-token"})
        EXPECT_THAT(r.body, HasSubstr("id=\"" + std::string(id) + "\"")) << id;
    EXPECT_THAT(r.body, HasSubstr(R"x(placeholder="name (optional)")x"));
    EXPECT_THAT(r.body, HasSubstr(">alice</span>"));
    EXPECT_THAT(r.body, Not(HasSubstr("admin-badge"))) << "alice is no admin";
    EXPECT_THAT(get("/", &root_).body,
                HasSubstr(R"x(<span class="badge" id="admin-badge">admin</span>)x"));
}

TEST_F(DashboardPages, AuditEventFilterListsEveryEventAndAll) {
    const auto body = get("/", &root_).body;
    EXPECT_THAT(body, HasSubstr(R"x(<option value="">all</option>)x"));
    for (const char* event :
         {"connect", "disconnect", "connect_rejected", "key_issued", "key_revoked",
          "tunnel_created", "tunnel_deleted", "user_updated", "login", "logout"})
        EXPECT_THAT(body, HasSubstr("<option>" + std::string(event) + "</option>")) << event;
}

// The host's Content-Security-Policy allows no inline script or style, so
// the pages must not have any: they would be blocked (and log errors).
TEST_F(DashboardPages, PagesHaveNoInlineScriptsStylesOrHandlers) {
    admin_.options = {{"github", "GitHub", "/login/github"}};
    for (const auto& body :
         {get("/", &root_).body, get("/login").body, get("/login?error=x").body}) {
        EXPECT_FALSE(std::regex_search(body, std::regex("<script(?![^>]*\\bsrc=)"))) << body;
        EXPECT_THAT(body, Not(HasSubstr("<style")));
        EXPECT_THAT(body, Not(HasSubstr("style=")));
        EXPECT_FALSE(std::regex_search(body, std::regex("\\son[a-z]+=", std::regex::icase)))
            << body;
        EXPECT_THAT(body, Not(HasSubstr("javascript:")));
    }
}

TEST_F(DashboardPages, TheShellEscapesAnHtmlSpecialUsername) {
    user_record mallory = make_user(9, "<script>alert(1)</script>&\"'", true);
    mallory.identity.name = "\"><img src=x>";
    mallory.identity.avatar_url = "https://evil.example/a.png\" onerror=\"alert(1)";
    const auto body = get("/", &mallory).body;
    EXPECT_THAT(body, Not(HasSubstr("<script>alert(1)")));
    EXPECT_THAT(body, Not(HasSubstr("<img src=x>")));
    EXPECT_THAT(body, Not(HasSubstr("\" onerror=\"")));
    EXPECT_THAT(body, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"));
    EXPECT_THAT(body, HasSubstr("title=\"&quot;&gt;&lt;img src=x&gt;\""));
    EXPECT_THAT(body, HasSubstr("src=\"https://evil.example/a.png&quot; onerror=&quot;alert(1)\""));
}

TEST_F(DashboardPages, TheShellShowsOnlyHttpsAvatars) {
    EXPECT_THAT(
        get("/", &alice_).body,
        HasSubstr(
            R"x(<img class="avatar" id="avatar" src="https://avatars.example.com/alice.png" alt="">)x"));
    user_record plain = alice_;
    plain.identity.avatar_url = "http://avatars.example.com/alice.png";  // the CSP would block it
    EXPECT_THAT(get("/", &plain).body, Not(HasSubstr("class=\"avatar\"")));
    plain.identity.avatar_url = "javascript:alert(1)";
    EXPECT_THAT(get("/", &plain).body, Not(HasSubstr("javascript:")));
}

TEST_F(DashboardPages, LoginPageLinksEveryProviderWithTheReturnPath) {
    admin_.options = {{"github", "GitHub", "/login/github"}, {"gitlab", "GitLab", "/login/gitlab"}};
    const auto r = get("/login?return=%2Ftunnels%3Fa%3D1%26b%3D2");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
    EXPECT_THAT(r.body, HasSubstr(" Warren</h1>"));
    EXPECT_THAT(
        r.body,
        HasSubstr(
            R"x(<a class="login-provider button" data-provider="github" href="/login/github?return=/tunnels?a=1%26b=2">Sign in with GitHub</a>)x"));
    EXPECT_THAT(
        r.body,
        HasSubstr(
            R"x(<a class="login-provider button" data-provider="gitlab" href="/login/gitlab?return=/tunnels?a=1%26b=2">Sign in with GitLab</a>)x"));
    EXPECT_THAT(r.body, Not(HasSubstr("<form")))
        << "links, not forms: form-action would block the redirect";
    EXPECT_THAT(r.body, Not(HasSubstr("No sign-in provider")));
}

TEST_F(DashboardPages, LoginPageReturnsHomeByDefault) {
    admin_.options = {{"github", "GitHub", "/login/github"}};
    EXPECT_THAT(get("/login").body, HasSubstr(R"x(href="/login/github?return=/")x"));
}

TEST_F(DashboardPages, LoginPageNeverReturnsToAnotherSite) {
    admin_.options = {{"github", "GitHub", "/login/github"}};
    for (const char* bad : {"//evil.example/x", "https://evil.example/", "/%5Cevil.example", "evil",
                            "/a%0Ab", "/%09/evil.example", "javascript:alert(1)"}) {
        const auto body = get(std::string("/login?return=") + bad).body;
        EXPECT_THAT(body, HasSubstr(R"x(href="/login/github?return=/")x")) << bad;
        EXPECT_THAT(body, Not(HasSubstr("evil"))) << bad;
    }
}

TEST_F(DashboardPages, LoginPageEscapesProviderFields) {
    admin_.options = {{"x\"y", "<b>Acme</b>", "/login/x\"y"}};
    const auto body = get("/login").body;
    EXPECT_THAT(body, HasSubstr("data-provider=\"x&quot;y\""));
    EXPECT_THAT(body, HasSubstr("Sign in with &lt;b&gt;Acme&lt;/b&gt;"));
    EXPECT_THAT(body, Not(HasSubstr("<b>Acme")));
}

TEST_F(DashboardPages, LoginPageWithoutProvidersExplainsTheSetupLink) {
    const auto body = get("/login").body;
    EXPECT_THAT(
        body,
        HasSubstr(
            "No sign-in provider is configured. Use the one-time setup link the gateway printed "
            "at start, or run <code>warren-gateway --config gateway.toml setup-link</code>."));
    EXPECT_THAT(body, Not(HasSubstr("login-provider")));
}

TEST_F(DashboardPages, LoginPageShowsTheErrorAsEscapedText) {
    const auto body = get("/login?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E+denied").body;
    EXPECT_THAT(
        body,
        HasSubstr(
            R"x(<p class="login-error" role="alert">&lt;script&gt;alert(1)&lt;/script&gt; denied</p>)x"));
    EXPECT_THAT(body, Not(HasSubstr("<script>alert")));
}

TEST_F(DashboardPages, LoginPageCutsALongErrorTo200Characters) {
    const auto body = get("/login?error=" + std::string(500, 'e') + "%01%7F").body;
    const std::regex shown("<p class=\"login-error\" role=\"alert\">([^<]*)</p>");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(body, m, shown)) << body;
    EXPECT_EQ(m[1].str(), std::string(199, 'e') + "\u2026");
    // Multi-byte characters count as one and are never cut in half.
    std::string e_acute;
    for (int i = 0; i < 250; ++i) e_acute += "%C3%A9";
    const auto wide = get("/login?error=" + e_acute).body;
    ASSERT_TRUE(std::regex_search(wide, m, shown));
    std::string expected;
    for (int i = 0; i < 199; ++i) expected += "\u00e9";
    EXPECT_EQ(m[1].str(), expected + "\u2026");
}

TEST_F(DashboardPages, LoginPageDropsControlCharactersAndInvalidUtf8) {
    const auto body = get("/login?error=a%0Ab%1Bc%FFd").body;
    EXPECT_THAT(body, HasSubstr(">abc\ufffdd</p>"));
}

TEST_F(DashboardPages, LoginPageSendsASignedInUserOn) {
    const auto r = get("/login?return=%2Fsomewhere", &alice_);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(header(r, "Location"), "/somewhere");
    EXPECT_EQ(get("/login?return=%2F%2Fevil.example", &alice_).status, 302);
    EXPECT_EQ(header(get("/login?return=%2F%2Fevil.example", &alice_), "Location"), "/");
    // Back from a failed attempt, the user sees why.
    EXPECT_EQ(get("/login?error=denied", &alice_).status, 200);
}

TEST_F(DashboardPages, PagesAnswerOnlyGetAndHead) {
    EXPECT_EQ(send("HEAD", "/login").status, 200);
    EXPECT_EQ(send("HEAD", "/", &alice_).status, 200);
    for (const char* target : {"/", "/login", "/assets/app.js", "/favicon.ico"}) {
        const auto r = send("POST", target, &alice_);
        EXPECT_EQ(r.status, 405) << target;
        EXPECT_EQ(header(r, "Allow"), "GET, HEAD") << target;
    }
}

TEST_F(DashboardPages, PagesAskNothingOfTheAdminServiceButLoginOptions) {
    (void)get("/", &alice_);
    (void)get("/login");
    EXPECT_TRUE(admin_.calls.empty());
}

}  // namespace
}  // namespace warren::test
