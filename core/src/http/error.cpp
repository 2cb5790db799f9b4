#include "http/error.hpp"

#include <boost/beast/http/error.hpp>

#include <string>

namespace warren::http {
namespace {

class http_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "warren.http"; }

    std::string message(int ev) const override {
        switch (static_cast<http_error>(ev)) {
            case http_error::header_too_large: return "request or response head is too large";
            case http_error::trailer_too_large: return "chunked trailers are too large";
            case http_error::body_too_large: return "body is larger than the configured limit";
            case http_error::bad_framing: return "Content-Length together with Transfer-Encoding";
            case http_error::duplicate_content_length: return "more than one Content-Length";
            case http_error::bad_content_length:
                return "Content-Length is not a plain decimal number";
            case http_error::bad_transfer_encoding:
                return "Transfer-Encoding other than a single \"chunked\" is not supported";
            case http_error::transfer_encoding_http10:
                return "Transfer-Encoding in an HTTP/1.0 message";
            case http_error::bad_line_ending: return "line not ended by CRLF (bare CR or LF)";
            case http_error::obs_fold:
                return "header line starts with whitespace (obsolete line folding)";
            case http_error::whitespace_before_colon:
                return "whitespace between header name and colon";
            case http_error::bad_header: return "malformed header field or control character in it";
            case http_error::forbidden_trailer:
                return "framing, routing or auth field in chunked trailers";
            case http_error::chunk_line_too_long: return "chunk-size line is longer than 4 KiB";
            case http_error::bad_chunk: return "malformed chunked encoding";
            case http_error::bad_request_line: return "malformed request line";
            case http_error::bad_status_line: return "malformed status line";
            case http_error::bad_target:
                return "request-target must be a path, or an absolute URL matching Host";
            case http_error::bad_version: return "HTTP version is not 1.0 or 1.1";
            case http_error::missing_host: return "HTTP/1.1 request without Host";
            case http_error::duplicate_host: return "more than one Host";
            case http_error::bad_host: return "Host is not a valid host[:port]";
            case http_error::method_not_allowed: return "CONNECT is not supported";
            case http_error::field_name_alias:
                return "header name with '_' that reads as a framing or forwarding field";
        }
        return "unknown HTTP error";
    }
};

bool is_beast_http(const boost::system::error_code& ec) noexcept {
    return ec.category() ==
           boost::beast::http::make_error_code(boost::beast::http::error::need_more).category();
}

}  // namespace

const boost::system::error_category& http_category() noexcept {
    static const http_category_impl category;
    return category;
}

boost::system::error_code make_error_code(http_error e) noexcept {
    return {static_cast<int>(e), http_category()};
}

boost::system::error_code to_http_error(boost::system::error_code ec) noexcept {
    if (!is_beast_http(ec)) return ec;
    using beast_error = boost::beast::http::error;
    switch (static_cast<beast_error>(ec.value())) {
        case beast_error::header_limit: return http_error::header_too_large;
        case beast_error::body_limit: return http_error::body_too_large;
        case beast_error::bad_line_ending: return http_error::bad_line_ending;
        case beast_error::bad_method: return http_error::bad_request_line;
        case beast_error::bad_target: return http_error::bad_target;
        case beast_error::bad_version: return http_error::bad_version;
        case beast_error::bad_status:
        case beast_error::bad_reason: return http_error::bad_status_line;
        case beast_error::bad_field:
        case beast_error::bad_value: return http_error::bad_header;
        case beast_error::bad_content_length: return http_error::bad_content_length;
        case beast_error::multiple_content_length: return http_error::duplicate_content_length;
        case beast_error::bad_transfer_encoding: return http_error::bad_transfer_encoding;
        case beast_error::bad_chunk:
        case beast_error::bad_chunk_extension: return http_error::bad_chunk;
        case beast_error::bad_obs_fold: return http_error::obs_fold;
        default: return ec;
    }
}

unsigned status_for(boost::system::error_code ec) noexcept {
    ec = to_http_error(ec);
    if (ec.category() != http_category()) return 0;
    switch (static_cast<http_error>(ec.value())) {
        case http_error::header_too_large:
        case http_error::trailer_too_large: return 431;
        case http_error::body_too_large: return 413;
        case http_error::method_not_allowed: return 405;
        default: return 400;
    }
}

}  // namespace warren::http
