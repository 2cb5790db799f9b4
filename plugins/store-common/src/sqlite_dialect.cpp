#include <soci_store/dialect.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace warren::soci_store {
namespace {

void open(soci::session& s, const std::string& path) {
    // SOCI reads a string without '=' as the file name itself, so that a path
    // needs no quoting (SOCI's key=value parser has no escape for quotes).
    if (path.find('=') != std::string::npos)
        throw soci::soci_error("the database path must not contain '=': " + path);
    s.open(*soci::factory_sqlite3(), path);
}

void prepare(soci::session& s) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
    // Extended result codes tell a UNIQUE from a FOREIGN KEY constraint failure.
    sqlite_api::sqlite3_extended_result_codes(backend->conn_, 1);
    s << "PRAGMA foreign_keys = ON";
    // WAL: readers (a backup, the sqlite3 shell) and the writer do not block
    // each other. NORMAL synchronous is WAL's safe setting: a crash keeps the
    // database consistent, a power loss may lose the last commits; FULL would
    // sync on every commit, that is on every audit line.
    std::string mode;
    s << "PRAGMA journal_mode = WAL", soci::into(mode);
    s << "PRAGMA synchronous = NORMAL";
}

failure classify(const soci::soci_error& e) {
    const auto* error = dynamic_cast<const soci::sqlite3_soci_error*>(&e);
    if (!error) return failure::other;
    switch (error->result()) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY: return failure::unique_violation;
        case SQLITE_CONSTRAINT_FOREIGNKEY: return failure::foreign_key_violation;
    }
    switch (error->result() & 0xff) {
        case SQLITE_BUSY:  // another process held the lock longer than busy_timeout
        case SQLITE_LOCKED:
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_READONLY: return failure::unavailable;
    }
    return failure::other;
}

}  // namespace

const dialect& sqlite_dialect() noexcept {
    static constexpr dialect d{
        .name = "sqlite",
        .unreachable = "cannot open the database",
        // AUTOINCREMENT: ids are never reused, even after the newest row is deleted.
        .id_column = "INTEGER PRIMARY KEY AUTOINCREMENT",
        .begin_write = "BEGIN IMMEDIATE",
        .lock_row = "",
        .migration_lock = "",
        .open = open,
        .prepare = prepare,
        .classify = classify,
    };
    return d;
}

}  // namespace warren::soci_store
