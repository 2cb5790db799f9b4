#pragma once
// Pages the gateway serves itself on its apex host: /_health, /metrics and a
// short landing page for a gateway without a [dashboard], which otherwise
// serves "/".
#include "gateway/gateway_context.hpp"
#include "gateway/responses.hpp"

#include <optional>

namespace warren {

// The response for an apex request, or nullopt when no such page exists.
std::optional<simple_response> apex_response(gateway_context& ctx, const request_head& head);

// The JSON of /_health.
std::string health_json(gateway_context& ctx);

}  // namespace warren
