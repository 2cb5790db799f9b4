#pragma once
// A strict HTTP/1.x parser for untrusted bytes: requests from the public and
// responses coming back through a tunnel. Beast's basic_parser does the
// grammar; this class adds what Beast 1.81 lets through (see DESIGN.md
// "Limits and safety") by checking every head, chunk-size line and trailer
// section as raw bytes before Beast sees it, so a message either parses
// unambiguously or fails with an http_error.
//
// Use: construct, feed bytes with put() (or the async_read_* functions of
// http/read.hpp) until is_header_done(); then, if !is_done(), repeatedly
// set_body_buffer() and feed until is_done(). Body bytes are written to the
// caller's buffer only; when it is full put() returns
// beast::http::error::need_buffer and consumes nothing more until the next
// set_body_buffer(). One parser per message: for the next message on the
// same connection, make a new one. Not thread-safe: use it from the
// connection's strand.
#include "http/error.hpp"
#include "http/http_head.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace warren::http {

struct parser_limits {
    std::size_t header_bytes = 32 * 1024;     // start line + fields + final CRLF
    std::size_t trailer_bytes = 32 * 1024;    // trailer fields + final CRLF
    std::optional<std::uint64_t> body_bytes;  // none = unlimited
};

// Longest chunk-size line (size and extensions, without CRLF) we accept.
inline constexpr std::size_t max_chunk_line = 4 * 1024;

template <bool isRequest>
class message_parser final : public boost::beast::http::basic_parser<isRequest> {
    using base = boost::beast::http::basic_parser<isRequest>;

public:
    using head_type = std::conditional_t<isRequest, request_head, response_head>;

    explicit message_parser(const parser_limits& limits = {});

    // Parses some of `buffer` and returns how many bytes were consumed; the
    // caller passes the unconsumed rest again, followed by more input.
    // ec is beast::http::error::need_more when nothing can be consumed until
    // more input arrives (heads, chunk-size lines and trailer sections are only
    // consumed whole), need_buffer when the body buffer is full, an http_error
    // (or I/O-level Beast error) when the message is refused. After an error
    // other than need_more/need_buffer the parser is dead.
    std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec);

    // Tells the parser the input ended. Completes a read-until-close body
    // (need_eof()); otherwise partial_message unless the message is done.
    void put_eof(boost::system::error_code& ec);

    // Beast marks a message without body complete before our checks of the
    // head ran; a refused message is never done.
    bool is_done() const noexcept { return !failed_ && base::is_done(); }
    bool is_header_done() const noexcept { return !failed_ && base::is_header_done(); }

    // True once any byte of this message was put (Beast's own got_some()
    // only turns true when the whole head was checked and passed on).
    bool got_some() const noexcept { return scan_pos_ != 0 || base::got_some(); }

    // The head as received: valid once is_header_done(). Movable-from then.
    head_type& head() noexcept { return head_; }
    const head_type& head() const noexcept { return head_; }

    // Fields after the last chunk; valid once is_done().
    const header_list& trailers() const noexcept { return trailers_; }

    // True if the body uses chunked Transfer-Encoding (valid once the head is
    // done); false for Content-Length and read-until-close bodies.
    bool body_chunked() const noexcept { return this->chunked(); }

    // Where the next body bytes go; the memory must stay valid until the next
    // set_body_buffer() or the parser's destruction. Resets body_buffered().
    void set_body_buffer(char* data, std::size_t size) noexcept {
        body_data_ = data;
        body_space_ = size;
        body_buffered_ = 0;
    }

    // Body bytes written to the buffer since the last set_body_buffer().
    std::size_t body_buffered() const noexcept { return body_buffered_; }

private:
    // Where put() is in the message; only whole units of the head, chunk-size
    // lines and trailers are passed to Beast, after they were checked.
    enum class phase { head, body, chunk_header, chunk_data };

    std::size_t put_head(const char* data, std::size_t size, boost::system::error_code& ec);
    std::size_t put_chunk_header(const char* data, std::size_t size, boost::system::error_code& ec);
    std::size_t scan_section(const char* data, std::size_t size, std::size_t begin, bool trailers,
                             boost::system::error_code& ec);
    std::size_t feed_beast(const char* data, std::size_t size, boost::system::error_code& ec);
    std::size_t store_body(std::string_view body, boost::system::error_code& ec) noexcept;

    void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_str,
                         boost::beast::string_view target, int version,
                         boost::system::error_code& ec) override;
    void on_response_impl(int code, boost::beast::string_view reason, int version,
                          boost::system::error_code& ec) override;
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                       boost::beast::string_view value, boost::system::error_code& ec) override;
    void on_header_impl(boost::system::error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           boost::system::error_code& ec) override;
    std::size_t on_body_impl(boost::beast::string_view body,
                             boost::system::error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                              boost::system::error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                   boost::system::error_code& ec) override;
    void on_finish_impl(boost::system::error_code& ec) override;

    parser_limits limits_;
    head_type head_;
    header_list trailers_;

    phase phase_ = phase::head;
    bool failed_ = false;  // put() refused the message: the parser is dead
    // Raw scan state of the unit being checked, as offsets into the unconsumed
    // input (stable across calls because nothing is consumed until the unit
    // is complete): next byte to search for LF, start of the current line.
    std::size_t scan_pos_ = 0;
    std::size_t line_start_ = 0;
    std::size_t trailer_begin_ = 0;  // nonzero: last chunk seen, scanning trailers
    bool skipped_crlf_ = false;      // one empty line before a request is allowed
    bool expect_crlf_ = false;       // a chunk's data is followed by CRLF
    std::uint64_t chunk_remaining_ = 0;

    // Framing facts gathered by the raw head scan.
    unsigned content_lengths_ = 0;
    unsigned chunked_codings_ = 0;
    bool transfer_encoding_ = false;

    char* body_data_ = nullptr;
    std::size_t body_space_ = 0;
    std::size_t body_buffered_ = 0;
};

extern template class message_parser<true>;
extern template class message_parser<false>;

using request_parser = message_parser<true>;
using response_parser = message_parser<false>;

}  // namespace warren::http
