#include "gateway/gateway_context.hpp"

namespace warren {
namespace {

std::string with_port(std::string url, const std::string& scheme, std::uint16_t port) {
    const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    if (!default_port && port != 0) url += ":" + std::to_string(port);
    return url;
}

}  // namespace

std::string gateway_context::tunnel_url(std::string_view name) const {
    return with_port(scheme + "://" + std::string(name) + "." + public_host, scheme, public_port);
}

std::string gateway_context::apex_url() const {
    return with_port(scheme + "://" + public_host, scheme, public_port);
}

}  // namespace warren
