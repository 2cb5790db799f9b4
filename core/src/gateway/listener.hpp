#pragma once
// Accepts public connections on one address. Each connection gets its own
// strand; with TLS configured, the first bytes decide between HTTPS and plain
// HTTP on the same port.
#include "gateway/gateway_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace warren {

class listener {
public:
    // Binds and listens at once, so errors (address in use) surface at start.
    listener(boost::asio::io_context& ioc, gateway_context& ctx, const boost::asio::ip::tcp::endpoint& at,
             boost::asio::ssl::context* tls);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    // Accepts until stop().
    boost::asio::awaitable<void> run();
    void stop();

private:
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    gateway_context& ctx_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::ssl::context* tls_;
};

}  // namespace warren
