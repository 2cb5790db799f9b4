#include "statement.hpp"

namespace warren::soci_store {

bool execute(soci::statement& st, const std::string& sql) {
    st.alloc();
    st.prepare(sql, soci::details::st_one_time_query);
    st.define_and_bind();
    // With data exchange: SQLite only steps a statement when asked for a row,
    // so without it an INSERT or UPDATE would not run at all.
    return st.execute(true);
}

write_transaction::write_transaction(soci::session& session, const dialect& d) : session_(session) {
    session_ << d.begin_write;
}

write_transaction::~write_transaction() {
    if (done_) return;
    try {
        session_ << "ROLLBACK";
    } catch (const soci::soci_error&) {
        // Whether the transaction is still open is unknown (the connection
        // broke, or SQLite already rolled back after the error). Closing the
        // session ends it for sure; the store reopens a closed session before
        // its next statement, and the caller is reporting the first error.
        session_.close();
    }
}

void write_transaction::commit() {
    session_ << "COMMIT";
    done_ = true;
}

}  // namespace warren::soci_store
