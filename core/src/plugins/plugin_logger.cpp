#include "plugins/plugin_logger.hpp"

#include <spdlog/spdlog.h>

namespace warren {
namespace {

spdlog::level::level_enum to_spdlog(log_level level) noexcept {
    switch (level) {
    case log_level::trace: return spdlog::level::trace;
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warn: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
    }
    return spdlog::level::err;
}

}  // namespace

bool plugin_logger::enabled(log_level level) const noexcept {
    return spdlog::default_logger_raw()->should_log(to_spdlog(level));
}

void plugin_logger::log(log_level level, std::string_view message) noexcept {
    try {
        spdlog::default_logger_raw()->log(to_spdlog(level), "{}: {}", prefix_, message);
    } catch (...) {
        // A logging failure (out of memory) must not take a plugin call down.
    }
}

}  // namespace warren
