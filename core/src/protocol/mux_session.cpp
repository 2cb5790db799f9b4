#include "protocol/mux_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace warren::proto {
namespace net = boost::asio;

mux_session::mux_session(net::any_io_executor strand, std::unique_ptr<frame_transport> transport,
                         mux_role role, mux_settings settings)
    : strand_(std::move(strand)),
      transport_(std::move(transport)),
      role_(role),
      settings_(settings),
      writer_signal_(strand_),
      writer_exit_signal_(strand_),
      send_conn_credit_(settings.send_connection_window),
      recv_conn_remaining_(settings.recv_connection_window) {}

mux_session::~mux_session() = default;

net::awaitable<mux_session::error_code> mux_session::run() {
    auto self = shared_from_this();
    net::co_spawn(strand_, write_loop(self), net::detached);

    boost::beast::flat_buffer buf;
    error_code result;
    for (;;) {
        bool text = false;
        error_code ec = co_await transport_->read(buf, text);
        if (ec) {
            result = ec;
            break;
        }
        bytes_in_.fetch_add(buf.size(), std::memory_order_relaxed);
        if (text) {
            protocol_violation("unexpected text message after the handshake");
        } else {
            const auto data = buf.data();
            handle_frame({static_cast<const char*>(data.data()), data.size()});
        }
        if (!violation_.empty()) {
            result = make_error_code(mux_errc::protocol_error);
            break;
        }
        // A large message leaves a large buffer behind; idle tunnels stay small.
        if (buf.capacity() > (256u << 10)) buf = boost::beast::flat_buffer{};
    }

    fail_all(make_error_code(mux_errc::session_closed));
    if (!violation_.empty() && !closed_) {
        // Tell the peer why, through the writer (one writer per WebSocket).
        closing_ = true;
        writer_signal_.notify();
    } else {
        closed_ = true;
        transport_->abort();
        writer_signal_.notify();
    }
    while (!writer_done_) co_await writer_exit_signal_.wait();
    closed_ = true;
    transport_->abort();
    co_return result;
}

net::awaitable<void> mux_session::write_loop(std::shared_ptr<mux_session> /*keep_alive*/) {
    for (;;) {
        if (closed_) break;
        if (control_queue_.empty() && data_queue_.empty()) {
            if (closing_) {
                const auto code = violation_.empty() ? boost::beast::websocket::close_code::normal
                                                     : boost::beast::websocket::close_code::policy_error;
                std::string reason = violation_.empty() ? close_reason_ : violation_;
                if (reason.size() > 120) reason.resize(120);  // control frames are <= 125 bytes
                const boost::beast::websocket::close_reason why{code, reason};
                co_await transport_->close(why);
                break;
            }
            co_await writer_signal_.wait();
            continue;
        }
        auto& q = control_queue_.empty() ? data_queue_ : control_queue_;
        out_frame f = std::move(q.front());
        q.pop_front();
        const std::array<net::const_buffer, 2> bufs{net::buffer(f.header), net::buffer(f.payload)};
        const error_code ec = co_await transport_->write(bufs, false);
        if (ec) {
            closed_ = true;
            transport_->abort();
            break;
        }
        bytes_out_.fetch_add(f.header.size() + f.payload.size(), std::memory_order_relaxed);
        if (f.stream && f.data_bytes > 0) f.stream->on_written(f.data_bytes);
    }
    // Queued frames hold stream references; release them with the writer.
    control_queue_.clear();
    data_queue_.clear();
    writer_done_ = true;
    writer_exit_signal_.notify();
}

void mux_session::queue_control(frame_header h, std::string payload) {
    if (closed_ || writer_done_) return;
    out_frame f;
    encode_header(h, f.header.data());
    f.payload = std::move(payload);
    f.held.set(f.payload.size());
    control_queue_.push_back(std::move(f));
    writer_signal_.notify();
}

void mux_session::queue_data(const std::shared_ptr<mux_stream>& s, std::uint8_t flags,
                             std::string payload) {
    if (closed_ || writer_done_) return;
    out_frame f;
    encode_header({frame_type::data, flags, s->id()}, f.header.data());
    f.data_bytes = (flags & flag::meta) ? 0 : payload.size();
    f.payload = std::move(payload);
    f.held.set(f.payload.size());
    f.stream = s;
    data_queue_.push_back(std::move(f));
    writer_signal_.notify();
}

void mux_session::wait_for_connection_credit(const std::shared_ptr<mux_stream>& s) {
    conn_credit_waiters_.push_back(s);
}

void mux_session::connection_consumed(std::size_t n) {
    recv_conn_unacked_ += n;
    const std::size_t threshold = settings_.recv_connection_window / 4;
    if (recv_conn_unacked_ >= threshold) {
        queue_control({frame_type::window, 0, 0},
                      encode_u32(static_cast<std::uint32_t>(recv_conn_unacked_)));
        recv_conn_remaining_ += static_cast<std::int64_t>(recv_conn_unacked_);
        recv_conn_unacked_ = 0;
    }
}

void mux_session::stream_done(std::uint32_t id) { streams_.erase(id); }

std::shared_ptr<mux_stream> mux_session::open_stream(const request_head& head, std::uint8_t flags,
                                                     std::uint32_t epoch, error_code& ec) {
    ec = {};
    if (closed_ || closing_) ec = make_error_code(mux_errc::session_closed);
    else if (going_away_) ec = make_error_code(mux_errc::going_away);
    else if (streams_.size() >= settings_.max_streams) ec = make_error_code(mux_errc::too_many_streams);
    else if (next_stream_id_ >= 0x7fffffffu) ec = make_error_code(mux_errc::going_away);
    if (ec) return nullptr;
    const std::uint32_t id = next_stream_id_++;
    ++opened_in_window_;
    auto s = std::make_shared<mux_stream>(shared_from_this(), id, settings_.send_stream_window,
                                          settings_.recv_stream_window, settings_.integrity);
    if (flags & flag::end) s->local_end_ = true;
    streams_.emplace(id, s);
    queue_control({frame_type::open, flags, id}, encode_open(head, epoch));
    return s;
}

void mux_session::go_away(goaway_code code, std::string_view reason) {
    if (going_away_ && code != goaway_code::replaced) return;
    going_away_ = true;
    queue_control({frame_type::goaway, 0, 0}, encode_reason(static_cast<std::uint32_t>(code), reason));
}

net::awaitable<void> mux_session::close(std::string_view reason) {
    if (!closed_ && !closing_) {
        closing_ = true;
        close_reason_ = std::string(reason);
        writer_signal_.notify();
    }
    while (!writer_done_) co_await writer_exit_signal_.wait();
}

void mux_session::abort() noexcept {
    closed_ = true;
    transport_->abort();
    writer_signal_.notify();
}

void mux_session::protocol_violation(std::string_view what) {
    if (violation_.empty()) violation_ = std::string(what);
}

bool mux_session::note_churn() {
    if (role_ != mux_role::gateway || settings_.reset_flood_limit == 0) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now - churn_window_start_ >= std::chrono::seconds(1)) {
        churn_window_start_ = now;
        churn_in_window_ = 0;
        opened_in_window_ = 0;
    }
    ++churn_in_window_;
    if (churn_in_window_ <= 2 * opened_in_window_ + settings_.reset_flood_limit) return true;
    const std::string why = "too many RESET/WINDOW frames (more than " + std::to_string(settings_.reset_flood_limit) +
                            " per second beyond the session's streams); closing the session";
    go_away(goaway_code::protocol_error, why);
    protocol_violation(why);
    return false;
}

void mux_session::fail_all(error_code ec) {
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, s] : streams) s->fail(ec);
    conn_credit_waiters_.clear();
}

void mux_session::handle_frame(std::string_view message) {
    const auto h = decode_header(message);
    if (!h) return protocol_violation("malformed frame header");
    const std::string_view payload = message.substr(frame_header_size);
    const auto find = [&]() -> std::shared_ptr<mux_stream> {
        auto it = streams_.find(h->stream_id);
        return it == streams_.end() ? nullptr : it->second;
    };

    switch (h->type) {
        case frame_type::open: {
            if (role_ != mux_role::client) return protocol_violation("OPEN sent to the gateway");
            if (h->stream_id == 0 || h->stream_id <= highest_peer_id_)
                return protocol_violation("OPEN with a stream id that does not increase");
            highest_peer_id_ = h->stream_id;
            auto p = decode_open(payload);
            if (!p) return protocol_violation("malformed OPEN");
            if (going_away_ || closing_ || !on_open_ || streams_.size() >= settings_.max_streams) {
                queue_control({frame_type::reset, 0, h->stream_id},
                              encode_reason(static_cast<std::uint32_t>(reset_code::refused),
                                            "client is not accepting streams"));
                return;
            }
            auto s = std::make_shared<mux_stream>(shared_from_this(), h->stream_id,
                                                  settings_.send_stream_window,
                                                  settings_.recv_stream_window, settings_.integrity);
            if (h->flags & flag::end) s->remote_end_ = true;
            streams_.emplace(h->stream_id, s);
            on_open_(std::move(s), std::move(*p), h->flags);
            return;
        }
        case frame_type::response: {
            if (role_ != mux_role::gateway) return protocol_violation("RESPONSE sent to the client");
            auto head = decode_response(payload);
            if (!head) return protocol_violation("malformed RESPONSE");
            if (auto s = find()) s->on_head(std::move(*head), h->flags);
            return;
        }
        case frame_type::data: {
            const bool meta = h->flags & flag::meta;
            if (meta && !(h->flags & flag::end)) return protocol_violation("end block without END");
            if (!meta) {
                if (role_ == mux_role::gateway && payload.size() > settings_.max_frame_payload)
                    return protocol_violation("DATA frame of " + std::to_string(payload.size()) +
                                              " bytes is larger than max_frame_payload (" +
                                              std::to_string(settings_.max_frame_payload) + ")");
                if (static_cast<std::int64_t>(payload.size()) > recv_conn_remaining_)
                    return protocol_violation("connection flow-control window exceeded");
                recv_conn_remaining_ -= static_cast<std::int64_t>(payload.size());
            }
            auto s = find();
            if (!s) {
                // Late data for a stream we already closed: its credit comes back at once.
                if (!meta) connection_consumed(payload.size());
                return;
            }
            if (meta) {
                auto b = decode_end_block(payload);
                if (!b) return protocol_violation("malformed end block");
                s->on_end_block(std::move(*b));
            } else if (!s->on_data(payload, h->flags)) {
                return protocol_violation("stream flow-control window exceeded or data after end");
            }
            return;
        }
        case frame_type::window: {
            const auto inc = decode_window(payload);
            if (!inc) return protocol_violation("malformed WINDOW");
            if (h->stream_id == 0) {
                send_conn_credit_ += *inc;
                if (send_conn_credit_ > 0x7fffffff) return protocol_violation("connection window overflow");
                auto waiters = std::move(conn_credit_waiters_);
                conn_credit_waiters_.clear();
                for (auto& w : waiters)
                    if (auto s = w.lock()) s->on_credit_available();
            } else if (auto s = find()) {
                s->on_window(*inc);
            } else if (!note_churn()) {
                return;
            }
            return;
        }
        case frame_type::reset: {
            auto why = decode_reason(payload);
            if (!why) return protocol_violation("malformed RESET");
            if (!note_churn()) return;
            if (auto s = find()) {
                streams_.erase(h->stream_id);
                s->on_reset(std::move(*why));
            }
            return;
        }
        case frame_type::goaway: {
            auto why = decode_reason(payload);
            if (!why || h->stream_id != 0) return protocol_violation("malformed GOAWAY");
            going_away_ = true;
            if (on_goaway_) on_goaway_(static_cast<goaway_code>(why->code), why->reason);
            return;
        }
    }
}

}  // namespace warren::proto
