#include "config/gateway_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "config/values.hpp"

namespace warren {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::uint64_t kib = 1ull << 10;
constexpr std::uint64_t mib = 1ull << 20;
constexpr std::uint64_t gib = 1ull << 30;
constexpr milliseconds max_duration{24 * 3'600'000};

// Where a problem is, for the one shape every message has:
//   FILE:LINE:COL: [table] key: what is wrong (got X)
struct place {
    std::string file;
    std::string table;  // "[server]", "[[auth]]", or empty at the top level
    std::string key;    // empty when the message is about a whole table
    toml::source_position position;
};

// "FILE:LINE:COL", or FILE alone when the position is unknown.
std::string located(const std::string& file, const toml::source_position& position) {
    if (position.line == 0) return file;
    return concat({file, ":", std::to_string(position.line), ":", std::to_string(position.column)});
}

[[noreturn]] void fail(const place& at, std::string_view what) {
    std::string message = concat({located(at.file, at.position), ": "});
    const std::string_view separator = !at.table.empty() && !at.key.empty() ? " " : "";
    const auto subject = concat({at.table, separator, at.key});
    if (!subject.empty()) message += concat({subject, ": "});
    message += what;
    // One line, whatever the text quoted in it.
    std::replace(message.begin(), message.end(), '\n', ' ');
    throw config_error(message);
}

// A value as it was written, on one line, for "(got X)".
std::string shown(const toml::node& node) {
    if (node.is_table()) return "a table";
    if (node.is_array()) return "an array";
    if (const auto* text = node.as_string()) return quote_text(text->get());
    std::ostringstream out;
    node.visit([&out](const auto& value) {
        if constexpr (toml::is_value<decltype(value)>) out << value;
    });
    return out.str();
}

[[noreturn]] void fail_value(const place& at, const toml::node& node, std::string_view what) {
    fail(at, concat({what, " (got ", shown(node), ")"}));
}

template <class T>
const T& expect(const toml::node& node, const place& at, std::string_view expected) {
    const auto* value = node.as<T>();
    if (value == nullptr) fail_value(at, node, expected);
    return value->get();
}

// One known key of a table and how its value is checked and stored.
struct field {
    std::string_view key;
    std::function<void(const toml::node&, const place&)> read;
};

using checker = value_problem (*)(std::string_view);

field string_field(std::string_view key, std::string& out, checker check) {
    return {key, [&out, check](const toml::node& node, const place& at) {
                const auto& text = expect<std::string>(node, at, "expected a string");
                if (const auto problem = check(text)) fail_value(at, node, *problem);
                out = text;
            }};
}

// `if_empty` says what to do instead of writing an empty path.
field path_field(std::string_view key, fs::path& out, std::string_view if_empty) {
    return {key, [&out, if_empty](const toml::node& node, const place& at) {
                const auto& text = expect<std::string>(node, at, "expected a file path string");
                if (text.empty()) fail_value(at, node, concat({"must not be empty; ", if_empty}));
                out = text;
            }};
}

// A directory, or an array of them searched in order.
field dirs_field(std::string_view key, std::vector<fs::path>& out) {
    return {key, [&out](const toml::node& node, const place& at) {
                constexpr std::string_view expected =
                    "expected a directory path or an array of directory paths";
                std::vector<const toml::node*> items;
                if (const auto* list = node.as_array()) {
                    for (const auto& item : *list) items.push_back(&item);
                } else {
                    items.push_back(&node);
                }
                if (items.empty())
                    fail_value(at, node,
                               "must name a directory; leave the key out for the default");
                out.clear();
                for (const auto* item : items) {
                    const place item_at{at.file, at.table, at.key, item->source().begin};
                    const auto& text = expect<std::string>(*item, item_at, expected);
                    if (text.empty()) fail_value(item_at, *item, "must not be empty");
                    out.emplace_back(text);
                }
            }};
}

field bool_field(std::string_view key, bool& out) {
    return {key, [&out](const toml::node& node, const place& at) {
                out = expect<bool>(node, at, "expected true or false");
            }};
}

template <class T>
field count_field(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    return {key, [&out, min, max](const toml::node& node, const place& at) {
                const auto value = expect<std::int64_t>(node, at, "expected an integer");
                if (value < min || value > max)
                    fail_value(at, node,
                               concat({"must be between ", std::to_string(min), " and ",
                                       std::to_string(max)}));
                out = static_cast<T>(value);
            }};
}

template <class T>
field size_field(std::string_view key, T& out, std::uint64_t min, std::uint64_t max) {
    return {key, [&out, min, max](const toml::node& node, const place& at) {
                std::optional<std::uint64_t> bytes;
                if (const auto* number = node.as_integer(); number && number->get() >= 0)
                    bytes = static_cast<std::uint64_t>(number->get());
                else if (const auto* text = node.as_string())
                    bytes = parse_byte_size(text->get());
                if (!bytes)
                    fail_value(at, node,
                               "expected a size: an integer number of bytes or a string such "
                               "as \"512B\", \"64KiB\", \"4MiB\", \"1GiB\" or \"10MB\"");
                if (*bytes < min || *bytes > max)
                    fail_value(at, node,
                               concat({"must be between ", format_byte_size(min), " and ",
                                       format_byte_size(max)}));
                out = static_cast<T>(*bytes);
            }};
}

field duration_field(std::string_view key, milliseconds& out, milliseconds min, milliseconds max = max_duration) {
    return {key, [&out, min, max](const toml::node& node, const place& at) {
                std::optional<milliseconds> value;
                if (const auto* text = node.as_string()) value = parse_duration(text->get());
                if (!value)
                    fail_value(at, node,
                               "expected a duration string with a unit (ms, s, m, h or d), such as "
                               "\"250ms\", \"30s\", \"5m\" or \"1h\"");
                if (*value < min || *value > max)
                    fail_value(at, node,
                               concat({"must be between ", format_duration(min), " and ", format_duration(max)}));
                out = *value;
            }};
}

// A rate: "100/s"; its burst is a key of its own (`<key>_burst`).
field rate_field(std::string_view key, rate_setting& out) {
    return {key, [&out](const toml::node& node, const place& at) {
                std::optional<parsed_rate> rate;
                if (const auto* text = node.as_string()) rate = parse_rate(text->get());
                if (!rate)
                    fail_value(at, node,
                               "expected a rate string: a whole number of requests per second, "
                               "minute or hour, such as \"100/s\", \"600/m\" or \"1000/h\"");
                out.tokens = rate->tokens;
                out.per = rate->per;
            }};
}

value_problem check_env_name(std::string_view text) {
    const bool ok = !text.empty() && !(text[0] >= '0' && text[0] <= '9') &&
                    text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
                        std::string_view::npos;
    if (ok) return {};
    return {"must name an environment variable (letters, digits, _), not hold the secret itself"};
}

value_problem check_log_level(std::string_view text) {
    return check_one_of(text, log_levels);
}

value_problem check_log_format(std::string_view text) {
    return check_one_of(text, log_formats);
}

struct table_spec {
    std::string_view name;
    std::vector<field> fields;
};

// The tables gateway.toml may have, each reading into `config`.
std::vector<table_spec> table_specs(gateway_config& config) {
    constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();
    constexpr milliseconds zero{0};
    constexpr milliseconds positive{1};
    auto& server = config.server;
    auto& tunnels = config.tunnels;
    auto& limits = config.limits;
    auto& log = config.log;
    return {
        {"server",
         {string_field("listen", server.listen, check_listen),
          string_field("domain", server.domain, check_domain),
          string_field("public_url", server.public_url, check_public_url),
          path_field("tls_cert", server.tls_cert, "leave the key out to turn TLS off"),
          path_field("tls_key", server.tls_key, "leave the key out to turn TLS off"),
          count_field("threads", server.threads, 0, 1024),
          count_field("blocking_threads", server.blocking_threads, 1, 256),
          duration_field("drain_timeout", server.drain_timeout, zero)}},
        {"tunnels",
         {bool_field("allow_anonymous", tunnels.allow_anonymous),
          duration_field("reclaim_grace", tunnels.reclaim_grace, zero),
          duration_field("request_timeout", tunnels.request_timeout, positive),
          // Bounded only so that an absurd value is caught as a typo.
          size_field("max_body_bytes", tunnels.max_body_bytes, 0, 1ull << 50),
          count_field("max_streams", tunnels.max_streams, 1, u32_max),
          count_field("max_tunnels", tunnels.max_tunnels, 1, u32_max),
          count_field("max_tunnels_per_user", tunnels.max_tunnels_per_user, 0, 1'000'000),
          bool_field("first_login_tunnel", tunnels.first_login_tunnel),
          size_field("stream_window", tunnels.stream_window, 64 * kib, gib),
          size_field("connection_window", tunnels.connection_window, 64 * kib, gib),
          size_field("max_frame_payload", tunnels.max_frame_payload, kib, mib),
          bool_field("integrity", tunnels.integrity),
          duration_field("ping_interval", tunnels.ping_interval, positive),
          duration_field("ping_timeout", tunnels.ping_timeout, positive)}},
        {"limits",
         {size_field("header_bytes", limits.header_bytes, kib, mib),
          duration_field("header_timeout", limits.header_timeout, positive),
          duration_field("idle_timeout", limits.idle_timeout, positive),
          duration_field("handshake_timeout", limits.handshake_timeout, positive),
          count_field("max_connections_per_ip", limits.max_connections_per_ip, 0, 1'000'000),
          bool_field("rate_limits", limits.rate_limits),
          rate_field("connects_per_ip", limits.connects_per_ip),
          count_field("connects_per_ip_burst", limits.connects_per_ip.burst, 1, 1'000'000'000),
          rate_field("requests_per_ip", limits.requests_per_ip),
          count_field("requests_per_ip_burst", limits.requests_per_ip.burst, 1, 1'000'000'000),
          rate_field("requests_per_tunnel", limits.requests_per_tunnel),
          count_field("requests_per_tunnel_burst", limits.requests_per_tunnel.burst, 1, 1'000'000'000),
          count_field("rate_limit_keys", limits.rate_limit_keys, 16, 100'000'000),
          count_field("tunnel_resets_per_second", limits.tunnel_resets_per_second, 1, 1'000'000'000)}},
        {"sessions",
         {string_field("secret_env", config.sessions.secret_env, check_env_name),
          duration_field("ttl", config.sessions.ttl, milliseconds(60'000), milliseconds(90LL * 86'400'000)),
          bool_field("setup_link", config.sessions.setup_link)}},
        {"log",
         {string_field("level", log.level, check_log_level),
          string_field("format", log.format, check_log_format)}},
        {"plugins",
         {dirs_field("dir", config.plugins.dirs),
          path_field("ca_file", config.plugins.ca_file,
                     "leave the key out to trust the system store alone")}},
    };
}

// toml++ keeps a table sorted by key; walking it in file order instead makes
// the first problem reported the first one a reader of the file meets.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& pa = a.first->source().begin;
        const auto& pb = b.first->source().begin;
        return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
    });
    return entries;
}

std::string unknown_key(std::string_view key, const table_spec& spec) {
    std::vector<std::string_view> known;
    for (const auto& f : spec.fields) known.push_back(f.key);
    const auto nearest = nearest_name(key, known);
    if (!nearest.empty()) return concat({"unknown key, did you mean ", nearest, "?"});
    return concat({"unknown key (expected one of ", join_names(known), ")"});
}

void read_table(const toml::table& table, const table_spec& spec, const std::string& file) {
    const auto label = concat({"[", spec.name, "]"});
    for (const auto& [key, node] : in_file_order(table)) {
        const auto name = key->str();
        const auto known = std::find_if(spec.fields.begin(), spec.fields.end(),
                                        [&](const field& f) { return f.key == name; });
        if (known == spec.fields.end())
            fail({file, label, std::string(name), key->source().begin}, unknown_key(name, spec));
        known->read(*node, {file, label, std::string(name), node->source().begin});
    }
}

// Where the file is, for what is resolved against it.
struct source_file {
    std::string name;   // as in messages
    fs::path base_dir;  // relative paths are joined to it, when not empty
};

// A plugin's own setting, in one of the flat shapes config_table holds.
config_table::value plugin_value(const toml::node& node, const place& at) {
    if (const auto* flag = node.as_boolean()) return flag->get();
    if (const auto* number = node.as_integer()) return number->get();
    if (const auto* number = node.as_floating_point()) return number->get();
    if (const auto* text = node.as_string()) return text->get();
    if (const auto* list = node.as_array()) {
        std::vector<std::string> items;
        for (const auto& item : *list) {
            const place item_at{at.file, at.table, at.key, item.source().begin};
            items.push_back(expect<std::string>(item, item_at, "expected an array of strings"));
        }
        return items;
    }
    fail_value(at, node,
               "expected a boolean, a number, a string or an array of strings: plugin settings "
               "are flat");
}

// One plugin table: `plugin`, the host's own keys (`host_fields`, read into
// their targets) and the rest, which is the plugin's.
plugin_choice read_plugin_table(const toml::table& table, std::string section,
                                const std::vector<field>& host_fields, const source_file& source) {
    std::string plugin;
    std::map<std::string, config_table::entry, std::less<>> settings;
    for (const auto& [key, node] : in_file_order(table)) {
        const std::string name(key->str());
        const place at{source.name, section, name, node->source().begin};
        const auto host = std::find_if(host_fields.begin(), host_fields.end(),
                                       [&](const field& f) { return f.key == name; });
        if (name == "plugin") {
            plugin = expect<std::string>(*node, at,
                                         "expected a string: a plugin name such as "
                                         "\"store-sqlite\", or the path of a .so file");
            if (plugin.empty()) fail_value(at, *node, "must not be empty");
        } else if (host != host_fields.end()) {
            host->read(*node, at);
        } else {
            settings.emplace(name, config_table::entry{plugin_value(*node, at),
                                                       located(source.name, at.position)});
        }
    }
    const auto start = table.source().begin;
    if (plugin.empty())
        fail({source.name, section, "plugin", start},
             "is required: a plugin name such as \"store-sqlite\", or the path of a .so file");
    auto origin = located(source.name, start);
    auto where = concat({section, " (", plugin, ")"});
    config_table table_settings(std::move(where), origin, source.base_dir, std::move(settings));
    return {std::move(plugin), std::move(section), std::move(origin), std::move(table_settings)};
}

// A table choosing a plugin: [name] at most once, or [[name]] any number of
// times; `read` parses one table, named `section` in messages, into the config.
struct plugin_table_spec {
    std::string_view name;
    bool many;
    std::function<void(const toml::table&, std::string section)> read;
};

std::string table_label(std::string_view name, bool many) {
    return many ? concat({"[[", name, "]]"}) : concat({"[", name, "]"});
}

std::vector<plugin_table_spec> plugin_table_specs(gateway_config& config,
                                                  const source_file& source) {
    const auto one = [&source](std::optional<plugin_choice>& out) {
        return [&out, &source](const toml::table& table, std::string section) {
            out = read_plugin_table(table, std::move(section), {}, source);
        };
    };
    return {
        {"store", false, one(config.store)},
        {"auth", true,
         [&config, &source](const toml::table& table, std::string section) {
             config.auth.push_back(read_plugin_table(table, std::move(section), {}, source));
         }},
        {"request_log", true,
         [&config, &source](const toml::table& table, std::string section) {
             request_log_choice entry;
             entry.plugin =
                 read_plugin_table(table, std::move(section),
                                   {count_field("queue", entry.queue, 1, 1'000'000)}, source);
             config.request_log.push_back(std::move(entry));
         }},
        {"dashboard", false, one(config.dashboard)},
    };
}

void read_plugin_tables(const plugin_table_spec& spec, const toml::node& node,
                        const std::string& file) {
    const auto single = table_label(spec.name, false);
    const auto many = table_label(spec.name, true);
    const auto position = node.source().begin;
    if (!spec.many) {
        if (const auto* table = node.as_table()) return spec.read(*table, single);
        if (node.is_array_of_tables())
            fail({file, many, "", position},
                 concat({"expected one table ", single, " (got an array of tables)"}));
        fail_value({file, "", std::string(spec.name), position}, node,
                   concat({"expected a table ", single}));
    }
    const auto* list = node.as_array();
    if (list == nullptr) {
        if (node.is_table())
            fail({file, single, "", position},
                 concat({"expected an array of tables ", many, " (got a table)"}));
        fail_value({file, "", std::string(spec.name), position}, node,
                   concat({"expected an array of tables ", many}));
    }
    std::size_t number = 0;
    for (const auto& item : *list) {
        const auto section = concat({many, " #", std::to_string(++number)});
        const auto* table = item.as_table();
        if (table == nullptr)
            fail_value({file, section, "", item.source().begin}, item, "expected a table");
        spec.read(*table, section);
    }
}

// A name at the top level that is not one of our tables.
[[noreturn]] void fail_unknown_top_level(const std::vector<table_spec>& specs,
                                         const std::vector<plugin_table_spec>& plugin_specs,
                                         const toml::key& key, const toml::node& node,
                                         const std::string& file) {
    const std::string name(key.str());
    std::vector<std::string_view> tables;
    for (const auto& spec : specs) tables.push_back(spec.name);
    for (const auto& spec : plugin_specs) tables.push_back(spec.name);
    const auto position = key.source().begin;
    if (node.is_table() || node.is_array_of_tables()) {
        const auto label = table_label(name, node.is_array_of_tables());
        const auto nearest = nearest_name(name, tables);
        if (!nearest.empty()) {
            const auto plugin_spec =
                std::find_if(plugin_specs.begin(), plugin_specs.end(),
                             [&](const plugin_table_spec& s) { return s.name == nearest; });
            const bool many = plugin_spec != plugin_specs.end() && plugin_spec->many;
            fail({file, label, "", position},
                 concat({"unknown table, did you mean ", table_label(nearest, many), "?"}));
        }
        fail({file, label, "", position},
             concat({"unknown table (expected one of ", join_names(tables), ")"}));
    }
    // Most likely a key written above its table header.
    for (const auto& spec : specs) {
        for (const auto& f : spec.fields) {
            if (f.key == name)
                fail({file, "", name, position},
                     concat({"unknown top-level key, did you mean [", spec.name, "] ", name, "?"}));
        }
    }
    fail({file, "", name, position},
         concat({"unknown top-level key (keys belong in the tables ", join_names(tables), ")"}));
}

place place_of(const toml::table& root, std::string_view table, std::string_view key,
               const std::string& file) {
    const auto* node = root[table][key].node();
    return {file, concat({"[", table, "]"}), std::string(key),
            node != nullptr ? node->source().begin : toml::source_position{}};
}

// Rules between keys, checked once every key is read.
void check_consistency(const gateway_config& config, const toml::table& root,
                       const std::string& file) {
    const auto& server = config.server;
    if (server.tls_cert.empty() != server.tls_key.empty()) {
        const bool has_cert = !server.tls_cert.empty();
        fail(place_of(root, "server", has_cert ? "tls_cert" : "tls_key", file),
             has_cert ? "is set without tls_key; TLS needs both"
                      : "is set without tls_cert; TLS needs both");
    }
    // A burst only shapes a rate: alone it would silently limit nothing.
    for (const auto* name : {"connects_per_ip", "requests_per_ip", "requests_per_tunnel"}) {
        const auto burst = concat({name, "_burst"});
        if (root["limits"][burst].node() != nullptr && root["limits"][name].node() == nullptr)
            fail(place_of(root, "limits", burst, file),
                 concat({"is set without ", name, "; give the rate too, e.g. ", name, " = \"100/s\""}));
    }
    const auto& tunnels = config.tunnels;
    if (tunnels.max_frame_payload > tunnels.stream_window) {
        // Both minimums make this reachable only with max_frame_payload set.
        const auto at = place_of(root, "tunnels", "max_frame_payload", file);
        fail(at, concat({"must not exceed stream_window (", format_byte_size(tunnels.stream_window),
                         "), or no stream could ever send a full frame (got ",
                         format_byte_size(tunnels.max_frame_payload), ")"}));
    }
}

}  // namespace

gateway_config parse_gateway_config(std::string_view toml_text, const std::string& name,
                                    const fs::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(toml_text, std::string_view(name));
    } catch (const toml::parse_error& e) {
        fail({name, "", "", e.source().begin}, e.description());
    }

    gateway_config config;
    const auto specs = table_specs(config);
    const source_file source{name, base_dir};
    const auto plugin_specs = plugin_table_specs(config, source);
    for (const auto& [key, node] : in_file_order(root)) {
        const auto plugin_spec =
            std::find_if(plugin_specs.begin(), plugin_specs.end(),
                         [&](const plugin_table_spec& s) { return s.name == key->str(); });
        if (plugin_spec != plugin_specs.end()) {
            read_plugin_tables(*plugin_spec, *node, name);
            continue;
        }
        const auto spec = std::find_if(specs.begin(), specs.end(),
                                       [&](const table_spec& s) { return s.name == key->str(); });
        if (spec == specs.end()) fail_unknown_top_level(specs, plugin_specs, *key, *node, name);
        const auto* table = node->as_table();
        if (table == nullptr)
            fail_value({name, "", std::string(key->str()), node->source().begin}, *node,
                       concat({"expected a table [", spec->name, "]"}));
        read_table(*table, *spec, name);
    }
    check_consistency(config, root, name);

    // A rate's burst defaults to its count: "100/s" lets 100 through at once.
    for (auto* rate : {&config.limits.connects_per_ip, &config.limits.requests_per_ip,
                       &config.limits.requests_per_tunnel}) {
        if (rate->enabled() && rate->burst == 0) rate->burst = rate->tokens;
    }

    auto& server = config.server;
    if (server.public_url.ends_with('/')) server.public_url.pop_back();
    std::vector<fs::path*> paths{&server.tls_cert, &server.tls_key, &config.plugins.ca_file};
    for (auto& dir : config.plugins.dirs) paths.push_back(&dir);
    for (auto* path : paths) {
        if (!path->empty() && path->is_relative() && !base_dir.empty())
            *path = (base_dir / *path).lexically_normal();
    }
    return config;
}

gateway_config load_gateway_config(const fs::path& file) {
    const auto name = file.string();
    std::error_code ec;
    if (fs::is_directory(file, ec))
        throw config_error(concat({name, ": is a directory, not a file"}));
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error(concat({name, ": cannot open: ", std::strerror(errno)}));
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw config_error(concat({name, ": cannot read: ", std::strerror(errno)}));

    // Relative paths follow the file, not the directory the gateway runs in.
    auto dir = fs::absolute(file, ec).parent_path();
    if (ec) dir = file.parent_path();
    auto config = parse_gateway_config(text, name, dir);
    config.source = file;
    return config;
}

void apply_overrides(gateway_config& config, const config_overrides& overrides) {
    const auto apply = [](std::string_view flag, const std::optional<std::string>& value,
                          std::string& out, checker check) {
        if (!value) return;
        if (const auto problem = check(*value))
            throw config_error(concat({flag, ": ", *problem, " (got ", quote_text(*value), ")"}));
        out = *value;
    };
    apply("--listen", overrides.listen, config.server.listen, check_listen);
    apply("--domain", overrides.domain, config.server.domain, check_domain);
    apply("--log-format", overrides.log_format, config.log.format, check_log_format);
    apply("--log-level", overrides.log_level, config.log.level, check_log_level);
}

}  // namespace warren
