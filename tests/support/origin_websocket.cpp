#include "origin_websocket.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstring>
#include <string>

#include "asio_names.hpp"

namespace warren::test {

using beast::error_code;

namespace {

constexpr std::uint64_t message_max = 64 * 1024 * 1024;
constexpr auto closing_timeout = std::chrono::seconds(5);

enum opcode : std::uint8_t { op_cont = 0, op_text = 1, op_binary = 2, op_close = 8, op_ping = 9, op_pong = 10 };
enum close_code : std::uint16_t { close_protocol_error = 1002, close_too_big = 1009 };

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (beast::iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string accept_key(std::string_view key) {
  const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(size));
  return {reinterpret_cast<char*>(out), static_cast<std::size_t>(n)};
}

// Coroutines here brace every if/loop body holding co_await or co_return:
// see the note on g++ 12.2 (GCC PR 106188) in test_origin.cpp.
class ws_echo {
public:
  ws_echo(beast::tcp_stream& stream, beast::flat_buffer& buffer) : stream_(stream), buffer_(buffer) {}

  // Every coroutine here returns a value (true: the connection is done):
  // g++ 12.2 corrupts the frame of a value coroutine awaiting awaitable<void>.
  net::awaitable<bool> run() {
    std::string message;
    std::uint8_t message_op = 0;
    for (;;) {
      frame f;
      if (auto ec = co_await read_head(f)) {
        co_return true;
      }
      if (f.rsv || !f.masked) {
        co_return co_await fail(close_protocol_error);
      }
      if (f.op >= op_close) {
        if (!f.fin || f.len > 125) {
          co_return co_await fail(close_protocol_error);
        }
        std::string payload;
        if (auto ec = co_await read_payload(f, payload)) {
          co_return true;
        }
        if (f.op == op_ping) {
          if (auto ec = co_await write_frame(op_pong, payload)) {
            co_return true;
          }
        } else if (f.op == op_close) {
          if (payload.size() == 1) {
            co_return co_await fail(close_protocol_error);
          }
          co_return co_await finish(payload);
        } else if (f.op != op_pong) {
          co_return co_await fail(close_protocol_error);
        }
        continue;
      }
      const bool starts = f.op == op_text || f.op == op_binary;
      if ((starts && message_op != 0) || (!starts && (f.op != op_cont || message_op == 0))) {
        co_return co_await fail(close_protocol_error);
      }
      if (starts) message_op = f.op;
      if (message.size() + f.len > message_max) {
        co_return co_await fail(close_too_big);
      }
      if (auto ec = co_await read_payload(f, message)) {
        co_return true;
      }
      if (!f.fin) continue;
      if (auto ec = co_await write_frame(message_op, message)) {
        co_return true;
      }
      message.clear();
      message_op = 0;
    }
  }

private:
  struct frame {
    bool fin = false;
    bool rsv = false;
    bool masked = false;
    std::uint8_t op = 0;
    std::uint64_t len = 0;
    std::array<std::uint8_t, 4> mask{};
  };

  // Makes at least n bytes available in buffer_.
  net::awaitable<error_code> fill(std::size_t n) {
    while (buffer_.size() < n) {
      auto [ec, got] = co_await stream_.async_read_some(buffer_.prepare(64 * 1024), tuple_awaitable);
      if (ec) {
        co_return ec;
      }
      buffer_.commit(got);
    }
    co_return error_code{};
  }

  std::uint64_t take_be(std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(buffer_.data().data());
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    buffer_.consume(n);
    return v;
  }

  net::awaitable<error_code> read_head(frame& f) {
    if (auto ec = co_await fill(2)) {
      co_return ec;
    }
    const auto b = static_cast<std::uint16_t>(take_be(2));
    f.fin = (b & 0x8000) != 0;
    f.rsv = (b & 0x7000) != 0;
    f.op = static_cast<std::uint8_t>((b >> 8) & 0x0f);
    f.masked = (b & 0x80) != 0;
    f.len = b & 0x7f;
    const std::size_t ext = f.len == 126 ? 2 : f.len == 127 ? 8 : 0;
    const std::size_t rest = ext + (f.masked ? 4 : 0);
    if (auto ec = co_await fill(rest)) {
      co_return ec;
    }
    if (ext != 0) f.len = take_be(ext);
    if (f.masked) {
      std::memcpy(f.mask.data(), buffer_.data().data(), 4);
      buffer_.consume(4);
    }
    co_return error_code{};
  }

  // Appends the frame's unmasked payload to dest: first what is buffered,
  // then straight from the socket so a 64 MiB message is held only once.
  net::awaitable<error_code> read_payload(const frame& f, std::string& dest) {
    const std::size_t start = dest.size();
    const auto len = static_cast<std::size_t>(f.len);
    dest.resize(start + len);
    const std::size_t buffered = std::min(len, buffer_.size());
    std::memcpy(dest.data() + start, buffer_.data().data(), buffered);
    buffer_.consume(buffered);
    if (buffered < len) {
      auto [ec, n] = co_await net::async_read(
          stream_, net::buffer(dest.data() + start + buffered, len - buffered), tuple_awaitable);
      if (ec) {
        co_return ec;
      }
    }
    for (std::size_t i = 0; i < len; ++i) dest[start + i] = static_cast<char>(dest[start + i] ^ f.mask[i % 4]);
    co_return error_code{};
  }

  net::awaitable<error_code> write_frame(std::uint8_t op, std::string_view payload) {
    std::array<std::uint8_t, 10> head{};
    std::size_t head_size = 2;
    head[0] = static_cast<std::uint8_t>(0x80 | op);
    if (payload.size() < 126) {
      head[1] = static_cast<std::uint8_t>(payload.size());
    } else if (payload.size() <= 0xffff) {
      head[1] = 126;
      head_size = 4;
    } else {
      head[1] = 127;
      head_size = 10;
    }
    for (std::size_t i = 2; i < head_size; ++i)
      head[i] = static_cast<std::uint8_t>(payload.size() >> (8 * (head_size - 1 - i)));
    const std::array<net::const_buffer, 2> buffers{net::buffer(head.data(), head_size),
                                                   net::buffer(payload)};
    auto [ec, n] = co_await net::async_write(stream_, buffers, tuple_awaitable);
    co_return ec;
  }

  // Sends our close frame with the given payload, then lets the peer finish:
  // it sends its close (or has sent it) and closes the TCP connection.
  net::awaitable<bool> finish(std::string_view close_payload) {
    if (auto ec = co_await write_frame(op_close, close_payload)) {
      co_return true;
    }
    error_code ignored;
    stream_.socket().shutdown(net::socket_base::shutdown_send, ignored);
    stream_.expires_after(closing_timeout);
    std::array<char, 4096> scratch;
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(net::buffer(scratch), tuple_awaitable);
      if (ec) {
        co_return true;
      }
    }
  }

  net::awaitable<bool> fail(close_code code) {
    const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    const std::string_view view(payload, 2);
    co_return co_await finish(view);
  }

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
};

}  // namespace

bool is_websocket_upgrade(const request_parser& req) {
  return req.method() == http::verb::get && req.version() == 11 &&
         has_token(req.header("Upgrade").value_or(""), "websocket") &&
         has_token(req.header("Connection").value_or(""), "upgrade") &&
         req.header("Sec-WebSocket-Version") == "13" && req.header("Sec-WebSocket-Key");
}

net::awaitable<bool> serve_websocket(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     const request_parser& req) {
  http::response<http::empty_body> res{http::status::switching_protocols, 11};
  res.set(http::field::server, "warren-test-origin");
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  res.set(http::field::sec_websocket_accept, accept_key(*req.header("Sec-WebSocket-Key")));
  // Echo the first offered subprotocol so tests can see it pass through.
  if (auto protocols = req.header("Sec-WebSocket-Protocol")) {
    auto first = protocols->substr(0, protocols->find(','));
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    res.set(http::field::sec_websocket_protocol, first);
  }
  auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
  if (ec) {
    co_return true;
  }
  stream.expires_never();
  co_return co_await ws_echo(stream, buffer).run();
}

}  // namespace warren::test
