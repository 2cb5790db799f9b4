// The strict HTTP/1.x parser: every framing rule of DESIGN.md "Limits and
// safety", fed whole and one byte at a time, plus the coroutine reads over a
// beast::test::stream.
#include "http/error.hpp"
#include "http/message_parser.hpp"
#include "http/read.hpp"
#include "http/serialize.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace warren::http {
namespace {

using namespace std::string_literals;
using boost::system::error_code;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

constexpr std::size_t whole = std::string::npos;

template <bool isRequest>
struct parse_result {
    error_code ec;
    typename message_parser<isRequest>::head_type head;
    std::string body;
    header_list trailers;
    std::string leftover;  // input after the message
    bool done = false;
    bool chunked = false;
};

// Drives put() the way the async reads do: feeds `step` new bytes whenever the
// parser needs more, drains the body through a buffer of `body_buffer` bytes,
// and signals EOF when the input is exhausted.
template <bool isRequest>
parse_result<isRequest> parse(std::string_view input, std::size_t step = whole,
                              std::size_t body_buffer = 64 * 1024, const parser_limits& limits = {},
                              bool head_response = false) {
    parse_result<isRequest> r;
    message_parser<isRequest> p(limits);
    if (head_response) p.skip(true);
    std::vector<char> buffer(body_buffer);
    p.set_body_buffer(buffer.data(), buffer.size());
    std::string pending;
    std::size_t fed = 0;
    bool need_input = true;
    while (!p.is_done()) {
        if (need_input) {
            if (fed == input.size()) {
                if (!p.got_some() && pending.empty())
                    r.ec = bhttp::error::end_of_stream;
                else
                    p.put_eof(r.ec);
                break;
            }
            const auto n = std::min(step, input.size() - fed);
            pending.append(input.substr(fed, n));
            fed += n;
            need_input = false;
        }
        error_code ec;
        pending.erase(0, p.put(net::buffer(pending), ec));
        r.body.append(buffer.data(), p.body_buffered());
        p.set_body_buffer(buffer.data(), buffer.size());
        if (ec == bhttp::error::need_more) {
            need_input = true;
        } else if (ec == bhttp::error::need_buffer) {
            continue;
        } else if (ec) {
            r.ec = ec;
            break;
        } else if (pending.empty()) {
            need_input = true;
        }
    }
    r.done = p.is_done();
    if (p.is_header_done()) r.chunked = p.body_chunked();
    r.head = p.head();
    r.trailers = p.trailers();
    r.leftover = pending + std::string(input.substr(fed));
    return r;
}

struct request_case {
    const char* name;
    std::string raw;
    error_code expected;
    parser_limits limits = {};
};

void PrintTo(const request_case& c, std::ostream* os) {
    *os << c.name;
}

const error_code ok{};

std::vector<request_case> request_cases() {
    const std::string host = "Host: a.example.com\r\n";
    parser_limits small_trailers;
    small_trailers.trailer_bytes = 17;  // exactly "X-A: 12345678\r\n\r\n"
    parser_limits small_body;
    small_body.body_bytes = 4;
    return {
        // accepted
        {"simple get", "GET / HTTP/1.1\r\n" + host + "\r\n", ok},
        {"post with content-length",
         "POST /x HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", ok},
        {"chunked post",
         "POST /x HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         ok},
        {"http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", ok},
        {"options asterisk", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", ok},
        {"absolute-form matching host",
         "GET http://a.example.com/x?y HTTP/1.1\r\nHost: A.Example.com\r\n\r\n", ok},
        {"absolute-form with port",
         "GET https://a.example.com:8443/ HTTP/1.1\r\nHost: a.example.com:8443\r\n\r\n", ok},
        {"one leading empty line", "\r\nGET / HTTP/1.1\r\n" + host + "\r\n", ok},
        {"te with ows and empty element",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: , Chunked \r\n\r\n0\r\n\r\n", ok},
        {"tab and obs-text in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\tb \xC3\xA9\r\n\r\n",
         ok},
        {"empty value", "GET / HTTP/1.1\r\n" + host + "X-Empty:\r\n\r\n", ok},
        {"unknown method", "PROPFIND /d HTTP/1.1\r\n" + host + "\r\n", ok},
        {"content-length with ows", "POST / HTTP/1.1\r\n" + host + "Content-Length:  2 \r\n\r\nab",
         ok},
        {"chunk extensions",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n2;a=b;c=\"d\"\r\nab\r\n0;z\r\n\r\n",
         ok},
        // Content-Length / Transfer-Encoding
        {"cl then te",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
         http_error::bad_framing},
        {"te then cl",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
         http_error::bad_framing},
        {"te gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te gzip, chunked",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te chunked, gzip",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te chunked twice in one field",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te chunked in two fields",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te chunked with parameter",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;q=1\r\n\r\n",
         http_error::bad_transfer_encoding},
        {"te in http/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         http_error::transfer_encoding_http10},
        {"duplicate equal content-length",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 1\r\n\r\na",
         http_error::duplicate_content_length},
        {"duplicate different content-length",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
         http_error::duplicate_content_length},
        {"content-length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1, 1\r\n\r\na",
         http_error::bad_content_length},
        {"content-length empty", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n",
         http_error::bad_content_length},
        {"content-length plus sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\na",
         http_error::bad_content_length},
        {"content-length negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n",
         http_error::bad_content_length},
        {"content-length non-digit", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1a\r\n\r\n",
         http_error::bad_content_length},
        {"content-length hex", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x10\r\n\r\n",
         http_error::bad_content_length},
        {"content-length overflow",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 18446744073709551616\r\n\r\n",
         http_error::bad_content_length},
        // line syntax
        {"obs-fold with space", "GET / HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n",
         http_error::obs_fold},
        {"obs-fold with tab", "GET / HTTP/1.1\r\n" + host + "X-A: a\r\n\tb\r\n\r\n",
         http_error::obs_fold},
        {"whitespace after request line", "GET / HTTP/1.1\r\n " + host + "\r\n",
         http_error::obs_fold},
        {"bare lf after field", "GET / HTTP/1.1\r\nHost: a.example.com\n\r\n",
         http_error::bad_line_ending},
        {"bare lf after request line", "GET / HTTP/1.1\nHost: a.example.com\r\n\r\n",
         http_error::bad_line_ending},
        {"bare lf head end", "GET / HTTP/1.1\r\nHost: a.example.com\r\n\n",
         http_error::bad_line_ending},
        {"bare cr in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n",
         http_error::bad_line_ending},
        {"bare cr in name", "GET / HTTP/1.1\r\n" + host + "X\rA: a\r\n\r\n",
         http_error::bad_line_ending},
        {"bare cr in request line", "GET /\r HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_line_ending},
        {"nul in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\0b\r\n\r\n"s,
         http_error::bad_header},
        {"nul in name", "GET / HTTP/1.1\r\n" + host + "X\0A: a\r\n\r\n"s, http_error::bad_header},
        {"control char in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\x01z\r\n\r\n",
         http_error::bad_header},
        {"del in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\x7fz\r\n\r\n",
         http_error::bad_header},
        {"space before colon", "GET / HTTP/1.1\r\nHost : a.example.com\r\n\r\n",
         http_error::whitespace_before_colon},
        {"tab before colon", "GET / HTTP/1.1\r\n" + host + "X-A\t: a\r\n\r\n",
         http_error::whitespace_before_colon},
        {"no colon", "GET / HTTP/1.1\r\n" + host + "X-A a\r\n\r\n", http_error::bad_header},
        {"empty name", "GET / HTTP/1.1\r\n" + host + ": a\r\n\r\n", http_error::bad_header},
        {"separator in name", "GET / HTTP/1.1\r\n" + host + "X(A): a\r\n\r\n",
         http_error::bad_header},
        // request line, target, version, host
        {"bad method char", "GE@T / HTTP/1.1\r\n" + host + "\r\n", http_error::bad_request_line},
        {"two empty lines before request", "\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_request_line},
        {"double space before target", "GET  / HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"relative target", "GET a/b HTTP/1.1\r\n" + host + "\r\n", http_error::bad_target},
        {"asterisk with get", "GET * HTTP/1.1\r\n" + host + "\r\n", http_error::bad_target},
        {"absolute-form other host", "GET http://b.example.com/ HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"absolute-form other port", "GET http://a.example.com:81/ HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"absolute-form with userinfo", "GET http://u@a.example.com/ HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"absolute-form ftp", "GET ftp://a.example.com/ HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"absolute-form without host", "GET http://a.example.com/ HTTP/1.0\r\n\r\n",
         http_error::bad_target},
        {"authority-form", "GET a.example.com:443 HTTP/1.1\r\n" + host + "\r\n",
         http_error::bad_target},
        {"connect", "CONNECT a.example.com:443 HTTP/1.1\r\nHost: a.example.com:443\r\n\r\n",
         http_error::method_not_allowed},
        {"http/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", http_error::bad_version},
        {"http/0.9", "GET / HTTP/0.9\r\n" + host + "\r\n", http_error::bad_version},
        {"http/1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", http_error::bad_version},
        {"lowercase version", "GET / http/1.1\r\n" + host + "\r\n", http_error::bad_version},
        {"missing host in 1.1", "GET / HTTP/1.1\r\nX-A: a\r\n\r\n", http_error::missing_host},
        {"two hosts", "GET / HTTP/1.1\r\n" + host + "host: b.example.com\r\n\r\n",
         http_error::duplicate_host},
        {"two equal hosts", "GET / HTTP/1.1\r\n" + host + host + "\r\n",
         http_error::duplicate_host},
        {"host with userinfo", "GET / HTTP/1.1\r\nHost: u@a.example.com\r\n\r\n",
         http_error::bad_host},
        {"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", http_error::bad_host},
        {"host with path", "GET / HTTP/1.1\r\nHost: a.example.com/x\r\n\r\n", http_error::bad_host},
        {"empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", http_error::bad_host},
        // chunked framing and trailers
        {"chunk line too long",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;a=" +
             std::string(5000, 'x') + "\r\nz\r\n0\r\n\r\n",
         http_error::chunk_line_too_long},
        {"chunk size 17 hex digits",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n00000000000000001\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk size 16 hex digits",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0000000000000001\r\nz\r\n0\r\n\r\n",
         ok},
        {"chunk size not hex",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk size with sign",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n+1\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk data longer than size",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\nzz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk line bare lf",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\nz\r\n0\r\n\r\n",
         http_error::bad_line_ending},
        {"chunk extension bare cr",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n1;a\rb\r\nz\r\n0\r\n\r\n",
         http_error::bad_line_ending},
        {"chunk extension malformed",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;=\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"trailer content-length",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n",
         http_error::forbidden_trailer},
        {"trailer transfer-encoding",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\ntransfer-encoding: chunked\r\n\r\n",
         http_error::forbidden_trailer},
        {"trailer host",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nHost: b.example.com\r\n\r\n",
         http_error::forbidden_trailer},
        {"trailer trailer",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nTrailer: X\r\n\r\n",
         http_error::forbidden_trailer},
        {"trailer obs-fold",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: a\r\n b\r\n\r\n",
         http_error::obs_fold},
        {"trailer bare lf",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: a\n\r\n",
         http_error::bad_line_ending},
        {"trailer nul",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: \0\r\n\r\n"s,
         http_error::bad_header},
        {"trailer within limit",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: 12345678\r\n\r\n",
         ok, small_trailers},
        {"trailers over limit",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: 123456789\r\n\r\n",
         http_error::trailer_too_large, small_trailers},
        {"content-length over body limit",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello",
         http_error::body_too_large, small_body},
        {"chunked over body limit",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
         http_error::body_too_large, small_body},
        {"truncated body", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhel",
         bhttp::error::partial_message},
        // '_' spellings of framing and forwarding fields (CGI reads them as '-')
        {"transfer_encoding alias",
         "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nTransfer_Encoding: chunked\r\n\r\nz",
         http_error::field_name_alias},
        {"content_length alias", "POST / HTTP/1.1\r\n" + host + "content_length: 1\r\n\r\n",
         http_error::field_name_alias},
        {"x_forwarded_for alias", "GET / HTTP/1.1\r\n" + host + "X_Forwarded_For: 1.2.3.4\r\n\r\n",
         http_error::field_name_alias},
        {"ordinary underscore name", "GET / HTTP/1.1\r\n" + host + "X_Custom_Name: 1\r\n\r\n", ok},
        {"trailer content_length alias",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n0\r\nContent_Length: 5\r\n\r\n",
         http_error::field_name_alias},
        // chunk extension grammar: whitespace only before ';' or '='
        {"chunk size trailing space",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1 \r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk size inner space",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1 0\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk extension trailing space",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;a \r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk extension empty",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;;a\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk extension unclosed quote",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;a=\"b\r\nz\r\n0\r\n\r\n",
         http_error::bad_chunk},
        {"chunk extension bws around =",
         "POST / HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\n1 ; a = b ;c=\"d\\\"e\"\r\nz\r\n0\r\n\r\n",
         ok},
        // a bare CR is refused as soon as the byte after it is seen, not at a timeout
        {"bare cr with no line end yet", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb", http_error::bad_line_ending},
        {"bare cr in request line, no lf", "GET /\rx HTTP/1.1", http_error::bad_line_ending},
        {"bare cr in chunk line, no lf",
         "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\rz",
         http_error::bad_line_ending},
    };
}

class request_table : public ::testing::TestWithParam<request_case> {};

TEST_P(request_table, whole_buffer) {
    const auto& c = GetParam();
    const auto r = parse<true>(c.raw, whole, 64 * 1024, c.limits);
    EXPECT_EQ(r.ec, c.expected) << r.ec.message();
    EXPECT_EQ(r.done, !c.expected);
}

TEST_P(request_table, one_byte_at_a_time) {
    const auto& c = GetParam();
    const auto r = parse<true>(c.raw, 1, 1, c.limits);
    EXPECT_EQ(r.ec, c.expected) << r.ec.message();
    EXPECT_EQ(r.done, !c.expected);
}

INSTANTIATE_TEST_SUITE_P(strict, request_table, ::testing::ValuesIn(request_cases()),
                         [](const ::testing::TestParamInfo<request_case>& info) {
                             std::string name;
                             for (const char c : std::string_view(info.param.name))
                                 name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c
                                                                                            : '_');
                             return name;
                         });

TEST(http_parser, fills_request_head_as_received) {
    const auto r = parse<true>(
        "PROPFIND /a%20b?x=1&y=%ZZ|z HTTP/1.0\r\nhost: A.example.com\r\nX-Dup: 1\r\nx-dup:  2 "
        "\r\nSet-Cookie: a=1\r\n\r\n");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.head.method, "PROPFIND");
    EXPECT_EQ(r.head.target, "/a%20b?x=1&y=%ZZ|z");
    EXPECT_EQ(r.head.version, 10u);
    const header_list expected{
        {"host", "A.example.com"}, {"X-Dup", "1"}, {"x-dup", "2"}, {"Set-Cookie", "a=1"}};
    EXPECT_EQ(r.head.headers, expected);
}

TEST(http_parser, content_length_body_with_tiny_buffers) {
    const std::string raw = "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world";
    for (const std::size_t step : {whole, std::size_t{1}, std::size_t{3}}) {
        for (const std::size_t buffer : {std::size_t{1}, std::size_t{4}, std::size_t{1024}}) {
            const auto r = parse<true>(raw, step, buffer);
            ASSERT_FALSE(r.ec) << r.ec.message();
            EXPECT_TRUE(r.done);
            EXPECT_FALSE(r.chunked);
            EXPECT_EQ(r.body, "hello world");
        }
    }
}

TEST(http_parser, chunked_body_with_extensions_and_trailers) {
    const std::string raw =
        "POST /hook HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: "
        "X-Checksum\r\n\r\n"
        "5;name=value;q=\"a \\\" b\"\r\nhello\r\n"
        "1\r\n \r\n"
        "A ; ext\r\n0123456789\r\n"
        "0;last=1\r\nX-Checksum: abc\r\nX-Other:  d e \r\n\r\n"
        "GET /next";
    for (const std::size_t step : {whole, std::size_t{1}, std::size_t{7}}) {
        for (const std::size_t buffer : {std::size_t{1}, std::size_t{2}, std::size_t{64}}) {
            SCOPED_TRACE("step " + std::to_string(step) + " buffer " + std::to_string(buffer));
            const auto r = parse<true>(raw, step, buffer);
            ASSERT_FALSE(r.ec) << r.ec.message();
            EXPECT_TRUE(r.done);
            EXPECT_TRUE(r.chunked);
            EXPECT_EQ(r.body, "hello 0123456789");
            const header_list trailers{{"X-Checksum", "abc"}, {"X-Other", "d e"}};
            EXPECT_EQ(r.trailers, trailers);
            EXPECT_EQ(r.head.headers.size(), 3u);  // trailers do not leak into the head
            EXPECT_EQ(r.leftover, "GET /next");
        }
    }
}

TEST(http_parser, body_buffer_pauses_and_resumes) {
    message_parser<true> p;
    const std::string raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabcdef";
    error_code ec;
    std::size_t used = p.put(net::buffer(raw), ec);
    ASSERT_FALSE(ec);
    ASSERT_TRUE(p.is_header_done());
    ASSERT_FALSE(p.is_done());
    EXPECT_EQ(p.content_length().value_or(0), 6u);

    // No buffer yet: the parser pauses without consuming.
    EXPECT_EQ(p.put(net::buffer(raw.data() + used, raw.size() - used), ec), 0u);
    EXPECT_EQ(ec, bhttp::error::need_buffer);

    char buf[4];
    p.set_body_buffer(buf, sizeof buf);
    used += p.put(net::buffer(raw.data() + used, raw.size() - used), ec);
    EXPECT_EQ(ec, bhttp::error::need_buffer);
    EXPECT_EQ(p.body_buffered(), 4u);
    EXPECT_EQ(std::string(buf, 4), "abcd");

    p.set_body_buffer(buf, sizeof buf);
    EXPECT_EQ(p.body_buffered(), 0u);
    used += p.put(net::buffer(raw.data() + used, raw.size() - used), ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(p.body_buffered(), 2u);
    EXPECT_EQ(std::string(buf, 2), "ef");
    EXPECT_TRUE(p.is_done());
    EXPECT_EQ(used, raw.size());
}

TEST(http_parser, header_too_large_at_the_limit) {
    const std::string head =
        "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
    parser_limits exact;
    exact.header_bytes = head.size();
    parser_limits one_less;
    one_less.header_bytes = head.size() - 1;
    for (const std::size_t step : {whole, std::size_t{1}, std::size_t{16}}) {
        EXPECT_FALSE(parse<true>(head, step, 1024, exact).ec);
        EXPECT_EQ(parse<true>(head, step, 1024, one_less).ec, http_error::header_too_large);
    }
    // Refused as soon as the limit is passed, without waiting for the end.
    message_parser<true> p(one_less);
    error_code ec;
    const std::string endless = "GET / HTTP/1.1\r\nX-Pad: " + std::string(head.size(), 'p');
    p.put(net::buffer(endless), ec);
    EXPECT_EQ(ec, http_error::header_too_large);
    EXPECT_EQ(status_for(ec), 431u);
}

TEST(http_parser, eof_before_request_is_end_of_stream) {
    EXPECT_EQ(parse<true>("").ec, bhttp::error::end_of_stream);
    EXPECT_EQ(parse<true>("GET / HT").ec, bhttp::error::partial_message);
}

TEST(http_parser, status_for_maps_errors) {
    EXPECT_EQ(status_for(http_error::header_too_large), 431u);
    EXPECT_EQ(status_for(http_error::body_too_large), 413u);
    EXPECT_EQ(status_for(http_error::method_not_allowed), 405u);
    EXPECT_EQ(status_for(http_error::bad_framing), 400u);
    EXPECT_EQ(status_for(bhttp::error::bad_field), 400u);
    EXPECT_EQ(status_for(bhttp::error::body_limit), 413u);
    EXPECT_EQ(status_for(bhttp::error::header_limit), 431u);
    EXPECT_EQ(status_for(net::error::eof), 0u);
    EXPECT_EQ(error_code(http_error::bad_framing).message(),
              "Content-Length together with Transfer-Encoding");
}

// --- responses -------------------------------------------------------------

TEST(http_parser, responses_without_body) {
    for (const char* raw :
         {"HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\nHTTP/1.1",
          "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1",
          "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1"}) {
        const auto r = parse<false>(raw);
        ASSERT_FALSE(r.ec) << raw << ": " << r.ec.message();
        EXPECT_TRUE(r.done);
        EXPECT_EQ(r.body, "");
        EXPECT_EQ(r.leftover, "HTTP/1.1");
    }
    // A response to HEAD announces a length it does not send.
    const auto head = parse<false>("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1", whole,
                                   1024, {}, true);
    ASSERT_FALSE(head.ec);
    EXPECT_TRUE(head.done);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.leftover, "HTTP/1.1");
    EXPECT_EQ(head.head.headers, (header_list{{"Content-Length", "10"}}));
}

TEST(http_parser, response_body_until_close) {
    const std::string raw = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this until close";
    for (const std::size_t step : {whole, std::size_t{1}}) {
        const auto r = parse<false>(raw, step, 3);
        ASSERT_FALSE(r.ec) << r.ec.message();
        EXPECT_TRUE(r.done);
        EXPECT_EQ(r.body, "all of this until close");
        EXPECT_EQ(r.head.status, 200u);
        EXPECT_EQ(r.head.reason, "OK");
        EXPECT_EQ(r.head.version, 10u);
    }
}

TEST(http_parser, strict_response_framing) {
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc").ec,
              http_error::bad_transfer_encoding);
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").ec,
              http_error::bad_transfer_encoding);
    EXPECT_EQ(
        parse<false>("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            .ec,
        http_error::bad_framing);
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na").ec,
              http_error::duplicate_content_length);
    EXPECT_EQ(parse<false>("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").ec,
              http_error::transfer_encoding_http10);
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n").ec, http_error::obs_fold);
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\nX: a\r\n\r\n").ec, http_error::bad_line_ending);
    EXPECT_EQ(parse<false>("HTTP/1.1 20 OK\r\n\r\n").ec, http_error::bad_status_line);
    EXPECT_EQ(parse<false>("HTTP/1.1 099 Odd\r\n\r\n").ec, http_error::bad_status_line);
    EXPECT_EQ(parse<false>("HTTP/1.1 600 High\r\n\r\n").ec, http_error::bad_status_line);
    EXPECT_EQ(parse<false>("HTTP/1.1 999 High\r\n\r\n").ec, http_error::bad_status_line);
    EXPECT_FALSE(parse<false>("HTTP/1.1 599 Edge\r\nContent-Length: 0\r\n\r\n").ec);
    EXPECT_EQ(parse<false>("HTTP/1.1 200 OK\r\nContent_Length: 0\r\n\r\n").ec,
              http_error::field_name_alias);
    EXPECT_EQ(parse<false>("HTTP/2 200 OK\r\n\r\n").ec, http_error::bad_version);
    EXPECT_EQ(
        parse<false>(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Type: x\r\n\r\n")
            .ec,
        http_error::forbidden_trailer);
    const auto empty_reason = parse<false>("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");
    ASSERT_FALSE(empty_reason.ec) << empty_reason.ec.message();
    EXPECT_EQ(empty_reason.head.reason, "");
}

// A malformed chunked body that arrives with the head is refused with the
// head, so the gateway never forwards a request it will then cut short.
TEST(http_parser, chunked_errors_with_the_head_refuse_the_head) {
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::pair<std::string, error_code> cases[] = {
        {"5\r\nhello\n0\r\n\r\n", http_error::bad_chunk},
        {"5\r\nhello\r\n0\n\r\n", http_error::bad_line_ending},
        {"5\r\nhelloGET / HTTP/1.1\r\n", http_error::bad_chunk},
        {"zz\r\n", http_error::bad_chunk},
        {"1;" + std::string(5000, 'a') + "\r\n", http_error::chunk_line_too_long},
        {"0\r\nContent-Length: 1\r\n\r\n", http_error::forbidden_trailer},
        {"0\r\nX: " + std::string(40 * 1024, 'a') + "\r\n\r\n", http_error::trailer_too_large},
        {"0\r\nX: a\rb", http_error::bad_line_ending},
    };
    for (const auto& [body, expected] : cases) {
        message_parser<true> p;
        const std::string raw = head + body;
        error_code ec;
        p.put(net::buffer(raw), ec);
        EXPECT_EQ(ec, expected) << body.substr(0, 40);
        EXPECT_FALSE(p.is_header_done()) << body.substr(0, 40);
    }
    // What is not here yet, or is valid, leaves the head accepted.
    for (const std::string body : {"5\r\nhel", "5\r\nhello\r", "5\r\nhello\r\n0\r\n\r\nGARBAGE", "1;a=b"}) {
        message_parser<true> p;
        const std::string raw = head + body;
        error_code ec;
        p.put(net::buffer(raw), ec);
        EXPECT_FALSE(ec) << body << ": " << ec.message();
        EXPECT_TRUE(p.is_header_done()) << body;
    }
}

TEST(http_parser, continue_then_final_response) {
    const std::string raw =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const auto interim = parse<false>(raw);
    ASSERT_FALSE(interim.ec);
    EXPECT_TRUE(interim.done);
    EXPECT_EQ(interim.head.status, 100u);
    const auto final_response = parse<false>(interim.leftover);
    ASSERT_FALSE(final_response.ec);
    EXPECT_EQ(final_response.head.status, 200u);
    EXPECT_EQ(final_response.body, "ok");
}

// --- coroutine reads over a stream -----------------------------------------

template <class T>
T run(net::io_context& ioc, net::awaitable<T> task) {
    std::optional<T> result;
    net::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
        if (e) std::rethrow_exception(e);
        result = std::move(value);
    });
    ioc.run();
    ioc.restart();
    return std::move(*result);
}

struct read_message {
    error_code ec;
    request_head head;
    std::string body;
};

// One request through async_read_head + async_read_body_some.
net::awaitable<read_message> read_request(boost::beast::test::stream& s,
                                          boost::beast::flat_buffer& buf, std::size_t body_buffer) {
    read_message m;
    message_parser<true> p;
    if ((m.ec = co_await async_read_head(s, buf, p))) co_return m;
    m.head = p.head();
    std::vector<char> chunk(body_buffer);
    while (!p.is_done()) {
        p.set_body_buffer(chunk.data(), chunk.size());
        if ((m.ec = co_await async_read_body_some(s, buf, p))) co_return m;
        if (p.body_buffered() == 0 && !p.is_done()) {
            m.ec = http_error::bad_chunk;  // no progress: would spin
            co_return m;
        }
        m.body.append(chunk.data(), p.body_buffered());
    }
    co_return m;
}

TEST(http_read, pipelined_requests_leave_the_rest_in_the_buffer) {
    for (const std::size_t read_size : {std::size_t{1}, std::size_t{5}, std::size_t{1} << 20}) {
        net::io_context ioc;
        boost::beast::test::stream client(ioc), server(ioc);
        server.connect(client);
        server.read_size(read_size);
        server.append(
            "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
            "POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
            "chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\nT: 1\r\n\r\n"
            "PUT /c HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz");
        client.close();
        boost::beast::flat_buffer buf;

        auto first = run(ioc, read_request(server, buf, 2));
        ASSERT_FALSE(first.ec) << first.ec.message();
        EXPECT_EQ(first.head.target, "/a");
        EXPECT_EQ(first.body, "");

        auto second = run(ioc, read_request(server, buf, 2));
        ASSERT_FALSE(second.ec) << second.ec.message();
        EXPECT_EQ(second.head.target, "/b");
        EXPECT_EQ(second.body, "abcde");

        auto third = run(ioc, read_request(server, buf, 64 * 1024));
        ASSERT_FALSE(third.ec) << third.ec.message();
        EXPECT_EQ(third.head.method, "PUT");
        EXPECT_EQ(third.body, "xyz");

        auto end = run(ioc, read_request(server, buf, 2));
        EXPECT_EQ(end.ec, bhttp::error::end_of_stream);
    }
}

TEST(http_read, head_leaves_body_bytes_in_buffer) {
    net::io_context ioc;
    boost::beast::test::stream client(ioc), server(ioc);
    server.connect(client);
    server.append("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody");
    boost::beast::flat_buffer buf;
    message_parser<true> p;
    const auto ec = run(ioc, async_read_head(server, buf, p));
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(p.is_header_done());
    EXPECT_FALSE(p.is_done());
    EXPECT_EQ(boost::beast::buffers_to_string(buf.data()), "body");
}

TEST(http_read, whole_message_in_buffer_finishes_in_one_call) {
    net::io_context ioc;
    boost::beast::test::stream client(ioc), server(ioc);
    server.connect(client);
    server.append(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n");
    boost::beast::flat_buffer buf;
    message_parser<true> p;
    ASSERT_FALSE(run(ioc, async_read_head(server, buf, p)));
    char chunk[64];
    p.set_body_buffer(chunk, sizeof chunk);
    ASSERT_FALSE(run(ioc, async_read_body_some(server, buf, p)));
    EXPECT_EQ(std::string(chunk, p.body_buffered()), "body");
    EXPECT_TRUE(p.is_done());  // the last chunk came with the data: one DATA frame with END
}

TEST(http_read, close_mid_message) {
    net::io_context ioc;
    boost::beast::test::stream client(ioc), server(ioc);
    server.connect(client);
    server.append("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    client.close();
    boost::beast::flat_buffer buf;
    auto m = run(ioc, read_request(server, buf, 64));
    EXPECT_EQ(m.ec, bhttp::error::partial_message);

    net::io_context ioc2;
    boost::beast::test::stream client2(ioc2), server2(ioc2);
    server2.connect(client2);
    server2.append("GET / HTTP/1.1\r\nHo");
    client2.close();
    boost::beast::flat_buffer buf2;
    message_parser<true> p;
    EXPECT_EQ(run(ioc2, async_read_head(server2, buf2, p)), bhttp::error::partial_message);
}

TEST(http_read, refused_request_reports_http_error) {
    net::io_context ioc;
    boost::beast::test::stream client(ioc), server(ioc);
    server.connect(client);
    server.read_size(3);
    server.append(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: "
        "chunked\r\n\r\n0\r\n\r\n");
    boost::beast::flat_buffer buf;
    message_parser<true> p;
    const auto ec = run(ioc, async_read_head(server, buf, p));
    EXPECT_EQ(ec, http_error::bad_framing);
    EXPECT_EQ(status_for(ec), 400u);
}

TEST(http_read, response_until_close) {
    net::io_context ioc;
    boost::beast::test::stream client(ioc), server(ioc);
    server.connect(client);
    server.append("HTTP/1.1 200 OK\r\n\r\nstreamed until the end");
    client.close();
    boost::beast::flat_buffer buf;
    message_parser<false> p;
    ASSERT_FALSE(run(ioc, async_read_head(server, buf, p)));
    EXPECT_TRUE(p.need_eof());
    std::string body;
    char chunk[5];
    while (!p.is_done()) {
        p.set_body_buffer(chunk, sizeof chunk);
        const auto ec = run(ioc, async_read_body_some(server, buf, p));
        ASSERT_FALSE(ec) << ec.message();
        body.append(chunk, p.body_buffered());
    }
    EXPECT_EQ(body, "streamed until the end");
}

// The reads are templates: make sure they compile for TLS streams too.
[[maybe_unused]] constexpr auto tls_head =
    &async_read_head<net::ssl::stream<net::ip::tcp::socket>, true>;
[[maybe_unused]] constexpr auto tls_body =
    &async_read_body_some<net::ssl::stream<net::ip::tcp::socket>, false>;

TEST(http_read, large_body_over_tcp) {
    net::io_context ioc;
    net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    net::ip::tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    net::ip::tcp::socket server = acceptor.accept();

    std::string body(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 % 251);
    const std::string wire =
        "PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await net::async_write(client, net::buffer(wire), net::as_tuple(net::use_awaitable));
        },
        net::detached);

    boost::beast::flat_buffer buf;
    message_parser<true> p;
    ASSERT_FALSE(run(ioc, async_read_head(server, buf, p)));
    EXPECT_EQ(p.head().target, "/big");
    std::string received;
    std::vector<char> chunk(64 * 1024);
    while (!p.is_done()) {
        p.set_body_buffer(chunk.data(), chunk.size());
        const auto ec = run(ioc, async_read_body_some(server, buf, p));
        ASSERT_FALSE(ec) << ec.message();
        ASSERT_TRUE(p.body_buffered() > 0 || p.is_done());
        received.append(chunk.data(), p.body_buffered());
    }
    EXPECT_EQ(received, body);
}

}  // namespace
}  // namespace warren::http
