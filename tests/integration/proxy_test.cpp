// Faithful proxying through a real tunnel: real gateway, real client, real
// origin, real curl (and a raw socket where curl cannot say what we need).
#include "harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <string>

namespace warren::test {
namespace {

namespace json = boost::json;

struct tunnel_env {
    temp_dir dir;
    origin_process origin = start_origin();
    gateway_process gateway = start_gateway(dir);
    client_process client;

    explicit tunnel_env(std::vector<std::string> client_args = {})
        : client(start_client(gateway.port, origin.port, std::move(client_args))) {}

    std::string url(std::string_view path) const { return client.url + std::string(path); }
};

json::object echo_of(const curl_result& r) {
    EXPECT_EQ(r.status, 200) << r.stderr_text << r.body;
    return json::parse(r.body).as_object();
}

// Header values the origin saw, in order, for one name (case-insensitive).
std::vector<std::string> seen(const json::object& echo, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& h : echo.at("headers").as_array()) {
        const auto& pair = h.as_array();
        std::string n(pair.at(0).as_string());
        if (n.size() == name.size() &&
            std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
            out.emplace_back(pair.at(1).as_string());
    }
    return out;
}

// A blocking loopback connection for requests curl cannot make.
class raw_connection {
public:
    explicit raw_connection(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    }
    ~raw_connection() { ::close(fd_); }
    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    // Reads what arrives within `wait`; stops early at EOF. Returns false on EOF.
    bool read_for(std::string& out, std::chrono::milliseconds wait) {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return true;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return true;
            char buf[65536];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    // Reads until `needle` appears (or timeout/EOF).
    bool read_until(std::string& out, std::string_view needle, std::chrono::milliseconds wait) {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            if (!read_for(out, std::chrono::milliseconds(50)) && out.find(needle) == std::string::npos) return false;
        }
        return out.find(needle) != std::string::npos;
    }

private:
    int fd_ = -1;
};

TEST(proxy, every_method_reaches_the_origin_with_path_and_query_byte_for_byte) {
    tunnel_env env;
    const std::string target = "/echo?a=1&b=%20x&c=%2F&d=%E2%9C%93&empty=&flag";
    for (std::string method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "PURGE"}) {
        auto r = run_curl({"-X", method, "--path-as-is", env.url(target)});
        auto echo = echo_of(r);
        EXPECT_EQ(echo.at("method").as_string(), method);
        EXPECT_EQ(echo.at("target").as_string(), target);
    }
    // The client prints one line per request.
    EXPECT_TRUE(env.client.proc.wait_for_output(std::regex(R"(PURGE /echo\?a=1\S* 200 [0-9.]+m?s [0-9.]+[KMG]?B)"), 5s));
}

TEST(proxy, headers_pass_through_and_forwarded_headers_are_set) {
    tunnel_env env;
    auto r = run_curl({"-H", "X-Custom-Case: Value With  Spaces", "-H", "x-dup: one", "-H", "X-Dup: two",
                       "-H", "X-Forwarded-For: 6.6.6.6", "-H", "Forwarded: for=6.6.6.6",
                       "-H", "Connection: keep-alive, X-Hop", "-H", "X-Hop: secret-hop",
                       "-H", "Authorization: Bearer abc", env.url("/echo")});
    auto echo = echo_of(r);
    EXPECT_EQ(seen(echo, "X-Custom-Case"), std::vector<std::string>{"Value With  Spaces"});
    EXPECT_EQ(seen(echo, "x-dup"), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(seen(echo, "Authorization"), std::vector<std::string>{"Bearer abc"});
    EXPECT_EQ(seen(echo, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(seen(echo, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
    const std::string public_host = env.client.name + ".localhost:" + std::to_string(env.gateway.port);
    EXPECT_EQ(seen(echo, "X-Forwarded-Host"), std::vector<std::string>{public_host});
    ASSERT_EQ(seen(echo, "Forwarded").size(), 1u);
    EXPECT_NE(seen(echo, "Forwarded")[0].find("for=127.0.0.1"), std::string::npos);
    EXPECT_TRUE(seen(echo, "X-Hop").empty()) << "a field named in Connection is hop-by-hop";
    EXPECT_EQ(seen(echo, "Host"), std::vector<std::string>{public_host});
}

TEST(proxy, host_header_can_be_rewritten_to_the_local_address) {
    tunnel_env env({"--host-header=rewrite"});
    auto r = run_curl({env.url("/host")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "127.0.0.1:" + std::to_string(env.origin.port));
}

TEST(proxy, head_204_and_304_have_no_body) {
    tunnel_env env;
    auto head = run_curl({"-I", env.url("/head-test")});
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(header_values(head.headers, "Content-Length"), std::vector<std::string>{"1234"});
    // curl -I writes the head where the body would go: nothing may follow it.
    EXPECT_EQ(head.body.find("\r\n\r\n"), head.body.size() - 4) << head.body;
    for (std::string code : {"204", "304"}) {
        auto r = run_curl({env.url("/status/" + code)});
        EXPECT_EQ(std::to_string(r.status), code);
        EXPECT_TRUE(r.body.empty());
    }
}

TEST(proxy, expect_100_continue_is_answered_by_the_local_server) {
    tunnel_env env;
    temp_dir files;
    write_pattern_file(files.path() / "body.bin", 300 * 1024);
    auto r = run_curl({"-H", "Expect: 100-continue", "--data-binary", "@" + (files.path() / "body.bin").string(),
                       env.url("/expect")});
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("HTTP/1.1 100"), std::string::npos) << r.headers;
    EXPECT_EQ(json::parse(r.body).at("size").as_int64(), 300 * 1024);
}

TEST(proxy, chunked_bodies_stream_both_ways) {
    tunnel_env env;
    temp_dir files;
    write_pattern_file(files.path() / "in.bin", 3 * 1024 * 1024 + 17);
    auto r = run_curl({"-X", "POST", "-T", (files.path() / "in.bin").string(), "-H", "Transfer-Encoding: chunked",
                       "-H", "Expect:", env.url("/echo-body")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header_values(r.headers, "Transfer-Encoding"), std::vector<std::string>{"chunked"});
    EXPECT_EQ(r.body.size(), 3u * 1024 * 1024 + 17);
    EXPECT_EQ(sha256_hex(r.body), pattern_sha256(3 * 1024 * 1024 + 17));

    auto cl = run_curl({env.url("/bytes/100000?chunked=1")});
    EXPECT_EQ(cl.body.size(), 100000u);
    EXPECT_EQ(sha256_hex(cl.body), pattern_sha256(100000));
    auto fixed = run_curl({env.url("/bytes/100000")});
    EXPECT_EQ(header_values(fixed.headers, "Content-Length"), std::vector<std::string>{"100000"});
    EXPECT_EQ(sha256_hex(fixed.body), pattern_sha256(100000));
}

TEST(proxy, multiple_set_cookie_headers_stay_apart) {
    tunnel_env env;
    auto r = run_curl({env.url("/cookies")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header_values(r.headers, "Set-Cookie").size(), 3u) << r.headers;
}

TEST(proxy, response_trailers_reach_the_public) {
    tunnel_env env;
    raw_connection c(env.gateway.port);
    c.send("GET /trailers HTTP/1.1\r\nHost: " + env.client.name + ".localhost\r\nTE: trailers\r\nConnection: close\r\n\r\n");
    std::string got;
    while (c.read_for(got, 5s)) {
    }
    EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos) << got;
    EXPECT_NE(got.find("hello"), std::string::npos) << got;
    EXPECT_NE(got.find("\r\n0\r\n"), std::string::npos) << got;
    EXPECT_NE(got.find("X-Checksum: abc"), std::string::npos) << got;
    EXPECT_NE(got.find("X-Count: 5"), std::string::npos) << got;
}

TEST(proxy, request_trailers_reach_the_local_server) {
    tunnel_env env;
    raw_connection c(env.gateway.port);
    c.send("POST /echo HTTP/1.1\r\nHost: " + env.client.name +
           ".localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Signature: sig123\r\n\r\n");
    std::string got;
    while (c.read_for(got, 5s)) {
    }
    const auto body_at = got.find("\r\n\r\n");
    ASSERT_NE(body_at, std::string::npos) << got;
    auto echo = json::parse(got.substr(got.find('{'), got.rfind('}') - got.find('{') + 1)).as_object();
    EXPECT_EQ(echo.at("body").as_string(), "hello world");
    ASSERT_TRUE(echo.contains("trailers"));
    const auto& trailers = echo.at("trailers").as_array();
    ASSERT_EQ(trailers.size(), 1u);
    EXPECT_EQ(trailers[0].as_array()[0].as_string(), "X-Signature");
    EXPECT_EQ(trailers[0].as_array()[1].as_string(), "sig123");
}

TEST(proxy, server_sent_events_arrive_one_by_one) {
    tunnel_env env;
    raw_connection c(env.gateway.port);
    c.send("GET /sse?count=4&interval_ms=800 HTTP/1.1\r\nHost: " + env.client.name + ".localhost\r\n\r\n");
    std::string got;
    ASSERT_TRUE(c.read_until(got, "data: event 1", 5s)) << got;
    // The first event is here while the last is still seconds away: nothing
    // buffered the stream.
    EXPECT_EQ(got.find("data: event 4"), std::string::npos) << got;
    ASSERT_TRUE(c.read_until(got, "data: event 4", 10s)) << got;
    EXPECT_NE(got.find("text/event-stream"), std::string::npos);
}

TEST(proxy, keep_alive_and_pipelining_on_the_public_side) {
    tunnel_env env;
    raw_connection c(env.gateway.port);
    const std::string host = "Host: " + env.client.name + ".localhost\r\n";
    c.send("GET /bytes/10 HTTP/1.1\r\n" + host + "\r\nGET /bytes/20 HTTP/1.1\r\n" + host +
           "\r\nGET /status/204 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
    std::string got;
    while (c.read_for(got, 5s)) {
    }
    std::size_t responses = 0;
    for (std::size_t at = got.find("HTTP/1.1 "); at != std::string::npos; at = got.find("HTTP/1.1 ", at + 1)) ++responses;
    EXPECT_EQ(responses, 3u) << got;
    EXPECT_NE(got.find("Content-Length: 10"), std::string::npos);
    EXPECT_NE(got.find("Content-Length: 20"), std::string::npos);
    EXPECT_NE(got.find("HTTP/1.1 204"), std::string::npos);
}

TEST(proxy, ambiguous_requests_are_refused_and_never_forwarded) {
    tunnel_env env;
    raw_connection c(env.gateway.port);
    c.send("POST /echo HTTP/1.1\r\nHost: " + env.client.name +
           ".localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    std::string got;
    while (c.read_for(got, 5s)) {
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
    EXPECT_EQ(env.client.proc.output().find("POST /echo"), std::string::npos) << "the request reached the client";
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

TEST(proxy, public_url_sets_the_urls_handed_to_clients) {
    temp_dir dir;
    auto origin = start_origin();
    // Behind a TLS-terminating reverse proxy: the gateway itself speaks
    // plain HTTP, but clients and the public use https on the proxy's host.
    auto gateway = start_gateway(dir, "[server]\npublic_url = \"https://tunnels.example.test\"\n");
    process client({bin_path("warren"), "http", origin.url(), "--server",
                    "http://localhost:" + std::to_string(gateway.port), "--name", "behind"});
    EXPECT_TRUE(client.wait_for_output(std::regex(R"(Forwarding https://behind\.tunnels\.example\.test -> )"), 10s));
    auto health = run_curl({gateway.url() + "/"});
    EXPECT_NE(health.body.find("--server https://tunnels.example.test"), std::string::npos) << health.body;
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

TEST(proxy, requests_on_open_connections_get_503_while_draining) {
    temp_dir dir;
    auto origin = start_origin();
    auto gateway = start_gateway(dir, "[server]\ndrain_timeout = \"10s\"\n");
    auto client = start_client(gateway.port, origin.port);
    // A keep-alive connection opened before the drain, and a slow request
    // that keeps the gateway draining for a while.
    raw_connection idle(gateway.port);
    process slow({"/usr/bin/curl", "-s", "-o", "/dev/null", client.url + "/delay/3000"});
    std::this_thread::sleep_for(500ms);  // the slow request is in flight
    gateway.proc.signal(SIGTERM);
    ASSERT_TRUE(gateway.proc.wait_for_output(std::regex("draining"), 5s));
    idle.send("GET /bytes/10 HTTP/1.1\r\nHost: " + client.name + ".localhost\r\n\r\n");
    std::string got;
    while (idle.read_for(got, 3s)) {
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
    EXPECT_NE(got.find("Retry-After"), std::string::npos) << got;
    EXPECT_EQ(slow.wait(10s), 0);
    EXPECT_EQ(gateway.proc.wait(10s), 0);
}

}  // namespace
}  // namespace warren::test

namespace warren::test {
namespace {

TEST(proxy, health_answers_when_addressed_by_ip) {
    temp_dir dir;
    auto gateway = start_gateway(dir);
    auto r = run_curl({"-f", "http://127.0.0.1:" + std::to_string(gateway.port) + "/_health"});
    EXPECT_EQ(r.status, 200) << r.stderr_text;
    EXPECT_NE(r.body.find("\"status\":\"ok\""), std::string::npos) << r.body;
}

}  // namespace
}  // namespace warren::test
