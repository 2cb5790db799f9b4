#include "views.hpp"

#include "iso_time.hpp"

namespace warren::dashboard {
namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& s) {
    if (s.empty()) return nullptr;
    return json::string(s);
}

json::object traffic_json(const traffic_counts& t) {
    return {{"requests", t.requests}, {"bytes_in", t.bytes_in}, {"bytes_out", t.bytes_out}};
}

// The session of a connected client: where from, since when, and its counters.
json::object session_json(const live_tunnel& live) {
    return {
        {"client_ip", live.client_ip}, {"connected_since", format_iso_time(live.connected_since)},
        {"requests", live.requests},   {"in_flight", live.in_flight},
        {"bytes_in", live.bytes_in},   {"bytes_out", live.bytes_out}};
}

}  // namespace

json::value time_json(const std::optional<time_point>& t) {
    if (!t) return nullptr;
    return json::string(format_iso_time(*t));
}

json::object user_json(const user_record& user) {
    return {{"id", user.id},
            {"username", user.identity.username},
            {"name", user.identity.name},
            {"email", user.identity.email},
            {"avatar_url", user.identity.avatar_url},
            {"provider", user.identity.provider},
            {"admin", user.admin},
            {"disabled", user.disabled},
            {"created_at", format_iso_time(user.created_at)},
            {"last_login_at", time_json(user.last_login_at)}};
}

json::object tunnel_json(const tunnel_view& tunnel) {
    const tunnel_record& r = tunnel.record;
    json::object o{
        {"name", r.name},
        {"url", tunnel.url},
        {"owner", r.owner ? json::value(json::string(r.owner_username)) : json::value(nullptr)},
        {"key_prefix", text_or_null(r.key_prefix)},
        {"key_issued_at", time_json(r.key_issued_at)},
        {"created_at", format_iso_time(r.created_at)},
        {"last_seen_at", time_json(r.last_seen_at)},
        {"connected", tunnel.live.has_value()},
        {"live", nullptr},
        {"today", traffic_json(tunnel.today)}};
    if (tunnel.live) o["live"] = session_json(*tunnel.live);
    return o;
}

json::object live_tunnel_json(const live_tunnel_view& view) {
    const live_tunnel& t = view.tunnel;
    json::object o{{"name", t.name},
                   {"url", t.url},
                   {"keyed", t.keyed},
                   {"key_prefix", text_or_null(t.key_prefix)},
                   {"owner", text_or_null(t.owner)}};
    for (auto& field : session_json(t)) o.emplace(field.key(), std::move(field.value()));
    o["today"] = traffic_json(view.today);
    return o;
}

json::object key_json(const issued_key& key) {
    return {{"key", key.key}, {"prefix", key.prefix}, {"connect_command", key.connect_command}};
}

json::object audit_json(const audit_entry& e) {
    return {{"id", e.id},
            {"at", format_iso_time(e.at)},
            {"event", e.event},
            {"client_ip", text_or_null(e.client_ip)},
            {"user", text_or_null(e.user)},
            {"tunnel", text_or_null(e.tunnel)},
            {"key_prefix", text_or_null(e.key_prefix)},
            {"status", e.status != 0 ? json::value(e.status) : json::value(nullptr)},
            {"detail", e.detail}};
}

json::object login_option_json(const login_option& option) {
    return {{"id", option.id}, {"display_name", option.display_name}, {"path", option.path}};
}

}  // namespace warren::dashboard
