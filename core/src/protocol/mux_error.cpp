#include "protocol/mux_error.hpp"

#include <string>

namespace warren::proto {
namespace {

class mux_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "warren.mux"; }
    std::string message(int ev) const override {
        switch (static_cast<mux_errc>(ev)) {
            case mux_errc::session_closed: return "tunnel connection closed";
            case mux_errc::reset_by_peer: return "stream reset by peer";
            case mux_errc::reset_locally: return "stream reset";
            case mux_errc::too_many_streams: return "too many concurrent streams on this tunnel";
            case mux_errc::going_away: return "tunnel is going away";
            case mux_errc::integrity_failed: return "body SHA-256 mismatch";
            case mux_errc::protocol_error: return "tunnel protocol error";
        }
        return "unknown mux error";
    }
};

}  // namespace

const boost::system::error_category& mux_category() noexcept {
    static const mux_category_impl instance;
    return instance;
}

}  // namespace warren::proto
