#include "gateway/apex.hpp"

#include <warren/version.hpp>

#include <boost/json.hpp>

namespace warren {

std::string health_json(gateway_context& ctx) {
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - ctx.started);
    boost::json::object o;
    o["status"] = ctx.draining ? "draining" : "ok";
    o["version"] = warren_version;
    o["uptime_seconds"] = uptime.count();
    o["tunnels"] = ctx.registry.live_count();
    return boost::json::serialize(o) + "\n";
}

std::optional<simple_response> apex_response(gateway_context& ctx, const request_head& head) {
    const std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
    const bool get = head.method == "GET" || head.method == "HEAD";
    simple_response r;
    r.head_only = head.method == "HEAD";
    if (path == "/_health") {
        if (!get) return std::nullopt;
        r.status = ctx.draining ? 503 : 200;
        r.content_type = "application/json";
        r.body = health_json(ctx);
        return r;
    }
    if (path == "/metrics") {
        if (!get) return std::nullopt;
        ctx.metrics.tunnels.set(static_cast<std::int64_t>(ctx.registry.live_count()));
        ctx.metrics.sample_leak_gauges();
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = ctx.metrics.registry.render();
        return r;
    }
    if (path == "/") {
        if (!get) return std::nullopt;
        r.body = "Warren gateway " + std::string(warren_version) +
                 "\n\nExpose a local server:\n\n    warren http 3000 --server " + ctx.apex_url() +
                 "\n\nHealth: " + ctx.apex_url() + "/_health   Metrics: " + ctx.apex_url() + "/metrics\n";
        return r;
    }
    return std::nullopt;
}

}  // namespace warren
