#pragma once
// Keep-alive connections to the local server, reused across requests so a
// burst of small requests does not pay a TCP handshake each.
// Single-threaded: used only from the client's io_context thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <deque>
#include <string>

namespace warren::client {

class local_pool {
public:
    local_pool(boost::asio::any_io_executor ex, std::string host, std::string port, std::size_t max_idle);

    struct lease {
        boost::asio::ip::tcp::socket socket;
        bool reused = false;  // came from the pool: may have been closed by the server meanwhile
    };

    // An idle connection if one is alive, else a new one. On failure, `error`
    // says why in words a user understands ("connection refused by 127.0.0.1:3000").
    boost::asio::awaitable<std::optional<lease>> acquire(std::string& error);

    // Gives a healthy connection (response complete, keep-alive) back.
    void release(boost::asio::ip::tcp::socket socket);

    std::size_t idle() const noexcept { return idle_.size(); }

private:
    struct idle_connection {
        boost::asio::ip::tcp::socket socket;
        std::chrono::steady_clock::time_point since;
    };

    boost::asio::any_io_executor ex_;
    std::string host_;
    std::string port_;
    std::size_t max_idle_;
    std::deque<idle_connection> idle_;
};

}  // namespace warren::client
