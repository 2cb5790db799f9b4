#pragma once
// The log-file sink: one JSON line per request (see json_line.hpp) appended
// to a size-rotated file.
//
//   [[request_log]]
//   plugin = "log-file"
//   path = "requests.log"   # relative to gateway.toml
//   max_bytes = "10MiB"     # rotate before a line would pass this; 0: never
//   max_files = 5           # requests.log.1 ... .5 are kept (1-100)
//   fsync = false           # fsync() after every batch
//
// The file is opened in the constructor: an unwritable path fails the
// gateway's start. A later write error is logged once, when it starts, and
// once when writing works again (with the number of records lost); in
// between, each batch first tries to open the file again.
//
// Threading: the host calls write() from one thread at a time.
#include "rotating_file.hpp"

#include <warren/host.hpp>
#include <warren/request_log_sink.hpp>

#include <cstdint>
#include <span>

namespace warren::log_file {

class log_file_sink final : public request_log_sink {
public:
    explicit log_file_sink(const plugin_context& ctx);

    void write(std::span<const request_record> batch) noexcept override;

private:
    // Runs one batch; an error leaves the file closed.
    std::error_code append(std::span<const request_record> batch) noexcept;

    logger& log_;
    rotating_file file_;
    bool failing_ = false;
    std::uint64_t lost_ = 0;  // records lost since failing_ was set
};

}  // namespace warren::log_file
