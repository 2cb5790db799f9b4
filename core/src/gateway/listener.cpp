#include "gateway/listener.hpp"

#include "gateway/http_connection.hpp"
#include "gateway/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detect_ssl.hpp>

#include <spdlog/spdlog.h>

namespace warren {
namespace net = boost::asio;
using net::ip::tcp;
using boost::system::error_code;

listener::listener(net::io_context& ioc, gateway_context& ctx, const tcp::endpoint& at, net::ssl::context* tls)
    : ioc_(ioc), ctx_(ctx), acceptor_(ioc), tls_(tls) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    if (at.address().is_v6()) acceptor_.set_option(net::ip::v6_only(false));
    acceptor_.bind(at);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::stop() {
    error_code ec;
    acceptor_.close(ec);
}

net::awaitable<void> listener::run() {
    for (;;) {
        auto strand = net::make_strand(ioc_);
        auto [ec, socket] = co_await acceptor_.async_accept(strand, net::as_tuple(net::use_awaitable));
        if (ec) {
            if (!acceptor_.is_open()) co_return;
            spdlog::warn("accept failed: {}", ec.message());
            if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
                // Out of file descriptors: pause rather than spin.
                net::steady_timer pause(ioc_, std::chrono::milliseconds(100));
                co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            }
            continue;
        }
        error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);
        socket.set_option(net::socket_base::keep_alive(true), opt_ec);
        net::co_spawn(strand, serve(std::move(socket)), net::detached);
    }
}

namespace {

// The peer's address as the limits key it: IPv4-mapped IPv6 as plain IPv4,
// so one client is one key whichever way the listener was bound.
std::string peer_address(const tcp::socket& socket) {
    error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (ec) return {};
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
    return addr.to_string();
}

}  // namespace

net::awaitable<void> listener::serve(tcp::socket socket) {
    // [limits] max_connections_per_ip, checked before any byte is read (or a
    // TLS handshake spent): over it the connection is closed at once. No 429:
    // writing an answer to a peer that is holding hundreds of sockets open
    // costs work, and over TLS there is no way to answer before a handshake.
    auto slot = ctx_.limits.connections.try_acquire(peer_address(socket));
    if (!slot) {
        ctx_.metrics.connections_refused.inc();
        spdlog::debug("connection from {} refused: max_connections_per_ip ({}) reached", peer_address(socket),
                      ctx_.limits.connections.max_per_key());
        error_code ignored;
        socket.close(ignored);
        co_return;
    }
    boost::beast::flat_buffer buffer;
    if (tls_) {
        // Bound the sniff and the TLS handshake (slowloris on the handshake).
        auto strand = co_await net::this_coro::executor;
        auto stream = std::make_shared<tls_stream>(std::move(socket), *tls_);
        net::steady_timer timer(strand);
        timer.expires_after(ctx_.config.limits.handshake_timeout);
        timer.async_wait([weak = std::weak_ptr<tls_stream>(stream)](error_code ec) {
            if (ec) return;
            if (auto s = weak.lock()) {
                error_code ignored;
                s->next_layer().close(ignored);
            }
        });
        auto [dec, is_tls] = co_await boost::beast::async_detect_ssl(stream->next_layer(), buffer,
                                                                     net::as_tuple(net::use_awaitable));
        if (dec) co_return;
        if (is_tls) {
            auto [hec, used] = co_await stream->async_handshake(net::ssl::stream_base::server, buffer.data(),
                                                                net::as_tuple(net::use_awaitable));
            timer.cancel();
            if (hec) {
                spdlog::debug("TLS handshake failed: {}", hec.message());
                co_return;
            }
            buffer.consume(used);
            auto conn = std::make_shared<http_connection<tls_stream>>(std::move(*stream), std::move(buffer), ctx_, true,
                                                                      std::move(*slot));
            co_await http_connection<tls_stream>::run(conn);
            co_return;
        }
        timer.cancel();
        socket = std::move(stream->next_layer());
    }
    auto conn = std::make_shared<http_connection<plain_stream>>(std::move(socket), std::move(buffer), ctx_, false,
                                                                 std::move(*slot));
    co_await http_connection<plain_stream>::run(conn);
}

}  // namespace warren
