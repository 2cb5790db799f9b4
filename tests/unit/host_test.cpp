#include "util/host.hpp"

#include <string>

#include <gtest/gtest.h>

namespace warren {
namespace {

TEST(host, canonical_accepts_and_normalises) {
    const std::string label63(63, 'a');
    // 4 labels of 63 plus 3 dots = 255; trim to exactly 253.
    const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
    ASSERT_EQ(name253.size(), 253u);

    const std::pair<std::string, std::string> cases[] = {
        {"example.com", "example.com"},
        {"Example.COM", "example.com"},
        {"demo.example.com:8080", "demo.example.com"},
        {"demo.example.com.", "demo.example.com"},
        {"Demo.Example.com.:443", "demo.example.com"},
        {"localhost", "localhost"},
        {"demo.localhost:1", "demo.localhost"},
        {"host:65535", "host"},
        {"host:00080", "host"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"a-b.c-d.e", "a-b.c-d.e"},
        {"127.0.0.1", "127.0.0.1"},
        {"127.0.0.1:8080", "127.0.0.1"},
        {"10.1.2.3.", "10.1.2.3"},
        {"[::1]", "[::1]"},
        {"[::1]:8080", "[::1]"},
        {"[0:0:0:0:0:0:0:1]", "[::1]"},
        {"[2001:DB8::A]:443", "[2001:db8::a]"},
        {"[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"},
        {label63 + ".example", label63 + ".example"},
        {name253, name253},
        {name253 + ".", name253},
    };
    for (const auto& [input, expected] : cases) {
        const auto got = canonical_host(input);
        ASSERT_TRUE(got.has_value()) << input;
        EXPECT_EQ(*got, expected) << input;
    }
}

TEST(host, canonical_rejects) {
    const std::string label64(64, 'a');
    const std::string name254 = std::string(63, 'a') + "." + std::string(63, 'a') + "." +
                                std::string(63, 'a') + "." + std::string(62, 'b');
    ASSERT_EQ(name254.size(), 254u);

    const std::string cases[] = {
        "",
        " example.com",
        "example.com ",
        "exa mple.com",
        "exa\tmple.com",
        "example.com\r\n",
        std::string("exa\0mple.com", 12),
        "example.com:",
        ":80",
        "example.com:65536",
        "example.com:123456",
        "example.com:8o",
        "example.com:-1",
        "example.com:+80",
        "example.com:80:80",
        ".",
        "..",
        "a..b",
        ".example.com",
        "example.com..",
        "-a.com",
        "a-.com",
        "a.-b.com",
        label64 + ".com",
        name254,
        "b\xc3\xbc" "cher.example",
        "ex_ample.com",
        "exa*mple.com",
        "*.example.com",
        "exa/mple.com",
        "user@example.com",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[::1]:99999",
        "[fe80::1%25eth0]",
        "[1.2.3.4]",
        "[]",
        "[example.com]",
        "::1",
        "1.2.3.256",
        "1.2.3",
        "127.1",
        "010.0.0.1",
        "0x7f.0.0.1",
        "example.123",
    };
    for (const auto& input : cases) EXPECT_FALSE(canonical_host(input).has_value()) << input;
}

TEST(host, route_apex_tunnel_other) {
    using kind = host_route::kind;
    const std::string domain = "example.com";

    auto r = route_host("example.com", domain);
    EXPECT_EQ(r.what, kind::apex);
    EXPECT_EQ(r.name, "");

    r = route_host("demo.example.com", domain);
    EXPECT_EQ(r.what, kind::tunnel);
    EXPECT_EQ(r.name, "demo");

    r = route_host("brave-otter-lamp.example.com", domain);
    EXPECT_EQ(r.what, kind::tunnel);
    EXPECT_EQ(r.name, "brave-otter-lamp");

    for (const char* other : {"a.demo.example.com", "example.com.evil.net", "evilexample.com",
                              "xn--bcher-kva.example.com", "example.org", "com", ".example.com"}) {
        r = route_host(other, domain);
        EXPECT_EQ(r.what, kind::other) << other;
        EXPECT_EQ(r.name, "") << other;
    }
    // IP literals address the gateway itself (health checks, load balancers).
    for (const char* ip : {"127.0.0.1", "[::1]", "10.0.0.7"}) {
        r = route_host(ip, domain);
        EXPECT_EQ(r.what, kind::apex) << ip;
        EXPECT_EQ(r.name, "") << ip;
    }

    r = route_host("demo.localhost", "localhost");
    EXPECT_EQ(r.what, kind::tunnel);
    EXPECT_EQ(r.name, "demo");
}

// Decisions (docs/RELIABILITY.md "Strict framing and Host"): any valid port is
// accepted and dropped (the gateway may sit behind a proxy on another port);
// punycode labels are plain labels, lowercased, never decoded; IP literals
// are the gateway itself.
TEST(host, canonical_decisions) {
    EXPECT_EQ(canonical_host("demo.example.com:0"), "demo.example.com");
    EXPECT_EQ(canonical_host("XN--BCHER-KVA.Example.COM"), "xn--bcher-kva.example.com");
    EXPECT_EQ(canonical_host("127.0.0.1.:80"), "127.0.0.1");
    EXPECT_EQ(canonical_host("[::FFFF:1.2.3.4]"), "[::ffff:1.2.3.4]");
    EXPECT_EQ(canonical_host("[0:0:0:0:0:0:0:1]:00080"), "[::1]");
    EXPECT_FALSE(canonical_host("demo.example.com:80:80"));
    EXPECT_FALSE(canonical_host("demo.example.com\\x"));
    EXPECT_FALSE(canonical_host("demo.example.com?x"));
    EXPECT_FALSE(canonical_host("demo.example.com#x"));
    EXPECT_FALSE(canonical_host("@demo.example.com"));
    EXPECT_FALSE(canonical_host("demo%2eexample.com"));
    EXPECT_FALSE(canonical_host("demo\xef\xbc\x8e" "example.com"));  // fullwidth dot
    EXPECT_FALSE(canonical_host("demo\xe9.example.com"));
    EXPECT_FALSE(canonical_host("0177.0.0.1"));

    using kind = host_route::kind;
    const std::string label63(63, 'q');
    EXPECT_EQ(route_host(label63 + ".example.com", "example.com").what, kind::tunnel);
    EXPECT_FALSE(canonical_host(std::string(64, 'q') + ".example.com"));
    // A canonical punycode label is never a tunnel name ("--" at 3-4).
    EXPECT_EQ(route_host("xn--bcher-kva.example.com", "example.com").what, kind::other);
    EXPECT_EQ(route_host("[::ffff:1.2.3.4]", "example.com").what, kind::apex);
}

TEST(host, canonical_then_route) {
    const auto canonical = canonical_host("Demo.Example.COM.:443");
    ASSERT_TRUE(canonical.has_value());
    const auto r = route_host(*canonical, "example.com");
    EXPECT_EQ(r.what, host_route::kind::tunnel);
    EXPECT_EQ(r.name, "demo");
}

}  // namespace
}  // namespace warren
