// The real gateway on store-postgres, end to end: keyed tunnels made with the
// admin CLI against a fresh PostgreSQL database, the client connecting with
// its key, and a PostgreSQL restart under a running gateway: connected
// tunnels keep serving, the admin CLI fails clearly, new keyed connects get
// 503 (never admitted unverified), and everything recovers once the server
// is back, without restarting the gateway.
//
// It stops the shared test cluster, so ctest runs it alone (RUN_SERIAL).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace warren::test {
namespace {

using std::chrono::steady_clock;

// ---- the test PostgreSQL cluster (scripts/test-postgres.sh) ----

const char* postgres_ctl() {
  const char* ctl = std::getenv("WARREN_TEST_POSTGRES_CTL");
  return ctl != nullptr && *ctl != '\0' ? ctl : nullptr;
}

// `postgres-ctl VERB` (stop, start, restart); false if it failed.
bool postgres_control(const std::string& verb) {
  const auto r = run_command({postgres_ctl(), verb}, 120s);
  if (r.exit_code != 0) ADD_FAILURE() << "postgres-ctl " << verb << ": " << r.stdout_text << r.stderr_text;
  return r.exit_code == 0;
}

// The cluster's connection string, e.g. host=127.0.0.1 port=N dbname=warren user=warren.
std::string postgres_conninfo() {
  const auto r = run_command({postgres_ctl(), "env"}, 30s);
  if (r.exit_code != 0) throw std::runtime_error("postgres-ctl env: " + r.stderr_text);
  std::string s = r.stdout_text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string psql_path() {
  for (const char* p : {"/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql"})
    if (::access(p, X_OK) == 0) return p;
  return "psql";
}

// Runs `sql` as the superuser on the cluster's main database. Throws.
void postgres_execute(const std::string& sql) {
  const auto r = run_command({psql_path(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", postgres_conninfo(), "-c", sql},
                             60s);
  if (r.exit_code != 0) throw std::runtime_error("psql -c \"" + sql + "\": " + r.stdout_text + r.stderr_text);
}

// A fresh, empty database on the test cluster, dropped with this object.
class fresh_database {
public:
  fresh_database() {
    static std::atomic<int> counter{0};
    name_ = "warren_gw_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    postgres_execute("CREATE DATABASE " + name_);
    conninfo_ = std::regex_replace(postgres_conninfo(), std::regex(R"(dbname=\S+)"), "dbname=" + name_);
  }
  ~fresh_database() {
    try {
      postgres_execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The cluster is deleted at the end of the run anyway (fixture teardown).
    }
  }
  fresh_database(const fresh_database&) = delete;
  fresh_database& operator=(const fresh_database&) = delete;

  const std::string& conninfo() const { return conninfo_; }

private:
  std::string name_;
  std::string conninfo_;
};

// The harness's config with store-postgres as [store] (replacing store-sqlite).
std::string postgres_store_toml(const std::string& conninfo) {
  return "[store]\nplugin = \"store-postgres\"\nconnection = \"" + conninfo + "\"\nconnect_timeout = \"2s\"\n";
}

// ---- the gateway ----

// Runs an admin command that must succeed; returns its stdout.
std::string admin(const gateway_process& gw, std::vector<std::string> args) {
  const auto r = run_gateway_admin(gw.config_file, args);
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  return r.stdout_text;
}

class gateway_on_postgres : public ::testing::Test {
protected:
  void SetUp() override {
    if (postgres_ctl() == nullptr)
      GTEST_SKIP() << "no PostgreSQL: run through ctest (WARREN_TEST_POSTGRES_CTL)";
    db_.emplace();
  }

  void TearDown() override {
    // Whatever happened, leave the cluster running for the other tests.
    if (stopped_) postgres_control("start");
  }

  gateway_process start() { return start_gateway(dir_, postgres_store_toml(db_->conninfo())); }

  bool stop_postgres() {
    stopped_ = true;
    return postgres_control("stop");
  }
  bool start_postgres() {
    const bool ok = postgres_control("start");
    if (ok) stopped_ = false;
    return ok;
  }

  temp_dir dir_;
  std::optional<fresh_database> db_;  // outlives every gateway of the test
  bool stopped_ = false;
};

TEST_F(gateway_on_postgres, a_key_opens_its_tunnel_by_name) {
  auto origin = start_origin();
  auto gw = start();
  EXPECT_NE(gw.proc.output().find("connected to host=127.0.0.1"), std::string::npos) << gw.proc.output();
  EXPECT_NE(admin(gw, {"tunnels", "create", "pgapp"}).find("created tunnel pgapp"), std::string::npos);
  const std::string key = issue_api_key(gw, "pgapp");

  auto client = start_client(gw.port, origin.port, {"--token", key});
  EXPECT_EQ(client.name, "pgapp");
  for (int i = 0; i < 3; ++i) {
    const auto r = run_curl({client.url + "/echo?i=" + std::to_string(i)});
    EXPECT_EQ(r.status, 200) << r.stderr_text;
  }
  const std::string list = admin(gw, {"tunnels", "list"});
  EXPECT_NE(list.find("pgapp"), std::string::npos) << list;
  EXPECT_NE(list.find(key.substr(0, 11)), std::string::npos) << list;
  EXPECT_EQ(list.find(key), std::string::npos) << "the list shows the prefix only";

  EXPECT_EQ(connect_with_key(gw, "wk_" + std::string(43, 'A')).status, 401);
  EXPECT_EQ(gw.proc.output().find(key), std::string::npos);
  EXPECT_EQ(client.proc.output().find(key), std::string::npos);
}

TEST_F(gateway_on_postgres, survives_a_database_restart) {
  auto origin = start_origin();
  auto gw = start();
  const std::string key = make_keyed_tunnel(gw, "steady");
  // A second tunnel whose key the probes below use: a connect with `key`
  // itself would replace the connected client.
  const std::string probe_key = make_keyed_tunnel(gw, "probe");

  auto client = start_client(gw.port, origin.port, {"--token", key});
  ASSERT_EQ(client.name, "steady");
  ASSERT_EQ(run_curl({client.url + "/echo?before=1"}).status, 200);

  // ---- PostgreSQL down ----
  ASSERT_TRUE(stop_postgres());

  // The connected tunnel keeps serving: no request path touches the store.
  for (int i = 0; i < 5; ++i) {
    const auto r = run_curl({client.url + "/echo?down=" + std::to_string(i)}, 30s);
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.stderr_text;
  }

  // The admin CLI fails, clearly and without crashing.
  const auto list = run_gateway_admin(gw.config_file, {"tunnels", "list"});
  EXPECT_EQ(list.exit_code, 1) << list.stdout_text << list.stderr_text;
  EXPECT_NE(list.stderr_text.find("database"), std::string::npos) << list.stderr_text;
  EXPECT_EQ(list.stderr_text.find("password="), std::string::npos) << list.stderr_text;
  std::cout << "admin CLI with the database down: " << list.stderr_text << std::flush;

  // A new keyed connect is refused with 503 (never admitted unverified).
  const auto refused = connect_with_key(gw, probe_key);
  EXPECT_EQ(refused.status, 503) << refused.headers << refused.body << refused.stderr_text;
  EXPECT_NE(refused.body.find("API keys cannot be checked right now"), std::string::npos) << refused.body;
  EXPECT_FALSE(header_values(refused.headers, "retry-after").empty()) << refused.headers;
  // The same for a key the gateway has never seen.
  EXPECT_EQ(connect_with_key(gw, "wk_" + std::string(43, 'D')).status, 503);

  // The 5 s sync of keyed tunnels fails too (and warns); the tunnel it knows
  // stays, and so does the connected client.
  EXPECT_TRUE(gw.proc.wait_for_output(std::regex("cannot refresh keyed tunnels from the store"), 15s));
  for (int i = 0; i < 3; ++i) {
    const auto r = run_curl({client.url + "/echo?still=" + std::to_string(i)}, 30s);
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.stderr_text;
  }
  EXPECT_TRUE(gw.proc.running()) << gw.proc.describe();
  EXPECT_TRUE(client.proc.running()) << client.proc.describe();

  // ---- PostgreSQL back ----
  ASSERT_TRUE(start_postgres());
  const auto back = steady_clock::now();

  // The first keyed connect that gets through, timed from the server's
  // return to the start of that attempt (an admitted curl then idles out its
  // --max-time, which is no part of the recovery).
  long last_status = 0;
  int refusals = 0;
  double recovery = 0;
  const bool connected = wait_until(
      [&] {
        const double attempt = seconds_since(back);
        last_status = connect_with_key(gw, probe_key).status;
        if (last_status == 101) {
          recovery = attempt;
          return true;
        }
        ++refusals;
        return false;
      },
      60s, 100ms);
  ASSERT_TRUE(connected) << "last status " << last_status << "\n" << gw.proc.describe();
  std::cout << "first keyed connect after the database came back: attempt started " << std::fixed
            << std::setprecision(3) << recovery << " s after `postgres-ctl start` returned, after "
            << refusals << " refused attempt(s)\n"
            << std::flush;
  RecordProperty("keyed_connect_recovery_ms", static_cast<int>(recovery * 1000));
  RecordProperty("keyed_connect_refusals_after_restart", refusals);

  command_result relisted;
  EXPECT_TRUE(wait_until(
      [&] {
        relisted = run_gateway_admin(gw.config_file, {"tunnels", "list"});
        return relisted.exit_code == 0;
      },
      30s, 200ms))
      << relisted.stderr_text;
  EXPECT_NE(relisted.stdout_text.find("steady"), std::string::npos) << relisted.stdout_text;

  // A new tunnel and key, and a second client on it, with the same gateway.
  const std::string after_key = make_keyed_tunnel(gw, "after");
  auto second = start_client(gw.port, origin.port, {"--token", after_key});
  EXPECT_EQ(second.name, "after");
  EXPECT_EQ(run_curl({second.url + "/echo?after=1"}).status, 200);
  EXPECT_EQ(run_curl({client.url + "/echo?after=1"}).status, 200);
  EXPECT_TRUE(client.proc.running()) << client.proc.describe();

  // The sync recovered too, and warned only once while it failed.
  EXPECT_TRUE(gw.proc.wait_for_output(std::regex("keyed tunnels refreshed from the store again"), 15s));
  const std::regex refresh_warning("cannot refresh keyed tunnels from the store");
  const std::string sync_log = gw.proc.output();
  EXPECT_EQ(std::distance(std::sregex_iterator(sync_log.begin(), sync_log.end(), refresh_warning),
                          std::sregex_iterator()),
            1)
      << sync_log;

  // The keys appear nowhere in the gateway's log.
  const std::string log = gw.proc.output();
  for (const auto& k : {key, probe_key, after_key}) EXPECT_EQ(log.find(k), std::string::npos) << k;
  EXPECT_NE(log.find("cannot check its key"), std::string::npos) << log;
}

}  // namespace
}  // namespace warren::test
