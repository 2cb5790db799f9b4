#pragma once
// Coroutine reads of one HTTP/1.x message through a message_parser, for any
// Asio read stream (tcp::socket, ssl::stream, beast::test::stream). Errors
// come back as values, never as exceptions: an http_error refuses the message
// (answer status_for(ec) and close), anything else is the connection's.
#include "http/message_parser.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>

namespace warren::http {

// Bytes asked of the stream per read: large reads keep syscalls per byte low.
inline constexpr std::size_t read_chunk_bytes = 64 * 1024;

namespace detail {

// One read of up to read_chunk_bytes appended to buf.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> read_more(Stream& s,
                                                            boost::beast::flat_buffer& buf) {
    auto [ec, n] = co_await s.async_read_some(buf.prepare(read_chunk_bytes),
                                              boost::asio::as_tuple(boost::asio::use_awaitable));
    buf.commit(n);
    co_return ec;
}

inline bool is_eof(const boost::system::error_code& ec) noexcept {
    // A TLS peer closing without close_notify counts as a close here; the
    // body read below still refuses a message cut short.
    return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace detail

// Reads until the head is complete; bytes after it stay in buf (body, or the
// next pipelined message). Returns:
//  - {} with p.is_header_done() (p.is_done() too if there is no body),
//  - beast::http::error::end_of_stream if the peer closed before sending a
//    byte of this message (a clean keep-alive close),
//  - beast::http::error::partial_message if it closed mid-head,
//  - an http_error, or the stream's error.
template <class Stream, bool isRequest>
boost::asio::awaitable<boost::system::error_code> async_read_head(Stream& s,
                                                                  boost::beast::flat_buffer& buf,
                                                                  message_parser<isRequest>& p) {
    namespace bhttp = boost::beast::http;
    for (;;) {
        if (buf.size() != 0) {
            boost::system::error_code ec;
            buf.consume(p.put(buf.data(), ec));
            if (!ec) {
                if (p.is_header_done()) co_return ec;
                continue;
            }
            if (ec != bhttp::error::need_more) co_return ec;
        }
        const auto ec = co_await detail::read_more(s, buf);
        if (!ec) continue;
        if (detail::is_eof(ec)) {
            if (buf.size() == 0 && !p.got_some()) co_return bhttp::error::end_of_stream;
            co_return bhttp::error::partial_message;
        }
        co_return ec;
    }
}

// After p.set_body_buffer(), fills some of that buffer: bytes already in buf
// first, then from the stream. Returns {} once p.body_buffered() > 0 or
// p.is_done() (both can hold: the message's end is parsed eagerly when its
// bytes are already here, so the last data and the end come together).
// The peer closing ends a read-until-close body (p.need_eof()); for any other
// body it is beast::http::error::partial_message. Bytes after the message
// stay in buf.
template <class Stream, bool isRequest>
boost::asio::awaitable<boost::system::error_code> async_read_body_some(
    Stream& s, boost::beast::flat_buffer& buf, message_parser<isRequest>& p) {
    namespace bhttp = boost::beast::http;
    for (;;) {
        if (p.is_done()) co_return boost::system::error_code{};
        if (buf.size() != 0) {
            boost::system::error_code ec;
            buf.consume(p.put(buf.data(), ec));
            if (ec == bhttp::error::need_buffer) co_return boost::system::error_code{};
            if (!ec) continue;  // progress: keep parsing what is here
            if (ec != bhttp::error::need_more) co_return ec;
        }
        if (p.body_buffered() != 0) co_return boost::system::error_code{};
        auto ec = co_await detail::read_more(s, buf);
        if (!ec) continue;
        if (!detail::is_eof(ec)) co_return ec;
        if (ec == boost::asio::ssl::error::stream_truncated && p.need_eof())
            co_return ec;  // a body ended by close cannot be told from a truncated one
        p.put_eof(ec);
        co_return to_http_error(ec);
    }
}

}  // namespace warren::http
