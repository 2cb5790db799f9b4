#pragma once
// [store] plugin = "store-postgres": the store in a PostgreSQL database, for
// a gateway whose data must outlive its machine, or several gateways sharing
// one database.
//
//   connection = "host=db.internal port=5432 dbname=warren user=warren"
//   password_env = "WARREN_DB_PASSWORD"   # optional; the password never sits in the config
//   pool_size = 4                          # connections, 1-64
//   connect_timeout = "5s"                 # bounds each (re)connection attempt
//   statement_timeout = "30s"              # bounds each statement; 0 = none
#include <soci_store/database_store.hpp>

#include <warren/host.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace warren::store_postgres {

class postgres_store final : public soci_store::database_store {
public:
    // Reads the config, connects the pool and migrates the database. Throws
    // config_error for a bad setting, std::runtime_error when the database
    // cannot be reached or migrated.
    explicit postgres_store(const plugin_context& ctx);

private:
    struct settings {
        std::string connection;  // as configured: no password
        std::optional<std::string> password;
        std::size_t pool_size;
        std::chrono::milliseconds connect_timeout;
        std::chrono::milliseconds statement_timeout;  // 0: the server's own setting
    };
    static settings read(const config_table& config);
    postgres_store(const plugin_context& ctx, const settings& s);
};

}  // namespace warren::store_postgres
