#include "client/local_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace warren::client {
namespace net = boost::asio;
using net::ip::tcp;

namespace {

// Servers close idle keep-alive connections on their own schedule; an idle
// socket that is readable (EOF or stray bytes) is not safe to send on.
bool still_idle(tcp::socket& s) {
    char c;
    const auto n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// Idle connections older than this are dropped rather than risked.
constexpr std::chrono::seconds max_idle_age{30};

}  // namespace

local_pool::local_pool(net::any_io_executor ex, std::string host, std::string port, std::size_t max_idle)
    : ex_(std::move(ex)), host_(std::move(host)), port_(std::move(port)), max_idle_(max_idle) {}

net::awaitable<std::optional<local_pool::lease>> local_pool::acquire(std::string& error) {
    const auto now = std::chrono::steady_clock::now();
    while (!idle_.empty()) {
        idle_connection c = std::move(idle_.back());
        idle_.pop_back();
        if (now - c.since < max_idle_age && still_idle(c.socket)) co_return lease{std::move(c.socket), true};
    }
    tcp::resolver resolver(ex_);
    auto [rec, endpoints] = co_await resolver.async_resolve(host_, port_, net::as_tuple(net::use_awaitable));
    if (rec) {
        error = "cannot resolve local server " + host_ + ": " + rec.message();
        co_return std::nullopt;
    }
    tcp::socket socket(ex_);
    auto [cec, ep] = co_await net::async_connect(socket, endpoints, net::as_tuple(net::use_awaitable));
    if (cec) {
        error = "cannot reach the local server at " + host_ + ":" + port_ + ": " + cec.message();
        co_return std::nullopt;
    }
    (void)ep;
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    co_return lease{std::move(socket), false};
}

void local_pool::release(tcp::socket socket) {
    if (!socket.is_open()) return;
    if (idle_.size() >= max_idle_) idle_.pop_front();
    idle_.push_back({std::move(socket), std::chrono::steady_clock::now()});
}

}  // namespace warren::client
