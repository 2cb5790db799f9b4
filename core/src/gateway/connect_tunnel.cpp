// /_warren/connect: admitting a tunnel client and running its session.
// Every refusal is a plain HTTP answer before the upgrade, with a one-line
// reason the client prints verbatim.
#include "gateway/api_keys.hpp"
#include "gateway/audit_trail.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/http_connection.hpp"
#include "gateway/streams.hpp"
#include "protocol/handshake.hpp"
#include "protocol/websocket_transport.hpp"
#include "util/names.hpp"
#include "util/secrets.hpp"

#include <warren/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace warren {
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

namespace {

struct connect_request {
    std::string wanted_name;
    std::string api_key;
    std::string ownership_token;
    bool speaks_v1 = false;
    bool credentials_in_url = false;
    bool bad_query = false;
};

bool looks_like_credential(std::string_view key) {
    std::string k(key);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    for (std::string_view word : {"token", "key", "secret", "password", "auth"})
        if (k.find(word) != std::string::npos) return true;
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

connect_request read_connect_request(const request_head& head) {
    connect_request c;
    auto url = boost::urls::parse_origin_form(head.target);
    if (!url) {
        c.bad_query = true;
        return c;
    }
    for (auto param : url->params()) {
        if (looks_like_credential(param.key)) c.credentials_in_url = true;
        else if (param.key == "name") c.wanted_name = param.value;
    }
    for (const auto& f : head.headers) {
        if (iequals(f.name, "sec-websocket-protocol")) {
            std::string_view list = f.value;
            while (!list.empty()) {
                const auto comma = list.find(',');
                const std::string_view item = trim(list.substr(0, comma));
                list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
                if (item == proto::subprotocol) c.speaks_v1 = true;
                else if (item.starts_with(proto::token_subprotocol_prefix)) {
                    if (auto key = base64url_decode(item.substr(proto::token_subprotocol_prefix.size())))
                        c.api_key = *key;
                } else if (item.starts_with(proto::owner_subprotocol_prefix)) {
                    c.ownership_token = std::string(item.substr(proto::owner_subprotocol_prefix.size()));
                }
            }
        } else if (iequals(f.name, "authorization")) {
            const std::string_view v = trim(f.value);
            if (v.size() > 7 && iequals(v.substr(0, 7), "bearer ")) c.api_key = std::string(trim(v.substr(7)));
        }
    }
    return c;
}

}  // namespace

template <class Stream>
net::awaitable<void> http_connection<Stream>::connect_tunnel(http::request_parser& parser) {
    const auto strand = co_await net::this_coro::executor;
    const auto& cfg = ctx_.config;
    const request_head& head = parser.head();

    std::string refusal_reason;
    unsigned refusal_status = 0;
    std::chrono::seconds retry_after{5};
    const auto refuse = [&](unsigned status, std::string reason) {
        refusal_status = status;
        refusal_reason = std::move(reason);
    };

    boost::beast::http::request<boost::beast::http::empty_body> req;
    req.method_string(head.method);
    req.target(head.target);
    req.version(head.version);
    for (const auto& f : head.headers) req.insert(f.name, f.value);

    const connect_request c = read_connect_request(head);
    if (c.credentials_in_url)
        refuse(400, "credentials must not be sent in the URL; send them in the Sec-WebSocket-Protocol or Authorization header");
    else if (c.bad_query) refuse(400, "malformed connect URL");
    else if (ctx_.draining) refuse(503, "the gateway is draining; reconnect shortly");
    else if (!websocket::is_upgrade(req)) refuse(400, "expected a WebSocket upgrade to " + std::string(proto::connect_path));
    else if (!c.speaks_v1) refuse(400, "unsupported tunnel protocol; this gateway speaks " + std::string(proto::subprotocol));
    else if (!parser.is_done()) refuse(400, "a connect request cannot have a body");
    else if (const auto d = check_rate(limits::rate_kind::connects_per_ip, client_ip_); !d.allowed()) {
        // Before the key check: guessing keys costs a token per guess.
        refuse(429, ctx_.limits.reason(limits::rate_kind::connects_per_ip, d));
        retry_after = d.retry_after;
    } else if (c.api_key.empty() && !cfg.tunnels.allow_anonymous)
        refuse(401, "this gateway requires an API key (--token or WARREN_TOKEN)");
    else if (!c.wanted_name.empty() && !is_valid_tunnel_name(c.wanted_name))
        refuse(400, "invalid tunnel name \"" + c.wanted_name + "\": use 1-63 lowercase letters, digits and hyphens");
    else if (!c.wanted_name.empty() && is_reserved_tunnel_name(c.wanted_name))
        refuse(403, "the name \"" + c.wanted_name + "\" is reserved");

    // A key is checked against the store on the blocking pool; this strand
    // goes on serving its other work meanwhile.
    std::optional<key_record> key;
    if (!refusal_status && !c.api_key.empty()) {
        auto check = [s = ctx_.store, k = c.api_key] { return verify_api_key(*s, k); };
        auto verdict = co_await run_blocking(*ctx_.blocking, std::move(check));
        if (verdict) {
            key = std::move(*verdict);
        } else if (verdict.error().code == errc::unauthorized) {
            refuse(401, verdict.error().message);
        } else if (verdict.error().code == errc::forbidden) {
            refuse(403, verdict.error().message);
        } else {
            // Never admitted unverified: the client retries with backoff.
            spdlog::warn("tunnel connect from {}: cannot check its key: {}", client_ip_, verdict.error().message);
            refuse(503, "API keys cannot be checked right now (the store is unavailable); retry shortly");
        }
    }
    if (!refusal_status && ctx_.draining)  // it may have begun while the key was checked
        refuse(503, "the gateway is draining; reconnect shortly");
    if (key && !c.wanted_name.empty() && c.wanted_name != key->tunnel.name)
        refuse(403, "this API key is for tunnel \"" + key->tunnel.name + "\", not \"" + c.wanted_name +
                        "\"; leave out --name");

    tunnel_registry::claim claim;
    if (!refusal_status) {
        claim = key ? ctx_.registry.claim_keyed(key->tunnel.name, cfg.tunnels.max_tunnels)
                    : ctx_.registry.claim_name(c.wanted_name, c.ownership_token, cfg.tunnels.max_tunnels);
        if (claim.result == tunnel_registry::claim::outcome::conflict)
            refuse(409, "name \"" + claim.name + "\" is in use by another client");
        else if (claim.result == tunnel_registry::claim::outcome::reserved)
            refuse(409, "name \"" + claim.name + "\" belongs to a keyed tunnel; connect with its API key");
        else if (claim.result == tunnel_registry::claim::outcome::full)
            refuse(503, "this gateway has reached its limit of " + std::to_string(cfg.tunnels.max_tunnels) + " tunnels");
    }
    const std::string tunnel_name = key ? key->tunnel.name : claim.name.empty() ? c.wanted_name : claim.name;
    const std::string key_prefix = key ? key->prefix : std::string();
    const auto audit = [&](std::string_view event, int status, std::string detail) {
        audit_entry e;
        e.event = event;
        e.client_ip = client_ip_;
        e.user = key ? key->tunnel.owner_username : std::string();
        e.tunnel = tunnel_name;
        e.key_prefix = key_prefix;
        e.status = status;
        e.detail = std::move(detail);
        if (ctx_.audit) ctx_.audit->record(std::move(e));
    };
    if (refusal_status) {
        ctx_.metrics.tunnel_rejects.with({std::to_string(refusal_status)}).inc();
        spdlog::info("tunnel connect from {} refused: {} {}", client_ip_, refusal_status, refusal_reason);
        audit("connect_rejected", static_cast<int>(refusal_status), refusal_reason);
        simple_response r = refusal(refusal_status, refusal_reason);
        if (refusal_status == 503 || refusal_status == 429)
            r.extra_headers.push_back({"Retry-After", std::to_string(std::max<std::int64_t>(1, retry_after.count()))});
        co_await respond(r);
        co_return;
    }

    websocket::stream<Stream> ws(std::move(stream_));
    ws.set_option(websocket::stream_base::timeout{
        cfg.limits.handshake_timeout, cfg.tunnels.ping_interval + cfg.tunnels.ping_timeout, true});
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(boost::beast::http::field::sec_websocket_protocol, proto::subprotocol);
        res.set(boost::beast::http::field::server, std::string("warren/") + warren_version);
    }));
    ws.auto_fragment(false);
    ws.read_message_max(std::max<std::size_t>(cfg.tunnels.max_frame_payload, 2 * cfg.limits.header_bytes) + 4096);

    const auto abandon = [&](std::string_view why) {
        ctx_.registry.release(claim.name, claim.epoch);
        spdlog::info("tunnel connect from {} failed during the handshake: {}", client_ip_, why);
    };
    if (auto [ec] = co_await ws.async_accept(req, net::as_tuple(net::use_awaitable)); ec) {
        abandon(ec.message());
        co_return;
    }

    // The hello must come promptly: a client that upgrades and stays silent
    // would otherwise hold its name and a tunnel slot (pings keep it "alive").
    boost::beast::flat_buffer buf;
    net::steady_timer hello_deadline(strand, cfg.limits.handshake_timeout);
    auto hello_read = std::make_shared<bool>(false);
    hello_deadline.async_wait([&ws, hello_read](error_code ec) {
        if (ec || *hello_read) return;
        error_code ignored;
        boost::beast::get_lowest_layer(ws).close(ignored);
    });
    auto [rec, rn] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
    (void)rn;
    *hello_read = true;
    hello_deadline.cancel();
    if (rec) {
        abandon(rec.message());
        co_return;
    }
    std::string error;
    auto hello = ws.got_text() ? proto::parse_hello(boost::beast::buffers_to_string(buf.data()), error)
                               : std::nullopt;
    if (hello && hello->version != proto::protocol_version)
        error = "unsupported protocol version " + std::to_string(hello->version), hello.reset();
    if (hello && (hello->stream_window < 65536 || hello->connection_window < hello->stream_window ||
                  hello->connection_window > 0x7fffffffu))
        error = "windows must be 64 KiB to 2 GiB, and the connection's at least the stream's", hello.reset();
    if (!hello) {
        if (error.empty()) error = "expected a hello message";
        const websocket::close_reason why{websocket::close_code::policy_error, error.substr(0, 120)};
        auto [cec] = co_await ws.async_close(why, net::as_tuple(net::use_awaitable));
        (void)cec;
        abandon(error);
        co_return;
    }

    proto::mux_settings settings;
    settings.recv_stream_window = cfg.tunnels.stream_window;
    settings.recv_connection_window = cfg.tunnels.connection_window;
    settings.send_stream_window = hello->stream_window;
    settings.send_connection_window = hello->connection_window;
    settings.max_frame_payload = cfg.tunnels.max_frame_payload;
    settings.max_streams = cfg.tunnels.max_streams;
    settings.reset_flood_limit = cfg.limits.tunnel_resets_per_second;
    settings.integrity = cfg.tunnels.integrity || hello->integrity;

    proto::ready_message ready;
    ready.name = claim.name;
    ready.url = ctx_.tunnel_url(claim.name);
    ready.ownership_token = claim.ownership_token;
    ready.integrity = settings.integrity;
    ready.stream_window = settings.recv_stream_window;
    ready.connection_window = settings.recv_connection_window;
    ready.max_frame_payload = settings.max_frame_payload;
    ready.max_streams = settings.max_streams;
    ready.max_body_bytes = cfg.tunnels.max_body_bytes;
    ready.request_timeout_ms = static_cast<std::uint64_t>(cfg.tunnels.request_timeout.count());
    ready.ping_interval_ms = static_cast<std::uint64_t>(cfg.tunnels.ping_interval.count());
    ready.ping_timeout_ms = static_cast<std::uint64_t>(cfg.tunnels.ping_timeout.count());
    ws.text(true);
    if (auto [wec, wn] = co_await ws.async_write(net::buffer(proto::serialize(ready)), net::as_tuple(net::use_awaitable));
        wec) {
        abandon(wec.message());
        co_return;
    }
    ws.binary(true);

    auto session = std::make_shared<proto::mux_session>(
        strand, std::make_unique<proto::websocket_transport<Stream>>(std::move(ws)), proto::mux_role::gateway, settings);
    tunnel_credentials credentials;
    if (key) credentials = {true, key->prefix, key->tunnel.owner_username};
    auto t = std::make_shared<tunnel>(claim.name, ready.url, claim.epoch, session, client_ip_, std::move(credentials));
    ctx_.registry.attach(t);
    // A tunnel session is held to max_tunnels and connects_per_ip, not to the
    // public connection cap (a NAT full of laptops would hit it).
    slot_.release();
    if (claim.previous) {
        // The same owner reconnected while its old session looked alive: the
        // old one is replaced (its client stops rather than fighting back).
        net::co_spawn(claim.previous->strand(),
                      [old = claim.previous]() -> net::awaitable<void> {
                          old->session().go_away(proto::goaway_code::replaced, "replaced by a newer connection");
                          co_await old->session().close("replaced");
                      },
                      net::detached);
    }
    ctx_.metrics.tunnel_connects.inc();
    ctx_.metrics.tunnels.set(static_cast<std::int64_t>(ctx_.registry.live_count()));
    spdlog::info("tunnel {} connected from {} ({}{})", claim.name, client_ip_, hello->client,
                 key ? ", key " + key->prefix : std::string());
    audit("connect", 101, hello->client);
    touch_keyed_tunnel(key ? key->tunnel.name : std::string());

    const error_code why = co_await session->run();
    if (why == proto::mux_errc::protocol_error) ctx_.metrics.tunnel_protocol_closes.inc();

    ctx_.registry.detach(*t);
    ctx_.metrics.tunnels.set(static_cast<std::int64_t>(ctx_.registry.live_count()));
    const std::string how = ctx_.draining ? "gateway draining" : why ? why.message() : "closed";
    spdlog::info("tunnel {} disconnected: {}", claim.name, how);
    audit("disconnect", 0, how);
    touch_keyed_tunnel(key ? key->tunnel.name : std::string());
}

template <class Stream>
void http_connection<Stream>::touch_keyed_tunnel(const std::string& name) {
    if (name.empty() || !ctx_.store) return;
    net::post(*ctx_.blocking, [s = ctx_.store, name] {
        // Only "last seen" in the dashboard: a failure is not worth a line.
        (void)s->touch_tunnel(name, std::chrono::system_clock::now());
    });
}

template net::awaitable<void> http_connection<plain_stream>::connect_tunnel(http::request_parser&);
template net::awaitable<void> http_connection<tls_stream>::connect_tunnel(http::request_parser&);

}  // namespace warren
