// hello-sink: a [[request_log]] sink that appends "hello <method> <path>
// <status>" to a file for every request through a tunnel.
#include <warren/plugin.hpp>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

class hello_sink final : public warren::request_log_sink {
public:
    // Reads and checks every setting here: a bad one stops the gateway's
    // start with the message of the exception (config_table::fail names the
    // file, line, table and key).
    explicit hello_sink(const warren::plugin_context& ctx)
        : path_(ctx.config.path("path", "hello.log")), out_(path_, std::ios::app), log_(ctx.log) {
        if (!out_) ctx.config.fail("path", "cannot open \"" + path_.string() + "\" for appending");
    }

    // On the host's thread for this sink, never on a network thread: it may
    // block. noexcept, like every call across the boundary.
    void write(std::span<const warren::request_record> batch) noexcept override {
        for (const auto& r : batch) out_ << "hello " << r.method << ' ' << r.path << ' ' << r.status << '\n';
        check();
    }

    // The host's queue ran empty: put out what is buffered.
    void flush() noexcept override {
        out_.flush();
        check();
    }

private:
    // Report a failing file once, not once per request.
    void check() noexcept {
        if (out_) return;
        if (!failed_) log_.error("cannot write \"" + path_.string() + "\"");
        failed_ = true;
        out_.clear();
    }

    std::filesystem::path path_;
    std::ofstream out_;
    warren::logger& log_;
    bool failed_ = false;
};

}  // namespace

WARREN_PLUGIN(hello_sink, "hello-sink", "1.0.0", "Appends a hello line per request")
