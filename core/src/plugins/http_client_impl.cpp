#include "plugins/http_client_impl.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <mutex>
#include <optional>
#include <string>
#include <warren/config_table.hpp>
#include <warren/version.hpp>

#include "config/values.hpp"

namespace warren {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace http = boost::beast::http;
namespace urls = boost::urls;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// The TLS client context, made on the first https call: loading the system
// trust store costs about a megabyte that a gateway whose plugins never call
// out over HTTPS need not pay. A configured ca_file is loaded at start, so
// that a bad one stops the start.
class lazy_tls_context {
public:
    explicit lazy_tls_context(std::filesystem::path ca_file) : ca_file_(std::move(ca_file)) {
        if (!ca_file_.empty()) get();
    }

    // Throws config_error if ca_file cannot be loaded (only ever at start).
    ssl::context& get() {
        std::call_once(once_, [this] { make(); });
        return *context_;
    }

private:
    void make() {
        ssl::context c(ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(c.native_handle(), TLS1_2_VERSION);
        c.set_verify_mode(ssl::verify_peer);
        // A machine without a system store (a bare container) still trusts
        // ca_file; verification fails closed either way.
        error_code no_system_store;
        c.set_default_verify_paths(no_system_store);
        if (!ca_file_.empty()) {
            error_code ec;
            c.load_verify_file(ca_file_.string(), ec);
            if (ec)
                throw config_error(
                    concat({"[plugins] ca_file: cannot load ", ca_file_.string(), ": ", ec.message()}));
        }
        context_.emplace(std::move(c));
    }

    std::filesystem::path ca_file_;
    std::once_flag once_;
    std::optional<ssl::context> context_;
};

}  // namespace

struct http_client_impl::tls_settings {
    explicit tls_settings(const std::filesystem::path& ca_file) : context(ca_file) {}
    lazy_tls_context context;
};

namespace {

using request_message = http::request<http::string_body>;

// Response heads larger than this are refused; bodies have the caller's cap.
constexpr std::uint32_t max_response_head = 64u << 10;

// What the exchange needs from the request URL.
struct endpoint_url {
    bool tls = false;
    std::string host;  // for DNS, SNI and the certificate check; IPv6 without brackets
    bool host_is_address = false;
    std::uint16_t port = 0;
    std::string authority;  // as written, for Host and messages: "[::1]:8443", "api.example.com"
    std::string target;     // path and query
};

result<endpoint_url> parse_url(std::string_view text) {
    const auto parsed = urls::parse_absolute_uri(text);
    if (!parsed) return {errc::invalid, "the URL is not an absolute http:// or https:// URL"};
    const auto& url = *parsed;
    endpoint_url out;
    if (url.scheme_id() == urls::scheme::https)
        out.tls = true;
    else if (url.scheme_id() != urls::scheme::http)
        return {errc::invalid, "the URL's scheme is not http or https"};
    if (url.has_userinfo())
        return {errc::invalid, "credentials in the URL are not supported; send a header instead"};
    switch (url.host_type()) {
        case urls::host_type::name: out.host = url.host_name(); break;
        case urls::host_type::ipv4:
        case urls::host_type::ipv6:
            out.host = url.host_address();
            out.host_is_address = true;
            break;
        default: return {errc::invalid, "the URL has no usable host"};
    }
    if (out.host.empty()) return {errc::invalid, "the URL has no host"};
    out.port = out.tls ? 443 : 80;
    if (url.has_port()) {
        const std::string_view port = url.port();
        unsigned number = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
            number > 65535)
            return {errc::invalid, "the URL's port is not 1-65535"};
        out.port = static_cast<std::uint16_t>(number);
    }
    out.authority = url.encoded_host_and_port();
    out.target = url.encoded_target();
    if (!out.target.starts_with('/')) out.target.insert(0, "/");
    return out;
}

// RFC 9110 token: methods and header names.
bool is_token(std::string_view text) {
    constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               specials.find(c) != std::string_view::npos;
    });
}

// No CR, LF, NUL or other control character (tab aside) that could end the
// field early and smuggle another header in.
bool is_field_value(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\t') || byte == 0x7f;
    });
}

// Messages name the header, never its value (it may be a credential).
result<request_message> make_message(const http_client_request& in, const endpoint_url& url) {
    if (!is_token(in.method)) return {errc::invalid, "the method is not an HTTP token"};
    request_message out;
    out.method_string(in.method);
    out.target(url.target);
    out.version(11);
    out.set(http::field::host, url.authority);
    out.set(http::field::user_agent, concat({"warren-gateway/", warren_version}));
    // One connection per call: say so, so the server closes rather than waits.
    out.set(http::field::connection, "close");
    for (const auto& header : in.headers) {
        if (!is_token(header.name)) return {errc::invalid, "a header name is not an HTTP token"};
        if (!is_field_value(header.value))
            return {errc::invalid,
                    concat({"header ", header.name, ": the value has a control character"})};
        switch (http::string_to_field(header.name)) {
            // Framing and the connection are the client's to set.
            case http::field::host:
            case http::field::content_length:
            case http::field::transfer_encoding:
            case http::field::connection: break;
            case http::field::user_agent: out.set(http::field::user_agent, header.value); break;
            default: out.insert(header.name, header.value);
        }
    }
    out.body() = in.body;
    out.prepare_payload();
    return out;
}

// One exchange on its own io_context, run on the calling thread. Every step
// is an asynchronous operation waited for with one deadline (rather than a
// blocking call with a timeout per step), so the whole exchange costs the
// caller request.timeout at most, however the server dawdles.
class exchange {
public:
    exchange(const http_client_request& request, const endpoint_url& url, lazy_tls_context& tls)
        : request_(request),
          url_(url),
          tls_(tls),
          deadline_(std::chrono::steady_clock::now() + request.timeout),
          where_(concat({request.method, " ", url.tls ? "https://" : "http://", url.authority})) {}

    result<http_client_response> run(request_message& message) {
        std::vector<tcp::endpoint> endpoints;
        if (auto ec = resolve(endpoints)) return failed("resolve", ec);
        if (!url_.tls) {
            tcp::socket socket(io_);
            if (auto ec = connect(socket, endpoints)) return failed("connect", ec);
            return talk(socket, socket, message);
        }
        ssl::stream<tcp::socket> stream(io_, tls_.get());
        if (auto ec = connect(stream.next_layer(), endpoints)) return failed("connect", ec);
        if (auto problem = handshake(stream)) return *problem;
        return talk(stream, stream.next_layer(), message);
    }

private:
    // Starts an operation (`start(handler)`) and runs the io_context until it
    // completes or the deadline passes; then `cancel()` makes it finish at
    // once and the result is timed_out.
    template <class Start, class Cancel>
    error_code wait(Start&& start, Cancel&& cancel) {
        std::optional<error_code> done;
        start([&done](error_code ec, auto&&...) { done = ec; });
        io_.restart();
        while (!done && io_.run_one_until(deadline_) != 0) {
        }
        if (done) return *done;
        cancel();
        io_.restart();
        while (!done && io_.run_one() != 0) {
        }
        return net::error::timed_out;
    }

    error failed(std::string_view step, const error_code& ec) const {
        if (ec == net::error::timed_out)
            return {errc::unavailable, concat({where_, ": ", step, ": timed out after ",
                                               std::to_string(request_.timeout.count()), "ms"})};
        return {errc::unavailable, concat({where_, ": ", step, ": ", ec.message()})};
    }

    // An IP address needs no DNS; the resolver's thread could not be
    // interrupted anyway, so the system resolver's own timeouts bound a name.
    error_code resolve(std::vector<tcp::endpoint>& endpoints) {
        if (url_.host_is_address) {
            error_code ec;
            const auto address = net::ip::make_address(url_.host, ec);
            if (!ec) endpoints.emplace_back(address, url_.port);
            return ec;
        }
        tcp::resolver resolver(io_);
        return wait(
            [&](auto handler) {
                resolver.async_resolve(
                    url_.host, std::to_string(url_.port),
                    [&endpoints, handler](error_code ec, const tcp::resolver::results_type& found) {
                        for (const auto& entry : found) endpoints.push_back(entry.endpoint());
                        handler(ec);
                    });
            },
            [&] { resolver.cancel(); });
    }

    error_code connect(tcp::socket& socket, const std::vector<tcp::endpoint>& endpoints) {
        return wait([&](auto handler) { net::async_connect(socket, endpoints, handler); },
                    [&] { close(socket); });
    }

    // SNI and the certificate's name (or address) check, by OpenSSL itself so
    // that a mismatch is reported as one.
    std::optional<error> handshake(ssl::stream<tcp::socket>& stream) {
        SSL* ssl = stream.native_handle();
        const bool named =
            url_.host_is_address
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str())
                : SSL_set_tlsext_host_name(ssl, url_.host.c_str()) &&
                      SSL_set1_host(ssl, url_.host.c_str());
        if (!named)
            return error{errc::invalid, concat({where_, ": TLS handshake: cannot check the host"})};
        const auto ec =
            wait([&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); },
                 [&] { close(stream.next_layer()); });
        if (!ec) return std::nullopt;
        const auto verified = SSL_get_verify_result(ssl);
        if (ec != net::error::timed_out && verified != X509_V_OK)
            return error{errc::unavailable,
                         concat({where_, ": TLS handshake: certificate verification failed: ",
                                 X509_verify_cert_error_string(verified)})};
        return failed("TLS handshake", ec);
    }

    template <class Stream>
    result<http_client_response> talk(Stream& stream, tcp::socket& socket,
                                      request_message& message) {
        const auto cancel = [&] { close(socket); };
        if (auto ec =
                wait([&](auto handler) { http::async_write(stream, message, handler); }, cancel))
            return failed("send", ec);
        boost::beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.header_limit(max_response_head);
        parser.body_limit(request_.max_response_bytes);
        // The answer to HEAD has the Content-Length of a body it does not carry.
        parser.skip(message.method() == http::verb::head);
        const auto ec =
            wait([&](auto handler) { http::async_read(stream, buffer, parser, handler); }, cancel);
        if (ec == http::error::body_limit)
            return error{errc::unavailable,
                         concat({where_, ": the response body is larger than the limit of ",
                                 std::to_string(request_.max_response_bytes), " bytes"})};
        if (ec) return failed("read", ec);
        auto response = parser.release();
        http_client_response out;
        out.status = static_cast<int>(response.result_int());
        for (const auto& field : response)
            out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        out.body = std::move(response.body());
        return out;
    }

    static void close(tcp::socket& socket) {
        error_code ignored;  // closing is how a step is cancelled; it has no failure to report
        socket.close(ignored);
    }

    const http_client_request& request_;
    const endpoint_url& url_;
    lazy_tls_context& tls_;
    const std::chrono::steady_clock::time_point deadline_;
    const std::string where_;  // "POST https://api.example.com": no path, it may hold a secret
    net::io_context io_{1};
};

}  // namespace

http_client_impl::http_client_impl(const std::filesystem::path& ca_file)
    : tls_(std::make_unique<tls_settings>(ca_file)) {}

http_client_impl::~http_client_impl() = default;

result<http_client_response> http_client_impl::send(const http_client_request& request) noexcept {
    try {
        auto url = parse_url(request.url);
        if (!url) return url.error();
        auto message = make_message(request, *url);
        if (!message) return message.error();
        exchange call(request, *url, tls_->context);
        return call.run(*message);
    } catch (const std::exception& e) {
        // Out of memory, or a socket the system would not give.
        return {errc::internal, concat({"HTTP client: ", e.what()})};
    }
}

}  // namespace warren
