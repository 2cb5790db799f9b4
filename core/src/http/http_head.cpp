#include "http/http_head.hpp"

#include <algorithm>

namespace warren {
namespace {

constexpr char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::optional<std::string_view> find_header(const header_list& h, std::string_view name) {
    for (const auto& f : h)
        if (iequals(f.name, name)) return std::string_view(f.value);
    return std::nullopt;
}

std::size_t erase_header(header_list& h, std::string_view name) {
    return std::erase_if(h, [&](const header_field& f) { return iequals(f.name, name); });
}

bool header_has_token(const header_list& h, std::string_view name, std::string_view token) {
    for (const auto& f : h) {
        if (!iequals(f.name, name)) continue;
        std::string_view rest = f.value;
        for (;;) {
            const auto comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
            while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
            if (iequals(item, token)) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

}  // namespace warren
