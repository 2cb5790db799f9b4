#pragma once
// Times in the admin API: ISO 8601 in UTC with milliseconds
// ("2026-11-22T05:01:02.123Z"), as JavaScript's Date reads and writes them.
#include <warren/store.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace warren::dashboard {

std::string format_iso_time(time_point t);

// Reads "2026-11-22", "2026-11-22T05:01", "2026-11-22T05:01:02",
// "2026-11-22T05:01:02.123" (any number of fraction digits, kept to the
// millisecond), each optionally followed by "Z" or an offset "+02:00"; a time
// without a zone is UTC. Nullopt for anything else, or an impossible date.
std::optional<time_point> parse_iso_time(std::string_view text) noexcept;

}  // namespace warren::dashboard
