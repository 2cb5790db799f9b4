#pragma once
// Errors of the strict HTTP/1.x parser. Each one refuses a message outright:
// a gateway that forwards an ambiguous message is a request-smuggling hole, so
// there is no "lenient" mode. Messages are one line a user can act on.
#include <boost/system/error_code.hpp>

#include <type_traits>

namespace warren::http {

enum class http_error {
    header_too_large = 1,  // 431
    trailer_too_large,
    body_too_large,  // 413
    bad_framing,     // Content-Length together with Transfer-Encoding
    duplicate_content_length,
    bad_content_length,
    bad_transfer_encoding,  // anything but a single "chunked"
    transfer_encoding_http10,
    bad_line_ending,  // bare CR or bare LF
    obs_fold,
    whitespace_before_colon,
    bad_header,  // control character, bad name, missing colon
    forbidden_trailer,
    chunk_line_too_long,
    bad_chunk,
    bad_request_line,
    bad_status_line,
    bad_target,
    bad_version,
    missing_host,
    duplicate_host,
    bad_host,
    method_not_allowed,  // CONNECT: 405
    field_name_alias,    // Content_Length, Transfer_Encoding, X_Forwarded_For, ...
};

const boost::system::error_category& http_category() noexcept;

boost::system::error_code make_error_code(http_error e) noexcept;

// The status to answer a refused message with: 431 header_too_large and
// trailer_too_large, 413 body_too_large, 405 method_not_allowed, 400 for every
// other parse error (ours or Beast's), 0 when ec is not a parse error (I/O, end of stream).
unsigned status_for(boost::system::error_code ec) noexcept;

// Maps Beast's parse errors to ours so callers see one category; flow signals
// (need_more, need_buffer, end_of_stream, partial_message) and I/O errors are
// returned unchanged.
boost::system::error_code to_http_error(boost::system::error_code ec) noexcept;

}  // namespace warren::http

template <>
struct boost::system::is_error_code_enum<warren::http::http_error> : std::true_type {};
