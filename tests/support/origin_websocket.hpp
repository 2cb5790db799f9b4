// WebSocket echo for the test origin's /ws endpoint.
//
// Hand-rolled framing rather than websocket::stream because the contract is
// to answer a peer's close frame with the same code *and reason*, and Beast's
// read operation answers a close by itself with the code only. Owning the
// framing also keeps bytes the peer sent right after its upgrade request
// (they are already in the session's buffer).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "origin_request.hpp"

namespace warren::test {

// Whether the request asks for a WebSocket upgrade we can answer (GET,
// HTTP/1.1, Upgrade: websocket, Sec-WebSocket-Version: 13, a key).
bool is_websocket_upgrade(const request_parser& req);

// Answers the upgrade with 101, then echoes text and binary messages (up to
// 64 MiB, each sent back as one frame of the same type), answers pings, and
// mirrors the peer's close frame. Returns when the connection should close;
// the value is always true (g++ 12.2 miscompiles awaiting awaitable<void>
// from a coroutine that returns a value, see test_origin.cpp).
boost::asio::awaitable<bool> serve_websocket(boost::beast::tcp_stream& stream,
                                             boost::beast::flat_buffer& buffer,
                                             const request_parser& req);

}  // namespace warren::test
