// The plugins' settings: defaults, and a bad setting reported by key without
// a crash or a secret in the message.
#include "store_harness.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* password = "pw-that-must-never-show";

// A temporary directory standing for gateway.toml's.
class config_dir {
public:
    config_dir()
        : path_(std::filesystem::temp_directory_path() /
                ("warren-config-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    ~config_dir() {
        std::error_code ignored;  // a leftover temporary directory fails no test
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A loopback TCP port that accepts connections (the kernel completes the
// handshake) but never answers: a server that hangs.
class silent_server {
public:
    silent_server() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("cannot listen on loopback");
        port_ = ntohs(addr.sin_port);
    }
    ~silent_server() { ::close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

class store_settings : public ::testing::Test {
protected:
    created_store create(std::string_view plugin, const config_values& values,
                         const std::filesystem::path& base = {}) {
        config_.emplace(store_config(plugin, values, base));
        return create_store(plugin, host_, *config_);
    }

    test_host host_;
    std::optional<config_table> config_;
};

// --- store-sqlite ---

TEST_F(store_settings, sqlite_path_defaults_to_warren_db_beside_the_config) {
    config_dir dir;
    auto made = create("store-sqlite", {}, dir.path());
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "warren.db"));
    EXPECT_THAT(host_.log().text(), HasSubstr((dir.path() / "warren.db").string()));
}

TEST_F(store_settings, sqlite_relative_path_is_relative_to_the_config) {
    config_dir dir;
    std::filesystem::create_directories(dir.path() / "data dir");
    auto made =
        create("store-sqlite",
               {{"path", std::string("data dir/my.db")}, {"busy_timeout", std::string("250ms")}},
               dir.path());
    ASSERT_TRUE(made.object) << made.error;
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "data dir" / "my.db"));
}

TEST_F(store_settings, sqlite_rejects_a_bad_busy_timeout) {
    config_dir dir;
    const auto made = create("store-sqlite", {{"busy_timeout", std::string("5")}}, dir.path());
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("busy_timeout"));
    EXPECT_THAT(made.error, HasSubstr("gateway.toml:"));
    const auto number = create("store-sqlite", {{"busy_timeout", std::int64_t{5}}}, dir.path());
    ASSERT_FALSE(number.object);
    EXPECT_THAT(number.error, HasSubstr("busy_timeout"));
}

TEST_F(store_settings, sqlite_reports_a_file_it_cannot_open) {
    config_dir dir;
    const auto made =
        create("store-sqlite", {{"path", std::string("missing/dir/warren.db")}}, dir.path());
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("sqlite: cannot open the database"));
    EXPECT_THAT(made.error, HasSubstr("missing/dir/warren.db"));
}

// --- store-postgres ---

TEST_F(store_settings, postgres_requires_a_connection) {
    const auto made = create("store-postgres", {});
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("connection"));
    EXPECT_THAT(made.error, HasSubstr("is required"));
}

TEST_F(store_settings, postgres_password_env_must_name_a_set_variable) {
    ::unsetenv("WARREN_TEST_UNSET_PASSWORD");
    const auto made =
        create("store-postgres", {{"connection", std::string("host=127.0.0.1 port=1 dbname=x")},
                                  {"password_env", std::string("WARREN_TEST_UNSET_PASSWORD")}});
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("password_env"));
    EXPECT_THAT(made.error, HasSubstr("WARREN_TEST_UNSET_PASSWORD"));
}

TEST_F(store_settings, postgres_refuses_a_password_in_the_connection) {
    const auto made =
        create("store-postgres",
               {{"connection", std::string("host=127.0.0.1 dbname=x password = ") + password}});
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("connection"));
    EXPECT_THAT(made.error, HasSubstr("password_env"));
    EXPECT_THAT(made.error, Not(HasSubstr(password)));

    const auto uri = create("store-postgres",
                            {{"connection", std::string("postgresql://warren@localhost/warren")}});
    ASSERT_FALSE(uri.object);
    EXPECT_THAT(uri.error, HasSubstr("not a URI"));
}

TEST_F(store_settings, postgres_checks_its_numbers) {
    const config_values base = {{"connection", std::string("host=127.0.0.1 port=1 dbname=x")}};
    auto values = base;
    values["pool_size"] = std::int64_t{0};
    auto made = create("store-postgres", values);
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("pool_size"));
    values = base;
    values["pool_size"] = std::int64_t{65};
    EXPECT_THAT(create("store-postgres", values).error, HasSubstr("pool_size"));
    values = base;
    values["connect_timeout"] = std::string("soon");
    EXPECT_THAT(create("store-postgres", values).error, HasSubstr("connect_timeout"));
}

TEST_F(store_settings, postgres_reports_a_server_it_cannot_reach_without_the_password) {
    ::setenv("WARREN_TEST_PASSWORD", password, 1);
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const auto made =
        create("store-postgres",
               {{"connection", std::string("host=127.0.0.1 port=1 dbname=warren user=warren")},
                {"password_env", std::string("WARREN_TEST_PASSWORD")}});
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("postgresql: cannot reach the database: "));
    EXPECT_THAT(made.error, HasSubstr("host=127.0.0.1 port=1"));
    EXPECT_THAT(made.error, Not(HasSubstr(password)));
    EXPECT_THAT(host_.log().text(), Not(HasSubstr(password)));
}

TEST_F(store_settings, postgres_gives_up_on_a_silent_server_after_connect_timeout) {
    silent_server server;
    const auto start = std::chrono::steady_clock::now();
    const auto made = create(
        "store-postgres",
        {{"connection", "host=127.0.0.1 port=" + std::to_string(server.port()) + " dbname=warren"},
         {"connect_timeout", std::string("2s")},
         {"pool_size", std::int64_t{1}}});
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("postgresql: cannot reach the database: "));
    EXPECT_LT(took, std::chrono::seconds(8));
}

TEST_F(store_settings, postgres_logs_in_with_the_password_from_the_environment) {
    if (!scratch_database::available(backend::postgres))
        GTEST_SKIP() << "no PostgreSQL outside ctest";
    scratch_database db(backend::postgres);
    // The test cluster's role that must give a password (scripts/test-postgres.sh).
    postgres::execute("ALTER DATABASE " + db.name() + " OWNER TO warren_password");
    const config_values as_password_user = {
        {"connection", db.connection() + " user=warren_password"},
        {"password_env", std::string("WARREN_TEST_PASSWORD")},
        {"pool_size", std::int64_t{2}}};
    // Quotes, backslashes and spaces, which the connection string must carry.
    for (const std::string secret : {"pw\"that\\must'never-show", "pw that's never \\ shown"}) {
        postgres::execute("ALTER ROLE warren_password PASSWORD " + postgres::literal(secret));
        ::setenv("WARREN_TEST_PASSWORD", secret.c_str(), 1);
        config_.emplace(store_config("store-postgres", as_password_user));
        const auto made = create_store("store-postgres", host_, *config_);
        ASSERT_TRUE(made.object) << made.error;
        EXPECT_TRUE(made.object->put_setting("k", "v"));
    }
    ::setenv("WARREN_TEST_PASSWORD", "pw-wrong", 1);
    config_.emplace(store_config("store-postgres", as_password_user));
    const auto refused = create_store("store-postgres", host_, *config_);
    ASSERT_FALSE(refused.object);
    EXPECT_THAT(refused.error, HasSubstr("password authentication failed"));
    EXPECT_THAT(refused.error, Not(HasSubstr("pw-wrong")));

    EXPECT_THAT(host_.log().text(), HasSubstr("2 connections"));
    EXPECT_THAT(host_.log().text(), Not(HasSubstr("never")));
}

TEST_F(store_settings, postgres_refuses_a_password_it_cannot_pass_on) {
    ::setenv("WARREN_TEST_PASSWORD", "a \"quoted\" pw", 1);
    const auto made =
        create("store-postgres", {{"connection", std::string("host=127.0.0.1 port=1 dbname=x")},
                                  {"password_env", std::string("WARREN_TEST_PASSWORD")}});
    ASSERT_FALSE(made.object);
    EXPECT_THAT(made.error, HasSubstr("password_env"));
    EXPECT_THAT(made.error, Not(HasSubstr("quoted")));
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

// A statement that waits on a lock held elsewhere gives up after
// statement_timeout, as unavailable, instead of holding a gateway thread.
TEST(store_postgres_statement_timeout, bounds_a_statement_stuck_on_a_lock) {
    if (!scratch_database::available(backend::postgres)) GTEST_SKIP() << "no PostgreSQL outside ctest";
    scratch_database db(backend::postgres);
    test_host host;
    const config_table config = db.config({{"statement_timeout", std::string("1s")}, {"pool_size", std::int64_t{1}}});
    const auto made = create_store("store-postgres", host, config);
    ASSERT_TRUE(made.object) << made.error;
    ASSERT_TRUE(made.object->put_setting("k", "v"));

    soci::session holder;
    db.open_raw(holder);
    holder << "BEGIN";
    holder << "LOCK TABLE settings IN ACCESS EXCLUSIVE MODE";
    const auto start = std::chrono::steady_clock::now();
    const auto got = made.object->get_setting("k");
    const auto took = std::chrono::steady_clock::now() - start;
    holder << "ROLLBACK";

    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, errc::unavailable) << got.error().message;
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::seconds(10));
    // The same store works again once the lock is gone.
    EXPECT_TRUE(made.object->get_setting("k"));
}

}  // namespace
}  // namespace warren::test
