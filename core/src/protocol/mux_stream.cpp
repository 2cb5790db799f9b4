#include "protocol/mux_stream.hpp"

#include "protocol/mux_session.hpp"

#include <algorithm>

namespace warren::proto {

mux_stream::mux_stream(std::shared_ptr<mux_session> session, std::uint32_t id,
                       std::uint32_t send_window, std::uint32_t recv_window, bool integrity)
    : session_(std::move(session)),
      id_(id),
      integrity_(integrity),
      recv_window_(recv_window),
      recv_remaining_(recv_window),
      recv_signal_(session_->get_executor()),
      send_credit_(send_window),
      send_signal_(session_->get_executor()) {
    if (integrity_) {
        recv_hash_.emplace();
        send_hash_.emplace();
    }
}

mux_stream::~mux_stream() {
    // A user that let go of a stream without reading (or reporting) its whole
    // body must not leak connection credit.
    const std::size_t outstanding = body_.size() + unconsumed_;
    if (!error_ && outstanding > 0 && !session_->closed()) session_->connection_consumed(outstanding);
}

std::size_t mux_stream::deliverable() const noexcept {
    return remote_end_ ? body_.size() : body_.size() - std::min(held_, body_.size());
}

boost::asio::awaitable<mux_stream::error_code> mux_stream::read_head(response_head& out,
                                                                     std::uint8_t& flags) {
    for (;;) {
        if (!heads_.empty()) {
            out = std::move(heads_.front().first);
            flags = heads_.front().second;
            heads_.pop_front();
            co_return error_code{};
        }
        if (error_) co_return error_;
        if (remote_end_) co_return make_error_code(mux_errc::protocol_error);
        co_await recv_signal_.wait();
    }
}

boost::asio::awaitable<mux_stream::error_code> mux_stream::read_body(std::string& out, bool& end) {
    out.clear();
    end = false;
    for (;;) {
        if (error_) co_return error_;
        const std::size_t n = deliverable();
        if (n > 0 || remote_end_) {
            if (n == body_.size()) {
                out.swap(body_);
            } else {
                out.assign(body_, 0, n);
                body_.erase(0, n);
            }
            body_held_.set(body_.size());
            end = remote_end_ && body_.empty();
            unconsumed_ += out.size();
            co_return error_code{};
        }
        co_await recv_signal_.wait();
    }
}

void mux_stream::consumed(std::size_t n) {
    // Never more than was handed out: over-reporting would grant the peer
    // credit for bytes this side does not have room for.
    n = std::min(n, unconsumed_);
    if (n == 0 || error_) return;
    unconsumed_ -= n;
    session_->connection_consumed(n);
    if (remote_end_) return;  // the peer sends nothing more: no stream credit needed
    recv_unacked_ += n;
    if (recv_unacked_ >= recv_window_ / 4) {
        session_->queue_control({frame_type::window, 0, id_},
                                encode_u32(static_cast<std::uint32_t>(recv_unacked_)));
        recv_remaining_ += static_cast<std::int64_t>(recv_unacked_);
        recv_unacked_ = 0;
    }
}

void mux_stream::send_head(const response_head& head, std::uint8_t flags) {
    if (error_ || local_end_) return;
    session_->queue_control({frame_type::response, flags, id_}, encode_response(head));
    if ((flags & flag::end) && head.status >= 200) {
        local_end_ = true;
        if (remote_end_) session_->stream_done(id_);
    }
}

boost::asio::awaitable<mux_stream::error_code> mux_stream::write_body(std::string chunk, bool end) {
    const std::size_t total = chunk.size();
    std::size_t off = 0;
    auto self = shared_from_this();
    const std::size_t max_payload = session_->settings().max_frame_payload;
    const std::size_t queue_limit = session_->settings().stream_queue_limit;
    for (;;) {
        if (error_) co_return error_;
        if (local_end_) co_return make_error_code(mux_errc::protocol_error);
        const std::size_t remaining = total - off;
        if (remaining == 0 && !end) co_return error_code{};
        const std::int64_t credit = std::min(send_credit_, session_->connection_credit());
        if ((remaining > 0 && credit <= 0) || queued_bytes_ >= queue_limit) {
            if (remaining > 0 && session_->connection_credit() <= 0)
                session_->wait_for_connection_credit(self);
            co_await send_signal_.wait();
            continue;
        }
        const std::size_t n =
            std::min({remaining, static_cast<std::size_t>(std::max<std::int64_t>(credit, 0)), max_payload});
        std::string payload = (off == 0 && n == total) ? std::move(chunk) : chunk.substr(off, n);
        off += n;
        const bool last = end && off == total;
        if (send_hash_) send_hash_->update(payload);
        send_credit_ -= static_cast<std::int64_t>(n);
        session_->take_connection_credit(n);
        queued_bytes_ += n;
        bytes_sent_ += n;
        std::uint8_t flags = 0;
        if (last && !integrity_) flags = flag::end;
        session_->queue_data(self, flags, std::move(payload));
        if (last) {
            if (integrity_) {
                end_block b;
                b.sha256 = send_hash_->finish();
                session_->queue_data(self, flag::end | flag::meta, encode_end_block(b));
            }
            local_end_ = true;
            if (remote_end_) session_->stream_done(id_);
            co_return error_code{};
        }
        if (off == total && !end) co_return error_code{};
    }
}

boost::asio::awaitable<mux_stream::error_code> mux_stream::finish_body(header_list trailers) {
    if (trailers.empty() && !integrity_) {
        // Through locals, not temporaries: g++ 12 miscompiles some co_await forms.
        std::string no_bytes;
        const error_code ec = co_await write_body(std::move(no_bytes), true);
        co_return ec;
    }
    if (error_) co_return error_;
    if (local_end_) co_return make_error_code(mux_errc::protocol_error);
    end_block b;
    b.trailers = std::move(trailers);
    if (integrity_) b.sha256 = send_hash_->finish();
    session_->queue_data(shared_from_this(), flag::end | flag::meta, encode_end_block(b));
    local_end_ = true;
    if (remote_end_) session_->stream_done(id_);
    co_return error_code{};
}

boost::asio::awaitable<mux_stream::error_code> mux_stream::write_piece(std::string chunk, bool last,
                                                                       const header_list& trailers) {
    error_code ec;
    if (last && !trailers.empty()) {
        if (!chunk.empty()) ec = co_await write_body(std::move(chunk), false);
        if (!ec) ec = co_await finish_body(trailers);
    } else if (!chunk.empty() || last) {
        ec = co_await write_body(std::move(chunk), last);
    }
    co_return ec;
}

void mux_stream::reset(reset_code code, std::string_view reason) {
    if (error_) return;
    if (!finished() && !session_->closed())
        session_->queue_control({frame_type::reset, 0, id_},
                                encode_reason(static_cast<std::uint32_t>(code), reason));
    fail(make_error_code(mux_errc::reset_locally));
    session_->stream_done(id_);
}

void mux_stream::on_head(response_head head, std::uint8_t flags) {
    if (error_) return;
    const bool final_head = head.status >= 200;
    heads_.emplace_back(std::move(head), flags);
    if (final_head && (flags & flag::end)) {
        if (integrity_) {
            // No body: the digest of nothing is implied.
            remote_end_ = true;
            if (local_end_) session_->stream_done(id_);
        } else {
            finish_remote();
            return;
        }
    }
    recv_signal_.notify();
}

bool mux_stream::on_data(std::string_view payload, std::uint8_t flags) {
    if (remote_end_) return false;
    if (static_cast<std::int64_t>(payload.size()) > recv_remaining_) return false;
    recv_remaining_ -= static_cast<std::int64_t>(payload.size());
    bytes_received_ += payload.size();
    if (error_) {
        session_->connection_consumed(payload.size());
        return true;
    }
    if (recv_hash_) recv_hash_->update(payload);
    body_.append(payload);
    body_held_.set(body_.size());
    // An empty frame must not release the bytes held before it: they are
    // still unverified.
    if (!integrity_) held_ = 0;
    else if (!payload.empty()) held_ = payload.size();
    if (flags & flag::end) {
        if (integrity_) {
            reset(reset_code::integrity, "body ended without its SHA-256");
            error_ = make_error_code(mux_errc::integrity_failed);
            return true;
        }
        finish_remote();
        return true;
    }
    if (deliverable() > 0) recv_signal_.notify();
    return true;
}

void mux_stream::on_end_block(end_block block) {
    if (error_ || remote_end_) return;
    trailers_ = std::move(block.trailers);
    if (integrity_) {
        if (!block.sha256 || *block.sha256 != recv_hash_->finish()) {
            reset(reset_code::integrity, "body SHA-256 mismatch");
            error_ = make_error_code(mux_errc::integrity_failed);
            return;
        }
    }
    finish_remote();
}

void mux_stream::finish_remote() {
    remote_end_ = true;
    held_ = 0;
    recv_signal_.notify();
    if (local_end_) session_->stream_done(id_);
}

void mux_stream::on_window(std::uint32_t increment) {
    send_credit_ += increment;
    send_signal_.notify();
}

void mux_stream::on_reset(reason_payload why) {
    peer_reset_ = std::move(why);
    fail(make_error_code(mux_errc::reset_by_peer));
}

void mux_stream::on_written(std::size_t n) {
    queued_bytes_ -= std::min(n, queued_bytes_);
    send_signal_.notify();
}

void mux_stream::fail(error_code ec) {
    if (error_) return;
    error_ = ec;
    // Bytes buffered but never delivered, or delivered but never reported
    // consumed, still count against the connection window: give them back,
    // or the tunnel would slowly run out of credit.
    const std::size_t undelivered = body_.size() + unconsumed_;
    unconsumed_ = 0;
    body_.clear();
    body_.shrink_to_fit();
    body_held_.set(0);
    heads_.clear();
    if (undelivered > 0 && !session_->closed()) session_->connection_consumed(undelivered);
    recv_signal_.notify();
    send_signal_.notify();
    if (auto f = std::move(on_failure_)) f();
}

}  // namespace warren::proto
