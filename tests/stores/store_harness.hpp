#pragma once
// What the store tests share: loading a store plugin the way the gateway does
// (Boost.DLL, the exported descriptor, create()), config tables as
// gateway.toml would hand them, and a fresh database per test for each
// backend: a temporary directory for SQLite, a new database on the test
// PostgreSQL cluster (scripts/test-postgres.sh, started by ctest).
#include "test_host.hpp"

#include <soci_store/dialect.hpp>

#include <warren/config_table.hpp>
#include <warren/store.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace warren::test {

using config_values = std::map<std::string, config_table::value>;

// A [store] table with `values` for plugin `plugin`; relative paths resolve
// against `base_dir`, like the directory of gateway.toml.
config_table store_config(std::string_view plugin, const config_values& values,
                          const std::filesystem::path& base_dir = {});

struct created_store {
    std::unique_ptr<store> object;  // set on success
    std::string error;              // else the factory's message
};

// Creates a store with build/plugins/<plugin>.so. Libraries stay loaded until
// the process exits, as in the gateway, so objects may outlive this call.
created_store create_store(std::string_view plugin, test_host& host, const config_table& config);

// The test PostgreSQL cluster, through the command ctest hands the tests in
// WARREN_TEST_POSTGRES_CTL (see scripts/test-postgres.sh).
namespace postgres {
bool available();  // false outside ctest
std::string conninfo();
// Runs the command with `verb` (stop, start, restart); false if it failed.
bool control(std::string_view verb);
// Runs `sql` as the superuser on the cluster's main database. Throws.
void execute(const std::string& sql);
// `text` as an SQL string literal.
std::string literal(std::string_view text);
}  // namespace postgres

enum class backend { sqlite, postgres };
std::string to_string(backend b);

// A fresh, empty database of one backend, deleted with this object. Make it
// only when available(b).
class scratch_database {
public:
    explicit scratch_database(backend b);
    scratch_database(const scratch_database&) = delete;
    scratch_database& operator=(const scratch_database&) = delete;
    ~scratch_database();

    static bool available(backend b);

    std::string plugin() const;  // "store-sqlite", "store-postgres"
    // The [store] table that opens it, plus `extra` keys.
    config_table config(const config_values& extra = {}) const;
    const soci_store::dialect& dialect() const;
    // PostgreSQL: the database's name, and a connection string for it.
    const std::string& name() const noexcept { return database_; }
    const std::string& connection() const noexcept { return conninfo_; }
    // Opens `session` on it as the plugin does, for tests that go around the store.
    void open_raw(soci::session& session) const;

private:
    backend backend_;
    std::filesystem::path dir_;  // SQLite
    std::string database_;       // PostgreSQL: the database's name
    std::string conninfo_;       // PostgreSQL: a connection string for it
};

}  // namespace warren::test
