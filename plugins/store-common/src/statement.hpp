#pragma once
// Running statements the way every store query runs them.
#include <soci_store/dialect.hpp>

#include <soci/soci.h>

#include <string>

namespace warren::soci_store {

// Prepares and runs `sql` once with the into/use exchanges already added to
// `st`: a one-time query, which PostgreSQL runs in one round trip (a
// repeatable one would also prepare and later deallocate a server-side
// statement). Returns whether a first row was fetched into the intos;
// st.fetch() reads each next one. Throws soci::soci_error.
bool execute(soci::statement& st, const std::string& sql);

// A transaction that writes; rolled back unless commit() is called.
class write_transaction {
public:
    write_transaction(soci::session& session, const dialect& d);
    write_transaction(const write_transaction&) = delete;
    write_transaction& operator=(const write_transaction&) = delete;
    ~write_transaction();

    void commit();

private:
    soci::session& session_;
    bool done_ = false;
};

}  // namespace warren::soci_store
