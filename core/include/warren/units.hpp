#pragma once
// The value syntaxes of gateway.toml shared by the core and plugins, so that a
// plugin's "30s" or "10MiB" means what the core's does:
//   durations: "250ms", "30s", "5m", "1h", "7d" or a sum of them ("1m30s");
//   sizes:     "512B", "64KiB", "4MiB", "1GiB", "1TiB" or decimal "10KB", "10MB",
//              "1GB", "1TB".
// Too large a value saturates rather than failing, so the caller's range check
// reports it. Header-only; no allocation.
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace warren {
namespace units_detail {

struct unit {
    std::string_view suffix;
    std::uint64_t factor;
};

inline constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();

// Matched in order, so "ms" comes before its prefix "m", "KiB" before "B".
inline constexpr std::array<unit, 5> duration_units{
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
inline constexpr std::array<unit, 9> size_units{{{"KiB", 1ull << 10},
                                                 {"MiB", 1ull << 20},
                                                 {"GiB", 1ull << 30},
                                                 {"TiB", 1ull << 40},
                                                 {"KB", 1'000},
                                                 {"MB", 1'000'000},
                                                 {"GB", 1'000'000'000},
                                                 {"TB", 1'000'000'000'000},
                                                 {"B", 1}}};

inline std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
    return b != 0 && a > saturated / b ? saturated : a * b;
}

inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
    return a > saturated - b ? saturated : a + b;
}

// Reads the digits at the front of `text` and the unit after them; nullopt if
// either is missing or the unit is not in `units`.
template <std::size_t N>
std::optional<std::uint64_t> take_quantity(std::string_view& text,
                                           const std::array<unit, N>& units) noexcept {
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (end == text.data()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) number = saturated;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    for (const auto& u : units) {
        if (text.starts_with(u.suffix)) {
            text.remove_prefix(u.suffix.size());
            return saturating_mul(number, u.factor);
        }
    }
    return std::nullopt;
}

}  // namespace units_detail

inline std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    using namespace units_detail;
    if (text.empty()) return std::nullopt;
    std::uint64_t total = 0;
    while (!text.empty()) {
        const auto part = take_quantity(text, duration_units);
        if (!part) return std::nullopt;
        total = saturating_add(total, *part);
    }
    constexpr auto max_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return std::chrono::milliseconds(static_cast<std::int64_t>(total > max_ms ? max_ms : total));
}

inline std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept {
    using namespace units_detail;
    const auto size = take_quantity(text, size_units);
    if (!size || !text.empty()) return std::nullopt;
    return size;
}

}  // namespace warren
