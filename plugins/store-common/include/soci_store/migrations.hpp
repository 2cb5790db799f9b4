#pragma once
// The versioned schema. Migrations are an ordered list; a database records
// the versions applied in its schema_migrations table, and migrate() applies
// the missing ones in order, each in its own transaction (with its version
// row), so a failure leaves the database at the last complete version.
//
// A released migration never changes: a schema change is a new version
// appended to the list in migrations.cpp.
#include <soci_store/dialect.hpp>

namespace soci {
class session;
}

namespace warren::soci_store {

// The version this code creates and understands.
int latest_schema_version() noexcept;

// What one migrate() call did: from == to when it applied nothing (another
// process may have migrated meanwhile).
struct schema_change {
    int from = 0;  // the version before the first migration it applied (0: an empty database)
    int to = 0;    // the version the database is at
};

// Brings the database of `session` (opened and prepared for dialect `d`) up to
// `target`, 0 < target <= latest_schema_version(); a database already there
// or beyond it is left alone. Throws soci::soci_error when a statement fails,
// std::runtime_error when the database is newer than this code
// (a downgrade), std::invalid_argument for a bad target.
schema_change migrate(soci::session& session, const dialect& d, int target);

}  // namespace warren::soci_store
