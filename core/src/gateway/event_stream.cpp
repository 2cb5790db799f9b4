// GET /_warren/events: server-sent events telling a signed-in dashboard what
// changed, so it refetches the /api/ lists it shows. No queue per
// subscriber: once a second the stream compares the change counters
// (change_feed.hpp, the registry's version, the traffic ledger's) with those
// it last saw. Events: `tunnels` (a session came or went, a tunnel or key
// changed), `traffic` (request counters moved; at most every 3 s), and for
// admins `audit` and `users`. Data is a small JSON object. A `: ping` comment
// every 15 s keeps proxies from timing the stream out and finds dead peers.
// The user is checked again whenever users change and every minute: a
// disabled or signed-out user's stream ends with `event: signed_out`.
#include "gateway/app_gate.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/http_connection.hpp"
#include "gateway/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace warren {
namespace net = boost::asio;

namespace {

constexpr std::chrono::seconds tick{1};
constexpr std::chrono::seconds ping_every{15};
constexpr std::chrono::seconds traffic_every{3};
constexpr std::chrono::seconds recheck_every{60};

struct seen {
    std::uint64_t tunnels = 0;
    std::uint64_t traffic = 0;
    std::uint64_t audit = 0;
    std::uint64_t users = 0;
};

seen current(gateway_context& ctx) {
    return {ctx.registry.version() + ctx.changes.version(change::tunnels), ctx.traffic.version(),
            ctx.changes.version(change::audit), ctx.changes.version(change::users)};
}

std::string event(std::string_view name) {
    return "event: " + std::string(name) + "\ndata: {}\n\n";
}

}  // namespace

template <class Stream>
net::awaitable<bool> http_connection<Stream>::serve_events(http::request_parser& parser) {
    const auto strand = co_await net::this_coro::executor;
    const request_head& head = parser.head();
    if (head.method != "GET" || !parser.is_done()) {
        const bool keep = co_await respond_error(405, "the event stream is read with GET", &parser, true);
        co_return keep;
    }
    warren::http_request req = app_request(head);
    // Browsers send Origin on EventSource requests: another site must not
    // read a user's stream with their cookie.
    if (const auto origin = req.header("origin"); !origin.empty() && !same_origin(ctx_, origin)) {
        const bool keep = co_await respond_error(403, "cross-site event stream refused", &parser, true);
        co_return keep;
    }
    auto check = [&ctx = ctx_, &req] { return session_of(ctx, req); };
    auto session = co_await run_blocking(*ctx_.blocking, check);
    if (!session) {
        const bool keep = co_await respond_error(401, "sign in first", &parser, true);
        co_return keep;
    }
    bool admin = session->user.admin;

    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        "retry: 2000\n\n";
    seen last = current(ctx_);
    auto last_ping = std::chrono::steady_clock::now();
    auto last_traffic = last_ping;
    auto last_check = last_ping;
    net::steady_timer timer(strand);
    for (;;) {
        if (!out.empty()) {
            arm(write_deadline_, ctx_.config.limits.idle_timeout, strand);
            auto [ec, n] = co_await net::async_write(stream_, net::buffer(out), net::as_tuple(net::use_awaitable));
            (void)n;
            disarm(write_deadline_);
            if (ec) break;
            out.clear();
        }
        if (ctx_.draining) break;
        timer.expires_after(tick);
        auto [tec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        if (tec || ctx_.draining) break;

        const auto now = std::chrono::steady_clock::now();
        const seen at = current(ctx_);
        if (at.users != last.users || now - last_check >= recheck_every) {
            last_check = now;
            auto still = co_await run_blocking(*ctx_.blocking, check);
            if (!still) {
                out = event("signed_out");
                arm(write_deadline_, ctx_.config.limits.idle_timeout, strand);
                auto [ec, n] = co_await net::async_write(stream_, net::buffer(out), net::as_tuple(net::use_awaitable));
                (void)ec;
                (void)n;
                disarm(write_deadline_);
                break;
            }
            admin = still->user.admin;  // made or no longer an admin meanwhile
        }
        if (at.tunnels != last.tunnels) out += event("tunnels");
        if (at.traffic != last.traffic && now - last_traffic >= traffic_every) {
            out += event("traffic");
            last_traffic = now;
            last.traffic = at.traffic;
        }
        if (admin && at.audit != last.audit) out += event("audit");
        if (admin && at.users != last.users) out += event("users");
        last.tunnels = at.tunnels;
        last.audit = at.audit;
        last.users = at.users;
        if (out.empty() && now - last_ping >= ping_every) out = ": ping\n\n";
        if (!out.empty()) last_ping = now;
    }
    close_socket();
    co_return false;
}

template net::awaitable<bool> http_connection<plain_stream>::serve_events(http::request_parser&);
template net::awaitable<bool> http_connection<tls_stream>::serve_events(http::request_parser&);

}  // namespace warren
