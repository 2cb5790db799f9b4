// Schema upgrades: a database made by an older version keeps its data when
// the store opens it, and a newer one is refused.
#include "store_fixture.hpp"

#include <soci_store/migrations.hpp>

#include <soci/soci.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace warren::test {
namespace {

using ::testing::HasSubstr;

class store_migration : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (!scratch_database::available(GetParam()))
            GTEST_SKIP()
                << "no PostgreSQL: run through ctest, which starts one (WARREN_TEST_POSTGRES_CTL)";
        db_.emplace(GetParam());
    }

    test_host host_;
    std::optional<scratch_database> db_;
};

TEST_P(store_migration, upgrades_a_version_1_database_keeping_its_data) {
    {
        soci::session raw;
        db_->open_raw(raw);
        const auto change = soci_store::migrate(raw, db_->dialect(), 1);
        EXPECT_EQ(change.from, 0);
        EXPECT_EQ(change.to, 1);
        // What a version 1 store wrote: a user, a tunnel with a rotated key, an
        // audit line, a setting. Times in milliseconds.
        raw << "INSERT INTO users (provider, subject, username, name, email, avatar_url, admin, "
               "disabled, "
               "created_at, last_login_at) VALUES ('github', '42', 'ada', 'Ada', "
               "'ada@example.com', '', 1, 0, "
               "1714557600000, 1714557601000)";
        raw << "INSERT INTO tunnels (name, owner_id, created_at, last_seen_at) "
               "SELECT 'demo', id, 1714557602000, NULL FROM users WHERE subject = '42'";
        raw << "INSERT INTO api_keys (prefix, hash, tunnel_id, issued_at, revoked_at) "
               "SELECT 'wk_old', 'hash-old', id, 1714557603000, 1714557604000 FROM tunnels WHERE "
               "name = 'demo'";
        raw << "INSERT INTO api_keys (prefix, hash, tunnel_id, issued_at, revoked_at) "
               "SELECT 'wk_live', 'hash-live', id, 1714557604000, NULL FROM tunnels WHERE name = "
               "'demo'";
        raw << "INSERT INTO audit_log (at, event, client_ip, username, tunnel, key_prefix, status, "
               "detail) "
               "VALUES (1714557605000, 'connect', '203.0.113.7', 'ada', 'demo', 'wk_live', 101, "
               "'ok')";
        raw << "INSERT INTO settings (name, value) VALUES ('jwt_secret', 'kept')";
    }

    const auto config = db_->config();
    auto made = create_store(db_->plugin(), host_, config);
    ASSERT_TRUE(made.object) << made.error;
    store& s = *made.object;
    EXPECT_EQ(s.schema_version(), soci_store::latest_schema_version());
    EXPECT_THAT(host_.log().text(), HasSubstr("migrated from version 1"));

    const auto user = s.find_users_by_username("ada");
    ASSERT_TRUE(user);
    ASSERT_EQ(user->size(), 1u);
    EXPECT_TRUE((*user)[0].admin);
    EXPECT_EQ((*user)[0].last_login_at, from_unix_millis(1714557601000));

    const auto tunnel = s.find_tunnel("demo");
    ASSERT_TRUE(tunnel) << tunnel.error().message;
    EXPECT_EQ(tunnel->owner_username, "ada");
    EXPECT_EQ(tunnel->key_prefix, "wk_live");
    EXPECT_EQ(tunnel->created_at, from_unix_millis(1714557602000));

    const auto keys = s.find_active_keys("wk_live");
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].hash, "hash-live");
    EXPECT_TRUE((*keys)[0].owner_admin);
    EXPECT_TRUE(s.find_active_keys("wk_old")->empty());
    EXPECT_EQ(code_of(s.set_tunnel_key("demo", "wk_old", "h", at(0))), errc::conflict);

    const auto audit = s.query_audit({});
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->size(), 1u);
    EXPECT_EQ((*audit)[0].status, 101);
    EXPECT_EQ(*s.get_setting("jwt_secret"), "kept");

    // The new version's invariant holds on the old data: one active key per tunnel.
    ASSERT_TRUE(s.set_tunnel_key("demo", "wk_newest", "h", at(1)));
    EXPECT_TRUE(s.find_active_keys("wk_live")->empty());
}

TEST_P(store_migration, opening_an_up_to_date_database_migrates_nothing) {
    const auto config = db_->config();
    {
        auto first = create_store(db_->plugin(), host_, config);
        ASSERT_TRUE(first.object) << first.error;
        ASSERT_TRUE(first.object->create_tunnel("kept", std::nullopt, at(0)));
    }
    auto again = create_store(db_->plugin(), host_, config);
    ASSERT_TRUE(again.object) << again.error;
    EXPECT_EQ(again.object->schema_version(), soci_store::latest_schema_version());
    EXPECT_TRUE(again.object->find_tunnel("kept"));
    const auto lines = host_.log().lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_THAT(lines[0], HasSubstr("migrated from version 0"));
    EXPECT_THAT(lines[1], ::testing::Not(HasSubstr("migrated")));
}

TEST_P(store_migration, refuses_a_database_newer_than_the_plugin) {
    {
        soci::session raw;
        db_->open_raw(raw);
        soci_store::migrate(raw, db_->dialect(), soci_store::latest_schema_version());
        raw << "INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, "
               "'future', 0)";
    }
    auto made = create_store(db_->plugin(), host_, db_->config());
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("version 99"));
}

TEST_P(store_migration, gateways_starting_at_once_migrate_once) {
    constexpr int gateways = 4;
    std::vector<config_table> configs;  // a config table is read by one thread only
    for (int i = 0; i < gateways; ++i) configs.push_back(db_->config());
    std::vector<created_store> made(gateways);
    std::vector<std::thread> starting;
    for (int i = 0; i < gateways; ++i)
        starting.emplace_back([&, i] { made[i] = create_store(db_->plugin(), host_, configs[i]); });
    for (auto& t : starting) t.join();
    for (const auto& m : made) {
        ASSERT_TRUE(m.object) << m.error;
        EXPECT_EQ(m.object->schema_version(), soci_store::latest_schema_version());
    }
    const auto lines = host_.log().lines();
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& l) {
                                return l.find("migrated from version 0") != std::string::npos;
                            }),
              1)
        << host_.log().text();
}

INSTANTIATE_TEST_SUITE_P(stores, store_migration,
                         ::testing::Values(backend::sqlite, backend::postgres), backend_name);

}  // namespace
}  // namespace warren::test
