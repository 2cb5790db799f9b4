// concurrent_requests: a small Beast client, one coroutine per connection on
// a single-threaded io_context (no strands needed).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "asio_names.hpp"
#include "harness.hpp"

namespace warren::test {

namespace {

struct load_plan {
  tcp::endpoint endpoint;
  std::string host;
  std::string target;
  std::chrono::milliseconds timeout;
  std::vector<int> statuses;
  std::size_t next = 0;
};

// Reads one response, discarding its body; returns its status, 0 on error.
net::awaitable<int> read_response(beast::tcp_stream& stream, beast::flat_buffer& buffer, bool& keep_alive) {
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
  if (ec) {
    co_return 0;
  }
  std::array<char, 64 * 1024> scratch;
  while (!parser.is_done()) {
    parser.get().body().data = scratch.data();
    parser.get().body().size = scratch.size();
    std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (ec && ec != http::error::need_buffer) {
      co_return 0;
    }
  }
  keep_alive = parser.keep_alive();
  co_return parser.get().result_int();
}

net::awaitable<void> load_worker(load_plan& plan) {
  auto executor = co_await net::this_coro::executor;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  while (plan.next < plan.statuses.size()) {
    const std::size_t i = plan.next++;
    if (!stream) {
      stream.emplace(executor);
      buffer.clear();
      stream->expires_after(plan.timeout);
      auto [ec] = co_await stream->async_connect(plan.endpoint, tuple_awaitable);
      if (ec) {
        stream.reset();
        continue;
      }
      stream->socket().set_option(tcp::no_delay(true), ec);
    }
    http::request<http::empty_body> req{http::verb::get, plan.target, 11};
    req.set(http::field::host, plan.host);
    req.set(http::field::user_agent, "warren-test-load");
    stream->expires_after(plan.timeout);
    auto [ec, n] = co_await http::async_write(*stream, req, tuple_awaitable);
    bool keep_alive = false;
    if (!ec) {
      plan.statuses[i] = co_await read_response(*stream, buffer, keep_alive);
    }
    if (plan.statuses[i] == 0 || !keep_alive) stream.reset();
  }
}

}  // namespace

std::vector<int> concurrent_requests(std::string host_header, std::uint16_t port, std::string target, int count,
                                     int concurrency, std::chrono::milliseconds timeout) {
  raise_fd_limit();
  net::io_context ioc(1);
  load_plan plan{tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port), std::move(host_header),
                 std::move(target), timeout, std::vector<int>(static_cast<std::size_t>(std::max(count, 0)), 0)};
  for (int w = 0; w < std::min(concurrency, count); ++w) {
    net::co_spawn(ioc, load_worker(plan), net::detached);
  }
  ioc.run();
  return plan.statuses;
}

}  // namespace warren::test
