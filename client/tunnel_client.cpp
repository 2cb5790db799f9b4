#include "client/tunnel_client.hpp"

#include "protocol/websocket_transport.hpp"
#include "util/secrets.hpp"

#include <warren/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <random>

namespace warren::client {
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto first_backoff = std::chrono::milliseconds(500);
constexpr auto max_backoff = std::chrono::milliseconds(30'000);

std::string trim_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    if (const auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return s;
}

std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

}  // namespace

tunnel_client::tunnel_client(net::io_context& ioc, client_options options)
    : ioc_(ioc),
      options_(std::move(options)),
      out_(options_.quiet),
      pool_(ioc.get_executor(), options_.local_host, options_.local_port, options_.max_idle_connections),
      forwarder_(options_, pool_, out_),
      name_(options_.name),
      backoff_timer_(ioc) {
    auto url = boost::urls::parse_uri(options_.server_url);  // validated by the option parser
    server_scheme_ = url->scheme();
    const bool secure = server_scheme_ == "https" || server_scheme_ == "wss";
    server_host_ = url->host_address();
    if (server_host_.size() > 2 && server_host_.front() == '[') server_host_ = server_host_.substr(1, server_host_.size() - 2);
    server_port_ = url->has_port() ? std::string(url->port()) : (secure ? "443" : "80");
    server_authority_ = url->encoded_host_and_port();
    if (secure) {
        tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
        tls_->set_verify_mode(net::ssl::verify_peer);
        if (options_.ca_file.empty()) tls_->set_default_verify_paths();
        else tls_->load_verify_file(options_.ca_file.string());  // throws with the path on error
    }
}

net::awaitable<void> tunnel_client::sleep(std::chrono::milliseconds d) {
    backoff_timer_.expires_after(d);
    auto [ec] = co_await backoff_timer_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
}

template <class WebSocket>
net::awaitable<tunnel_client::connect_outcome> tunnel_client::handshake(WebSocket& ws) {
    connect_outcome out;
    std::string protocols(proto::subprotocol);
    if (!ownership_token_.empty()) protocols += ", " + std::string(proto::owner_subprotocol_prefix) + ownership_token_;
    if (!options_.token.empty())
        protocols += ", " + std::string(proto::token_subprotocol_prefix) + base64url_encode(options_.token);
    ws.set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
        req.set(boost::beast::http::field::sec_websocket_protocol, protocols);
        req.set(boost::beast::http::field::user_agent, std::string("warren/") + warren_version);
    }));
    ws.set_option(websocket::stream_base::timeout{connect_timeout, std::chrono::seconds(25), true});
    ws.auto_fragment(false);
    // Client frames are masked through this buffer: small buffers mean many
    // small writes per 64 KiB frame.
    ws.write_buffer_bytes(256 * 1024);
    ws.read_message_max(4u << 20);

    std::string target(proto::connect_path);
    if (!name_.empty()) target += "?name=" + name_;
    websocket::response_type res;
    auto [ec] = co_await ws.async_handshake(res, server_authority_, target, net::as_tuple(net::use_awaitable));
    if (ec == websocket::error::upgrade_declined) {
        out.what = connect_outcome::kind::refused;
        out.status = res.result_int();
        out.reason = trim_line(res.body());
        if (out.reason.empty()) out.reason = std::string(res.reason());
        if (auto ra = res.find(boost::beast::http::field::retry_after); ra != res.end()) {
            try {
                out.retry_after = std::chrono::seconds(std::stoul(std::string(ra->value())));
            } catch (const std::exception&) {
            }
        }
        co_return out;
    }
    if (ec) {
        out.reason = ec.message();
        co_return out;
    }
    if (res[boost::beast::http::field::sec_websocket_protocol] != proto::subprotocol) {
        out.reason = "the server at " + options_.server_url + " does not speak " + std::string(proto::subprotocol);
        co_return out;
    }

    proto::hello_message hello;
    hello.client = std::string("warren/") + warren_version;
    hello.integrity = options_.integrity;
    hello.stream_window = options_.stream_window;
    hello.connection_window = options_.connection_window;
    ws.text(true);
    if (auto [wec, n] = co_await ws.async_write(net::buffer(proto::serialize(hello)), net::as_tuple(net::use_awaitable)); wec) {
        out.reason = wec.message();
        co_return out;
    }
    boost::beast::flat_buffer buf;
    auto [rec, rn] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
    (void)rn;
    if (rec) {
        out.reason = rec == websocket::error::closed ? "the gateway closed the tunnel: " + std::string(ws.reason().reason.c_str())
                                                     : rec.message();
        co_return out;
    }
    std::string error;
    auto ready = ws.got_text() ? proto::parse_ready(boost::beast::buffers_to_string(buf.data()), error) : std::nullopt;
    if (!ready) {
        out.reason = "unexpected answer from the gateway: " + (error.empty() ? "not a ready message" : error);
        co_return out;
    }
    ws.binary(true);
    // The gateway's own liveness bound, so a dead path (a blackholed link, a
    // NAT that forgot us) is noticed on this side as soon as on the gateway's;
    // 10 s when an older gateway does not say its ping_timeout.
    if (ready->ping_interval_ms > 0) {
        const auto ping_timeout = ready->ping_timeout_ms > 0 ? std::chrono::milliseconds(ready->ping_timeout_ms)
                                                             : std::chrono::milliseconds(10'000);
        ws.set_option(websocket::stream_base::timeout{
            connect_timeout, std::chrono::milliseconds(ready->ping_interval_ms) + ping_timeout, true});
    }

    proto::mux_settings settings;
    settings.recv_stream_window = options_.stream_window;
    settings.recv_connection_window = options_.connection_window;
    settings.send_stream_window = ready->stream_window;
    settings.send_connection_window = ready->connection_window;
    settings.max_frame_payload = ready->max_frame_payload;
    if (ready->max_streams) settings.max_streams = ready->max_streams;
    settings.integrity = ready->integrity;
    out.session = std::make_shared<proto::mux_session>(
        ioc_.get_executor(), std::make_unique<proto::websocket_transport<typename WebSocket::next_layer_type>>(std::move(ws)),
        proto::mux_role::client, settings);
    out.ready = std::move(*ready);
    out.what = connect_outcome::kind::connected;
    co_return out;
}

net::awaitable<tunnel_client::connect_outcome> tunnel_client::connect_once() {
    connect_outcome out;
    tcp::resolver resolver(ioc_);
    auto [rec, endpoints] = co_await resolver.async_resolve(server_host_, server_port_, net::as_tuple(net::use_awaitable));
    if (rec) {
        out.reason = "cannot resolve " + server_host_ + ": " + rec.message();
        co_return out;
    }

    // Bound the TCP connect and TLS handshake; the WebSocket handshake has
    // its own timeout. cancel_connect_ lets Ctrl-C interrupt all of it.
    auto attempt = [&](auto& ws) -> net::awaitable<connect_outcome> {
        auto& sock = boost::beast::get_lowest_layer(ws);
        net::steady_timer guard(ioc_);
        auto expired = std::make_shared<bool>(false);
        guard.expires_after(connect_timeout);
        guard.async_wait([&sock, expired](error_code ec) {
            if (ec) return;
            *expired = true;
            error_code ignored;
            sock.close(ignored);
        });
        cancel_connect_ = [&sock] {
            error_code ignored;
            sock.close(ignored);
        };
        connect_outcome o;
        auto [cec, ep] = co_await net::async_connect(sock, endpoints, net::as_tuple(net::use_awaitable));
        (void)ep;
        if (cec) {
            o.reason = *expired ? "timed out connecting to " + server_authority_
                                : "cannot connect to " + server_authority_ + ": " + cec.message();
            cancel_connect_ = nullptr;
            co_return o;
        }
        error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);
        if constexpr (!std::is_same_v<std::decay_t<decltype(ws.next_layer())>, tcp::socket>) {
            auto& tls = ws.next_layer();
            if (!SSL_set_tlsext_host_name(tls.native_handle(), server_host_.c_str())) {
                o.reason = "cannot set TLS server name";
                cancel_connect_ = nullptr;
                co_return o;
            }
            tls.set_verify_callback(net::ssl::host_name_verification(server_host_));
            auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::client, net::as_tuple(net::use_awaitable));
            if (hec) {
                o.reason = "TLS handshake with " + server_authority_ + " failed: " + hec.message();
                cancel_connect_ = nullptr;
                co_return o;
            }
        }
        guard.cancel();
        o = co_await handshake(ws);
        cancel_connect_ = nullptr;
        co_return o;
    };
    if (tls_) {
        websocket::stream<net::ssl::stream<tcp::socket>> ws(ioc_, *tls_);
        connect_outcome o = co_await attempt(ws);
        co_return o;
    }
    websocket::stream<tcp::socket> ws(ioc_);
    connect_outcome o = co_await attempt(ws);
    co_return o;
}

void tunnel_client::serve(const std::shared_ptr<proto::mux_session>& session) {
    session->on_open([this](std::shared_ptr<proto::mux_stream> s, proto::open_payload open, std::uint8_t flags) {
        net::co_spawn(ioc_, forwarder_.forward(std::move(s), std::move(open), flags), net::detached);
    });
    std::weak_ptr<proto::mux_session> weak = session;
    session->on_goaway([this, weak](proto::goaway_code code, std::string_view reason) {
        if (code == proto::goaway_code::replaced) {
            replaced_ = true;
            // "replaced by a newer connection", "its API key was revoked", ...
            out_.status("the gateway closed tunnel \"" + name_ + "\": " + std::string(reason) + "; stopping");
            if (auto s = weak.lock()) s->abort();
        } else {
            // In-flight requests finish on this session; then we reconnect.
            gateway_draining_ = true;
            out_.status("the gateway is going away (" + std::string(reason) + "); will reconnect");
        }
    });
}

net::awaitable<int> tunnel_client::run() {
    auto backoff = first_backoff;
    bool connected_before = false;
    std::mt19937 rng(std::random_device{}());
    while (!stopping_) {
        connect_outcome o = co_await connect_once();
        if (stopping_) break;
        std::chrono::milliseconds delay = backoff;
        if (o.what == connect_outcome::kind::connected) {
            backoff = first_backoff;
            const bool same_url = connected_before && o.ready.url == url_;
            name_ = o.ready.name;
            ownership_token_ = o.ready.ownership_token;
            url_ = o.ready.url;
            out_.forwarding(url_, options_.local_url(), same_url);
            connected_before = true;
            session_ = o.session;
            serve(session_);
            const error_code why = co_await session_->run();
            session_.reset();
            if (replaced_) co_return 1;
            if (stopping_) break;
            if (gateway_draining_) out_.status("the gateway closed the tunnel while draining; reconnecting");
            else out_.status("lost the connection to the gateway (" + why.message() + "); reconnecting");
            gateway_draining_ = false;
            delay = std::chrono::milliseconds(0);
        } else if (o.what == connect_outcome::kind::refused) {
            if (o.status == 409 && options_.name.empty() && connected_before) {
                // A random name lost while we were away: any name will do.
                out_.status("the name \"" + name_ + "\" was taken while disconnected; asking for a new one");
                name_.clear();
                ownership_token_.clear();
                continue;
            }
            // Refusals that waiting cannot fix end the client.
            if (o.status != 429 && o.status != 502 && o.status != 503 && o.status != 504) {
                out_.status(o.reason + " (" + std::to_string(o.status) + ")");
                co_return 1;
            }
        }
        if (o.what != connect_outcome::kind::connected) backoff = std::min(backoff * 2, max_backoff);
        if (delay.count() > 0) {
            // Jitter over the upper half, so many clients dropped at once
            // (gateway restart) do not come back in lockstep.
            std::uniform_int_distribution<long> spread(delay.count() / 2, delay.count());
            delay = std::chrono::milliseconds(spread(rng));
        }
        // The gateway's Retry-After (429, 503) is a floor, after the jitter:
        // coming back sooner would only be refused again.
        if (o.what == connect_outcome::kind::refused && o.retry_after.count() > 0)
            delay = std::max<std::chrono::milliseconds>(delay, o.retry_after);
        if (o.what == connect_outcome::kind::refused)
            out_.status(o.reason + " (" + std::to_string(o.status) + "); retrying in " + seconds_text(delay));
        else if (o.what == connect_outcome::kind::failed)
            out_.status(o.reason + "; retrying in " + seconds_text(delay));
        if (delay.count() > 0) co_await sleep(delay);
    }
    co_return 0;
}

net::awaitable<void> tunnel_client::shutdown() {
    if (stopping_) co_return;
    stopping_ = true;
    backoff_timer_.cancel();
    if (cancel_connect_) cancel_connect_();
    auto session = session_;
    if (!session) co_return;
    session->go_away(proto::goaway_code::normal, "client stopping");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    net::steady_timer tick(ioc_);
    while (forwarder_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(std::chrono::milliseconds(20));
        co_await tick.async_wait(net::as_tuple(net::use_awaitable));
    }
    co_await session->close("client stopping");
}

}  // namespace warren::client
