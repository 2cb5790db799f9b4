#pragma once
// Complete, small responses the gateway writes itself: errors the public sees,
// refusals of tunnel connects, health and metrics.
#include "http/http_head.hpp"

#include <string>
#include <string_view>

namespace warren {

struct simple_response {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    header_list extra_headers;  // e.g. Retry-After; may replace Cache-Control and X-Content-Type-Options
    bool close = false;         // adds Connection: close
    bool head_only = false;     // answer to HEAD: headers without the body
};

// Serialized head and body, ready to write.
std::string serialize(const simple_response& r);

// An error page: HTML when the client prefers it (browsers), else one text
// line. `message` is shown to the public, so it never contains a secret.
simple_response error_response(unsigned status, std::string_view message, std::string_view accept);

// The one-line reason a refused tunnel client prints verbatim.
simple_response refusal(unsigned status, std::string_view reason);

std::string html_escape(std::string_view s);

}  // namespace warren
