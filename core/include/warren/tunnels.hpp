#pragma once
// A read-only view of the tunnels connected to this gateway right now.
//
// Threading: thread-safe; each call returns a fresh copy, consistent per tunnel.
#include <warren/export.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace warren {

struct live_tunnel {
    std::string name;
    std::string url;          // the public URL
    bool keyed = false;       // connected with an API key (else anonymous)
    std::string key_prefix;   // "wk_ab12cd34" for keyed tunnels
    std::string owner;        // the keyed tunnel's owner's username, if any
    std::string client_ip;
    std::chrono::system_clock::time_point connected_since;
    std::uint64_t requests = 0;  // finished since connect
    std::uint64_t in_flight = 0;
    std::uint64_t bytes_in = 0;   // received from the tunnel client (wire bytes)
    std::uint64_t bytes_out = 0;  // sent to the tunnel client (wire bytes)
};

class WARREN_SDK_VISIBLE tunnel_directory {
public:
    virtual ~tunnel_directory() = default;
    virtual std::vector<live_tunnel> live_tunnels() const = 0;
};

}  // namespace warren
