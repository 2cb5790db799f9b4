#pragma once
// A connected tunnel on the gateway: a name bound to one client's mux session.
//
// The proxy reaches a client only through open_stream(), so that a later
// "peer link" to a tunnel held by another gateway node can stand in for the
// local session without touching the proxy. Threading: open_stream() and the
// session run on strand(); the counters are atomics readable from anywhere.
#include "protocol/mux_session.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace warren {

// How a tunnel was admitted: anonymously, or with the API key of a keyed
// tunnel (whose prefix and owner the dashboard and the audit log show).
struct tunnel_credentials {
    bool keyed = false;
    std::string key_prefix;
    std::string owner;  // username, empty for anonymous or unowned tunnels
};

class tunnel {
public:
    tunnel(std::string name, std::string url, std::uint32_t epoch,
           std::shared_ptr<proto::mux_session> session, std::string client_ip,
           tunnel_credentials credentials)
        : name_(std::move(name)),
          url_(std::move(url)),
          epoch_(epoch),
          session_(std::move(session)),
          client_ip_(std::move(client_ip)),
          credentials_(std::move(credentials)),
          connected_at_(std::chrono::system_clock::now()) {}

    const std::string& name() const noexcept { return name_; }
    const std::string& url() const noexcept { return url_; }
    std::uint32_t epoch() const noexcept { return epoch_; }
    const std::string& client_ip() const noexcept { return client_ip_; }
    const tunnel_credentials& credentials() const noexcept { return credentials_; }
    std::chrono::system_clock::time_point connected_at() const noexcept { return connected_at_; }
    const boost::asio::any_io_executor& strand() const noexcept { return session_->get_executor(); }
    proto::mux_session& session() noexcept { return *session_; }
    const proto::mux_session& session() const noexcept { return *session_; }

    // Opens a stream to the client. On failure nothing was sent: the request
    // was provably not delivered and may be retried elsewhere.
    std::shared_ptr<proto::mux_stream> open_stream(const request_head& head, std::uint8_t flags,
                                                   boost::system::error_code& ec) {
        return session_->open_stream(head, flags, epoch_, ec);
    }

    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> in_flight{0};

private:
    std::string name_;
    std::string url_;
    std::uint32_t epoch_;
    std::shared_ptr<proto::mux_session> session_;
    std::string client_ip_;
    tunnel_credentials credentials_;
    std::chrono::system_clock::time_point connected_at_;
};

}  // namespace warren
