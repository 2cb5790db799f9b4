#include "sqlite_store.hpp"

#include <warren/plugin.hpp>

#include <soci/soci.h>

#include <string>

namespace warren::store_sqlite {

sqlite_store::settings sqlite_store::read(const config_table& config) {
    using std::chrono::milliseconds;
    using namespace std::chrono_literals;
    return {config.path("path", "warren.db"),
            config.duration("busy_timeout", 5s, 0ms, std::chrono::duration_cast<milliseconds>(1h))};
}

sqlite_store::sqlite_store(const plugin_context& ctx) : sqlite_store(ctx, read(ctx.config)) {}

// One connection, behind the pool's lock. SQLite runs one writer at a time
// whatever the number of connections, and most calls write (every connect
// and disconnect appends to the audit log); connections of one process
// competing for that lock would wait in SQLite's busy handler, which sleeps
// for milliseconds, where a mutex hands over in microseconds. Reads are
// indexed lookups that take microseconds. WAL still matters for other
// processes on the file (a backup, the sqlite3 shell), and busy_timeout
// bounds how long a call waits for their locks.
sqlite_store::sqlite_store(const plugin_context& ctx, const settings& s)
    : database_store(
          soci_store::sqlite_dialect(), 1,
          [path = s.path.string(), busy = s.busy_timeout.count()](soci::session& session) {
              const auto& d = soci_store::sqlite_dialect();
              d.open(session, path);
              session << "PRAGMA busy_timeout = " + std::to_string(busy);
              d.prepare(session);
          },
          s.path.string(), ctx.log) {
    ctx.log.info("opened " + s.path.string() + " (" + schema_summary() + ")");
}

}  // namespace warren::store_sqlite

WARREN_PLUGIN(warren::store_sqlite::sqlite_store, "store-sqlite", "0.1.0",
              "SQLite store: users, tunnels, keys, audit log and settings in one file")
