#pragma once
// The SDK's tunnel_directory over the registry: what plugins (the dashboard)
// see of the tunnels connected right now.
#include "gateway/tunnel_registry.hpp"

#include <warren/tunnels.hpp>

namespace warren {

// What the SDK shows of one live tunnel.
live_tunnel describe(const tunnel& t);

class registry_directory final : public tunnel_directory {
public:
    explicit registry_directory(tunnel_registry& registry) : registry_(registry) {}
    std::vector<live_tunnel> live_tunnels() const override;

private:
    tunnel_registry& registry_;
};

}  // namespace warren
