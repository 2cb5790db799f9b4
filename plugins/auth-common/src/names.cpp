#include "oauth/names.hpp"

#include <algorithm>

namespace warren::oauth {
namespace {

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool contains_name(const std::vector<std::string>& list, std::string_view name) noexcept {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& n) { return iequals(n, name); });
}

bool in_group(std::string_view path, std::string_view allowed) noexcept {
    if (allowed.empty() || path.size() < allowed.size()) return false;
    if (!iequals(path.substr(0, allowed.size()), allowed)) return false;
    return path.size() == allowed.size() || path[allowed.size()] == '/';
}

std::string join(const std::vector<std::string>& list, std::string_view separator) {
    std::string out;
    for (const auto& item : list) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

}  // namespace warren::oauth
