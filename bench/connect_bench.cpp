// warren-bench-connect: how many tunnel connects per second a gateway admits.
//
// Each of --connectors coroutines loops: TCP connect, WebSocket upgrade to
// /_warren/connect (with an API key when --keys-file is given), hello, wait
// for the ready, then a clean WebSocket close, and again; until --connects
// attempts were started or --seconds passed, whichever comes first. Prints one
// JSON line on stdout (bench/run.sh stores it, bench/report.py renders it).
//
// The connect latency is measured from the TCP connect to the parsed ready:
// what a client waits before its tunnel serves. The close is outside it but
// inside the rate, so the rate is full connect/disconnect cycles.
//
// One thread is enough: the work per connect on this side (one TCP connect,
// a few small messages) is far below the gateway's (key check on the store,
// registry, audit), and a single-threaded load generator leaves the other
// core to the gateway on a small machine.
#include "protocol/frame.hpp"
#include "protocol/handshake.hpp"
#include "util/secrets.hpp"

#include <warren/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace warren::bench {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace po = boost::program_options;
using net::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct options {
    std::string server;         // HOST:PORT to connect to
    std::string host;           // Host header (the gateway's apex, e.g. localhost:PORT)
    std::vector<std::string> keys;
    bool bearer = false;        // key in Authorization instead of Sec-WebSocket-Protocol
    unsigned connectors = 4;
    std::uint64_t max_connects = 2000;
    double seconds = 10;
    std::chrono::seconds timeout{10};
};

// What all connectors share. One thread runs them all, so no locking.
struct tally {
    std::uint64_t started = 0;
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
    std::uint64_t close_errors = 0;
    std::vector<std::uint32_t> connect_us;  // successful connects only
    std::map<std::string, std::uint64_t> errors;  // reason -> count, to explain failures
    clock_type::time_point deadline;
};

struct attempt_result {
    std::string error;  // empty on success
    bool close_failed = false;
    std::chrono::microseconds connect_time{0};
};

std::string first_line(std::string s) {
    if (const auto nl = s.find_first_of("\r\n"); nl != std::string::npos) s.resize(nl);
    return s.substr(0, 120);
}

net::awaitable<attempt_result> connect_once(const options& opt, const tcp::endpoint& at, const std::string& key) {
    attempt_result r;
    const auto t0 = clock_type::now();
    const auto executor = co_await net::this_coro::executor;
    websocket::stream<beast::tcp_stream> ws(executor);

    // tcp_stream's own timer bounds the TCP connect; after that the
    // WebSocket timeouts take over (Beast wants the stream's timer off then).
    beast::get_lowest_layer(ws).expires_after(opt.timeout);
    auto [cec] = co_await beast::get_lowest_layer(ws).async_connect(at, net::as_tuple(net::use_awaitable));
    if (cec) {
        r.error = "tcp connect: " + cec.message();
        co_return r;
    }
    beast::get_lowest_layer(ws).expires_never();
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ignored);

    websocket::stream_base::timeout limits;
    limits.handshake_timeout = opt.timeout;
    limits.idle_timeout = opt.timeout;
    limits.keep_alive_pings = false;
    ws.set_option(limits);
    std::string protocols(proto::subprotocol);
    if (!key.empty() && !opt.bearer) protocols += ", " + std::string(proto::token_subprotocol_prefix) + base64url_encode(key);
    const std::string bearer = key.empty() || !opt.bearer ? std::string() : "Bearer " + key;
    ws.set_option(websocket::stream_base::decorator([protocols, bearer](websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, protocols);
        req.set(beast::http::field::user_agent, "warren-bench-connect");
        if (!bearer.empty()) req.set(beast::http::field::authorization, bearer);
    }));

    websocket::response_type res;
    const std::string target(proto::connect_path);
    auto [hec] = co_await ws.async_handshake(res, opt.host, target, net::as_tuple(net::use_awaitable));
    if (hec == websocket::error::upgrade_declined) {
        r.error = "HTTP " + std::to_string(res.result_int()) + ": " + first_line(res.body());
        co_return r;
    }
    if (hec) {
        r.error = "upgrade: " + hec.message();
        co_return r;
    }

    proto::hello_message hello;
    hello.client = std::string("warren-bench-connect/") + warren_version;
    // The client's defaults; they only set credit, nothing is allocated for them.
    hello.stream_window = 4u << 20;
    hello.connection_window = 64u << 20;
    const std::string hello_text = proto::serialize(hello);
    ws.text(true);
    auto [wec, wn] = co_await ws.async_write(net::buffer(hello_text), net::as_tuple(net::use_awaitable));
    (void)wn;
    if (wec) {
        r.error = "hello: " + wec.message();
        co_return r;
    }
    beast::flat_buffer buf;
    auto [rec, rn] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
    (void)rn;
    if (rec) {
        r.error = "ready: " + rec.message();
        co_return r;
    }
    std::string parse_error;
    const auto ready = ws.got_text() ? proto::parse_ready(beast::buffers_to_string(buf.data()), parse_error)
                                     : std::nullopt;
    if (!ready || ready->name.empty()) {
        r.error = "ready: " + (parse_error.empty() ? std::string("not a ready message") : parse_error);
        co_return r;
    }
    r.connect_time = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);

    // A clean close, as a client that stops does: the gateway sees a normal
    // disconnect (and writes it to the audit log) rather than a reset.
    const websocket::close_reason normal(websocket::close_code::normal);
    auto [xec] = co_await ws.async_close(normal, net::as_tuple(net::use_awaitable));
    r.close_failed = static_cast<bool>(xec);
    co_return r;
}

net::awaitable<void> connector(const options& opt, tcp::endpoint at, std::string key, tally& t) {
    while (t.started < opt.max_connects && clock_type::now() < t.deadline) {
        ++t.started;
        const attempt_result r = co_await connect_once(opt, at, key);
        if (!r.error.empty()) {
            ++t.failed;
            ++t.errors[r.error];
            continue;
        }
        ++t.ok;
        if (r.close_failed) ++t.close_errors;
        t.connect_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(r.connect_time.count(), UINT32_MAX)));
    }
}

// Nearest-rank percentile of sorted values.
std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

int run(const options& opt) {
    const auto colon = opt.server.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "warren-bench-connect: --server must be HOST:PORT\n";
        return 2;
    }
    net::io_context ioc(1);
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    const auto found = resolver.resolve(opt.server.substr(0, colon), opt.server.substr(colon + 1), ec);
    if (ec || found.empty()) {
        std::cerr << "warren-bench-connect: cannot resolve " << opt.server << ": " << ec.message() << "\n";
        return 2;
    }
    const tcp::endpoint at = found.begin()->endpoint();

    tally t;
    t.connect_us.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(opt.max_connects, 1'000'000)));
    const auto start = clock_type::now();
    t.deadline = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(opt.seconds));
    std::exception_ptr crashed;
    for (unsigned i = 0; i < opt.connectors; ++i) {
        // Connector i always uses key i: a key's second session would replace
        // its first, and that is not what is measured.
        std::string key = opt.keys.empty() ? std::string() : opt.keys[i % opt.keys.size()];
        net::co_spawn(ioc, connector(opt, at, std::move(key), t), [&crashed](std::exception_ptr e) {
            if (e && !crashed) crashed = e;
        });
    }
    ioc.run();
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    if (crashed) std::rethrow_exception(crashed);

    std::sort(t.connect_us.begin(), t.connect_us.end());
    boost::json::object out;
    out["mode"] = opt.keys.empty() ? "anonymous" : "keyed";
    out["connectors"] = opt.connectors;
    out["attempts"] = t.started;
    out["connects"] = t.ok;
    out["failures"] = t.failed;
    out["close_errors"] = t.close_errors;
    out["seconds"] = elapsed;
    out["per_second"] = elapsed > 0 ? static_cast<double>(t.ok) / elapsed : 0.0;
    out["p50_us"] = percentile(t.connect_us, 50);
    out["p90_us"] = percentile(t.connect_us, 90);
    out["p99_us"] = percentile(t.connect_us, 99);
    out["max_us"] = t.connect_us.empty() ? 0u : t.connect_us.back();
    boost::json::object errors;
    for (const auto& [reason, n] : t.errors) errors[reason] = n;
    out["errors"] = std::move(errors);
    std::cout << boost::json::serialize(out) << std::endl;
    return t.ok > 0 ? 0 : 1;
}

}  // namespace warren::bench

int main(int argc, char** argv) {
    using namespace warren::bench;
    options opt;
    std::string keys_file;
    unsigned timeout_s = 10;
    po::options_description desc(
        "usage: warren-bench-connect --server HOST:PORT --host APEX [options]\n"
        "Connect/disconnect loop against /_warren/connect; one JSON line on stdout.\n\noptions");
    desc.add_options()
        ("help,h", "this text")
        ("server", po::value(&opt.server)->required(), "gateway address, HOST:PORT")
        ("host", po::value(&opt.host)->required(), "Host header of the upgrade (the gateway's apex, e.g. localhost:8080)")
        ("keys-file", po::value(&keys_file), "API keys, one a line; connector i uses line i (default: anonymous connects)")
        ("bearer", po::bool_switch(&opt.bearer), "send the key in Authorization: Bearer instead of Sec-WebSocket-Protocol")
        ("connectors", po::value(&opt.connectors)->default_value(4), "concurrent connect loops")
        ("connects", po::value(&opt.max_connects)->default_value(2000), "stop after this many attempts")
        ("seconds", po::value(&opt.seconds)->default_value(10), "or after this many seconds")
        ("timeout", po::value(&timeout_s)->default_value(10), "seconds before one connect or close is given up");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        po::notify(vm);
        if (opt.connectors == 0 || opt.connectors > 1000) throw std::invalid_argument("--connectors must be 1-1000");
        if (!(opt.seconds > 0)) throw std::invalid_argument("--seconds must be positive");
        opt.timeout = std::chrono::seconds(timeout_s);
        if (!keys_file.empty()) {
            // Keys come from a file, never the command line, so they do not
            // show in `ps` or in the commands RESULTS.md lists.
            std::ifstream in(keys_file);
            if (!in) throw std::invalid_argument("cannot read " + keys_file);
            for (std::string line; std::getline(in, line);)
                if (!line.empty()) opt.keys.push_back(line);
            if (opt.keys.empty()) throw std::invalid_argument(keys_file + " holds no key");
            if (opt.keys.size() < opt.connectors)
                std::cerr << "warren-bench-connect: fewer keys than connectors: connectors sharing a key replace "
                             "each other's sessions\n";
        }
        return run(opt);
    } catch (const std::exception& e) {
        std::cerr << "warren-bench-connect: " << e.what() << "\n";
        return 2;
    }
}
