#pragma once
// A request target ("/api/tunnels/demo%2Dx/key?all=1") read with Boost.URL:
// the path's segments and the query's parameters, each percent-decoded on
// its own, so an encoded '/' stays inside its segment.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warren::dashboard {

struct request_target {
    std::vector<std::string> segments;  // "/" has none; "/api/" has "api" and ""
    std::vector<std::pair<std::string, std::string>> params;  // '+' read as a space

    // The first parameter called `name`, if any.
    std::optional<std::string> param(std::string_view name) const;
};

// Nullopt when `target` is not an origin-form target ("/path?query").
std::optional<request_target> parse_target(std::string_view target);

}  // namespace warren::dashboard
