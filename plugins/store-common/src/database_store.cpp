#include <soci_store/database_store.hpp>

#include "errors.hpp"

#include <soci/soci.h>

#include <stdexcept>
#include <utility>

namespace warren::soci_store {

database_store::database_store(const dialect& d, std::size_t pool_size, session_pool::opener open,
                               std::string_view where, logger& log)
    : dialect_(d), log_(log), pool_(pool_size, std::move(open)) {
    const auto prefix = std::string(d.name) + ": ";
    try {
        pool_.open_all();
    } catch (const soci::soci_error& e) {
        throw std::runtime_error(prefix + std::string(d.unreachable) + ": " + describe(e) + " (" +
                                 std::string(where) + ")");
    }
    try {
        auto held = pool_.acquire();
        schema_ = migrate(held.session(), dialect_, latest_schema_version());
    } catch (const soci::soci_error& e) {
        throw std::runtime_error(prefix + "migrating the schema to version " +
                                 std::to_string(latest_schema_version()) +
                                 " failed: " + describe(e));
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(prefix + e.what());
    }
}

std::string database_store::schema_summary() const {
    std::string out = "schema version " + std::to_string(schema_.to);
    if (schema_.from != schema_.to)
        out += ", migrated from version " + std::to_string(schema_.from);
    return out;
}

std::string database_store::message(std::string_view op, std::string_view what) const {
    std::string m(dialect_.name);
    m += ": ";
    m += op;
    m += ": ";
    m += what;
    return m;
}

result<void> database_store::reconnect(session_pool::lease& held, const operation& op) noexcept {
    try {
        held.reopen();
        log_.info(std::string(dialect_.name) + ": reconnected to the database");
        return {};
    } catch (const soci::soci_error& e) {
        return {errc::unavailable, std::string(dialect_.name) + ": " +
                                       std::string(dialect_.unreachable) + ": " + describe(e) +
                                       " (" + op.name + ")"};
    } catch (const std::exception& e) {
        return {errc::internal, message(op.name, e.what())};
    }
}

result<void> database_store::run(const operation& op, const body& fn) noexcept {
    try {
        auto held = pool_.acquire();
        // At most one reconnection per call: a call never loops on a database
        // that is down, it reports it.
        bool reconnected = false;
        if (!held.usable()) {
            if (auto r = reconnect(held, op); !r) return r;
            reconnected = true;
        }
        for (;;) {
            try {
                return fn(held.session());
            } catch (const soci::soci_error& e) {
                const failure kind = dialect_.classify(e);
                if (kind == failure::unique_violation)
                    return {errc::conflict, message(op.name, op.conflict)};
                if (kind == failure::foreign_key_violation)
                    return {errc::not_found, message(op.name, op.missing)};
                const std::string why = describe(e, op.secrets);
                // is_connected() asks the server (one round trip), only here
                // on the error path.
                const bool lost = !held.session().is_connected();
                if (lost && !reconnected) {
                    log_.warn(std::string(dialect_.name) +
                              ": lost the connection to the database (" + why + "); reconnecting");
                    if (auto r = reconnect(held, op); !r) return r;
                    reconnected = true;
                    continue;
                }
                if (lost) held.mark_broken();
                if (lost || kind == failure::unavailable)
                    return {errc::unavailable,
                            message(op.name, "the database is unavailable: " + why)};
                return {errc::internal, message(op.name, why)};
            }
        }
    } catch (const std::exception& e) {
        return {errc::internal, message(op.name, e.what())};
    }
}

}  // namespace warren::soci_store
