#pragma once
// The dashboard's static files (plugins/dashboard/assets/), embedded into the
// .so at build time by embed_assets.cmake: the dashboard reads nothing from
// disk at run time and its pages load nothing from elsewhere.
#include <span>
#include <string_view>

namespace warren::dashboard {

struct asset {
    std::string_view name;  // "app.js", as under /assets/
    std::string_view body;
    std::string_view etag;  // quoted, from the body's SHA-256
};

// Every embedded file, sorted by name (defined in the generated source).
std::span<const asset> embedded_assets() noexcept;

// The file called `name`, or null.
const asset* find_asset(std::string_view name) noexcept;

// The Content-Type for a file, by its extension.
std::string_view content_type_of(std::string_view name) noexcept;

}  // namespace warren::dashboard
