// The life of a tunnel as an operator and a developer see it: refused
// connects, reconnects across a gateway restart, the reclaim grace period,
// draining on SIGTERM, Ctrl-C on the client, tokens in URLs, and the error
// pages the public gets (404, 502, 503, 504).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace warren::test {
namespace {

using clock_type = std::chrono::steady_clock;

// A loopback port that was free a moment ago: bind port 0, read it, close.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string local_url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

// `warren http ORIGIN --server http://localhost:GW` + extra, not waited on.
process spawn_client(std::uint16_t gateway_port, std::uint16_t origin_port, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{bin_path("warren"), "http", local_url(origin_port), "--server",
                                "http://localhost:" + std::to_string(gateway_port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return process(std::move(argv));
}

long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since).count());
}

// A TCP relay on 127.0.0.1:0 to 127.0.0.1:target, so a test can drop a
// client's connection to the gateway without killing either process.
// cut() shuts down every relayed connection; while refusing, new
// connections are accepted and closed at once. Blocking sockets, two
// threads per connection: a handful of connections at most.
class tcp_relay {
public:
  explicit tcp_relay(std::uint16_t target) : target_(target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("tcp_relay: cannot listen");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~tcp_relay() {
    stop_ = true;
    acceptor_.join();
    cut();
    for (auto& t : pumps_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listen_fd_);
  }
  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;

  std::uint16_t port() const { return port_; }
  void refuse(bool on) { refusing_ = on; }
  void cut() {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int in = ::accept(listen_fd_, nullptr, nullptr);
      if (in < 0) continue;
      if (refusing_) {
        ::close(in);
        continue;
      }
      const int out = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in to = loopback(target_);
      if (out < 0 || ::connect(out, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(in);
        if (out >= 0) ::close(out);
        continue;
      }
      std::lock_guard lock(mutex_);
      fds_.push_back(in);
      fds_.push_back(out);
      pumps_.emplace_back([in, out] { pump(in, out); });
      pumps_.emplace_back([in, out] { pump(out, in); });
    }
  }

  // Copies from -> to until either side ends, then ends both.
  static void pump(int from, int to) {
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(from, buf, sizeof buf, 0);
      if (n <= 0) break;
      ssize_t sent = 0;
      while (sent < n) {
        const ssize_t w = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += w;
      }
      if (sent < n) break;
    }
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
  }

  std::uint16_t target_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> refusing_{false};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

std::string regex_escape(const std::string& text) {
  return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

// Polls url until it answers `status` (or `limit` passes); returns the last answer.
curl_result wait_for_status(const std::string& url, long status, std::chrono::milliseconds limit) {
  const auto until = clock_type::now() + limit;
  curl_result r;
  for (;;) {
    r = run_curl({"-m", "5", url});
    if (r.status == status || clock_type::now() >= until) return r;
    std::this_thread::sleep_for(100ms);
  }
}

// ---- (a) a name held by another client ----

TEST(lifecycle, second_client_for_a_held_name_is_refused_and_the_first_keeps_working) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  auto first = start_client(gw.port, origin.port, {"--name", "taken"});
  ASSERT_EQ(first.name, "taken");

  const auto started = clock_type::now();
  process second = spawn_client(gw.port, origin.port, {"--name", "taken"});
  const auto st = second.wait(10s);
  ASSERT_TRUE(st.has_value()) << "the refused client keeps running: " << second.describe();
  EXPECT_NE(*st, 0);
  EXPECT_LT(elapsed_ms(started), 5000) << "a 409 is final: no retries";
  EXPECT_NE(second.output().find("name \"taken\" is in use by another client (409)"), std::string::npos)
      << second.output();
  EXPECT_EQ(second.output().find("Forwarding"), std::string::npos) << second.output();

  // The holder was not evicted.
  EXPECT_TRUE(first.proc.running());
  const auto r = run_curl({"-m", "10", first.url + "/echo"});
  EXPECT_EQ(r.status, 200) << r.stderr_text << r.body;
  EXPECT_EQ(first.proc.output().find("took over"), std::string::npos) << first.proc.output();
}

// ---- (b) reconnect across a gateway restart ----

TEST(lifecycle, client_reconnects_to_a_restarted_gateway_and_keeps_its_name) {
  const temp_dir dir;
  auto origin = start_origin();
  const auto port = free_port();
  const std::string toml = "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\ndrain_timeout = \"2s\"\n";
  auto gw = start_gateway(dir, toml);
  ASSERT_EQ(gw.port, port);
  auto client = start_client(gw.port, origin.port);
  ASSERT_EQ(run_curl({"-m", "10", client.url + "/echo"}).status, 200);

  EXPECT_EQ(gw.proc.stop(5s), 0) << gw.proc.describe();
  // With the gateway gone the tunnel URL does not answer.
  EXPECT_NE(run_curl({"-m", "5", client.url + "/echo"}).status, 200);

  const auto restarted = clock_type::now();
  const temp_dir dir2;
  auto gw2 = start_gateway(dir2, toml);
  ASSERT_EQ(gw2.port, port);

  const auto m = client.proc.wait_for_output(std::regex("reconnected: " + regex_escape(client.url)), 12s);
  ASSERT_TRUE(m.has_value()) << "no reconnect line for " << client.url;
  const auto reconnect_ms = elapsed_ms(restarted);
  const auto r = run_curl({"-m", "10", client.url + "/echo"});
  EXPECT_EQ(r.status, 200) << r.stderr_text << r.body;
  EXPECT_LT(reconnect_ms, 10'000);
  std::cerr << "[ info ] client reconnected " << reconnect_ms << " ms after the new gateway started\n";
}

// ---- (c) the reclaim grace period ----

TEST(lifecycle, a_dropped_clients_name_stays_reserved_during_the_grace_period) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nping_interval = \"1s\"\nping_timeout = \"1s\"\nreclaim_grace = \"30s\"\n");
  auto a = start_client(gw.port, origin.port, {"--name", "held"});
  ASSERT_EQ(run_curl({"-m", "10", a.url + "/echo"}).status, 200);

  a.proc.signal(SIGKILL);
  ASSERT_TRUE(a.proc.wait(5s).has_value());

  // The public sees 503 + Retry-After once the gateway noticed the drop, and
  // never a 404 (webhook senders give up on 4xx).
  const auto dropped = clock_type::now();
  curl_result r;
  for (;;) {
    r = run_curl({"-m", "5", a.url + "/echo"});
    ASSERT_NE(r.status, 404) << r.body;
    ASSERT_FALSE(r.status >= 400 && r.status < 500) << r.status << " " << r.body;
    if (r.status == 503 || elapsed_ms(dropped) > 5000) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_FALSE(header_values(r.headers, "retry-after").empty()) << r.headers;
  EXPECT_NE(r.body.find("held"), std::string::npos) << r.body;

  // Another client (another ownership token) cannot take it.
  process b = spawn_client(gw.port, origin.port, {"--name", "held"});
  const auto st = b.wait(10s);
  ASSERT_TRUE(st.has_value()) << b.describe();
  EXPECT_NE(*st, 0);
  EXPECT_NE(b.output().find("name \"held\" is in use by another client (409)"), std::string::npos) << b.output();

  // Still reserved, still 503 (not handed to B, not forgotten).
  const auto again = run_curl({"-m", "5", a.url + "/echo"});
  EXPECT_EQ(again.status, 503) << again.body;
  EXPECT_FALSE(header_values(again.headers, "retry-after").empty());
}

TEST(lifecycle, a_dropped_client_reclaims_its_name_with_its_token) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nreclaim_grace = \"30s\"\n");
  tcp_relay relay(gw.port);
  // The client reaches the gateway through the relay; the public URL it is
  // given still names the gateway's own port.
  auto a = start_client(relay.port(), origin.port, {"--name", "flaky"});
  ASSERT_EQ(a.url, gw.tunnel_url("flaky"));
  ASSERT_EQ(run_curl({"-m", "10", a.url + "/echo"}).status, 200);

  // Drop the tunnel's TCP connection and keep the client out for a while.
  relay.refuse(true);
  relay.cut();
  ASSERT_TRUE(a.proc.wait_for_output(std::regex("lost the connection|reconnecting"), 5s).has_value());
  const auto offline = wait_for_status(a.url + "/echo", 503, 5s);
  EXPECT_EQ(offline.status, 503) << offline.body;
  EXPECT_FALSE(header_values(offline.headers, "retry-after").empty());

  // Meanwhile nobody else can have the name.
  process b = spawn_client(gw.port, origin.port, {"--name", "flaky"});
  const auto st = b.wait(10s);
  ASSERT_TRUE(st.has_value()) << b.describe();
  EXPECT_NE(*st, 0);
  EXPECT_NE(b.output().find("name \"flaky\" is in use by another client (409)"), std::string::npos) << b.output();

  // Let it back in: it reconnects on its own and gets the same URL.
  relay.refuse(false);
  const auto m = a.proc.wait_for_output(std::regex("reconnected: " + regex_escape(a.url)), 10s);
  ASSERT_TRUE(m.has_value());
  const auto r = run_curl({"-m", "10", a.url + "/echo"});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST(lifecycle, after_the_grace_period_the_name_is_free_again) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nreclaim_grace = \"1s\"\n");
  tcp_relay relay(gw.port);
  auto a = start_client(relay.port(), origin.port, {"--name", "fleeting"});
  ASSERT_EQ(run_curl({"-m", "10", a.url + "/echo"}).status, 200);

  relay.refuse(true);
  relay.cut();
  ASSERT_TRUE(a.proc.wait_for_output(std::regex("lost the connection|reconnecting"), 5s).has_value());
  // Reserved at first, then forgotten: an anonymous name nobody holds is 404.
  const auto gone = wait_for_status(a.url + "/", 404, 6s);
  EXPECT_EQ(gone.status, 404) << gone.body;

  // A new client gets the name.
  auto b = start_client(gw.port, origin.port, {"--name", "fleeting"});
  EXPECT_EQ(b.url, a.url);
  EXPECT_EQ(run_curl({"-m", "10", b.url + "/echo"}).status, 200);

  // The old client comes back to find it taken: 409 is final, it stops and
  // says why, and it does not take the name from the new holder.
  relay.refuse(false);
  const auto st = a.proc.wait(10s);
  ASSERT_TRUE(st.has_value()) << a.proc.describe();
  EXPECT_NE(*st, 0);
  EXPECT_NE(a.proc.output().find("name \"fleeting\" is in use by another client (409)"), std::string::npos)
      << a.proc.output();
  EXPECT_TRUE(b.proc.running());
  EXPECT_EQ(run_curl({"-m", "10", b.url + "/echo"}).status, 200);
}

// ---- (d) drain on SIGTERM ----

// Starts a request for `target` through the tunnel and sends the gateway
// SIGTERM once it has reached the origin. Returns the request's result to
// come and when the signal went.
std::pair<std::future<curl_result>, clock_type::time_point> sigterm_during_request(gateway_process& gw,
                                                                                   const client_process& client,
                                                                                   const std::string& target) {
  auto request = std::async(std::launch::async, [url = client.url + target] { return run_curl({"-m", "20", url}); });
  std::this_thread::sleep_for(700ms);
  gw.proc.signal(SIGTERM);
  return {std::move(request), clock_type::now()};
}

TEST(lifecycle, sigterm_drains_in_flight_requests_and_exits_zero) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[server]\ndrain_timeout = \"10s\"\n");
  auto client = start_client(gw.port, origin.port);

  auto [slow, signalled] = sigterm_during_request(gw, client, "/delay/3000");
  std::this_thread::sleep_for(300ms);

  // A new connection after SIGTERM is not served: refused, or 503.
  const auto fresh = run_curl({"-m", "5", client.url + "/echo"});
  EXPECT_TRUE(fresh.exit_code == 7 || fresh.status == 503)
      << "exit " << fresh.exit_code << " status " << fresh.status << " " << fresh.stderr_text << fresh.body;

  const auto r = slow.get();
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "delayed 3000 ms\n");

  const auto st = gw.proc.wait(11s - std::chrono::milliseconds(elapsed_ms(signalled)));
  ASSERT_TRUE(st.has_value()) << "the gateway did not exit within drain_timeout + 1 s";
  EXPECT_EQ(*st, 0) << gw.proc.describe();
  const auto exit_ms = elapsed_ms(signalled);
  EXPECT_LT(exit_ms, 11'000);
  std::cerr << "[ info ] gateway exited " << exit_ms << " ms after SIGTERM\n";

  // The client was told, and is trying to come back.
  const auto m = client.proc.wait_for_output(std::regex("going away|reconnect"), 3s);
  EXPECT_TRUE(m.has_value());
  EXPECT_TRUE(client.proc.running());
}

TEST(lifecycle, drain_timeout_bounds_how_long_sigterm_waits) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[server]\ndrain_timeout = \"1s\"\n");
  auto client = start_client(gw.port, origin.port);

  auto [slow, signalled] = sigterm_during_request(gw, client, "/delay/8000");
  const auto st = gw.proc.wait(3s);
  ASSERT_TRUE(st.has_value()) << "the gateway did not exit within drain_timeout + 2 s";
  EXPECT_EQ(*st, 0) << gw.proc.describe();
  const auto exit_ms = elapsed_ms(signalled);
  EXPECT_GE(exit_ms, 900) << "it gave up on the in-flight request before drain_timeout";
  std::cerr << "[ info ] gateway exited " << exit_ms << " ms after SIGTERM\n";

  // The cut-off request ends (no hang), without a success.
  const auto r = slow.get();
  EXPECT_NE(r.status, 200) << r.body;
  EXPECT_LT(elapsed_ms(signalled), 5000);
}

// ---- (e) Ctrl-C on the client ----

TEST(lifecycle, sigint_stops_an_idle_client_promptly_with_status_zero) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  auto client = start_client(gw.port, origin.port);
  ASSERT_EQ(run_curl({"-m", "10", client.url + "/echo"}).status, 200);

  const auto started = clock_type::now();
  client.proc.signal(SIGINT);
  const auto st = client.proc.wait(2s);
  ASSERT_TRUE(st.has_value()) << "still running 2 s after SIGINT: " << client.proc.describe();
  EXPECT_EQ(*st, 0) << client.proc.describe();
  std::cerr << "[ info ] client exited " << elapsed_ms(started) << " ms after SIGINT\n";
}

TEST(lifecycle, sigint_lets_an_in_flight_request_finish_then_exits_zero) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir);
  auto client = start_client(gw.port, origin.port);

  auto slow = std::async(std::launch::async, [url = client.url] { return run_curl({"-m", "20", url + "/delay/1500"}); });
  std::this_thread::sleep_for(500ms);
  client.proc.signal(SIGINT);
  const auto st = client.proc.wait(5s);
  ASSERT_TRUE(st.has_value()) << client.proc.describe();
  EXPECT_EQ(*st, 0) << client.proc.describe();
  const auto r = slow.get();
  EXPECT_EQ(r.status, 200) << r.stderr_text << r.body;
  EXPECT_EQ(r.body, "delayed 1500 ms\n");
}

// ---- (f) a token in the connect URL ----

TEST(lifecycle, token_in_the_connect_url_is_refused_and_never_logged) {
  const temp_dir dir;
  auto gw = start_gateway(dir);
  const std::vector<std::string> upgrade{"-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
                                         "-H", "Sec-WebSocket-Version: 13",
                                         "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                         "-H", "Sec-WebSocket-Protocol: warren.v1"};
  for (const std::string query : {"token=secret", "name=demo&token=secret", "api_key=secret"}) {
    auto args = upgrade;
    args.push_back("-m");
    args.push_back("5");
    args.push_back(gw.url() + "/_warren/connect?" + query);
    const auto r = run_curl(args);
    EXPECT_EQ(r.status, 400) << query << ": " << r.headers << r.body;
    EXPECT_FALSE(r.body.empty()) << query << ": a refusal carries a reason";
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << query << ": " << r.body;
  }
  // Let the log catch up, then look for the secret in all of it.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(gw.proc.stop(5s), 0);
  EXPECT_EQ(gw.proc.output().find("secret"), std::string::npos) << gw.proc.output();
}

// ---- (g) what the public sees when something is missing ----

TEST(lifecycle, unknown_tunnel_is_404_naming_it) {
  const temp_dir dir;
  auto gw = start_gateway(dir);
  const auto r = run_curl({"-m", "5", gw.tunnel_url("nope") + "/"});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("nope"), std::string::npos) << r.body;
}

TEST(lifecycle, local_server_down_is_502_saying_so) {
  const temp_dir dir;
  auto gw = start_gateway(dir);
  const auto closed = free_port();  // nothing listens there
  auto client = start_client(gw.port, closed);
  const auto r = run_curl({"-m", "10", client.url + "/anything"});
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_TRUE(std::regex_search(r.body, std::regex(R"((could not|cannot|can't|couldn't|unable to) reach the local server)")))
      << r.body;
  // The client's request line shows the failure too.
  EXPECT_TRUE(client.proc.wait_for_output(std::regex(R"(GET /anything 502)"), 3s).has_value());
}

TEST(lifecycle, slow_local_server_is_504_after_request_timeout) {
  const temp_dir dir;
  auto origin = start_origin();
  auto gw = start_gateway(dir, "[tunnels]\nrequest_timeout = \"1s\"\n");
  auto client = start_client(gw.port, origin.port);
  const auto started = clock_type::now();
  const auto r = run_curl({"-m", "10", client.url + "/delay/5000"});
  const auto took = elapsed_ms(started);
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_GE(took, 900);
  EXPECT_LT(took, 3000) << "the 504 comes at request_timeout, not when the origin answers";
  // The tunnel is fine afterwards.
  EXPECT_EQ(run_curl({"-m", "10", client.url + "/echo"}).status, 200);
}

}  // namespace
}  // namespace warren::test
