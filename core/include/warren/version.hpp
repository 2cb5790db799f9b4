#pragma once
// Warren's release version, shared by the gateway, the client and the SDK.

namespace warren {

inline constexpr const char* warren_version = "0.1.0";

}  // namespace warren
