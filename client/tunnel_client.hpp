#pragma once
// The client's connection to the gateway: connect, hello/ready, serve the
// streams the gateway opens, and reconnect after any drop with exponential
// backoff and jitter, reclaiming the same name with the ownership token.
// Single-threaded: everything runs on one io_context thread.
#include "client/client_options.hpp"
#include "client/console.hpp"
#include "client/local_forwarder.hpp"
#include "client/local_pool.hpp"
#include "protocol/handshake.hpp"
#include "protocol/mux_session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace warren::client {

class tunnel_client {
public:
    tunnel_client(boost::asio::io_context& ioc, client_options options);

    // Runs until stopped or refused for good; returns the process exit code.
    boost::asio::awaitable<int> run();

    // Ctrl-C: no new requests, finish in-flight ones (up to 5 s), close.
    boost::asio::awaitable<void> shutdown();

    // The public URL once connected (empty before).
    const std::string& public_url() const noexcept { return url_; }

private:
    struct connect_outcome {
        enum class kind { connected, refused, failed } what = kind::failed;
        unsigned status = 0;
        std::string reason;
        std::chrono::seconds retry_after{0};
        std::shared_ptr<proto::mux_session> session;
        proto::ready_message ready;
    };

    boost::asio::awaitable<connect_outcome> connect_once();
    template <class WebSocket>
    boost::asio::awaitable<connect_outcome> handshake(WebSocket& ws);
    boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
    void serve(const std::shared_ptr<proto::mux_session>& session);

    boost::asio::io_context& ioc_;
    client_options options_;
    console out_;
    local_pool pool_;
    local_forwarder forwarder_;
    std::unique_ptr<boost::asio::ssl::context> tls_;

    // the gateway
    std::string server_scheme_;
    std::string server_host_;
    std::string server_port_;
    std::string server_authority_;  // Host header for the handshake

    // identity kept across reconnects
    std::string name_;
    std::string ownership_token_;
    std::string url_;

    std::shared_ptr<proto::mux_session> session_;
    boost::asio::steady_timer backoff_timer_;
    std::function<void()> cancel_connect_;  // closes a socket mid-connect
    bool stopping_ = false;
    bool replaced_ = false;
    bool gateway_draining_ = false;  // GOAWAY draining seen on the current session
};

}  // namespace warren::client
