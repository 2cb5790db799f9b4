#pragma once
// One public HTTP/1.1 connection to the gateway, plain or TLS.
//
// The connection starts on its own strand. Once a request routes to a tunnel,
// the rest of the connection continues on that tunnel's strand (a new
// coroutine takes over; the old one ends), so a request and the mux session
// it travels through never need locks. The apex host (health, metrics,
// /_warren/connect) is served where the connection is.
//
// Timeouts: a deadline timer closes the socket if a read or write stalls
// (header read, keep-alive idle, body inactivity). Each coroutine arms it on
// its own strand, so the timer handler never races the socket's user.
#include "gateway/gateway_context.hpp"
#include "gateway/responses.hpp"
#include "http/message_parser.hpp"
#include "limits/gateway_limits.hpp"
#include "protocol/mux_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <memory>
#include <string>

namespace warren {

template <class Stream>
class http_connection : public std::enable_shared_from_this<http_connection<Stream>> {
public:
    // `slot` is the connection's place under [limits] max_connections_per_ip,
    // held until the connection closes (or becomes a tunnel session).
    http_connection(Stream stream, boost::beast::flat_buffer buffer, gateway_context& ctx, bool tls,
                    limits::connection_counter::slot slot = {});
    ~http_connection();

    // Serves requests until the connection closes. `pending`/`target` carry a
    // request already read and routed when the connection moves strands.
    static boost::asio::awaitable<void> run(std::shared_ptr<http_connection> self,
                                            std::unique_ptr<http::request_parser> pending = nullptr,
                                            std::shared_ptr<tunnel> target = nullptr);

private:
    struct exchange;
    enum class next_step { proceed, close, handed_off };

    static constexpr std::chrono::seconds linger_timeout{2};
    static constexpr std::size_t linger_bytes = 1u << 20;

    std::unique_ptr<http::request_parser> make_parser() const;
    // Reads the next request head and decides where it goes: proceed with
    // `t` set means "proxy to t"; proceed without means "answered, next".
    boost::asio::awaitable<next_step> read_and_route(http::request_parser& parser, std::shared_ptr<tunnel>& t,
                                                     const boost::asio::any_io_executor& strand);
    void begin_close(const boost::asio::any_io_executor& strand);
    boost::asio::awaitable<void> linger_close(const boost::asio::any_io_executor& strand);

    boost::asio::awaitable<bool> serve_apex(http::request_parser& parser);
    // Hands an apex request to an app: the [dashboard] or the sign-in routes
    // (on the blocking pool, through app_gate.hpp).
    boost::asio::awaitable<bool> serve_http_app(http::request_parser& parser, http_app& app);
    warren::http_request app_request(const request_head& head) const;
    // GET /_warren/events: the dashboard's server-sent events (event_stream.cpp).
    boost::asio::awaitable<bool> serve_events(http::request_parser& parser);
    boost::asio::awaitable<bool> proxy(http::request_parser& parser, const std::shared_ptr<tunnel>& t);
    boost::asio::awaitable<void> pump_request(http::request_parser& parser,
                                              std::shared_ptr<proto::mux_stream> s, exchange& x);
    boost::asio::awaitable<void> pump_response(std::shared_ptr<proto::mux_stream> s, exchange& x);
    boost::asio::awaitable<bool> await_final_head(std::shared_ptr<proto::mux_stream> s, exchange& x,
                                                  response_head& head, std::uint8_t& flags, bool upgrade);
    boost::asio::awaitable<void> forward_response(std::shared_ptr<proto::mux_stream> s, exchange& x,
                                                  response_head head, std::uint8_t flags);
    boost::asio::awaitable<void> pump_upgraded(std::shared_ptr<proto::mux_stream> s, exchange& x);
    boost::asio::awaitable<void> connect_tunnel(http::request_parser& parser);
    // Hands the [[request_log]] sinks a record of a finished request to `tunnel`.
    void submit_request_record(const request_head& head, std::string_view tunnel,
                               std::chrono::system_clock::time_point started_at,
                               std::chrono::steady_clock::time_point started, unsigned status,
                               std::uint64_t bytes_in, std::uint64_t bytes_out);
    // Records "last seen" of a keyed tunnel (no-op for an empty name).
    void touch_keyed_tunnel(const std::string& name);

    // Writes a complete response; false if the write failed.
    boost::asio::awaitable<bool> respond(const simple_response& r);
    // 503 and 429 carry Retry-After: `retry_after` seconds.
    boost::asio::awaitable<bool> respond_error(unsigned status, std::string_view message,
                                               const http::request_parser* parser, bool close,
                                               std::chrono::seconds retry_after = std::chrono::seconds(5));
    // One rate limit for this request (or connect): the decision, counted in
    // /metrics. Allowed when that limit is off.
    limits::decision check_rate(limits::rate_kind kind, std::string_view key);
    // Waits until the peer sends something or `idle` passes (plain HTTP only;
    // true if there is something to read).
    boost::asio::awaitable<bool> wait_readable(std::chrono::milliseconds idle,
                                               const boost::asio::any_io_executor& strand);

    // Closes the socket when a read or a write stalls. Reads and writes have
    // one deadline each, since a request body and its response can flow at
    // the same time.
    struct deadline {
        explicit deadline(boost::asio::io_context& ioc) : timer(ioc) {}
        boost::asio::steady_timer timer;
        std::uint64_t generation = 0;
        bool fired = false;
    };
    void arm(deadline& d, std::chrono::milliseconds after, const boost::asio::any_io_executor& strand);
    void disarm(deadline& d);
    void close_socket() noexcept;

    Stream stream_;
    boost::beast::flat_buffer buffer_;
    gateway_context& ctx_;
    bool tls_;
    std::string client_ip_;
    deadline read_deadline_;
    deadline write_deadline_;
    unsigned served_ = 0;
    limits::connection_counter::slot slot_;
};

}  // namespace warren
