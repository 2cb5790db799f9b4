#pragma once
// The value syntaxes of gateway.toml (durations, byte sizes, addresses, names),
// shared by the file reader and the command-line overrides so that both accept
// and refuse exactly the same things. Internal to warren_config.
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

// "250ms", "30s", "5m", "1h" or a sum of them ("1m30s"). Too large a value
// saturates rather than failing, so the caller's range check reports it.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "512B", "64KiB", "4MiB", "1GiB", "1TiB" or decimal "10KB", "10MB", "1GB",
// "1TB". Saturates like parse_duration.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// The shortest exact spelling in the syntax above, for messages: "30s", "64KiB",
// "1500B" (sizes in binary units only).
std::string format_duration(std::chrono::milliseconds value);
std::string format_byte_size(std::uint64_t bytes);

// A string as a TOML basic string on one line: quotes, backslashes and control
// characters escaped, cut after 60 characters.
std::string quote_text(std::string_view text);

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
