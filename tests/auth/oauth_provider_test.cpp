// What auth-github and auth-gitlab have in common, run against each: the
// real .so opened with Boost.DLL, providers made through its factory with a
// test host, and the whole code flow against the fake provider on loopback
// (tests/support/fake_oauth_provider.py).
//
// Every test ends by checking that nothing the plugin logged and no error
// message it returned contains the client secret, a code, a PKCE verifier
// or an access token (collected from what the fake received):
// auth_session::expect_no_secrets().
#include "auth_testing.hpp"
#include "plugins/plugin_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

namespace warren::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class OAuthProvider : public ::testing::TestWithParam<const auth_flavour*>, protected auth_session {
protected:
    OAuthProvider() : auth_session(*GetParam()) {}
    void TearDown() override { expect_no_secrets(); }

    const auth_flavour& f() const { return f_; }
    bool is_github() const { return f_.id == "github"; }
};

std::string flavour_name(const ::testing::TestParamInfo<const auth_flavour*>& info) {
    return info.param->id == "github" ? "GitHub" : "GitLab";
}

INSTANTIATE_TEST_SUITE_P(Plugins, OAuthProvider,
                         ::testing::Values(&github_flavour(), &gitlab_flavour()), flavour_name);

// ---- the library ----

TEST_P(OAuthProvider, DescriptorMatchesThisBuild) {
    const auto& d = descriptor_of(f().library);
    EXPECT_EQ(d.sdk_major, sdk_major);
    EXPECT_EQ(d.sdk_minor, sdk_minor);
    EXPECT_STREQ(d.fingerprint, WARREN_SDK_FINGERPRINT);
    EXPECT_EQ(d.kind, plugin_kind::auth_provider);
    EXPECT_EQ(std::string(d.name), f().plugin);
}

// ---- the authorization URL ----

TEST_P(OAuthProvider, AuthorizationUrlCarriesClientRedirectStateAndPkce) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    auto& p = made.get();
    EXPECT_EQ(p.id(), f().id);
    EXPECT_EQ(p.display_name(), f().display_name);

    const auto pkce = make_pkce();
    const auto url = p.authorization_url({redirect_, "state-123", pkce.challenge});
    ASSERT_TRUE(url) << url.error().message;
    const auto parsed = boost::urls::parse_absolute_uri(*url);
    ASSERT_TRUE(parsed) << *url;
    EXPECT_EQ(parsed->scheme(), "http");
    EXPECT_EQ(parsed->host(), "127.0.0.1");
    EXPECT_EQ(parsed->port_number(), fake_.port());
    EXPECT_EQ(parsed->path(), f().authorize_path);

    auto q = query_of(*url);
    EXPECT_EQ(q["client_id"], fake_.client_id());
    EXPECT_EQ(q["redirect_uri"], redirect_);
    EXPECT_EQ(q["state"], "state-123");
    EXPECT_EQ(q["code_challenge"], pkce.challenge);
    EXPECT_EQ(q["code_challenge_method"], "S256");
    EXPECT_EQ(q["scope"], f().default_scopes);
    if (is_github()) {
        EXPECT_EQ(q["allow_signup"], "false");
        EXPECT_EQ(q.size(), 7u) << *url;
    } else {
        EXPECT_EQ(q["response_type"], "code");
        EXPECT_EQ(q.size(), 7u) << *url;
    }
    // The fake's consent page accepts it as is (it checks every parameter).
    const auto page = run_curl({*url});
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_THAT(page.body, HasSubstr("id=\"login-as-alice\""));
}

TEST_P(OAuthProvider, ScopesGrowWithTheAllowedListAndCanBeReplaced) {
    const auto pkce = make_pkce();
    auto scope_of = [&](const auth_settings& extra) {
        auto made = make(extra);
        EXPECT_TRUE(made.object) << made.error;
        if (!made.object) return std::string("<no provider>");
        return query_of(*made.get().authorization_url({redirect_, "s", pkce.challenge}))["scope"];
    };
    const auto allowed = std::vector<std::string>{"acme"};
    EXPECT_EQ(scope_of({{f().allowed_key, allowed}}), f().default_scopes + " " + f().allowed_scope);
    EXPECT_EQ(scope_of({{"scopes", std::string("openid  profile")}}), "openid profile");
    EXPECT_EQ(scope_of({{"scopes", std::vector<std::string>{"openid", "email"}}}), "openid email");
}

TEST_P(OAuthProvider, AuthorizationUrlNeedsStateAndChallenge) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_EQ(made.get().authorization_url({redirect_, "", "challenge"}).error().code,
              errc::invalid);
    EXPECT_EQ(made.get().authorization_url({redirect_, "state", ""}).error().code, errc::invalid);
    EXPECT_EQ(made.get().authorization_url({"", "state", "challenge"}).error().code, errc::invalid);
}

TEST_P(OAuthProvider, ATrailingSlashOnTheUrlsIsDropped) {
    auto made = make({{"base_url", f().base(fake_) + "/"}, {"api_url", f().api(fake_) + "//"}});
    ASSERT_TRUE(made.object) << made.error;
    const auto url = made.get().authorization_url({redirect_, "s", make_pkce().challenge});
    EXPECT_THAT(*url, StartsWith(fake_.url() + f().authorize_path + "?"));
    EXPECT_TRUE(sign_in(made.get(), "alice"));
    EXPECT_EQ(requests_to(f().user_path).size(), 1u);
}

// ---- the code flow ----

TEST_P(OAuthProvider, SignsAliceInWithHerIdentity) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto who = sign_in(made.get(), "alice");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(who->provider, f().id);
    EXPECT_EQ(who->subject, "1001");
    EXPECT_EQ(who->username, "alice");
    EXPECT_EQ(who->name, "Alice Liddell");
    EXPECT_EQ(who->email, "alice@example.com");
    EXPECT_EQ(who->avatar_url, "https://avatars.example/alice.png");
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("warn")));  // loopback http is fine
}

TEST_P(OAuthProvider, TheTokenRequestCarriesSecretVerifierAndRedirectIntact) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(made.get(), fake_, "alice", pkce, redirect_);
    ASSERT_TRUE(complete(made.get(), {cb.code, pkce.verifier, redirect_}));

    const auto token = requests_to(f().token_path);
    ASSERT_EQ(token.size(), 1u);
    const auto& form = token[0].at("form").as_object();
    // The secret has '+', '/', '&' and '=': it arrives only if form-encoded right.
    EXPECT_EQ(form.at("client_secret").as_string(), fake_.client_secret());
    EXPECT_EQ(form.at("client_id").as_string(), fake_.client_id());
    EXPECT_EQ(form.at("code").as_string(), cb.code);
    EXPECT_EQ(form.at("code_verifier").as_string(), pkce.verifier);
    EXPECT_EQ(form.at("redirect_uri").as_string(), redirect_);
    if (!is_github()) {
        EXPECT_EQ(form.at("grant_type").as_string(), "authorization_code");
    }
    EXPECT_EQ(token[0].at("headers").at("accept").as_string(), "application/json");

    const auto user = requests_to(f().user_path);
    ASSERT_EQ(user.size(), 1u);
    EXPECT_THAT(std::string(user[0].at("headers").at("authorization").as_string()),
                StartsWith("Bearer "));
}

TEST_P(OAuthProvider, TheConfiguredIdAndNameAreUsed) {
    auto made = make({{"id", std::string("corp-sso")}, {"display_name", std::string("Corp SSO")}});
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_EQ(made.get().id(), "corp-sso");
    EXPECT_EQ(made.get().display_name(), "Corp SSO");
    const auto who = sign_in(made.get(), "carol");
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(who->provider, "corp-sso");
    EXPECT_EQ(who->subject, "1003");
}

TEST_P(OAuthProvider, AReplayedCodeIsUnauthorized) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(made.get(), fake_, "alice", pkce, redirect_);
    ASSERT_TRUE(complete(made.get(), {cb.code, pkce.verifier, redirect_}));
    const auto again = complete(made.get(), {cb.code, pkce.verifier, redirect_});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, errc::unauthorized);
    EXPECT_EQ(again.error().message,
              f().display_name + " refused the sign-in: " + f().refused_code);
}

TEST_P(OAuthProvider, AWrongVerifierIsUnauthorized) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(made.get(), fake_, "alice", pkce, redirect_);
    const auto who = complete(made.get(), {cb.code, make_pkce().verifier, redirect_});
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unauthorized);
    EXPECT_EQ(who.error().message, f().display_name + " refused the sign-in: " + f().refused_code);
    EXPECT_TRUE(requests_to(f().user_path).empty());
}

TEST_P(OAuthProvider, AnExpiredOrUnknownCodeIsUnauthorized) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(made.get(), fake_, "alice", pkce, redirect_);
    fake_.expire_codes();
    EXPECT_EQ(complete(made.get(), {cb.code, pkce.verifier, redirect_}).error().code,
              errc::unauthorized);
    EXPECT_EQ(
        complete(made.get(), {"made-up-code-0123456789", pkce.verifier, redirect_}).error().code,
        errc::unauthorized);
    // Nothing to exchange: refused without asking the provider.
    EXPECT_EQ(complete(made.get(), {"", pkce.verifier, redirect_}).error().code,
              errc::unauthorized);
    EXPECT_EQ(complete(made.get(), {"some-code-value", "", redirect_}).error().code,
              errc::unauthorized);
    EXPECT_EQ(requests_to(f().token_path).size(), 2u);
}

TEST_P(OAuthProvider, AWrongClientSecretIsTheOperatorsProblem) {
    ::setenv("WARREN_TEST_WRONG_SECRET", "definitely-not-the-secret", 1);
    auto made = make({{"client_secret_env", std::string("WARREN_TEST_WRONG_SECRET")}});
    ASSERT_TRUE(made.object) << made.error;
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::internal);
    EXPECT_THAT(who.error().message, HasSubstr("client_secret_env"));
    EXPECT_THAT(host_.log().text(),
                HasSubstr("warn: sign-in failed: " + f().display_name + " refused"));
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("definitely-not-the-secret")));
    EXPECT_THAT(who.error().message, Not(HasSubstr("definitely-not-the-secret")));
}

// ---- who may sign in ----

TEST_P(OAuthProvider, SomeoneOutsideTheAllowedListIsForbidden) {
    auto made = make({{f().allowed_key, std::vector<std::string>{"acme", "widgets"}}});
    ASSERT_TRUE(made.object) << made.error;
    const auto who = sign_in(made.get(), "bob");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::forbidden);
    EXPECT_EQ(who.error().message, "bob is not a member of " + f().membership +
                                       " allowed to sign in here (acme, widgets)");
    EXPECT_THAT(host_.log().text(), HasSubstr("info: sign-in failed: bob is not a member"));
}

TEST_P(OAuthProvider, MembersOfAnAllowedOrgOrGroupSignIn) {
    // Names are matched without regard to case, as GitHub and GitLab do.
    auto made = make({{f().allowed_key, std::vector<std::string>{"ACME", "widgets"}}});
    ASSERT_TRUE(made.object) << made.error;
    const auto alice = sign_in(made.get(), "alice");
    ASSERT_TRUE(alice) << alice.error().message;
    EXPECT_EQ(alice->username, "alice");
    const auto carol = sign_in(made.get(), "carol");
    ASSERT_TRUE(carol) << carol.error().message;
}

TEST_P(OAuthProvider, MembershipsArePagedThrough) {
    // 150 memberships: the allowed one is on the second page of 100.
    json::array names;
    for (int i = 0; i < 150; ++i) names.emplace_back("team-" + std::to_string(i));
    json::object user{{"login", "many"},      {"id", 2001},
                      {"name", "Many Teams"}, {"email", "many@example.com"},
                      {"orgs", names},        {"groups", names}};
    fake_.set_users(json::serialize(json::array{user}));

    auto allowed = make({{f().allowed_key, std::vector<std::string>{"team-142"}}});
    ASSERT_TRUE(allowed.object) << allowed.error;
    const auto who = sign_in(allowed.get(), "many");
    ASSERT_TRUE(who) << who.error().message;

    auto refused = make({{f().allowed_key, std::vector<std::string>{"team-150"}}});
    ASSERT_TRUE(refused.object) << refused.error;
    EXPECT_EQ(sign_in(refused.get(), "many").error().code, errc::forbidden);

    int second_pages = 0;
    for (const auto& r : requests()) {
        const auto& q = r.at("query").as_object();
        if (const auto* page = q.if_contains("page"); page && page->as_string() == "2")
            ++second_pages;
        if (const auto* per_page = q.if_contains("per_page")) {
            EXPECT_EQ(per_page->as_string(), "100");
        }
    }
    EXPECT_EQ(second_pages, 2);
}

TEST_P(OAuthProvider, IsAdminFollowsTheAdminsList) {
    auto made = make({{"admins", std::vector<std::string>{"ALICE", "id:1003"}}});
    ASSERT_TRUE(made.object) << made.error;
    auto& p = made.get();
    const auto alice = sign_in(p, "alice");
    ASSERT_TRUE(alice) << alice.error().message;
    EXPECT_TRUE(p.is_admin(*alice));  // usernames in any case
    const auto bob = sign_in(p, "bob");
    ASSERT_TRUE(bob) << bob.error().message;
    EXPECT_FALSE(p.is_admin(*bob));
    // "id:" entries follow the account through a rename.
    EXPECT_TRUE(p.is_admin({f().id, "1003", "carol-renamed", "", "", ""}));
    EXPECT_FALSE(p.is_admin({f().id, "1004", "alicia", "", "", ""}));
    // Another provider's alice is someone else.
    EXPECT_FALSE(p.is_admin({"elsewhere", "1001", "alice", "", "", ""}));

    auto nobody = make();
    ASSERT_TRUE(nobody.object) << nobody.error;
    EXPECT_FALSE(nobody.get().is_admin(*alice));
}

// ---- the provider failing ----

TEST_P(OAuthProvider, NothingListeningIsUnavailable) {
    // Port 1 on loopback: nothing listens there, the connect is refused.
    auto made = make({{"base_url", std::string("http://127.0.0.1:1/oauth")},
                      {"api_url", std::string("http://127.0.0.1:1/api")}});
    ASSERT_TRUE(made.object) << made.error;
    const auto who = complete(made.get(), {"some-code-value", make_pkce().verifier, redirect_});
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_THAT(who.error().message,
                StartsWith(f().display_name + " could not be reached for the token request"));
    EXPECT_THAT(host_.log().text(),
                HasSubstr("warn: sign-in failed: " + f().display_name + " could not be reached"));
}

TEST_P(OAuthProvider, ATokenEndpointAnswering500IsUnavailable) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    fake_.fail_next(500, 1, f().token_path);
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_EQ(who.error().message, f().display_name + " answered 500 to the token request");
    // The next attempt works: nothing sticks.
    EXPECT_TRUE(sign_in(made.get(), "alice"));
}

TEST_P(OAuthProvider, AProfileAnswering502IsUnavailable) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    // The failure is counted on the path as the fake sees it.
    fake_.fail_next(502, 1, f().user_path);
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_EQ(who.error().message,
              f().display_name + " answered 502 to the request for the user's profile");
}

TEST_P(OAuthProvider, GarbageIsUnavailable) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    fake_.fail_next(200, 1, f().token_path, "<html>Service temporarily down</html>");
    auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_THAT(who.error().message, HasSubstr("no access token"));

    fake_.fail_next(200, 1, f().user_path, "{\"truncated\": ");
    who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_THAT(who.error().message, HasSubstr("something other than JSON"));

    fake_.fail_next(200, 1, f().user_path, "[1, 2, 3]");
    who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_THAT(who.error().message, HasSubstr("without an id"));
}

TEST_P(OAuthProvider, ASlowProviderTimesOut) {
    auto made = make({{"timeout", std::string("500ms")}});
    ASSERT_TRUE(made.object) << made.error;
    fake_.delay_next(3s, 1, f().token_path);
    const auto started = std::chrono::steady_clock::now();
    const auto who = sign_in(made.get(), "alice");
    ASSERT_FALSE(who);
    EXPECT_EQ(who.error().code, errc::unavailable);
    EXPECT_LT(seconds_since(started), 2.5);
}

TEST_P(OAuthProvider, ConcurrentSignInsEachGetTheirUser) {
    auto made = make();
    ASSERT_TRUE(made.object) << made.error;
    auto& p = made.get();
    // The browser part first (curl, on this thread), then complete() at once.
    struct attempt {
        std::string login;
        pkce_pair pkce;
        callback cb;
        std::optional<result<user_identity>> who;
    };
    std::vector<attempt> attempts;
    for (const char* login : {"alice", "bob", "carol", "alice", "bob", "carol"}) {
        attempt a{login, make_pkce(), {}, std::nullopt};
        a.cb = browse_to_callback(p, fake_, login, a.pkce, redirect_);
        attempts.push_back(std::move(a));
    }
    std::vector<std::thread> threads;
    for (auto& a : attempts)
        threads.emplace_back([&p, &a, this] {
            a.who = p.complete({a.cb.code, a.pkce.verifier, redirect_});
        });
    for (auto& t : threads) t.join();
    for (const auto& a : attempts) {
        ASSERT_TRUE(a.who && *a.who)
            << a.login << ": " << (a.who && !*a.who ? a.who->error().message : "");
        EXPECT_EQ((*a.who)->username, a.login);
    }
}

// ---- configuration ----

TEST_P(OAuthProvider, MissingClientIdIsAConfigError) {
    EXPECT_EQ(start_error({}, {"client_id"}),
              "gateway.toml:1:1: [[auth]] #1 (" + f().plugin + ") client_id: is required");
    EXPECT_THAT(start_error({{"client_id", std::string()}}),
                HasSubstr("client_id: must not be empty"));
}

TEST_P(OAuthProvider, AMissingSecretVariableIsNamedNeverItsValue) {
    ::unsetenv("WARREN_TEST_UNSET_SECRET");
    const auto unset =
        start_error({{"client_secret_env", std::string("WARREN_TEST_UNSET_SECRET")}});
    EXPECT_THAT(unset, HasSubstr("client_secret_env: environment variable WARREN_TEST_UNSET_SECRET "
                                 "is not set or empty"));
    ::setenv("WARREN_TEST_EMPTY_SECRET", "", 1);
    EXPECT_THAT(start_error({{"client_secret_env", std::string("WARREN_TEST_EMPTY_SECRET")}}),
                HasSubstr("WARREN_TEST_EMPTY_SECRET is not set or empty"));
    EXPECT_THAT(start_error({}, {"client_secret_env"}),
                HasSubstr("client_secret_env: is required"));
}

TEST_P(OAuthProvider, BadUrlsAreConfigErrors) {
    EXPECT_THAT(
        start_error({{"base_url", std::string("ftp://files.example")}}),
        HasSubstr("base_url: expected an http:// or https:// URL (got \"ftp://files.example\")"));
    EXPECT_THAT(start_error({{"base_url", std::string("github.example.com")}}),
                HasSubstr("base_url: expected an http:// or https:// URL"));
    EXPECT_THAT(start_error({{"api_url", std::string("https://ghe.example/api?x=1")}}),
                HasSubstr("api_url: must not have a query"));
    const auto userinfo =
        start_error({{"api_url", std::string("https://bot:hunter22@ghe.example/api")}});
    EXPECT_THAT(userinfo, HasSubstr("api_url: must not contain a user name or password"));
    EXPECT_THAT(userinfo, Not(HasSubstr("hunter22")));
}

TEST_P(OAuthProvider, ABadIdIsAConfigError) {
    for (const char* id : {"GitHub", "git hub", "a/b", "-x", "", "setup"}) {
        const auto e = start_error({{"id", std::string(id)}});
        EXPECT_THAT(e, HasSubstr("(" + f().plugin + ") id: ")) << id;
    }
    EXPECT_THAT(start_error({{"id", std::string("setup")}}), HasSubstr("/login/setup"));
    EXPECT_THAT(start_error({{"timeout", std::string("10")}}),
                HasSubstr("timeout: expected a duration"));
    EXPECT_THAT(start_error({{"timeout", std::string("1h")}}),
                HasSubstr("timeout: is out of range"));
    EXPECT_THAT(start_error({{"admins", std::vector<std::string>{"alice", " "}}}),
                HasSubstr("admins: must not contain an empty name"));
}

TEST_P(OAuthProvider, PlainHttpToAnotherHostIsWarnedAbout) {
    auto made = make({{"base_url", std::string("http://oauth.example.com")}});
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_THAT(host_.log().text(),
                HasSubstr("warn: base_url http://oauth.example.com is plain http"));
}

TEST_P(OAuthProvider, TheDefaultsPointAtTheHostedService) {
    auto made = make({}, {"base_url", "api_url"});
    ASSERT_TRUE(made.object) << made.error;
    const auto url = made.get().authorization_url({redirect_, "s", make_pkce().challenge});
    EXPECT_THAT(*url, StartsWith(is_github() ? "https://github.com/login/oauth/authorize?"
                                             : "https://gitlab.com/oauth/authorize?"));
}

// Through the gateway's own loader, from gateway.toml text: a misspelt key
// stops the start naming the key it was meant to be; the right one loads.
TEST_P(OAuthProvider, TheLoaderReportsAnUnknownKey) {
    ::setenv("WARREN_TEST_LOADER_SECRET", "loader-secret-value-1234", 1);
    const auto dir = f().library.parent_path();
    auto toml = [&](std::string_view extra) {
        return "[[auth]]\nplugin = \"" + f().plugin + "\"\nclient_id = \"abc\"\n" +
               "client_secret_env = \"WARREN_TEST_LOADER_SECRET\"\n" + std::string(extra);
    };
    const plugin_settings settings{{dir}, {}};
    const logger_factory loggers = [this](const std::string&) {
        return std::shared_ptr<logger>(&host_.log(), [](logger*) {});
    };
    const auto misspelt = std::string(f().allowed_key).substr(0, f().allowed_key.size() - 1);
    const auto bad = parse_gateway_config(toml(misspelt + " = [\"acme\"]\n"), "gateway.toml", dir);
    try {
        load_plugin<auth_provider>(bad.auth.at(0), settings, host_, loggers);
        ADD_FAILURE() << "loaded with an unknown key";
    } catch (const plugin_error& e) {
        EXPECT_THAT(e.what(), StartsWith("gateway.toml:5:"));  // the line of the misspelt key
        EXPECT_THAT(e.what(), HasSubstr(": [[auth]] #1 (" + f().plugin + ") " + misspelt +
                                        ": unknown key, did you mean " + f().allowed_key + "?"));
    }
    const auto good = parse_gateway_config(toml("id = \"corp\"\n"), "gateway.toml", dir);
    const auto p = load_plugin<auth_provider>(good.auth.at(0), settings, host_, loggers);
    EXPECT_EQ(p->id(), "corp");
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("loader-secret-value-1234")));
}

// The sample in plugins/<plugin>/gateway.toml loads as it is (with its
// secret variable set) and means what it says.
TEST_P(OAuthProvider, TheSampleConfigLoads) {
    std::ifstream in(f().sample);
    ASSERT_TRUE(in) << f().sample;
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ::setenv(is_github() ? "GITHUB_CLIENT_SECRET" : "GITLAB_CLIENT_SECRET", "sample-secret-value",
             1);
    const auto config = parse_gateway_config(text, "gateway.toml", f().library.parent_path());
    ASSERT_EQ(config.auth.size(), 1u);
    const plugin_settings settings{{f().library.parent_path()}, {}};
    const auto p =
        load_plugin<auth_provider>(config.auth.at(0), settings, host_, [this](const std::string&) {
            return std::shared_ptr<logger>(&host_.log(), [](logger*) {});
        });
    EXPECT_EQ(p->id(), f().id);
    EXPECT_EQ(p->display_name(), f().display_name);
    const auto url = p->authorization_url({redirect_, "s", make_pkce().challenge});
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(query_of(*url)["scope"], f().default_scopes);
}

}  // namespace
}  // namespace warren::test
