#include "store_harness.hpp"

#include <warren/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <soci/soci.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace warren::test {
namespace {

const char* control_command() {
    return std::getenv("WARREN_TEST_POSTGRES_CTL");
}

// Runs a shell command and returns its standard output; throws if it fails.
std::string output_of(const std::string& command) {
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buffer[256];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    if (::pclose(pipe) != 0) throw std::runtime_error(command + " failed");
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::string quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// A name no other test process uses at the same time.
std::string unique_name(std::string_view prefix) {
    static std::atomic<int> counter{0};
    static const auto salt = std::random_device{}();
    return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(salt % 100000) +
           "_" + std::to_string(counter++);
}

const plugin_descriptor& load(std::string_view plugin) {
    // Never unloaded: store objects' code lives in these libraries.
    static std::mutex mutex;
    static std::map<std::string, boost::dll::shared_library, std::less<>> libraries;
    std::lock_guard lock(mutex);
    auto it = libraries.find(plugin);
    if (it == libraries.end()) {
        const std::filesystem::path path =
            std::filesystem::path(WARREN_PLUGIN_DIR) / (std::string(plugin) + ".so");
        it = libraries.emplace(std::string(plugin), boost::dll::shared_library(path)).first;
    }
    const auto& entry = it->second.get<plugin_entry_fn>(plugin_entry_symbol);
    return *entry();
}

}  // namespace

config_table store_config(std::string_view plugin, const config_values& values,
                          const std::filesystem::path& base_dir) {
    std::map<std::string, config_table::entry, std::less<>> entries;
    int line = 2;
    for (const auto& [key, value] : values)
        entries.emplace(
            key, config_table::entry{value, "gateway.toml:" + std::to_string(line++) + ":1"});
    return config_table("[store] (" + std::string(plugin) + ")", "gateway.toml:1:1", base_dir,
                        std::move(entries));
}

created_store create_store(std::string_view plugin, test_host& host, const config_table& config) {
    const plugin_descriptor& descriptor = load(plugin);
    if (descriptor.kind != plugin_kind::store)
        return {nullptr, std::string(plugin) + " is not a store"};
    create_result made = descriptor.create(host.context(plugin, config));
    if (!made.object) return {nullptr, made.error};
    auto* s = dynamic_cast<store*>(made.object.get());
    if (!s) return {nullptr, "the object is not a warren::store"};
    made.object.release();
    return {std::unique_ptr<store>(s), {}};
}

namespace postgres {

bool available() {
    return control_command() != nullptr;
}

std::string conninfo() {
    return output_of(quoted(control_command()) + " env");
}

bool control(std::string_view verb) {
    return std::system((quoted(control_command()) + " " + std::string(verb)).c_str()) == 0;
}

void execute(const std::string& sql) {
    soci::session admin;
    soci_store::postgresql_dialect().open(admin, conninfo());
    admin << sql;
}

std::string literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

}  // namespace postgres

std::string to_string(backend b) {
    return b == backend::sqlite ? "sqlite" : "postgres";
}

bool scratch_database::available(backend b) {
    return b == backend::sqlite || postgres::available();
}

scratch_database::scratch_database(backend b) : backend_(b) {
    if (b == backend::sqlite) {
        dir_ = std::filesystem::temp_directory_path() / unique_name("warren-store-");
        std::filesystem::create_directories(dir_);
        return;
    }
    database_ = unique_name("warren_test_");
    postgres::execute("CREATE DATABASE " + database_);
    // A later dbname overrides the first one in a libpq connection string.
    conninfo_ = postgres::conninfo() + " dbname=" + database_;
}

scratch_database::~scratch_database() {
    if (backend_ == backend::sqlite) {
        std::error_code ignored;  // a leftover temporary directory fails no test
        std::filesystem::remove_all(dir_, ignored);
        return;
    }
    try {
        postgres::execute("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // The cluster is deleted at the end of the run anyway (fixture teardown).
    }
}

std::string scratch_database::plugin() const {
    return backend_ == backend::sqlite ? "store-sqlite" : "store-postgres";
}

config_table scratch_database::config(const config_values& extra) const {
    config_values values = extra;
    if (backend_ == backend::sqlite) {
        values.emplace("path", std::string("store.db"));
        return store_config(plugin(), values, dir_);
    }
    values.emplace("connection", conninfo_);
    return store_config(plugin(), values);
}

const soci_store::dialect& scratch_database::dialect() const {
    return backend_ == backend::sqlite ? soci_store::sqlite_dialect()
                                       : soci_store::postgresql_dialect();
}

void scratch_database::open_raw(soci::session& session) const {
    dialect().open(session, backend_ == backend::sqlite ? (dir_ / "store.db").string() : conninfo_);
    dialect().prepare(session);
}

}  // namespace warren::test
