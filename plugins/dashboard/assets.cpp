#include "assets.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace warren::dashboard {

const asset* find_asset(std::string_view name) noexcept {
    const auto all = embedded_assets();
    const auto it = std::lower_bound(all.begin(), all.end(), name,
                                     [](const asset& a, std::string_view n) { return a.name < n; });
    return it != all.end() && it->name == name ? &*it : nullptr;
}

std::string_view content_type_of(std::string_view name) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> types{{
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    }};
    for (const auto& [extension, type] : types)
        if (name.ends_with(extension)) return type;
    return "application/octet-stream";
}

}  // namespace warren::dashboard
