#include "util/logging.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/json/serialize.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace warren {
namespace {

constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 8> levels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

// Length of the well-formed UTF-8 sequence at the start of s, or 0 if it is
// not one (overlong, surrogate, above U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto c = byte(0);
    if (c < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s.size() < len || byte(1) < lo || byte(1) > hi) return 0;
    for (std::size_t i = 2; i < len; ++i)
        if ((byte(i) & 0xc0) != 0x80) return 0;
    return len;
}

// Boost.JSON escapes quotes and control characters but passes bytes >= 0x80
// through as they are; log messages can carry anything a client sent, so
// invalid UTF-8 is replaced first to keep every line valid JSON.
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        const auto len = utf8_sequence_length(s);
        if (len == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD
            s.remove_prefix(1);
        } else {
            out += s.substr(0, len);
            s.remove_prefix(len);
        }
    }
    return out;
}

// %* in the JSON pattern: the message as a quoted, escaped JSON string.
class json_message_flag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        const auto quoted = boost::json::serialize(
            boost::json::string_view{valid_utf8({msg.payload.data(), msg.payload.size()})});
        dest.append(quoted.data(), quoted.data() + quoted.size());
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<json_message_flag>();
    }
};

}  // namespace

spdlog::level::level_enum parse_log_level(std::string_view level) {
    for (const auto& [name, value] : levels)
        if (name == level) return value;
    throw std::invalid_argument("unknown log level \"" + std::string{level} +
                                "\" (expected trace, debug, info, warn, error, critical or off)");
}

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
    if (format == "text")
        return std::make_unique<spdlog::pattern_formatter>("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    if (format == "json") {
        auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<json_message_flag>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%*})");
        return formatter;
    }
    throw std::invalid_argument("unknown log format \"" + std::string{format} +
                                "\" (expected text or json)");
}

void setup_logging(std::string_view level, std::string_view format) {
    const auto parsed_level = parse_log_level(level);
    auto formatter = make_log_formatter(format);
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::move(formatter));
    auto logger = std::make_shared<spdlog::logger>("", std::move(sink));
    logger->set_level(parsed_level);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace warren
