// Serialisation of heads and chunk framing, and the parse → serialize round
// trip that keeps webhook signatures over headers valid.
#include "http/message_parser.hpp"
#include "http/serialize.hpp"

#include <gtest/gtest.h>

#include <string>

namespace warren::http {
namespace {

namespace bhttp = boost::beast::http;

template <bool isRequest>
typename message_parser<isRequest>::head_type parse_head(const std::string& raw) {
    message_parser<isRequest> p;
    if constexpr (!isRequest) p.skip(true);  // heads only: no body expected here
    boost::system::error_code ec;
    const auto n = p.put(boost::asio::buffer(raw), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(n, raw.size());
    EXPECT_TRUE(p.is_header_done());
    return p.head();
}

TEST(http_serialize, request_round_trip_is_byte_for_byte) {
    for (const std::string& raw : {
             std::string("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n"),
             std::string("POST /hook?sig=abc%2F&x=%ZZ|y HTTP/1.1\r\nhost: A.Example.COM:8080\r\n"
                         "X-Hub-Signature-256: sha256=00ff\r\nx-custom: \xC3\xA9t\xC3\xA9\r\n"
                         "Cookie: a=1\r\nCookie: b=2\r\nContent-Length: 0\r\nX-Empty: \r\n\r\n"),
             std::string("OPTIONS * HTTP/1.0\r\n\r\n"),
             std::string(
                 "PROPFIND /dav/ HTTP/1.1\r\nHost: h\r\nDepth: 1\r\nUser-Agent: a\tb\r\n\r\n"),
         }) {
        // An empty value serialises as "Name: " so the round trip holds for it too.
        EXPECT_EQ(serialize_head(parse_head<true>(raw)), raw);
    }
}

TEST(http_serialize, response_round_trip_keeps_order_case_and_duplicates) {
    const std::string raw =
        "HTTP/1.1 302 Found It Elsewhere\r\nset-cookie: a=1; Path=/\r\nLocation: /x\r\n"
        "Set-Cookie: b=2; HttpOnly\r\nSET-COOKIE: c=3\r\nVary: Accept, Cookie\r\n\r\n";
    const auto head = parse_head<false>(raw);
    EXPECT_EQ(head.headers.size(), 5u);
    EXPECT_EQ(serialize_head(head), raw);
    const std::string old = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n";
    EXPECT_EQ(serialize_head(parse_head<false>(old)), old);
}

TEST(http_serialize, request_head) {
    request_head h;
    h.method = "DELETE";
    h.target = "/items/7";
    h.headers = {{"Host", "a"}, {"X-B", "1"}, {"x-b", "2"}};
    EXPECT_EQ(serialize_head(h), "DELETE /items/7 HTTP/1.1\r\nHost: a\r\nX-B: 1\r\nx-b: 2\r\n\r\n");
    h.version = 10;
    h.headers.clear();
    EXPECT_EQ(serialize_head(h), "DELETE /items/7 HTTP/1.0\r\n\r\n");
}

TEST(http_serialize, response_reason_defaults_to_standard_phrase) {
    response_head h;
    h.status = 404;
    EXPECT_EQ(serialize_head(h), "HTTP/1.1 404 Not Found\r\n\r\n");
    h.reason = "Nope";
    EXPECT_EQ(serialize_head(h), "HTTP/1.1 404 Nope\r\n\r\n");
    h.status = 299;
    h.reason.clear();
    EXPECT_EQ(serialize_head(h), "HTTP/1.1 299 \r\n\r\n");
    h.status = 101;
    h.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    EXPECT_EQ(
        serialize_head(h),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
}

TEST(http_serialize, chunk_framing) {
    EXPECT_EQ(chunk_header(1), "1\r\n");
    EXPECT_EQ(chunk_header(0x1a2b), "1a2b\r\n");
    EXPECT_EQ(chunk_header(65536), "10000\r\n");
    EXPECT_EQ(chunk_header(SIZE_MAX), std::string(2 * sizeof(std::size_t), 'f') + "\r\n");
    EXPECT_EQ(last_chunk({}), "0\r\n\r\n");
    EXPECT_EQ(last_chunk({{"X-Checksum", "abc"}, {"grpc-status", "0"}}),
              "0\r\nX-Checksum: abc\r\ngrpc-status: 0\r\n\r\n");
    EXPECT_EQ(chunk_crlf, "\r\n");
}

TEST(http_serialize, chunked_output_parses_back) {
    const std::string wire = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk_header(3) + "abc" + std::string(chunk_crlf) + chunk_header(12) +
                             "hello world!" + std::string(chunk_crlf) + last_chunk({{"X-T", "1"}});
    message_parser<true> p;
    char body[64];
    p.set_body_buffer(body, sizeof body);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!p.is_done() && !ec)
        used += p.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(used, wire.size());
    EXPECT_EQ(std::string(body, p.body_buffered()), "abchello world!");
    EXPECT_EQ(p.trailers(), (header_list{{"X-T", "1"}}));
}

}  // namespace
}  // namespace warren::http
