// A PostgreSQL restart under a live store: calls fail fast and clearly while
// the server is down, and work again with the same store once it is back.
// It stops the shared test cluster, so ctest runs it alone (RUN_SERIAL).
#include "store_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace warren::test {
namespace {

using std::chrono::steady_clock;
using ::testing::HasSubstr;

class postgres_restart : public ::testing::Test {
protected:
    void SetUp() override {
        if (!postgres::available())
            GTEST_SKIP() << "no PostgreSQL: run through ctest (WARREN_TEST_POSTGRES_CTL)";
        db_.emplace(backend::postgres);
        config_.emplace(db_->config(
            {{"pool_size", std::int64_t{pool_size}}, {"connect_timeout", std::string("2s")}}));
        auto made = create_store("store-postgres", host_, *config_);
        ASSERT_TRUE(made.object) << made.error;
        store_ = std::move(made.object);
        ASSERT_TRUE(store_->create_tunnel("demo", std::nullopt, at(0)));
    }

    void TearDown() override {
        // Whatever happened, leave the cluster running for the other tests.
        if (postgres::available()) {
            EXPECT_TRUE(postgres::control("start"));
        }
    }

    // More calls than connections, so every pooled session sees the change.
    static constexpr int pool_size = 3;
    static constexpr int calls = 2 * pool_size;

    test_host host_;
    std::optional<scratch_database> db_;
    std::optional<config_table> config_;
    std::unique_ptr<store> store_;
};

TEST_F(postgres_restart, calls_fail_fast_while_the_server_is_down_and_recover) {
    ASSERT_TRUE(postgres::control("stop"));
    for (int i = 0; i < calls; ++i) {
        const auto start = steady_clock::now();
        const auto r = store_->find_tunnel("demo");
        const auto took = steady_clock::now() - start;
        ASSERT_EQ(code_of(r), errc::unavailable) << "call " << i;
        EXPECT_THAT(r.error().message, HasSubstr("postgresql: cannot reach the database: "))
            << "call " << i;
        EXPECT_THAT(r.error().message, HasSubstr("find_tunnel"));
        EXPECT_LT(took, std::chrono::seconds(5)) << "call " << i;
    }
    const auto write = store_->append_audit([] {
        audit_entry e;
        e.event = "connect";
        return e;
    }());
    EXPECT_EQ(code_of(write), errc::unavailable);

    ASSERT_TRUE(postgres::control("start"));
    for (int i = 0; i < calls; ++i) {
        const auto r = store_->find_tunnel("demo");
        ASSERT_TRUE(r) << "call " << i << ": " << r.error().message;
        EXPECT_EQ(r->name, "demo");
    }
    ASSERT_TRUE(store_->create_tunnel("after", std::nullopt, at(1)));
    EXPECT_THAT(host_.log().text(), HasSubstr("reconnected"));
}

TEST_F(postgres_restart, a_restart_between_calls_goes_unnoticed) {
    // The pool takes its sessions in turn: these calls use each of them.
    for (int i = 0; i < calls; ++i) ASSERT_TRUE(store_->find_tunnel("demo"));
    ASSERT_TRUE(postgres::control("restart"));
    for (int i = 0; i < calls; ++i) {
        const auto r = store_->find_tunnel("demo");
        ASSERT_TRUE(r) << "call " << i << ": " << r.error().message;
    }
}

}  // namespace
}  // namespace warren::test
