#include "oauth/json_fields.hpp"

namespace warren::oauth {

std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return std::string(v->get_string());
}

std::string string_field(const boost::json::value& v, std::string_view key) {
    const auto* o = v.if_object();
    return o != nullptr ? string_field(*o, key) : std::string();
}

std::string id_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return {};
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (v->is_string()) return std::string(v->get_string());
    return {};
}

bool true_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace warren::oauth
