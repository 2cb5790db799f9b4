#include "util/logging.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace warren {
namespace {

std::string format_line(std::string_view format, std::string_view message,
                        spdlog::level::level_enum level = spdlog::level::info) {
    const auto formatter = make_log_formatter(format);
    spdlog::details::log_msg msg{"", level, spdlog::string_view_t{message.data(), message.size()}};
    // 2026-11-21T23:59:01.123Z
    using namespace std::chrono;
    msg.time = time_point_cast<spdlog::log_clock::duration>(
        sys_days{year{2026} / 11 / 21} + 23h + 59min + 1s + 123ms);
    spdlog::memory_buf_t buf;
    formatter->format(msg, buf);
    return {buf.data(), buf.size()};
}

TEST(logging, parses_levels) {
    EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
    EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
    EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
    EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
    EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
    EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
    EXPECT_EQ(parse_log_level("critical"), spdlog::level::critical);
    EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
    for (const char* bad : {"", "INFO", "verbose", "err", " info"})
        EXPECT_THROW(parse_log_level(bad), std::invalid_argument) << bad;
}

TEST(logging, json_line_is_exact_in_utc) {
    EXPECT_EQ(format_line("json", "tunnel demo connected"),
              "{\"time\":\"2026-11-21T23:59:01.123Z\",\"level\":\"info\","
              "\"msg\":\"tunnel demo connected\"}\n");
    EXPECT_EQ(format_line("json", "slow", spdlog::level::warn),
              "{\"time\":\"2026-11-21T23:59:01.123Z\",\"level\":\"warning\",\"msg\":\"slow\"}\n");
}

TEST(logging, json_escapes_the_message) {
    const std::string message = "say \"hi\"\\\nbye\ttab \x01 caf\xc3\xa9 {\"a\":1}";
    const auto line = format_line("json", message);
    ASSERT_TRUE(line.ends_with("}\n"));
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
    const auto parsed = boost::json::parse(line).as_object();
    EXPECT_EQ(parsed.at("msg").as_string(), message);
    EXPECT_EQ(parsed.at("level").as_string(), "info");
    EXPECT_EQ(parsed.size(), 3u);
}

TEST(logging, json_replaces_invalid_utf8) {
    // A stray continuation byte, a truncated sequence, an overlong '/', a surrogate.
    const auto line = format_line("json", "a\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80" "e");
    const auto parsed = boost::json::parse(line).as_object();  // throws on invalid UTF-8
    EXPECT_EQ(parsed.at("msg").as_string(),
              "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
              "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "e");
}

TEST(logging, text_line) {
    const auto line = format_line("text", "hello \"world\"");
    static const std::regex pattern{
        R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123\] \[info\] hello "world"\n)"};
    EXPECT_TRUE(std::regex_match(line, pattern)) << line;
}

TEST(logging, refuses_unknown_level_or_format) {
    const auto before = spdlog::default_logger();
    EXPECT_THROW(make_log_formatter("xml"), std::invalid_argument);
    EXPECT_THROW(setup_logging("info", "xml"), std::invalid_argument);
    EXPECT_THROW(setup_logging("loud", "json"), std::invalid_argument);
    EXPECT_THROW(setup_logging("", "text"), std::invalid_argument);
    EXPECT_EQ(spdlog::default_logger(), before);
}

// Points file descriptor 2 at a temporary file for the lifetime of the object.
class stderr_capture {
public:
    stderr_capture() : file_{std::tmpfile()}, saved_{::dup(2)} {
        std::fflush(stderr);
        ::dup2(::fileno(file_), 2);
    }
    ~stderr_capture() {
        restore();
        std::fclose(file_);
    }
    std::string finish() {
        restore();
        std::string out;
        std::rewind(file_);
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::FILE* file_;
    int saved_;
};

TEST(logging, setup_writes_json_to_stderr_at_level) {
    stderr_capture capture;
    setup_logging("info", "json");
    spdlog::debug("not shown");
    spdlog::info("hello {}", "world");
    spdlog::error("token {} refused", "\"quoted\"");
    const auto out = capture.finish();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(""));

    std::istringstream lines{out};
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << out;
    auto record = boost::json::parse(line).as_object();
    EXPECT_EQ(record.at("level").as_string(), "info");
    EXPECT_EQ(record.at("msg").as_string(), "hello world");
    static const std::regex iso{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"};
    EXPECT_TRUE(std::regex_match(std::string{record.at("time").as_string()}, iso));

    ASSERT_TRUE(std::getline(lines, line)) << out;
    record = boost::json::parse(line).as_object();
    EXPECT_EQ(record.at("level").as_string(), "error");
    EXPECT_EQ(record.at("msg").as_string(), "token \"quoted\" refused");
    EXPECT_FALSE(std::getline(lines, line)) << out;
}

TEST(logging, setup_writes_text_to_stderr) {
    stderr_capture capture;
    setup_logging("debug", "text");
    spdlog::debug("debug line");
    const auto out = capture.finish();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(""));

    static const std::regex pattern{
        R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[debug\] debug line\n)"};
    EXPECT_TRUE(std::regex_match(out, pattern)) << out;
}

}  // namespace
}  // namespace warren
