#include "auth/return_path.hpp"

#include <boost/url/parse.hpp>

namespace warren {

std::string safe_return_path(std::string_view wanted) {
    constexpr std::size_t max_length = 2048;
    if (wanted.empty() || wanted.size() > max_length || wanted.front() != '/') return "/";
    if (wanted.size() > 1 && (wanted[1] == '/' || wanted[1] == '\\')) return "/";
    for (const unsigned char c : wanted)
        if (c <= 0x20 || c == 0x7f || c == '\\') return "/";
    auto url = boost::urls::parse_origin_form(wanted);
    if (!url) return "/";
    // Encoded slashes and backslashes decode to the same tricks.
    const std::string_view path = url->encoded_path();
    if (path.starts_with("/%2f") || path.starts_with("/%2F") || path.starts_with("/%5c") ||
        path.starts_with("/%5C"))
        return "/";
    if (path.starts_with("/login") || path.starts_with("/logout")) return "/";
    return std::string(wanted);
}

}  // namespace warren
