#pragma once
// A plugin's own table of gateway.toml ([store], one [[auth]] entry, ...),
// handed to its constructor. The host strips `plugin` and its own keys; the
// rest belongs to the plugin, which reads and validates every key it knows in
// its constructor. Afterwards the host reports any key the plugin never read
// as an unknown key (with the nearest known spelling), so a typo in a plugin
// setting is caught like one in a core setting.
//
// The accessors throw config_error with a one-line message naming the file,
// line, table and key, e.g.
//   gateway.toml:21:8: [store] (store-sqlite) busy_timeout: expected a duration like "5s" (got "5")
// Throwing is allowed here: the constructor runs inside the WARREN_PLUGIN
// factory, which turns the exception into an error result before it could
// cross the boundary (see plugin.hpp).
//
// Threading: not thread-safe; read it in the constructor only.
#include <warren/units.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace warren {

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class config_table {
public:
    // TOML values a plugin setting may have; arrays only of strings. Integers
    // that TOML writes as 10 stay integers; sizes and durations are strings.
    using value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

    struct entry {
        value v;
        std::string origin;  // "gateway.toml:21:8", where the value starts
    };

    config_table() = default;
    // `where` names the table in messages ("[store] (store-sqlite)"), `origin`
    // is where the table starts; relative paths are joined to `base_dir`.
    config_table(std::string where, std::string origin, std::filesystem::path base_dir,
                 std::map<std::string, entry, std::less<>> entries)
        : where_(std::move(where)),
          origin_(std::move(origin)),
          base_dir_(std::move(base_dir)),
          entries_(std::move(entries)) {}

    const std::string& where() const noexcept { return where_; }
    const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
    bool has(std::string_view key) const {
        mark(key);
        return entries_.find(key) != entries_.end();
    }

    std::optional<std::string> optional_string(std::string_view key) const {
        const entry* e = find(key);
        if (!e) return std::nullopt;
        if (auto s = std::get_if<std::string>(&e->v)) return *s;
        fail(key, "expected a string");
    }
    std::string string(std::string_view key, std::string_view fallback) const {
        auto s = optional_string(key);
        return s ? *s : std::string(fallback);
    }
    std::string required_string(std::string_view key) const {
        auto s = optional_string(key);
        if (!s) fail(key, "is required");
        if (s->empty()) fail(key, "must not be empty");
        return *s;
    }

    bool boolean(std::string_view key, bool fallback) const {
        const entry* e = find(key);
        if (!e) return fallback;
        if (auto b = std::get_if<bool>(&e->v)) return *b;
        fail(key, "expected true or false");
    }

    std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const {
        const entry* e = find(key);
        if (!e) return fallback;
        auto i = std::get_if<std::int64_t>(&e->v);
        if (!i) fail(key, "expected an integer");
        if (*i < min || *i > max)
            fail(key, "must be " + std::to_string(min) + "-" + std::to_string(max) + " (got " +
                          std::to_string(*i) + ")");
        return *i;
    }

    std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback,
                                       std::chrono::milliseconds min = std::chrono::milliseconds(0),
                                       std::chrono::milliseconds max =
                                           std::chrono::milliseconds::max()) const {
        const entry* e = find(key);
        if (!e) return fallback;
        auto s = std::get_if<std::string>(&e->v);
        std::optional<std::chrono::milliseconds> d;
        if (s) d = parse_duration(*s);
        if (!d) fail(key, "expected a duration like \"30s\", \"250ms\" or \"5m\"");
        if (*d < min || *d > max) fail(key, "is out of range (got \"" + *s + "\")");
        return *d;
    }

    std::uint64_t byte_size(std::string_view key, std::uint64_t fallback, std::uint64_t min = 0,
                            std::uint64_t max = UINT64_MAX) const {
        const entry* e = find(key);
        if (!e) return fallback;
        std::optional<std::uint64_t> n;
        if (auto s = std::get_if<std::string>(&e->v)) n = parse_byte_size(*s);
        if (auto i = std::get_if<std::int64_t>(&e->v); i && *i >= 0)
            n = static_cast<std::uint64_t>(*i);
        if (!n) fail(key, "expected a size like 1048576, \"64KiB\" or \"10MiB\"");
        if (*n < min || *n > max) fail(key, "is out of range");
        return *n;
    }

    // A string or an array of strings; empty when absent.
    std::vector<std::string> string_list(std::string_view key) const {
        const entry* e = find(key);
        if (!e) return {};
        if (auto s = std::get_if<std::string>(&e->v)) return {*s};
        if (auto l = std::get_if<std::vector<std::string>>(&e->v)) return *l;
        fail(key, "expected a string or an array of strings");
    }

    // A file path; a relative one is taken relative to the config file.
    std::filesystem::path path(std::string_view key, std::string_view fallback) const {
        std::filesystem::path p = string(key, fallback);
        if (p.is_relative() && !base_dir_.empty()) p = base_dir_ / p;
        return p;
    }

    // Secrets never sit in gateway.toml: the key names an environment variable
    // (`client_secret_env = "GITHUB_CLIENT_SECRET"`) and this returns its value.
    // Fails when the key or the variable is missing or the variable is empty;
    // the message names the variable, never a value.
    std::string secret_from_env(std::string_view key) const {
        auto secret = optional_secret_from_env(key);
        if (!secret) fail(key, "is required (the name of an environment variable holding the secret)");
        return *secret;
    }
    std::optional<std::string> optional_secret_from_env(std::string_view key) const {
        auto var = optional_string(key);
        if (!var) return std::nullopt;
        if (var->empty()) fail(key, "must name an environment variable");
        const char* v = std::getenv(var->c_str());
        if (!v || !*v) fail(key, "environment variable " + *var + " is not set or empty");
        return std::string(v);
    }

    // Throws config_error about `key` (or the table itself when key is empty).
    [[noreturn]] void fail(std::string_view key, std::string_view problem) const {
        const entry* e = nullptr;
        if (auto it = entries_.find(key); it != entries_.end()) e = &it->second;
        std::string msg = e ? e->origin : origin_;
        if (!msg.empty()) msg += ": ";
        msg += where_;
        if (!key.empty()) {
            msg += ' ';
            msg += key;
        }
        msg += ": ";
        msg += problem;
        throw config_error(msg);
    }

    // For the host: keys present in the table that nobody asked about.
    std::vector<std::string> unread_keys() const {
        std::vector<std::string> out;
        for (const auto& [k, e] : entries_)
            if (!read_.contains(k)) out.push_back(k);
        return out;
    }
    // For the host: every key the plugin asked about, present or not (what a
    // misspelt key was meant to be).
    std::vector<std::string> read_keys() const { return {read_.begin(), read_.end()}; }
    const std::map<std::string, entry, std::less<>>& entries() const noexcept { return entries_; }

private:
    void mark(std::string_view key) const { read_.emplace(key); }
    const entry* find(std::string_view key) const {
        mark(key);
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }

    std::string where_;
    std::string origin_;
    std::filesystem::path base_dir_;
    std::map<std::string, entry, std::less<>> entries_;
    mutable std::set<std::string, std::less<>> read_;
};

}  // namespace warren
