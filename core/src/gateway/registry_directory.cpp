#include "gateway/registry_directory.hpp"

#include <algorithm>

namespace warren {

live_tunnel describe(const tunnel& t) {
    live_tunnel l;
    l.name = t.name();
    l.url = t.url();
    l.keyed = t.credentials().keyed;
    l.key_prefix = t.credentials().key_prefix;
    l.owner = t.credentials().owner;
    l.client_ip = t.client_ip();
    l.connected_since = t.connected_at();
    l.requests = t.requests.load(std::memory_order_relaxed);
    l.in_flight = t.in_flight.load(std::memory_order_relaxed);
    l.bytes_in = t.session().bytes_in();
    l.bytes_out = t.session().bytes_out();
    return l;
}

std::vector<live_tunnel> registry_directory::live_tunnels() const {
    std::vector<live_tunnel> out;
    for (const auto& t : registry_.snapshot()) out.push_back(describe(*t));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

}  // namespace warren
