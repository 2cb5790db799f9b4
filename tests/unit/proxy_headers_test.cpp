// Hop-by-hop removal and the X-Forwarded-* / Forwarded headers the gateway
// sets on every forwarded request.
#include "http/proxy_headers.hpp"
#include "http/http_head.hpp"

#include <gtest/gtest.h>

namespace warren::http {
namespace {

TEST(http_head, helpers) {
    const header_list h{{"Connection", "keep-alive, Upgrade"},
                        {"connection", " x-a ,"},
                        {"Host", "a"},
                        {"host", "b"}};
    EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
    EXPECT_FALSE(iequals("Content-Length", "Content-Lengt"));
    EXPECT_EQ(find_header(h, "HOST").value_or(""), "a");
    EXPECT_FALSE(find_header(h, "Missing"));
    EXPECT_TRUE(header_has_token(h, "connection", "upgrade"));
    EXPECT_TRUE(header_has_token(h, "Connection", "X-A"));
    EXPECT_FALSE(header_has_token(h, "Connection", "close"));
    EXPECT_FALSE(header_has_token(h, "Connection", "keep"));
    header_list copy = h;
    EXPECT_EQ(erase_header(copy, "HOST"), 2u);
    EXPECT_EQ(copy.size(), 2u);
}

TEST(proxy_headers, strips_standard_hop_by_hop_fields) {
    header_list h{{"Host", "a"},
                  {"Connection", "keep-alive"},
                  {"Keep-Alive", "timeout=5"},
                  {"Proxy-Connection", "keep-alive"},
                  {"TE", "trailers"},
                  {"Transfer-Encoding", "chunked"},
                  {"Upgrade", "websocket"},
                  {"Proxy-Authenticate", "Basic"},
                  {"Proxy-Authorization", "Basic eA=="},
                  {"Trailer", "X-Checksum"},
                  {"Authorization", "Bearer t"},
                  {"Content-Type", "text/plain"}};
    strip_hop_by_hop(h);
    const header_list expected{{"Host", "a"},
                               {"Trailer", "X-Checksum"},
                               {"Authorization", "Bearer t"},
                               {"Content-Type", "text/plain"}};
    EXPECT_EQ(h, expected);
}

TEST(proxy_headers, strips_fields_named_by_connection) {
    header_list h{{"Host", "a"},          {"X-Hop", "1"},   {"Connection", "X-Hop, x-other"},
                  {"x-hop", "2"},         {"X-Other", "3"}, {"X-End-To-End", "4"},
                  {"connection", "close"}};
    strip_hop_by_hop(h);
    EXPECT_EQ(h, (header_list{{"Host", "a"}, {"X-End-To-End", "4"}}));
}

TEST(proxy_headers, connection_cannot_strip_routing_or_framing) {
    header_list h{{"Host", "a"},
                  {"Content-Length", "3"},
                  {"Connection", "Host, Content-Length, X-A"},
                  {"X-A", "1"}};
    strip_hop_by_hop(h);
    EXPECT_EQ(h, (header_list{{"Host", "a"}, {"Content-Length", "3"}}));
}

TEST(proxy_headers, keep_upgrade_for_websocket_passthrough) {
    header_list h{{"Host", "a"},
                  {"Connection", "keep-alive, Upgrade, X-Private"},
                  {"Upgrade", "websocket"},
                  {"X-Private", "p"},
                  {"Sec-WebSocket-Key", "k"},
                  {"Keep-Alive", "1"}};
    strip_hop_by_hop(h, true);
    const header_list expected{{"Host", "a"},
                               {"Upgrade", "websocket"},
                               {"Sec-WebSocket-Key", "k"},
                               {"Connection", "Upgrade"}};
    EXPECT_EQ(h, expected);

    // Without an upgrade token there is nothing to keep.
    header_list plain{{"Host", "a"}, {"Connection", "close"}, {"Upgrade", "websocket"}};
    strip_hop_by_hop(plain, true);
    EXPECT_EQ(plain, (header_list{{"Host", "a"}}));

    // And without keep_upgrade an upgrade request loses both.
    header_list ws{{"Host", "a"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
    strip_hop_by_hop(ws);
    EXPECT_EQ(ws, (header_list{{"Host", "a"}}));
}

TEST(proxy_headers, forwarded_headers_replace_spoofed_ones) {
    header_list h{{"Host", "demo.example.com"},   {"X-Forwarded-For", "6.6.6.6"},
                  {"x-forwarded-proto", "https"}, {"X-Forwarded-Host", "evil"},
                  {"Forwarded", "for=6.6.6.6"},   {"X-Other", "kept"}};
    set_forwarded_headers(h, {"203.0.113.7", "http", "demo.example.com"});
    const header_list expected{{"Host", "demo.example.com"},
                               {"X-Other", "kept"},
                               {"X-Forwarded-For", "203.0.113.7"},
                               {"X-Forwarded-Proto", "http"},
                               {"X-Forwarded-Host", "demo.example.com"},
                               {"Forwarded", "for=203.0.113.7;host=demo.example.com;proto=http"}};
    EXPECT_EQ(h, expected);
}

TEST(proxy_headers, forwarded_quotes_ipv6_and_ports) {
    header_list h;
    set_forwarded_headers(h, {"2001:db8::1", "https", "demo.example.com:8443"});
    EXPECT_EQ(find_header(h, "X-Forwarded-For").value_or(""), "2001:db8::1");
    EXPECT_EQ(find_header(h, "Forwarded").value_or(""),
              "for=\"[2001:db8::1]\";host=\"demo.example.com:8443\";proto=https");

    header_list loopback;
    set_forwarded_headers(loopback, {"::1", "http", "a"});
    EXPECT_EQ(find_header(loopback, "Forwarded").value_or(""), "for=\"[::1]\";host=a;proto=http");

    header_list unknown;
    set_forwarded_headers(unknown, {"", "http", ""});
    EXPECT_EQ(unknown, (header_list{{"X-Forwarded-Proto", "http"},
                                    {"Forwarded", "for=unknown;proto=http"}}));
}

}  // namespace
}  // namespace warren::http
