#pragma once
// HTTP/1.x wire form of heads and chunk framing. Heads are written as held:
// field order, name case and duplicates are kept, so what the parser read
// comes out byte for byte (with "Name: value" spacing).
#include "http/http_head.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace warren::http {

// "METHOD target HTTP/1.x\r\n" + fields + "\r\n". The version is the head's
// (10 → HTTP/1.0, anything else → HTTP/1.1): set it to 11 before forwarding
// if the next hop should see our own version.
std::string serialize_head(const request_head& head);

// "HTTP/1.x status reason\r\n" + fields + "\r\n"; an empty reason is replaced
// by the standard phrase, or left empty for codes without one.
std::string serialize_head(const response_head& head);

// "1a2b\r\n": the size line before n bytes of chunk data (n > 0). The CRLF
// after the data is the caller's (chunk_crlf).
std::string chunk_header(std::size_t n);

// Ends a chunk's data.
inline constexpr std::string_view chunk_crlf = "\r\n";

// "0\r\n" + trailers + "\r\n": ends a chunked body.
std::string last_chunk(const header_list& trailers);

}  // namespace warren::http
