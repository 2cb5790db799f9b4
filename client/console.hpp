#pragma once
// What the client tells its user: the public URL and a line per request on
// stdout, what it is doing (reconnecting, refused) on stderr.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace warren::client {

// "1.1KB", "532B", "12.0MB"
std::string human_bytes(std::uint64_t n);

// "GET /path 200 3.2ms 1.1KB" (+ " (note)" when there is one)
std::string request_line(std::string_view method, std::string_view target, unsigned status,
                         std::chrono::nanoseconds duration, std::uint64_t bytes, std::string_view note = {});

class console {
public:
    explicit console(bool quiet) : quiet_(quiet) {}
    void forwarding(std::string_view public_url, std::string_view local_url, bool reconnected);
    void request(std::string_view method, std::string_view target, unsigned status,
                 std::chrono::nanoseconds duration, std::uint64_t bytes, std::string_view note = {});
    void status(std::string_view message);

private:
    bool quiet_;
};

}  // namespace warren::client
