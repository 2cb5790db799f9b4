#pragma once
// Process-wide logging setup. The host calls setup_logging once at start,
// before any thread logs; plugins never touch spdlog's registry (each .so has
// its own) and log through the logger the host hands them.
#include <memory>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/formatter.h>

namespace warren {

// "trace", "debug", "info", "warn" (or "warning"), "error", "critical",
// "off". Throws std::invalid_argument naming the accepted values otherwise.
spdlog::level::level_enum parse_log_level(std::string_view level);

// The line format for "text" (local time):
//   [2026-11-21 23:59:01.123] [info] message
// or "json" (UTC, one object per line, message escaped as a JSON string,
// invalid UTF-8 replaced by U+FFFD so every line parses):
//   {"time":"2026-11-21T23:59:01.123Z","level":"info","msg":"message"}
// Throws std::invalid_argument for any other format. Exposed so other sinks
// (and tests) can write exactly what stderr gets.
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

// Makes spdlog's default logger write to stderr at `level` in `format`.
// Throws std::invalid_argument for an unknown level or format, leaving the
// previous logger in place.
void setup_logging(std::string_view level, std::string_view format);

}  // namespace warren
