#include "postgres_store.hpp"

#include "conninfo.hpp"

#include <warren/plugin.hpp>

#include <soci/soci.h>

namespace warren::store_postgres {

postgres_store::settings postgres_store::read(const config_table& config) {
    using namespace std::chrono_literals;
    settings s;
    s.connection = config.required_string("connection");
    if (auto problem = conninfo_problem(s.connection)) config.fail("connection", *problem);
    s.password = config.optional_secret_from_env("password_env");
    if (s.password) {
        if (auto problem = password_problem(*s.password)) config.fail("password_env", *problem);
    }
    s.pool_size = static_cast<std::size_t>(config.integer("pool_size", 4, 1, 64));
    s.connect_timeout = config.duration(
        "connect_timeout", 5s, 1s, std::chrono::duration_cast<std::chrono::milliseconds>(5min));
    // A server that accepts connections but never answers (a lock held
    // forever, an overloaded disk) must not hold the gateway's blocking pool.
    s.statement_timeout = config.duration("statement_timeout", 30s, 0ms,
                                          std::chrono::duration_cast<std::chrono::milliseconds>(1h));
    return s;
}

postgres_store::postgres_store(const plugin_context& ctx) : postgres_store(ctx, read(ctx.config)) {}

// Every session connects with the same string, so a reconnection after a
// server restart is the first connection again.
postgres_store::postgres_store(const plugin_context& ctx, const settings& s)
    : database_store(
          soci_store::postgresql_dialect(), s.pool_size,
          [info = conninfo(s.connection, s.connect_timeout, s.statement_timeout, s.password)](soci::session& session) {
              const auto& d = soci_store::postgresql_dialect();
              d.open(session, info);
              d.prepare(session);
          },
          s.connection, ctx.log) {
    ctx.log.info("connected to " + s.connection + " (" + std::to_string(s.pool_size) +
                 " connections, " + schema_summary() + ")");
}

}  // namespace warren::store_postgres

WARREN_PLUGIN(
    warren::store_postgres::postgres_store, "store-postgres", "0.1.0",
    "PostgreSQL store: users, tunnels, keys, audit log and settings, shareable by gateways")
