#pragma once
// What differs between the databases the shared SOCI store runs on. The
// schema, the queries and the error handling are written once, in SQL that
// both SQLite (3.35 or newer: RETURNING, upserts, partial indexes) and
// PostgreSQL understand; a dialect holds only the rest.
//
// The two dialects live in separate object files of the static library, so a
// plugin that uses one links only that database's SOCI backend.
#include <string>
#include <string_view>

namespace soci {
class session;
class soci_error;
}  // namespace soci

namespace warren::soci_store {

// What a failed statement means to the store.
enum class failure {
    unique_violation,       // a unique name or key prefix is taken: errc::conflict
    foreign_key_violation,  // a referenced row (a tunnel's owner) is missing: errc::not_found
    unavailable,            // down, busy, or refusing connections: errc::unavailable
    other,                  // anything else: errc::internal
};

struct dialect {
    std::string_view name;  // starts every message: "sqlite", "postgresql"
    // How a failure to connect reads: "cannot open the database" for a file.
    std::string_view unreachable;
    // The column definition of a 64-bit primary key the database assigns,
    // increasing and never reused (audit ids are ordered by it).
    std::string_view id_column;
    // Starts a transaction that will write. SQLite takes the write lock at
    // once (BEGIN IMMEDIATE): a deferred transaction that upgrades later can
    // fail with SQLITE_BUSY without waiting for the busy timeout.
    std::string_view begin_write;
    // Appended to a SELECT of the row a write transaction is about to change,
    // so that concurrent changes of one tunnel queue up instead of failing
    // (empty for SQLite, whose write lock already serialises them).
    std::string_view lock_row;
    // Run first in each migration transaction, so that two gateways starting
    // at once on one database migrate one after the other (empty for SQLite,
    // where BEGIN IMMEDIATE does it).
    std::string_view migration_lock;
    // Opens a closed session with this database's SOCI backend: a file path
    // for SQLite, a libpq connection string for PostgreSQL. Throws
    // soci::soci_error.
    void (*open)(soci::session& session, const std::string& connect_string);
    // Per-connection settings the store relies on, applied after open() (and
    // after the plugin's own settings: SQLite's busy timeout comes first, as
    // switching to WAL may wait for a lock). Throws soci::soci_error.
    void (*prepare)(soci::session& session);
    // Sorts a driver exception.
    failure (*classify)(const soci::soci_error& e);
};

// Each needs its SOCI backend linked (soci_sqlite3 and libsqlite3, or
// soci_postgresql).
const dialect& sqlite_dialect() noexcept;
const dialect& postgresql_dialect() noexcept;

}  // namespace warren::soci_store
