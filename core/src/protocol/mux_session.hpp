#pragma once
// The multiplexer of one tunnel connection: many streams over one frame
// transport, with HTTP/2-style credit flow control per stream and per
// connection. A sender never has more unacknowledged bytes in flight than the
// receiver granted, and receivers grant credit only as their consumer drains,
// so memory per stream and per tunnel is bounded and a slow reader holds back
// only its own stream.
//
// Threading: the session and its streams live on one strand (the executor
// given to the constructor); every call must be made on it.
#include "protocol/buffer_account.hpp"
#include "protocol/frame.hpp"
#include "protocol/mux_stream.hpp"
#include "protocol/transport.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace warren::proto {

struct mux_settings {
    std::uint32_t recv_stream_window = 4u << 20;      // what we grant the peer per stream
    std::uint32_t recv_connection_window = 64u << 20; // what we grant the peer per connection
    std::uint32_t send_stream_window = 4u << 20;      // what the peer granted us (from handshake)
    std::uint32_t send_connection_window = 64u << 20;
    std::uint32_t max_frame_payload = 64u << 10;      // largest DATA payload we send
    std::uint32_t max_streams = 1000;                 // concurrent streams
    std::size_t stream_queue_limit = 256u << 10;      // unwritten bytes one stream may queue
    bool integrity = false;                           // SHA-256 end blocks on every body
    // Abuse guard (gateway side): RESET frames, and WINDOW frames for streams
    // that are not open, per second beyond what the streams opened in that
    // second explain (two each: a RESET and a late WINDOW). Above it the
    // session is told GOAWAY and closed with the reason. 0 = no guard.
    std::uint32_t reset_flood_limit = 1000;
};

enum class mux_role { gateway, client };

class mux_session : public std::enable_shared_from_this<mux_session> {
public:
    using error_code = boost::system::error_code;
    // Client side: a new stream opened by the gateway.
    using open_handler = std::function<void(std::shared_ptr<mux_stream>, open_payload, std::uint8_t flags)>;
    using goaway_handler = std::function<void(goaway_code, std::string_view reason)>;

    mux_session(boost::asio::any_io_executor strand, std::unique_ptr<frame_transport> transport,
                mux_role role, mux_settings settings);
    ~mux_session();

    void on_open(open_handler h) { on_open_ = std::move(h); }
    void on_goaway(goaway_handler h) { on_goaway_ = std::move(h); }

    // Reads frames until the transport fails or closes, then fails every
    // stream. The writer runs alongside it. Returns why the session ended.
    boost::asio::awaitable<error_code> run();

    // Gateway side: opens a stream by sending OPEN. Fails with too_many_streams,
    // going_away or session_closed; on failure nothing was sent ("not delivered").
    std::shared_ptr<mux_stream> open_stream(const request_head& head, std::uint8_t flags,
                                            std::uint32_t epoch, error_code& ec);

    // Sends GOAWAY; no new streams are opened in either direction afterwards.
    void go_away(goaway_code code, std::string_view reason);

    // Graceful close once queued frames are written; or immediately.
    boost::asio::awaitable<void> close(std::string_view reason);
    void abort() noexcept;

    const boost::asio::any_io_executor& get_executor() const noexcept { return strand_; }
    std::size_t stream_count() const noexcept { return streams_.size(); }
    bool closed() const noexcept { return closed_; }
    bool going_away() const noexcept { return going_away_; }
    std::string remote_ip() const { return transport_->remote_ip(); }
    const mux_settings& settings() const noexcept { return settings_; }
    // Wire bytes received from / sent to the peer; readable from any thread.
    std::uint64_t bytes_in() const noexcept { return bytes_in_.load(std::memory_order_relaxed); }
    std::uint64_t bytes_out() const noexcept { return bytes_out_.load(std::memory_order_relaxed); }

private:
    friend class mux_stream;

    struct out_frame {
        std::array<char, frame_header_size> header{};
        std::string payload;
        std::shared_ptr<mux_stream> stream;  // set for DATA: queue accounting
        std::size_t data_bytes = 0;          // body bytes in payload (0 for end blocks)
        buffer_account held;                 // payload bytes, in the buffered-bytes gauge
    };

    // Called by streams.
    void queue_control(frame_header h, std::string payload);
    void queue_data(const std::shared_ptr<mux_stream>& s, std::uint8_t flags, std::string payload);
    std::int64_t connection_credit() const noexcept { return send_conn_credit_; }
    void take_connection_credit(std::size_t n) { send_conn_credit_ -= static_cast<std::int64_t>(n); }
    void wait_for_connection_credit(const std::shared_ptr<mux_stream>& s);
    void connection_consumed(std::size_t n);
    void stream_done(std::uint32_t id);

    boost::asio::awaitable<void> write_loop(std::shared_ptr<mux_session> self);
    void handle_frame(std::string_view message);
    void protocol_violation(std::string_view what);
    // Counts a RESET or stray WINDOW from the peer; false once it is a flood.
    bool note_churn();
    void fail_all(error_code ec);

    boost::asio::any_io_executor strand_;
    std::unique_ptr<frame_transport> transport_;
    mux_role role_;
    mux_settings settings_;
    open_handler on_open_;
    goaway_handler on_goaway_;

    std::unordered_map<std::uint32_t, std::shared_ptr<mux_stream>> streams_;
    std::uint32_t next_stream_id_ = 1;   // gateway: next id to open
    std::uint32_t highest_peer_id_ = 0;  // client: highest id the gateway opened

    std::deque<out_frame> control_queue_;
    std::deque<out_frame> data_queue_;
    async_signal writer_signal_;
    bool writer_done_ = false;
    async_signal writer_exit_signal_;

    std::int64_t send_conn_credit_;
    std::vector<std::weak_ptr<mux_stream>> conn_credit_waiters_;
    std::int64_t recv_conn_remaining_;
    std::size_t recv_conn_unacked_ = 0;

    // The abuse guard's one-second window (see mux_settings::reset_flood_limit).
    std::chrono::steady_clock::time_point churn_window_start_{};
    std::uint64_t churn_in_window_ = 0;
    std::uint64_t opened_in_window_ = 0;

    bool closed_ = false;
    bool going_away_ = false;
    bool closing_ = false;
    std::string violation_;
    std::string close_reason_;
    std::atomic<std::uint64_t> bytes_in_{0};
    std::atomic<std::uint64_t> bytes_out_{0};
    live_count alive_{process_mux_gauges().sessions};
};

}  // namespace warren::proto
