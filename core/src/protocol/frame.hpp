#pragma once
// Warren wire protocol v1: binary frames, one per WebSocket message.
//
//   type u8 | flags u8 | reserved u16 (0) | stream_id u32 (big endian) | payload
//
// docs/PROTOCOL.md is the normative description; this file is its code.
#include "http/http_head.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warren::proto {

constexpr unsigned protocol_version = 1;
constexpr std::string_view subprotocol = "warren.v1";
constexpr std::string_view token_subprotocol_prefix = "warren-token.";  // + base64url(key)
constexpr std::string_view owner_subprotocol_prefix = "warren-owner.";  // + ownership token
constexpr std::string_view connect_path = "/_warren/connect";
constexpr std::size_t frame_header_size = 8;

enum class frame_type : std::uint8_t {
    open = 1,      // gateway -> client: request head, opens stream_id
    response = 2,  // client -> gateway: response head (1xx interim heads may precede the final)
    data = 3,      // body bytes, either direction
    window = 4,    // credit increment; stream_id 0 = whole connection
    reset = 5,     // abort one stream, with a code
    goaway = 6,    // stream_id 0: no new streams; see goaway_code
};

// Flag bits; which ones are meaningful depends on the frame type.
namespace flag {
constexpr std::uint8_t end = 0x01;      // OPEN/RESPONSE: no body follows; DATA: last body frame
constexpr std::uint8_t meta = 0x02;     // DATA (with end): payload is an end block, not body bytes
constexpr std::uint8_t chunked = 0x04;  // OPEN/RESPONSE: body was / is to be sent chunked
constexpr std::uint8_t upgrade = 0x08;  // OPEN: upgrade request; after a 101, DATA carries raw bytes
}  // namespace flag

enum class reset_code : std::uint32_t {
    cancel = 1,            // the sender no longer wants the stream (e.g. public client left)
    refused = 2,           // never processed: safe to retry ("not delivered")
    protocol_error = 3,
    flow_control_error = 4,
    upstream_failed = 5,   // client could not reach or read the local server: 502
    timeout = 6,
    integrity = 7,         // end-to-end SHA-256 mismatch: 502
    internal = 8,
    too_large = 9,         // body over a limit: 413
};

enum class goaway_code : std::uint32_t {
    draining = 1,        // gateway shutting down or rebalancing: reconnect elsewhere/later
    replaced = 2,        // another session of the same owner took over: the client stops
    protocol_error = 3,
    normal = 4,          // client is leaving (Ctrl-C)
};

struct frame_header {
    frame_type type{};
    std::uint8_t flags = 0;
    std::uint32_t stream_id = 0;
};

// Writes the 8-byte header to out.
void encode_header(const frame_header& h, char* out) noexcept;

// Parses the header of a received message; nullopt if shorter than 8 bytes,
// the type is unknown or reserved bits are set.
std::optional<frame_header> decode_header(std::string_view message) noexcept;

// A whole frame (header + payload) in one string, ready to write.
std::string make_frame(const frame_header& h, std::string_view payload);

// --- payload codecs (payload = message without its 8-byte header) -----------
// All decoders return nullopt on malformed input; they never throw.

std::string encode_open(const request_head& head, std::uint32_t epoch);
struct open_payload {
    request_head head;
    std::uint32_t epoch = 0;
};
std::optional<open_payload> decode_open(std::string_view payload);

std::string encode_response(const response_head& head);
std::optional<response_head> decode_response(std::string_view payload);

// The end block of a body: optional SHA-256 of every body byte, and trailers.
struct end_block {
    std::optional<std::array<unsigned char, 32>> sha256;
    header_list trailers;
};
std::string encode_end_block(const end_block& b);
std::optional<end_block> decode_end_block(std::string_view payload);

std::string encode_u32(std::uint32_t v);
std::optional<std::uint32_t> decode_window(std::string_view payload);

struct reason_payload {
    std::uint32_t code = 0;
    std::string reason;  // UTF-8, at most 1 KiB
};
std::string encode_reason(std::uint32_t code, std::string_view reason);
std::optional<reason_payload> decode_reason(std::string_view payload);

std::string_view to_string(reset_code c) noexcept;
std::string_view to_string(goaway_code c) noexcept;

}  // namespace warren::proto
