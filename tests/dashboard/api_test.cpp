// The JSON admin API: every route's status and shape, the mapping of the
// gateway_admin's errors to HTTP statuses, and the checks of what clients
// send (bodies, path and query parameters).
#include "dashboard_fixture.hpp"

#include <gmock/gmock.h>

#include <regex>

namespace warren::test {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

using DashboardApi = dashboard_test;

const std::regex iso_time("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");

bool is_iso_time(const json::value& v) {
    return v.is_string() && std::regex_match(std::string(v.as_string()), iso_time);
}

std::vector<std::string> keys_of(const json::value& v) {
    std::vector<std::string> out;
    for (const auto& m : v.as_object()) out.emplace_back(m.key());
    std::sort(out.begin(), out.end());
    return out;
}

void expect_json(const http_response& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(find_header(r.headers, "Content-Type"), "application/json");
    EXPECT_EQ(find_header(r.headers, "Cache-Control"), "no-store");
}

// --- sessions ---

TEST_F(DashboardApi, EveryRouteButLoginOptionsNeedsASession) {
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", "/api/me"},
        {"GET", "/api/tunnels"},
        {"POST", "/api/tunnels"},
        {"GET", "/api/tunnels/demo"},
        {"DELETE", "/api/tunnels/demo"},
        {"POST", "/api/tunnels/demo/key"},
        {"DELETE", "/api/tunnels/demo/key"},
        {"GET", "/api/live"},
        {"GET", "/api/users"},
        {"PATCH", "/api/users/1"},
        {"GET", "/api/audit"},
        {"POST", "/api/tokens"}};
    for (const auto& [method, target] : routes) {
        const auto r = send(method, target, nullptr, "{}");
        expect_json(r, 401);
        EXPECT_EQ(error_of(r), "sign in first") << method << " " << target;
    }
    EXPECT_TRUE(admin_.calls.empty());
}

TEST_F(DashboardApi, LoginOptionsNeedNoSession) {
    admin_.options = {{"github", "GitHub", "/login/github"}, {"gitlab", "GitLab", "/login/gitlab"}};
    const auto r = get("/api/login-options");
    expect_json(r, 200);
    EXPECT_EQ(json_of(r),
              json::parse(R"([{"id":"github","display_name":"GitHub","path":"/login/github"},
                                          {"id":"gitlab","display_name":"GitLab","path":"/login/gitlab"}])"));
}

TEST_F(DashboardApi, MeDescribesTheUserAndTheirLimits) {
    const auto r = get("/api/me", &alice_);
    expect_json(r, 200);
    const auto me = json_of(r);
    EXPECT_THAT(keys_of(me), ElementsAre("apex_url", "api_token", "csrf_token", "max_tunnels",
                                         "unlimited", "user"));
    EXPECT_EQ(me.at("csrf_token"), "csrf-alice");
    EXPECT_EQ(me.at("max_tunnels"), 5);
    EXPECT_EQ(me.at("unlimited"), false);
    EXPECT_EQ(me.at("api_token"), false);
    EXPECT_EQ(me.at("apex_url"), "http://localhost:8080");
    const auto& user = me.at("user");
    EXPECT_EQ(user.at("id"), 1);
    EXPECT_EQ(user.at("username"), "alice");
    EXPECT_EQ(user.at("name"), "alice Example");
    EXPECT_EQ(user.at("email"), "alice@example.com");
    EXPECT_EQ(user.at("avatar_url"), "https://avatars.example.com/alice.png");
    EXPECT_EQ(user.at("provider"), "github");
    EXPECT_EQ(user.at("admin"), false);
    EXPECT_EQ(json_of(get("/api/me", &root_)).at("unlimited"), true);
}

// --- tunnels ---

TEST_F(DashboardApi, TunnelsListsTheUsersOwnWithTheirState) {
    auto& demo = admin_.add_tunnel("demo", &alice_);
    demo.record.last_seen_at =
        std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 5h + 1min + 2s + 123ms;
    demo.record.key_issued_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20};
    demo.today = {7, 700, 7000};
    live_tunnel live;
    live.name = "demo";
    live.client_ip = "198.51.100.4";
    live.connected_since = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 5h;
    live.requests = 3;
    live.in_flight = 1;
    live.bytes_in = 30;
    live.bytes_out = 300;
    demo.live = live;
    admin_.add_tunnel("quiet", &alice_, "");
    admin_.add_tunnel("bobs", &bob_);

    const auto r = get("/api/tunnels", &alice_);
    expect_json(r, 200);
    const auto list = json_of(r).as_array();
    ASSERT_EQ(list.size(), 2u);
    const auto& t = list[0];
    EXPECT_THAT(keys_of(t), ElementsAre("connected", "created_at", "key_issued_at", "key_prefix",
                                        "last_seen_at", "live", "name", "owner", "today", "url"));
    EXPECT_EQ(t.at("name"), "demo");
    EXPECT_EQ(t.at("url"), "http://demo.localhost:8080");
    EXPECT_EQ(t.at("owner"), "alice");
    EXPECT_EQ(t.at("key_prefix"), "wk_0011aabb");
    EXPECT_EQ(t.at("key_issued_at"), "2026-11-20T00:00:00.000Z");
    EXPECT_EQ(t.at("last_seen_at"), "2026-11-22T05:01:02.123Z");
    EXPECT_TRUE(is_iso_time(t.at("created_at")));
    EXPECT_EQ(t.at("connected"), true);
    EXPECT_EQ(
        t.at("live"),
        json::parse(R"({"client_ip":"198.51.100.4","connected_since":"2026-11-22T05:00:00.000Z",
                                            "requests":3,"in_flight":1,"bytes_in":30,"bytes_out":300})"));
    EXPECT_EQ(t.at("today"), json::parse(R"({"requests":7,"bytes_in":700,"bytes_out":7000})"));

    const auto& quiet = list[1];
    EXPECT_EQ(quiet.at("name"), "quiet");
    EXPECT_TRUE(quiet.at("key_prefix").is_null());
    EXPECT_TRUE(quiet.at("key_issued_at").is_null());
    EXPECT_TRUE(quiet.at("last_seen_at").is_null());
    EXPECT_EQ(quiet.at("connected"), false);
    EXPECT_TRUE(quiet.at("live").is_null());
    EXPECT_THAT(admin_.calls, ElementsAre("alice list_tunnels"));
}

TEST_F(DashboardApi, AllTunnelsIsForAdmins) {
    admin_.add_tunnel("demo", &alice_);
    admin_.add_tunnel("orphan", nullptr);
    const auto all = get("/api/tunnels?all=1", &root_);
    expect_json(all, 200);
    ASSERT_EQ(json_of(all).as_array().size(), 2u);
    EXPECT_TRUE(json_of(all).as_array()[1].at("owner").is_null());
    EXPECT_EQ(get("/api/tunnels?all=true", &root_).status, 200);

    const auto r = get("/api/tunnels?all=1", &alice_);
    expect_json(r, 403);
    EXPECT_EQ(error_of(r), "only admins may do that");
    EXPECT_EQ(get("/api/tunnels?all=0", &alice_).status, 200);
    const auto bad = get("/api/tunnels?all=yes", &root_);
    expect_json(bad, 400);
    EXPECT_THAT(error_of(bad), HasSubstr("all"));
}

TEST_F(DashboardApi, CreateTunnelAnswersTheTunnelAndItsKeyOnce) {
    const auto r = send("POST", "/api/tunnels", &alice_, R"({"name":"demo"})");
    expect_json(r, 201);
    const auto body = json_of(r);
    EXPECT_EQ(body.at("name"), "demo");
    EXPECT_EQ(body.at("url"), "http://demo.localhost:8080");
    EXPECT_EQ(body.at("owner"), "alice");
    EXPECT_EQ(body.at("connected"), false);
    const auto& key = body.at("key");
    EXPECT_THAT(keys_of(key), ElementsAre("connect_command", "key", "prefix"));
    EXPECT_EQ(key.at("key"), json::string(admin_.secrets.at(0)));
    EXPECT_EQ(key.at("prefix"), "wk_000001");
    EXPECT_EQ(key.at("connect_command"),
              json::string("warren http 3000 --server http://localhost:8080 --token " +
                           admin_.secrets.at(0)));
    EXPECT_EQ(body.at("key_prefix"), "wk_000001");
    EXPECT_EQ(admin_.calls.front(), "alice create_tunnel demo");
}

TEST_F(DashboardApi, CreateTunnelWithoutANameGetsARandomOne) {
    for (const char* body : {"", "{}", R"({"name":""})", R"({"name":null})", "  \n"}) {
        admin_.tunnels.clear();
        const auto r = send("POST", "/api/tunnels", &alice_, body);
        expect_json(r, 201);
        EXPECT_EQ(json_of(r).at("name"), "brave-otter-lamp") << body;
    }
}

TEST_F(DashboardApi, CreateTunnelStillAnswersTheKeyWhenTheListFails) {
    // create_tunnel succeeds; the list that follows does not: the key must
    // not be lost, it is shown only in this answer.
    admin_.fail_next = error{errc::unavailable, "the store is down"};
    admin_.fail_only = "list_tunnels";
    const auto r = send("POST", "/api/tunnels", &alice_, R"({"name":"demo"})");
    expect_json(r, 201);
    EXPECT_THAT(admin_.calls, ElementsAre("alice create_tunnel demo", "alice list_tunnels"));
    EXPECT_EQ(json_of(r), json::parse(R"({"name":"demo","key":{"key":"wk_000001_s3cr3tKeyMaterial1",
        "prefix":"wk_000001","connect_command":
        "warren http 3000 --server http://localhost:8080 --token wk_000001_s3cr3tKeyMaterial1"}})"));
}

TEST_F(DashboardApi, CreateTunnelMapsConflictAndInvalid) {
    admin_.add_tunnel("demo", &bob_);
    const auto taken = send("POST", "/api/tunnels", &alice_, R"({"name":"demo"})");
    expect_json(taken, 409);
    EXPECT_EQ(error_of(taken), "a tunnel named demo already exists");
    const auto bad = send("POST", "/api/tunnels", &alice_, R"({"name":"Not_Valid"})");
    expect_json(bad, 400);
    EXPECT_THAT(error_of(bad), HasSubstr("invalid tunnel name"));
}

TEST_F(DashboardApi, MalformedBodiesAre400WithAClearMessage) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{\"name\":", "not valid JSON"},
        {"nonsense", "not valid JSON"},
        {"[\"demo\"]", "must be a JSON object"},
        {"\"demo\"", "must be a JSON object"},
        {R"({"name":42})", "name must be a string"},
        {R"({"nmae":"demo"})", "unknown field \"nmae\" (expected name)"},
    };
    for (const auto& [body, message] : cases) {
        const auto r = send("POST", "/api/tunnels", &alice_, body);
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr(message)) << body;
    }
    EXPECT_TRUE(admin_.calls.empty()) << "nothing reaches the service";
}

TEST_F(DashboardApi, GetOneTunnel) {
    admin_.add_tunnel("demo", &alice_);
    admin_.add_tunnel("bobs", &bob_);
    const auto r = get("/api/tunnels/demo", &alice_);
    expect_json(r, 200);
    EXPECT_EQ(json_of(r).at("name"), "demo");
    expect_json(get("/api/tunnels/bobs", &alice_), 404);
    expect_json(get("/api/tunnels/nothing", &alice_), 404);
    expect_json(get("/api/tunnels/bobs", &root_), 200);
}

TEST_F(DashboardApi, DeleteTunnel) {
    admin_.add_tunnel("demo", &alice_);
    const auto r = send("DELETE", "/api/tunnels/demo", &alice_);
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(admin_.tunnels.empty());
    const auto again = send("DELETE", "/api/tunnels/demo", &alice_);
    expect_json(again, 404);
    EXPECT_EQ(error_of(again), "no tunnel named demo");
}

TEST_F(DashboardApi, AnotherUsersTunnelIsNotFound) {
    admin_.add_tunnel("bobs", &bob_);
    expect_json(send("DELETE", "/api/tunnels/bobs", &alice_), 404);
    expect_json(send("POST", "/api/tunnels/bobs/key", &alice_), 404);
    expect_json(send("DELETE", "/api/tunnels/bobs/key", &alice_), 404);
    EXPECT_EQ(admin_.tunnels.size(), 1u);
    EXPECT_EQ(admin_.tunnels[0].record.key_prefix, "wk_0011aabb");
}

TEST_F(DashboardApi, RotateKeyAnswersTheNewKey) {
    admin_.add_tunnel("demo", &alice_);
    const auto r = send("POST", "/api/tunnels/demo/key", &alice_);
    expect_json(r, 200);
    const auto body = json_of(r);
    EXPECT_THAT(keys_of(body), ElementsAre("connect_command", "key", "prefix", "tunnel"));
    EXPECT_EQ(body.at("key"), json::string(admin_.secrets.at(0)));
    EXPECT_EQ(body.at("tunnel"), "demo");
    EXPECT_THAT(admin_.calls, ElementsAre("alice rotate_key demo"));
}

TEST_F(DashboardApi, RevokeKey) {
    admin_.add_tunnel("demo", &alice_);
    EXPECT_EQ(send("DELETE", "/api/tunnels/demo/key", &alice_).status, 204);
    EXPECT_TRUE(admin_.tunnels[0].record.key_prefix.empty());
    const auto again = send("DELETE", "/api/tunnels/demo/key", &alice_);
    expect_json(again, 404);
    EXPECT_EQ(error_of(again), "demo has no key");
}

TEST_F(DashboardApi, PathSegmentsArePercentDecodedAndChecked) {
    admin_.add_tunnel("demo-1", &alice_);
    EXPECT_EQ(send("DELETE", "/api/tunnels/demo%2D1", &alice_).status, 204);
    for (const char* target :
         {"/api/tunnels/Demo", "/api/tunnels/a%2Fb", "/api/tunnels/-x", "/api/tunnels/x-",
          "/api/tunnels/a.b", "/api/tunnels/%00", "/api/tunnels/",
          "/api/tunnels/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
        const auto r = send("DELETE", target, &alice_);
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr("invalid tunnel name")) << target;
    }
    EXPECT_EQ(send("POST", "/api/tunnels/a%2Fb/key", &alice_).status, 400);
    EXPECT_THAT(admin_.calls, ElementsAre("alice delete_tunnel demo-1"));
}

// --- admin views ---

TEST_F(DashboardApi, LiveTunnelsForAdmins) {
    live_tunnel_view v;
    v.tunnel.name = "demo";
    v.tunnel.url = "http://demo.localhost:8080";
    v.tunnel.keyed = true;
    v.tunnel.key_prefix = "wk_0011aabb";
    v.tunnel.owner = "alice";
    v.tunnel.client_ip = "198.51.100.4";
    v.tunnel.connected_since = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22};
    v.tunnel.requests = 4;
    v.tunnel.in_flight = 2;
    v.tunnel.bytes_in = 40;
    v.tunnel.bytes_out = 400;
    v.today = {9, 90, 900};
    live_tunnel_view anonymous;
    anonymous.tunnel.name = "brave-otter-lamp";
    admin_.live = {v, anonymous};

    const auto r = get("/api/live", &root_);
    expect_json(r, 200);
    const auto list = json_of(r).as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0],
              json::parse(R"({"name":"demo","url":"http://demo.localhost:8080","keyed":true,
        "key_prefix":"wk_0011aabb","owner":"alice","client_ip":"198.51.100.4",
        "connected_since":"2026-11-22T00:00:00.000Z","requests":4,"in_flight":2,"bytes_in":40,"bytes_out":400,
        "today":{"requests":9,"bytes_in":90,"bytes_out":900}})"));
    EXPECT_EQ(list[1].at("keyed"), false);
    EXPECT_TRUE(list[1].at("owner").is_null());
    EXPECT_TRUE(list[1].at("key_prefix").is_null());
    expect_json(get("/api/live", &alice_), 403);
}

TEST_F(DashboardApi, UsersForAdmins) {
    admin_.users[0].last_login_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22};
    const auto r = get("/api/users", &root_);
    expect_json(r, 200);
    const auto list = json_of(r).as_array();
    ASSERT_EQ(list.size(), 3u);
    EXPECT_THAT(keys_of(list[0]),
                ElementsAre("admin", "avatar_url", "created_at", "disabled", "email", "id",
                            "last_login_at", "name", "provider", "username"));
    EXPECT_EQ(list[0].at("id"), 1);
    EXPECT_EQ(list[0].at("username"), "alice");
    EXPECT_EQ(list[0].at("disabled"), false);
    EXPECT_EQ(list[0].at("created_at"), "2026-01-02T03:00:00.000Z");
    EXPECT_EQ(list[0].at("last_login_at"), "2026-11-22T00:00:00.000Z");
    EXPECT_TRUE(list[1].at("last_login_at").is_null());
    EXPECT_EQ(list[2].at("admin"), true);
    expect_json(get("/api/users", &alice_), 403);
}

TEST_F(DashboardApi, PatchUserChangesAdminAndDisabled) {
    auto r = send("PATCH", "/api/users/1", &root_, R"({"admin":true})");
    expect_json(r, 200);
    EXPECT_EQ(json_of(r).at("admin"), true);
    EXPECT_EQ(json_of(r).at("id"), 1);
    r = send("PATCH", "/api/users/2", &root_, R"({"disabled":true})");
    expect_json(r, 200);
    EXPECT_EQ(json_of(r).at("disabled"), true);
    r = send("PATCH", "/api/users/2", &root_, R"({"admin":true,"disabled":false})");
    expect_json(r, 200);
    EXPECT_EQ(json_of(r).at("admin"), true);
    EXPECT_EQ(json_of(r).at("disabled"), false);
    EXPECT_THAT(admin_.calls,
                ElementsAre("root set_user_admin 1 true", "root set_user_disabled 2 true",
                            "root set_user_admin 2 true", "root set_user_disabled 2 false"));
}

TEST_F(DashboardApi, PatchUserErrors) {
    const auto nothing = send("PATCH", "/api/users/1", &root_, "{}");
    expect_json(nothing, 400);
    EXPECT_THAT(error_of(nothing), HasSubstr("nothing to change"));
    const auto wrong_type = send("PATCH", "/api/users/1", &root_, R"({"admin":"yes"})");
    expect_json(wrong_type, 400);
    EXPECT_EQ(error_of(wrong_type), "admin must be true or false");
    expect_json(send("PATCH", "/api/users/1", &root_, R"({"role":"admin"})"), 400);
    expect_json(send("PATCH", "/api/users/1", &root_, "{"), 400);
    const auto self = send("PATCH", "/api/users/3", &root_, R"({"admin":false})");
    expect_json(self, 400);
    EXPECT_EQ(error_of(self), "you cannot change your own account");
    expect_json(send("PATCH", "/api/users/99", &root_, R"({"admin":true})"), 404);
    expect_json(send("PATCH", "/api/users/1", &bob_, R"({"admin":true})"), 403);
}

TEST_F(DashboardApi, BadUserIdsAre400) {
    for (const char* id : {"abc", "0", "-1", "1.5", "1e3", "%201", "99999999999999999999",
                           "9223372036854775808", ""}) {
        const auto r = send("PATCH", "/api/users/" + std::string(id), &root_, R"({"admin":true})");
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr("invalid user id")) << id;
    }
    EXPECT_TRUE(admin_.calls.empty());
    expect_json(send("PATCH", "/api/users/9223372036854775807", &root_, R"({"admin":true})"), 404);
}

// --- audit ---

TEST_F(DashboardApi, AuditPassesTheFiltersAndShowsRows) {
    audit_entry e;
    e.id = 7;
    e.at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 5h + 1min + 2s + 123ms;
    e.event = "connect";
    e.client_ip = "198.51.100.4";
    e.user = "alice";
    e.tunnel = "demo";
    e.key_prefix = "wk_0011aabb";
    e.status = 101;
    e.detail = "ok";
    audit_entry cli;
    cli.id = 8;
    cli.at = e.at + 1s;
    cli.event = "key_issued";
    cli.user = "cli:root";
    admin_.audit_rows = {e, cli};

    auto r = get("/api/audit", &root_);
    expect_json(r, 200);
    const auto rows = json_of(r).as_array();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1], json::parse(R"({"id":7,"at":"2026-11-22T05:01:02.123Z","event":"connect",
        "client_ip":"198.51.100.4","user":"alice","tunnel":"demo","key_prefix":"wk_0011aabb","status":101,
        "detail":"ok"})"));
    EXPECT_EQ(rows[0].at("id"), 8);
    EXPECT_TRUE(rows[0].at("client_ip").is_null());
    EXPECT_TRUE(rows[0].at("status").is_null());
    EXPECT_TRUE(rows[0].at("tunnel").is_null());
    EXPECT_EQ(admin_.last_query.limit, 100u);
    EXPECT_FALSE(admin_.last_query.since);

    r = get("/api/audit?event=connect&tunnel=demo&user=alice&since=2026-11-22T05:00:00Z&limit=1000",
            &root_);
    expect_json(r, 200);
    EXPECT_EQ(json_of(r).as_array().size(), 1u);
    EXPECT_EQ(admin_.last_query.event, "connect");
    EXPECT_EQ(admin_.last_query.tunnel, "demo");
    EXPECT_EQ(admin_.last_query.user, "alice");
    EXPECT_EQ(admin_.last_query.limit, 1000u);
    ASSERT_TRUE(admin_.last_query.since);
    EXPECT_EQ(*admin_.last_query.since,
              std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 5h);

    expect_json(get("/api/audit", &alice_), 403);
}

TEST_F(DashboardApi, AuditReadsIsoTimes) {
    const auto day = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22};
    const std::vector<std::pair<std::string, time_point>> cases{
        {"2026-11-22", day},
        {"2026-11-22T05:01", day + 5h + 1min},
        {"2026-11-22T05:01:02", day + 5h + 1min + 2s},
        {"2026-11-22T05:01:02.5Z", day + 5h + 1min + 2s + 500ms},
        {"2026-11-22T05:01:02.123456Z", day + 5h + 1min + 2s + 123ms},
        {"2026-11-22T05:01:02%2B02:00", day + 3h + 1min + 2s},
        {"2026-11-22T05:01:02-0130", day + 6h + 31min + 2s},
    };
    for (const auto& [since, expected] : cases) {
        ASSERT_EQ(get("/api/audit?since=" + since, &root_).status, 200) << since;
        ASSERT_TRUE(admin_.last_query.since) << since;
        EXPECT_EQ(*admin_.last_query.since, expected) << since;
    }
}

TEST_F(DashboardApi, AuditRefusesBadSinceAndLimit) {
    for (const char* since :
         {"yesterday", "2026-13-01", "2026-02-30", "2026-11-22T25:00", "2026-11-22T05:01:02.Z",
          "2026-11-22%2005:01", "2026-11-22T05:01:02Zjunk", "1700000000"}) {
        const auto r = get("/api/audit?since=" + std::string(since), &root_);
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr("since: expected an ISO 8601 time")) << since;
    }
    for (const char* limit : {"0", "1001", "-1", "ten", "", "1.5", "99999999999999999999999"}) {
        const auto r = get("/api/audit?limit=" + std::string(limit), &root_);
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr("limit: expected a whole number from 1 to 1000"))
            << limit;
    }
    EXPECT_TRUE(admin_.calls.empty());
    EXPECT_EQ(get("/api/audit?limit=1", &root_).status, 200);
}

// --- API tokens ---

TEST_F(DashboardApi, TokensLastThirtyDaysByDefault) {
    for (const char* body : {"", "{}"}) {
        const auto r = send("POST", "/api/tokens", &root_, body);
        expect_json(r, 201);
        const auto token = json_of(r);
        EXPECT_THAT(keys_of(token), ElementsAre("expires_at", "token"));
        EXPECT_EQ(token.at("token"), json::string(admin_.secrets.back()));
        EXPECT_EQ(token.at("expires_at"), "2030-01-02T03:00:00.000Z");
        EXPECT_EQ(admin_.last_ttl, std::chrono::days(30));
    }
}

TEST_F(DashboardApi, TokenTtlsUseDurationsWithDays) {
    const std::vector<std::pair<std::string, std::chrono::seconds>> cases{
        {"90d", std::chrono::days(90)},
        {"365d", std::chrono::days(365)},
        {"12h", 12h},
        {"1d12h", std::chrono::days(1) + 12h},
        {"1m", 1min},
        {"90m30s", 90min + 30s}};
    for (const auto& [ttl, expected] : cases) {
        const auto r = send("POST", "/api/tokens", &root_, R"({"ttl":")" + ttl + "\"}");
        expect_json(r, 201);
        EXPECT_EQ(admin_.last_ttl, expected) << ttl;
    }
}

TEST_F(DashboardApi, BadTokenTtlsAre400) {
    for (const char* ttl : {"", "90", "90x", "d", "1dd", "-1d", "1.5d", "d12h"}) {
        const auto r =
            send("POST", "/api/tokens", &root_, R"({"ttl":")" + std::string(ttl) + "\"}");
        expect_json(r, 400);
        EXPECT_THAT(error_of(r), HasSubstr("ttl: expected a duration")) << ttl;
    }
    // The range (1 minute to 366 days) is the host's: see dashboard_api_test.
    expect_json(send("POST", "/api/tokens", &root_, R"({"ttl":30})"), 400);
    expect_json(send("POST", "/api/tokens", &root_, R"({"expires":"30d"})"), 400);
    EXPECT_TRUE(admin_.calls.empty());
    expect_json(send("POST", "/api/tokens", &alice_, "{}"), 403);
}

// --- routing and error mapping ---

TEST_F(DashboardApi, UnknownRoutesAre404) {
    for (const char* target :
         {"/api/", "/api/nothing", "/api/tunnels/demo/key/extra", "/api/users/1/x", "/api/Me"}) {
        const auto r = get(target, &alice_);
        expect_json(r, 404);
        EXPECT_THAT(error_of(r), HasSubstr("no such API route")) << target;
    }
}

TEST_F(DashboardApi, WrongMethodsAre405WithAllow) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases{
        {"PUT", "/api/tunnels", "GET, HEAD, POST"},
        {"PATCH", "/api/tunnels/demo", "GET, HEAD, DELETE"},
        {"GET", "/api/tunnels/demo/key", "POST, DELETE"},
        {"DELETE", "/api/me", "GET, HEAD"},
        {"POST", "/api/login-options", "GET, HEAD"},
        {"GET", "/api/users/1", "PATCH"},
        {"GET", "/api/tokens", "POST"},
        {"POST", "/api/audit", "GET, HEAD"},
    };
    for (const auto& [method, target, allow] : cases) {
        const auto r = send(method, target, nullptr);
        expect_json(r, 405);
        EXPECT_EQ(header(r, "Allow"), allow) << method << " " << target;
    }
}

TEST_F(DashboardApi, HeadIsAGet) {
    expect_json(send("HEAD", "/api/me", &alice_), 200);
    expect_json(send("HEAD", "/api/login-options"), 200);
}

TEST_F(DashboardApi, ServiceErrorsMapToStatuses) {
    const std::vector<std::pair<errc, int>> mapping{
        {errc::invalid, 400},   {errc::unauthorized, 401}, {errc::forbidden, 403},
        {errc::not_found, 404}, {errc::conflict, 409},     {errc::unavailable, 503},
        {errc::internal, 500}};
    for (const auto& [code, status] : mapping) {
        admin_.fail_next = error{code, "the message for " + std::string(to_string(code))};
        const auto r = get("/api/tunnels", &alice_);
        expect_json(r, status);
        EXPECT_EQ(error_of(r), "the message for " + std::string(to_string(code)));
        EXPECT_EQ(header(r, "Retry-After"), status == 503 ? "5" : "") << status;
    }
}

TEST_F(DashboardApi, EveryRouteMapsServiceErrors) {
    admin_.add_tunnel("demo", &root_);
    const std::vector<std::tuple<std::string, std::string, std::string>> routes{
        {"GET", "/api/tunnels", ""},
        {"POST", "/api/tunnels", "{}"},
        {"GET", "/api/tunnels/demo", ""},
        {"DELETE", "/api/tunnels/demo", ""},
        {"POST", "/api/tunnels/demo/key", ""},
        {"DELETE", "/api/tunnels/demo/key", ""},
        {"GET", "/api/live", ""},
        {"GET", "/api/users", ""},
        {"PATCH", "/api/users/1", R"({"admin":true})"},
        {"PATCH", "/api/users/1", R"({"disabled":true})"},
        {"GET", "/api/audit", ""},
        {"POST", "/api/tokens", "{}"}};
    for (const auto& [method, target, body] : routes) {
        admin_.fail_next = error{errc::unavailable, "the store is down"};
        const auto r = send(method, target, &root_, body);
        expect_json(r, 503);
        EXPECT_EQ(error_of(r), "the store is down") << method << " " << target;
        EXPECT_EQ(header(r, "Retry-After"), "5");
    }
}

TEST_F(DashboardApi, InternalErrorsAreLogged) {
    admin_.fail_next = error{errc::internal, "unexpected state in list"};
    expect_json(get("/api/tunnels", &alice_), 500);
    EXPECT_THAT(host_.log().text(), HasSubstr("error: list tunnels: unexpected state in list"));
}

TEST_F(DashboardApi, ActorIsTheSessionUserFromTheClientIp) {
    (void)get("/api/tunnels", &bob_);
    EXPECT_THAT(admin_.calls, ElementsAre("bob list_tunnels"));
    EXPECT_EQ(admin_.last_actor.user.id, bob_.id);
    EXPECT_EQ(admin_.last_actor.client_ip, "203.0.113.9");
}

TEST_F(DashboardApi, KeysAndTokensNeverReachTheLog) {
    admin_.add_tunnel("demo", &alice_);
    (void)send("POST", "/api/tunnels", &alice_, R"({"name":"other"})");
    (void)send("POST", "/api/tunnels/demo/key", &alice_);
    (void)send("POST", "/api/tokens", &root_, R"({"ttl":"90d"})");
    admin_.fail_next = error{errc::internal, "boom"};
    (void)send("POST", "/api/tunnels/demo/key", &alice_);
    ASSERT_EQ(admin_.secrets.size(), 3u);
    const std::string log = host_.log().text();
    for (const auto& secret : admin_.secrets) EXPECT_THAT(log, Not(HasSubstr(secret)));
    EXPECT_THAT(log, Not(HasSubstr("csrf-")));
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

// The host creates plugins before its own gateway_admin exists and swaps it
// in afterwards: the app must ask for it on every request.
TEST(DashboardApiHost, UsesTheAdminServiceTheHostHasAtRequestTime) {
    test_host host;
    const config_table config("[dashboard] (dashboard)", "gateway.toml:1:1", {}, {});
    auto created = dashboard_descriptor().create(host.context("dashboard", config));
    ASSERT_TRUE(created.object) << created.error;
    auto& app = dynamic_cast<http_app&>(*created.object);
    http_request r;
    r.method = "GET";
    r.target = r.path = "/api/tunnels";
    r.session = http_session{make_user(1, "alice", false), "csrf", false};

    const auto before = app.handle(r);
    EXPECT_EQ(before.status, 503) << before.body;
    EXPECT_EQ(find_header(before.headers, "Retry-After"), "5");

    fake_admin admin;
    host.set_admin(&admin);
    EXPECT_EQ(app.handle(r).status, 200);
    EXPECT_EQ(admin.calls.size(), 1u);
}

}  // namespace
}  // namespace warren::test
