#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "config/gateway_config.hpp"
#include "config/values.hpp"

namespace warren {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

// The message of the config_error `text` raises, or "" if it parses.
std::string error_of(std::string_view text) {
    try {
        parse_gateway_config(text, "t.toml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

TEST(GatewayConfig, EmptyFileKeepsDefaults) {
    const auto config = parse_gateway_config("", "t.toml");
    const gateway_config defaults;
    EXPECT_TRUE(config.source.empty());
    EXPECT_EQ(config.server.listen, "127.0.0.1:8080");
    EXPECT_EQ(config.server.domain, "localhost");
    EXPECT_EQ(config.server.public_url, "");
    EXPECT_TRUE(config.server.tls_cert.empty());
    EXPECT_EQ(config.server.threads, 1u);
    EXPECT_EQ(config.server.blocking_threads, 4u);
    EXPECT_EQ(config.server.drain_timeout, milliseconds(30'000));
    EXPECT_TRUE(config.tunnels.allow_anonymous);
    EXPECT_EQ(config.tunnels.reclaim_grace, milliseconds(60'000));
    EXPECT_EQ(config.tunnels.request_timeout, milliseconds(30'000));
    EXPECT_EQ(config.tunnels.max_body_bytes, 0u);
    EXPECT_EQ(config.tunnels.max_streams, defaults.tunnels.max_streams);
    EXPECT_EQ(config.tunnels.max_tunnels, defaults.tunnels.max_tunnels);
    EXPECT_EQ(config.tunnels.max_tunnels_per_user, 5u);
    EXPECT_EQ(config.tunnels.stream_window, 4u << 20);
    EXPECT_EQ(config.tunnels.connection_window, 64u << 20);
    EXPECT_EQ(config.tunnels.max_frame_payload, 64u << 10);
    EXPECT_FALSE(config.tunnels.integrity);
    EXPECT_EQ(config.limits.header_bytes, 32u << 10);
    EXPECT_EQ(config.limits.idle_timeout, milliseconds(120'000));
    EXPECT_EQ(config.log.level, "info");
    EXPECT_EQ(config.log.format, "text");
    EXPECT_TRUE(config.plugins.dirs.empty());
    EXPECT_TRUE(config.plugins.ca_file.empty());
    EXPECT_FALSE(config.store);
    EXPECT_TRUE(config.auth.empty());
    EXPECT_TRUE(config.request_log.empty());
    EXPECT_FALSE(config.dashboard);
}

TEST(GatewayConfig, ReadsEveryKey) {
    const auto config = parse_gateway_config(R"(
[server]
listen = "[::1]:9000"
domain = "tunnels.example.com"
public_url = "https://tunnels.example.com/"
tls_cert = "/etc/warren/cert.pem"
tls_key = "/etc/warren/key.pem"
threads = 4
blocking_threads = 16
drain_timeout = "1m30s"

[tunnels]
allow_anonymous = false
reclaim_grace = "2m"
request_timeout = "45s"
max_body_bytes = "10MB"
max_streams = 50
max_tunnels = 7
max_tunnels_per_user = 0
stream_window = "1MiB"
connection_window = 8388608
max_frame_payload = "16KiB"
integrity = true
ping_interval = "20s"
ping_timeout = "5s"

[limits]
header_bytes = "64KiB"
header_timeout = "5s"
idle_timeout = "1h"
handshake_timeout = "250ms"

[log]
level = "debug"
format = "json"

[plugins]
dir = ["/opt/warren/plugins", "/usr/lib/warren/plugins"]
ca_file = "/etc/warren/ca.pem"
)",
                                             "t.toml");
    EXPECT_EQ(config.server.listen, "[::1]:9000");
    EXPECT_EQ(config.server.domain, "tunnels.example.com");
    EXPECT_EQ(config.server.public_url, "https://tunnels.example.com");
    EXPECT_EQ(config.server.tls_cert, "/etc/warren/cert.pem");
    EXPECT_EQ(config.server.tls_key, "/etc/warren/key.pem");
    EXPECT_EQ(config.server.threads, 4u);
    EXPECT_EQ(config.server.blocking_threads, 16u);
    EXPECT_EQ(config.server.drain_timeout, milliseconds(90'000));
    EXPECT_FALSE(config.tunnels.allow_anonymous);
    EXPECT_EQ(config.tunnels.reclaim_grace, milliseconds(120'000));
    EXPECT_EQ(config.tunnels.request_timeout, milliseconds(45'000));
    EXPECT_EQ(config.tunnels.max_body_bytes, 10'000'000u);
    EXPECT_EQ(config.tunnels.max_streams, 50u);
    EXPECT_EQ(config.tunnels.max_tunnels, 7u);
    EXPECT_EQ(config.tunnels.max_tunnels_per_user, 0u);
    EXPECT_EQ(config.tunnels.stream_window, 1u << 20);
    EXPECT_EQ(config.tunnels.connection_window, 8u << 20);
    EXPECT_EQ(config.tunnels.max_frame_payload, 16u << 10);
    EXPECT_TRUE(config.tunnels.integrity);
    EXPECT_EQ(config.tunnels.ping_interval, milliseconds(20'000));
    EXPECT_EQ(config.tunnels.ping_timeout, milliseconds(5'000));
    EXPECT_EQ(config.limits.header_bytes, 64u << 10);
    EXPECT_EQ(config.limits.header_timeout, milliseconds(5'000));
    EXPECT_EQ(config.limits.idle_timeout, milliseconds(3'600'000));
    EXPECT_EQ(config.limits.handshake_timeout, milliseconds(250));
    EXPECT_EQ(config.log.level, "debug");
    EXPECT_EQ(config.log.format, "json");
    EXPECT_EQ(config.plugins.dirs, (std::vector<std::filesystem::path>{"/opt/warren/plugins",
                                                                       "/usr/lib/warren/plugins"}));
    EXPECT_EQ(config.plugins.ca_file, "/etc/warren/ca.pem");
}

TEST(GatewayConfig, InlineTablesAndDottedKeysWorkLikeHeaders) {
    const auto config = parse_gateway_config(
        "server = { listen = \"0.0.0.0:80\" }\nlog.level = \"warn\"\n", "t.toml");
    EXPECT_EQ(config.server.listen, "0.0.0.0:80");
    EXPECT_EQ(config.log.level, "warn");
}

TEST(Durations, ParseEveryUnitAndSums) {
    EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
    EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
    EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
    EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
    EXPECT_EQ(parse_duration("7d"), milliseconds(7 * 86'400'000));
    EXPECT_EQ(parse_duration("1m30s"), milliseconds(90'000));
    EXPECT_EQ(parse_duration("0s"), milliseconds(0));
    for (const char* bad : {"", "30", "s", "1.5s", "30 s", " 30s", "-1s", "1w", "30S", "1h 5m"})
        EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
}

TEST(Durations, HugeValuesSaturateIntoTheRangeCheck) {
    EXPECT_GT(*parse_duration("99999999999999999999999h"), milliseconds(24 * 3'600'000));
    EXPECT_EQ(error_of("[server]\ndrain_timeout = \"999999999h\""),
              "t.toml:2:17: [server] drain_timeout: must be between 0s and 1d "
              "(got \"999999999h\")");
}

TEST(Durations, FormatPicksTheLargestExactUnit) {
    EXPECT_EQ(format_duration(milliseconds(0)), "0s");
    EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
    EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
    EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
    EXPECT_EQ(format_duration(milliseconds(3'600'000)), "1h");
    EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
}

TEST(Durations, IntegersAreRefusedWithTheReason) {
    EXPECT_EQ(error_of("[tunnels]\nrequest_timeout = 30000\n"),
              "t.toml:2:19: [tunnels] request_timeout: expected a duration string with a unit "
              "(ms, s, m, h or d), such as \"250ms\", \"30s\", \"5m\" or \"1h\" (got 30000)");
}

TEST(Durations, ZeroOnlyWhereItMeansSomething) {
    EXPECT_NO_THROW(parse_gateway_config("[tunnels]\nreclaim_grace = \"0s\"\n", "t.toml"));
    EXPECT_EQ(error_of("[tunnels]\nrequest_timeout = \"0s\"\n"),
              "t.toml:2:19: [tunnels] request_timeout: must be between 1ms and 1d (got \"0s\")");
}

TEST(Sizes, ParseBinaryAndDecimalUnits) {
    EXPECT_EQ(parse_byte_size("512B"), 512u);
    EXPECT_EQ(parse_byte_size("64KiB"), 64u << 10);
    EXPECT_EQ(parse_byte_size("4MiB"), 4u << 20);
    EXPECT_EQ(parse_byte_size("1GiB"), 1u << 30);
    EXPECT_EQ(parse_byte_size("1TiB"), 1ull << 40);
    EXPECT_EQ(parse_byte_size("1KB"), 1'000u);
    EXPECT_EQ(parse_byte_size("10MB"), 10'000'000u);
    EXPECT_EQ(parse_byte_size("2GB"), 2'000'000'000u);
    EXPECT_EQ(parse_byte_size("3TB"), 3'000'000'000'000u);
    for (const char* bad : {"", "64", "KiB", "64kib", "64 KiB", "-1B", "1.5MiB", "64KiBs", "4M"})
        EXPECT_EQ(parse_byte_size(bad), std::nullopt) << bad;
}

TEST(Sizes, FormatUsesBinaryUnits) {
    EXPECT_EQ(format_byte_size(0), "0B");
    EXPECT_EQ(format_byte_size(1500), "1500B");
    EXPECT_EQ(format_byte_size(64u << 10), "64KiB");
    EXPECT_EQ(format_byte_size(1u << 30), "1GiB");
}

TEST(Sizes, IntegersAreBytes) {
    const auto config = parse_gateway_config("[tunnels]\nmax_body_bytes = 1048576\n", "t.toml");
    EXPECT_EQ(config.tunnels.max_body_bytes, 1u << 20);
}

TEST(Sizes, BadSyntaxAndNegativeNumbers) {
    EXPECT_EQ(error_of("[limits]\nheader_bytes = \"32k\"\n"),
              "t.toml:2:16: [limits] header_bytes: expected a size: an integer number of bytes "
              "or a string such as \"512B\", \"64KiB\", \"4MiB\", \"1GiB\" or \"10MB\" "
              "(got \"32k\")");
    EXPECT_THAT(error_of("[tunnels]\nmax_body_bytes = -1\n"),
                HasSubstr("t.toml:2:18: [tunnels] max_body_bytes: expected a size"));
}

TEST(Sizes, WindowsBetween64KiBAnd1GiB) {
    EXPECT_EQ(error_of("[tunnels]\nstream_window = \"32KiB\"\n"),
              "t.toml:2:17: [tunnels] stream_window: must be between 64KiB and 1GiB "
              "(got \"32KiB\")");
    EXPECT_EQ(error_of("\n[tunnels]\nconnection_window = \"2GiB\"\n"),
              "t.toml:3:21: [tunnels] connection_window: must be between 64KiB and 1GiB "
              "(got \"2GiB\")");
    EXPECT_NO_THROW(parse_gateway_config(
        "[tunnels]\nstream_window = \"64KiB\"\nconnection_window = \"1GiB\"\n", "t.toml"));
}

TEST(Sizes, FramePayloadBetween1KiBAnd1MiB) {
    EXPECT_EQ(error_of("[tunnels]\nmax_frame_payload = 512\n"),
              "t.toml:2:21: [tunnels] max_frame_payload: must be between 1KiB and 1MiB (got 512)");
    EXPECT_THAT(error_of("[tunnels]\nmax_frame_payload = \"2MiB\"\n"),
                HasSubstr("must be between 1KiB and 1MiB"));
}

TEST(Sizes, FramePayloadMustFitTheStreamWindow) {
    EXPECT_EQ(error_of("[tunnels]\nstream_window = \"64KiB\"\nmax_frame_payload = \"128KiB\"\n"),
              "t.toml:3:21: [tunnels] max_frame_payload: must not exceed stream_window (64KiB), "
              "or no stream could ever send a full frame (got 128KiB)");
}

TEST(Errors, WrongTypeNamesWhatWasExpected) {
    EXPECT_EQ(error_of("[server]\nthreads = \"4\"\n"),
              "t.toml:2:11: [server] threads: expected an integer (got \"4\")");
    EXPECT_EQ(error_of("[tunnels]\nallow_anonymous = \"yes\"\n"),
              "t.toml:2:19: [tunnels] allow_anonymous: expected true or false (got \"yes\")");
    EXPECT_EQ(error_of("[server]\nlisten = 8080\n"),
              "t.toml:2:10: [server] listen: expected a string (got 8080)");
    EXPECT_EQ(error_of("[server]\nlisten = [\"a\"]\n"),
              "t.toml:2:10: [server] listen: expected a string (got an array)");
    EXPECT_EQ(error_of("server = 1\n"), "t.toml:1:10: server: expected a table [server] (got 1)");
}

TEST(Errors, CountsHaveRanges) {
    EXPECT_EQ(error_of("[tunnels]\nmax_streams = 0\n"),
              "t.toml:2:15: [tunnels] max_streams: must be between 1 and 4294967295 (got 0)");
    EXPECT_THAT(error_of("[server]\nthreads = 5000\n"),
                HasSubstr("[server] threads: must be between 0 and 1024 (got 5000)"));
    EXPECT_EQ(error_of("[server]\nblocking_threads = 0\n"),
              "t.toml:2:20: [server] blocking_threads: must be between 1 and 256 (got 0)");
    EXPECT_EQ(error_of("[server]\nblocking_threads = 257\n"),
              "t.toml:2:20: [server] blocking_threads: must be between 1 and 256 (got 257)");
    EXPECT_EQ(error_of("[tunnels]\nmax_tunnels_per_user = 1000001\n"),
              "t.toml:2:24: [tunnels] max_tunnels_per_user: must be between 0 and 1000000 "
              "(got 1000001)");
    EXPECT_EQ(error_of("[tunnels]\nmax_tunnels_per_user = -1\n"),
              "t.toml:2:24: [tunnels] max_tunnels_per_user: must be between 0 and 1000000 "
              "(got -1)");
    EXPECT_EQ(error_of("[tunnels]\nmax_tunnels_per_user = \"5\"\n"),
              "t.toml:2:24: [tunnels] max_tunnels_per_user: expected an integer (got \"5\")");
}

TEST(Errors, UnknownKeySuggestsTheNearest) {
    EXPECT_EQ(error_of("[server]\nlisten = \"127.0.0.1:1\"\nlistn = \"x\"\n"),
              "t.toml:3:1: [server] listn: unknown key, did you mean listen?");
    EXPECT_EQ(error_of("[log]\nlvel = \"info\"\n"),
              "t.toml:2:1: [log] lvel: unknown key, did you mean level?");
    EXPECT_EQ(error_of("[tunnels]\nrequest_timout = \"1s\"\n"),
              "t.toml:2:1: [tunnels] request_timout: unknown key, did you mean request_timeout?");
    EXPECT_EQ(error_of("[log]\ncolour = true\n"),
              "t.toml:2:1: [log] colour: unknown key (expected one of level, format)");
}

TEST(Errors, UnknownTables) {
    EXPECT_EQ(error_of("[server]\n\n[stores]\nplugin = \"sqlite\"\n"),
              "t.toml:3:2: [stores]: unknown table, did you mean [store]?");
    EXPECT_EQ(error_of("[tunnel]\n"),
              "t.toml:1:2: [tunnel]: unknown table, did you mean [tunnels]?");
    EXPECT_EQ(error_of("[[auht]]\nplugin = \"github\"\n"),
              "t.toml:1:3: [[auht]]: unknown table, did you mean [[auth]]?");
    EXPECT_EQ(error_of("[requests_log]\n"),
              "t.toml:1:2: [requests_log]: unknown table, did you mean [[request_log]]?");
    EXPECT_EQ(error_of("[[providers]]\n"),
              "t.toml:1:3: [[providers]]: unknown table (expected one of server, tunnels, limits, "
              "sessions, log, plugins, store, auth, request_log, dashboard)");
    EXPECT_EQ(error_of("[server.tls]\ncert = \"x\"\n"),
              "t.toml:1:9: [server] tls: unknown key (expected one of listen, domain, public_url, "
              "tls_cert, tls_key, threads, blocking_threads, drain_timeout)");
}

TEST(Errors, KeyAboveItsTable) {
    EXPECT_EQ(error_of("listen = \"0.0.0.0:80\"\n[server]\n"),
              "t.toml:1:1: listen: unknown top-level key, did you mean [server] listen?");
    EXPECT_EQ(error_of("colour = 1\n"),
              "t.toml:1:1: colour: unknown top-level key (keys belong in the tables server, "
              "tunnels, limits, sessions, log, plugins, store, auth, request_log, dashboard)");
    EXPECT_EQ(error_of("ca_file = \"ca.pem\"\n"),
              "t.toml:1:1: ca_file: unknown top-level key, did you mean [plugins] ca_file?");
}

TEST(Errors, TheFirstProblemInTheFileIsReported) {
    // toml++ sorts keys; "zzz" comes first in the file and must be the one named.
    EXPECT_THAT(error_of("[server]\nzzz = 1\naaa = 2\n"), HasSubstr("t.toml:2:1: [server] zzz:"));
    EXPECT_THAT(error_of("[tunnels]\nbad = 1\n[log]\nbad = 1\n"), HasSubstr("[tunnels] bad"));
}

TEST(Errors, SyntaxErrorsHaveTheSameShape) {
    const auto message = error_of("[server]\nlisten = = \"x\"\n");
    EXPECT_THAT(message, ::testing::StartsWith("t.toml:2:"));
    EXPECT_THAT(message, HasSubstr("Error while parsing"));
    EXPECT_THAT(message, Not(HasSubstr("\n")));
    EXPECT_THAT(error_of("[server]\nlisten = \"a\"\nlisten = \"b\"\n"),
                ::testing::StartsWith("t.toml:3:"));
}

TEST(Errors, AlwaysOneLine) {
    const auto message = error_of("[server]\nlisten = \"\"\"\nfirst\nsecond\"\"\"\n");
    EXPECT_THAT(message, Not(HasSubstr("\n")));
    EXPECT_THAT(message, HasSubstr("(got \"first\\nsecond\")"));
}

TEST(Listen, AcceptsAddressesAndNames) {
    for (const char* good : {"127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", "[::]:0", "localhost:0",
                             "gw-1.internal:65535"})
        EXPECT_EQ(check_listen(good), std::nullopt) << good;
}

TEST(Listen, RefusesWithAReason) {
    EXPECT_EQ(error_of("[server]\nlisten = \"8080\"\n"),
              "t.toml:2:10: [server] listen: expected HOST:PORT, e.g. \"127.0.0.1:8080\", "
              "\"0.0.0.0:8080\" or \"[::1]:8080\" (got \"8080\")");
    EXPECT_EQ(error_of("[server]\nlisten = \"127.0.0.1:70000\"\n"),
              "t.toml:2:10: [server] listen: port must be 0-65535 (got \"127.0.0.1:70000\")");
    EXPECT_EQ(error_of("[server]\nlisten = \"::1:8080\"\n"),
              "t.toml:2:10: [server] listen: IPv6 addresses go in brackets, e.g. \"[::1]:8080\" "
              "(got \"::1:8080\")");
    for (const char* bad : {"", ":8080", "host:", "host:-1", "user@host:80", "bad_host:80",
                            "999.1.1.1:80", "ex%41mple.com:80", "[::1]", "[v1.x]:80"})
        EXPECT_NE(check_listen(bad), std::nullopt) << bad;
}

TEST(Listen, SplitsHostAndPort) {
    const auto v6 = parse_listen_address("[::1]:8080");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 8080);
    const auto any = parse_listen_address("localhost:0");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->host, "localhost");
    EXPECT_EQ(any->port, 0);
    EXPECT_FALSE(parse_listen_address("localhost"));
}

TEST(Domain, LowercaseDnsNamesOnly) {
    for (const char* good : {"localhost", "example.com", "tunnels.example.co.uk", "a-b.c1"})
        EXPECT_EQ(check_domain(good), std::nullopt) << good;
    EXPECT_EQ(error_of("[server]\ndomain = \"Example.com\"\n"),
              "t.toml:2:10: [server] domain: must be lowercase (got \"Example.com\")");
    EXPECT_EQ(check_domain("example.com."), "must not end with a dot");
    EXPECT_EQ(check_domain(""), "must not be empty");
    for (const char* bad : {"-a.com", "a-.com", "a..b", "a_b.com", "1.2.3.4", "*.example.com",
                            "ex ample.com", "example.com:8080"})
        EXPECT_NE(check_domain(bad), std::nullopt) << bad;
    EXPECT_NE(check_domain(std::string(64, 'a') + ".com"), std::nullopt);
    EXPECT_THAT(*check_domain(std::string(100, 'a') + "." + std::string(100, 'b')),
                HasSubstr("at most 189 characters"));
}

TEST(PublicUrl, HttpOrHttpsWithoutPath) {
    EXPECT_EQ(check_public_url("https://example.com"), std::nullopt);
    EXPECT_EQ(check_public_url("http://localhost:8080/"), std::nullopt);
    EXPECT_EQ(check_public_url("https://[::1]:8443"), std::nullopt);
    for (const char* bad : {"", "example.com", "ftp://example.com", "https://example.com/x",
                            "https://example.com?a=1", "https://u:p@example.com", "https://"})
        EXPECT_NE(check_public_url(bad), std::nullopt) << bad;
    EXPECT_THAT(error_of("[server]\npublic_url = \"https://example.com/app\"\n"),
                HasSubstr("t.toml:2:14: [server] public_url: expected an http:// or https:// URL"));
}

TEST(Log, LevelAndFormatFromTheAllowedSet) {
    EXPECT_EQ(error_of("[log]\nlevel = \"verbose\"\n"),
              "t.toml:2:9: [log] level: expected one of trace, debug, info, warn, error, off "
              "(got \"verbose\")");
    EXPECT_EQ(error_of("[log]\nformat = \"yaml\"\n"),
              "t.toml:2:10: [log] format: expected one of text, json (got \"yaml\")");
}

TEST(Tls, CertAndKeyGoTogether) {
    EXPECT_EQ(error_of("[server]\n\ntls_cert = \"cert.pem\"\n"),
              "t.toml:3:12: [server] tls_cert: is set without tls_key; TLS needs both");
    EXPECT_EQ(error_of("[server]\ntls_key = \"key.pem\"\n"),
              "t.toml:2:11: [server] tls_key: is set without tls_cert; TLS needs both");
    EXPECT_THAT(error_of("[server]\ntls_cert = \"\"\ntls_key = \"k\"\n"),
                HasSubstr("[server] tls_cert: must not be empty"));
}

TEST(Tls, RelativePathsFollowTheConfigFile) {
    const auto config = parse_gateway_config(
        "[server]\ntls_cert = \"certs/../certs/cert.pem\"\ntls_key = \"/abs/key.pem\"\n", "t.toml",
        "/etc/warren");
    EXPECT_EQ(config.server.tls_cert, "/etc/warren/certs/cert.pem");
    EXPECT_EQ(config.server.tls_key, "/abs/key.pem");
    const auto unrooted =
        parse_gateway_config("[server]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n", "t.toml");
    EXPECT_EQ(unrooted.server.tls_cert, "c.pem");
}

TEST(Plugins, DirIsOneDirectoryOrAListResolvedAgainstTheConfig) {
    const auto one =
        parse_gateway_config("[plugins]\ndir = \"plugins\"\n", "t.toml", "/etc/warren");
    EXPECT_EQ(one.plugins.dirs, std::vector<std::filesystem::path>{"/etc/warren/plugins"});
    const auto many = parse_gateway_config(
        "[plugins]\ndir = [\"a/../b\", \"/opt/p\"]\nca_file = \"certs/ca.pem\"\n", "t.toml",
        "/etc/warren");
    EXPECT_EQ(many.plugins.dirs, (std::vector<std::filesystem::path>{"/etc/warren/b", "/opt/p"}));
    EXPECT_EQ(many.plugins.ca_file, "/etc/warren/certs/ca.pem");
}

TEST(Plugins, BadDirsAndCaFile) {
    EXPECT_EQ(error_of("[plugins]\ndir = 1\n"),
              "t.toml:2:7: [plugins] dir: expected a directory path or an array of directory "
              "paths (got 1)");
    EXPECT_EQ(error_of("[plugins]\ndir = []\n"),
              "t.toml:2:7: [plugins] dir: must name a directory; leave the key out for the "
              "default (got an array)");
    EXPECT_EQ(error_of("[plugins]\ndir = [\"a\", 2]\n"),
              "t.toml:2:13: [plugins] dir: expected a directory path or an array of directory "
              "paths (got 2)");
    EXPECT_EQ(error_of("[plugins]\ndir = [\"a\", \"\"]\n"),
              "t.toml:2:13: [plugins] dir: must not be empty (got \"\")");
    EXPECT_EQ(error_of("[plugins]\nca_file = \"\"\n"),
              "t.toml:2:11: [plugins] ca_file: must not be empty; leave the key out to trust the "
              "system store alone (got \"\")");
    EXPECT_EQ(error_of("[plugins]\ncafile = \"x\"\n"),
              "t.toml:2:1: [plugins] cafile: unknown key, did you mean ca_file?");
}

TEST(PluginTables, EachTableGivesAChoiceWithItsOwnSettings) {
    const auto config = parse_gateway_config(R"([store]
plugin = "store-sqlite"
path = "warren.db"
busy_timeout = "5s"

[[auth]]
plugin = "auth-github"
client_id = "abc"
admins = ["alice", "bob"]

[[auth]]
plugin = "./my-auth.so"
ratio = 0.5
enabled = true
count = 3
none = []

[[request_log]]
plugin = "log-file"
queue = 50

[[request_log]]
plugin = "/opt/x/log-http.so"

[dashboard]
plugin = "dashboard"
)",
                                             "t.toml", "/etc/warren");
    ASSERT_TRUE(config.store);
    const auto& store = *config.store;
    EXPECT_EQ(store.plugin, "store-sqlite");
    EXPECT_EQ(store.section, "[store]");
    EXPECT_EQ(store.origin, "t.toml:1:1");
    EXPECT_EQ(store.settings.where(), "[store] (store-sqlite)");
    EXPECT_EQ(store.settings.base_dir(), "/etc/warren");
    ASSERT_EQ(store.settings.entries().size(), 2u);
    EXPECT_EQ(store.settings.entries().at("path").origin, "t.toml:3:8");
    EXPECT_EQ(store.settings.entries().at("busy_timeout").origin, "t.toml:4:16");
    EXPECT_EQ(store.settings.path("path", ""), "/etc/warren/warren.db");
    EXPECT_EQ(store.settings.duration("busy_timeout", milliseconds(0)), milliseconds(5'000));

    ASSERT_EQ(config.auth.size(), 2u);
    EXPECT_EQ(config.auth[0].section, "[[auth]] #1");
    EXPECT_EQ(config.auth[0].origin, "t.toml:6:1");
    EXPECT_EQ(config.auth[0].settings.where(), "[[auth]] #1 (auth-github)");
    EXPECT_EQ(config.auth[0].settings.string_list("admins"),
              (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(config.auth[1].plugin, "./my-auth.so");
    EXPECT_EQ(config.auth[1].section, "[[auth]] #2");
    const auto& flat = config.auth[1].settings;
    EXPECT_DOUBLE_EQ(std::get<double>(flat.entries().at("ratio").v), 0.5);
    EXPECT_TRUE(flat.boolean("enabled", false));
    EXPECT_EQ(flat.integer("count", 0, 0, 10), 3);
    EXPECT_TRUE(flat.string_list("none").empty());

    ASSERT_EQ(config.request_log.size(), 2u);
    EXPECT_EQ(config.request_log[0].queue, 50u);
    EXPECT_EQ(config.request_log[0].plugin.section, "[[request_log]] #1");
    EXPECT_TRUE(config.request_log[0].plugin.settings.entries().empty()) << "queue is the host's";
    EXPECT_EQ(config.request_log[1].queue, 10'000u);
    EXPECT_EQ(config.request_log[1].plugin.plugin, "/opt/x/log-http.so");

    ASSERT_TRUE(config.dashboard);
    EXPECT_EQ(config.dashboard->section, "[dashboard]");
    EXPECT_EQ(config.dashboard->origin, "t.toml:25:1");
    EXPECT_TRUE(config.dashboard->settings.entries().empty());
}

TEST(PluginTables, InlineFormsWorkLikeHeaders) {
    const auto config = parse_gateway_config(
        "store = { plugin = \"s\", path = \"x\" }\nauth = [{ plugin = \"a\" }, { plugin = \"b\" "
        "}]\n"
        "request_log = []\n",
        "t.toml");
    ASSERT_TRUE(config.store);
    EXPECT_EQ(config.store->origin, "t.toml:1:9");
    EXPECT_EQ(config.store->settings.entries().at("path").origin, "t.toml:1:32");
    ASSERT_EQ(config.auth.size(), 2u);
    EXPECT_EQ(config.auth[1].plugin, "b");
    EXPECT_EQ(config.auth[1].section, "[[auth]] #2");
    EXPECT_TRUE(config.request_log.empty());
}

TEST(PluginTables, PluginAccessorsFailWithTheValuesOrigin) {
    const auto config = parse_gateway_config(
        "[store]\nplugin = \"store-sqlite\"\nbusy_timeout = \"5\"\n", "t.toml");
    try {
        (void)config.store->settings.duration("busy_timeout", milliseconds(0));
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(),
                     "t.toml:3:16: [store] (store-sqlite) busy_timeout: expected a duration like "
                     "\"30s\", \"250ms\" or \"5m\"");
    }
    try {
        (void)config.store->settings.required_string("path");
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "t.toml:1:1: [store] (store-sqlite) path: is required");
    }
}

TEST(PluginTables, PluginIsRequiredAndIsANameOrAPath) {
    EXPECT_EQ(error_of("[server]\n[store]\npath = \"x\"\n"),
              "t.toml:2:1: [store] plugin: is required: a plugin name such as \"store-sqlite\", "
              "or the path of a .so file");
    EXPECT_EQ(error_of("[[auth]]\nplugin = \"a\"\n[[auth]]\nclient_id = \"x\"\n"),
              "t.toml:3:1: [[auth]] #2 plugin: is required: a plugin name such as "
              "\"store-sqlite\", or the path of a .so file");
    EXPECT_EQ(error_of("[dashboard]\nplugin = 1\n"),
              "t.toml:2:10: [dashboard] plugin: expected a string: a plugin name such as "
              "\"store-sqlite\", or the path of a .so file (got 1)");
    EXPECT_EQ(error_of("[dashboard]\nplugin = \"\"\n"),
              "t.toml:2:10: [dashboard] plugin: must not be empty (got \"\")");
}

TEST(PluginTables, QueueIsTheHostsKeyOfRequestLogEntries) {
    EXPECT_EQ(error_of("[[request_log]]\nplugin = \"log-file\"\nqueue = 0\n"),
              "t.toml:3:9: [[request_log]] #1 queue: must be between 1 and 1000000 (got 0)");
    EXPECT_EQ(error_of("[[request_log]]\nplugin = \"log-file\"\nqueue = 1000001\n"),
              "t.toml:3:9: [[request_log]] #1 queue: must be between 1 and 1000000 (got 1000001)");
    EXPECT_EQ(error_of("[[request_log]]\nplugin = \"log-file\"\nqueue = \"10\"\n"),
              "t.toml:3:9: [[request_log]] #1 queue: expected an integer (got \"10\")");
    // Elsewhere `queue` is the plugin's.
    const auto config = parse_gateway_config("[store]\nplugin = \"s\"\nqueue = \"x\"\n", "t.toml");
    EXPECT_EQ(config.store->settings.string("queue", ""), "x");
}

TEST(PluginTables, SettingsAreFlat) {
    EXPECT_EQ(error_of("[store]\nplugin = \"s\"\npool = { size = 4 }\n"),
              "t.toml:3:8: [store] pool: expected a boolean, a number, a string or an array of "
              "strings: plugin settings are flat (got a table)");
    EXPECT_EQ(error_of("[store]\nplugin = \"s\"\n[store.pool]\nsize = 4\n"),
              "t.toml:3:1: [store] pool: expected a boolean, a number, a string or an array of "
              "strings: plugin settings are flat (got a table)");
    EXPECT_EQ(error_of("[[auth]]\nplugin = \"a\"\norgs = [\"x\", 2]\n"),
              "t.toml:3:14: [[auth]] #1 orgs: expected an array of strings (got 2)");
    EXPECT_EQ(error_of("[[auth]]\nplugin = \"a\"\nsince = 1979-05-27\n"),
              "t.toml:3:9: [[auth]] #1 since: expected a boolean, a number, a string or an array "
              "of strings: plugin settings are flat (got 1979-05-27)");
}

TEST(PluginTables, ShapesOfTheTables) {
    EXPECT_EQ(error_of("[[store]]\nplugin = \"a\"\n"),
              "t.toml:1:1: [[store]]: expected one table [store] (got an array of tables)");
    EXPECT_EQ(error_of("[auth]\nplugin = \"a\"\n"),
              "t.toml:1:1: [auth]: expected an array of tables [[auth]] (got a table)");
    EXPECT_EQ(error_of("store = \"sqlite\"\n"),
              "t.toml:1:9: store: expected a table [store] (got \"sqlite\")");
    EXPECT_EQ(error_of("request_log = \"file\"\n"),
              "t.toml:1:15: request_log: expected an array of tables [[request_log]] "
              "(got \"file\")");
    EXPECT_EQ(error_of("auth = [1]\n"), "t.toml:1:9: [[auth]] #1: expected a table (got 1)");
    EXPECT_THAT(error_of("[store]\nplugin = \"a\"\n[store]\nplugin = \"b\"\n"),
                ::testing::StartsWith("t.toml:3:"));
}

// A file under the test's temporary directory, removed at the end.
class ConfigFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("warren-config-test-" +
                std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& name, std::string_view text) {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(ConfigFile, LoadResolvesTlsPathsAgainstItsDirectory) {
    const auto path =
        write("gw.toml", "[server]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n");
    const auto config = load_gateway_config(path);
    EXPECT_EQ(config.source, path);
    EXPECT_EQ(config.server.tls_cert, dir_ / "cert.pem");
    EXPECT_EQ(config.server.tls_key, dir_ / "key.pem");
}

TEST_F(ConfigFile, PluginPathsAndSettingsFollowTheFile) {
    const auto path = write("gw.toml",
                            "[plugins]\ndir = \"plugins\"\nca_file = \"ca.pem\"\n"
                            "[store]\nplugin = \"store-sqlite\"\nfile = \"db/warren.db\"\n");
    const auto config = load_gateway_config(path);
    EXPECT_EQ(config.plugins.dirs, std::vector<std::filesystem::path>{dir_ / "plugins"});
    EXPECT_EQ(config.plugins.ca_file, dir_ / "ca.pem");
    EXPECT_EQ(config.store->origin, path.string() + ":4:1");
    EXPECT_EQ(config.store->settings.base_dir(), dir_);
    EXPECT_EQ(config.store->settings.path("file", ""), dir_ / "db/warren.db");
}

TEST_F(ConfigFile, ErrorsNameTheFile) {
    const auto path = write("gw.toml", "[server]\nlisten = \"nope\"\n");
    try {
        load_gateway_config(path);
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_THAT(e.what(), ::testing::StartsWith(path.string() + ":2:10: [server] listen:"));
    }
}

TEST_F(ConfigFile, MissingFileOrDirectory) {
    EXPECT_THROW(
        {
            try {
                load_gateway_config(dir_ / "absent.toml");
            } catch (const config_error& e) {
                EXPECT_THAT(e.what(), HasSubstr("absent.toml: cannot open: No such file"));
                throw;
            }
        },
        config_error);
    EXPECT_THROW(load_gateway_config(dir_), config_error);
}

TEST(RepoDefault, GatewayTomlParsesToTheDefaults) {
    const auto config =
        load_gateway_config(std::filesystem::path(WARREN_SOURCE_DIR) / "gateway.toml");
    const gateway_config defaults;
    EXPECT_EQ(config.server.listen, defaults.server.listen);
    EXPECT_EQ(config.server.domain, defaults.server.domain);
    EXPECT_TRUE(config.tunnels.allow_anonymous);
    EXPECT_EQ(config.tunnels.stream_window, defaults.tunnels.stream_window);
    EXPECT_EQ(config.log.level, defaults.log.level);
}

TEST(RepoDefault, EveryCommentedKeyIsValidWithItsDefault) {
    // Uncommenting any `# key = value` line of gateway.toml must give a valid file.
    std::ifstream in(std::filesystem::path(WARREN_SOURCE_DIR) / "gateway.toml");
    std::string text;
    std::string line;
    int uncommented = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("# ") && line.find(" = ") != std::string::npos &&
            line.find(' ', 2) == line.find(" = ")) {
            line = line.substr(2);
            ++uncommented;
        }
        text += line + "\n";
    }
    EXPECT_GT(uncommented, 10);
    const auto config = parse_gateway_config(text, "gateway.toml (uncommented)");
    EXPECT_EQ(config.tunnels.request_timeout, gateway_config{}.tunnels.request_timeout);
}

TEST(Overrides, ReplaceAndValidate) {
    auto config = parse_gateway_config("", "t.toml");
    apply_overrides(config, {.listen = "0.0.0.0:9000",
                             .domain = "example.com",
                             .log_format = "json",
                             .log_level = "debug"});
    EXPECT_EQ(config.server.listen, "0.0.0.0:9000");
    EXPECT_EQ(config.server.domain, "example.com");
    EXPECT_EQ(config.log.format, "json");
    EXPECT_EQ(config.log.level, "debug");

    apply_overrides(config, {});
    EXPECT_EQ(config.server.listen, "0.0.0.0:9000");

    try {
        apply_overrides(config, {.listen = "h:70000"});
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "--listen: port must be 0-65535 (got \"h:70000\")");
    }
    EXPECT_THROW(apply_overrides(config, {.log_level = "loud"}), config_error);
    EXPECT_THROW(apply_overrides(config, {.domain = "Ex.com"}), config_error);
}

TEST(Suggestions, NearestName) {
    const std::array<std::string_view, 3> names{"listen", "domain", "threads"};
    EXPECT_EQ(nearest_name("listn", names), "listen");
    EXPECT_EQ(nearest_name("Listen", names), "listen");
    EXPECT_EQ(nearest_name("domian", names), "domain");
    EXPECT_EQ(nearest_name("colour", names), "");
}

}  // namespace
}  // namespace warren

namespace warren {
namespace {

TEST(Sessions, DefaultsAndEveryKey) {
    const auto d = parse_gateway_config("", "t.toml");
    EXPECT_EQ(d.sessions.secret_env, "");
    EXPECT_EQ(d.sessions.ttl, std::chrono::hours(12));
    EXPECT_TRUE(d.sessions.setup_link);
    EXPECT_TRUE(d.tunnels.first_login_tunnel);
    const auto c = parse_gateway_config(
        "[sessions]\nsecret_env = \"WARREN_SESSION_SECRET\"\nttl = \"7d\"\nsetup_link = false\n"
        "[tunnels]\nfirst_login_tunnel = false\n",
        "t.toml");
    EXPECT_EQ(c.sessions.secret_env, "WARREN_SESSION_SECRET");
    EXPECT_EQ(c.sessions.ttl, std::chrono::hours(7 * 24));
    EXPECT_FALSE(c.sessions.setup_link);
    EXPECT_FALSE(c.tunnels.first_login_tunnel);
}

TEST(Sessions, SecretEnvNamesAVariableNotTheSecret) {
    EXPECT_THAT(error_of("[sessions]\nsecret_env = \"hunter2 is my secret!\"\n"),
                ::testing::HasSubstr("must name an environment variable"));
    EXPECT_THAT(error_of("[sessions]\nsecret_env = \"9LIVES\"\n"), ::testing::HasSubstr("[sessions] secret_env"));
    EXPECT_THAT(error_of("[sessions]\nttl = \"10s\"\n"), ::testing::HasSubstr("[sessions] ttl: must be between 1m and 90d"));
}

}  // namespace
}  // namespace warren
