#pragma once
// The value syntaxes of gateway.toml (durations, byte sizes, addresses, names),
// shared by the file reader and the command-line overrides so that both accept
// and refuse exactly the same things. Internal to the core (the plugin host
// words its messages with the same helpers).
//
// Durations and sizes are parsed by the SDK's parse_duration and
// parse_byte_size (<warren/units.hpp>), so a plugin's "30s" or "10MiB" means
// what the core's does.
#include <warren/units.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace warren {

// A problem found with a value: what is wrong, without the value itself (the
// caller appends "(got X)" in the form the value had in its source).
using value_problem = std::optional<std::string>;

// The shortest exact spelling in the syntax of parse_duration/parse_byte_size,
// for messages: "30s", "64KiB", "1500B" (sizes in binary units only).
std::string format_duration(std::chrono::milliseconds value);
std::string format_byte_size(std::uint64_t bytes);

// A string as a TOML basic string on one line: quotes, backslashes and control
// characters escaped, cut after 60 characters.
std::string quote_text(std::string_view text);

// "N/s", "N/m" or "N/h" (N a whole number, 1-1000000000), for [limits] rates.
struct parsed_rate {
    std::uint32_t tokens = 0;
    std::chrono::milliseconds per{1000};
};
std::optional<parsed_rate> parse_rate(std::string_view text);

value_problem check_listen(std::string_view text);
value_problem check_domain(std::string_view text);
value_problem check_public_url(std::string_view text);

inline constexpr std::array<std::string_view, 6> log_levels{"trace", "debug", "info",
                                                            "warn",  "error", "off"};
inline constexpr std::array<std::string_view, 2> log_formats{"text", "json"};

value_problem check_one_of(std::string_view text, std::span<const std::string_view> allowed);

// The candidate closest to `word` by edit distance (case-insensitive), if it
// is close enough to be the likely intent of a typo; else empty.
std::string_view nearest_name(std::string_view word, std::span<const std::string_view> candidates);

// The parts joined, for building messages. (Also keeps `"literal" + std::string`
// out of the code, which trips GCC 12's false -Wrestrict at -O3, GCC bug 105329.)
std::string concat(std::initializer_list<std::string_view> parts);

// "a, b, c" for messages.
std::string join_names(std::span<const std::string_view> names);

}  // namespace warren
