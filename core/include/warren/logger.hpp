#pragma once
// The host's logger, handed to each plugin. Lines go to the gateway's log in
// its configured format and level, prefixed with the plugin's table
// ("store-sqlite: ..."). Plugins must not set up a logging library of their
// own: a second spdlog registry inside a .so would write past the host's.
//
// Threading: every call is thread-safe and non-blocking for the caller's
// purposes. Never log secrets (keys, tokens, passwords, cookies).
#include <warren/export.hpp>

#include <string_view>

namespace warren {

enum class log_level { trace, debug, info, warn, error };

class WARREN_SDK_VISIBLE logger {
public:
    virtual ~logger() = default;

    // False when a message at `level` would be dropped: skip building it.
    virtual bool enabled(log_level level) const noexcept = 0;
    virtual void log(log_level level, std::string_view message) noexcept = 0;

    void debug(std::string_view m) noexcept { log(log_level::debug, m); }
    void info(std::string_view m) noexcept { log(log_level::info, m); }
    void warn(std::string_view m) noexcept { log(log_level::warn, m); }
    void error(std::string_view m) noexcept { log(log_level::error, m); }
};

}  // namespace warren
