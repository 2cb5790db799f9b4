#include "plugins/gateway_services.hpp"

namespace warren {

gateway_services::gateway_services(metrics_registry& registry, const tunnel_directory& tunnels,
                                   const std::filesystem::path& ca_file)
    : metrics_(registry), http_(ca_file), tunnels_(tunnels) {}

std::chrono::system_clock::time_point gateway_services::now() const noexcept {
    return std::chrono::system_clock::now();
}

}  // namespace warren
