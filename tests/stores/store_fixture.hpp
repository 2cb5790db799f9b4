#pragma once
// The fixture of the tests that run against every store backend: a fresh
// database, a test host, and the store the plugin made on it.
#include "store_harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace warren::test {

class store_test : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (!scratch_database::available(GetParam()))
            GTEST_SKIP()
                << "no PostgreSQL: run through ctest, which starts one (WARREN_TEST_POSTGRES_CTL)";
        db_.emplace(GetParam());
        ASSERT_NO_FATAL_FAILURE(open());
    }

    // (Re)creates the store on the test's database.
    void open(const config_values& extra = {}) {
        store_.reset();
        config_.emplace(db_->config(extra));
        auto made = create_store(db_->plugin(), host_, *config_);
        ASSERT_TRUE(made.object) << made.error;
        store_ = std::move(made.object);
    }

    store& s() { return *store_; }

    test_host host_;
    std::optional<scratch_database> db_;
    std::optional<config_table> config_;
    std::unique_ptr<store> store_;  // last: goes before the database and the host
};

// The error category of a result, or errc{} for success.
template <class T>
errc code_of(const result<T>& r) {
    return r ? errc{} : r.error().code;
}

// Names the instantiations "sqlite" and "postgres".
inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
    return to_string(info.param);
}

// A fixed time with a sub-millisecond part, which the store drops.
inline time_point at(int seconds) {
    using namespace std::chrono;
    return sys_days{2024y / May / 1} + 10h + seconds * 1s + 123456us;
}
inline time_point stored(time_point t) {
    return std::chrono::floor<std::chrono::milliseconds>(t);
}
inline time_point from_unix_millis(long long ms) {
    return time_point(std::chrono::milliseconds(ms));
}

}  // namespace warren::test
