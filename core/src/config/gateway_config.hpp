#pragma once
// The gateway's settings, read once at start from gateway.toml and command-line
// overrides, then shared read-only by every part of the core.
#include <warren/config_table.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warren {

struct server_settings {
    std::string listen = "127.0.0.1:8080";  // HOST:PORT; [::1]:PORT for IPv6; port 0 = any
    std::string domain = "localhost";       // tunnels are <name>.<domain>
    std::string public_url;                 // optional, e.g. "https://example.com"; else derived
    std::filesystem::path tls_cert;         // PEM chain; TLS on when cert and key are set
    std::filesystem::path tls_key;          // PEM private key
    unsigned threads = 1;                   // event-loop threads; 0 = one per CPU core
    unsigned blocking_threads = 4;          // the pool store and plugin calls run on
    std::chrono::milliseconds drain_timeout{30'000};  // SIGTERM grace period
};

struct tunnel_settings {
    bool allow_anonymous = true;
    std::chrono::milliseconds reclaim_grace{60'000};    // a dropped name stays reserved
    std::chrono::milliseconds request_timeout{30'000};  // no response head -> 504
    std::uint64_t max_body_bytes = 0;                   // 0 = unlimited; else 413
    std::uint32_t max_streams = 1000;                   // concurrent streams per tunnel
    std::uint32_t max_tunnels = 10'000;                 // connected tunnels per gateway
    std::uint32_t max_tunnels_per_user = 5;             // keyed tunnels a non-admin may own; 0 = none
    bool first_login_tunnel = true;                     // a user's first login creates one tunnel
    std::uint32_t stream_window = 4u << 20;             // per-stream credit, bytes
    std::uint32_t connection_window = 64u << 20;        // per-tunnel credit: 16 stalled readers before it binds
    std::uint32_t max_frame_payload = 64u << 10;        // DATA chunk size
    bool integrity = false;                             // require end-to-end SHA-256
    std::chrono::milliseconds ping_interval{15'000};
    std::chrono::milliseconds ping_timeout{10'000};
};

// A rate limit as written in [limits]: `tokens` per `per` ("100/s"), with a
// bucket of `burst` tokens. tokens == 0: the key was left out, no limit.
struct rate_setting {
    std::uint32_t tokens = 0;
    std::chrono::milliseconds per{1000};
    std::uint32_t burst = 0;  // 0 until read; then the key's _burst, or `tokens`
    bool enabled() const noexcept { return tokens > 0; }
};

struct limit_settings {
    std::uint32_t header_bytes = 32u << 10;            // request head, 431 above
    std::chrono::milliseconds header_timeout{10'000};  // slowloris guard
    std::chrono::milliseconds idle_timeout{120'000};   // keep-alive / body inactivity
    std::chrono::milliseconds handshake_timeout{10'000};
    std::uint32_t max_connections_per_ip = 256;  // open public connections per address; 0 = unlimited
    // Rate limits (token buckets, limits/): all off with rate_limits = false.
    bool rate_limits = true;
    rate_setting connects_per_ip;      // /_warren/connect
    rate_setting requests_per_ip;      // public requests (not /_health, /metrics)
    rate_setting requests_per_tunnel;  // public requests to one tunnel
    std::uint32_t rate_limit_keys = 100'000;  // addresses (or tunnels) each limiter tracks
    // RESET and WINDOW frames per second a tunnel client may send beyond what
    // its streams explain; above it the session is closed (mux abuse guard).
    std::uint32_t tunnel_resets_per_second = 1000;
};

// [sessions]: the dashboard's login sessions and admin API tokens.
struct session_settings {
    // The environment variable holding the signing secret (32+ bytes); empty:
    // one is generated on first start and kept in the store.
    std::string secret_env;
    std::chrono::milliseconds ttl{12 * 3600 * 1000};  // how long a login lasts
    // Print a one-time admin login link at start when no [[auth]] is configured.
    bool setup_link = true;
};

struct log_settings {
    std::string level = "info";   // trace|debug|info|warn|error|off
    std::string format = "text";  // text|json
};

// [plugins]: where plugin libraries are found, and what the host's HTTP
// client trusts besides the system store.
struct plugin_settings {
    // Searched in order for <dir>/<name>.so; relative ones are resolved
    // against the config file's directory. Empty: the plugin loader's default
    // (next to the executable, see plugins/plugin_loader.hpp).
    std::vector<std::filesystem::path> dirs;
    std::filesystem::path ca_file;  // PEM CA certificates for outbound HTTPS; optional
};

// One plugin table of gateway.toml: [store], an [[auth]] entry, an
// [[request_log]] entry or [dashboard].
struct plugin_choice {
    // As written: a name ("store-sqlite") or a path (has a '/' or ends in .so).
    std::string plugin;
    std::string section;  // "[store]", "[[auth]] #2", "[[request_log]] #1", "[dashboard]"
    std::string origin;   // "gateway.toml:14:1", where the table starts
    // The plugin's own keys (`plugin` and the host's keys removed); where() is
    // "[store] (store-sqlite)", base_dir() the config file's directory.
    config_table settings;
};

struct request_log_choice {
    plugin_choice plugin;
    std::size_t queue = 10'000;  // records buffered for this sink before new ones are dropped
};

struct gateway_config {
    std::filesystem::path source;  // the file it came from (empty if none)
    server_settings server;
    tunnel_settings tunnels;
    limit_settings limits;
    session_settings sessions;
    log_settings log;
    plugin_settings plugins;
    // The gateway needs a store, but a file without one still parses: the CLI
    // and the tests read such files; the gateway refuses them at start.
    std::optional<plugin_choice> store;
    std::vector<plugin_choice> auth;
    std::vector<request_log_choice> request_log;
    std::optional<plugin_choice> dashboard;
};

// Every invalid configuration throws config_error (from the SDK's
// config_table.hpp, so that core and plugin settings fail alike); what() is
// one line naming the file, the line and column, the table and the key, e.g.
//   gateway.toml:4:10: [server] listen: port must be 0-65535 (got "127.0.0.1:80800")
//   gateway.toml:9:1: [tunnels] max_stream: unknown key, did you mean max_streams?

// Parses and validates a gateway.toml. Unknown keys and tables, wrong types and
// bad values throw config_error, as does a file that cannot be read. Missing
// keys keep the defaults above. Relative paths (tls_cert, tls_key, [plugins]
// dir and ca_file) are resolved against the file's directory; so are relative
// plugin paths, by the plugin loader, through config_table::base_dir().
gateway_config load_gateway_config(const std::filesystem::path& file);

// Same, from a string (for tests); `name` is used in error messages and
// relative paths are joined to `base_dir` (left relative when it is empty).
gateway_config parse_gateway_config(std::string_view toml_text, const std::string& name,
                                    const std::filesystem::path& base_dir = {});

// Command-line flags that replace a value of the file (--listen, --domain,
// --log-format, --log-level); unset ones leave the file's value. The `{}`
// let callers name only the flags given: `{.listen = "0.0.0.0:80"}`.
struct config_overrides {
    std::optional<std::string> listen{};
    std::optional<std::string> domain{};
    std::optional<std::string> log_format{};
    std::optional<std::string> log_level{};
};

// Applies the overrides with the same checks as the file; throws config_error
// naming the flag, e.g. `--listen: port must be 0-65535 (got "h:70000")`.
void apply_overrides(gateway_config& config, const config_overrides& overrides);

// A validated `listen` value split for the listener: the host without the
// brackets of an IPv6 literal, and the port (0 = any free port).
struct listen_address {
    std::string host;
    std::uint16_t port = 0;
};

// Splits HOST:PORT as accepted by [server] listen; nullopt if it is not one.
std::optional<listen_address> parse_listen_address(std::string_view text);

}  // namespace warren
