#include "gateway/http_connection.hpp"

#include "gateway/apex.hpp"
#include "gateway/streams.hpp"
#include "http/read.hpp"
#include "util/host.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <type_traits>

namespace warren {
namespace net = boost::asio;
using boost::system::error_code;

template <class Stream>
http_connection<Stream>::http_connection(Stream stream, boost::beast::flat_buffer buffer,
                                         gateway_context& ctx, bool tls, limits::connection_counter::slot slot)
    : stream_(std::move(stream)),
      buffer_(std::move(buffer)),
      ctx_(ctx),
      tls_(tls),
      read_deadline_(static_cast<net::io_context&>(boost::beast::get_lowest_layer(stream_).get_executor().context())),
      write_deadline_(static_cast<net::io_context&>(boost::beast::get_lowest_layer(stream_).get_executor().context())) {
    boost::system::error_code ec;
    auto ep = boost::beast::get_lowest_layer(stream_).remote_endpoint(ec);
    if (!ec) {
        auto addr = ep.address();
        if (addr.is_v6() && addr.to_v6().is_v4_mapped())
            addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
        client_ip_ = addr.to_string();
    }
    slot_ = std::move(slot);
    ctx_.metrics.connections.inc();
}

template <class Stream>
http_connection<Stream>::~http_connection() {
    ctx_.metrics.connections.dec();
}

template <class Stream>
void http_connection<Stream>::arm(deadline& d, std::chrono::milliseconds after,
                                  const net::any_io_executor& strand) {
    const auto generation = ++d.generation;
    d.fired = false;
    d.timer.expires_after(after);
    d.timer.async_wait(net::bind_executor(
        strand, [self = this->shared_from_this(), &d, generation](boost::system::error_code ec) {
            if (ec || generation != d.generation) return;
            d.fired = true;
            self->close_socket();
        }));
}

template <class Stream>
void http_connection<Stream>::disarm(deadline& d) {
    ++d.generation;
    d.timer.cancel();
}

template <class Stream>
void http_connection<Stream>::close_socket() noexcept {
    boost::system::error_code ec;
    auto& sock = boost::beast::get_lowest_layer(stream_);
    sock.shutdown(net::ip::tcp::socket::shutdown_both, ec);
    sock.close(ec);
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::respond(const simple_response& r) {
    const std::string bytes = serialize(r);
    const auto strand = co_await net::this_coro::executor;
    arm(write_deadline_, ctx_.config.limits.idle_timeout, strand);
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(bytes), net::as_tuple(net::use_awaitable));
    (void)n;
    disarm(write_deadline_);
    ctx_.metrics.record(r.status, 0);
    co_return !ec;
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::respond_error(unsigned status, std::string_view message,
                                                            const http::request_parser* parser,
                                                            bool close, std::chrono::seconds retry_after) {
    std::string_view accept;
    bool head_only = false;
    if (parser && parser->is_header_done()) {
        accept = find_header(parser->head().headers, "accept").value_or("");
        head_only = parser->head().method == "HEAD";
        // A body we will not read would be taken for the next request.
        if (!parser->is_done()) close = true;
    }
    simple_response r = error_response(status, message, accept);
    r.close = close || ctx_.draining.load();
    r.head_only = head_only;
    if (status == 503 || status == 429)
        r.extra_headers.push_back({"Retry-After", std::to_string(std::max<std::int64_t>(1, retry_after.count()))});
    const bool ok = co_await respond(r);
    co_return ok && !r.close;
}

template <class Stream>
limits::decision http_connection<Stream>::check_rate(limits::rate_kind kind, std::string_view key) {
    const auto d = ctx_.limits.check(kind, key);
    if (const auto* limiter = ctx_.limits.limiter(kind)) ctx_.metrics.record_rate_check(kind, d, *limiter);
    if (!d.allowed()) spdlog::debug("{} from {} rate limited ({})", limits::name(kind), client_ip_, key);
    return d;
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::wait_readable(std::chrono::milliseconds idle,
                                                            const net::any_io_executor& strand) {
    arm(read_deadline_, idle, strand);
    auto [ec] = co_await boost::beast::get_lowest_layer(stream_).async_wait(net::socket_base::wait_read,
                                                                           net::as_tuple(net::use_awaitable));
    disarm(read_deadline_);
    co_return !ec && !read_deadline_.fired;
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::run(std::shared_ptr<http_connection> self,
                                                  std::unique_ptr<http::request_parser> pending,
                                                  std::shared_ptr<tunnel> target) {
    const auto strand = co_await net::this_coro::executor;
    for (;;) {
        std::unique_ptr<http::request_parser> parser = std::move(pending);
        std::shared_ptr<tunnel> t = std::move(target);
        next_step step = next_step::proceed;
        if (!parser) {
            parser = self->make_parser();
            step = co_await self->read_and_route(*parser, t, strand);
        }
        if (step == next_step::proceed && t) {
            if (const auto tunnel_strand = t->strand(); tunnel_strand != strand) {
                // Continue on the tunnel's strand: the request and its mux
                // session then share one strand and need no locks.
                net::co_spawn(tunnel_strand, run(self, std::move(parser), std::move(t)), net::detached);
                co_return;
            }
            const bool keep_alive = co_await self->proxy(*parser, t);
            step = keep_alive ? next_step::proceed : next_step::close;
        }
        if (step == next_step::handed_off) co_return;
        if (step == next_step::close) {
            co_await self->linger_close(strand);
            co_return;
        }
    }
}

template <class Stream>
std::unique_ptr<http::request_parser> http_connection<Stream>::make_parser() const {
    const auto& cfg = ctx_.config;
    http::parser_limits limits;
    limits.header_bytes = cfg.limits.header_bytes;
    limits.trailer_bytes = cfg.limits.header_bytes;
    if (cfg.tunnels.max_body_bytes) limits.body_bytes = cfg.tunnels.max_body_bytes;
    return std::make_unique<http::request_parser>(limits);
}

template <class Stream>
net::awaitable<typename http_connection<Stream>::next_step> http_connection<Stream>::read_and_route(
    http::request_parser& parser, std::shared_ptr<tunnel>& t, const net::any_io_executor& strand) {
    const auto& cfg = ctx_.config;
    const bool first = served_ == 0 && buffer_.size() == 0;
    auto head_deadline = first ? cfg.limits.header_timeout : cfg.limits.idle_timeout;
    if constexpr (std::is_same_v<Stream, plain_stream>) {
        // Between keep-alive requests the connection may idle for
        // idle_timeout; once a request starts, its head must be complete
        // within header_timeout (a slowloris after a first request is cut like
        // one on a new connection). Over TLS, bytes may wait decrypted inside
        // the TLS layer, where a socket wait would not see them: there the
        // whole head gets idle_timeout.
        if (!first && buffer_.size() == 0) {
            if (!co_await wait_readable(cfg.limits.idle_timeout, strand)) co_return next_step::close;
        }
        head_deadline = cfg.limits.header_timeout;
    }
    arm(read_deadline_, head_deadline, strand);
    const auto ec = co_await http::async_read_head(stream_, buffer_, parser);
    disarm(read_deadline_);
    if (ec) {
        if (ec == boost::beast::http::error::end_of_stream || read_deadline_.fired) co_return next_step::close;
        if (const unsigned status = http::status_for(ec)) {
            const bool ignored = co_await respond_error(status, http::to_http_error(ec).message(), nullptr, true);
            (void)ignored;
        }
        co_return next_step::close;
    }
    ++served_;
    next_step refused = next_step::close;
    if (ctx_.draining) {
        const bool ignored = co_await respond_error(503, "the gateway is restarting; try again shortly", &parser, true);
        (void)ignored;
        co_return refused;
    }
    const auto host_field = find_header(parser.head().headers, "host");
    const auto host = host_field ? canonical_host(*host_field) : std::nullopt;
    if (!host) {
        const bool ignored = co_await respond_error(400, "missing or invalid Host header", &parser, true);
        (void)ignored;
        co_return refused;
    }
    const std::string_view path = std::string_view(parser.head().target).substr(0, parser.head().target.find('?'));
    const bool is_connect = path == proto::connect_path;
    if (ctx_.tls && !tls_) {
        // TLS is on: plain HTTP only learns where to go (credentials must not
        // travel in clear, so a tunnel connect gets no redirect to follow).
        simple_response r;
        if (is_connect) {
            r = refusal(400, "this gateway requires TLS: connect with --server https://" + cfg.server.domain);
        } else {
            r.status = 308;
            r.extra_headers.push_back({"Location", "https://" + std::string(*host_field) + parser.head().target});
            r.body = "https required\n";
            r.close = !parser.is_done();
        }
        const bool ok = co_await respond(r);
        co_return ok && !r.close && parser.keep_alive() ? next_step::proceed : refused;
    }
    const host_route route = route_host(*host, cfg.server.domain);
    // Requests per address: everything but tunnel connects (connects_per_ip
    // governs those) and the apex's /_health and /metrics, which health
    // checkers and scrapers poll and which cost next to nothing.
    const bool exempt = route.what == host_route::kind::apex && (is_connect || path == "/_health" || path == "/metrics");
    if (!exempt) {
        if (const auto d = check_rate(limits::rate_kind::requests_per_ip, client_ip_); !d.allowed()) {
            const auto reason = ctx_.limits.reason(limits::rate_kind::requests_per_ip, d);
            const bool keep = co_await respond_error(429, reason, &parser, false, d.retry_after);
            co_return keep ? next_step::proceed : refused;
        }
    }
    if (route.what == host_route::kind::apex) {
        if (is_connect) {
            co_await connect_tunnel(parser);
            co_return next_step::handed_off;  // the socket now belongs to the session (or was refused)
        }
        const bool keep = co_await serve_apex(parser);
        co_return keep ? next_step::proceed : refused;
    }
    std::string missing;
    unsigned status = 404;
    if (route.what == host_route::kind::other) {
        missing = "no tunnel is served at " + *host;
    } else {
        auto found = ctx_.registry.lookup(route.name);
        if (found.state == tunnel_registry::lookup_state::live) {
            if (const auto d = check_rate(limits::rate_kind::requests_per_tunnel, route.name); !d.allowed()) {
                const auto reason = ctx_.limits.reason(limits::rate_kind::requests_per_tunnel, d);
                const bool keep = co_await respond_error(429, reason, &parser, false, d.retry_after);
                if (ctx_.request_log)
                    submit_request_record(parser.head(), route.name, std::chrono::system_clock::now(),
                                          std::chrono::steady_clock::now(), 429, 0, 0);
                co_return keep ? next_step::proceed : refused;
            }
            t = std::move(found.live);
            co_return next_step::proceed;
        }
        if (found.state == tunnel_registry::lookup_state::offline) {
            status = 503;
            missing = "tunnel \"" + route.name + "\" is offline; its client is reconnecting";
        } else {
            missing = "tunnel \"" + route.name + "\" not found";
        }
    }
    const bool keep = co_await respond_error(status, missing, &parser, false);
    // A request for a tunnel name that went unanswered (offline, unknown) is
    // still a request to that tunnel: operators look for lost webhooks.
    if (ctx_.request_log && route.what != host_route::kind::other)
        submit_request_record(parser.head(), route.name, std::chrono::system_clock::now(),
                              std::chrono::steady_clock::now(), status, 0, 0);
    co_return keep ? next_step::proceed : refused;
}

template <class Stream>
void http_connection<Stream>::begin_close(const net::any_io_executor& strand) {
    // Half-close, so the peer reads our whole answer before it sees the end,
    // and bound how long it may take to close its side.
    error_code ec;
    boost::beast::get_lowest_layer(stream_).shutdown(net::ip::tcp::socket::shutdown_send, ec);
    arm(read_deadline_, linger_timeout, strand);
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::linger_close(const net::any_io_executor& strand) {
    // Closing with unread request bytes makes the kernel send RST, which can
    // destroy the response (e.g. a 413) before the client reads it. Like
    // nginx's lingering close: stop sending, discard what still arrives for
    // a moment, then close.
    begin_close(strand);
    auto& sock = boost::beast::get_lowest_layer(stream_);
    std::array<char, 16 * 1024> sink;
    std::size_t discarded = 0;
    while (discarded < linger_bytes && sock.is_open()) {
        auto [ec, n] = co_await sock.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
        if (ec) break;
        discarded += n;
    }
    disarm(read_deadline_);
    close_socket();
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::serve_apex(http::request_parser& parser) {
    const request_head& head = parser.head();
    const std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
    // The core's own pages first; the app may take everything else, "/" too.
    const bool core_page = path == "/_health" || path == "/metrics" || path.starts_with("/_warren/");
    if (path == "/_warren/events" && ctx_.sessions) {
        const bool keep = co_await serve_events(parser);
        co_return keep;
    }
    http_app* app = nullptr;
    if (!core_page && ctx_.login && ctx_.login->serves(path)) app = ctx_.login;
    else if (!core_page && ctx_.dashboard && ctx_.dashboard->serves(path)) app = ctx_.dashboard;
    if (app) {
        const bool keep = co_await serve_http_app(parser, *app);
        co_return keep;
    }
    auto r = apex_response(ctx_, head);
    if (!r) {
        const bool keep = co_await respond_error(404, "not found", &parser, false);
        co_return keep;
    }
    if (!parser.is_done()) r->close = true;
    const bool ok = co_await respond(*r);
    co_return ok && !r->close && parser.keep_alive();
}

template class http_connection<plain_stream>;
template class http_connection<tls_stream>;

}  // namespace warren
