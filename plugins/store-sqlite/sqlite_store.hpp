#pragma once
// [store] plugin = "store-sqlite": the store in one SQLite file, the default
// that works on a fresh machine with nothing to set up.
//
//   path = "warren.db"      # relative to the config file's directory
//   busy_timeout = "5s"     # how long a call waits for another process's lock
#include <soci_store/database_store.hpp>

#include <warren/host.hpp>

#include <chrono>
#include <filesystem>

namespace warren::store_sqlite {

class sqlite_store final : public soci_store::database_store {
public:
    // Reads the config, opens the file (creating it) and migrates it. Throws
    // config_error for a bad setting, std::runtime_error when the file
    // cannot be opened or migrated.
    explicit sqlite_store(const plugin_context& ctx);

private:
    struct settings {
        std::filesystem::path path;
        std::chrono::milliseconds busy_timeout;
    };
    static settings read(const config_table& config);
    sqlite_store(const plugin_context& ctx, const settings& s);
};

}  // namespace warren::store_sqlite
