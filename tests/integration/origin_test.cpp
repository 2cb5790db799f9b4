// Proves the harness and the test origin together: every origin endpoint is
// checked directly (no gateway), with the real curl and a Beast client.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <csignal>

#include "asio_names.hpp"
#include "harness.hpp"

namespace warren::test {
namespace {

class origin_test : public ::testing::Test {
protected:
  std::string url(std::string_view target) const { return origin_.url() + std::string(target); }

  tcp::socket connect(net::io_context& ioc) const {
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), origin_.port));
    return socket;
  }

  origin_process origin_ = start_origin();
};

json::array pair(std::string_view a, std::string_view b) { return json::array{a, b}; }

std::string str(const json::value& v) { return std::string(v.as_string()); }

TEST_F(origin_test, echo_reports_headers_in_order_and_body) {
  const auto r = run_curl({"-X", "PUT", "-H", "X-Dup: 1", "-H", "x-other: 2", "-H", "X-Dup: 3",
                           "-H", "Content-Type: text/plain", "--data-binary", "h\xc3\xa9llo",
                           url("/echo?q=1&r=%20")});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header_values(r.headers, "content-type"), std::vector<std::string>{"application/json"});
  const auto j = json::parse(r.body).as_object();
  EXPECT_EQ(j.at("method"), "PUT");
  EXPECT_EQ(j.at("target"), "/echo?q=1&r=%20");
  EXPECT_EQ(j.at("version"), "HTTP/1.1");
  EXPECT_EQ(j.at("body"), "h\xc3\xa9llo");
  EXPECT_EQ(j.at("body_size").to_number<std::uint64_t>(), 6u);
  EXPECT_EQ(str(j.at("body_sha256")), sha256_hex("h\xc3\xa9llo"));
  EXPECT_EQ(j.at("trailers"), json::array{});
  // Duplicates stay where they arrived, names keep their case.
  std::vector<json::value> custom;
  for (const auto& h : j.at("headers").as_array()) {
    const auto& name = h.as_array()[0].as_string();
    if (name == "X-Dup" || name == "x-other") custom.push_back(h);
  }
  EXPECT_EQ(custom, (std::vector<json::value>{pair("X-Dup", "1"), pair("x-other", "2"), pair("X-Dup", "3")}));
}

TEST_F(origin_test, echo_omits_binary_body_but_hashes_it) {
  const temp_dir dir;
  write_pattern_file(dir.path() / "body", 100'000);
  const auto r = run_curl({"--data-binary", "@" + (dir.path() / "body").string(), url("/echo")});
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  const auto j = json::parse(r.body).as_object();
  EXPECT_FALSE(j.contains("body"));
  EXPECT_EQ(j.at("body_size").to_number<std::uint64_t>(), 100'000u);
  EXPECT_EQ(str(j.at("body_sha256")), pattern_sha256(100'000));
}

TEST_F(origin_test, echo_separates_chunked_trailers) {
  net::io_context ioc;
  auto socket = connect(ioc);
  net::write(socket, net::buffer(std::string_view(
                         "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                         "3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 42\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  ASSERT_EQ(res.result_int(), 200u);
  const auto j = json::parse(res.body()).as_object();
  EXPECT_EQ(j.at("body"), "abcde");
  EXPECT_EQ(j.at("trailers"), json::array{pair("X-Sum", "42")});
  for (const auto& h : j.at("headers").as_array()) EXPECT_NE(h.as_array()[0], "X-Sum");
}

TEST_F(origin_test, bytes_follow_the_pattern) {
  std::string expected(1000, '\0');
  fill_pattern(0, expected);
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_EQ(static_cast<std::uint8_t>(expected[i]), pattern_byte(i));

  const auto r = run_curl({url("/bytes/1000")});
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  EXPECT_EQ(r.body, expected);

  const auto big = run_curl({url("/bytes/3000000")});
  EXPECT_EQ(header_values(big.headers, "Content-Length"), std::vector<std::string>{"3000000"});
  EXPECT_EQ(sha256_hex(big.body), pattern_sha256(3'000'000));

  const auto chunked = run_curl({url("/bytes/3000000?chunked=1")});
  EXPECT_EQ(header_values(chunked.headers, "Transfer-Encoding"), std::vector<std::string>{"chunked"});
  EXPECT_TRUE(header_values(chunked.headers, "Content-Length").empty());
  EXPECT_EQ(sha256_hex(chunked.body), pattern_sha256(3'000'000));
}

TEST_F(origin_test, bytes_rate_throttles) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_curl({url("/bytes/4000?rate=8000")});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  EXPECT_EQ(r.body.size(), 4000u);
  EXPECT_GE(elapsed, 400ms);
}

TEST_F(origin_test, upload_and_echo_body_stream_a_file) {
  const temp_dir dir;
  const auto file = dir.path() / "upload";
  write_pattern_file(file, 5'000'000);  // over 1 MiB: curl also sends Expect: 100-continue

  const auto up = run_curl({"--data-binary", "@" + file.string(), url("/upload")});
  ASSERT_EQ(up.status, 200) << up.stderr_text;
  const auto j = json::parse(up.body).as_object();
  EXPECT_EQ(j.at("size").to_number<std::uint64_t>(), 5'000'000u);
  EXPECT_EQ(str(j.at("sha256")), pattern_sha256(5'000'000));
  EXPECT_NE(up.headers.find("100 Continue"), std::string::npos);

  const auto echo = run_curl({"-H", "Content-Type: application/x-test", "--data-binary", "@" + file.string(),
                              url("/echo-body")});
  ASSERT_EQ(echo.status, 200) << echo.stderr_text;
  EXPECT_EQ(header_values(echo.headers, "content-type"), std::vector<std::string>{"application/x-test"});
  EXPECT_EQ(sha256_hex(echo.body), sha256_file(file));
}

TEST_F(origin_test, cookies_stay_separate) {
  const auto r = run_curl({url("/cookies")});
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  const auto cookies = header_values(r.headers, "set-cookie");
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_TRUE(cookies[0].starts_with("a=1;"));
  EXPECT_TRUE(cookies[1].starts_with("b=2;"));
  EXPECT_TRUE(cookies[2].starts_with("c=3;"));
}

TEST_F(origin_test, trailers_reach_curl) {
  const auto decoded = run_curl({url("/trailers")});
  ASSERT_EQ(decoded.status, 200) << decoded.stderr_text;
  EXPECT_EQ(decoded.body, "hello");
  EXPECT_NE(decoded.headers.find("\r\n\r\nX-Checksum: abc\r\nX-Count: 5\r\n"), std::string::npos) << decoded.headers;

  const auto raw = run_curl({"--raw", url("/trailers")});
  EXPECT_EQ(raw.body, "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Count: 5\r\n\r\n");
}

TEST_F(origin_test, sse_streams_events) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_curl({url("/sse?count=3&interval_ms=100")});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  EXPECT_EQ(header_values(r.headers, "content-type"), std::vector<std::string>{"text/event-stream"});
  EXPECT_EQ(header_values(r.headers, "cache-control"), std::vector<std::string>{"no-cache"});
  EXPECT_EQ(r.body, "data: event 1\n\ndata: event 2\n\ndata: event 3\n\n");
  EXPECT_GE(elapsed, 200ms);
}

TEST_F(origin_test, sse_events_arrive_one_by_one) {
  net::io_context ioc;
  auto socket = connect(ioc);
  net::write(socket, net::buffer(std::string_view("GET /sse?count=2&interval_ms=2000 HTTP/1.1\r\nHost: t\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  http::read_header(socket, buffer, parser);
  // The first event must come long before the second is due.
  const auto start = std::chrono::steady_clock::now();
  while (parser.get().body().find("event 1") == std::string::npos) http::read_some(socket, buffer, parser);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(origin_test, head_and_get_agree_on_length) {
  // curl -I writes the head where the body would go: only the head must come.
  const auto head = run_curl({"-I", url("/head-test")});
  ASSERT_EQ(head.status, 200) << head.stderr_text;
  EXPECT_EQ(header_values(head.headers, "content-length"), std::vector<std::string>{"1234"});
  EXPECT_EQ(head.body, head.headers);
  const auto get = run_curl({url("/head-test")});
  EXPECT_EQ(get.body, std::string(1234, 'x'));
}

TEST_F(origin_test, status_codes) {
  const auto no_content = run_curl({url("/status/204")});
  EXPECT_EQ(no_content.status, 204);
  EXPECT_TRUE(header_values(no_content.headers, "content-length").empty());
  const auto teapot = run_curl({url("/status/418")});
  EXPECT_EQ(teapot.status, 418);
  EXPECT_EQ(teapot.body, "status 418\n");
  const auto hints = run_curl({url("/status/103")});
  EXPECT_EQ(hints.status, 200);
  EXPECT_TRUE(hints.headers.starts_with("HTTP/1.1 103 ")) << hints.headers;
  EXPECT_EQ(run_curl({url("/status/99")}).status, 400);
}

TEST_F(origin_test, expect_continue_is_answered) {
  const auto r = run_curl({"-H", "Expect: 100-continue", "--data-binary", "abcd", url("/expect")});
  ASSERT_EQ(r.status, 200) << r.stderr_text;
  EXPECT_TRUE(r.headers.starts_with("HTTP/1.1 100 Continue\r\n")) << r.headers;
  const auto j = json::parse(r.body).as_object();
  EXPECT_EQ(j.at("size").to_number<int>(), 4);
  EXPECT_EQ(j.at("continue_sent"), true);

  const auto plain = run_curl({"-H", "Expect:", "--data-binary", "abcd", url("/expect")});
  EXPECT_EQ(json::parse(plain.body).at("continue_sent"), false);
}

TEST_F(origin_test, delay_hang_close_host_and_unknown) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run_curl({url("/delay/300")}).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);

  const auto hang = run_curl({"--max-time", "1", url("/hang")});
  EXPECT_EQ(hang.exit_code, 28) << hang.stderr_text;  // operation timed out

  const auto closed = run_curl({url("/close")});
  EXPECT_EQ(closed.exit_code, 52) << closed.stderr_text;  // empty reply from server

  const auto host = run_curl({"-H", "Host: demo.example.test", url("/host")});
  EXPECT_EQ(host.body, "demo.example.test");

  const auto missing = run_curl({url("/nope")});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "no such endpoint\n");
}

TEST_F(origin_test, keep_alive_serves_pipelined_requests) {
  net::io_context ioc;
  auto socket = connect(ioc);
  net::write(socket, net::buffer(std::string_view(
                         "GET /bytes/10 HTTP/1.1\r\nHost: a\r\n\r\n"
                         "POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n\r\nhi"
                         "GET /status/201 HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n")));
  beast::flat_buffer buffer;
  std::vector<unsigned> statuses;
  for (int i = 0; i < 3; ++i) {
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    statuses.push_back(res.result_int());
    if (i == 1) {
      EXPECT_EQ(json::parse(res.body()).at("body"), "hi");
    }
    if (i == 2) {
      EXPECT_FALSE(res.keep_alive());
    }
  }
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 200, 201}));
  beast::error_code ec;
  http::response<http::string_body> extra;
  http::read(socket, buffer, extra, ec);
  EXPECT_EQ(ec, http::error::end_of_stream);
}

TEST_F(origin_test, websocket_echoes_messages_and_close_reason) {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(connect(ioc));
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::sec_websocket_protocol, "chat, superchat");
  }));
  websocket::response_type res;
  ws.handshake(res, "127.0.0.1", "/ws");
  EXPECT_EQ(res[http::field::sec_websocket_protocol], "chat");
  ws.read_message_max(64 * 1024 * 1024);

  beast::flat_buffer buffer;
  ws.text(true);
  ws.write(net::buffer(std::string_view("hello")));
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello");
  buffer.clear();

  // A fragmented 5 MB binary message comes back whole, as binary.
  std::string big(5'000'000, '\0');
  fill_pattern(0, big);
  ws.binary(true);
  ws.auto_fragment(true);
  ws.write_buffer_bytes(16 * 1024);
  ws.write(net::buffer(big));
  ws.read(buffer);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(sha256_hex(beast::buffers_to_string(buffer.data())), sha256_hex(big));

  websocket::close_reason bye;
  bye.code = 4001;
  bye.reason = "bye now";
  ws.close(bye);
  EXPECT_EQ(ws.reason().code, 4001);
  EXPECT_EQ(ws.reason().reason, "bye now");
}

TEST_F(origin_test, websocket_requires_an_upgrade) {
  EXPECT_EQ(run_curl({url("/ws")}).status, 400);
}

TEST(harness_test, gateway_config_merges_tables) {
  const std::string merged = gateway_toml(
      "[server]\nmax_body_bytes = 10\ndomain = \"example.test\"\n"
      "[[auth]]\nplugin = \"auth-github\"\n");
  EXPECT_NE(merged.find("listen = '127.0.0.1:0'"), std::string::npos) << merged;
  EXPECT_NE(merged.find("domain = 'example.test'"), std::string::npos) << merged;
  EXPECT_EQ(merged.find("localhost"), std::string::npos) << merged;
  EXPECT_NE(merged.find("max_body_bytes = 10"), std::string::npos) << merged;
  EXPECT_NE(merged.find("allow_anonymous = true"), std::string::npos) << merged;
  EXPECT_NE(merged.find("[[auth]]"), std::string::npos) << merged;
  EXPECT_EQ(gateway_toml(""), default_gateway_toml());
  EXPECT_THROW(gateway_toml("[server"), std::runtime_error);
}

TEST(harness_test, process_reports_exit_and_output) {
  process p({"/bin/sh", "-c", "echo ready 42; echo oops >&2; exit 3"});
  const auto m = p.wait_for_output(std::regex(R"(ready (\d+))"), 5s);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)[1], "42");
  EXPECT_EQ(p.wait(5s), 3);
  EXPECT_NE(p.output().find("oops"), std::string::npos);

  process sleeper({"sleep", "30"});
  EXPECT_TRUE(sleeper.running());
  EXPECT_GT(sleeper.rss_kb(), 0);
  EXPECT_EQ(sleeper.stop(), 128 + SIGTERM);
}

TEST_F(origin_test, thousand_concurrent_connections) {
  const auto start = std::chrono::steady_clock::now();
  const auto statuses = concurrent_requests("localhost", origin_.port, "/delay/500", 1000, 1000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1000);
  // All in flight at once: about one delay, not many.
  EXPECT_LT(elapsed, 10s);
}

TEST_F(origin_test, large_bodies_stream_in_bounded_memory) {
  constexpr std::uint64_t size = 256 * 1024 * 1024;
  net::io_context ioc;
  auto socket = connect(ioc);

  // Upload: stream the pattern with Content-Length, piece by piece.
  const std::string head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
  net::write(socket, net::buffer(head));
  std::string piece(1024 * 1024, '\0');
  for (std::uint64_t sent = 0; sent < size; sent += piece.size()) {
    fill_pattern(sent, piece);
    net::write(socket, net::buffer(piece));
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  const auto j = json::parse(res.body()).as_object();
  EXPECT_EQ(j.at("size").to_number<std::uint64_t>(), size);
  EXPECT_EQ(str(j.at("sha256")), pattern_sha256(size));

  // Download on the same connection, hashing as it arrives.
  net::write(socket, net::buffer("GET /bytes/" + std::to_string(size) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(socket, buffer, parser);
  sha256 digest;
  std::uint64_t received = 0;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec && ec != http::error::need_buffer) FAIL() << ec.message();
    const std::size_t n = piece.size() - parser.get().body().size;
    digest.update({piece.data(), n});
    received += n;
  }
  EXPECT_EQ(received, size);
  EXPECT_EQ(digest.finish_hex(), pattern_sha256(size));
  EXPECT_LT(origin_.proc.rss_kb(), 64 * 1024) << "the origin should not hold bodies in memory";
}

}  // namespace
}  // namespace warren::test
