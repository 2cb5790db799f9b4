#pragma once
// The message transport under a mux session: a WebSocket over TCP or TLS.
// The mux only needs "read one message" and "write one message", so it is
// written once against this interface instead of once per stream type.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <string>

namespace warren::proto {

class frame_transport {
public:
    virtual ~frame_transport() = default;

    // Reads one whole message into buf (cleared first); text tells its kind.
    virtual boost::asio::awaitable<boost::system::error_code> read(boost::beast::flat_buffer& buf,
                                                                   bool& text) = 0;
    // Writes one message made of up to two buffers (frame header + payload).
    virtual boost::asio::awaitable<boost::system::error_code> write(
        const std::array<boost::asio::const_buffer, 2>& bufs, bool text) = 0;
    // Sends a WebSocket close and waits (bounded by the stream's timeouts).
    virtual boost::asio::awaitable<void> close(boost::beast::websocket::close_reason reason) = 0;
    // Closes the TCP connection now; pending operations fail.
    virtual void abort() noexcept = 0;
    // The peer's IP address as text ("127.0.0.1", "::1").
    virtual std::string remote_ip() const = 0;
};

}  // namespace warren::proto
