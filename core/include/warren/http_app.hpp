#pragma once
// An HTTP application on the gateway's apex host: the [dashboard]. The core
// keeps /_health, /metrics and /_warren/ for itself and hands every other
// apex request whose path the app claims to it.
//
// Requests are buffered (bodies up to 1 MiB; larger ones get 413 from the
// host) and handle() runs on the host's blocking pool, so it may call the
// store. The host adds Date, Content-Length and Connection; the app sets
// everything else, security headers included.
#include <warren/export.hpp>
#include <warren/http_types.hpp>
#include <warren/plugin_object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace warren {

struct http_request {
    std::string method;
    std::string target;  // as sent: path and query
    std::string path;    // decoded path, without the query
    std::string query;   // raw query, without '?'
    std::string host;
    std::vector<http_header> headers;
    std::string body;
    std::string client_ip;
    bool secure = false;  // arrived over TLS (or public_url is https)

    std::string_view header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
};

struct http_response {
    int status = 200;
    std::vector<http_header> headers;
    std::string body;
};

class WARREN_SDK_VISIBLE http_app : public plugin_object {
public:
    // Whether this app serves `path` on the apex host ("/", "/api/..."). Called
    // on a network thread for every apex request: cheap, thread-safe, no I/O.
    virtual bool serves(std::string_view path) const noexcept = 0;
    virtual http_response handle(const http_request& request) noexcept = 0;
};

}  // namespace warren
