#pragma once
// Header fields as the SDK's HTTP types carry them.
#include <string>
#include <string_view>
#include <vector>

namespace warren {

struct http_header {
    std::string name;
    std::string value;
};

// The value of the first field called `name` (ASCII case-insensitive), or
// empty when there is none.
inline std::string_view find_header(const std::vector<http_header>& headers,
                                    std::string_view name) noexcept {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (const auto& h : headers) {
        if (h.name.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(h.name[i]) == lower(name[i]);
        if (same) return h.value;
    }
    return {};
}

}  // namespace warren
