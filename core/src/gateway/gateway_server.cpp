#include "gateway/gateway_server.hpp"

#include "auth/sessions.hpp"
#include "auth/setup_link.hpp"
#include "gateway/admin_service.hpp"
#include "gateway/audit_trail.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/gateway_context.hpp"
#include "gateway/keyed_tunnel_sync.hpp"
#include "gateway/listener.hpp"
#include "gateway/login_routes.hpp"
#include "gateway/registry_directory.hpp"
#include "gateway/request_log_dispatcher.hpp"
#include "gateway/tunnel_admin.hpp"
#include "plugins/gateway_services.hpp"
#include "plugins/plugin_loader.hpp"

#include <warren/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace warren {
namespace net = boost::asio;
using net::ip::tcp;

namespace {

tcp::endpoint parse_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("listen address \"" + listen + "\" is not HOST:PORT");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    const auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) throw std::runtime_error("listen address \"" + listen + "\": \"" + host + "\" is not an IP address");
    unsigned long port = 0;
    try {
        port = std::stoul(listen.substr(colon + 1));
    } catch (const std::exception&) {
        port = 70000;
    }
    if (port > 65535) throw std::runtime_error("listen address \"" + listen + "\" has no valid port");
    return {address, static_cast<unsigned short>(port)};
}

std::unique_ptr<net::ssl::context> make_tls(const server_settings& s) {
    if (s.tls_cert.empty() && s.tls_key.empty()) return nullptr;
    auto tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                     net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(s.tls_cert.string(), ec);
    if (ec) throw std::runtime_error("tls_cert " + s.tls_cert.string() + ": " + ec.message());
    tls->use_private_key_file(s.tls_key.string(), net::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("tls_key " + s.tls_key.string() + ": " + ec.message());
    return tls;
}

// The scheme, host and port of the URLs handed to clients: public_url's when
// configured (validated by the config loader), else this listener's.
void set_public_address(gateway_context& ctx, std::uint16_t bound_port) {
    const auto& server = ctx.config.server;
    ctx.scheme = ctx.tls ? "https" : "http";
    ctx.public_host = server.domain;
    ctx.public_port = bound_port;
    if (server.public_url.empty()) return;
    auto url = boost::urls::parse_absolute_uri(server.public_url);
    if (!url) return;
    ctx.scheme = url->scheme();
    ctx.public_host = url->host();
    ctx.public_port = url->has_port() ? url->port_number() : (ctx.scheme == "https" ? 443 : 80);
}

// How often the gateway re-reads keyed tunnels from the store, so that
// changes made with the admin CLI (another process) take effect.
constexpr std::chrono::seconds keyed_tunnel_sync_interval{5};

// The [[request_log]] sinks with unique metric labels: the plugin's name,
// with "#2", "#3"... for a plugin configured more than once.
std::vector<request_log_dispatcher::sink_entry> sink_entries(const std::vector<loaded_request_log>& loaded) {
    std::vector<request_log_dispatcher::sink_entry> out;
    std::set<std::string> used;
    for (const auto& l : loaded) {
        std::string label = std::filesystem::path(l.plugin).stem().string();
        for (int n = 2; used.count(label); ++n) label = std::filesystem::path(l.plugin).stem().string() + "#" + std::to_string(n);
        used.insert(label);
        out.push_back({label, l.sink, l.queue});
    }
    return out;
}

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

// Stop accepting, tell every tunnel to go away, wait for in-flight requests
// up to the deadline, then stop everything.
net::awaitable<void> drain(net::io_context& ioc, gateway_context& ctx, listener& l) {
    ctx.draining = true;
    l.stop();
    const auto tunnels = ctx.registry.snapshot();
    spdlog::info("draining: {} tunnels, {} requests in flight", tunnels.size(), ctx.active_requests.load());
    for (const auto& t : tunnels)
        net::post(t->strand(), [t] { t->session().go_away(proto::goaway_code::draining, "gateway restarting"); });
    const auto deadline = std::chrono::steady_clock::now() + ctx.config.server.drain_timeout;
    net::steady_timer tick(ioc);
    while (ctx.active_requests > 0 && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(std::chrono::milliseconds(20));
        co_await tick.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (ctx.active_requests > 0)
        spdlog::warn("drain deadline reached with {} requests in flight", ctx.active_requests.load());
    for (const auto& t : tunnels) net::post(t->strand(), [t] { t->session().abort(); });
    // Let every session wind down (fail its streams, wake their waiters) so
    // that nothing is left holding a session or a stream when the loop stops.
    const auto wind_down = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (ctx.registry.live_count() > 0 && std::chrono::steady_clock::now() < wind_down) {
        tick.expires_after(std::chrono::milliseconds(5));
        co_await tick.async_wait(net::as_tuple(net::use_awaitable));
    }
    spdlog::info("stopped");
    ioc.stop();
}

// With no OAuth provider, the way in is a one-time admin link. It goes to
// the terminal only, never through the logger: a log file must not hold a
// working login. Not on a terminal (a service, output redirected to a
// file), the operator makes one with the CLI instead.
void offer_setup_link(setup_links& setup, const gateway_context& ctx) {
    if (!::isatty(STDERR_FILENO)) {
        spdlog::info("no [[auth]] provider: sign in to the dashboard with a one-time link from "
                     "`warren-gateway --config {} setup-link`",
                     ctx.config.source.empty() ? "gateway.toml" : ctx.config.source.string());
        return;
    }
    auto token = setup.create(std::chrono::system_clock::now());
    if (!token) {
        spdlog::warn("no setup link: {}", token.error().message);
        return;
    }
    const std::string text = "\n  Dashboard: open this one-time admin link (valid 15 minutes, single use):\n\n    " +
                             setup_url(ctx.apex_url(), *token) + "\n\n";
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
}

}  // namespace

int run_gateway(const gateway_config& config) {
    if (!config.store)
        throw std::runtime_error(config.source.string() +
                                 ": no [store] table; choose one, e.g. [store] plugin = \"store-sqlite\"");
    const unsigned threads = config.server.threads ? config.server.threads
                                                   : std::max(1u, std::thread::hardware_concurrency());
    // Declared before the io_context so they outlive it: destroying the
    // io_context destroys every pending coroutine frame, and those frames
    // (connections, sessions) still refer to the context, the TLS setup, the
    // plugins and the blocking pool.
    metrics_registry registry;
    gateway_context ctx(config, registry);
    registry_directory directory(ctx.registry);
    gateway_services services(registry, directory, config.plugins.ca_file);
    const loaded_plugins plugins = load_plugins(config, services);
    blocking_pool blocking(config.server.blocking_threads);
    audit_trail audit(*plugins.store, blocking, registry, &ctx.changes);
    tunnel_admin tunnels_admin(*plugins.store, config.tunnels.max_tunnels_per_user);
    // Sign-in exists for a dashboard or [[auth]] providers; without them the
    // gateway keeps no signing secret (nor initialises OpenSSL's RNG for one).
    setup_links setup(*plugins.store);
    std::optional<sessions> session_keeper;
    std::optional<login_routes> login;
    if (plugins.dashboard || !plugins.auth.empty()) {
        session_keeper.emplace(sessions::load_secret(*plugins.store, config.sessions.secret_env), *plugins.store,
                               std::chrono::duration_cast<std::chrono::seconds>(config.sessions.ttl));
        login.emplace(ctx, plugins.auth, setup, tunnels_admin);
        ctx.sessions = &*session_keeper;
        ctx.login = &*login;
    }
    admin_service admin(ctx, tunnels_admin, login ? &*login : nullptr);
    services.set_admin(&admin);
    // The plugins outlive this function's locals only until `plugins` goes:
    // make sure none of them can reach the admin service after it is gone.
    struct unset_admin {
        gateway_services& s;
        ~unset_admin() { s.set_admin(nullptr); }
    } unset{services};
    std::optional<request_log_dispatcher> request_log;
    if (!plugins.request_log.empty()) request_log.emplace(sink_entries(plugins.request_log), registry);
    ctx.store = plugins.store.get();
    ctx.blocking = &blocking;
    ctx.audit = &audit;
    ctx.request_log = request_log ? &*request_log : nullptr;
    ctx.dashboard = plugins.dashboard.get();
    // Known keyed tunnels route (503 while offline) from the first request on.
    if (!sync_keyed_tunnels_now(ctx))
        throw std::runtime_error("the store cannot list keyed tunnels (see the warning above)");

    auto tls = make_tls(config.server);
    const tcp::endpoint at = parse_listen(config.server.listen);

    net::io_context ioc(static_cast<int>(threads));
    std::optional<listener> l;
    try {
        l.emplace(ioc, ctx, at, tls.get());
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + config.server.listen + ": " + e.code().message());
    }
    const tcp::endpoint bound = l->local_endpoint();
    ctx.tls = tls != nullptr;
    set_public_address(ctx, bound.port());
    spdlog::info("warren-gateway {} listening on {}://{} (tunnels at {})", warren_version, tls ? "https" : "http",
                 endpoint_text(bound), ctx.tunnel_url("<name>"));

    if (plugins.auth.empty() && config.sessions.setup_link && ctx.dashboard) offer_setup_link(setup, ctx);

    net::co_spawn(ioc, l->run(), net::detached);
    net::co_spawn(ioc, sync_keyed_tunnels(ctx, keyed_tunnel_sync_interval), net::detached);
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    bool draining = false;
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (draining) {
            spdlog::warn("second signal: stopping now");
            ioc.stop();
            return;
        }
        draining = true;
        spdlog::info("received {}, draining (up to {} ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                     config.server.drain_timeout.count());
        net::co_spawn(ioc, drain(ioc, ctx, *l), net::detached);
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();

    // Store calls still running finish before the io_context they would
    // resume on goes away; then the sinks write what is queued.
    blocking.join();
    if (request_log) request_log->stop();
    // Tunnels hold sockets of this io_context: let them go while it lives.
    ctx.registry.clear();
    signals.cancel();
    l.reset();
    return 0;
}

}  // namespace warren
