// warren-test-origin: the local web server that integration tests and
// benchmarks put behind the tunnel. Every endpoint streams (bodies of any
// size pass in bounded memory) and reports exactly what reached it.
//
//   warren-test-origin [--listen 127.0.0.1:0] [--threads 2]
//
// Prints one line, `origin listening on ADDRESS:PORT`, once it accepts.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "asio_names.hpp"
#include "origin_request.hpp"
#include "origin_websocket.hpp"
#include "pattern.hpp"

namespace warren::test {
namespace {

namespace urls = boost::urls;
using beast::error_code;

constexpr std::size_t piece_size = 64 * 1024;
constexpr std::size_t echo_body_max = 64 * 1024;
// Long, because tests park idle keep-alive connections on purpose; short
// enough that a leaked connection does not live for the whole run.
constexpr auto idle_timeout = std::chrono::seconds(300);

std::optional<std::uint64_t> to_number(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> query_number(const urls::url_view& url, std::string_view key) {
  const auto it = url.params().find(key);
  if (it == url.params().end() || !(*it).has_value) return std::nullopt;
  return to_number((*it).value);
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

json::array to_json(const field_list& fields) {
  json::array out;
  for (const auto& [name, value] : fields) out.push_back(json::array{name, value});
  return out;
}

enum class after { keep_alive, close };

// Beast knows no reason phrase for some codes (103, 418, ...): say something
// readable instead of "<unknown-status>".
template <class Body>
void set_status(http::response<Body>& res, unsigned status) {
  res.result(status);
  if (http::obsolete_reason(http::int_to_status(status)) == "<unknown-status>") res.reason("Status " + std::to_string(status));
}

// One connection, requests in sequence (keep-alive, pipelining).
//
// g++ 12.2 miscompiles some coroutine shapes (GCC PR 106188: an unbraced
// `if (...) co_return co_await ...;` corrupts the frame layout; temporaries
// from conditional expressions and initializer lists inside a co_await are
// mishandled too, and a coroutine returning a value that awaits an
// awaitable<void> gets a corrupt frame). So in coroutines: every if/loop body
// with a co_await or co_return is braced, co_await arguments are built in
// locals first, only void coroutines await awaitable<void>, and awaited
// values are kept (a discarded one crashed /ws).
class http_session {
public:
  explicit http_session(tcp::socket socket) : stream_(std::move(socket)) {}

  net::awaitable<void> run() {
    for (;;) {
      parser_.emplace();
      stream_.expires_after(idle_timeout);
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, *parser_, tuple_awaitable);
      if (ec) {
        // A malformed request gets a 400; a peer that went away gets nothing.
        if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
            ec != http::error::end_of_stream) {
          co_await write_raw(
              "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
              "Connection: close\r\n\r\nbad request\n");
        }
        break;
      }
      stream_.expires_never();
      head_ = parser_->method() == http::verb::head;
      const auto expect = parser_->header("Expect");
      continue_pending_ = parser_->version() >= 11 && expect && beast::iequals(*expect, "100-continue");
      continue_sent_ = false;
      if (co_await dispatch() == after::close) {
        break;
      }
    }
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

private:
  net::awaitable<after> dispatch() {
    const auto url = urls::parse_origin_form(parser_->target());
    if (!url) {
      co_await drain_body();
      co_return co_await send(http::status::bad_request, "text/plain", "bad request target\n");
    }
    const std::string path = url->path();
    const auto tail = [&](std::string_view prefix) -> std::optional<std::uint64_t> {
      if (!path.starts_with(prefix)) return std::nullopt;
      return to_number(std::string_view(path).substr(prefix.size()));
    };

    if (path == "/echo") {
      co_return co_await handle_echo();
    }
    if (path == "/echo-body") {
      co_return co_await handle_echo_body();
    }
    if (auto n = tail("/bytes/")) {
      const bool chunked = query_number(*url, "chunked").value_or(0) != 0;
      const std::uint64_t rate = query_number(*url, "rate").value_or(0);
      co_return co_await handle_bytes(*n, chunked, rate);
    }
    if (path == "/upload") {
      co_return co_await handle_upload();
    }
    if (auto n = tail("/status/")) {
      co_return co_await handle_status(*n);
    }
    if (path == "/cookies") {
      co_return co_await handle_cookies(*url);
    }
    if (path == "/trailers") {
      co_return co_await handle_trailers();
    }
    if (path == "/sse") {
      const std::uint64_t count = query_number(*url, "count").value_or(5);
      const std::uint64_t interval_ms = query_number(*url, "interval_ms").value_or(100);
      co_return co_await handle_sse(count, interval_ms);
    }
    if (auto ms = tail("/delay/")) {
      co_return co_await handle_delay(*ms);
    }
    if (path == "/hang") {
      co_return co_await handle_hang();
    }
    if (path.starts_with("/fault/")) {
      co_return co_await handle_fault(path.substr(7), *url);
    }
    if (path == "/close") {
      co_await drain_body();
      co_return after::close;
    }
    if (path == "/head-test") {
      if (co_await drain_body()) {
        co_return after::close;
      }
      std::string body(1234, 'x');
      co_return co_await send(http::status::ok, "text/plain", body);
    }
    if (path == "/expect") {
      co_return co_await handle_expect();
    }
    if (path == "/ws") {
      co_return co_await handle_ws();
    }
    if (path == "/host") {
      if (co_await drain_body()) {
        co_return after::close;
      }
      std::string host(parser_->header("Host").value_or(""));
      co_return co_await send(http::status::ok, "text/plain", host);
    }
    if (co_await drain_body()) {
      co_return after::close;
    }
    co_return co_await send(http::status::not_found, "text/plain", "no such endpoint\n");
  }

  // ---- endpoints ----

  net::awaitable<after> handle_echo() {
    sha256 digest;
    std::uint64_t size = 0;
    std::string kept;
    bool kept_all = true;
    const auto ec = co_await read_body([&](std::string_view data) {
      digest.update(data);
      size += data.size();
      if (kept_all && kept.size() + data.size() <= echo_body_max) kept.append(data);
      else kept_all = false;
    });
    if (ec) {
      co_return after::close;
    }

    json::object out;
    out["method"] = parser_->method_string();
    out["target"] = parser_->target();
    out["version"] = parser_->version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
    out["headers"] = to_json(parser_->headers());
    out["body_size"] = size;
    out["body_sha256"] = digest.finish_hex();
    if (kept_all && valid_utf8(kept)) out["body"] = kept;
    out["trailers"] = to_json(parser_->trailers());
    const std::string text = json::serialize(out);
    co_return co_await send(http::status::ok, "application/json", text);
  }

  net::awaitable<after> handle_echo_body() {
    http::response<http::empty_body> res{http::status::ok, parser_->version()};
    res.set(http::field::content_type,
            parser_->header("Content-Type").value_or("application/octet-stream"));
    // Answer only once the first body bytes are in: a client that sent
    // Expect: 100-continue must see the 100 before a final status.
    std::vector<char> buf(piece_size);
    auto [ec, n] = co_await read_body_some(buf.data(), buf.size());
    if (ec || co_await begin_stream(res)) {
      co_return after::close;
    }
    while (n > 0) {
      if (co_await stream_piece({buf.data(), n})) {
        co_return after::close;
      }
      std::tie(ec, n) = co_await read_body_some(buf.data(), buf.size());
      if (ec) {
        co_return after::close;
      }
    }
    co_return co_await end_stream();
  }

  net::awaitable<after> handle_bytes(std::uint64_t total, bool chunked, std::uint64_t rate) {
    if (co_await drain_body()) {
      co_return after::close;
    }
    http::response<http::empty_body> res{http::status::ok, parser_->version()};
    res.set(http::field::content_type, "application/octet-stream");
    if (chunked) {
      if (co_await begin_stream(res)) {
        co_return after::close;
      }
    } else {
      res.content_length(total);
      res.keep_alive(parser_->keep_alive());
      if (co_await write_head(res)) {
        co_return after::close;
      }
    }
    if (head_) {
      co_return co_await end_bytes(chunked);
    }

    // Throttled bodies go out in ~10 pieces a second so the rate is smooth.
    const std::size_t piece =
        rate == 0 ? piece_size : static_cast<std::size_t>(std::clamp<std::uint64_t>(rate / 10, 1, piece_size));
    std::vector<char> buf(piece);
    net::steady_timer timer(stream_.get_executor());
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t sent = 0; sent < total;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece, total - sent));
      fill_pattern(sent, {buf.data(), n});
      error_code ec;
      if (chunked) {
        ec = co_await stream_piece({buf.data(), n});
      }
      else {
        ec = co_await write_raw({buf.data(), n});
      }
      if (ec) {
        co_return after::close;
      }
      sent += n;
      if (rate != 0 && sent < total) {
        timer.expires_at(start + std::chrono::microseconds(sent * 1'000'000 / rate));
        co_await timer.async_wait(tuple_awaitable);
      }
    }
    co_return co_await end_bytes(chunked);
  }

  net::awaitable<after> end_bytes(bool chunked) {
    if (chunked) {
      co_return co_await end_stream();
    }
    co_return keep_alive();
  }

  net::awaitable<after> handle_upload() {
    sha256 digest;
    std::uint64_t size = 0;
    const auto ec = co_await read_body([&](std::string_view data) {
      digest.update(data);
      size += data.size();
    });
    if (ec) {
      co_return after::close;
    }
    json::object out;
    out["size"] = size;
    out["sha256"] = digest.finish_hex();
    const std::string text = json::serialize(out);
    co_return co_await send(http::status::ok, "application/json", text);
  }

  net::awaitable<after> handle_status(std::uint64_t code) {
    if (co_await drain_body()) {
      co_return after::close;
    }
    if (code < 100 || code > 599 || code == 101) {
      co_return co_await send(http::status::bad_request, "text/plain",
                              "status must be 100-599 (not 101; use /ws)\n");
    }
    const auto status = static_cast<unsigned>(code);
    if (status < 200) {
      // An interim response must be followed by a final one, as a real
      // server sending 103 Early Hints would.
      http::response<http::empty_body> interim{http::status::ok, parser_->version()};
      set_status(interim, status);
      if (co_await write_head(interim)) {
        co_return after::close;
      }
      std::string body = "final response after " + std::to_string(status) + "\n";
      co_return co_await send(http::status::ok, "text/plain", body);
    }
    const bool bodyless = status == 204 || status == 304;
    std::string body;
    if (!bodyless) body = "status " + std::to_string(status) + "\n";
    co_return co_await send(status, "text/plain", body);
  }

  // Three host-only cookies, plus with ?domains=A,B one cookie per Domain
  // attribute (d0=0; Domain=A, d1=1; Domain=B), for the tests of which a
  // tunnel may set.
  net::awaitable<after> handle_cookies(const urls::url_view& url) {
    if (co_await drain_body()) {
      co_return after::close;
    }
    http::response<http::string_body> res{http::status::ok, parser_->version()};
    res.insert(http::field::set_cookie, "a=1; Path=/; HttpOnly");
    res.insert(http::field::set_cookie, "b=2; Path=/; Max-Age=3600; SameSite=Lax");
    res.insert(http::field::set_cookie, "c=3; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure");
    if (auto it = url.params().find("domains"); it != url.params().end()) {
      const std::string list = (*it).value;  // decoded: a copy, not a view
      std::size_t start = 0;
      for (int n = 0; start <= list.size(); ++n) {
        const auto comma = std::min(list.find(',', start), list.size());
        res.insert(http::field::set_cookie, "d" + std::to_string(n) + "=" + std::to_string(n) +
                                                "; Path=/; Domain=" + list.substr(start, comma - start));
        start = comma + 1;
      }
    }
    res.set(http::field::content_type, "text/plain");
    res.body() = "three cookies\n";
    co_return co_await send(std::move(res));
  }

  net::awaitable<after> handle_trailers() {
    if (co_await drain_body()) {
      co_return after::close;
    }
    // Raw bytes, so the trailer section is exactly what the contract says.
    std::string raw =
        "HTTP/1.1 200 OK\r\nServer: warren-test-origin\r\nContent-Type: text/plain\r\n"
        "Transfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Count\r\n";
    if (!parser_->keep_alive()) raw += "Connection: close\r\n";
    raw += "\r\n";
    if (!head_) raw += "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Count: 5\r\n\r\n";
    if (co_await write_raw(raw)) {
      co_return after::close;
    }
    co_return keep_alive();
  }

  net::awaitable<after> handle_sse(std::uint64_t count, std::uint64_t interval_ms) {
    if (co_await drain_body()) {
      co_return after::close;
    }
    http::response<http::empty_body> res{http::status::ok, parser_->version()};
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    if (co_await begin_stream(res)) {
      co_return after::close;
    }
    if (head_) {
      co_return co_await end_stream();
    }
    net::steady_timer timer(stream_.get_executor());
    // count = 0 streams until the peer goes away.
    for (std::uint64_t i = 1; count == 0 || i <= count; ++i) {
      if (i > 1) {
        timer.expires_after(std::chrono::milliseconds(interval_ms));
        co_await timer.async_wait(tuple_awaitable);
      }
      const std::string event = "data: event " + std::to_string(i) + "\n\n";
      if (co_await stream_piece(event)) {
        co_return after::close;
      }
    }
    co_return co_await end_stream();
  }

  net::awaitable<after> handle_delay(std::uint64_t ms) {
    if (co_await drain_body()) {
      co_return after::close;
    }
    net::steady_timer timer(stream_.get_executor(), std::chrono::milliseconds(ms));
    co_await timer.async_wait(tuple_awaitable);
    std::string body = "delayed " + std::to_string(ms) + " ms\n";
    co_return co_await send(http::status::ok, "text/plain", body);
  }

  net::awaitable<after> handle_hang() {
    if (co_await drain_body()) {
      co_return after::close;
    }
    // Hold the socket until the peer closes it; whatever else it sends is ignored.
    std::array<char, 4096> scratch;
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(net::buffer(scratch), tuple_awaitable);
      if (ec) {
        co_return after::close;
      }
    }
  }

  // Misbehaving origins, for the fault tests:
  //   /fault/silent                 never answers (holds the connection)
  //   /fault/stall-after-headers    a head promising 1 MB, then nothing
  //   /fault/endless-chunked        chunks until the peer goes away
  //   /fault/bad-status             a malformed status line, then close
  //   /fault/close-mid-body?size=N  Content-Length N (default 1 MiB), half of it, close
  //   /fault/slow-read?rate=N       reads the request body at N bytes/s (default 1000)
  net::awaitable<after> handle_fault(std::string_view what, const urls::url_view& url) {
    if (what == "silent") {
      co_return co_await handle_hang();
    }
    if (what == "slow-read") {
      const std::uint64_t rate = std::max<std::uint64_t>(query_number(url, "rate").value_or(1000), 10);
      const auto piece = static_cast<std::size_t>(std::clamp<std::uint64_t>(rate / 10, 1, piece_size));
      std::vector<char> buf(piece);
      net::steady_timer timer(stream_.get_executor());
      std::uint64_t size = 0;
      for (;;) {
        auto [ec, n] = co_await read_body_some(buf.data(), buf.size());
        if (ec) {
          co_return after::close;
        }
        if (n == 0) break;
        size += n;
        timer.expires_after(std::chrono::microseconds(n * 1'000'000 / rate));
        co_await timer.async_wait(tuple_awaitable);
      }
      json::object out;
      out["size"] = size;
      const std::string text = json::serialize(out);
      co_return co_await send(http::status::ok, "application/json", text);
    }
    if (co_await drain_body()) {
      co_return after::close;
    }
    if (what == "stall-after-headers") {
      if (co_await write_raw("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nsome")) {
        co_return after::close;
      }
      co_return co_await handle_hang();
    }
    if (what == "endless-chunked") {
      http::response<http::empty_body> res{http::status::ok, parser_->version()};
      res.set(http::field::content_type, "application/octet-stream");
      if (co_await begin_stream(res)) {
        co_return after::close;
      }
      std::vector<char> buf(16 * 1024);
      for (std::uint64_t sent = 0;; sent += buf.size()) {
        fill_pattern(sent, {buf.data(), buf.size()});
        if (co_await stream_piece({buf.data(), buf.size()})) {
          co_return after::close;
        }
      }
    }
    if (what == "bad-status") {
      const auto ec = co_await write_raw("HTTP/1.1 2x0 Broken\r\nContent-Length: 2\r\n\r\nno");
      (void)ec;  // closing either way
      co_return after::close;
    }
    if (what == "close-mid-body") {
      const std::uint64_t total = query_number(url, "size").value_or(1u << 20);
      const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                               std::to_string(total) + "\r\n\r\n";
      if (co_await write_raw(head)) {
        co_return after::close;
      }
      std::vector<char> buf(static_cast<std::size_t>(total / 2));
      fill_pattern(0, {buf.data(), buf.size()});
      const auto ec = co_await write_raw({buf.data(), buf.size()});
      (void)ec;  // closing either way: that is the fault
      co_return after::close;
    }
    co_return co_await send(http::status::not_found, "text/plain", "no such fault\n");
  }

  net::awaitable<after> handle_expect() {
    std::uint64_t size = 0;
    if (co_await read_body([&](std::string_view data) { size += data.size(); })) {
      co_return after::close;
    }
    json::object out;
    out["size"] = size;
    out["continue_sent"] = continue_sent_;
    const std::string text = json::serialize(out);
    co_return co_await send(http::status::ok, "application/json", text);
  }

  net::awaitable<after> handle_ws() {
    if (!is_websocket_upgrade(*parser_)) {
      if (co_await drain_body()) {
        co_return after::close;
      }
      co_return co_await send(http::status::bad_request, "text/plain", "expected a WebSocket upgrade\n");
    }
    // Kept in a local: discarding this co_await's value trips the g++ bug.
    const bool closed = co_await serve_websocket(stream_, buffer_, *parser_);
    co_return closed ? after::close : after::keep_alive;
  }

  // ---- request body ----

  // Reads body bytes into [data, data + size): returns how many arrived, 0
  // once the body is complete. Sends 100 Continue first if the client waits.
  net::awaitable<std::tuple<error_code, std::size_t>> read_body_some(char* data, std::size_t size) {
    if (parser_->is_done()) {
      co_return std::tuple{error_code{}, std::size_t{0}};
    }
    if (continue_pending_) {
      continue_pending_ = false;
      continue_sent_ = true;
      if (auto ec = co_await write_raw("HTTP/1.1 100 Continue\r\n\r\n")) {
        co_return std::tuple{ec, std::size_t{0}};
      }
    }
    parser_->eager(true);
    parser_->set_window(data, size);
    // Beast sizes each read by the buffer's free space (512 bytes at least):
    // without room, a large upload would arrive 512 bytes per read.
    buffer_.reserve(64 * 1024);
    while (!parser_->is_done()) {
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, *parser_, tuple_awaitable);
      if (ec && ec != http::error::need_buffer) {
        co_return std::tuple{ec, std::size_t{0}};
      }
      if (parser_->bytes_in_window() > 0) break;
    }
    co_return std::tuple{error_code{}, parser_->bytes_in_window()};
  }

  template <class On_data>
  net::awaitable<error_code> read_body(On_data on_data) {
    std::vector<char> buf(piece_size);
    for (;;) {
      auto [ec, n] = co_await read_body_some(buf.data(), buf.size());
      if (ec || n == 0) {
        co_return ec;
      }
      on_data(std::string_view(buf.data(), n));
    }
  }

  net::awaitable<error_code> drain_body() {
    co_return co_await read_body([](std::string_view) {});
  }

  // ---- responses ----

  after keep_alive() const { return parser_->keep_alive() ? after::keep_alive : after::close; }

  net::awaitable<error_code> write_raw(std::string_view bytes) {
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(bytes), tuple_awaitable);
    co_return ec;
  }

  net::awaitable<error_code> write_head(http::response<http::empty_body>& res) {
    res.set(http::field::server, "warren-test-origin");
    http::response_serializer<http::empty_body> sr{res};
    auto [ec, n] = co_await http::async_write_header(stream_, sr, tuple_awaitable);
    co_return ec;
  }

  net::awaitable<after> send(http::response<http::string_body> res) {
    res.set(http::field::server, "warren-test-origin");
    res.keep_alive(parser_->keep_alive());
    // 204 and 304 carry no body and, unlike prepare_payload, no Content-Length.
    if (res.result() != http::status::no_content && res.result() != http::status::not_modified)
      res.prepare_payload();
    error_code ec;
    if (head_) {
      http::response_serializer<http::string_body> sr{res};
      std::tie(ec, std::ignore) = co_await http::async_write_header(stream_, sr, tuple_awaitable);
    } else {
      std::tie(ec, std::ignore) = co_await http::async_write(stream_, res, tuple_awaitable);
    }
    co_return ec ? after::close : keep_alive();
  }

  // Bodies are string_views, so callers pass no temporaries with destructors.
  net::awaitable<after> send(http::status status, std::string_view content_type, std::string_view body) {
    const auto code = static_cast<unsigned>(status);
    co_return co_await send(code, content_type, body);
  }

  net::awaitable<after> send(unsigned status, std::string_view content_type, std::string_view body) {
    http::response<http::string_body> res{http::status::ok, parser_->version()};
    set_status(res, status);
    if (!body.empty()) {
      res.set(http::field::content_type, content_type);
    }
    res.body() = body;
    co_return co_await send(std::move(res));
  }

  // A streamed body is chunked, except for HTTP/1.0 clients, which cannot
  // read chunks: they get the bytes unframed and the end is the close.
  net::awaitable<error_code> begin_stream(http::response<http::empty_body>& res) {
    chunked_out_ = parser_->version() >= 11;
    if (chunked_out_) {
      res.chunked(true);
      res.keep_alive(parser_->keep_alive());
    } else {
      res.keep_alive(false);
    }
    co_return co_await write_head(res);
  }

  net::awaitable<error_code> stream_piece(std::string_view data) {
    if (head_ || data.empty()) {
      co_return error_code{};
    }
    if (!chunked_out_) {
      co_return co_await write_raw(data);
    }
    auto [ec, n] = co_await net::async_write(stream_, http::make_chunk(net::buffer(data)), tuple_awaitable);
    co_return ec;
  }

  net::awaitable<after> end_stream() {
    if (!chunked_out_) {
      co_return after::close;
    }
    if (head_) {
      co_return keep_alive();
    }
    auto [ec, n] = co_await net::async_write(stream_, http::make_chunk_last(), tuple_awaitable);
    co_return ec ? after::close : keep_alive();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<request_parser> parser_;
  bool head_ = false;
  bool continue_pending_ = false;
  bool continue_sent_ = false;
  bool chunked_out_ = false;
};

void report_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::cerr << "warren-test-origin: connection failed: " << x.what() << '\n';
  }
}

net::awaitable<void> run_session(tcp::socket socket) { co_await http_session(std::move(socket)).run(); }

net::awaitable<void> accept_loop(net::io_context& ioc, tcp::acceptor& acceptor) {
  net::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), tuple_awaitable);
    if (ec == net::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Typically EMFILE under load: wait for connections to close.
      std::cerr << "warren-test-origin: accept: " << ec.message() << '\n';
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(tuple_awaitable);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    // The socket's executor is its strand: the session runs on it.
    auto executor = socket.get_executor();
    net::co_spawn(executor, run_session(tcp::socket(std::move(socket))), report_exception);
  }
}

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  unsigned threads = 2;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "warren-test-origin: " << error << "\nusage: warren-test-origin [--listen HOST:PORT] [--threads N]\n";
  std::exit(2);
}

options parse_options(int argc, char** argv) {
  options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage("missing value after " + std::string(arg));
    const std::string_view value = argv[++i];
    if (arg == "--listen") {
      const auto colon = value.rfind(':');
      const auto port = colon == std::string_view::npos ? std::nullopt : to_number(value.substr(colon + 1));
      if (!port || *port > 65535) usage("--listen wants HOST:PORT, got " + std::string(value));
      opts.host = value.substr(0, colon);
      opts.port = static_cast<std::uint16_t>(*port);
    } else if (arg == "--threads") {
      const auto n = to_number(value);
      if (!n || *n == 0 || *n > 64) usage("--threads wants 1-64");
      opts.threads = static_cast<unsigned>(*n);
    } else {
      usage("unknown option " + std::string(arg));
    }
  }
  return opts;
}

}  // namespace
}  // namespace warren::test

int main(int argc, char** argv) {
  namespace net = boost::asio;
  using namespace warren::test;
  const options opts = parse_options(argc, argv);
  raise_fd_limit();

  net::io_context ioc(static_cast<int>(opts.threads));
  tcp::acceptor acceptor(ioc);
  try {
    const tcp::endpoint endpoint(net::ip::make_address(opts.host), opts.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    std::cerr << "warren-test-origin: cannot listen on " << opts.host << ':' << opts.port << ": " << e.what() << '\n';
    return 1;
  }
  const auto local = acceptor.local_endpoint();
  std::cout << "origin listening on " << local.address().to_string() << ':' << local.port() << std::endl;

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  net::co_spawn(ioc, accept_loop(ioc, acceptor), report_exception);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < opts.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  return 0;
}
