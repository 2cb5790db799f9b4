// Helpers the fault scenarios share: curl in the background (to kill or
// watch), a timed raw GET (to measure a status's latency without a curl
// start-up in the figure), and the gateway's leak gauges.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace warren::test {

// curl writing its body to `body_file`, as a child the test can kill or wait
// for; the log holds -w's "STATUS SIZE" line and curl's error message.
inline process start_curl(std::vector<std::string> args, const std::filesystem::path& body_file) {
  std::vector<std::string> argv{"/usr/bin/curl", "-s", "-S", "-o", body_file.string(), "-w",
                                "%{http_code} %{size_download}\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  return process(std::move(argv));
}

inline std::uintmax_t file_size_or_zero(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

struct timed_status {
  int status = 0;        // 0: no status line (closed, reset, timeout)
  double seconds = 0;    // from connect to the status line
};

// One GET on a fresh connection to 127.0.0.1:port; waits for the status line.
inline timed_status timed_get(std::uint16_t port, const std::string& host, const std::string& target,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  timed_status out;
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return out;
  }
  std::string got;
  const auto deadline = start + timeout;
  while (got.find("\r\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  out.seconds = seconds_since(start);
  ::close(fd);
  if (got.starts_with("HTTP/1.1 ") && got.size() >= 12) out.status = std::atoi(got.substr(9, 3).c_str());
  return out;
}

// The leak gauges of /metrics, read in one scrape.
struct leak_gauges {
  double sessions = -1, tunnels = -1, streams = -1, mux_streams = -1, buffered_bytes = -1, open_fds = -1;

  bool operator==(const leak_gauges&) const = default;
};

inline std::optional<double> sample_of(const std::string& text, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    const bool line_start = pos == 0 || text[pos - 1] == '\n';
    if (line_start && pos + name.size() < text.size() && text[pos + name.size()] == ' ')
      return std::strtod(text.c_str() + pos + name.size() + 1, nullptr);
    pos += name.size();
  }
  return std::nullopt;
}

inline std::optional<leak_gauges> read_leak_gauges(const gateway_process& gw) {
  const auto r = run_curl({gw.url() + "/metrics"}, std::chrono::seconds(10));
  if (r.status != 200) return std::nullopt;
  leak_gauges g;
  g.sessions = sample_of(r.body, "warren_sessions").value_or(-1);
  g.tunnels = sample_of(r.body, "warren_tunnels").value_or(-1);
  g.streams = sample_of(r.body, "warren_streams").value_or(-1);
  g.mux_streams = sample_of(r.body, "warren_mux_streams").value_or(-1);
  g.buffered_bytes = sample_of(r.body, "warren_buffered_bytes").value_or(-1);
  g.open_fds = sample_of(r.body, "warren_open_fds").value_or(-1);
  return g;
}

inline std::string describe(const leak_gauges& g) {
  return "sessions " + std::to_string(g.sessions) + ", tunnels " + std::to_string(g.tunnels) + ", streams " +
         std::to_string(g.streams) + ", mux_streams " + std::to_string(g.mux_streams) + ", buffered_bytes " +
         std::to_string(g.buffered_bytes) + ", open_fds " + std::to_string(g.open_fds);
}

// Polls until the gauges equal `baseline`; returns the seconds it took, or
// nullopt (and the last reading in `last`) at the timeout.
inline std::optional<double> wait_for_baseline(const gateway_process& gw, const leak_gauges& baseline,
                                               std::chrono::milliseconds timeout, leak_gauges* last = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  leak_gauges seen;
  const bool ok = wait_until([&] {
    const auto g = read_leak_gauges(gw);
    if (!g) return false;
    seen = *g;
    return seen == baseline;
  }, timeout, std::chrono::milliseconds(20));
  if (last) *last = seen;
  if (!ok) return std::nullopt;
  return seconds_since(start);
}

// A port on 127.0.0.1 with nothing listening on it (bound, then closed).
inline std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace warren::test
