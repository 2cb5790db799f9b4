#include "protocol/handshake.hpp"

#include <boost/json.hpp>

namespace warren::proto {
namespace json = boost::json;

namespace {

const json::object* as_message(std::string_view text, std::string_view type, std::string& error,
                               json::value& storage) {
    boost::system::error_code ec;
    storage = json::parse(text, ec);
    if (ec) {
        error = "not JSON: " + ec.message();
        return nullptr;
    }
    const auto* obj = storage.if_object();
    const json::value* t = obj ? obj->if_contains("type") : nullptr;
    if (!t || !t->is_string() || t->get_string() != type) {
        error = "expected a \"" + std::string(type) + "\" message";
        return nullptr;
    }
    return obj;
}

template <class T>
bool get_uint(const json::object& o, std::string_view key, T& out, bool required, std::string& error) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (required) error = "missing \"" + std::string(key) + "\"";
        return !required;
    }
    std::uint64_t n = 0;
    if (v->is_uint64()) n = v->get_uint64();
    else if (v->is_int64() && v->get_int64() >= 0) n = static_cast<std::uint64_t>(v->get_int64());
    else {
        error = "\"" + std::string(key) + "\" must be a non-negative integer";
        return false;
    }
    if (n > std::numeric_limits<T>::max()) {
        error = "\"" + std::string(key) + "\" is too large";
        return false;
    }
    out = static_cast<T>(n);
    return true;
}

bool get_string(const json::object& o, std::string_view key, std::string& out, bool required,
                std::string& error) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (required) error = "missing \"" + std::string(key) + "\"";
        return !required;
    }
    if (!v->is_string()) {
        error = "\"" + std::string(key) + "\" must be a string";
        return false;
    }
    out = std::string(v->get_string());
    return true;
}

bool get_bool(const json::object& o, std::string_view key, bool& out, std::string& error) {
    const json::value* v = o.if_contains(key);
    if (!v) return true;
    if (!v->is_bool()) {
        error = "\"" + std::string(key) + "\" must be true or false";
        return false;
    }
    out = v->get_bool();
    return true;
}

}  // namespace

std::string serialize(const hello_message& m) {
    json::object o;
    o["type"] = "hello";
    o["version"] = m.version;
    o["client"] = m.client;
    o["integrity"] = m.integrity;
    o["stream_window"] = m.stream_window;
    o["connection_window"] = m.connection_window;
    return json::serialize(o);
}

std::string serialize(const ready_message& m) {
    json::object o;
    o["type"] = "ready";
    o["version"] = m.version;
    o["name"] = m.name;
    o["url"] = m.url;
    o["ownership_token"] = m.ownership_token;
    o["integrity"] = m.integrity;
    o["stream_window"] = m.stream_window;
    o["connection_window"] = m.connection_window;
    o["max_frame_payload"] = m.max_frame_payload;
    o["max_streams"] = m.max_streams;
    o["max_body_bytes"] = m.max_body_bytes;
    o["request_timeout_ms"] = m.request_timeout_ms;
    o["ping_interval_ms"] = m.ping_interval_ms;
    o["ping_timeout_ms"] = m.ping_timeout_ms;
    return json::serialize(o);
}

std::optional<hello_message> parse_hello(std::string_view text, std::string& error) {
    json::value storage;
    const json::object* o = as_message(text, "hello", error, storage);
    if (!o) return std::nullopt;
    hello_message m;
    if (!get_uint(*o, "version", m.version, true, error) ||
        !get_string(*o, "client", m.client, false, error) ||
        !get_bool(*o, "integrity", m.integrity, error) ||
        !get_uint(*o, "stream_window", m.stream_window, true, error) ||
        !get_uint(*o, "connection_window", m.connection_window, true, error))
        return std::nullopt;
    return m;
}

std::optional<ready_message> parse_ready(std::string_view text, std::string& error) {
    json::value storage;
    const json::object* o = as_message(text, "ready", error, storage);
    if (!o) return std::nullopt;
    ready_message m;
    if (!get_uint(*o, "version", m.version, true, error) ||
        !get_string(*o, "name", m.name, true, error) || !get_string(*o, "url", m.url, true, error) ||
        !get_string(*o, "ownership_token", m.ownership_token, false, error) ||
        !get_bool(*o, "integrity", m.integrity, error) ||
        !get_uint(*o, "stream_window", m.stream_window, true, error) ||
        !get_uint(*o, "connection_window", m.connection_window, true, error) ||
        !get_uint(*o, "max_frame_payload", m.max_frame_payload, true, error) ||
        !get_uint(*o, "max_streams", m.max_streams, false, error) ||
        !get_uint(*o, "max_body_bytes", m.max_body_bytes, false, error) ||
        !get_uint(*o, "request_timeout_ms", m.request_timeout_ms, false, error) ||
        !get_uint(*o, "ping_interval_ms", m.ping_interval_ms, false, error) ||
        !get_uint(*o, "ping_timeout_ms", m.ping_timeout_ms, false, error))
        return std::nullopt;
    return m;
}

}  // namespace warren::proto
