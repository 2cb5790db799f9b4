// The store contract (core/include/warren/store.hpp), checked the same way
// against every backend.
#include "store_fixture.hpp"

#include <soci_store/migrations.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

user_identity identity(const std::string& provider, const std::string& subject,
                       const std::string& username) {
    return {provider,
            subject,
            username,
            "Name of " + username,
            username + "@example.com",
            "https://avatars.example.com/" + username};
}

// Each store call's result, or the test stops with its error.
template <class T>
T ok(result<T> r) {
    if (!r)
        throw std::runtime_error(std::string(to_string(r.error().code)) + ": " + r.error().message);
    return std::move(*r);
}
void ok(result<void> r) {
    if (!r)
        throw std::runtime_error(std::string(to_string(r.error().code)) + ": " + r.error().message);
}

class store_conformance : public store_test {
protected:
    user_id make_user(const std::string& username, const std::string& provider = "github") {
        return ok(s().upsert_user(identity(provider, "id-" + username, username), false, at(0))).id;
    }
};

// --- users ---

TEST_P(store_conformance, upsert_user_creates_then_updates) {
    const auto created = ok(s().upsert_user(identity("github", "42", "ada"), false, at(0)));
    EXPECT_GT(created.id, 0);
    EXPECT_EQ(created.identity.provider, "github");
    EXPECT_EQ(created.identity.subject, "42");
    EXPECT_EQ(created.identity.username, "ada");
    EXPECT_EQ(created.identity.name, "Name of ada");
    EXPECT_EQ(created.identity.email, "ada@example.com");
    EXPECT_EQ(created.identity.avatar_url, "https://avatars.example.com/ada");
    EXPECT_FALSE(created.admin);
    EXPECT_FALSE(created.disabled);
    EXPECT_EQ(created.created_at, stored(at(0)));
    EXPECT_FALSE(created.last_login_at);

    auto changed = identity("github", "42", "ada-l");
    changed.name = "Ada Lovelace";
    const auto logged_in = ok(s().upsert_user(changed, true, at(10)));
    EXPECT_EQ(logged_in.id, created.id);
    EXPECT_EQ(logged_in.identity.username, "ada-l");
    EXPECT_EQ(logged_in.identity.name, "Ada Lovelace");
    EXPECT_EQ(logged_in.created_at, stored(at(0)));
    EXPECT_EQ(logged_in.last_login_at, stored(at(10)));

    // Without a login the last login stays.
    const auto refreshed = ok(s().upsert_user(changed, false, at(20)));
    EXPECT_EQ(refreshed.last_login_at, stored(at(10)));
    EXPECT_EQ(ok(s().list_users()).size(), 1u);
}

TEST_P(store_conformance, upsert_user_needs_an_identity) {
    EXPECT_EQ(code_of(s().upsert_user(identity("", "1", "x"), false, at(0))), errc::invalid);
    EXPECT_EQ(code_of(s().upsert_user(identity("github", "", "x"), false, at(0))), errc::invalid);
    EXPECT_EQ(code_of(s().upsert_user(identity("github", "1", ""), false, at(0))), errc::invalid);
}

TEST_P(store_conformance, finds_users_by_id_and_username) {
    const auto github = make_user("grace", "github");
    const auto gitlab = make_user("grace", "gitlab");
    make_user("linus");

    const auto found = ok(s().find_user(gitlab));
    EXPECT_EQ(found.identity.provider, "gitlab");
    EXPECT_EQ(found.identity.username, "grace");
    EXPECT_EQ(code_of(s().find_user(gitlab + 1000)), errc::not_found);

    const auto both = ok(s().find_users_by_username("grace"));
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].id, github);  // oldest first
    EXPECT_EQ(both[1].id, gitlab);
    EXPECT_TRUE(ok(s().find_users_by_username("nobody")).empty());
}

TEST_P(store_conformance, lists_users_oldest_first) {
    EXPECT_TRUE(ok(s().list_users()).empty());
    const auto a = make_user("zed");
    const auto b = make_user("amy");
    const auto users = ok(s().list_users());
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(users[0].id, a);
    EXPECT_EQ(users[1].id, b);
}

TEST_P(store_conformance, sets_admin_and_disabled_flags) {
    const auto id = make_user("root");
    ok(s().set_user_admin(id, true));
    EXPECT_TRUE(ok(s().find_user(id)).admin);
    ok(s().set_user_disabled(id, true));
    auto user = ok(s().find_user(id));
    EXPECT_TRUE(user.admin);
    EXPECT_TRUE(user.disabled);
    ok(s().set_user_admin(id, false));
    ok(s().set_user_disabled(id, false));
    user = ok(s().find_user(id));
    EXPECT_FALSE(user.admin);
    EXPECT_FALSE(user.disabled);
    // A login keeps the flags.
    EXPECT_FALSE(ok(s().upsert_user(identity("github", "id-root", "root"), true, at(5))).admin);
    ok(s().set_user_admin(id, true));
    EXPECT_TRUE(ok(s().upsert_user(identity("github", "id-root", "root"), true, at(6))).admin);

    EXPECT_EQ(code_of(s().set_user_admin(id + 1000, true)), errc::not_found);
    EXPECT_EQ(code_of(s().set_user_disabled(id + 1000, true)), errc::not_found);
}

// --- tunnels ---

TEST_P(store_conformance, creates_and_finds_tunnels) {
    const auto owner = make_user("ada");
    const auto made = ok(s().create_tunnel("demo", owner, at(1)));
    EXPECT_GT(made.id, 0);
    EXPECT_EQ(made.name, "demo");
    EXPECT_EQ(made.owner, owner);
    EXPECT_EQ(made.owner_username, "ada");
    EXPECT_EQ(made.key_prefix, "");
    EXPECT_FALSE(made.key_issued_at);
    EXPECT_EQ(made.created_at, stored(at(1)));
    EXPECT_FALSE(made.last_seen_at);

    const auto found = ok(s().find_tunnel("demo"));
    EXPECT_EQ(found.id, made.id);
    EXPECT_EQ(found.owner_username, "ada");

    const auto ownerless = ok(s().create_tunnel("ops", std::nullopt, at(2)));
    EXPECT_FALSE(ownerless.owner);
    EXPECT_EQ(ownerless.owner_username, "");

    const auto missing = s().find_tunnel("absent");
    ASSERT_EQ(code_of(missing), errc::not_found);
    EXPECT_THAT(missing.error().message, HasSubstr("absent"));
    EXPECT_EQ(code_of(s().create_tunnel("", owner, at(3))), errc::invalid);
}

TEST_P(store_conformance, duplicate_tunnel_name_is_a_conflict) {
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    const auto again = s().create_tunnel("demo", make_user("bob"), at(2));
    ASSERT_EQ(code_of(again), errc::conflict);
    EXPECT_THAT(again.error().message, HasSubstr("demo"));
    EXPECT_EQ(ok(s().list_tunnels(std::nullopt)).size(), 1u);
}

TEST_P(store_conformance, tunnel_owner_must_exist) {
    const auto r = s().create_tunnel("demo", 999999, at(1));
    ASSERT_EQ(code_of(r), errc::not_found);
    EXPECT_THAT(r.error().message, HasSubstr("999999"));
    EXPECT_EQ(code_of(s().find_tunnel("demo")), errc::not_found);
}

TEST_P(store_conformance, lists_and_counts_tunnels) {
    const auto ada = make_user("ada");
    const auto bob = make_user("bob");
    ok(s().create_tunnel("zulu", ada, at(1)));
    ok(s().create_tunnel("alpha", bob, at(2)));
    ok(s().create_tunnel("mike", ada, at(3)));
    ok(s().create_tunnel("echo", std::nullopt, at(4)));

    std::vector<std::string> names;
    for (const auto& t : ok(s().list_tunnels(std::nullopt))) names.push_back(t.name);
    EXPECT_EQ(names, (std::vector<std::string>{"alpha", "echo", "mike", "zulu"}));

    names.clear();
    for (const auto& t : ok(s().list_tunnels(ada))) {
        names.push_back(t.name);
        EXPECT_EQ(t.owner_username, "ada");
    }
    EXPECT_EQ(names, (std::vector<std::string>{"mike", "zulu"}));

    EXPECT_EQ(ok(s().count_tunnels(ada)), 2u);
    EXPECT_EQ(ok(s().count_tunnels(bob)), 1u);
    EXPECT_EQ(ok(s().count_tunnels(bob + 1000)), 0u);
    EXPECT_TRUE(ok(s().list_tunnels(bob + 1000)).empty());
}

TEST_P(store_conformance, deleting_a_tunnel_revokes_its_key) {
    const auto owner = make_user("ada");
    ok(s().create_tunnel("demo", owner, at(1)));
    ok(s().set_tunnel_key("demo", "wk_deleted", "hash-1", at(2)));

    ok(s().delete_tunnel("demo", at(30)));
    EXPECT_EQ(code_of(s().find_tunnel("demo")), errc::not_found);
    EXPECT_TRUE(ok(s().find_active_keys("wk_deleted")).empty());
    EXPECT_EQ(ok(s().count_tunnels(owner)), 0u);
    EXPECT_EQ(code_of(s().delete_tunnel("demo", at(30))), errc::not_found);

    // The name is free again; the old key's prefix is not.
    ok(s().create_tunnel("demo", owner, at(3)));
    EXPECT_EQ(code_of(s().set_tunnel_key("demo", "wk_deleted", "hash-2", at(4))), errc::conflict);
    EXPECT_EQ(ok(s().find_tunnel("demo")).key_prefix, "");
}

TEST_P(store_conformance, touches_tunnels) {
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    ok(s().touch_tunnel("demo", at(30)));
    EXPECT_EQ(ok(s().find_tunnel("demo")).last_seen_at, stored(at(30)));
    ok(s().touch_tunnel("demo", at(40)));
    EXPECT_EQ(ok(s().find_tunnel("demo")).last_seen_at, stored(at(40)));
    EXPECT_EQ(code_of(s().touch_tunnel("absent", at(50))), errc::not_found);
}

// --- API keys ---

TEST_P(store_conformance, sets_a_key_and_finds_it_by_prefix) {
    const auto owner = make_user("ada");
    const auto tunnel = ok(s().create_tunnel("demo", owner, at(1)));
    ok(s().set_tunnel_key("demo", "wk_ab12cd34", "f00d", at(2)));

    const auto keys = ok(s().find_active_keys("wk_ab12cd34"));
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].prefix, "wk_ab12cd34");
    EXPECT_EQ(keys[0].hash, "f00d");
    EXPECT_EQ(keys[0].tunnel.id, tunnel.id);
    EXPECT_EQ(keys[0].tunnel.name, "demo");
    EXPECT_EQ(keys[0].tunnel.owner, owner);
    EXPECT_EQ(keys[0].tunnel.owner_username, "ada");
    EXPECT_EQ(keys[0].tunnel.key_prefix, "wk_ab12cd34");
    EXPECT_EQ(keys[0].tunnel.key_issued_at, stored(at(2)));
    EXPECT_FALSE(keys[0].owner_admin);
    EXPECT_FALSE(keys[0].owner_disabled);

    const auto found = ok(s().find_tunnel("demo"));
    EXPECT_EQ(found.key_prefix, "wk_ab12cd34");
    EXPECT_EQ(found.key_issued_at, stored(at(2)));
    EXPECT_TRUE(ok(s().find_active_keys("wk_unknown")).empty());
}

TEST_P(store_conformance, rotating_a_key_revokes_the_old_one) {
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    ok(s().set_tunnel_key("demo", "wk_old", "hash-old", at(2)));
    ok(s().set_tunnel_key("demo", "wk_new", "hash-new", at(3)));

    EXPECT_TRUE(ok(s().find_active_keys("wk_old")).empty());
    const auto keys = ok(s().find_active_keys("wk_new"));
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].hash, "hash-new");
    EXPECT_EQ(ok(s().find_tunnel("demo")).key_prefix, "wk_new");
    EXPECT_EQ(ok(s().find_tunnel("demo")).key_issued_at, stored(at(3)));
}

TEST_P(store_conformance, a_key_prefix_is_never_issued_twice) {
    ok(s().create_tunnel("one", std::nullopt, at(1)));
    ok(s().create_tunnel("two", std::nullopt, at(1)));
    ok(s().set_tunnel_key("one", "wk_taken", "secret-hash-1", at(2)));

    // Active on another tunnel.
    const auto other = s().set_tunnel_key("two", "wk_taken", "secret-hash-2", at(3));
    ASSERT_EQ(code_of(other), errc::conflict);
    EXPECT_THAT(other.error().message, Not(HasSubstr("secret-hash")));
    // Revoked, on the same tunnel.
    ok(s().set_tunnel_key("one", "wk_next", "secret-hash-3", at(4)));
    EXPECT_EQ(code_of(s().set_tunnel_key("one", "wk_taken", "secret-hash-4", at(5))),
              errc::conflict);

    // A refused key changes nothing.
    EXPECT_EQ(ok(s().find_tunnel("one")).key_prefix, "wk_next");
    EXPECT_EQ(ok(s().find_tunnel("two")).key_prefix, "");
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("secret-hash")));
}

TEST_P(store_conformance, setting_a_key_needs_the_tunnel) {
    EXPECT_EQ(code_of(s().set_tunnel_key("absent", "wk_x", "h", at(1))), errc::not_found);
    EXPECT_TRUE(ok(s().find_active_keys("wk_x")).empty());
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    EXPECT_EQ(code_of(s().set_tunnel_key("demo", "", "h", at(1))), errc::invalid);
    EXPECT_EQ(code_of(s().set_tunnel_key("demo", "wk_x", "", at(1))), errc::invalid);
}

TEST_P(store_conformance, revokes_a_key) {
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    EXPECT_EQ(code_of(s().revoke_tunnel_key("demo", at(2))), errc::not_found);  // none yet
    ok(s().set_tunnel_key("demo", "wk_gone", "h", at(2)));

    EXPECT_EQ(ok(s().revoke_tunnel_key("demo", at(3))), "wk_gone");
    EXPECT_TRUE(ok(s().find_active_keys("wk_gone")).empty());
    const auto tunnel = ok(s().find_tunnel("demo"));
    EXPECT_EQ(tunnel.key_prefix, "");
    EXPECT_FALSE(tunnel.key_issued_at);
    EXPECT_EQ(code_of(s().revoke_tunnel_key("demo", at(4))), errc::not_found);
    EXPECT_EQ(code_of(s().revoke_tunnel_key("absent", at(4))), errc::not_found);
    // A new key after a revocation.
    ok(s().set_tunnel_key("demo", "wk_again", "h2", at(5)));
    EXPECT_EQ(ok(s().find_active_keys("wk_again")).size(), 1u);
}

TEST_P(store_conformance, an_active_key_carries_its_owner) {
    const auto owner = make_user("ada");
    ok(s().create_tunnel("mine", owner, at(1)));
    ok(s().create_tunnel("nobodys", std::nullopt, at(1)));
    ok(s().set_tunnel_key("mine", "wk_mine", "h1", at(2)));
    ok(s().set_tunnel_key("nobodys", "wk_nobody", "h2", at(2)));

    ok(s().set_user_admin(owner, true));
    auto key = ok(s().find_active_keys("wk_mine")).at(0);
    EXPECT_TRUE(key.owner_admin);
    EXPECT_FALSE(key.owner_disabled);
    EXPECT_EQ(key.tunnel.owner_username, "ada");

    ok(s().set_user_disabled(owner, true));
    key = ok(s().find_active_keys("wk_mine")).at(0);
    EXPECT_TRUE(key.owner_disabled);

    key = ok(s().find_active_keys("wk_nobody")).at(0);
    EXPECT_FALSE(key.tunnel.owner);
    EXPECT_EQ(key.tunnel.owner_username, "");
    EXPECT_FALSE(key.owner_admin);
    EXPECT_FALSE(key.owner_disabled);
}

// --- audit log ---

audit_entry entry(int seconds, std::string event, std::string tunnel, std::string user,
                  int status = 0) {
    audit_entry e;
    e.at = at(seconds);
    e.event = std::move(event);
    e.client_ip = "203.0.113.7";
    e.user = std::move(user);
    e.tunnel = std::move(tunnel);
    e.key_prefix = "wk_abc";
    e.status = status;
    e.detail = "detail of " + e.event;
    return e;
}

TEST_P(store_conformance, appends_and_reads_the_audit_log_newest_first) {
    EXPECT_TRUE(ok(s().query_audit({})).empty());
    ok(s().append_audit(entry(1, "connect", "demo", "ada", 101)));
    ok(s().append_audit(entry(2, "disconnect", "demo", "ada")));
    ok(s().append_audit(entry(2, "key_issued", "demo", "ada")));  // the same millisecond

    const auto all = ok(s().query_audit({}));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].event, "key_issued");
    EXPECT_EQ(all[1].event, "disconnect");
    EXPECT_EQ(all[2].event, "connect");
    EXPECT_GT(all[0].id, all[1].id);
    EXPECT_GT(all[1].id, all[2].id);

    const auto& first = all[2];
    EXPECT_EQ(first.at, stored(at(1)));
    EXPECT_EQ(first.client_ip, "203.0.113.7");
    EXPECT_EQ(first.user, "ada");
    EXPECT_EQ(first.tunnel, "demo");
    EXPECT_EQ(first.key_prefix, "wk_abc");
    EXPECT_EQ(first.status, 101);
    EXPECT_EQ(first.detail, "detail of connect");

    audit_entry bare;
    bare.at = at(3);
    bare.event = "tunnel_created";
    ok(s().append_audit(bare));
    const auto newest = ok(s().query_audit({})).at(0);
    EXPECT_EQ(newest.event, "tunnel_created");
    EXPECT_EQ(newest.client_ip, "");
    EXPECT_EQ(newest.status, 0);

    EXPECT_EQ(code_of(s().append_audit(audit_entry{})), errc::invalid);
}

TEST_P(store_conformance, filters_the_audit_log) {
    ok(s().append_audit(entry(1, "connect", "demo", "ada")));
    ok(s().append_audit(entry(2, "connect", "other", "bob")));
    ok(s().append_audit(entry(3, "connect_rejected", "demo", "bob", 401)));
    ok(s().append_audit(entry(4, "disconnect", "demo", "ada")));
    ok(s().append_audit(entry(5, "connect", "demo", "ada")));

    const auto events = [&](const audit_query& q) {
        std::vector<std::string> out;
        for (const auto& e : ok(s().query_audit(q)))
            out.push_back(e.event + "@" +
                          std::to_string(
                              std::chrono::duration_cast<std::chrono::seconds>(e.at - stored(at(0)))
                                  .count()));
        return out;
    };
    using list = std::vector<std::string>;
    audit_query q;
    q.since = at(3);
    EXPECT_EQ(events(q), (list{"connect@5", "disconnect@4", "connect_rejected@3"}));
    q = {};
    q.event = "connect";
    EXPECT_EQ(events(q), (list{"connect@5", "connect@2", "connect@1"}));
    q = {};
    q.tunnel = "other";
    EXPECT_EQ(events(q), (list{"connect@2"}));
    q = {};
    q.user = "bob";
    EXPECT_EQ(events(q), (list{"connect_rejected@3", "connect@2"}));
    q = {};
    q.limit = 2;
    EXPECT_EQ(events(q), (list{"connect@5", "disconnect@4"}));
    q = {};
    q.since = at(2);
    q.event = "connect";
    q.tunnel = "demo";
    q.user = "ada";
    q.limit = 10;
    EXPECT_EQ(events(q), (list{"connect@5"}));
    q = {};
    q.limit = 0;
    EXPECT_TRUE(events(q).empty());
}

// --- settings ---

TEST_P(store_conformance, keeps_settings) {
    EXPECT_EQ(ok(s().get_setting("jwt_secret")), std::nullopt);
    ok(s().put_setting("jwt_secret", "first-secret-value"));
    EXPECT_EQ(ok(s().get_setting("jwt_secret")), "first-secret-value");
    ok(s().put_setting("jwt_secret", "second-secret-value"));
    EXPECT_EQ(ok(s().get_setting("jwt_secret")), "second-secret-value");
    ok(s().put_setting("empty", ""));
    EXPECT_EQ(ok(s().get_setting("empty")), "");
    EXPECT_EQ(code_of(s().put_setting("", "x")), errc::invalid);
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("secret-value")));
}

// --- concurrency ---

TEST_P(store_conformance, serves_calls_from_many_threads_at_once) {
    constexpr int threads = 8;
    constexpr int rounds = 15;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            try {
                const auto user = ok(s().upsert_user(
                    identity("github", "t" + std::to_string(t), "user" + std::to_string(t)), true,
                    at(t)));
                for (int r = 0; r < rounds; ++r) {
                    const std::string name = "t" + std::to_string(t) + "-" + std::to_string(r);
                    ok(s().create_tunnel(name, user.id, at(r)));
                    ok(s().set_tunnel_key(name, "wk_" + name, "hash", at(r)));
                    if (ok(s().find_active_keys("wk_" + name)).size() != 1) ++failures;
                    ok(s().touch_tunnel(name, at(r + 1)));
                    ok(s().append_audit(entry(r, "connect", name, user.identity.username)));
                    ok(s().put_setting("last-" + std::to_string(t), name));
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(ok(s().list_tunnels(std::nullopt)).size(), std::size_t{threads * rounds});
    EXPECT_EQ(ok(s().list_users()).size(), std::size_t{threads});
    audit_query all;
    all.limit = 10000;
    EXPECT_EQ(ok(s().query_audit(all)).size(), std::size_t{threads * rounds});
}

TEST_P(store_conformance, concurrent_rotations_leave_one_active_key) {
    ok(s().create_tunnel("demo", std::nullopt, at(1)));
    constexpr int threads = 6;
    std::atomic<int> unexpected{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int r = 0; r < 10; ++r) {
                const auto result = s().set_tunnel_key(
                    "demo", "wk_" + std::to_string(t) + "_" + std::to_string(r), "h", at(r));
                if (!result) ++unexpected;
            }
        });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(unexpected, 0);
    const auto prefix = ok(s().find_tunnel("demo")).key_prefix;
    ASSERT_FALSE(prefix.empty());
    int active = 0;
    for (int t = 0; t < threads; ++t)
        for (int r = 0; r < 10; ++r)
            active += static_cast<int>(
                ok(s().find_active_keys("wk_" + std::to_string(t) + "_" + std::to_string(r)))
                    .size());
    EXPECT_EQ(active, 1);
}

// --- schema ---

TEST_P(store_conformance, is_at_the_latest_schema_version) {
    EXPECT_EQ(s().schema_version(), soci_store::latest_schema_version());
    EXPECT_GE(s().schema_version(), 2);
}

TEST_P(store_conformance, logs_one_line_when_opened) {
    const auto lines = host_.log().lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_THAT(lines[0], HasSubstr("info: "));
    EXPECT_THAT(lines[0],
                HasSubstr("schema version " + std::to_string(soci_store::latest_schema_version())));
}

INSTANTIATE_TEST_SUITE_P(stores, store_conformance,
                         ::testing::Values(backend::sqlite, backend::postgres), backend_name);

}  // namespace
}  // namespace warren::test
