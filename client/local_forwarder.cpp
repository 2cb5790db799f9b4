#include "client/local_forwarder.hpp"

#include "http/message_parser.hpp"
#include "http/proxy_headers.hpp"
#include "http/read.hpp"
#include "http/serialize.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <span>

namespace warren::client {
namespace net = boost::asio;
using net::ip::tcp;
using boost::system::error_code;

struct local_forwarder::exchange {
    std::shared_ptr<proto::mux_stream> stream;
    std::shared_ptr<tcp::socket> socket;
    boost::beast::flat_buffer buffer;
    std::string head_bytes;
    bool has_body = false;
    bool chunked = false;
    bool upgrade = false;
    bool is_head = false;
    bool reused = false;
    // progress
    bool request_done = false;
    bool response_started = false;  // any byte of a response head arrived
    bool response_done = false;
    bool keep_alive = false;
    unsigned status = 0;
    std::uint64_t bytes = 0;
    std::string note;
};

namespace {

constexpr std::string_view crlf = "\r\n";

// Why a local exchange failed, in words for the public's 502 page.
std::string describe_local_error(error_code ec, bool got_response) {
    if (ec == boost::beast::http::error::end_of_stream || ec == net::error::eof ||
        ec == boost::beast::http::error::partial_message)
        return got_response ? "the local server closed the connection in the middle of its response"
                            : "the local server closed the connection without answering";
    if (ec == net::error::connection_reset) return "the local server reset the connection";
    if (const unsigned status = http::status_for(ec))
        return "the local server sent an invalid response: " + http::to_http_error(ec).message();
    return "local server: " + ec.message();
}

}  // namespace

net::awaitable<void> local_forwarder::forward(std::shared_ptr<proto::mux_stream> s, proto::open_payload open,
                                              std::uint8_t flags) {
    const auto started = std::chrono::steady_clock::now();
    ++in_flight_;
    request_head head = std::move(open.head);
    const std::string method = head.method;
    const std::string target = head.target;

    exchange x;
    x.stream = s;
    x.has_body = !(flags & proto::flag::end) && !(flags & proto::flag::upgrade);
    x.chunked = flags & proto::flag::chunked;
    x.upgrade = flags & proto::flag::upgrade;
    x.is_head = method == "HEAD";
    if (options_.rewrite_host) {
        erase_header(head.headers, "host");
        head.headers.insert(head.headers.begin(), {"Host", options_.local_authority()});
    }
    if (x.chunked) head.headers.push_back({"Transfer-Encoding", "chunked"});
    head.version = 11;  // keep-alive to the local server, whatever the public spoke
    x.head_bytes = http::serialize_head(head);

    // A pooled connection the server closed a moment ago fails before any
    // response byte; a request whose body was not yet taken from the tunnel
    // can then be sent again on a fresh connection.
    for (int attempt = 0;; ++attempt) {
        std::string error;
        auto lease = co_await pool_.acquire(error);
        if (!lease) {
            x.status = 502;
            x.note = error;
            s->reset(proto::reset_code::upstream_failed, error);
            break;
        }
        x.socket = std::make_shared<tcp::socket>(std::move(lease->socket));
        x.reused = lease->reused;
        x.buffer.clear();
        std::weak_ptr<tcp::socket> weak = x.socket;
        // The gateway reset the stream (public client left, timeout): abort
        // the local request by closing its connection.
        s->on_failure([weak] {
            if (auto sock = weak.lock()) {
                error_code ec;
                sock->close(ec);
            }
        });
        const outcome o = co_await run_exchange(x);
        s->on_failure(nullptr);
        if (o == outcome::retry && attempt == 0) continue;
        break;
    }
    if (x.keep_alive && x.request_done && x.response_done && x.socket) pool_.release(std::move(*x.socket));
    --in_flight_;
    out_.request(method, target, x.status, std::chrono::steady_clock::now() - started, x.bytes, x.note);
}

net::awaitable<local_forwarder::outcome> local_forwarder::run_exchange(exchange& x) {
    using namespace net::experimental::awaitable_operators;
    auto [wec, n] = co_await net::async_write(*x.socket, net::buffer(x.head_bytes), net::as_tuple(net::use_awaitable));
    (void)n;
    if (wec) {
        if (x.reused && !x.has_body) co_return outcome::retry;
        x.status = 502;
        x.note = describe_local_error(wec, false);
        x.stream->reset(proto::reset_code::upstream_failed, x.note);
        co_return outcome::done;
    }
    if (x.has_body) co_await (send_request_body(x) && relay_response(x));
    else {
        x.request_done = true;
        co_await relay_response(x);
    }
    if (!x.response_started && x.reused && !x.has_body && !x.stream->failed() && x.status == 0)
        co_return outcome::retry;
    co_return outcome::done;
}

net::awaitable<void> local_forwarder::send_request_body(exchange& x) {
    std::string body;
    std::string chunk_line;
    std::string tail;
    bool end = false;
    while (!end) {
        if (co_await x.stream->read_body(body, end)) {
            // The tunnel side failed: on_failure already closed the socket.
            co_return;
        }
        std::array<net::const_buffer, 4> bufs;
        std::size_t count = 0;
        if (!body.empty()) {
            if (x.chunked) {
                chunk_line = http::chunk_header(body.size());
                bufs[count++] = net::buffer(chunk_line);
            }
            bufs[count++] = net::buffer(body);
            if (x.chunked) bufs[count++] = net::buffer(crlf.data(), crlf.size());
        }
        if (end && x.chunked) {
            tail = http::last_chunk(x.stream->trailers());
            bufs[count++] = net::buffer(tail);
        }
        if (count > 0) {
            auto [ec, written] = co_await net::async_write(
                *x.socket, std::span<const net::const_buffer>(bufs.data(), count), net::as_tuple(net::use_awaitable));
            (void)written;
            if (ec) {
                // The local server stopped reading (it may have answered
                // early); the response side reports what happened.
                x.keep_alive = false;
                co_return;
            }
        }
        x.stream->consumed(body.size());
    }
    x.request_done = true;
}

net::awaitable<void> local_forwarder::relay_response(exchange& x) {
    auto& s = *x.stream;
    http::parser_limits limits;
    limits.header_bytes = 64 * 1024;
    limits.trailer_bytes = 64 * 1024;
    auto parser = std::make_unique<http::response_parser>(limits);
    if (x.is_head) parser->skip(true);
    for (;;) {
        const error_code ec = co_await http::async_read_head(*x.socket, x.buffer, *parser);
        if (ec) {
            if (s.failed()) co_return;
            if (!x.response_started && x.buffer.size() == 0 && x.reused && !x.has_body &&
                (ec == boost::beast::http::error::end_of_stream || ec == net::error::connection_reset))
                co_return;  // stale pooled connection: retried by the caller
            x.status = 502;
            x.note = describe_local_error(ec, false);
            s.reset(proto::reset_code::upstream_failed, x.note);
            co_return;
        }
        x.response_started = true;
        const unsigned status = parser->head().status;
        if (status >= 200 || status == 101) break;
        s.send_head(parser->head(), 0);  // 100 Continue, 103 Early Hints
        parser = std::make_unique<http::response_parser>(limits);
        if (x.is_head) parser->skip(true);
    }

    response_head head = std::move(parser->head());
    x.status = head.status;
    if (head.status == 101) {
        if (!x.upgrade) {
            x.note = "the local server switched protocols without being asked";
            s.reset(proto::reset_code::upstream_failed, x.note);
            x.status = 502;
            co_return;
        }
        http::strip_hop_by_hop(head.headers, true);
        s.send_head(head, 0);
        co_await relay_upgraded(x);
        co_return;
    }
    http::strip_hop_by_hop(head.headers, false);
    std::uint8_t flags = 0;
    if (parser->is_done()) flags |= proto::flag::end;
    if (parser->body_chunked()) flags |= proto::flag::chunked;
    if (x.upgrade) x.request_done = true;  // refused upgrade: nothing more comes from the public

    // The head goes out together with the body bytes already read along with
    // it (small responses arrive whole), so the gateway can answer the public
    // in one write; after that, each read is forwarded as it comes.
    bool head_sent = false;
    while (!head_sent || !parser->is_done()) {
        std::string chunk;
        if (!parser->is_done() && (head_sent || x.buffer.size() > 0)) {
            chunk.resize(http::read_chunk_bytes);
            parser->set_body_buffer(chunk.data(), chunk.size());
            const error_code ec = co_await http::async_read_body_some(*x.socket, x.buffer, *parser);
            if (ec) {
                if (s.failed()) co_return;
                x.note = describe_local_error(ec, true);
                s.reset(proto::reset_code::upstream_failed, x.note);
                co_return;
            }
            chunk.resize(parser->body_buffered());
        }
        if (!head_sent) {
            s.send_head(head, flags);
            head_sent = true;
            if (flags & proto::flag::end) break;
        }
        const bool done = parser->is_done();
        if (chunk.empty() && !done) continue;
        x.bytes += chunk.size();
        const error_code wec = co_await s.write_piece(std::move(chunk), done, parser->trailers());
        if (wec) co_return;  // reset by the gateway: socket already closed
    }
    x.response_done = true;
    x.keep_alive = parser->keep_alive() && !parser->need_eof();
}

net::awaitable<void> local_forwarder::relay_upgraded(exchange& x) {
    using namespace net::experimental::awaitable_operators;
    auto s = x.stream;
    auto sock = x.socket;
    auto to_local = [s, sock]() -> net::awaitable<void> {
        std::string body;
        bool end = false;
        while (!end) {
            if (co_await s->read_body(body, end)) co_return;
            if (!body.empty()) {
                auto [ec, n] = co_await net::async_write(*sock, net::buffer(body), net::as_tuple(net::use_awaitable));
                (void)n;
                if (ec) {
                    s->reset(proto::reset_code::upstream_failed, "the local server closed the upgraded connection");
                    co_return;
                }
                s->consumed(body.size());
            }
        }
        error_code ignored;
        sock->shutdown(tcp::socket::shutdown_send, ignored);
    };
    auto from_local = [s, sock, &x]() -> net::awaitable<void> {
        for (;;) {
            std::string chunk;
            if (x.buffer.size() > 0) {
                chunk = boost::beast::buffers_to_string(x.buffer.data());
                x.buffer.consume(x.buffer.size());
            } else {
                chunk.resize(http::read_chunk_bytes);
                auto [ec, got] = co_await sock->async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
                chunk.resize(got);
                if (ec) {
                    if (ec == net::error::eof) {
                        std::string no_bytes;  // locals, not temporaries, in co_await calls (g++ 12)
                        const error_code end_ec = co_await s->write_body(std::move(no_bytes), true);
                        (void)end_ec;
                    } else if (!s->failed()) {
                        s->reset(proto::reset_code::upstream_failed, "the local server reset the upgraded connection");
                    }
                    co_return;
                }
            }
            x.bytes += chunk.size();
            if (co_await s->write_body(std::move(chunk), false)) co_return;
        }
    };
    co_await (to_local() && from_local());
    x.request_done = x.response_done = true;
    x.keep_alive = false;
}

}  // namespace warren::client
