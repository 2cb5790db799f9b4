#pragma once
// Serves one stream opened by the gateway: sends the request to the local
// server over a pooled keep-alive connection and streams the response back,
// in bounded memory both ways (credits on the tunnel side, socket
// backpressure on the local side).
#include "client/client_options.hpp"
#include "client/console.hpp"
#include "client/local_pool.hpp"
#include "protocol/frame.hpp"
#include "protocol/mux_stream.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace warren::client {

class local_forwarder {
public:
    local_forwarder(const client_options& options, local_pool& pool, console& out)
        : options_(options), pool_(pool), out_(out) {}

    boost::asio::awaitable<void> forward(std::shared_ptr<proto::mux_stream> s, proto::open_payload open,
                                         std::uint8_t flags);

    std::size_t in_flight() const noexcept { return in_flight_; }

private:
    struct exchange;
    enum class outcome { done, retry };

    boost::asio::awaitable<outcome> run_exchange(exchange& x);
    boost::asio::awaitable<void> send_request_body(exchange& x);
    boost::asio::awaitable<void> relay_response(exchange& x);
    boost::asio::awaitable<void> relay_upgraded(exchange& x);

    const client_options& options_;
    local_pool& pool_;
    console& out_;
    std::size_t in_flight_ = 0;
};

}  // namespace warren::client
