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

namespace warren {
namespace net = boost::asio;

template <class Stream>
http_connection<Stream>::http_connection(Stream stream, boost::beast::flat_buffer buffer,
                                         gateway_context& ctx, bool tls)
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
                                                            bool close) {
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
    if (status == 503 || status == 429) r.extra_headers.push_back({"Retry-After", "5"});
    const bool ok = co_await respond(r);
    co_return ok && !r.close;
}

template <class Stream>
net::awaitable<void> http_connection<Stream>::run(std::shared_ptr<http_connection> self,
                                                  std::unique_ptr<http::request_parser> pending,
                                                  std::shared_ptr<tunnel> target) {
    const auto strand = co_await net::this_coro::executor;
    const auto& cfg = self->ctx_.config;
    for (;;) {
        std::unique_ptr<http::request_parser> parser = std::move(pending);
        std::shared_ptr<tunnel> t = std::move(target);
        if (!parser) {
            http::parser_limits limits;
            limits.header_bytes = cfg.limits.header_bytes;
            limits.trailer_bytes = cfg.limits.header_bytes;
            if (cfg.tunnels.max_body_bytes) limits.body_bytes = cfg.tunnels.max_body_bytes;
            parser = std::make_unique<http::request_parser>(limits);
            const bool first = self->served_ == 0 && self->buffer_.size() == 0;
            self->arm(self->read_deadline_, first ? cfg.limits.header_timeout : cfg.limits.idle_timeout, strand);
            const auto ec = co_await http::async_read_head(self->stream_, self->buffer_, *parser);
            self->disarm(self->read_deadline_);
            if (ec) {
                if (ec == boost::beast::http::error::end_of_stream || self->read_deadline_.fired) co_return;
                if (const unsigned status = http::status_for(ec))
                    co_await self->respond_error(status, http::to_http_error(ec).message(), nullptr, true);
                co_return;
            }
            ++self->served_;
            if (self->ctx_.draining) {
                co_await self->respond_error(503, "the gateway is restarting; try again shortly", parser.get(), true);
                co_return;
            }
            const auto host_field = find_header(parser->head().headers, "host");
            const auto host = host_field ? canonical_host(*host_field) : std::nullopt;
            if (!host) {
                co_await self->respond_error(400, "missing or invalid Host header", parser.get(), true);
                co_return;
            }
            const host_route route = route_host(*host, cfg.server.domain);
            if (route.what == host_route::kind::apex) {
                if (!co_await self->serve_apex(*parser)) co_return;
                continue;
            }
            if (route.what == host_route::kind::other) {
                if (!co_await self->respond_error(404, "no tunnel is served at " + *host, parser.get(), false))
                    co_return;
                continue;
            }
            auto found = self->ctx_.registry.lookup(route.name);
            if (found.state == tunnel_registry::lookup_state::unknown) {
                if (!co_await self->respond_error(404, "tunnel \"" + route.name + "\" not found", parser.get(), false))
                    co_return;
                continue;
            }
            if (found.state == tunnel_registry::lookup_state::offline) {
                if (!co_await self->respond_error(503, "tunnel \"" + route.name + "\" is offline; its client is reconnecting",
                                                  parser.get(), false))
                    co_return;
                continue;
            }
            t = std::move(found.live);
            if (const auto tunnel_strand = t->strand(); tunnel_strand != strand) {
                // Continue on the tunnel's strand: the request and its mux
                // session then share one strand and need no locks.
                net::co_spawn(tunnel_strand, run(self, std::move(parser), std::move(t)), net::detached);
                co_return;
            }
        }
        if (!co_await self->proxy(*parser, t)) co_return;
    }
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::serve_apex(http::request_parser& parser) {
    const request_head& head = parser.head();
    const std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
    if (path == proto::connect_path) {
        co_await connect_tunnel(parser);
        co_return false;  // the socket now belongs to the tunnel session (or was refused)
    }
    auto r = apex_response(ctx_, head);
    if (!r) co_return co_await respond_error(404, "not found", &parser, false);
    if (!parser.is_done()) r->close = true;
    const bool ok = co_await respond(*r);
    co_return ok && !r->close && parser.keep_alive();
}

template class http_connection<plain_stream>;
template class http_connection<tls_stream>;

}  // namespace warren
