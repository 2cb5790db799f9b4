// The gateway serving HTTPS with a certificate from a throwaway CA made at
// test time with the openssl CLI: the client verifies the gateway with
// --ca, curl reaches the tunnel over https, a client that does not trust the
// CA refuses to connect and says why, and a public WSS upgrade passes through.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <fstream>

#include "asio_names.hpp"
#include "harness.hpp"
#include "socket_deadline.hpp"

namespace warren::test {
namespace {

namespace ssl = net::ssl;

// The tunnel's name. The certificate names it explicitly besides
// *.localhost: OpenSSL and curl refuse a wildcard directly under a
// single-label domain ("*.localhost" matches nothing), so a wildcard alone
// would not verify NAME.localhost. A real deployment uses *.example.com.
constexpr std::string_view tunnel_name = "secure";

void write_text(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

void run_openssl(const temp_dir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  process p(args, {}, {}, dir.path());
  const auto st = p.wait(30s);
  if (st != 0) throw std::runtime_error("openssl failed: " + p.describe());
}

struct certificates {
  std::filesystem::path ca;    // CA certificate (PEM)
  std::filesystem::path cert;  // server certificate (PEM)
  std::filesystem::path key;   // server key (PEM)
};

// A CA and a server certificate for localhost, *.localhost, the tunnel name
// and 127.0.0.1, valid for a day, EC P-256 keys (quick to make).
certificates make_certificates(const temp_dir& dir) {
  const auto& d = dir.path();
  run_openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", (d / "ca.key").string(), "-out", (d / "ca.pem").string(), "-days", "1",
                    "-subj", "/CN=Warren Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  run_openssl(dir, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", (d / "server.key").string(), "-out", (d / "server.csr").string(),
                    "-subj", "/CN=localhost"});
  write_text(d / "server.ext", "subjectAltName=DNS:localhost,DNS:*.localhost,DNS:" + std::string(tunnel_name) +
                                   ".localhost,IP:127.0.0.1\n"
                                   "basicConstraints=critical,CA:FALSE\n"
                                   "keyUsage=critical,digitalSignature\n"
                                   "extendedKeyUsage=serverAuth\n");
  run_openssl(dir, {"x509", "-req", "-in", (d / "server.csr").string(), "-CA", (d / "ca.pem").string(),
                    "-CAkey", (d / "ca.key").string(), "-CAcreateserial", "-out", (d / "server.pem").string(),
                    "-days", "1", "-extfile", (d / "server.ext").string()});
  return {d / "ca.pem", d / "server.pem", d / "server.key"};
}

class tls_test : public ::testing::Test {
protected:
  std::string tls_toml() const {
    return "[server]\ntls_cert = \"" + certs_.cert.string() + "\"\ntls_key = \"" + certs_.key.string() + "\"\n";
  }

  std::vector<std::string> client_argv(bool with_ca) const {
    std::vector<std::string> argv{bin_path("warren"), "http", origin_.url(), "--server",
                                  "https://localhost:" + std::to_string(gateway_.port), "--name",
                                  std::string(tunnel_name)};
    if (with_ca) {
      argv.push_back("--ca");
      argv.push_back(certs_.ca.string());
    }
    return argv;
  }

  // Starts a client that trusts the CA; returns its public URL.
  std::string start_trusting_client() {
    client_.emplace(client_argv(true));
    const auto m = client_->wait_for_output(std::regex(R"(Forwarding (https://secure\.localhost:(\d+)) -> )"), 20s);
    if (!m) throw std::runtime_error("warren did not print its https URL");
    return (*m)[1];
  }

  temp_dir dir_;
  certificates certs_ = make_certificates(dir_);
  origin_process origin_ = start_origin();
  gateway_process gateway_ = start_gateway(dir_, tls_toml());
  std::optional<process> client_;
};

TEST_F(tls_test, https_tunnel_with_a_trusted_ca) {
  EXPECT_EQ(gateway_.scheme, "https");
  const std::string url = start_trusting_client();
  EXPECT_EQ(url, "https://secure.localhost:" + std::to_string(gateway_.port));

  const auto r = run_curl({"-m", "10", "--cacert", certs_.ca.string(), url + "/echo?tls=1"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = json::parse(r.body).as_object();
  EXPECT_EQ(j.at("target"), "/echo?tls=1");
  std::vector<std::string> proto;
  for (const auto& h : j.at("headers").as_array()) {
    const auto& pair = h.as_array();
    std::string name(pair[0].as_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "x-forwarded-proto") proto.emplace_back(pair[1].as_string());
  }
  EXPECT_EQ(proto, std::vector<std::string>{"https"}) << r.body;

  // A body of some size, both ways, over TLS.
  const temp_dir files;
  write_pattern_file(files.path() / "body", 1'000'000);
  const auto post = run_curl({"-m", "20", "--cacert", certs_.ca.string(), "--data-binary",
                              "@" + (files.path() / "body").string(), url + "/echo"});
  ASSERT_EQ(post.status, 200) << post.stderr_text;
  EXPECT_EQ(std::string(json::parse(post.body).at("body_sha256").as_string()), pattern_sha256(1'000'000));

  // Without the CA, curl refuses the gateway's certificate.
  const auto untrusted = run_curl({"-m", "10", url + "/echo"});
  EXPECT_EQ(untrusted.exit_code, 60) << untrusted.stderr_text;
}

TEST_F(tls_test, client_without_the_ca_refuses_and_says_why) {
  process client(client_argv(false));
  // It keeps retrying, and each attempt says the certificate did not verify.
  const auto m = client.wait_for_output(std::regex("certificate verify failed"), 8s);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(client.running()) << "a TLS failure is retried, not fatal";
  EXPECT_EQ(client.output().find("Forwarding"), std::string::npos);
  EXPECT_EQ(client.stop(3s), 0) << client.describe();
}

TEST_F(tls_test, wss_websocket_through_the_tunnel) {
  start_trusting_client();

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(certs_.ca.string());
  ctx.set_verify_mode(ssl::verify_peer);
  const std::string host_name = std::string(tunnel_name) + ".localhost";
  websocket::stream<ssl::stream<tcp::socket>> ws(ioc, ctx);
  auto& sock = beast::get_lowest_layer(ws);
  sock.connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), gateway_.port));
  socket_deadline deadline(sock.native_handle(), 30s);
  ASSERT_TRUE(SSL_set_tlsext_host_name(ws.next_layer().native_handle(), host_name.c_str()));
  ws.next_layer().set_verify_callback(ssl::host_name_verification(host_name));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.read_message_max(64u * 1024 * 1024);
  websocket::response_type res;
  ws.handshake(res, host_name + ":" + std::to_string(gateway_.port), "/ws");
  EXPECT_EQ(res.result_int(), 101);

  ws.text(true);
  ws.write(net::buffer(std::string_view("over wss")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "over wss");

  std::string big(1u << 20, '\0');
  fill_pattern(0, big);
  ws.binary(true);
  ws.write(net::buffer(big));
  buffer.clear();
  ws.read(buffer);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), big);

  websocket::close_reason bye;
  bye.code = 4001;
  bye.reason = "wss bye";
  beast::error_code ec;
  ws.close(bye, ec);
  // A peer that closes TCP without a TLS close_notify after the WebSocket
  // close is fine here.
  if (ec && ec != ssl::error::stream_truncated) ADD_FAILURE() << "close: " << ec.message();
  EXPECT_EQ(ws.reason().code, 4001);
  EXPECT_EQ(std::string(ws.reason().reason.c_str()), "wss bye");
  EXPECT_FALSE(deadline.fired());
}

}  // namespace
}  // namespace warren::test
