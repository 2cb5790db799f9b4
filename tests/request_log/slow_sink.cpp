// A fixture [[request_log]] sink that is slower than the traffic: it sleeps
// `delay` (default 100ms) per batch, then appends "METHOD PATH STATUS" per
// record to `path`, so a test sees both the drops and what got through.
#include <warren/plugin.hpp>

#include <fstream>
#include <thread>

namespace {

using namespace std::chrono_literals;

class slow_sink final : public warren::request_log_sink {
public:
    explicit slow_sink(const warren::plugin_context& ctx)
        : delay_(ctx.config.duration("delay", 100ms)),
          out_(ctx.config.path("path", "slow-sink.log"), std::ios::app) {
        if (!out_) ctx.config.fail("path", "cannot open for appending");
    }

    void write(std::span<const warren::request_record> batch) noexcept override {
        std::this_thread::sleep_for(delay_);
        for (const auto& r : batch) out_ << r.method << ' ' << r.path << ' ' << r.status << '\n';
        out_.flush();
    }

private:
    std::chrono::milliseconds delay_;
    std::ofstream out_;
};

}  // namespace

WARREN_PLUGIN(slow_sink, "slow-sink", "1.0.0", "Test fixture: a request-log sink slower than the traffic")
