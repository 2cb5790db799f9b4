#pragma once
// Plain value types for HTTP/1.x message heads as they cross the tunnel.
// Field order, name case and duplicates (e.g. several Set-Cookie) are kept
// exactly as received, so webhook signatures over headers still verify.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warren {

struct header_field {
    std::string name;
    std::string value;
    bool operator==(const header_field&) const = default;
};

using header_list = std::vector<header_field>;

struct request_head {
    std::string method;  // as received, e.g. "GET", "PROPFIND"
    std::string target;  // request-target byte for byte, e.g. "/a%20b?x=1"
    unsigned version = 11;  // 10 or 11
    header_list headers;
    bool operator==(const request_head&) const = default;
};

struct response_head {
    unsigned status = 200;
    std::string reason;  // reason phrase as received (may be empty)
    unsigned version = 11;
    header_list headers;
    bool operator==(const response_head&) const = default;
};

// Case-insensitive ASCII comparison for field names.
bool iequals(std::string_view a, std::string_view b) noexcept;

// First value of a field, or nullopt.
std::optional<std::string_view> find_header(const header_list& h, std::string_view name);

// Removes every field with this name; returns how many were removed.
std::size_t erase_header(header_list& h, std::string_view name);

// True if a comma-separated token list field (e.g. Connection) contains token.
bool header_has_token(const header_list& h, std::string_view name, std::string_view token);

}  // namespace warren
