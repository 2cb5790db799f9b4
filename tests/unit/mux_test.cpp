// The multiplexer end to end: a gateway-role and a client-role mux_session
// on one io_context, joined by an in-memory message transport. The transport
// counts every DATA byte a side writes and every WINDOW it reads, so the tests
// can assert the flow-control promise itself: a sender never has more
// unacknowledged bytes in flight than the receiver granted.
#include "protocol/mux_session.hpp"
#include "protocol/mux_stream.hpp"

#include "pattern.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <vector>

namespace warren::proto {
namespace {
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr int gateway_side = 0;
constexpr int client_side = 1;

// ---- the in-memory transport ------------------------------------------------

// What two transports share: one message queue per direction, the close each
// side sent, and per-side accounting of credit.
struct memory_link {
    struct message {
        clock_type::time_point ready;
        std::string bytes;
        bool text = false;
    };
    struct direction {  // messages written by one side, read by the other
        std::deque<message> queue;
        bool closed = false;  // no more messages after the queued ones
        error_code close_error;
    };
    struct side_state {
        // Credit the peer granted at the handshake; the bound to check.
        std::int64_t stream_window = 0;
        std::int64_t connection_window = 0;
        std::map<std::uint32_t, std::int64_t> data_sent;         // DATA payload bytes written
        std::map<std::uint32_t, std::int64_t> window_received;   // WINDOW increments read (0 = connection)
        std::int64_t total_sent = 0;
        std::int64_t max_stream_in_flight = 0;
        std::int64_t max_connection_in_flight = 0;
        int violations = 0;
        bool paused = false;     // this side's reader does not read (a slow consumer of the socket)
        bool aborted = false;    // this side's socket is closed: its operations fail at once
        std::optional<websocket::close_reason> sent_close;
        std::function<void(std::string&)> tamper;  // applied to each message this side writes
        std::function<clock_type::duration(std::string_view)> extra_delay;  // per message this side writes
        std::unique_ptr<async_signal> readable;    // wakes this side's reader
        std::size_t messages_written = 0;
        std::vector<std::pair<std::uint32_t, reason_payload>> resets_sent;  // stream id, code and reason
    };

    direction dir[2];  // dir[s]: written by side s
    side_state side[2];
    clock_type::duration delay{};  // delivery latency, both ways

    void push(int from, std::string bytes, bool text) {
        auto ready = clock_type::now() + delay;
        if (side[from].extra_delay) ready += side[from].extra_delay(bytes);
        dir[from].queue.push_back({ready, std::move(bytes), text});
        side[1 - from].readable->notify();
    }
    // Closes both directions: what a WebSocket close or a TCP reset looks like.
    void shut(error_code for_side0, error_code for_side1) {
        for (int s : {0, 1}) {
            if (!dir[s].closed) {
                dir[s].closed = true;
                dir[s].close_error = s == 0 ? for_side1 : for_side0;  // the reader of dir[s] is 1 - s
            }
            side[s].readable->notify();
        }
    }
};

class memory_transport final : public frame_transport {
public:
    memory_transport(std::shared_ptr<memory_link> link, int side, net::any_io_executor ex)
        : link_(std::move(link)), side_(side), timer_(ex) {}

    net::awaitable<error_code> read(boost::beast::flat_buffer& buf, bool& text) override {
        buf.clear();
        auto& me = link_->side[side_];
        auto& in = link_->dir[1 - side_];
        for (;;) {
            if (me.aborted) co_return make_error_code(net::error::operation_aborted);
            if (!me.paused && !in.queue.empty()) {
                auto& m = in.queue.front();
                if (m.ready > clock_type::now()) {
                    timer_.expires_at(m.ready);
                    auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
                    (void)ec;
                    continue;
                }
                auto b = buf.prepare(m.bytes.size());
                std::memcpy(b.data(), m.bytes.data(), m.bytes.size());
                buf.commit(m.bytes.size());
                text = m.text;
                count_read(m.bytes, text);
                in.queue.pop_front();
                co_return error_code{};
            }
            if (in.closed && (in.queue.empty() || me.paused)) co_return in.close_error;
            co_await me.readable->wait();
        }
    }

    net::awaitable<error_code> write(const std::array<net::const_buffer, 2>& bufs, bool text) override {
        auto& me = link_->side[side_];
        if (me.aborted) co_return make_error_code(net::error::operation_aborted);
        if (link_->dir[side_].closed) co_return make_error_code(websocket::error::closed);
        std::string m;
        for (const auto& b : bufs) m.append(static_cast<const char*>(b.data()), b.size());
        count_write(m, text);
        if (me.tamper) me.tamper(m);
        ++me.messages_written;
        link_->push(side_, std::move(m), text);
        co_return error_code{};
    }

    net::awaitable<void> close(websocket::close_reason reason) override {
        auto& me = link_->side[side_];
        if (link_->dir[side_].closed || me.aborted) co_return;
        me.sent_close = reason;
        link_->shut(websocket::error::closed, websocket::error::closed);
        co_return;
    }

    void abort() noexcept override {
        auto& me = link_->side[side_];
        if (me.aborted) return;
        me.aborted = true;
        error_code reset = net::error::connection_reset;
        error_code aborted = net::error::operation_aborted;
        if (side_ == 0) link_->shut(aborted, reset);
        else link_->shut(reset, aborted);
    }

    std::string remote_ip() const override { return "192.0.2.1"; }

private:
    void count_write(std::string_view m, bool text) {
        const auto h = decode_header(m);
        auto& me = link_->side[side_];
        if (!text && h && h->type == frame_type::reset)
            if (auto why = decode_reason(m.substr(frame_header_size))) me.resets_sent.emplace_back(h->stream_id, *why);
        if (text || !h || h->type != frame_type::data || (h->flags & flag::meta)) return;
        const auto n = static_cast<std::int64_t>(m.size() - frame_header_size);
        me.data_sent[h->stream_id] += n;
        me.total_sent += n;
        const std::int64_t stream = me.data_sent[h->stream_id] - me.window_received[h->stream_id];
        const std::int64_t conn = me.total_sent - me.window_received[0];
        me.max_stream_in_flight = std::max(me.max_stream_in_flight, stream);
        me.max_connection_in_flight = std::max(me.max_connection_in_flight, conn);
        if (stream > me.stream_window || conn > me.connection_window) ++me.violations;
    }

    void count_read(std::string_view m, bool text) {
        const auto h = decode_header(m);
        if (text || !h || h->type != frame_type::window) return;
        if (auto inc = decode_window(m.substr(frame_header_size)))
            link_->side[side_].window_received[h->stream_id] += *inc;
    }

    std::shared_ptr<memory_link> link_;
    int side_;
    net::steady_timer timer_;
};

// ---- fixture ----------------------------------------------------------------

mux_settings windows(std::uint32_t stream, std::uint32_t connection, bool integrity = false) {
    mux_settings s;
    s.recv_stream_window = s.send_stream_window = stream;
    s.recv_connection_window = s.send_connection_window = connection;
    s.max_frame_payload = 16u << 10;
    s.integrity = integrity;
    return s;
}

std::string pattern(std::uint64_t offset, std::size_t n) {
    std::string s(n, '\0');
    test::fill_pattern(offset, {s.data(), s.size()});
    return s;
}

request_head get(std::string target = "/") {
    request_head h;
    h.method = "GET";
    h.target = std::move(target);
    h.headers = {{"Host", "demo.localhost"}};
    return h;
}

response_head status(unsigned code) {
    response_head h;
    h.status = code;
    h.reason = code == 100 ? "Continue" : "OK";
    return h;
}

class mux_test : public ::testing::Test {
protected:
    using stream_ptr = std::shared_ptr<mux_stream>;

    void start(mux_settings s) { start(s, s); }
    void start(mux_settings gw_settings, mux_settings cl_settings) {
        link_ = std::make_shared<memory_link>();
        for (int side : {gateway_side, client_side}) {
            link_->side[side].readable = std::make_unique<async_signal>(strand_[side]);
            const mux_settings& peer = side == gateway_side ? cl_settings : gw_settings;
            link_->side[side].stream_window = peer.recv_stream_window;
            link_->side[side].connection_window = peer.recv_connection_window;
        }
        gw_ = std::make_shared<mux_session>(
            strand_[gateway_side], std::make_unique<memory_transport>(link_, gateway_side, strand_[gateway_side]),
            mux_role::gateway, gw_settings);
        cl_ = std::make_shared<mux_session>(
            strand_[client_side], std::make_unique<memory_transport>(link_, client_side, strand_[client_side]),
            mux_role::client, cl_settings);
        cl_->on_open([this](stream_ptr s, open_payload p, std::uint8_t flags) {
            ++opened_;
            if (serve_)
                spawn(client_side, [fn = serve_, s, p = std::move(p), flags]() mutable { return fn(s, std::move(p), flags); });
        });
        net::co_spawn(strand_[gateway_side], gw_->run(), [this](std::exception_ptr e, error_code ec) {
            if (e) std::rethrow_exception(e);
            gw_result_ = ec;
        });
        net::co_spawn(strand_[client_side], cl_->run(), [this](std::exception_ptr e, error_code ec) {
            if (e) std::rethrow_exception(e);
            cl_result_ = ec;
        });
    }

    void TearDown() override {
        // After a failed assertion, coroutines may still refer to the test
        // body's locals: leave them suspended rather than resume them.
        if (gw_ && !HasFailure()) {
            net::post(strand_[gateway_side], [gw = gw_] { gw->abort(); });
            net::post(strand_[client_side], [cl = cl_] { cl->abort(); });
            run_until([&] { return gw_result_ && cl_result_; }, 5s);
            run_for(20ms);
        }
        serve_ = nullptr;
        if (cl_) cl_->on_open(nullptr);
    }

    // co_spawn keeps the callable alive while its coroutine runs: never pass
    // the coroutine of a temporary lambda, whose captures would dangle.
    template <class F>
    void spawn(int side, F f) {
        net::co_spawn(strand_[side], std::move(f), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    }

    // Runs the io_context until pred() holds; false on timeout.
    bool run_until(const std::function<bool()>& pred, clock_type::duration timeout = 20s) {
        const auto deadline = clock_type::now() + timeout;
        while (!pred()) {
            if (clock_type::now() > deadline) return false;
            ioc_.run_one_for(10ms);
            if (ioc_.stopped()) ioc_.restart();
        }
        return true;
    }

    // Lets queued work run for a while (used to show that nothing happens).
    void run_for(clock_type::duration d) {
        const auto deadline = clock_type::now() + d;
        while (clock_type::now() < deadline) {
            ioc_.run_one_for(5ms);
            if (ioc_.stopped()) ioc_.restart();
        }
    }

    // Opens a stream from the gateway side (must run on the gateway strand).
    stream_ptr open(const request_head& head, std::uint8_t flags, error_code& ec) {
        stream_ptr s;
        bool done = false;
        net::post(strand_[gateway_side], [&] {
            s = gw_->open_stream(head, flags, 7, ec);
            done = true;
        });
        run_until([&] { return done; });
        return s;
    }

    static net::awaitable<error_code> read_all(stream_ptr s, std::string& out, bool consume = true) {
        out.clear();
        for (;;) {
            std::string chunk;
            bool end = false;
            if (auto ec = co_await s->read_body(chunk, end)) co_return ec;
            out += chunk;
            if (consume) s->consumed(chunk.size());
            if (end) co_return error_code{};
        }
    }

    net::io_context ioc_;
    net::any_io_executor strand_[2] = {net::make_strand(ioc_), net::make_strand(ioc_)};
    std::shared_ptr<memory_link> link_;
    std::shared_ptr<mux_session> gw_, cl_;
    std::optional<error_code> gw_result_, cl_result_;
    std::function<net::awaitable<void>(stream_ptr, open_payload, std::uint8_t)> serve_;
    int opened_ = 0;
};

// ---- round trip -------------------------------------------------------------

TEST_F(mux_test, request_and_response_round_trip) {
    start(windows(256u << 10, 1u << 20));
    bool served = false;
    serve_ = [&](stream_ptr s, open_payload p, std::uint8_t flags) -> net::awaitable<void> {
        EXPECT_EQ(p.epoch, 7u);
        EXPECT_EQ(p.head.method, "POST");
        EXPECT_EQ(p.head.target, "/hook?x=1");
        EXPECT_EQ(p.head.headers, (header_list{{"Host", "demo.localhost"}, {"X-Sig", "abc"}}));
        EXPECT_TRUE(flags & flag::chunked);
        EXPECT_FALSE(flags & flag::end);
        std::string body;
        EXPECT_FALSE(co_await read_all(s, body));
        EXPECT_EQ(body, "hello, world");
        EXPECT_EQ(s->trailers(), (header_list{{"X-Req-Trailer", "1"}}));
        s->send_head(status(100), 0);
        response_head final = status(200);
        final.headers = {{"Content-Type", "text/plain"}};
        s->send_head(final, flag::chunked);
        EXPECT_FALSE(co_await s->write_body("response ", false));
        EXPECT_FALSE(co_await s->write_body("body", false));
        // (g++ 12 cannot hold a braced list across co_await: build it first)
        header_list trailers{{"X-Trailer", "done"}};
        EXPECT_FALSE(co_await s->finish_body(std::move(trailers)));
        served = true;
    };

    request_head head;
    head.method = "POST";
    head.target = "/hook?x=1";
    head.headers = {{"Host", "demo.localhost"}, {"X-Sig", "abc"}};
    error_code ec;
    auto s = open(head, flag::chunked, ec);
    ASSERT_TRUE(s) << ec.message();
    EXPECT_EQ(s->id(), 1u);

    bool done = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        EXPECT_FALSE(co_await s->write_body("hello, ", false));
        EXPECT_FALSE(co_await s->write_body("world", false));
        // (g++ 12 cannot hold a braced list across co_await: build it first)
        header_list trailers{{"X-Req-Trailer", "1"}};
        EXPECT_FALSE(co_await s->finish_body(std::move(trailers)));
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        EXPECT_EQ(h.status, 100u);
        EXPECT_FALSE(co_await s->read_head(h, flags));
        EXPECT_EQ(h.status, 200u);
        EXPECT_EQ(h.headers, (header_list{{"Content-Type", "text/plain"}}));
        EXPECT_TRUE(flags & flag::chunked);
        std::string body;
        EXPECT_FALSE(co_await read_all(s, body));
        EXPECT_EQ(body, "response body");
        EXPECT_EQ(s->trailers(), (header_list{{"X-Trailer", "done"}}));
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done && served; }));
    EXPECT_TRUE(s->finished());
    EXPECT_FALSE(s->failed());
    // Both tables forget a finished stream.
    ASSERT_TRUE(run_until([&] { return gw_->stream_count() == 0 && cl_->stream_count() == 0; }));

    // Ids increase and are never reused.
    auto s2 = open(get(), flag::end, ec);
    ASSERT_TRUE(s2);
    EXPECT_EQ(s2->id(), 2u);
}

TEST_F(mux_test, bodyless_exchange_and_end_flags) {
    start(windows(64u << 10, 256u << 10));
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t flags) -> net::awaitable<void> {
        EXPECT_TRUE(flags & flag::end);
        std::string body;
        bool end = false;
        EXPECT_FALSE(co_await s->read_body(body, end));  // OPEN with END: the body is empty and done
        EXPECT_TRUE(end);
        EXPECT_TRUE(body.empty());
        s->send_head(status(204), flag::end);
        co_return;
    };
    error_code ec;
    auto s = open(get(), flag::end, ec);
    ASSERT_TRUE(s);
    bool done = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        EXPECT_EQ(h.status, 204u);
        EXPECT_TRUE(flags & flag::end);
        std::string body;
        bool end = false;
        EXPECT_FALSE(co_await s->read_body(body, end));
        EXPECT_TRUE(end);
        // Writing after END is the caller's mistake, reported, never sent.
        EXPECT_EQ(co_await s->write_body("x", true), make_error_code(mux_errc::protocol_error));
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }));
    ASSERT_TRUE(run_until([&] { return gw_->stream_count() == 0 && cl_->stream_count() == 0; }));
}

// ---- flow control -----------------------------------------------------------

TEST_F(mux_test, large_bodies_arrive_intact_within_small_windows) {
    constexpr std::uint32_t stream_window = 256u << 10;
    constexpr std::uint32_t conn_window = 1u << 20;
    constexpr std::uint64_t response_size = 64ull << 20;
    constexpr std::uint64_t request_size = 8ull << 20;
    constexpr std::size_t piece = 1u << 20;
    start(windows(stream_window, conn_window));
    link_->delay = 200us;  // a little latency, so credit lags behind data

    bool served = false, upload_ok = false;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        // Read the upload while streaming the download (both directions at once).
        spawn(client_side, [&, s]() -> net::awaitable<void> {
            std::uint64_t got = 0;
            for (;;) {
                std::string chunk;
                bool end = false;
                if (co_await s->read_body(chunk, end)) break;
                if (chunk != pattern(got, chunk.size())) break;
                got += chunk.size();
                s->consumed(chunk.size());
                if (end) {
                    upload_ok = got == request_size;
                    break;
                }
            }
        });
        s->send_head(status(200), 0);
        for (std::uint64_t off = 0; off < response_size; off += piece)
            if (co_await s->write_body(pattern(off, piece), off + piece == response_size)) co_return;
        served = true;
    };

    error_code ec;
    auto s = open(get("/big"), 0, ec);
    ASSERT_TRUE(s);
    std::uint64_t received = 0;
    bool intact = true, done = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        for (std::uint64_t off = 0; off < request_size; off += piece)
            if (co_await s->write_body(pattern(off, piece), off + piece == request_size)) co_return;
    });
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        for (;;) {
            std::string chunk;
            bool end = false;
            if (auto e = co_await s->read_body(chunk, end)) {
                ADD_FAILURE() << e.message();
                co_return;
            }
            if (chunk != pattern(received, chunk.size())) intact = false;
            received += chunk.size();
            s->consumed(chunk.size());
            if (end) break;
        }
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done && served && upload_ok; }, 120s));
    EXPECT_EQ(received, response_size);
    EXPECT_TRUE(intact);
    for (int side : {gateway_side, client_side}) {
        const auto& st = link_->side[side];
        EXPECT_EQ(st.violations, 0) << side;
        EXPECT_LE(st.max_stream_in_flight, stream_window) << side;
        EXPECT_LE(st.max_connection_in_flight, conn_window) << side;
        // The windows were actually used, not just respected.
        EXPECT_GE(st.max_stream_in_flight, stream_window / 2) << side;
    }
    EXPECT_EQ(link_->side[client_side].data_sent.at(1), static_cast<std::int64_t>(response_size));
    EXPECT_EQ(link_->side[gateway_side].data_sent.at(1), static_cast<std::int64_t>(request_size));
}

TEST_F(mux_test, sender_stops_at_the_granted_window) {
    constexpr std::uint32_t stream_window = 64u << 10;
    constexpr std::uint32_t conn_window = 256u << 10;
    start(windows(stream_window, conn_window));
    // The gateway's socket is not read at all: only credit limits the client.
    link_->side[gateway_side].paused = true;
    int writers_done = 0;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        s->send_head(status(200), 0);
        EXPECT_FALSE(co_await s->write_body(pattern(0, 1u << 20), true));
        ++writers_done;
    };
    error_code ec;
    std::vector<stream_ptr> streams;
    for (int i = 0; i < 8; ++i) streams.push_back(open(get(), flag::end, ec));
    ASSERT_TRUE(run_until([&] { return opened_ == 8; }));
    run_for(200ms);
    const auto& st = link_->side[client_side];
    EXPECT_EQ(writers_done, 0);
    // Eight streams of 64 KiB would be 512 KiB: the connection caps them at 256 KiB.
    EXPECT_EQ(st.total_sent, conn_window);
    for (const auto& [id, n] : st.data_sent) EXPECT_LE(n, stream_window) << id;
    EXPECT_EQ(st.violations, 0);

    // Reading and consuming lets every stream finish.
    link_->side[gateway_side].paused = false;
    link_->side[gateway_side].readable->notify();
    int complete = 0;
    for (auto& s : streams) {
        spawn(gateway_side, [&, s]() -> net::awaitable<void> {
            response_head h;
            std::uint8_t flags = 0;
            EXPECT_FALSE(co_await s->read_head(h, flags));
            std::string body;
            EXPECT_FALSE(co_await read_all(s, body));
            EXPECT_EQ(body.size(), 1u << 20);
            ++complete;
        });
    }
    ASSERT_TRUE(run_until([&] { return complete == 8 && writers_done == 8; }));
    EXPECT_EQ(st.violations, 0);
}

TEST_F(mux_test, slow_reader_on_one_stream_does_not_stall_another) {
    constexpr std::uint32_t stream_window = 256u << 10;
    start(windows(stream_window, 1u << 20));
    int finished_writers = 0;
    serve_ = [&](stream_ptr s, open_payload p, std::uint8_t) -> net::awaitable<void> {
        s->send_head(status(200), 0);
        const std::size_t size = p.head.target == "/a" ? (16u << 20) : (8u << 20);
        if (!co_await s->write_body(pattern(0, size), true)) ++finished_writers;
    };
    error_code ec;
    auto a = open(get("/a"), flag::end, ec);
    auto b = open(get("/b"), flag::end, ec);
    ASSERT_TRUE(a && b);

    // A's reader takes one piece and then never gives credit back.
    std::size_t a_got = 0;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await a->read_head(h, flags));
        std::string chunk;
        bool end = false;
        EXPECT_FALSE(co_await a->read_body(chunk, end));
        a_got = chunk.size();
    });
    bool b_done = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await b->read_head(h, flags));
        std::string body;
        EXPECT_FALSE(co_await read_all(b, body));
        EXPECT_EQ(body, pattern(0, 8u << 20));
        b_done = true;
    });
    ASSERT_TRUE(run_until([&] { return b_done; }));
    EXPECT_GT(a_got, 0u);
    EXPECT_EQ(finished_writers, 1);  // B's writer finished, A's waits for credit
    const auto& st = link_->side[client_side];
    EXPECT_EQ(st.data_sent.at(a->id()), stream_window);
    EXPECT_EQ(st.violations, 0);
}

// ---- RESET ------------------------------------------------------------------

TEST_F(mux_test, reset_by_the_gateway_wakes_the_client) {
    start(windows(64u << 10, 256u << 10));
    std::optional<error_code> client_read;
    std::optional<reason_payload> seen;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        std::string body;
        client_read = co_await read_all(s, body);  // the body never ends: waits until the reset
        seen = s->peer_reset();
        // Writes on a reset stream fail rather than vanish.
        EXPECT_EQ(co_await s->write_body("late", true), make_error_code(mux_errc::reset_by_peer));
    };
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(s);
    bool wrote = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        EXPECT_FALSE(co_await s->write_body("partial", false));
        wrote = true;
    });
    ASSERT_TRUE(run_until([&] { return wrote && opened_ == 1; }));
    run_for(20ms);
    net::post(strand_[gateway_side], [&] { s->reset(reset_code::cancel, "the public client went away"); });
    ASSERT_TRUE(run_until([&] { return client_read.has_value(); }));
    EXPECT_EQ(*client_read, make_error_code(mux_errc::reset_by_peer));
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->code, static_cast<std::uint32_t>(reset_code::cancel));
    EXPECT_EQ(seen->reason, "the public client went away");
    // The resetting side sees its own reset, not a peer's.
    EXPECT_TRUE(s->failed());
    EXPECT_FALSE(s->peer_reset());
    ASSERT_TRUE(run_until([&] { return gw_->stream_count() == 0 && cl_->stream_count() == 0; }));
}

TEST_F(mux_test, reset_by_the_client_wakes_the_gateway_reader_and_writer) {
    start(windows(64u << 10, 256u << 10));
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        // Take the first bytes of the upload, then give up on the local server.
        std::string chunk;
        bool end = false;
        EXPECT_FALSE(co_await s->read_body(chunk, end));
        s->reset(reset_code::upstream_failed, "connect to 127.0.0.1:3000: connection refused");
        EXPECT_EQ(co_await s->read_body(chunk, end), make_error_code(mux_errc::reset_locally));
    };
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(s);
    std::optional<error_code> write_result, head_result;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        // Far more than the window: the writer is blocked on credit when the reset comes.
        write_result = co_await s->write_body(pattern(0, 4u << 20), true);
    });
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        head_result = co_await s->read_head(h, flags);
    });
    ASSERT_TRUE(run_until([&] { return write_result && head_result; }));
    EXPECT_EQ(*write_result, make_error_code(mux_errc::reset_by_peer));
    EXPECT_EQ(*head_result, make_error_code(mux_errc::reset_by_peer));
    ASSERT_TRUE(s->peer_reset());
    EXPECT_EQ(s->peer_reset()->code, static_cast<std::uint32_t>(reset_code::upstream_failed));
    EXPECT_EQ(s->peer_reset()->reason, "connect to 127.0.0.1:3000: connection refused");
}

TEST_F(mux_test, client_refuses_streams_after_goaway) {
    start(windows(64u << 10, 256u << 10));
    std::optional<goaway_code> got;
    std::string why;
    gw_->on_goaway([&](goaway_code c, std::string_view reason) {
        got = c;
        why = std::string(reason);
    });
    net::post(strand_[client_side], [&] { cl_->go_away(goaway_code::normal, "client shutting down"); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    EXPECT_EQ(*got, goaway_code::normal);
    EXPECT_EQ(why, "client shutting down");
    EXPECT_TRUE(gw_->going_away());
    error_code ec;
    EXPECT_FALSE(open(get(), flag::end, ec));
    EXPECT_EQ(ec, make_error_code(mux_errc::going_away));
}

TEST_F(mux_test, gateway_goaway_reaches_the_client) {
    start(windows(64u << 10, 256u << 10));
    std::optional<goaway_code> got;
    std::string why;
    cl_->on_goaway([&](goaway_code c, std::string_view reason) {
        got = c;
        why = std::string(reason);
    });
    net::post(strand_[gateway_side], [&] { gw_->go_away(goaway_code::draining, "restarting"); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    EXPECT_EQ(*got, goaway_code::draining);
    EXPECT_EQ(why, "restarting");
    error_code ec;
    EXPECT_FALSE(open(get(), flag::end, ec));
    EXPECT_EQ(ec, make_error_code(mux_errc::going_away));
}

TEST_F(mux_test, open_crossing_a_client_goaway_is_refused) {
    start(windows(64u << 10, 256u << 10));
    // The client says GOAWAY while the gateway's OPEN is already on its way:
    // the stream is refused (never processed, so safe to retry elsewhere).
    net::post(strand_[client_side], [&] { cl_->go_away(goaway_code::normal, ""); });
    error_code ec;
    auto s = open(get(), flag::end, ec);
    ASSERT_TRUE(s) << ec.message();
    std::optional<error_code> result;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        result = co_await s->read_head(h, flags);
    });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }));
    EXPECT_EQ(opened_, 0);
    EXPECT_EQ(*result, make_error_code(mux_errc::reset_by_peer));
    ASSERT_TRUE(s->peer_reset());
    EXPECT_EQ(s->peer_reset()->code, static_cast<std::uint32_t>(reset_code::refused));
}

// ---- session end ------------------------------------------------------------

TEST_F(mux_test, session_abort_fails_every_stream) {
    start(windows(64u << 10, 256u << 10));
    std::vector<error_code> client_errors;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        std::string body;
        client_errors.push_back(co_await read_all(s, body));
    };
    error_code ec;
    std::vector<stream_ptr> streams;
    for (int i = 0; i < 3; ++i) streams.push_back(open(get(), 0, ec));
    std::vector<error_code> gateway_errors;
    for (auto& s : streams)
        spawn(gateway_side, [&, s]() -> net::awaitable<void> {
            response_head h;
            std::uint8_t flags = 0;
            gateway_errors.push_back(co_await s->read_head(h, flags));
        });
    ASSERT_TRUE(run_until([&] { return opened_ == 3; }));
    net::post(strand_[client_side], [&] { cl_->abort(); });
    ASSERT_TRUE(run_until([&] {
        return gateway_errors.size() == 3 && client_errors.size() == 3 && gw_result_ && cl_result_;
    }));
    for (auto e : gateway_errors) EXPECT_EQ(e, make_error_code(mux_errc::session_closed));
    for (auto e : client_errors) EXPECT_EQ(e, make_error_code(mux_errc::session_closed));
    EXPECT_TRUE(gw_->closed());
    EXPECT_EQ(gw_->stream_count(), 0u);
    // A closed session opens nothing: the request was provably not delivered.
    EXPECT_FALSE(open(get(), flag::end, ec));
    EXPECT_EQ(ec, make_error_code(mux_errc::session_closed));
}

TEST_F(mux_test, graceful_close_sends_a_normal_websocket_close) {
    start(windows(64u << 10, 256u << 10));
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(run_until([&] { return opened_ == 1; }));
    bool closed = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        gw_->go_away(goaway_code::replaced, "replaced by a newer connection");
        co_await gw_->close("replaced");
        closed = true;
    });
    std::optional<goaway_code> got;
    cl_->on_goaway([&](goaway_code c, std::string_view) { got = c; });
    ASSERT_TRUE(run_until([&] { return closed && gw_result_ && cl_result_; }));
    ASSERT_TRUE(got);  // queued frames go out before the close
    EXPECT_EQ(*got, goaway_code::replaced);
    ASSERT_TRUE(link_->side[gateway_side].sent_close);
    EXPECT_EQ(link_->side[gateway_side].sent_close->code, websocket::close_code::normal);
    EXPECT_EQ(std::string_view(link_->side[gateway_side].sent_close->reason.data(),
                               link_->side[gateway_side].sent_close->reason.size()),
              "replaced");
    EXPECT_TRUE(s->failed());
}

// ---- integrity --------------------------------------------------------------

TEST_F(mux_test, integrity_mode_round_trip) {
    start(windows(64u << 10, 256u << 10, true));
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        std::string body;
        EXPECT_FALSE(co_await read_all(s, body));
        EXPECT_EQ(body, pattern(0, 300000));
        s->send_head(status(200), 0);
        EXPECT_FALSE(co_await s->write_body(pattern(5, 200000), false));
        // (g++ 12 cannot hold a braced list across co_await: build it first)
        header_list trailers{{"X-T", "1"}};
        EXPECT_FALSE(co_await s->finish_body(std::move(trailers)));
    };
    error_code ec;
    auto s = open(get(), 0, ec);
    bool done = false;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        EXPECT_FALSE(co_await s->write_body(pattern(0, 300000), false));
        EXPECT_FALSE(co_await s->write_body({}, true));
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        std::string body;
        EXPECT_FALSE(co_await read_all(s, body));
        EXPECT_EQ(body, pattern(5, 200000));
        EXPECT_EQ(s->trailers(), (header_list{{"X-T", "1"}}));
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }));
}

// Flips one byte of the first DATA frame `side` writes at or after `skip` frames.
void tamper_data(memory_link& link, int side, int skip) {
    link.side[side].tamper = [skip, seen = 0](std::string& m) mutable {
        const auto h = decode_header(m);
        if (!h || h->type != frame_type::data || (h->flags & flag::meta) || m.size() <= frame_header_size) return;
        if (seen++ == skip) m[frame_header_size + (m.size() - frame_header_size) / 2] ^= 0x20;
    };
}

class mux_tamper_test : public mux_test, public ::testing::WithParamInterface<int> {};

TEST_P(mux_tamper_test, integrity_mode_detects_a_tampered_response_byte) {
    const int skip = GetParam();
    constexpr std::size_t size = 100000;
    constexpr std::size_t frame = 16u << 10;
    start(windows(64u << 10, 256u << 10, true));
    tamper_data(*link_, client_side, skip);
    // The end block comes late, as it may over a real network: whatever the
    // gateway can read before it is read.
    link_->side[client_side].extra_delay = [](std::string_view m) -> clock_type::duration {
        const auto h = decode_header(m);
        return h && h->type == frame_type::data && (h->flags & flag::meta) ? 30ms : 0ms;
    };
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        s->send_head(status(200), 0);
        // Many frames, then an empty last write: the shape a proxy produces.
        EXPECT_FALSE(co_await s->write_body(pattern(0, size), false));
        EXPECT_FALSE(co_await s->write_body({}, true));
    };
    error_code ec;
    auto s = open(get(), flag::end, ec);
    std::optional<error_code> result;
    std::string delivered;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        result = co_await read_all(s, delivered);
    });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }));
    EXPECT_EQ(*result, make_error_code(mux_errc::integrity_failed));
    // The client is told (its side of the stream may already be finished,
    // in which case the RESET has nothing left to wake there).
    ASSERT_TRUE(run_until([&] { return !link_->side[gateway_side].resets_sent.empty(); }));
    EXPECT_EQ(link_->side[gateway_side].resets_sent[0].first, s->id());
    EXPECT_EQ(link_->side[gateway_side].resets_sent[0].second.code, static_cast<std::uint32_t>(reset_code::integrity));
    // Earlier frames may be delivered before the digest is checked, but the
    // newest body frame is held back until it is: a consumer never completes
    // a body that fails its check (the proxy then cuts the public connection).
    EXPECT_LE(delivered.size(), size - size % frame);
    if (skip == 0 && !delivered.empty()) {
        EXPECT_NE(delivered, pattern(0, delivered.size()));
    }
}

INSTANTIATE_TEST_SUITE_P(frames, mux_tamper_test, ::testing::Values(0, 3, 6));

TEST_F(mux_test, integrity_mode_detects_a_tampered_request_byte) {
    start(windows(64u << 10, 256u << 10, true));
    tamper_data(*link_, gateway_side, 0);
    std::optional<error_code> client_result;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        std::string body;
        client_result = co_await read_all(s, body);
        EXPECT_TRUE(body.empty());  // a one-frame body is held back until its digest is checked
    };
    error_code ec;
    auto s = open(get(), 0, ec);
    std::optional<error_code> head_result;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        EXPECT_FALSE(co_await s->write_body("a signed webhook payload", true));
        response_head h;
        std::uint8_t flags = 0;
        head_result = co_await s->read_head(h, flags);
    });
    ASSERT_TRUE(run_until([&] { return client_result && head_result; }));
    EXPECT_EQ(*client_result, make_error_code(mux_errc::integrity_failed));
    EXPECT_EQ(*head_result, make_error_code(mux_errc::reset_by_peer));
    ASSERT_TRUE(s->peer_reset());
    EXPECT_EQ(s->peer_reset()->code, static_cast<std::uint32_t>(reset_code::integrity));
}

// ---- protocol violations ----------------------------------------------------

struct violation_case {
    const char* name;
    int victim;  // the side that receives the bad message
    std::string (*message)(std::uint32_t open_id);
    bool text;
    const char* reason;
};

constexpr std::uint32_t violation_stream_window = 64u << 10;
constexpr std::uint32_t violation_connection_window = 256u << 10;

const violation_case violation_cases[] = {
    {"data_beyond_the_stream_window", gateway_side,
     [](std::uint32_t id) {
         return make_frame({frame_type::data, 0, id}, std::string(violation_stream_window + 1, 'x'));
     },
     false, "stream flow-control window exceeded"},
    {"data_beyond_the_connection_window", gateway_side,
     [](std::uint32_t) {
         return make_frame({frame_type::data, 0, 99}, std::string(violation_connection_window + 1, 'x'));
     },
     false, "connection flow-control window exceeded"},
    {"open_with_a_reused_id", client_side,
     [](std::uint32_t id) { return make_frame({frame_type::open, flag::end, id}, encode_open(get(), 1)); }, false,
     "OPEN with a stream id that does not increase"},
    {"open_with_id_0", client_side,
     [](std::uint32_t) { return make_frame({frame_type::open, flag::end, 0}, encode_open(get(), 1)); }, false,
     "OPEN with a stream id that does not increase"},
    {"malformed_open", client_side,
     [](std::uint32_t) { return make_frame({frame_type::open, 0, 9}, "\x01\x02"); }, false, "malformed OPEN"},
    {"open_sent_to_the_gateway", gateway_side,
     [](std::uint32_t) { return make_frame({frame_type::open, flag::end, 50}, encode_open(get(), 1)); }, false,
     "OPEN sent to the gateway"},
    {"garbage_frame", client_side, [](std::uint32_t) { return std::string("\x09\x00\x00\x00garbage", 11); },
     false, "malformed frame header"},
    {"short_frame", gateway_side, [](std::uint32_t) { return std::string("\x03\x00", 2); }, false,
     "malformed frame header"},
    {"text_after_the_handshake", client_side, [](std::uint32_t) { return std::string("{\"type\":\"hello\"}"); },
     true, "unexpected text message"},
    {"malformed_window", client_side,
     [](std::uint32_t id) { return make_frame({frame_type::window, 0, id}, encode_u32(0)); }, false,
     "malformed WINDOW"},
    {"connection_window_overflow", client_side,
     [](std::uint32_t) { return make_frame({frame_type::window, 0, 0}, encode_u32(0x7fffffffu)); }, false,
     "connection window overflow"},
    {"end_block_without_end", gateway_side,
     [](std::uint32_t id) { return make_frame({frame_type::data, flag::meta, id}, encode_end_block({})); }, false,
     "end block without END"},
    {"malformed_end_block", gateway_side,
     [](std::uint32_t id) { return make_frame({frame_type::data, flag::meta | flag::end, id}, "\x05"); }, false,
     "malformed end block"},
    {"response_sent_to_the_client", client_side,
     [](std::uint32_t id) { return make_frame({frame_type::response, 0, id}, encode_response(status(200))); },
     false, "RESPONSE sent to the client"},
    {"malformed_reset", gateway_side,
     [](std::uint32_t id) { return make_frame({frame_type::reset, 0, id}, "\x01"); }, false, "malformed RESET"},
    {"goaway_on_a_stream", client_side,
     [](std::uint32_t id) { return make_frame({frame_type::goaway, 0, id}, encode_reason(1, "")); }, false,
     "malformed GOAWAY"},
};

class mux_violation_test : public mux_test, public ::testing::WithParamInterface<violation_case> {};

TEST_P(mux_violation_test, closes_the_session_with_1008_and_the_reason) {
    const violation_case& c = GetParam();
    // Frames as large as the windows, so each case meets the check it is about
    // (the frame-size check has its own test below).
    auto settings = windows(violation_stream_window, violation_connection_window);
    settings.max_frame_payload = 1u << 20;
    start(settings);
    std::optional<error_code> client_stream_result;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        std::string body;
        client_stream_result = co_await read_all(s, body);
    };
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(s);
    std::optional<error_code> gateway_stream_result;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        gateway_stream_result = co_await s->read_head(h, flags);
    });
    ASSERT_TRUE(run_until([&] { return opened_ == 1; }));

    const int offender = 1 - c.victim;
    link_->push(offender, c.message(s->id()), c.text);
    ASSERT_TRUE(run_until([&] { return gw_result_ && cl_result_ && gateway_stream_result && client_stream_result; }));
    const auto& victim_result = c.victim == gateway_side ? gw_result_ : cl_result_;
    EXPECT_EQ(*victim_result, make_error_code(mux_errc::protocol_error));
    // The offender learns why: WebSocket close 1008 (policy) with the reason.
    const auto& sent = link_->side[c.victim].sent_close;
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->code, websocket::close_code::policy_error);
    const std::string reason(sent->reason.data(), sent->reason.size());
    EXPECT_NE(reason.find(c.reason), std::string::npos) << reason;
    EXPECT_EQ(*gateway_stream_result, make_error_code(mux_errc::session_closed));
    EXPECT_EQ(*client_stream_result, make_error_code(mux_errc::session_closed));
}

INSTANTIATE_TEST_SUITE_P(cases, mux_violation_test, ::testing::ValuesIn(violation_cases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- limits: frame size and RESET floods -----------------------------------

TEST_F(mux_test, data_larger_than_max_frame_payload_closes_the_session) {
    start(windows(64u << 10, 256u << 10));  // max_frame_payload 16 KiB
    serve_ = [&](stream_ptr, open_payload, std::uint8_t) -> net::awaitable<void> { co_return; };
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(s);
    ASSERT_TRUE(run_until([&] { return opened_ == 1; }));
    link_->push(client_side, make_frame({frame_type::data, 0, s->id()}, std::string((16u << 10) + 1, 'x')), false);
    ASSERT_TRUE(run_until([&] { return gw_result_.has_value(); }));
    EXPECT_EQ(*gw_result_, make_error_code(mux_errc::protocol_error));
    const auto& sent = link_->side[gateway_side].sent_close;
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->code, websocket::close_code::policy_error);
    const std::string reason(sent->reason.data(), sent->reason.size());
    EXPECT_NE(reason.find("DATA frame of 16385 bytes is larger than max_frame_payload (16384)"), std::string::npos)
        << reason;
}

TEST_F(mux_test, a_frame_of_max_frame_payload_is_fine) {
    start(windows(64u << 10, 256u << 10));
    std::string got;
    std::optional<error_code> result;
    serve_ = [&](stream_ptr, open_payload, std::uint8_t) -> net::awaitable<void> { co_return; };
    error_code ec;
    auto s = open(get(), 0, ec);
    ASSERT_TRUE(s);
    ASSERT_TRUE(run_until([&] { return opened_ == 1; }));
    link_->push(client_side, make_frame({frame_type::response, flag::chunked, s->id()}, encode_response(status(200))),
                false);
    link_->push(client_side, make_frame({frame_type::data, flag::end, s->id()}, std::string(16u << 10, 'x')), false);
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        if (auto e = co_await s->read_head(h, flags)) {
            result = e;
            co_return;
        }
        result = co_await read_all(s, got);
    });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }));
    EXPECT_FALSE(*result);
    EXPECT_EQ(got.size(), 16u << 10);
    EXPECT_FALSE(gw_result_.has_value());
}

// A hostile tunnel client floods RESETs (here for streams that never
// existed): past reset_flood_limit per second the gateway sends GOAWAY and
// closes that session with the reason.
TEST_F(mux_test, reset_flood_closes_the_session_with_goaway_and_reason) {
    auto settings = windows(64u << 10, 256u << 10);
    settings.reset_flood_limit = 50;
    start(settings);
    std::string goaway_reason;
    cl_->on_goaway([&](goaway_code, std::string_view why) { goaway_reason = std::string(why); });
    for (std::uint32_t i = 0; i < 200; ++i)
        link_->push(client_side, make_frame({frame_type::reset, 0, 1000 + i}, encode_reason(1, "flood")), false);
    ASSERT_TRUE(run_until([&] { return gw_result_.has_value(); }));
    EXPECT_EQ(*gw_result_, make_error_code(mux_errc::protocol_error));
    const auto& sent = link_->side[gateway_side].sent_close;
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->code, websocket::close_code::policy_error);
    const std::string reason(sent->reason.data(), sent->reason.size());
    EXPECT_NE(reason.find("too many RESET/WINDOW frames"), std::string::npos) << reason;
    ASSERT_TRUE(run_until([&] { return !goaway_reason.empty() || cl_result_.has_value(); }, 5s));
}

// RESETs that answer streams the gateway opened are not a flood, however many.
TEST_F(mux_test, resets_that_answer_opened_streams_are_not_a_flood) {
    auto settings = windows(64u << 10, 256u << 10);
    settings.reset_flood_limit = 5;
    settings.max_streams = 1000;
    start(settings);
    int refused = 0;
    serve_ = [&](stream_ptr s, open_payload, std::uint8_t) -> net::awaitable<void> {
        s->reset(reset_code::refused, "busy");
        ++refused;
        co_return;
    };
    for (int i = 0; i < 100; ++i) {
        error_code ec;
        auto s = open(get(), flag::end, ec);
        ASSERT_TRUE(s) << ec.message();
    }
    ASSERT_TRUE(run_until([&] { return refused == 100; }));
    run_for(50ms);
    EXPECT_FALSE(gw_result_.has_value());
    EXPECT_FALSE(link_->side[gateway_side].sent_close);
}

// ---- credit is never leaked -------------------------------------------------

TEST_F(mux_test, reset_streams_return_their_connection_credit) {
    constexpr std::uint32_t stream_window = 64u << 10;
    constexpr std::uint32_t conn_window = 256u << 10;
    start(windows(stream_window, conn_window));
    link_->delay = 1ms;  // so that some DATA is still in flight when a stream is reset
    serve_ = [&](stream_ptr s, open_payload p, std::uint8_t) -> net::awaitable<void> {
        s->send_head(status(200), 0);
        if (p.head.target == "/client-resets") {
            if (!co_await s->write_body(pattern(0, 32u << 10), false)) s->reset(reset_code::internal, "");
            co_return;
        }
        const std::size_t size = p.head.target == "/small" ? (48u << 10) : (1u << 20);
        (void)co_await s->write_body(pattern(0, size), true);
    };

    // Every way a stream can end with connection credit outstanding, each
    // repeated until far more than the connection window would be stranded.
    const std::string kinds[] = {"/unread", "/read-unconsumed", "/late", "/small", "/client-resets"};
    for (int round = 0; round < 8; ++round) {
        for (const std::string& kind : kinds) {
            SCOPED_TRACE("round " + std::to_string(round) + " " + kind);
            error_code ec;
            auto s = open(get(kind), flag::end, ec);
            ASSERT_TRUE(s) << ec.message();
            bool head = false;
            spawn(gateway_side, [&, s]() -> net::awaitable<void> {
                response_head h;
                std::uint8_t flags = 0;
                const error_code e = co_await s->read_head(h, flags);
                // A RESET that arrives with the head discards the unread head.
                if (kind != "/client-resets") {
                    EXPECT_FALSE(e) << e.message();
                }
                head = true;
            });
            ASSERT_TRUE(run_until([&] { return head; }));
            if (kind == "/late") {
                // Reset at once: DATA still in flight arrives for a stream the
                // gateway has forgotten.
                net::post(strand_[gateway_side], [s] { s->reset(reset_code::cancel); });
            } else if (kind == "/small") {
                // A finished stream let go of with its body unread.
                ASSERT_TRUE(run_until([&] { return s->body_ready() && gw_->stream_count() == 0; }));
            } else if (kind == "/client-resets") {
                ASSERT_TRUE(run_until([&] { return s->failed(); }))
                    << "client credit in flight: "
                    << link_->side[client_side].total_sent - link_->side[client_side].window_received[0];
            } else {
                run_for(10ms);  // the stream window fills up
                if (kind == "/read-unconsumed") {
                    // Bytes handed to a consumer that never reports them consumed
                    // (the public socket failed while writing them).
                    bool read = false;
                    spawn(gateway_side, [&, s]() -> net::awaitable<void> {
                        std::string chunk;
                        bool end = false;
                        EXPECT_FALSE(co_await s->read_body(chunk, end));
                        EXPECT_EQ(chunk.size(), stream_window);
                        read = true;
                    });
                    ASSERT_TRUE(run_until([&] { return read; }));
                }
                net::post(strand_[gateway_side], [s] { s->reset(reset_code::cancel); });
            }
            s.reset();
            ASSERT_TRUE(run_until([&] { return gw_->stream_count() == 0 && cl_->stream_count() == 0; }));
        }
    }
    run_for(50ms);

    // A new stream still moves far more than the connection window.
    error_code ec;
    auto s = open(get("/big"), flag::end, ec);
    ASSERT_TRUE(s);
    std::optional<error_code> result;
    std::string body;
    spawn(gateway_side, [&]() -> net::awaitable<void> {
        response_head h;
        std::uint8_t flags = 0;
        EXPECT_FALSE(co_await s->read_head(h, flags));
        result = co_await read_all(s, body);
    });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }, 10s)) << "stalled: connection credit leaked";
    EXPECT_FALSE(*result);
    EXPECT_EQ(body.size(), 1u << 20);
    EXPECT_EQ(link_->side[client_side].violations, 0);
}

}  // namespace
}  // namespace warren::proto
