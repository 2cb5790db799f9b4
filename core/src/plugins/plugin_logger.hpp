#pragma once
// The logger each plugin gets: the host's spdlog default logger, with every
// line prefixed by the plugin's table ("store-sqlite: ...").
#include <warren/logger.hpp>

#include <string>

namespace warren {

class plugin_logger final : public logger {
public:
    explicit plugin_logger(std::string prefix) : prefix_(std::move(prefix)) {}

    bool enabled(log_level level) const noexcept override;
    void log(log_level level, std::string_view message) noexcept override;

private:
    std::string prefix_;
};

}  // namespace warren
