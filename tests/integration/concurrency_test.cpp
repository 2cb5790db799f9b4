// Concurrency at the scale the gateway promises, with the real processes:
// 500 requests in flight on one tunnel, 1,000 tunnels held by one gateway
// (opened by this test speaking the connect handshake itself, plus one real
// client routing a request among them), and the client's keep-alive pool to
// the local server.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "asio_names.hpp"
#include "harness.hpp"
#include "raw_origin.hpp"

namespace warren::test {
namespace {

using clock_type = std::chrono::steady_clock;

// The soft (and, if need be, hard) descriptor limit to at least `want`.
// Children started afterwards (the gateway) inherit it.
void raise_fd_limit_to(rlim_t want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < want) {
    rlimit higher{want, want};
    if (setrlimit(RLIMIT_NOFILE, &higher) == 0) return;
    want = limit.rlim_max;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= want) return;
  limit.rlim_cur = want;
  setrlimit(RLIMIT_NOFILE, &limit);
}

// ---- gateway health ----

std::optional<std::int64_t> health_tunnels(const gateway_process& gw) {
  const auto r = run_curl({gw.url() + "/_health"}, 10s);
  if (r.status != 200) return std::nullopt;
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("tunnels")) return std::nullopt;
  return v.as_object().at("tunnels").to_number<std::int64_t>();
}

// ---- a raw origin that counts connections ----

// A minimal HTTP/1.1 keep-alive server loop for body-less requests: answers
// each request head with a small 200, until the peer closes.
void serve_keep_alive(int fd, std::atomic<int>& requests) {
  std::string buf;
  for (;;) {
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      char tmp[8192];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    buf.erase(0, end + 4);
    ++requests;
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")) return;
  }
}

class concurrency_test : public ::testing::Test {
protected:
  void SetUp() override { raise_fd_limit_to(8192); }
  temp_dir dir_;
};

// ---- (a) 500 requests in flight on one tunnel ----

TEST_F(concurrency_test, five_hundred_requests_in_flight_on_one_tunnel) {
  auto origin = start_origin();
  // Two event-loop threads: public connections move to the tunnel's strand
  // while other requests run on the other thread.
  // 500 connections from one address: above the default max_connections_per_ip (256).
  auto gw = start_gateway(dir_, "[server]\nthreads = 2\n[limits]\nmax_connections_per_ip = 1000\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const std::string host = cl.name + ".localhost:" + std::to_string(gw.port);

  // Watch the gateway's in-flight gauge while the load runs.
  std::atomic<bool> load_done{false};
  std::vector<int> statuses;
  double load_seconds = 0;
  std::thread load([&] {
    const auto started = clock_type::now();
    statuses = concurrent_requests(host, gw.port, "/delay/1000", 500, 500, 30s);
    load_seconds = seconds_since(started);
    load_done = true;
  });
  double max_streams = 0;
  while (!load_done) {
    if (auto v = metric(gw, "warren_streams")) max_streams = std::max(max_streams, *v);
    std::this_thread::sleep_for(20ms);
  }
  load.join();

  const auto ok = std::count(statuses.begin(), statuses.end(), 200);
  std::map<int, int> by_status;
  for (int s : statuses) ++by_status[s];
  std::ostringstream summary;
  for (const auto& [s, n] : by_status) summary << s << ": " << n << "  ";
  std::printf("[ load     ] 500 x /delay/1000 took %.2f s, peak warren_streams %.0f, statuses %s\n", load_seconds,
              max_streams, summary.str().c_str());
  RecordProperty("seconds", std::to_string(load_seconds));
  RecordProperty("peak_streams", std::to_string(max_streams));
  EXPECT_EQ(ok, 500) << summary.str();
  // Serialised they would take 500 s; all in flight at once, about one.
  EXPECT_LT(load_seconds, 15.0);
  EXPECT_GE(max_streams, 400) << "the requests were not in flight at the same time";

  const auto v = wait_streams_zero(gw, 5s);
  EXPECT_EQ(v, 0.0) << "warren_streams did not return to 0 after the load";
  // The tunnel is still healthy afterwards.
  const auto r = run_curl({cl.url + "/bytes/1000"}, 20s);
  EXPECT_EQ(r.status, 200) << r.stderr_text;
}

// ---- (b) 1,000 tunnels on one gateway ----

// Tunnel sessions opened by this process: the connect handshake (WebSocket
// upgrade with the warren.v1 subprotocol, hello, ready), then each session
// just keeps a read pending, which also answers the gateway's pings.
struct tunnel_swarm {
  tcp::endpoint endpoint;
  std::string host;  // Host header: the gateway's apex
  int total = 0;
  int next = 0;  // only touched on the io thread
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<int> dropped{0};
  std::atomic<long> pings{0};  // from the gateway, answered by Beast
  std::mutex mutex;
  std::vector<std::string> errors;

  void fail(int i, std::string why) {
    ++failed;
    std::lock_guard lock(mutex);
    if (errors.size() < 10) errors.push_back("t-" + std::to_string(i) + ": " + std::move(why));
  }
};

using ws_stream = websocket::stream<beast::tcp_stream>;

// g++ 12 coroutine caveats (see tests/support/test_origin.cpp): every body
// with a co_await is braced and co_await arguments are built beforehand.
net::awaitable<void> hold_session(std::shared_ptr<ws_stream> ws, tunnel_swarm& swarm) {
  ws->control_callback([&swarm](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++swarm.pings;
  });
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws->async_read(buffer, tuple_awaitable);
    if (ec) {
      break;
    }
    buffer.consume(buffer.size());
  }
  ++swarm.dropped;
}

// Opens tunnel t-I; on failure sets `error`.
net::awaitable<void> open_session(ws_stream& ws, tunnel_swarm& swarm, int i, std::string& error) {
  const std::string name = "t-" + std::to_string(i);
  beast::get_lowest_layer(ws).expires_after(20s);
  auto [cec] = co_await beast::get_lowest_layer(ws).async_connect(swarm.endpoint, tuple_awaitable);
  if (cec) {
    error = "connect: " + cec.message();
    co_return;
  }
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(http::field::sec_websocket_protocol, "warren.v1"); }));
  websocket::response_type res;
  const std::string target = "/_warren/connect?name=" + name;
  auto [hec] = co_await ws.async_handshake(res, swarm.host, target, tuple_awaitable);
  if (hec) {
    error = "handshake: " + hec.message() + " (status " + std::to_string(res.result_int()) + ")";
    co_return;
  }
  if (res[http::field::sec_websocket_protocol] != "warren.v1") {
    error = "the gateway did not echo the warren.v1 subprotocol";
    co_return;
  }
  // From here the gateway's pings keep the session alive; no client timeout.
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));

  const std::string hello =
      R"({"type":"hello","version":1,"client":"test","integrity":false,"stream_window":4194304,)"
      R"("connection_window":33554432})";
  ws.text(true);
  auto [wec, wn] = co_await ws.async_write(net::buffer(hello), tuple_awaitable);
  if (wec) {
    error = "hello: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  auto [rec, rn] = co_await ws.async_read(buffer, tuple_awaitable);
  if (rec) {
    error = "ready: " + rec.message();
    co_return;
  }
  if (!ws.got_text()) {
    error = "ready: not a text message";
    co_return;
  }
  const std::string text = beast::buffers_to_string(buffer.data());
  boost::system::error_code jec;
  const json::value v = json::parse(text, jec);
  const json::object* o = jec ? nullptr : v.if_object();
  const auto is = [&](std::string_view key, std::string_view want) {
    const json::value* f = o == nullptr ? nullptr : o->if_contains(key);
    return f != nullptr && f->is_string() && f->get_string() == want;
  };
  if (!is("type", "ready") || !is("name", name) || o->if_contains("url") == nullptr ||
      !o->at("url").is_string()) {
    error = "unexpected ready message: " + text;
    co_return;
  }
  const std::string url(o->at("url").get_string());
  if (url.find("//" + name + ".localhost:") == std::string::npos) {
    error = "unexpected URL in ready: " + url;
    co_return;
  }
  ws.binary(true);
}

net::awaitable<void> opener(tunnel_swarm& swarm) {
  auto executor = co_await net::this_coro::executor;
  while (swarm.next < swarm.total) {
    const int i = swarm.next++;
    auto ws = std::make_shared<ws_stream>(executor);
    std::string error;
    co_await open_session(*ws, swarm, i, error);
    if (!error.empty()) {
      swarm.fail(i, error);
      continue;
    }
    ++swarm.ready;
    net::co_spawn(executor, hold_session(ws, swarm), net::detached);
  }
}

TEST_F(concurrency_test, one_gateway_holds_a_thousand_tunnels) {
  constexpr int tunnels = 1000;
  constexpr int openers = 50;  // handshakes in progress at a time
  // Frequent pings, so the sessions are seen to stay alive through several.
  auto gw = start_gateway(dir_, "[server]\nthreads = 2\n[tunnels]\nping_interval = \"300ms\"\nping_timeout = \"3s\"\n");
  std::this_thread::sleep_for(200ms);
  const long idle_kb = gw.proc.rss_kb();

  tunnel_swarm swarm;
  swarm.endpoint = tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), gw.port);
  swarm.host = "localhost:" + std::to_string(gw.port);
  swarm.total = tunnels;
  net::io_context ioc(1);
  auto guard = net::make_work_guard(ioc);
  for (int k = 0; k < openers; ++k) net::co_spawn(ioc, opener(swarm), net::detached);
  const auto started = clock_type::now();
  std::thread io([&] { ioc.run(); });
  // Whatever happens below, stop the sessions before leaving.
  struct stopper {
    net::io_context& ioc;
    std::thread& io;
    ~stopper() {
      ioc.stop();
      if (io.joinable()) io.join();
    }
  } stop{ioc, io};

  const bool all_done = wait_until([&] { return swarm.ready + swarm.failed >= tunnels; }, 40s);
  const double open_seconds = seconds_since(started);
  {
    std::lock_guard lock(swarm.mutex);
    std::string errors;
    for (const auto& e : swarm.errors) errors += e + "\n";
    ASSERT_TRUE(all_done) << "only " << swarm.ready << " of " << tunnels << " tunnels opened in 40 s\n" << errors;
    ASSERT_EQ(swarm.ready, tunnels) << swarm.failed << " connects failed, first ones:\n" << errors;
  }
  std::printf("[ tunnels  ] %d tunnels opened in %.2f s\n", tunnels, open_seconds);

  EXPECT_TRUE(wait_until([&] { return health_tunnels(gw) == tunnels; }, 5s, 100ms))
      << "/_health reports " << health_tunnels(gw).value_or(-1) << " tunnels";
  std::this_thread::sleep_for(500ms);
  const long held_kb = gw.proc.rss_kb();
  const double per_tunnel_kb = static_cast<double>(held_kb - idle_kb) / tunnels;
  std::printf("[ rss      ] gateway idle %ld KiB, with %d tunnels %ld KiB: %.1f KiB per tunnel\n", idle_kb, tunnels,
              held_kb, per_tunnel_kb);
  RecordProperty("gateway_rss_idle_kb", std::to_string(idle_kb));
  RecordProperty("gateway_rss_1000_tunnels_kb", std::to_string(held_kb));
  RecordProperty("gateway_rss_per_tunnel_kb", std::to_string(per_tunnel_kb));
  // Loose: an idle tunnel must not cost a large fixed buffer (the default
  // max_tunnels of 10,000 would then not fit in memory).
  EXPECT_LT(per_tunnel_kb, 256.0);

  // One real client among them routes a request end to end.
  auto origin = start_origin();
  auto cl = start_client(gw.port, origin.port, {"--name", "real-one"});
  EXPECT_EQ(cl.name, "real-one");
  const auto r = run_curl({cl.url + "/bytes/100000"}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(sha256_hex(r.body), pattern_sha256(100000));
  const auto echo = run_curl({"-X", "POST", "--data-binary", "hello through 1001 tunnels", cl.url + "/echo"}, 20s);
  EXPECT_EQ(echo.status, 200) << echo.stderr_text;
  EXPECT_NE(echo.body.find("hello through 1001 tunnels"), std::string::npos) << echo.body;
  EXPECT_EQ(health_tunnels(gw), tunnels + 1);

  // An unknown name still gets 404 among a thousand known ones.
  const auto missing = run_curl({gw.tunnel_url("no-such-tunnel") + "/"}, 10s);
  EXPECT_EQ(missing.status, 404);

  // Nobody was dropped meanwhile, also across a few more ping rounds.
  std::this_thread::sleep_for(2s);
  std::printf("[ pings    ] the gateway pinged the test's sessions %ld times\n", swarm.pings.load());
  EXPECT_GE(swarm.pings, tunnels) << "not every session was pinged: were they really alive?";
  EXPECT_EQ(swarm.dropped, 0);
  EXPECT_EQ(health_tunnels(gw), tunnels + 1);
}

// ---- (c) keep-alive pool to the local server ----

TEST_F(concurrency_test, client_reuses_local_connections) {
  std::atomic<int> requests{0};
  raw_origin origin([&](int fd) { serve_keep_alive(fd, requests); });
  auto gw = start_gateway(dir_);
  auto cl = start_client(gw.port, origin.port(), {"--quiet"});
  const std::string host = cl.name + ".localhost:" + std::to_string(gw.port);

  // 100 in sequence on one public connection...
  auto statuses = concurrent_requests(host, gw.port, "/a", 100, 1, 20s);
  // ...and 100 more, each on a new public connection.
  for (int i = 0; i < 100; ++i) {
    const auto one = concurrent_requests(host, gw.port, "/b", 1, 1, 20s);
    statuses.insert(statuses.end(), one.begin(), one.end());
  }
  const auto ok = std::count(statuses.begin(), statuses.end(), 200);
  std::printf("[ pool     ] 200 sequential requests used %d local connections (origin saw %d requests)\n",
              origin.accepted(), requests.load());
  RecordProperty("local_connections", std::to_string(origin.accepted()));
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(requests, 200);
  EXPECT_LE(origin.accepted(), 5) << "the client opened a local connection per request instead of reusing them";
}

}  // namespace
}  // namespace warren::test
