#include "gateway/responses.hpp"

#include "http/serialize.hpp"

namespace warren {

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string serialize(const simple_response& r) {
    response_head h;
    h.status = r.status;
    h.headers.push_back({"Content-Type", r.content_type});
    h.headers.push_back({"Content-Length", std::to_string(r.body.size())});
    // Safe defaults an application's own response may replace.
    if (!find_header(r.extra_headers, "cache-control")) h.headers.push_back({"Cache-Control", "no-store"});
    if (!find_header(r.extra_headers, "x-content-type-options"))
        h.headers.push_back({"X-Content-Type-Options", "nosniff"});
    for (const auto& f : r.extra_headers) h.headers.push_back(f);
    if (r.close) h.headers.push_back({"Connection", "close"});
    std::string out = http::serialize_head(h);
    if (!r.head_only) out += r.body;
    return out;
}

simple_response error_response(unsigned status, std::string_view message, std::string_view accept) {
    simple_response r;
    r.status = status;
    if (accept.find("text/html") != std::string_view::npos) {
        r.content_type = "text/html; charset=utf-8";
        const std::string m = html_escape(message);
        r.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + std::to_string(status) +
                 " · Warren</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;"
                 "margin:4em auto;padding:0 1em;color:#222}h1{font-size:1.4em}code{background:#f3f3f3;"
                 "padding:.1em .3em}</style></head><body><h1>" +
                 std::to_string(status) + "</h1><p>" + m + "</p><p><small>warren gateway</small></p></body></html>\n";
        r.extra_headers.push_back({"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"});
    } else {
        r.body = "warren: " + std::string(message) + "\n";
    }
    return r;
}

simple_response refusal(unsigned status, std::string_view reason) {
    simple_response r;
    r.status = status;
    r.body = std::string(reason) + "\n";
    r.close = true;
    return r;
}

}  // namespace warren
