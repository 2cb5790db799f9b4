#include "api_input.hpp"

#include "iso_time.hpp"

#include <warren/units.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

namespace warren::dashboard {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_audit_limit = 1000;

error invalid(std::string message) {
    return {errc::invalid, std::move(message)};
}

std::string quoted(std::string_view s) {
    return json::serialize(json::string(s));
}

// A whole decimal number, and nothing else.
std::optional<std::uint64_t> whole_number(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

}  // namespace

result<json::object> parse_body(std::string_view body,
                                std::initializer_list<std::string_view> allowed) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return invalid("the request body is not valid JSON: " + ec.message());
    if (!v.is_object()) return invalid("the request body must be a JSON object");
    for (const auto& member : v.as_object()) {
        bool known = false;
        for (const auto key : allowed) known = known || member.key() == key;
        if (!known) {
            std::string expected;
            for (const auto key : allowed)
                expected += (expected.empty() ? "" : ", ") + std::string(key);
            return invalid("unknown field " + quoted(member.key()) +
                           (expected.empty() ? " (this request takes no fields)"
                                             : " (expected " + expected + ")"));
        }
    }
    return std::move(v.as_object());
}

result<std::optional<std::string>> string_member(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) return invalid(std::string(key) + " must be a string");
    return std::optional<std::string>(std::string(v->as_string()));
}

result<std::optional<bool>> bool_member(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::optional<bool>();
    if (!v->is_bool()) return invalid(std::string(key) + " must be true or false");
    return std::optional<bool>(v->as_bool());
}

result<std::string> tunnel_name_param(std::string_view segment) {
    bool ok =
        !segment.empty() && segment.size() <= 63 && segment.front() != '-' && segment.back() != '-';
    for (const char c : segment)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    if (!ok)
        return invalid("invalid tunnel name " + quoted(segment) +
                       ": use 1-63 lowercase letters, digits and hyphens");
    return std::string(segment);
}

result<user_id> user_id_param(std::string_view segment) {
    const auto n = whole_number(segment);
    if (!n || *n == 0 || *n > static_cast<std::uint64_t>(std::numeric_limits<user_id>::max()))
        return invalid("invalid user id " + quoted(segment) + ": expected a positive whole number");
    return static_cast<user_id>(*n);
}

result<bool> flag_param(const std::optional<std::string>& value, std::string_view name) {
    if (!value || value->empty() || *value == "0" || *value == "false") return false;
    if (*value == "1" || *value == "true") return true;
    return invalid(std::string(name) + ": expected 1 or 0 (got " + quoted(*value) + ")");
}

result<std::size_t> limit_param(const std::optional<std::string>& value, std::size_t fallback) {
    if (!value) return fallback;
    const auto n = whole_number(*value);
    if (!n || *n < 1 || *n > max_audit_limit)
        return invalid("limit: expected a whole number from 1 to " +
                       std::to_string(max_audit_limit) + " (got " + quoted(*value) + ")");
    return static_cast<std::size_t>(*n);
}

result<std::optional<time_point>> time_param(const std::optional<std::string>& value,
                                             std::string_view name) {
    if (!value || value->empty()) return std::optional<time_point>();
    const auto t = parse_iso_time(*value);
    if (!t)
        return invalid(std::string(name) +
                       ": expected an ISO 8601 time like 2026-11-22T05:01:02Z (got " +
                       quoted(*value) + ")");
    return std::optional<time_point>(*t);
}

result<std::chrono::seconds> token_ttl(std::string_view text) {
    // The range (1 minute to 366 days) is the host's to check (gateway_admin).
    const auto d = parse_duration(text);
    if (!d)
        return invalid("ttl: expected a duration like \"30d\", \"12h\" or \"1d12h\" (got " +
                       quoted(std::string(text)) + ")");
    return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

}  // namespace warren::dashboard
