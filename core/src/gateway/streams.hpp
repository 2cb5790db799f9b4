#pragma once
// The two kinds of public connection the gateway serves.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace warren {

using plain_stream = boost::asio::ip::tcp::socket;
using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

}  // namespace warren
