// The plugins' HTTP client against real loopback servers: plain HTTP, HTTPS
// with a certificate made here and trusted through ca_file, and servers that
// misbehave (never answer, answer too much, refuse).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugins/http_client_impl.hpp"

namespace warren {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// Builds a request step by step (the SDK's structs have no `{}` member
// initializers, so designated initializers would warn about the others).
class request_to {
public:
    explicit request_to(std::string url) { request_.url = std::move(url); }
    request_to& method(std::string m) {
        request_.method = std::move(m);
        return *this;
    }
    request_to& header(std::string name, std::string value) {
        request_.headers.push_back({std::move(name), std::move(value)});
        return *this;
    }
    request_to& body(std::string b) {
        request_.body = std::move(b);
        return *this;
    }
    request_to& timeout(std::chrono::milliseconds t) {
        request_.timeout = t;
        return *this;
    }
    request_to& max_bytes(std::uint64_t n) {
        request_.max_response_bytes = n;
        return *this;
    }
    operator const http_client_request&() const { return request_; }

private:
    http_client_request request_;
};

// A server on 127.0.0.1 that hands each connection to `handle` on a thread
// of its own (blocking Beast calls: simplest for a test).
class loopback_server {
public:
    using handler = std::function<void(tcp::socket&)>;

    explicit loopback_server(handler handle)
        : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}), handle_(std::move(handle)) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }

    ~loopback_server() {
        net::post(io_, [this] { acceptor_.close(); });
        thread_.join();
        std::lock_guard lock(mutex_);
        for (auto& t : connections_) t.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            std::lock_guard lock(mutex_);
            connections_.emplace_back([this, s = std::move(socket)]() mutable { handle_(s); });
            accept();
        });
    }

    net::io_context io_;
    tcp::acceptor acceptor_;
    handler handle_;
    std::mutex mutex_;
    std::vector<std::thread> connections_;
    std::thread thread_;
};

// Answers with what it received, so tests can check what the client sent.
template <class Stream>
void echo(Stream& stream, const std::string& sni = "") {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    std::string seen =
        std::string(request.method_string()) + " " + std::string(request.target()) + "\n";
    for (const auto& field : request)
        seen += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    if (!sni.empty()) seen += "SNI: " + sni + "\n";
    seen += "\n" + request.body();
    http::response<http::string_body> response{http::status::created, 11};
    response.set("X-Answer", "42");
    response.body() = seen;
    response.prepare_payload();
    http::write(stream, response, ec);
}

// A body of `size` bytes, with Content-Length or chunked.
loopback_server::handler sends_body(std::size_t size, bool chunked = false) {
    return [size, chunked](tcp::socket& socket) {
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> request;
        boost::system::error_code ec;
        http::read(socket, buffer, request, ec);
        http::response<http::string_body> response{http::status::ok, 11};
        response.body() = std::string(size, 'x');
        if (chunked)
            response.chunked(true);
        else
            response.prepare_payload();
        http::write(socket, response, ec);
    };
}

// Reads and never answers, until the client gives up and closes.
void never_answers(tcp::socket& socket) {
    char byte;
    boost::system::error_code ec;
    while (!ec) socket.read_some(net::buffer(&byte, 1), ec);
}

// A self-signed certificate for DNS:localhost only, and its key.
struct certificate {
    std::string cert_pem;
    std::string key_pem;
};

certificate make_certificate() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("warren test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "DNS:localhost");
    X509_add_ext(cert.get(), san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert.get(), key.get(), EVP_sha256());

    const auto pem = [](auto write) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        write(bio.get());
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(size));
    };
    return {pem([&](BIO* b) { PEM_write_bio_X509(b, cert.get()); }), pem([&](BIO* b) {
                PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
            })};
}

// An HTTPS echo server with that certificate; the client trusts it through
// a ca_file written next to the test.
class Https : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        cert_ = make_certificate();
        ca_file_ = std::filesystem::temp_directory_path() /
                   ("warren-http-client-test-" + std::to_string(::getpid()) + ".pem");
        std::ofstream(ca_file_) << cert_.cert_pem;
    }
    static void TearDownTestSuite() { std::filesystem::remove(ca_file_); }

    Https()
        : server_([this](tcp::socket& socket) {
              ssl::stream<tcp::socket&> stream(socket, tls_);
              boost::system::error_code ec;
              stream.handshake(ssl::stream_base::server, ec);
              if (ec) return;
              const char* sni =
                  SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
              echo(stream, sni != nullptr ? sni : "(none)");
          }) {
        tls_.use_certificate_chain(net::buffer(cert_.cert_pem));
        tls_.use_private_key(net::buffer(cert_.key_pem), ssl::context::pem);
    }

    std::string url(std::string_view host) const {
        return "https://" + std::string(host) + ":" + std::to_string(server_.port()) + "/secure";
    }

    static inline certificate cert_;
    static inline std::filesystem::path ca_file_;
    ssl::context tls_{ssl::context::tls_server};
    loopback_server server_;
};

std::string http_url(const loopback_server& server, std::string_view rest = "/") {
    return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(rest);
}

TEST(HttpClient, PlainHttpSendsTheRequestAndReturnsTheAnswer) {
    loopback_server server([](tcp::socket& s) { echo(s); });
    http_client_impl client;
    const auto reply = client.send(request_to(http_url(server, "/hook?x=1&y=%20"))
                                       .method("POST")
                                       .header("X-Test", "yes")
                                       .header("Host", "ignored")
                                       .body("payload"));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->status, 201);
    EXPECT_EQ(reply->header("x-answer"), "42");
    const auto& seen = reply->body;
    EXPECT_THAT(seen, HasSubstr("POST /hook?x=1&y=%20\n"));
    EXPECT_THAT(seen, HasSubstr("Host: 127.0.0.1:" + std::to_string(server.port()) + "\n"));
    EXPECT_THAT(seen, Not(HasSubstr("ignored")));
    EXPECT_THAT(seen, HasSubstr("User-Agent: warren-gateway/"));
    EXPECT_THAT(seen, HasSubstr("X-Test: yes\n"));
    EXPECT_THAT(seen, HasSubstr("Content-Length: 7\n"));
    EXPECT_THAT(seen, HasSubstr("\n\npayload"));
}

TEST(HttpClient, TheCallersUserAgentWins) {
    loopback_server server([](tcp::socket& s) { echo(s); });
    const auto reply =
        http_client_impl().send(request_to(http_url(server)).header("user-agent", "mine/1"));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_THAT(reply->body, HasSubstr("User-Agent: mine/1\n"));
    EXPECT_THAT(reply->body, HasSubstr("GET /\n"));
}

TEST(HttpClient, BodiesUpToTheCapAreRead) {
    loopback_server server(sends_body(1024));
    const auto reply = http_client_impl().send(request_to(http_url(server)).max_bytes(1024));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->body.size(), 1024u);
}

TEST(HttpClient, AnOversizedBodyFailsTheCall) {
    for (const bool chunked : {false, true}) {
        loopback_server server(sends_body(4096, chunked));
        const auto reply = http_client_impl().send(request_to(http_url(server)).max_bytes(1024));
        ASSERT_FALSE(reply);
        EXPECT_EQ(reply.error().code, errc::unavailable);
        EXPECT_EQ(reply.error().message,
                  "GET http://127.0.0.1:" + std::to_string(server.port()) +
                      ": the response body is larger than the limit of 1024 bytes");
    }
}

TEST(HttpClient, HeadReadsNoBody) {
    loopback_server server(sends_body(100));
    const auto reply = http_client_impl().send(request_to(http_url(server)).method("HEAD"));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->header("Content-Length"), "100");
    EXPECT_TRUE(reply->body.empty());
}

TEST(HttpClient, AServerThatNeverAnswersTimesOutAtTheTimeout) {
    loopback_server server(never_answers);
    const auto start = std::chrono::steady_clock::now();
    const auto reply = http_client_impl().send(request_to(http_url(server)).timeout(300ms));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, errc::unavailable);
    EXPECT_EQ(reply.error().message, "GET http://127.0.0.1:" + std::to_string(server.port()) +
                                         ": read: timed out after 300ms");
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 1500ms);
}

TEST(HttpClient, TheTimeoutBoundsTheWholeExchangeNotEachRead) {
    // Every byte comes well within the timeout; the whole body never does.
    loopback_server server([](tcp::socket& socket) {
        boost::system::error_code ec;
        net::write(socket,
                   net::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")),
                   ec);
        for (int i = 0; i < 100 && !ec; ++i) {
            std::this_thread::sleep_for(20ms);
            net::write(socket, net::buffer("x", 1), ec);
        }
    });
    const auto start = std::chrono::steady_clock::now();
    const auto reply = http_client_impl().send(request_to(http_url(server)).timeout(300ms));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(reply);
    EXPECT_THAT(reply.error().message, HasSubstr(": read: timed out after 300ms"));
    EXPECT_LT(took, 1000ms);
}

TEST(HttpClient, ARefusedConnectionIsUnavailable) {
    std::uint16_t port = 0;
    {
        net::io_context io;
        tcp::acceptor closed(io, {net::ip::make_address("127.0.0.1"), 0});
        port = closed.local_endpoint().port();
    }
    const auto reply = http_client_impl().send(
        request_to("http://127.0.0.1:" + std::to_string(port) + "/x?token=abc")
            .header("Authorization", "Bearer sekrit-token")
            .body("password=hunter2"));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, errc::unavailable);
    EXPECT_EQ(reply.error().message,
              "GET http://127.0.0.1:" + std::to_string(port) + ": connect: Connection refused");
}

TEST(HttpClient, BadRequestsAreTheCallersMistakeAndKeepSecretsOut) {
    http_client_impl client;
    for (const char* url : {"not a url", "ftp://example.com/", "http://user:pw@example.com/",
                            "http://example.com:0/", "http://example.com:99999/", "http:///x"}) {
        const auto reply = client.send(request_to(url));
        ASSERT_FALSE(reply) << url;
        EXPECT_EQ(reply.error().code, errc::invalid) << url;
        EXPECT_THAT(reply.error().message, Not(HasSubstr("pw"))) << url;
    }
    const auto injected = client.send(
        request_to("http://127.0.0.1:1/").header("Authorization", "Bearer a\r\nX-Evil: 1"));
    ASSERT_FALSE(injected);
    EXPECT_EQ(injected.error().code, errc::invalid);
    EXPECT_EQ(injected.error().message, "header Authorization: the value has a control character");
    const auto bad_method = client.send(request_to("http://127.0.0.1:1/").method("GET /x"));
    EXPECT_EQ(bad_method.error().code, errc::invalid);
}

TEST_F(Https, VerifiesTheCertificateAgainstCaFileAndSendsSni) {
    http_client_impl client(ca_file_);
    const auto reply = client.send(request_to(url("localhost")));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->status, 201);
    EXPECT_THAT(reply->body, HasSubstr("GET /secure\n"));
    EXPECT_THAT(reply->body, HasSubstr("SNI: localhost\n"));
}

TEST_F(Https, AnotherHostNameFailsVerification) {
    // The certificate names localhost; 127.0.0.1 is the same server, not the same name.
    const auto reply = http_client_impl(ca_file_).send(request_to(url("127.0.0.1")));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, errc::unavailable);
    EXPECT_EQ(reply.error().message,
              "GET https://127.0.0.1:" + std::to_string(server_.port()) +
                  ": TLS handshake: certificate verification failed: IP address mismatch");
}

TEST_F(Https, AnUntrustedCertificateFailsVerification) {
    const auto reply = http_client_impl().send(request_to(url("localhost")));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, errc::unavailable);
    EXPECT_THAT(reply.error().message,
                HasSubstr(": TLS handshake: certificate verification failed: self-signed"));
}

TEST(HttpClientTls, AServerThatNeverDoesTlsTimesOut) {
    loopback_server server(never_answers);
    const auto reply = http_client_impl().send(
        request_to("https://127.0.0.1:" + std::to_string(server.port()) + "/").timeout(200ms));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message, "GET https://127.0.0.1:" + std::to_string(server.port()) +
                                         ": TLS handshake: timed out after 200ms");
}

}  // namespace
}  // namespace warren
