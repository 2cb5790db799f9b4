#include "hostile_tunnel.hpp"

#include "protocol/frame.hpp"
#include "socket_deadline.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>

namespace warren::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct hostile_tunnel::impl {
  net::io_context ioc;
  websocket::stream<net::ip::tcp::socket> ws{ioc};
};

hostile_tunnel::hostile_tunnel(std::uint16_t port, const std::string& name) : impl_(std::make_unique<impl>()) {
  auto& ws = impl_->ws;
  beast::error_code ec;
  ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) throw std::runtime_error("connect: " + ec.message());
  socket_deadline deadline(ws.next_layer().native_handle(), std::chrono::seconds(20));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::sec_websocket_protocol, "warren.v1"); }));
  websocket::response_type res;
  ws.handshake(res, "localhost:" + std::to_string(port), "/_warren/connect?name=" + name, ec);
  if (ec) throw std::runtime_error("upgrade: " + ec.message() + " (" + std::to_string(res.result_int()) + ")");
}

hostile_tunnel::~hostile_tunnel() {
  beast::error_code ignored;
  impl_->ws.next_layer().close(ignored);
}

bool hostile_tunnel::hello() {
  auto& ws = impl_->ws;
  socket_deadline deadline(ws.next_layer().native_handle(), std::chrono::seconds(20));
  const std::string hello =
      R"({"type":"hello","version":1,"client":"hostile","integrity":false,"stream_window":4194304,)"
      R"("connection_window":33554432})";
  beast::error_code ec;
  ws.text(true);
  ws.write(net::buffer(hello), ec);
  if (ec) return false;
  beast::flat_buffer buffer;
  ws.read(buffer, ec);
  ws.binary(true);
  return !ec && ws.got_text();
}

bool hostile_tunnel::send_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id,
                                const std::string& payload) {
  std::string message(proto::frame_header_size, '\0');
  proto::encode_header({static_cast<proto::frame_type>(type), flags, stream_id}, message.data());
  message += payload;
  beast::error_code ec;
  impl_->ws.write(net::buffer(message), ec);
  return !ec;
}

std::string hostile_tunnel::wait_closed(std::chrono::milliseconds limit, int& code) {
  auto& ws = impl_->ws;
  socket_deadline deadline(ws.next_layer().native_handle(), limit);
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    ws.read(buffer, ec);
    buffer.consume(buffer.size());
    if (ec) break;
  }
  code = ws.reason().code;
  return std::string(ws.reason().reason.c_str());
}

}  // namespace warren::test
