// The v1 frame codec: the 8-byte header and every payload layout, as
// docs/PROTOCOL.md describes them byte for byte. Decoders face untrusted
// bytes, so every malformed shape must be refused, never guessed at.
#include "protocol/frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace warren::proto {
namespace {

std::string bytes(std::initializer_list<unsigned> v) {
    std::string s;
    for (unsigned b : v) s.push_back(static_cast<char>(b));
    return s;
}

std::string str16(std::string_view s) {
    std::string out = bytes({static_cast<unsigned>(s.size() >> 8) & 0xff, static_cast<unsigned>(s.size()) & 0xff});
    out.append(s);
    return out;
}

request_head sample_request() {
    request_head h;
    h.method = "POST";
    h.target = "/hook%20x?a=1&b";
    h.version = 11;
    // Order, case and duplicates must survive: webhook signatures cover them.
    h.headers = {{"Host", "demo.example.com"},
                 {"X-Hub-Signature-256", "sha256=abc"},
                 {"set-cookie", "a=1"},
                 {"Set-Cookie", "b=2"},
                 {"X-Empty", ""}};
    return h;
}

// ---- header -----------------------------------------------------------------

TEST(frame_header, layout_is_big_endian_with_zero_reserved_bytes) {
    char out[frame_header_size];
    encode_header({frame_type::data, flag::end | flag::meta, 0x01020304u}, out);
    EXPECT_EQ(std::string(out, sizeof out), bytes({3, 3, 0, 0, 1, 2, 3, 4}));
}

TEST(frame_header, round_trips_every_type_and_id) {
    for (unsigned t = 1; t <= 6; ++t) {
        for (std::uint32_t id : {0u, 1u, 255u, 256u, 0x7fffffffu, 0xffffffffu}) {
            const frame_header h{static_cast<frame_type>(t), static_cast<std::uint8_t>(t * 17), id};
            const std::string f = make_frame(h, "payload");
            ASSERT_EQ(f.size(), frame_header_size + 7);
            const auto d = decode_header(f);
            ASSERT_TRUE(d);
            EXPECT_EQ(d->type, h.type);
            EXPECT_EQ(d->flags, h.flags);
            EXPECT_EQ(d->stream_id, id);
            EXPECT_EQ(f.substr(frame_header_size), "payload");
        }
    }
}

TEST(frame_header, refuses_short_unknown_and_reserved) {
    EXPECT_FALSE(decode_header(""));
    EXPECT_FALSE(decode_header(bytes({3, 0, 0, 0, 0, 0, 1})));  // 7 bytes
    EXPECT_TRUE(decode_header(bytes({3, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_FALSE(decode_header(bytes({0, 0, 0, 0, 0, 0, 0, 1})));  // type 0
    EXPECT_FALSE(decode_header(bytes({7, 0, 0, 0, 0, 0, 0, 1})));  // type 7
    EXPECT_FALSE(decode_header(bytes({255, 0, 0, 0, 0, 0, 0, 1})));
    EXPECT_FALSE(decode_header(bytes({3, 0, 1, 0, 0, 0, 0, 1})));  // reserved bits
    EXPECT_FALSE(decode_header(bytes({3, 0, 0, 0x80, 0, 0, 0, 1})));
}

// ---- OPEN -------------------------------------------------------------------

TEST(frame_open, round_trip_keeps_head_byte_for_byte) {
    const request_head h = sample_request();
    const std::string p = encode_open(h, 0xdeadbeefu);
    const auto d = decode_open(p);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->epoch, 0xdeadbeefu);
    EXPECT_EQ(d->head, h);

    request_head h10 = h;
    h10.version = 10;
    h10.headers.clear();
    const auto d10 = decode_open(encode_open(h10, 0));
    ASSERT_TRUE(d10);
    EXPECT_EQ(d10->head, h10);
}

TEST(frame_open, layout) {
    request_head h;
    h.method = "GET";
    h.target = "/";
    h.headers = {{"A", "b"}};
    const std::string expected = bytes({0, 0, 0, 7, 11}) + str16("GET") + str16("/") + bytes({0, 1}) +
                                 str16("A") + str16("b");
    EXPECT_EQ(encode_open(h, 7), expected);
}

TEST(frame_open, refuses_malformed) {
    const std::string good = encode_open(sample_request(), 1);
    ASSERT_TRUE(decode_open(good));
    for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_open(good.substr(0, n))) << n;
    EXPECT_FALSE(decode_open(good + "x"));  // trailing garbage

    const auto with = [](unsigned version, std::string_view method, std::string_view target,
                         std::string_view name) {
        return bytes({0, 0, 0, 1, version}) + str16(method) + str16(target) + bytes({0, 1}) + str16(name) +
               str16("v");
    };
    EXPECT_TRUE(decode_open(with(11, "GET", "/", "A")));
    EXPECT_TRUE(decode_open(with(10, "GET", "/", "A")));
    EXPECT_FALSE(decode_open(with(9, "GET", "/", "A")));   // HTTP/0.9
    EXPECT_FALSE(decode_open(with(20, "GET", "/", "A")));  // HTTP/2.0 is not carried
    EXPECT_FALSE(decode_open(with(11, "", "/", "A")));     // empty method
    EXPECT_FALSE(decode_open(with(11, "GET", "", "A")));   // empty target
    EXPECT_FALSE(decode_open(with(11, "GET", "/", "")));   // empty field name

    // A header count larger than what follows.
    EXPECT_FALSE(decode_open(bytes({0, 0, 0, 1, 11}) + str16("GET") + str16("/") + bytes({0xff, 0xff})));
    // A string length past the end.
    EXPECT_FALSE(decode_open(bytes({0, 0, 0, 1, 11, 0, 9}) + "GET"));
}

TEST(frame_open, max_sizes) {
    request_head h;
    h.method = "GET";
    h.target = "/" + std::string(0xffff - 1, 'a');  // exactly the str16 limit
    h.headers.push_back({"X-Big", std::string(0xffff, 'v')});
    auto d = decode_open(encode_open(h, 1));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->head, h);

    // Longer strings are cut at 65535 bytes (heads are capped by the HTTP
    // parser far below that, so this never happens to real traffic).
    h.target.push_back('b');
    d = decode_open(encode_open(h, 1));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->head.target.size(), 0xffffu);
}

// ---- RESPONSE ---------------------------------------------------------------

TEST(frame_response, round_trip_and_layout) {
    response_head h;
    h.status = 404;
    h.reason = "Not Found";
    h.version = 10;
    h.headers = {{"Content-Type", "text/plain"}, {"Set-Cookie", "a"}, {"Set-Cookie", "b"}};
    const std::string p = encode_response(h);
    EXPECT_EQ(p.substr(0, 3), bytes({0x01, 0x94, 10}));
    const auto d = decode_response(p);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, h);

    response_head interim;
    interim.status = 100;
    interim.reason = "";
    ASSERT_TRUE(decode_response(encode_response(interim)));
    EXPECT_EQ(decode_response(encode_response(interim))->status, 100u);
}

TEST(frame_response, refuses_malformed) {
    response_head h;
    h.status = 200;
    h.reason = "OK";
    h.headers = {{"A", "b"}};
    const std::string good = encode_response(h);
    for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_response(good.substr(0, n))) << n;
    EXPECT_FALSE(decode_response(good + std::string(1, '\0')));

    const auto with = [](unsigned status, unsigned version) {
        return bytes({status >> 8, status & 0xff, version}) + str16("") + bytes({0, 0});
    };
    EXPECT_TRUE(decode_response(with(100, 11)));
    EXPECT_TRUE(decode_response(with(999, 11)));
    EXPECT_FALSE(decode_response(with(99, 11)));
    EXPECT_FALSE(decode_response(with(1000, 11)));
    EXPECT_FALSE(decode_response(with(0, 11)));
    EXPECT_FALSE(decode_response(with(200, 12)));
}

// ---- end block --------------------------------------------------------------

TEST(frame_end_block, round_trips_with_and_without_digest) {
    end_block b;
    EXPECT_EQ(encode_end_block(b), bytes({0, 0, 0}));
    auto d = decode_end_block(encode_end_block(b));
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->sha256);
    EXPECT_TRUE(d->trailers.empty());

    std::array<unsigned char, 32> digest{};
    for (unsigned i = 0; i < 32; ++i) digest[i] = static_cast<unsigned char>(i * 7 + 1);
    b.sha256 = digest;
    b.trailers = {{"X-Checksum", "abc"}, {"Server-Timing", "db;dur=53"}};
    const std::string p = encode_end_block(b);
    ASSERT_EQ(p.size(), 1u + 32 + 2 + (2 + 10 + 2 + 3) + (2 + 13 + 2 + 9));
    EXPECT_EQ(static_cast<unsigned char>(p[0]), 32u);
    d = decode_end_block(p);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->sha256, digest);
    EXPECT_EQ(d->trailers, b.trailers);
}

TEST(frame_end_block, refuses_malformed) {
    end_block b;
    b.sha256 = std::array<unsigned char, 32>{};
    b.trailers = {{"A", "b"}};
    const std::string good = encode_end_block(b);
    for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_end_block(good.substr(0, n))) << n;
    EXPECT_FALSE(decode_end_block(good + "x"));
    EXPECT_FALSE(decode_end_block(bytes({16}) + std::string(16, 'x') + bytes({0, 0})));  // other digest sizes
    EXPECT_FALSE(decode_end_block(bytes({0, 0, 1}) + str16("") + str16("v")));          // empty trailer name
}

// ---- WINDOW -----------------------------------------------------------------

TEST(frame_window, round_trip_and_limits) {
    EXPECT_EQ(encode_u32(0x00010000u), bytes({0, 1, 0, 0}));
    EXPECT_EQ(decode_window(encode_u32(1)), 1u);
    EXPECT_EQ(decode_window(encode_u32(65536)), 65536u);
    EXPECT_EQ(decode_window(encode_u32(0x7fffffffu)), 0x7fffffffu);
    EXPECT_FALSE(decode_window(encode_u32(0)));            // a zero increment is meaningless
    EXPECT_FALSE(decode_window(encode_u32(0x80000000u)));  // over 2^31-1
    EXPECT_FALSE(decode_window(bytes({0, 0, 1})));
    EXPECT_FALSE(decode_window(bytes({0, 0, 0, 1, 0})));
    EXPECT_FALSE(decode_window(""));
}

// ---- RESET / GOAWAY ---------------------------------------------------------

TEST(frame_reason, round_trip_and_limits) {
    const std::string p = encode_reason(static_cast<std::uint32_t>(reset_code::upstream_failed), "connection refused");
    EXPECT_EQ(p.substr(0, 4), bytes({0, 0, 0, 5}));
    auto d = decode_reason(p);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->code, 5u);
    EXPECT_EQ(d->reason, "connection refused");

    d = decode_reason(encode_reason(2, ""));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->code, 2u);
    EXPECT_TRUE(d->reason.empty());

    // Unknown codes decode (the receiver treats them as generic failures).
    d = decode_reason(encode_reason(0xffffffffu, "x"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->code, 0xffffffffu);

    // The reason is at most 1 KiB: the encoder cuts, the decoder refuses.
    const std::string long_reason(2000, 'r');
    d = decode_reason(encode_reason(1, long_reason));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->reason.size(), 1024u);
    EXPECT_TRUE(decode_reason(bytes({0, 0, 0, 1}) + std::string(1024, 'r')));
    EXPECT_FALSE(decode_reason(bytes({0, 0, 0, 1}) + std::string(1025, 'r')));
    EXPECT_FALSE(decode_reason(bytes({0, 0, 1})));
    EXPECT_FALSE(decode_reason(""));
}

TEST(frame_codes, have_stable_numbers_and_names) {
    EXPECT_EQ(static_cast<unsigned>(reset_code::cancel), 1u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::refused), 2u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::protocol_error), 3u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::flow_control_error), 4u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::upstream_failed), 5u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::timeout), 6u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::integrity), 7u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::internal), 8u);
    EXPECT_EQ(static_cast<unsigned>(reset_code::too_large), 9u);
    EXPECT_EQ(static_cast<unsigned>(goaway_code::draining), 1u);
    EXPECT_EQ(static_cast<unsigned>(goaway_code::replaced), 2u);
    EXPECT_EQ(static_cast<unsigned>(goaway_code::protocol_error), 3u);
    EXPECT_EQ(static_cast<unsigned>(goaway_code::normal), 4u);
    EXPECT_EQ(to_string(reset_code::integrity), "body integrity check failed");
    EXPECT_EQ(to_string(static_cast<reset_code>(77)), "unknown");
    EXPECT_EQ(to_string(goaway_code::replaced), "replaced");
    EXPECT_EQ(to_string(static_cast<goaway_code>(0)), "unknown");
    EXPECT_EQ(static_cast<unsigned>(frame_type::open), 1u);
    EXPECT_EQ(static_cast<unsigned>(frame_type::goaway), 6u);
    EXPECT_EQ(flag::end, 0x01);
    EXPECT_EQ(flag::meta, 0x02);
    EXPECT_EQ(flag::chunked, 0x04);
    EXPECT_EQ(flag::upgrade, 0x08);
}

// Every decoder on arbitrary bytes: no crash, no throw (ASan build checks reads).
TEST(frame_decoders, survive_arbitrary_input) {
    std::uint32_t seed = 12345;
    const auto next = [&] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 24;
    };
    for (int round = 0; round < 20000; ++round) {
        std::string s(next() % 64, '\0');
        for (auto& c : s) c = static_cast<char>(next());
        (void)decode_header(s);
        (void)decode_open(s);
        (void)decode_response(s);
        (void)decode_end_block(s);
        (void)decode_window(s);
        (void)decode_reason(s);
    }
    SUCCEED();
}

}  // namespace
}  // namespace warren::proto
