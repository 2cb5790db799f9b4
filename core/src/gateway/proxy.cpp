// Forwarding one public request through a tunnel stream and its response back.
// Runs on the tunnel's strand (see http_connection.hpp).
#include "auth/cookies.hpp"
#include "gateway/http_connection.hpp"
#include "gateway/request_log_dispatcher.hpp"
#include "gateway/streams.hpp"
#include "http/proxy_headers.hpp"
#include "http/read.hpp"
#include "http/serialize.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

#include <charconv>
#include <span>

namespace warren {
namespace net = boost::asio;
using boost::system::error_code;

template <class Stream>
struct http_connection<Stream>::exchange {
    net::any_io_executor strand;
    std::string public_host;
    std::string tunnel_host;  // NAME.DOMAIN, lowercase, no port: whose cookies it may set
    std::string accept;
    unsigned request_version = 11;
    bool is_head = false;
    bool keep_alive = true;
    bool has_request_body = false;
    bool request_done = false;
    bool response_done = false;
    bool response_started = false;
    bool public_gone = false;
    error_code request_error;  // the public's body was refused (e.g. too large)
    unsigned status = 0;
    std::uint64_t bytes_in = 0;   // body bytes read from the public
    std::uint64_t bytes_out = 0;  // body bytes forwarded to the public
};

namespace {

// A tunnel serves content the gateway does not control: it must not set
// cookies for the apex (the dashboard's session) or for other tunnels.
void drop_foreign_cookies(header_list& headers, std::string_view tunnel_host) {
    const auto before = headers.size();
    std::erase_if(headers, [&](const header_field& f) {
        return iequals(f.name, "set-cookie") && !cookies::tunnel_may_set(f.value, tunnel_host);
    });
    if (headers.size() != before)
        spdlog::debug("{}: dropped {} Set-Cookie with a Domain beyond the tunnel", tunnel_host, before - headers.size());
}

std::optional<std::uint64_t> parse_length(std::string_view v) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
    return n;
}

// What the public is told when a stream fails before its response head.
std::pair<unsigned, std::string> failure_status(const proto::mux_stream& s, error_code ec) {
    if (auto why = s.peer_reset()) {
        const std::string reason = why->reason.empty() ? std::string(proto::to_string(static_cast<proto::reset_code>(why->code)))
                                                        : why->reason;
        switch (static_cast<proto::reset_code>(why->code)) {
            case proto::reset_code::too_large: return {413, reason};
            case proto::reset_code::refused: return {503, "the tunnel client is not accepting requests: " + reason};
            case proto::reset_code::timeout: return {504, reason};
            case proto::reset_code::upstream_failed: return {502, reason};
            case proto::reset_code::integrity: return {502, "request body integrity check failed: " + reason};
            default: return {502, "the tunnel client reset the request: " + reason};
        }
    }
    if (ec == proto::mux_errc::integrity_failed) return {502, "response body integrity check failed"};
    if (ec == proto::mux_errc::session_closed) return {502, "the tunnel client disconnected"};
    return {502, ec.message()};
}

}  // namespace

template <class Stream>
net::awaitable<bool> http_connection<Stream>::proxy(http::request_parser& parser,
                                                    const std::shared_ptr<tunnel>& t) {
    using namespace net::experimental::awaitable_operators;
    const auto started = std::chrono::steady_clock::now();
    // Wall-clock time only for request records: no clock read without sinks.
    const auto started_at =
        ctx_.request_log ? std::chrono::system_clock::now() : std::chrono::system_clock::time_point{};
    exchange x;
    x.strand = co_await net::this_coro::executor;
    request_head head = parser.head();
    x.public_host = std::string(find_header(head.headers, "host").value_or(""));
    x.tunnel_host = t->name() + "." + ctx_.config.server.domain;
    x.accept = std::string(find_header(head.headers, "accept").value_or(""));
    x.request_version = head.version;
    x.is_head = head.method == "HEAD";
    x.keep_alive = parser.keep_alive();
    x.has_request_body = !parser.is_done();
    const bool upgrade = parser.upgrade();
    const auto length = parser.content_length();
    const auto max_body = ctx_.config.tunnels.max_body_bytes;
    // Every request that reached a tunnel gets a record, whoever answered it.
    const auto log_request = [&](unsigned status) {
        submit_request_record(head, t->name(), started_at, started, status, x.bytes_in, x.bytes_out);
    };
    // g++ 12 miscompiles some `co_return co_await` forms: results go through locals.
    if (max_body && length && *length > max_body) {
        const std::string message =
            "the request body is larger than this gateway allows (" + std::to_string(max_body) + " bytes)";
        const bool keep = co_await respond_error(413, message, &parser, true);
        log_request(413);
        co_return keep;
    }
    if (upgrade && x.has_request_body) {
        const bool keep = co_await respond_error(400, "an upgrade request cannot have a body", &parser, true);
        log_request(400);
        co_return keep;
    }

    http::strip_hop_by_hop(head.headers, upgrade);
    http::set_forwarded_headers(head.headers, {client_ip_, tls_ ? "https" : "http", x.public_host});
    std::uint8_t flags = 0;
    if (!x.has_request_body && !upgrade) flags |= proto::flag::end;
    if (parser.body_chunked()) flags |= proto::flag::chunked;
    if (upgrade) flags |= proto::flag::upgrade;

    error_code ec;
    auto s = t->open_stream(head, flags, ec);
    if (!s) {
        const std::string message = "tunnel \"" + t->name() + "\" cannot take this request now: " + ec.message();
        const bool keep = co_await respond_error(503, message, &parser, false);
        log_request(503);
        co_return keep;
    }

    ++ctx_.active_requests;
    ++t->in_flight;
    ++t->requests;
    ctx_.metrics.streams.inc();
    if (upgrade) {
        co_await pump_upgraded(s, x);
        x.keep_alive = false;
    } else {
        co_await (pump_request(parser, s, x) && pump_response(s, x));
    }
    ctx_.metrics.streams.dec();
    --t->in_flight;
    --ctx_.active_requests;
    if (t->credentials().keyed)
        ctx_.traffic.record(t->name(), x.bytes_in, x.bytes_out, std::chrono::system_clock::now());

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ctx_.metrics.record(x.status, seconds);
    log_request(x.status);
    // The path only: query strings carry signatures and tokens.
    spdlog::debug("{} {} {} {} {:.1f}ms", t->name(), head.method, head.target.substr(0, head.target.find('?')),
                  x.status, seconds * 1000);
    co_return x.keep_alive && x.request_done && x.response_done && !x.public_gone && !ctx_.draining;
}

template <class Stream>
void http_connection<Stream>::submit_request_record(const request_head& head, std::string_view tunnel,
                                                    std::chrono::system_clock::time_point started_at,
                                                    std::chrono::steady_clock::time_point started, unsigned status,
                                                    std::uint64_t bytes_in, std::uint64_t bytes_out) {
    if (!ctx_.request_log) return;
    request_record r;
    r.started = started_at;
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    r.tunnel = tunnel;
    r.method = head.method;
    r.path = head.target.substr(0, head.target.find('?'));  // query strings carry signatures and tokens
    r.host = find_header(head.headers, "host").value_or("");
    r.client_ip = client_ip_;
    r.status = static_cast<int>(status);
    r.bytes_in = bytes_in;
    r.bytes_out = bytes_out;
    r.user_agent = find_header(head.headers, "user-agent").value_or("");
    ctx_.request_log->submit(std::move(r));
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::pump_request(http::request_parser& parser,
                                                           std::shared_ptr<proto::mux_stream> s,
                                                           exchange& x) {
    if (x.has_request_body) {
        for (;;) {
            std::string chunk(http::read_chunk_bytes, '\0');
            parser.set_body_buffer(chunk.data(), chunk.size());
            arm(read_deadline_, ctx_.config.limits.idle_timeout, x.strand);
            const error_code ec = co_await http::async_read_body_some(stream_, buffer_, parser);
            disarm(read_deadline_);
            if (ec) {
                x.request_error = http::to_http_error(ec);
                x.keep_alive = false;
                if (x.request_error == http::http_error::body_too_large)
                    s->reset(proto::reset_code::too_large, "request body too large");
                else
                    s->reset(proto::reset_code::cancel, "the public client's request body failed");
                co_return;
            }
            chunk.resize(parser.body_buffered());
            ctx_.metrics.bytes_in.inc(chunk.size());
            x.bytes_in += chunk.size();
            const bool done = parser.is_done();
            const error_code wec = co_await s->write_piece(std::move(chunk), done, parser.trailers());
            if (wec) {
                x.keep_alive = false;  // the rest of the body was never read
                co_return;
            }
            if (done) break;
        }
    }
    x.request_done = true;
    // While the response is pending, a read notices the public client leaving:
    // the stream is then reset and the tunnel client aborts its local request.
    // Whatever it reads is the start of the next request and stays in buffer_.
    if (!x.response_done && buffer_.size() == 0) {
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(16 * 1024),
                                                        net::as_tuple(net::use_awaitable));
        buffer_.commit(n);
        if (ec) {
            x.keep_alive = false;
            if (!x.response_done) {
                x.public_gone = true;
                s->reset(proto::reset_code::cancel, "the public client went away");
            }
        }
    }
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::await_final_head(std::shared_ptr<proto::mux_stream> s, exchange& x,
                                                               response_head& head, std::uint8_t& flags,
                                                               bool upgrade) {
    // The final head must come within request_timeout; 1xx heads don't count.
    enum class wait_state { waiting, answered, timed_out };
    auto state = std::make_shared<wait_state>(wait_state::waiting);
    net::steady_timer head_timer(x.strand);
    head_timer.expires_after(ctx_.config.tunnels.request_timeout);
    head_timer.async_wait([s, state](error_code ec) {
        if (ec || *state != wait_state::waiting) return;
        *state = wait_state::timed_out;
        s->reset(proto::reset_code::timeout, "no response in time");
    });
    for (;;) {
        error_code ec = co_await s->read_head(head, flags);
        if (!ec && head.status == 101 && !upgrade) ec = proto::mux_errc::protocol_error;
        if (ec) {
            head_timer.cancel();
            if (upgrade) {
                std::string no_bytes;  // locals, not temporaries, in co_await calls (g++ 12)
                const error_code end_ec = co_await s->write_body(std::move(no_bytes), true);
                (void)end_ec;
            }
            if (x.public_gone) co_return false;
            auto [status, message] = failure_status(*s, ec);
            if (*state == wait_state::timed_out) {
                status = 504;
                message = "the tunnel's local server did not answer within " +
                          std::to_string(ctx_.config.tunnels.request_timeout.count() / 1000) + "s";
            } else if (x.request_error == http::http_error::body_too_large) {
                status = 413;
                message = "the request body is larger than this gateway allows";
            } else if (x.request_error) {
                status = 400;
                message = x.request_error.message();
            }
            x.status = status;
            simple_response r = error_response(status, message, x.accept);
            r.head_only = x.is_head;
            r.close = !x.request_done || !x.keep_alive || upgrade || ctx_.draining;
            if (status == 503) r.extra_headers.push_back({"Retry-After", "5"});
            x.keep_alive = !r.close;
            x.response_done = co_await respond(r);
            co_return false;
        }
        if (head.status >= 200 || head.status == 101) break;
        if (x.request_version < 11) continue;  // HTTP/1.0 clients get no interim responses
        head.version = 11;
        const std::string interim = http::serialize_head(head);
        arm(write_deadline_, ctx_.config.limits.idle_timeout, x.strand);
        auto [wec, n] = co_await net::async_write(stream_, net::buffer(interim), net::as_tuple(net::use_awaitable));
        (void)n;
        disarm(write_deadline_);
        if (wec) {
            x.public_gone = true;
            x.keep_alive = false;
            s->reset(proto::reset_code::cancel, "the public client went away");
            co_return false;
        }
    }
    *state = wait_state::answered;
    head_timer.cancel();
    co_return true;
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::pump_response(std::shared_ptr<proto::mux_stream> s,
                                                            exchange& x) {
    response_head head;
    std::uint8_t flags = 0;
    if (co_await await_final_head(s, x, head, flags, false)) co_await forward_response(s, x, std::move(head), flags);
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::forward_response(std::shared_ptr<proto::mux_stream> s, exchange& x,
                                                               response_head head, std::uint8_t flags) {

    // Frame the response for the public: the tunnel carries bodies as chunks
    // with an end marker, so Content-Length passes through and everything else
    // becomes chunked (or close-delimited for HTTP/1.0).
    http::strip_hop_by_hop(head.headers, false);
    drop_foreign_cookies(head.headers, x.tunnel_host);
    head.version = 11;
    const bool bodyless = x.is_head || head.status == 204 || head.status == 304;
    bool chunked_out = false;
    std::optional<std::uint64_t> content_length;
    if (auto cl = find_header(head.headers, "content-length")) content_length = parse_length(*cl);
    if (!bodyless && !content_length) {
        if (flags & proto::flag::end) {
            erase_header(head.headers, "content-length");
            head.headers.push_back({"Content-Length", "0"});
            content_length = 0;
        } else if (x.request_version >= 11) {
            chunked_out = true;
            head.headers.push_back({"Transfer-Encoding", "chunked"});
        } else {
            x.keep_alive = false;  // the end of the body is the end of the connection
        }
    }
    if (ctx_.draining) x.keep_alive = false;
    if (!x.keep_alive) head.headers.push_back({"Connection", "close"});
    else if (x.request_version == 10) head.headers.push_back({"Connection", "keep-alive"});
    const std::string head_bytes = http::serialize_head(head);
    x.status = head.status;
    x.response_started = true;

    std::string body;
    std::string chunk_line;
    std::string tail;
    bool end = (flags & proto::flag::end) != 0;
    bool head_pending = true;
    // The first body bytes usually arrive right behind the head: let the
    // reader take in what is already received, so both go out in one write.
    if (!end && !s->body_ready()) co_await net::post(x.strand, net::use_awaitable);
    std::uint64_t forwarded = 0;
    static constexpr std::string_view crlf = "\r\n";
    for (;;) {
        body.clear();
        // Wait for body bytes, except that the head goes out at once when none
        // are here yet (a server-sent event stream may be silent for minutes).
        if (!end && (!head_pending || s->body_ready())) {
            const error_code ec = co_await s->read_body(body, end);
            if (ec && head_pending && !x.public_gone) {
                // Nothing was sent yet: the public still gets a proper answer.
                const auto [status, message] = failure_status(*s, ec);
                x.status = status;
                simple_response r = error_response(status, message, x.accept);
                r.head_only = x.is_head;
                r.close = true;
                x.keep_alive = false;
                co_await respond(r);
                close_socket();
                co_return;
            }
            if (ec) {
                // Cut short: the public must see a truncated transfer, never
                // a well-framed short body, so the connection closes.
                x.keep_alive = false;
                if (!x.public_gone) s->reset(proto::reset_code::cancel, "response failed");
                close_socket();
                co_return;
            }
        }
        std::size_t n = bodyless ? 0 : body.size();
        if (content_length && forwarded + n > *content_length) {
            s->reset(proto::reset_code::protocol_error, "response body longer than its Content-Length");
            x.keep_alive = false;
            close_socket();
            co_return;
        }
        std::array<net::const_buffer, 5> bufs;
        std::size_t count = 0;
        if (head_pending) bufs[count++] = net::buffer(head_bytes);
        if (n > 0) {
            if (chunked_out) {
                chunk_line = http::chunk_header(n);
                bufs[count++] = net::buffer(chunk_line);
            }
            bufs[count++] = net::buffer(body.data(), n);
            if (chunked_out) bufs[count++] = net::buffer(crlf.data(), crlf.size());
        }
        if (end && chunked_out) {
            tail = http::last_chunk(s->trailers());
            bufs[count++] = net::buffer(tail);
        }
        if (count > 0) {
            arm(write_deadline_, ctx_.config.limits.idle_timeout, x.strand);
            auto [wec, written] = co_await net::async_write(
                stream_, std::span<const net::const_buffer>(bufs.data(), count), net::as_tuple(net::use_awaitable));
            (void)written;
            disarm(write_deadline_);
            if (wec) {
                x.public_gone = true;
                x.keep_alive = false;
                s->reset(proto::reset_code::cancel, "the public client stopped reading");
                close_socket();
                co_return;
            }
        }
        head_pending = false;
        s->consumed(body.size());
        forwarded += n;
        ctx_.metrics.bytes_out.inc(n);
        x.bytes_out += n;
        if (end) break;
    }
    if (content_length && !bodyless && forwarded != *content_length) {
        x.keep_alive = false;
        close_socket();
        co_return;
    }
    x.response_done = true;
    if (!x.request_done) {
        // Answered before the whole request body arrived: stop the upload;
        // the unread rest makes the connection unusable.
        x.keep_alive = false;
        s->reset(proto::reset_code::cancel, "response complete");
    } else if (x.keep_alive) {
        // The watch read in pump_request is now the wait for the next request.
        arm(read_deadline_, ctx_.config.limits.idle_timeout, x.strand);
    } else {
        begin_close(x.strand);  // ends the watch read once the peer closes too
    }
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::pump_upgraded(std::shared_ptr<proto::mux_stream> s,
                                                            exchange& x) {
    using namespace net::experimental::awaitable_operators;
    x.request_done = true;
    response_head head;
    std::uint8_t flags = 0;
    if (!co_await await_final_head(s, x, head, flags, true)) co_return;
    if (head.status != 101) {
        // Not upgraded: an ordinary response, after which the connection closes.
        std::string no_bytes;  // locals, not temporaries, in co_await calls (g++ 12)
        const error_code end_ec = co_await s->write_body(std::move(no_bytes), true);
        (void)end_ec;
        x.keep_alive = false;
        co_await forward_response(s, x, std::move(head), flags);
        co_return;
    }
    x.status = 101;
    http::strip_hop_by_hop(head.headers, true);
    drop_foreign_cookies(head.headers, x.tunnel_host);
    head.version = 11;
    const std::string head_bytes = http::serialize_head(head);
    auto [wec, n] = co_await net::async_write(stream_, net::buffer(head_bytes), net::as_tuple(net::use_awaitable));
    (void)n;
    if (wec) {
        s->reset(proto::reset_code::cancel, "the public client went away");
        co_return;
    }
    x.response_started = true;

    // Raw bytes both ways until both sides are done. Upgraded connections
    // may be quiet for long: no idle deadline here (the tunnel has pings).
    auto upstream = [this, s, &x]() -> net::awaitable<void> {
        for (;;) {
            std::string chunk;
            if (buffer_.size() > 0) {
                chunk.assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
                buffer_.consume(buffer_.size());
            } else {
                chunk.resize(http::read_chunk_bytes);
                auto [ec, got] = co_await stream_.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
                chunk.resize(got);
                if (ec) {
                    if (ec == net::error::eof) {
                        std::string no_bytes;  // locals, not temporaries, in co_await calls (g++ 12)
                        const error_code end_ec = co_await s->write_body(std::move(no_bytes), true);
                        (void)end_ec;
                    } else {
                        s->reset(proto::reset_code::cancel, "the public client went away");
                    }
                    co_return;
                }
            }
            ctx_.metrics.bytes_in.inc(chunk.size());
            x.bytes_in += chunk.size();
            if (co_await s->write_body(std::move(chunk), false)) co_return;
        }
    };
    auto downstream = [this, s, &x]() -> net::awaitable<void> {
        std::string body;
        bool end = false;
        while (!end) {
            if (co_await s->read_body(body, end)) {
                close_socket();
                co_return;
            }
            if (!body.empty()) {
                auto [ec, written] = co_await net::async_write(stream_, net::buffer(body), net::as_tuple(net::use_awaitable));
                (void)written;
                if (ec) {
                    s->reset(proto::reset_code::cancel, "the public client went away");
                    co_return;
                }
                ctx_.metrics.bytes_out.inc(body.size());
                x.bytes_out += body.size();
                s->consumed(body.size());
            }
        }
        error_code ignored;
        boost::beast::get_lowest_layer(stream_).shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    };
    co_await (upstream() && downstream());
    x.response_done = true;
    close_socket();
}

#define WARREN_INSTANTIATE_PROXY(S)                                                                      \
    template net::awaitable<bool> http_connection<S>::proxy(http::request_parser&,                       \
                                                            const std::shared_ptr<tunnel>&);             \
    template net::awaitable<void> http_connection<S>::pump_request(                                      \
        http::request_parser&, std::shared_ptr<proto::mux_stream>, exchange&);                           \
    template net::awaitable<void> http_connection<S>::pump_response(std::shared_ptr<proto::mux_stream>,  \
                                                                    exchange&);                          \
    template net::awaitable<void> http_connection<S>::pump_upgraded(std::shared_ptr<proto::mux_stream>,  \
                                                                    exchange&);                          \
    template net::awaitable<bool> http_connection<S>::await_final_head(                                  \
        std::shared_ptr<proto::mux_stream>, exchange&, response_head&, std::uint8_t&, bool);             \
    template net::awaitable<void> http_connection<S>::forward_response(std::shared_ptr<proto::mux_stream>, \
                                                                       exchange&, response_head, std::uint8_t);
WARREN_INSTANTIATE_PROXY(plain_stream)
WARREN_INSTANTIATE_PROXY(tls_stream)

}  // namespace warren
