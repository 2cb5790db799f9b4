#pragma once
// The JSON messages exchanged right after the WebSocket upgrade (text frames):
// the client's hello and the gateway's ready. Admission (name, key, ownership
// token) happens before the upgrade, so a refusal is a plain HTTP answer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warren::proto {

struct hello_message {
    unsigned version = 1;
    std::string client;                  // e.g. "warren/0.1.0"
    bool integrity = false;              // client wants end-to-end SHA-256 of bodies
    std::uint32_t stream_window = 0;     // what the client grants per stream
    std::uint32_t connection_window = 0; // what the client grants per connection
};

struct ready_message {
    unsigned version = 1;
    std::string name;
    std::string url;              // public URL of the tunnel
    std::string ownership_token;  // reclaims the name on reconnect
    bool integrity = false;       // digests on in both directions
    std::uint32_t stream_window = 0;      // what the gateway grants per stream
    std::uint32_t connection_window = 0;  // what the gateway grants per connection
    std::uint32_t max_frame_payload = 0;
    std::uint32_t max_streams = 0;
    std::uint64_t max_body_bytes = 0;
    std::uint64_t request_timeout_ms = 0;
    std::uint64_t ping_interval_ms = 0;
    std::uint64_t ping_timeout_ms = 0;  // 0: not sent (older gateways)
};

std::string serialize(const hello_message& m);
std::string serialize(const ready_message& m);

// nullopt with `error` set when the text is not a valid message of that kind.
std::optional<hello_message> parse_hello(std::string_view text, std::string& error);
std::optional<ready_message> parse_ready(std::string_view text, std::string& error);

}  // namespace warren::proto
