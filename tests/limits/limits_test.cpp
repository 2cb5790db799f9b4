// Limits with clear errors and rate limits, end to end on loopback: the real
// gateway, the `warren` client and an origin; raw sockets for slow and
// over-size clients, a hand-written tunnel client for hostile sessions.
// Every refusal is checked for its status, its one-line reason and, where
// the issue asks, that the origin saw nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "hostile_tunnel.hpp"
#include "raw_origin.hpp"

namespace warren::test {
namespace {

using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;

// ---- raw sockets ----

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect to the gateway failed");
  return fd;
}

struct socket_holder {
  int fd;
  explicit socket_holder(std::uint16_t port) : fd(connect_to(port)) {}
  ~socket_holder() { ::close(fd); }
  socket_holder(const socket_holder&) = delete;
  socket_holder& operator=(const socket_holder&) = delete;
};

// Reads until the peer closes or `limit` passes; returns what arrived and
// sets `closed`.
std::string read_until_closed(int fd, std::chrono::milliseconds limit, bool& closed) {
  std::string got;
  closed = false;
  const auto deadline = clock_type::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) return got;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return got;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = true;
      return got;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
}

// The value of `name{labels}` in /metrics, or -1.
double labelled_metric(const gateway_process& gw, const std::string& series) {
  const auto r = run_curl({gw.url() + "/metrics"});
  const auto at = r.body.find("\n" + series + " ");  // a sample line, not its # HELP
  if (at == std::string::npos) return -1;
  return std::stod(r.body.substr(at + series.size() + 2));
}

// An origin that records every byte it receives and answers 200.
struct recording_origin {
  std::mutex mutex;
  std::string received;
  raw_origin server{[this](int fd) {
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      {
        std::lock_guard lock(mutex);
        received.append(buf, static_cast<std::size_t>(n));
      }
      if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) return;
    }
  }};
  std::string seen() {
    std::lock_guard lock(mutex);
    return received;
  }
};

class limits_test : public ::testing::Test {
protected:
  temp_dir dir_;
};

// ---- header and body caps ----

TEST_F(limits_test, header_over_header_bytes_is_431_and_never_forwarded) {
  recording_origin origin;
  auto gw = start_gateway(dir_, "[limits]\nheader_bytes = \"2KiB\"\n");
  auto cl = start_client(gw.port, origin.server.port(), {"--quiet"});
  const auto r = run_curl({"-H", "X-Big: " + std::string(3000, 'a'), cl.url + "/"});
  EXPECT_EQ(r.status, 431);
  EXPECT_THAT(r.body, HasSubstr("head is too large"));
  const auto small = run_curl({"-H", "X-Small: " + std::string(1000, 'a'), cl.url + "/"});
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(origin.seen().find("X-Big"), std::string::npos);
}

TEST_F(limits_test, content_length_over_max_body_is_413_before_any_byte_is_forwarded) {
  recording_origin origin;
  auto gw = start_gateway(dir_, "[tunnels]\nmax_body_bytes = 1000\n");
  auto cl = start_client(gw.port, origin.server.port(), {"--quiet"});
  const auto r = run_curl({"-X", "POST", "--data-binary", std::string(5000, 'x'), cl.url + "/upload"});
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(r.body, HasSubstr("larger than the configured limit"));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(origin.seen(), "");  // not the head, not a byte of the body
  EXPECT_EQ(origin.server.accepted(), 0);
  const auto fits = run_curl({"-X", "POST", "--data-binary", std::string(1000, 'y'), cl.url + "/upload"});
  EXPECT_EQ(fits.status, 200);
}

TEST_F(limits_test, chunked_body_growing_past_max_body_is_413_and_the_stream_is_reset) {
  // The gateway cannot know a chunked body's size in advance: what it has
  // forwarded before the cap may reach the client, but the stream is reset,
  // the public gets 413, and the body never completes at the origin.
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[tunnels]\nmax_body_bytes = \"64KiB\"\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const auto body_file = dir_.path() / "big.bin";
  {
    std::ofstream out(body_file, std::ios::binary);
    out << std::string(1 << 20, 'z');
  }
  const auto r = run_curl({"-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary",
                           "@" + body_file.string(), cl.url + "/upload"});
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(r.body, HasSubstr("larger than this gateway allows"));
  EXPECT_TRUE(wait_streams_zero(gw, 10s).value_or(-1) == 0);
  const auto ok = run_curl({"-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary", "small",
                            cl.url + "/upload"});
  EXPECT_EQ(ok.status, 200);
}

// ---- timeouts ----

TEST_F(limits_test, slowloris_sending_a_byte_a_second_is_cut_at_header_timeout) {
  auto gw = start_gateway(dir_, "[limits]\nheader_timeout = \"2s\"\n");
  socket_holder s(gw.port);
  const std::string head = "GET /_health HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  const auto started = clock_type::now();
  bool cut = false;
  for (char c : head) {
    if (::send(s.fd, &c, 1, MSG_NOSIGNAL) != 1) {
      cut = true;
      break;
    }
    bool closed = false;
    (void)read_until_closed(s.fd, 1s, closed);  // one byte a second
    if (closed) {
      cut = true;
      break;
    }
  }
  const double took = seconds_since(started);
  EXPECT_TRUE(cut) << "the slow head was never cut";
  EXPECT_GE(took, 1.5);
  EXPECT_LE(took, 6.0) << "header_timeout is 2s";
  std::printf("slowloris cut after %.2f s (header_timeout 2s)\n", took);
}

TEST_F(limits_test, slow_head_after_a_keep_alive_request_is_cut_at_header_timeout_too) {
  auto gw = start_gateway(dir_, "[limits]\nheader_timeout = \"1s\"\nidle_timeout = \"30s\"\n");
  socket_holder s(gw.port);
  const std::string first = "GET /_health HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_TRUE(send_all(s.fd, first));
  bool closed = false;
  const auto answer = read_until_closed(s.fd, 500ms, closed);
  ASSERT_THAT(answer, HasSubstr("200"));
  ASSERT_FALSE(closed);
  // The next request starts, then trickles: the idle allowance (30 s) must
  // not apply once bytes of a head have arrived.
  ASSERT_TRUE(send_all(s.fd, "GET /_health HTTP/1.1\r\n"));
  const auto started = clock_type::now();
  (void)read_until_closed(s.fd, 10s, closed);
  EXPECT_TRUE(closed);
  EXPECT_LE(seconds_since(started), 5.0);
}

TEST_F(limits_test, idle_keep_alive_connection_is_closed_at_idle_timeout) {
  auto gw = start_gateway(dir_, "[limits]\nidle_timeout = \"1s\"\n");
  socket_holder s(gw.port);
  ASSERT_TRUE(send_all(s.fd, "GET /_health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const auto started = clock_type::now();
  bool closed = false;
  const auto got = read_until_closed(s.fd, 10s, closed);
  EXPECT_THAT(got, HasSubstr("200"));
  EXPECT_TRUE(closed);
  EXPECT_GE(seconds_since(started), 0.8);
  EXPECT_LE(seconds_since(started), 5.0);
}

TEST_F(limits_test, tunnel_client_silent_after_the_upgrade_is_dropped_at_handshake_timeout) {
  auto gw = start_gateway(dir_, "[limits]\nhandshake_timeout = \"1s\"\n[tunnels]\nmax_tunnels = 1\n");
  hostile_tunnel t(gw.port, "silent");
  const auto started = clock_type::now();
  int code = 0;
  (void)t.wait_closed(10s, code);
  const double took = seconds_since(started);
  EXPECT_GE(took, 0.8);
  EXPECT_LE(took, 5.0);
  // Its tunnel slot is free again (max_tunnels = 1).
  hostile_tunnel again(gw.port, "talkative");
  EXPECT_TRUE(again.hello());
}

// ---- tunnel sessions ----

TEST_F(limits_test, over_size_frame_disconnects_the_tunnel_client_with_the_reason) {
  auto gw = start_gateway(dir_, "[tunnels]\nmax_frame_payload = \"16KiB\"\n");
  hostile_tunnel t(gw.port, "big-frames");
  ASSERT_TRUE(t.hello());
  // DATA (type 3) one byte over the limit, for a stream that does not exist.
  t.send_frame(3, 0, 1, std::string((16 << 10) + 1, 'x'));
  int code = 0;
  const auto reason = t.wait_closed(10s, code);
  EXPECT_EQ(code, 1008);
  EXPECT_THAT(reason, HasSubstr("larger than max_frame_payload"));
  EXPECT_TRUE(wait_until([&] { return labelled_metric(gw, "warren_tunnel_protocol_closes_total") == 1; }, 5s));
}

TEST_F(limits_test, reset_flood_closes_the_offending_session_and_not_others) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[limits]\ntunnel_resets_per_second = 100\n");
  auto good = start_client(gw.port, origin.port, {"--quiet", "--name", "good"});
  hostile_tunnel t(gw.port, "flooder");
  ASSERT_TRUE(t.hello());
  std::atomic<bool> flooding{true};
  std::thread traffic([&] {
    // The good tunnel keeps serving while the other one floods.
    while (flooding) {
      const auto r = run_curl({good.url + "/bytes/100"}, 10s);
      EXPECT_EQ(r.status, 200);
    }
  });
  int sent = 0;
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    // RESET (type 5) for streams that never existed: code u32 + reason.
    std::string payload("\0\0\0\x01", 4);
    if (!t.send_frame(5, 0, 1'000'000 + i, payload)) break;
    ++sent;
  }
  int code = 0;
  const auto reason = t.wait_closed(10s, code);
  flooding = false;
  traffic.join();
  EXPECT_EQ(code, 1008);
  EXPECT_THAT(reason, HasSubstr("too many RESET/WINDOW frames"));
  const auto after = run_curl({good.url + "/bytes/100"});
  EXPECT_EQ(after.status, 200);
  const auto gone = run_curl({gw.tunnel_url("flooder") + "/"});
  EXPECT_NE(gone.status, 200);
  std::printf("flooding session closed; %d RESET frames written in all (the gateway drains them while closing)\n",
              sent);
  EXPECT_EQ(labelled_metric(gw, "warren_tunnel_protocol_closes_total"), 1);
}

TEST_F(limits_test, streams_over_max_streams_get_503_with_the_reason) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[tunnels]\nmax_streams = 2\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const std::string host = cl.name + ".localhost:" + std::to_string(gw.port);
  const auto statuses = concurrent_requests(host, gw.port, "/delay/1500", 4, 4, 20s);
  int ok = 0;
  int refused = 0;
  for (int s : statuses) (s == 200 ? ok : s == 503 ? refused : ok) += (s == 200 || s == 503);
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(refused, 2);
  const auto r = run_curl({cl.url + "/echo"});
  EXPECT_EQ(r.status, 200);  // the slots came back
}

TEST_F(limits_test, tunnels_over_max_tunnels_get_503_and_the_client_says_why) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[tunnels]\nmax_tunnels = 1\n");
  auto first = start_client(gw.port, origin.port, {"--quiet"});
  process second({bin_path("warren"), "http", origin.url(), "--server",
                  "http://localhost:" + std::to_string(gw.port)});
  EXPECT_TRUE(second.wait_for_output(std::regex("reached its limit of 1 tunnels \\(503\\); retrying in"), 15s));
}

// ---- connections per IP ----

TEST_F(limits_test, connections_over_max_connections_per_ip_are_closed_at_once) {
  auto gw = start_gateway(dir_, "[limits]\nmax_connections_per_ip = 3\n");
  std::vector<std::unique_ptr<socket_holder>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<socket_holder>(gw.port));
  // Let the gateway accept all three before the fourth comes.
  std::this_thread::sleep_for(300ms);
  {
    socket_holder extra(gw.port);
    (void)send_all(extra.fd, "GET /_health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    bool closed = false;
    const auto got = read_until_closed(extra.fd, 5s, closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(got, "");
  }
  held.pop_back();
  EXPECT_TRUE(wait_until([&] { return run_curl({gw.url() + "/_health"}, 5s).status == 200; }, 5s));
  held.clear();
  EXPECT_GE(labelled_metric(gw, "warren_connections_refused_total"), 1);
}

// ---- rate limits ----

TEST_F(limits_test, requests_per_ip_burst_then_429_with_retry_after) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[limits]\nrequests_per_ip = \"6/m\"\nrequests_per_ip_burst = 5\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  for (int i = 0; i < 5; ++i) {
    const auto r = run_curl({cl.url + "/echo"});
    ASSERT_EQ(r.status, 200) << i;
  }
  const auto limited = run_curl({cl.url + "/echo"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_THAT(limited.body, HasSubstr("rate limited: your address is over 6 requests per minute (requests_per_ip)"));
  const auto retry = header_values(limited.headers, "retry-after");
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_GE(std::stoi(retry[0]), 1);
  EXPECT_LE(std::stoi(retry[0]), 10);  // one token every 10 s
  // Health checks and scrapes are not limited.
  EXPECT_EQ(run_curl({gw.url() + "/_health"}).status, 200);
  EXPECT_EQ(labelled_metric(gw, "warren_rate_limited_total{limit=\"requests_per_ip\",reason=\"rate\"}"), 1);
  EXPECT_EQ(labelled_metric(gw, "warren_rate_limiter_keys{limit=\"requests_per_ip\"}"), 1);
}

TEST_F(limits_test, requests_per_tunnel_isolates_tunnels) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[limits]\nrequests_per_tunnel = \"3/m\"\n");
  auto a = start_client(gw.port, origin.port, {"--quiet", "--name", "busy"});
  auto b = start_client(gw.port, origin.port, {"--quiet", "--name", "calm"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run_curl({a.url + "/echo"}).status, 200) << i;
  const auto limited = run_curl({a.url + "/echo"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_THAT(limited.body, HasSubstr("this tunnel is over 3 requests per minute"));
  EXPECT_EQ(header_values(limited.headers, "retry-after").size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run_curl({b.url + "/echo"}).status, 200) << i;
}

TEST_F(limits_test, connects_per_ip_refuses_the_client_with_429_and_it_retries_after_retry_after) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[limits]\nconnects_per_ip = \"1/s\"\nconnects_per_ip_burst = 1\n");
  auto first = start_client(gw.port, origin.port, {"--quiet"});
  const auto started = clock_type::now();
  process second({bin_path("warren"), "http", origin.url(), "--server",
                  "http://localhost:" + std::to_string(gw.port)});
  const auto refused = second.wait_for_output(
      std::regex("rate limited: your address is over 1 tunnel connects per second \\(connects_per_ip\\); retry in "
                 "1s \\(429\\); retrying in ([0-9.]+)"),
      15s);
  ASSERT_TRUE(refused);
  EXPECT_GE(std::stod((*refused)[1]), 1.0) << "the client must wait at least Retry-After";
  EXPECT_TRUE(second.wait_for_output(std::regex("Forwarding"), 20s));
  EXPECT_GE(seconds_since(started), 1.0);
  EXPECT_GE(labelled_metric(gw, "warren_rate_limited_total{limit=\"connects_per_ip\",reason=\"rate\"}"), 1);
}

TEST_F(limits_test, rate_limits_false_turns_them_off) {
  auto origin = start_origin();
  auto gw = start_gateway(dir_, "[limits]\nrate_limits = false\nrequests_per_ip = \"1/m\"\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(run_curl({cl.url + "/echo"}).status, 200) << i;
}

}  // namespace
}  // namespace warren::test
