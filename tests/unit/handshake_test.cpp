// The JSON hello (client) and ready (gateway) text messages that follow the
// WebSocket upgrade: round trips, defaults for optional fields, and a
// readable error for every missing or wrongly typed field.
#include "protocol/handshake.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

namespace warren::proto {
namespace {
namespace json = boost::json;

hello_message sample_hello() {
    hello_message h;
    h.version = 1;
    h.client = "warren/0.1.0 (linux)";
    h.integrity = true;
    h.stream_window = 256u << 10;
    h.connection_window = 8u << 20;
    return h;
}

ready_message sample_ready() {
    ready_message r;
    r.version = 1;
    r.name = "brave-otter-lamp";
    r.url = "https://brave-otter-lamp.example.com";
    r.ownership_token = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";
    r.integrity = true;
    r.stream_window = 4u << 20;
    r.connection_window = 32u << 20;
    r.max_frame_payload = 64u << 10;
    r.max_streams = 1000;
    r.max_body_bytes = 10ull << 30;  // over 2^32: u64 fields must keep it
    r.request_timeout_ms = 30'000;
    r.ping_interval_ms = 15'000;
    r.ping_timeout_ms = 10'000;
    return r;
}

// Re-serializes after editing one field of the JSON object.
template <class Edit>
std::string edited(const std::string& text, Edit edit) {
    json::object o = json::parse(text).as_object();
    edit(o);
    return json::serialize(o);
}

TEST(handshake, hello_round_trip) {
    const hello_message h = sample_hello();
    const std::string text = serialize(h);
    const json::object o = json::parse(text).as_object();
    EXPECT_EQ(o.at("type").as_string(), "hello");
    std::string error;
    const auto p = parse_hello(text, error);
    ASSERT_TRUE(p) << error;
    EXPECT_EQ(p->version, 1u);
    EXPECT_EQ(p->client, h.client);
    EXPECT_TRUE(p->integrity);
    EXPECT_EQ(p->stream_window, h.stream_window);
    EXPECT_EQ(p->connection_window, h.connection_window);
}

TEST(handshake, ready_round_trip) {
    const ready_message r = sample_ready();
    const std::string text = serialize(r);
    EXPECT_EQ(json::parse(text).as_object().at("type").as_string(), "ready");
    std::string error;
    const auto p = parse_ready(text, error);
    ASSERT_TRUE(p) << error;
    EXPECT_EQ(p->version, 1u);
    EXPECT_EQ(p->name, r.name);
    EXPECT_EQ(p->url, r.url);
    EXPECT_EQ(p->ownership_token, r.ownership_token);
    EXPECT_TRUE(p->integrity);
    EXPECT_EQ(p->stream_window, r.stream_window);
    EXPECT_EQ(p->connection_window, r.connection_window);
    EXPECT_EQ(p->max_frame_payload, r.max_frame_payload);
    EXPECT_EQ(p->max_streams, r.max_streams);
    EXPECT_EQ(p->max_body_bytes, r.max_body_bytes);
    EXPECT_EQ(p->request_timeout_ms, r.request_timeout_ms);
    EXPECT_EQ(p->ping_interval_ms, r.ping_interval_ms);
    EXPECT_EQ(p->ping_timeout_ms, r.ping_timeout_ms);
}

TEST(handshake, optional_fields_default_and_unknown_fields_are_ignored) {
    std::string error;
    auto h = parse_hello(R"({"type":"hello","version":1,"stream_window":65536,"connection_window":65536,
                            "future_field":{"x":[1,2]}})",
                         error);
    ASSERT_TRUE(h) << error;
    EXPECT_EQ(h->client, "");
    EXPECT_FALSE(h->integrity);

    auto r = parse_ready(R"({"type":"ready","version":1,"name":"a","url":"http://a.localhost",
                            "stream_window":65536,"connection_window":65536,"max_frame_payload":16384,
                            "extra":true})",
                         error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->ownership_token, "");
    EXPECT_FALSE(r->integrity);
    EXPECT_EQ(r->max_streams, 0u);
    EXPECT_EQ(r->max_body_bytes, 0u);
    EXPECT_EQ(r->request_timeout_ms, 0u);
    EXPECT_EQ(r->ping_interval_ms, 0u);
    EXPECT_EQ(r->ping_timeout_ms, 0u);
}

TEST(handshake, hello_missing_fields_are_refused_with_their_name) {
    const std::string text = serialize(sample_hello());
    for (const char* key : {"version", "stream_window", "connection_window"}) {
        std::string error;
        EXPECT_FALSE(parse_hello(edited(text, [&](json::object& o) { o.erase(key); }), error)) << key;
        EXPECT_NE(error.find(key), std::string::npos) << error;
        EXPECT_NE(error.find("missing"), std::string::npos) << error;
    }
}

TEST(handshake, ready_missing_fields_are_refused_with_their_name) {
    const std::string text = serialize(sample_ready());
    for (const char* key : {"version", "name", "url", "stream_window", "connection_window", "max_frame_payload"}) {
        std::string error;
        EXPECT_FALSE(parse_ready(edited(text, [&](json::object& o) { o.erase(key); }), error)) << key;
        EXPECT_NE(error.find(key), std::string::npos) << error;
    }
}

TEST(handshake, wrong_types_are_refused_with_their_name) {
    const std::string hello = serialize(sample_hello());
    const std::pair<const char*, json::value> hello_cases[] = {
        {"version", "1"},           {"version", -1},          {"version", 1.5},
        {"stream_window", true},    {"stream_window", -65536}, {"stream_window", 4294967296ull},
        {"connection_window", nullptr}, {"client", 7},         {"integrity", "yes"},
        {"integrity", 1},
    };
    for (const auto& [key, value] : hello_cases) {
        std::string error;
        const std::string text = edited(hello, [&](json::object& o) { o[key] = value; });
        EXPECT_FALSE(parse_hello(text, error)) << text;
        EXPECT_NE(error.find(key), std::string::npos) << error;
    }

    const std::string ready = serialize(sample_ready());
    const std::pair<const char*, json::value> ready_cases[] = {
        {"name", 1},  {"url", json::array{}}, {"ownership_token", false}, {"max_frame_payload", "65536"},
        {"max_streams", -3}, {"max_body_bytes", 1e3}, {"request_timeout_ms", json::object{}},
        {"ping_interval_ms", "15s"}, {"integrity", nullptr},
    };
    for (const auto& [key, value] : ready_cases) {
        std::string error;
        const std::string text = edited(ready, [&](json::object& o) { o[key] = value; });
        EXPECT_FALSE(parse_ready(text, error)) << text;
        EXPECT_NE(error.find(key), std::string::npos) << error;
    }
}

TEST(handshake, not_json_or_wrong_type_is_refused) {
    std::string error;
    EXPECT_FALSE(parse_hello("", error));
    EXPECT_NE(error.find("not JSON"), std::string::npos) << error;
    EXPECT_FALSE(parse_hello("{\"type\":\"hello\"", error));
    EXPECT_NE(error.find("not JSON"), std::string::npos) << error;
    EXPECT_FALSE(parse_hello("[1,2]", error));
    EXPECT_NE(error.find("hello"), std::string::npos) << error;
    EXPECT_FALSE(parse_hello(R"({"version":1,"stream_window":65536,"connection_window":65536})", error));
    EXPECT_NE(error.find("hello"), std::string::npos) << error;
    // A ready is not a hello, and the other way round.
    EXPECT_FALSE(parse_hello(serialize(sample_ready()), error));
    EXPECT_NE(error.find("\"hello\""), std::string::npos) << error;
    EXPECT_FALSE(parse_ready(serialize(sample_hello()), error));
    EXPECT_NE(error.find("\"ready\""), std::string::npos) << error;
    EXPECT_FALSE(parse_ready(R"({"type":7})", error));
}

TEST(handshake, integer_ranges) {
    std::string error;
    // u32 windows accept the full u32 range and refuse beyond.
    const std::string text = serialize(sample_hello());
    auto h = parse_hello(edited(text, [](json::object& o) { o["stream_window"] = 4294967295ull; }), error);
    ASSERT_TRUE(h) << error;
    EXPECT_EQ(h->stream_window, 4294967295u);
    EXPECT_FALSE(parse_hello(edited(text, [](json::object& o) { o["connection_window"] = 4294967296ull; }), error));
    EXPECT_NE(error.find("too large"), std::string::npos) << error;
    // Version mismatch is not a parse error: the gateway checks it and says so.
    h = parse_hello(edited(text, [](json::object& o) { o["version"] = 2; }), error);
    ASSERT_TRUE(h) << error;
    EXPECT_EQ(h->version, 2u);
}

}  // namespace
}  // namespace warren::proto
