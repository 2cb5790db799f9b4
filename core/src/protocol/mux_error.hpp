#pragma once
// Errors a mux stream reports to its user.
#include <boost/system/error_code.hpp>

namespace warren::proto {

enum class mux_errc {
    session_closed = 1,  // the tunnel connection went away
    reset_by_peer,       // peer sent RESET (see mux_stream::peer_reset())
    reset_locally,       // we reset the stream
    too_many_streams,    // max_streams reached
    going_away,          // GOAWAY sent or received: no new streams
    integrity_failed,    // SHA-256 of the body did not match
    protocol_error,
};

const boost::system::error_category& mux_category() noexcept;

inline boost::system::error_code make_error_code(mux_errc e) noexcept {
    return {static_cast<int>(e), mux_category()};
}

}  // namespace warren::proto

template <>
struct boost::system::is_error_code_enum<warren::proto::mux_errc> : std::true_type {};
