#include "test_host.hpp"

#include "plugins/http_client_impl.hpp"
#include "plugins/plugin_metrics.hpp"
#include "plugins/unready_admin.hpp"

namespace warren::test {
namespace {

const char* level_name(log_level l) {
    switch (l) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    }
    return "?";
}

class no_tunnels final : public tunnel_directory {
public:
    std::vector<live_tunnel> live_tunnels() const override { return {}; }
};

}  // namespace

void capture_logger::log(log_level level, std::string_view message) noexcept {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::string(level_name(level)) + ": " + std::string(message));
}

std::vector<std::string> capture_logger::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

std::string capture_logger::text() const {
    std::string out;
    for (const auto& l : lines()) out += l + "\n";
    return out;
}

struct test_host::impl {
    impl(metrics_registry& r, const std::filesystem::path& ca_file) : metrics(r), http(ca_file) {}
    plugin_metrics metrics;
    http_client_impl http;
    no_tunnels tunnels;
    unready_admin unready;
};

test_host::test_host(const std::filesystem::path& ca_file)
    : impl_(std::make_unique<impl>(registry_, ca_file)) {}
test_host::~test_host() = default;

std::chrono::system_clock::time_point test_host::now() const noexcept {
    return std::chrono::system_clock::now();
}
metric_registry& test_host::metrics() noexcept { return impl_->metrics; }
http_client& test_host::http() noexcept { return impl_->http; }
const tunnel_directory& test_host::tunnels() const noexcept { return impl_->tunnels; }
gateway_admin& test_host::admin() noexcept { return admin_ ? *admin_ : impl_->unready; }

}  // namespace warren::test
