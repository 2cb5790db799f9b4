#include "log_file_sink.hpp"

#include "json_line.hpp"

#include <warren/plugin.hpp>

#include <exception>

namespace warren::log_file {
namespace {

rotating_file::settings read_settings(const config_table& config) {
    rotating_file::settings s;
    s.path = config.path("path", "requests.log");
    s.max_bytes = config.byte_size("max_bytes", 10u << 20);
    s.max_files = static_cast<unsigned>(config.integer("max_files", 5, 1, 100));
    s.fsync = config.boolean("fsync", false);
    return s;
}

}  // namespace

log_file_sink::log_file_sink(const plugin_context& ctx)
    : log_(ctx.log), file_(read_settings(ctx.config)) {
    if (const auto ec = file_.open())
        ctx.config.fail("path", "cannot open \"" + file_.path().string() + "\" for appending: " + ec.message());
}

void log_file_sink::write(std::span<const request_record> batch) noexcept {
    const std::error_code ec = append(batch);
    if (ec) {
        file_.close();
        if (!failing_) {
            log_.error("cannot write \"" + file_.path().string() + "\": " + ec.message() +
                       "; request records are dropped until it works again");
        }
        failing_ = true;
        lost_ += batch.size();
        return;
    }
    if (failing_) {
        log_.warn("writing \"" + file_.path().string() + "\" again; " + std::to_string(lost_) +
                  " request records were lost");
        failing_ = false;
        lost_ = 0;
    }
}

std::error_code log_file_sink::append(std::span<const request_record> batch) noexcept {
    try {
        if (!file_.is_open()) {
            if (auto ec = file_.open()) return ec;
        }
        for (const auto& r : batch) {
            if (auto ec = file_.add(json_line(r))) return ec;
        }
        return file_.commit();
    } catch (const std::exception&) {
        // Out of memory while formatting: the batch is lost like a failed write.
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace warren::log_file

WARREN_PLUGIN(warren::log_file::log_file_sink, "log-file", "1.0.0",
              "Writes one JSON line per request to a size-rotated file")
