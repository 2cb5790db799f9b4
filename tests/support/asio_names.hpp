// The short names the tests and the test origin use for Asio, Beast and
// Boost.JSON, and the completion token that returns errors as values. Only
// for code that includes Asio anyway: harness.hpp stays free of it.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

// Opened here so the aliases below need no Beast or JSON header; each file
// includes the parts it uses.
namespace boost::beast::http {}
namespace boost::beast::websocket {}
namespace boost::json {}

namespace warren::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

// `auto [ec, n] = co_await op(..., tuple_awaitable)`: no exceptions to catch.
inline constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

}  // namespace warren::test
