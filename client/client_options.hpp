#pragma once
// What `warren http ...` was asked to do.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace warren::client {

struct client_options {
    // The local server: scheme is http; host and port as given.
    std::string local_host = "127.0.0.1";
    std::string local_port = "3000";
    std::string local_url() const;   // "http://127.0.0.1:3000"
    std::string local_authority() const;  // "127.0.0.1:3000" (for --host-header=rewrite)

    std::string server_url = "http://localhost:8080";
    std::string name;         // wanted name, empty = any
    std::string token;        // API key (never printed)
    bool rewrite_host = false;
    bool integrity = false;
    bool quiet = false;       // no per-request lines
    std::filesystem::path ca_file;
    std::uint32_t stream_window = 4u << 20;
    std::uint32_t connection_window = 64u << 20;
    std::size_t max_idle_connections = 64;  // keep-alive pool to the local server
};

// Parses argv ("warren http 3000 --name demo"). Returns nullopt after printing
// help or an error; `exit_code` says which (0 help, 2 usage error).
std::optional<client_options> parse_command_line(int argc, char** argv, int& exit_code);

// "3000", "localhost:3000", "http://127.0.0.1:3000" -> host and port; false if invalid.
bool parse_local_target(const std::string& target, client_options& out, std::string& error);

}  // namespace warren::client
