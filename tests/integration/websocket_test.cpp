// Public WebSocket upgrades through a real tunnel: a Beast client talks to
// ws://NAME.localhost:GW/ws, the gateway hands the upgrade to the warren
// client as a raw stream, and the test origin's /ws echo answers. Every
// message must come back whole, with its type, and the close code and reason
// must travel both ways.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "asio_names.hpp"
#include "harness.hpp"
#include "socket_deadline.hpp"

namespace warren::test {
namespace {

std::string pattern_string(std::size_t n, std::uint64_t offset = 0) {
  std::string s(n, '\0');
  fill_pattern(offset, s);
  return s;
}

class websocket_test : public ::testing::Test {
protected:
  std::string host() const { return client_.name + ".localhost:" + std::to_string(gateway_.port); }

  // TCP to 127.0.0.1:GW, Host NAME.localhost:GW, target /ws.
  void open(websocket::stream<tcp::socket>& ws, websocket::response_type& res,
            std::string subprotocols = "") {
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), gateway_.port));
    // Beast writes a small frame as header + payload: without no_delay,
    // Nagle and delayed ACKs add ~40 ms to every ping-pong round trip.
    beast::get_lowest_layer(ws).set_option(tcp::no_delay(true));
    if (!subprotocols.empty())
      ws.set_option(websocket::stream_base::decorator([subprotocols](websocket::request_type& req) {
        req.set(http::field::sec_websocket_protocol, subprotocols);
      }));
    ws.read_message_max(64u * 1024 * 1024);
    ws.handshake(res, host(), "/ws");
  }

  // Writes one message and reads the echo; returns {payload, was_text}.
  static std::pair<std::string, bool> round_trip(websocket::stream<tcp::socket>& ws, const std::string& msg,
                                                 bool text) {
    ws.text(text);
    ws.write(net::buffer(msg));
    beast::flat_buffer buffer;
    ws.read(buffer);
    return {beast::buffers_to_string(buffer.data()), ws.got_text()};
  }

  temp_dir dir_;
  origin_process origin_ = start_origin();
  gateway_process gateway_ = start_gateway(dir_);
  client_process client_ = start_client(gateway_.port, origin_.port);
  net::io_context ioc_;
};

TEST_F(websocket_test, text_and_binary_messages_round_trip) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res, "chat, superchat"));
  socket_deadline deadline(ws.next_layer().native_handle(), 20s);
  EXPECT_EQ(res.result_int(), 101);
  // The origin's choice of subprotocol comes back through the tunnel.
  EXPECT_EQ(res[http::field::sec_websocket_protocol], "chat");

  const std::string text = "hello through the tunnel, h\xc3\xa9llo w\xc3\xb6rld";
  auto [got, is_text] = round_trip(ws, text, true);
  EXPECT_EQ(got, text);
  EXPECT_TRUE(is_text);

  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  binary += std::string("\0\r\n\r\n\0", 6);
  std::tie(got, is_text) = round_trip(ws, binary, false);
  EXPECT_EQ(got, binary);
  EXPECT_FALSE(is_text);

  // Empty messages are messages too.
  std::tie(got, is_text) = round_trip(ws, "", true);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(is_text);

  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(deadline.fired());
}

TEST_F(websocket_test, five_mib_binary_message_round_trips) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res));
  socket_deadline deadline(ws.next_layer().native_handle(), 40s);

  const std::string big = pattern_string(5u * 1024 * 1024);
  ws.auto_fragment(false);  // one 5 MiB frame
  const auto [got, is_text] = round_trip(ws, big, false);
  EXPECT_FALSE(is_text);
  ASSERT_EQ(got.size(), big.size());
  EXPECT_EQ(sha256_hex(got), sha256_hex(big));

  // And once more, fragmented into 64 KiB frames, on the same connection.
  ws.auto_fragment(true);
  ws.write_buffer_bytes(64 * 1024);
  const std::string big2 = pattern_string(5u * 1024 * 1024, 12345);
  const auto [got2, is_text2] = round_trip(ws, big2, false);
  EXPECT_FALSE(is_text2);
  ASSERT_EQ(got2.size(), big2.size());
  EXPECT_EQ(sha256_hex(got2), sha256_hex(big2));

  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(deadline.fired());
}

TEST_F(websocket_test, fragmented_message_arrives_whole) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res));
  socket_deadline deadline(ws.next_layer().native_handle(), 20s);

  // Explicit continuation frames: a text message in three pieces, with a
  // pause between them so they cross the tunnel as separate chunks.
  ws.text(true);
  const std::vector<std::string> pieces{"first piece, ", "second piece (\xc3\xa9), ", "last piece"};
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    ws.write_some(i + 1 == pieces.size(), net::buffer(pieces[i]));
    std::this_thread::sleep_for(50ms);
  }
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), pieces[0] + pieces[1] + pieces[2]);

  // Automatic fragmentation into many small frames (1 KiB masking buffer).
  ws.auto_fragment(true);
  ws.write_buffer_bytes(1024);
  const std::string msg = pattern_string(300 * 1024, 777);
  const auto [got, is_text] = round_trip(ws, msg, false);
  EXPECT_FALSE(is_text);
  ASSERT_EQ(got.size(), msg.size());
  EXPECT_EQ(got, msg);

  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(deadline.fired());
}

TEST_F(websocket_test, fifty_messages_back_and_forth) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res));
  socket_deadline deadline(ws.next_layer().native_handle(), 30s);

  // Ping-pong: one message out, its echo back, 50 times, alternating types
  // and varying sizes.
  for (int i = 0; i < 50; ++i) {
    const bool text = i % 2 == 0;
    const std::string msg = text ? "message " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 37, 'x')
                                 : pattern_string(static_cast<std::size_t>(i) * 1021 + 1, static_cast<std::uint64_t>(i));
    const auto [got, is_text] = round_trip(ws, msg, text);
    ASSERT_EQ(got, msg) << "message " << i;
    ASSERT_EQ(is_text, text) << "message " << i;
  }

  // Pipelined: 50 messages written before any echo is read; they must come
  // back complete and in order.
  for (int i = 0; i < 50; ++i) {
    ws.text(true);
    ws.write(net::buffer("pipelined " + std::to_string(i)));
  }
  for (int i = 0; i < 50; ++i) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    ASSERT_EQ(beast::buffers_to_string(buffer.data()), "pipelined " + std::to_string(i));
  }

  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(deadline.fired());
}

TEST_F(websocket_test, close_code_and_reason_come_back) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res));
  socket_deadline deadline(ws.next_layer().native_handle(), 20s);

  const auto [got, is_text] = round_trip(ws, "before closing", true);
  EXPECT_EQ(got, "before closing");

  websocket::close_reason bye;
  bye.code = 4001;
  bye.reason = "done with the tunnel";
  // close() sends ours, reads the peer's close frame and waits for the TCP
  // close, all through the gateway.
  ASSERT_NO_THROW(ws.close(bye));
  EXPECT_EQ(ws.reason().code, 4001);
  EXPECT_EQ(std::string(ws.reason().reason.c_str()), "done with the tunnel");
  EXPECT_FALSE(deadline.fired());

  // The tunnel is still good for ordinary requests and new upgrades.
  const auto r = run_curl({"-m", "10", client_.url + "/echo"});
  EXPECT_EQ(r.status, 200) << r.stderr_text;
  websocket::stream<tcp::socket> again(ioc_);
  ASSERT_NO_THROW(open(again, res));
  socket_deadline deadline2(again.next_layer().native_handle(), 20s);
  EXPECT_EQ(round_trip(again, "again", true).first, "again");
  again.close(websocket::close_code::normal);
}

TEST_F(websocket_test, ping_from_the_public_client_gets_its_pong) {
  websocket::stream<tcp::socket> ws(ioc_);
  websocket::response_type res;
  ASSERT_NO_THROW(open(ws, res));
  socket_deadline deadline(ws.next_layer().native_handle(), 20s);

  std::vector<std::string> pongs;
  ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong) pongs.emplace_back(payload);
  });
  ws.ping(websocket::ping_data("are you there"));
  // The origin answers the ping before it echoes the message that follows.
  EXPECT_EQ(round_trip(ws, "after the ping", true).first, "after the ping");
  EXPECT_EQ(pongs, std::vector<std::string>{"are you there"});
  ws.close(websocket::close_code::normal);
  EXPECT_FALSE(deadline.fired());
}

TEST_F(websocket_test, upgrade_refused_by_the_local_server_passes_through) {
  // The origin answers a plain GET /ws (no upgrade headers) with 400; with
  // upgrade headers to an unknown path it answers without 101. The public
  // client must see the origin's answer, not a gateway error.
  websocket::stream<tcp::socket> ws(ioc_);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), gateway_.port));
  socket_deadline deadline(ws.next_layer().native_handle(), 20s);
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, host(), "/no-such-endpoint", ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined) << ec.message();
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_FALSE(deadline.fired());
}

}  // namespace
}  // namespace warren::test
