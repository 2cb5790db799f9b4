#pragma once
// frame_transport over Beast's websocket::stream<NextLayer>, where NextLayer
// is tcp::socket or ssl::stream<tcp::socket>. The stream must already be open
// (handshake done) and configured by the caller (timeouts, buffer sizes).
#include "protocol/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace warren::proto {

template <class NextLayer>
class websocket_transport final : public frame_transport {
public:
    explicit websocket_transport(boost::beast::websocket::stream<NextLayer> ws) : ws_(std::move(ws)) {
        boost::system::error_code ec;
        auto ep = boost::beast::get_lowest_layer(ws_).remote_endpoint(ec);
        if (!ec) remote_ip_ = ep.address().to_string();
    }

    boost::asio::awaitable<boost::system::error_code> read(boost::beast::flat_buffer& buf,
                                                           bool& text) override {
        buf.clear();
        auto [ec, n] = co_await ws_.async_read(buf, boost::asio::as_tuple(boost::asio::use_awaitable));
        (void)n;
        text = ws_.got_text();
        co_return ec;
    }

    boost::asio::awaitable<boost::system::error_code> write(
        const std::array<boost::asio::const_buffer, 2>& bufs, bool text) override {
        ws_.text(text);
        auto [ec, n] = co_await ws_.async_write(bufs, boost::asio::as_tuple(boost::asio::use_awaitable));
        (void)n;
        co_return ec;
    }

    boost::asio::awaitable<void> close(boost::beast::websocket::close_reason reason) override {
        if (!ws_.is_open()) co_return;
        auto [ec] = co_await ws_.async_close(reason, boost::asio::as_tuple(boost::asio::use_awaitable));
        (void)ec;
    }

    void abort() noexcept override {
        boost::system::error_code ec;
        auto& sock = boost::beast::get_lowest_layer(ws_);
        sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        sock.close(ec);
    }

    std::string remote_ip() const override { return remote_ip_; }

private:
    boost::beast::websocket::stream<NextLayer> ws_;
    std::string remote_ip_;
};

}  // namespace warren::proto
