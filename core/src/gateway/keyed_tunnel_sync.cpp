#include "gateway/keyed_tunnel_sync.hpp"

#include "gateway/blocking_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <unordered_set>

namespace warren {
namespace net = boost::asio;

void apply_keyed_tunnels(gateway_context& ctx, const std::vector<tunnel_record>& tunnels,
                         std::chrono::system_clock::time_point as_of) {
    std::unordered_set<std::string> names;
    std::map<std::string, std::string, std::less<>> active_prefix;
    for (const auto& t : tunnels) {
        names.insert(t.name);
        active_prefix[t.name] = t.key_prefix;
    }
    ctx.registry.set_keyed_names(std::move(names));

    for (const auto& t : ctx.registry.snapshot()) {
        if (!t->credentials().keyed || t->connected_at() >= as_of) continue;
        auto it = active_prefix.find(t->name());
        std::string why;
        if (it == active_prefix.end()) why = "the tunnel was deleted";
        else if (it->second != t->credentials().key_prefix) why = "its API key was revoked";
        else continue;
        disconnect_for_good(t, std::move(why));
    }
}

void disconnect_for_good(const std::shared_ptr<tunnel>& t, std::string why) {
    spdlog::info("tunnel {} disconnected: {}", t->name(), why);
    // "replaced" makes the client stop instead of reconnecting in a loop.
    net::co_spawn(
        t->strand(),
        [t, why = std::move(why)]() -> net::awaitable<void> {
            t->session().go_away(proto::goaway_code::replaced, why);
            co_await t->session().close(why);
        },
        net::detached);
}

bool sync_keyed_tunnels_now(gateway_context& ctx) {
    const auto as_of = std::chrono::system_clock::now();
    auto tunnels = ctx.store->list_tunnels(std::nullopt);
    if (!tunnels) {
        spdlog::warn("cannot read keyed tunnels from the store: {}", tunnels.error().message);
        return false;
    }
    apply_keyed_tunnels(ctx, *tunnels, as_of);
    return true;
}

net::awaitable<void> sync_keyed_tunnels(gateway_context& ctx, std::chrono::milliseconds every) {
    net::steady_timer timer(co_await net::this_coro::executor);
    bool failing = false;
    while (!ctx.draining) {
        timer.expires_after(every);
        auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        if (ec || ctx.draining) co_return;
        const auto as_of = std::chrono::system_clock::now();
        auto list = [s = ctx.store] { return s->list_tunnels(std::nullopt); };
        auto tunnels = co_await run_blocking(*ctx.blocking, std::move(list));
        if (!tunnels) {
            // Keep the last known set: routing goes on as it was.
            if (!failing) spdlog::warn("cannot refresh keyed tunnels from the store: {}", tunnels.error().message);
            failing = true;
            continue;
        }
        if (failing) spdlog::info("keyed tunnels refreshed from the store again");
        failing = false;
        apply_keyed_tunnels(ctx, *tunnels, as_of);
    }
}

}  // namespace warren
