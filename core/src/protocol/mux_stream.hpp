#pragma once
// One request/response exchange (or one upgraded connection) inside a tunnel.
//
// Threading: every member is called on the owning mux_session's strand.
// Ownership: the session's stream table and the user each hold a shared_ptr;
// the session drops its reference once both directions are finished or reset.
// One coroutine reads (read_head/read_body) and one writes (write_*) at a time.
#include "http/http_head.hpp"
#include "protocol/async_signal.hpp"
#include "protocol/buffer_account.hpp"
#include "protocol/frame.hpp"
#include "protocol/mux_error.hpp"
#include "util/secrets.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace warren::proto {

class mux_session;

class mux_stream : public std::enable_shared_from_this<mux_stream> {
public:
    using error_code = boost::system::error_code;

    mux_stream(std::shared_ptr<mux_session> session, std::uint32_t id, std::uint32_t send_window,
               std::uint32_t recv_window, bool integrity);
    ~mux_stream();
    mux_stream(const mux_stream&) = delete;
    mux_stream& operator=(const mux_stream&) = delete;

    std::uint32_t id() const noexcept { return id_; }

    // ---- receiving -------------------------------------------------------
    // Next response head from the peer (1xx interim heads come before the final one).
    boost::asio::awaitable<error_code> read_head(response_head& out, std::uint8_t& flags);

    // Waits for body bytes and moves them into out (cleared first). end is set
    // when the peer's body is complete; then out holds the last bytes, if any.
    boost::asio::awaitable<error_code> read_body(std::string& out, bool& end);

    // True when read_body() would complete without waiting.
    bool body_ready() const noexcept { return error_ || remote_end_ || deliverable() > 0; }

    // Gives credit back once n body bytes have been delivered downstream.
    // Bytes read but never reported (the consumer failed, the stream was
    // reset or dropped) are given back to the connection when the stream ends.
    void consumed(std::size_t n);

    // Trailers that came with the end of the peer's body.
    const header_list& trailers() const noexcept { return trailers_; }

    // ---- sending ---------------------------------------------------------
    // RESPONSE frame (client side). flags: flag::end if no body, flag::chunked.
    void send_head(const response_head& head, std::uint8_t flags);

    // Queues body bytes, waiting for flow-control credit and for room in this
    // stream's share of the write queue. end marks the last body bytes.
    boost::asio::awaitable<error_code> write_body(std::string chunk, bool end);

    // Ends the body with trailers (and the digest when integrity is on).
    boost::asio::awaitable<error_code> finish_body(header_list trailers);

    // One piece of a body read from an HTTP parser: body bytes, and when
    // `last`, the end of the body with the message's trailers, if any.
    boost::asio::awaitable<error_code> write_piece(std::string chunk, bool last, const header_list& trailers);

    // Aborts the stream: sends RESET (if not already finished) and wakes both
    // sides. Safe to call more than once and after the session closed.
    void reset(reset_code code, std::string_view reason = {});

    // Called once when the stream fails (reset either way, session closed),
    // e.g. to close a local socket a coroutine is blocked on. Called at once
    // if the stream has already failed, so no failure slips between checks.
    void on_failure(std::function<void()> f) {
        if (error_ && f) f();
        else on_failure_ = std::move(f);
    }

    // Why the stream failed, if the peer reset it.
    std::optional<reason_payload> peer_reset() const { return peer_reset_; }
    bool finished() const noexcept { return local_end_ && remote_end_; }
    bool failed() const noexcept { return static_cast<bool>(error_); }
    std::uint64_t bytes_received() const noexcept { return bytes_received_; }
    std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }

private:
    friend class mux_session;

    // Called by the session's reader.
    void on_head(response_head head, std::uint8_t flags);
    bool on_data(std::string_view payload, std::uint8_t flags);  // false: flow-control violation
    void on_end_block(end_block block);
    void on_window(std::uint32_t increment);
    void on_reset(reason_payload why);
    void on_credit_available() { send_signal_.notify(); }
    void on_written(std::size_t n);
    void fail(error_code ec);  // session closed or stream aborted
    void finish_remote();
    std::size_t deliverable() const noexcept;

    std::shared_ptr<mux_session> session_;
    std::uint32_t id_;
    bool integrity_;

    // receive side
    std::deque<std::pair<response_head, std::uint8_t>> heads_;
    std::string body_;
    buffer_account body_held_;  // body_.size(), in the buffered-bytes gauge
    std::size_t held_ = 0;  // integrity mode: bytes of the newest frame held back until END
    std::size_t unconsumed_ = 0;  // handed out by read_body, not yet reported by consumed()
    bool remote_end_ = false;
    header_list trailers_;
    std::uint32_t recv_window_;
    std::int64_t recv_remaining_;
    std::size_t recv_unacked_ = 0;
    std::uint64_t bytes_received_ = 0;
    std::optional<sha256_hasher> recv_hash_;
    async_signal recv_signal_;

    // send side
    std::int64_t send_credit_;
    std::size_t queued_bytes_ = 0;
    bool local_end_ = false;
    std::uint64_t bytes_sent_ = 0;
    std::optional<sha256_hasher> send_hash_;
    async_signal send_signal_;

    error_code error_;
    std::optional<reason_payload> peer_reset_;
    std::function<void()> on_failure_;
    live_count alive_{process_mux_gauges().streams};
};

}  // namespace warren::proto
