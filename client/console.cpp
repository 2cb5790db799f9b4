#include "client/console.hpp"

#include <cstdio>

namespace warren::client {

std::string human_bytes(std::uint64_t n) {
    char buf[32];
    if (n < 1000) std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
    else if (n < 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1fKB", static_cast<double>(n) / 1e3);
    else if (n < 1000ull * 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1fMB", static_cast<double>(n) / 1e6);
    else std::snprintf(buf, sizeof buf, "%.2fGB", static_cast<double>(n) / 1e9);
    return buf;
}

std::string request_line(std::string_view method, std::string_view target, unsigned status,
                         std::chrono::nanoseconds duration, std::uint64_t bytes, std::string_view note) {
    // Long targets (signed URLs, tracking parameters) would drown the line.
    constexpr std::size_t max_target = 120;
    std::string line;
    line.reserve(64 + std::min(target.size(), max_target) + note.size());
    line.append(method).append(" ");
    if (target.size() > max_target) line.append(target.substr(0, max_target - 3)).append("...");
    else line.append(target);
    char buf[64];
    const double ms = std::chrono::duration<double, std::milli>(duration).count();
    if (ms < 10) std::snprintf(buf, sizeof buf, " %u %.1fms ", status, ms);
    else if (ms < 10000) std::snprintf(buf, sizeof buf, " %u %.0fms ", status, ms);
    else std::snprintf(buf, sizeof buf, " %u %.1fs ", status, ms / 1000);
    line.append(buf).append(human_bytes(bytes));
    if (!note.empty()) line.append(" (").append(note).append(")");
    return line;
}

void console::forwarding(std::string_view public_url, std::string_view local_url, bool reconnected) {
    if (reconnected)
        std::fprintf(stderr, "warren: reconnected: %.*s\n", static_cast<int>(public_url.size()), public_url.data());
    else
        std::fprintf(stdout, "Forwarding %.*s -> %.*s\n", static_cast<int>(public_url.size()), public_url.data(),
                     static_cast<int>(local_url.size()), local_url.data());
    std::fflush(stdout);
}

void console::request(std::string_view method, std::string_view target, unsigned status,
                      std::chrono::nanoseconds duration, std::uint64_t bytes, std::string_view note) {
    if (quiet_) return;
    const std::string line = request_line(method, target, status, duration, bytes, note) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void console::status(std::string_view message) {
    std::fprintf(stderr, "warren: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace warren::client
