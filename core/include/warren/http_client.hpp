#pragma once
// An outbound HTTP/1.1 client with TLS, for plugins that call other services
// (an OAuth provider's token endpoint, a webhook, a log collector).
//
// send() is blocking: call it only where blocking is allowed, which is every
// plugin call the host makes (they all run on the host's blocking pool, never
// on a network thread). HTTPS verifies the server's certificate and host name
// against the system trust store (plus [plugins] ca_file when set). Bodies
// are buffered in memory: max_response_bytes caps what is read.
//
// Threading: thread-safe; each call uses its own connection.
#include <warren/export.hpp>
#include <warren/http_types.hpp>
#include <warren/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warren {

struct http_client_request {
    std::string method = "GET";
    std::string url;  // http:// or https://
    std::vector<http_header> headers;  // Host, Content-Length, User-Agent are added
    std::string body;
    std::chrono::milliseconds timeout{10'000};   // the whole exchange
    std::uint64_t max_response_bytes = 1u << 20;  // larger bodies fail the call (errc::unavailable)
};

struct http_client_response {
    int status = 0;
    std::vector<http_header> headers;
    std::string body;

    std::string_view header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
};

class WARREN_SDK_VISIBLE http_client {
public:
    virtual ~http_client() = default;
    // Any HTTP status is a success here; errc::unavailable for a connection,
    // TLS or timeout failure, errc::invalid for a malformed URL.
    virtual result<http_client_response> send(const http_client_request& request) noexcept = 0;
};

}  // namespace warren
