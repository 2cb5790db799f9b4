#include "http/message_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace warren::http {
namespace {

using boost::system::error_code;
namespace bhttp = boost::beast::http;

constexpr bool is_tchar(unsigned char c) noexcept {
    // RFC 9110 token: visible ASCII except delimiters.
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~': return true;
        default: return false;
    }
}

constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    const char l = static_cast<char>(c | 0x20);
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return -1;
}

struct field_view {
    std::string_view name;
    std::string_view value;  // without surrounding OWS
};

// Checks one field line (CRLF already removed) byte by byte; Beast would fold,
// trim or mis-report some of these, so we decide first.
error_code split_field(std::string_view line, field_view& out) noexcept {
    if (is_ows(line.front())) return http_error::obs_fold;
    std::size_t i = 0;
    while (i < line.size() && is_tchar(static_cast<unsigned char>(line[i]))) ++i;
    if (i == line.size()) return http_error::bad_header;
    if (line[i] != ':') {
        if (line[i] == '\r') return http_error::bad_line_ending;
        if (is_ows(line[i])) {
            const auto j = line.find_first_not_of(" \t", i);
            if (j != std::string_view::npos && line[j] == ':')
                return http_error::whitespace_before_colon;
        }
        return http_error::bad_header;
    }
    if (i == 0) return http_error::bad_header;
    const std::string_view value = line.substr(i + 1);
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r') return http_error::bad_line_ending;
        if ((c < 0x20 && c != '\t') || c == 0x7f) return http_error::bad_header;
    }
    out.name = line.substr(0, i);
    out.value = trim_ows(value);
    return {};
}

// True for a name that is not a framing or forwarding field but becomes one
// when '_' is read as '-' (CGI variables, PHP, some proxies do): an origin
// would then see a second Content-Length or Transfer-Encoding, or a spoofed
// X-Forwarded-For, that the gateway never checked.
bool is_field_alias(std::string_view name) noexcept {
    if (name.find('_') == std::string_view::npos) return false;
    static constexpr std::array<std::string_view, 7> fields = {
        "content-length",  "transfer-encoding", "host",     "x-forwarded-for",
        "x-forwarded-host", "x-forwarded-proto", "x-real-ip"};
    return std::any_of(fields.begin(), fields.end(), [&](std::string_view f) {
        if (f.size() != name.size()) return false;
        for (std::size_t i = 0; i < f.size(); ++i) {
            const char c = name[i] == '_' ? '-' : static_cast<char>(name[i] | 0x20);
            if (c != f[i]) return false;
        }
        return true;
    });
}

// A CR in [from, to) that is not followed by LF, when the byte after it is
// already here: a bare CR, refused before the line is complete.
bool has_bare_cr(const char* data, std::size_t from, std::size_t to) noexcept {
    while (from < to) {
        const void* cr = std::memchr(data + from, '\r', to - from);
        if (!cr) return false;
        const auto at = static_cast<std::size_t>(static_cast<const char*>(cr) - data);
        if (at + 1 < to && data[at + 1] != '\n') return true;
        from = at + 1;
    }
    return false;
}

error_code check_content_length(std::string_view v) noexcept {
    // Digits only: no sign, no list ("5, 5"), no overflow (19 digits fit u64).
    if (v.empty() || v.size() > 19) return http_error::bad_content_length;
    for (const char c : v)
        if (c < '0' || c > '9') return http_error::bad_content_length;
    return {};
}

// Fields a sender must not move into trailers: they frame, route,
// authenticate or describe the content, and an origin that merges trailers
// into headers would let them bypass the gateway's checks.
bool forbidden_in_trailers(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 25> names = {"Content-Length",
                                                               "Transfer-Encoding",
                                                               "Host",
                                                               "Trailer",
                                                               "Content-Type",
                                                               "Content-Encoding",
                                                               "Content-Range",
                                                               "TE",
                                                               "Connection",
                                                               "Keep-Alive",
                                                               "Proxy-Connection",
                                                               "Upgrade",
                                                               "Expect",
                                                               "Max-Forwards",
                                                               "Range",
                                                               "Authorization",
                                                               "Proxy-Authorization",
                                                               "Proxy-Authenticate",
                                                               "WWW-Authenticate",
                                                               "Cookie",
                                                               "Set-Cookie",
                                                               "Forwarded",
                                                               "X-Forwarded-For",
                                                               "X-Forwarded-Host",
                                                               "X-Forwarded-Proto"};
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
// (RFC 9112 §7.1.1). Beast 1.81 checks this only after our scan passed the
// line on; checked here, a malformed line is refused before any of the body
// is forwarded.
bool valid_chunk_extensions(std::string_view ext) noexcept {
    std::size_t i = 0;
    const auto skip_ows = [&] {
        while (i < ext.size() && is_ows(ext[i])) ++i;
    };
    const auto token = [&] {
        const std::size_t start = i;
        while (i < ext.size() && is_tchar(static_cast<unsigned char>(ext[i]))) ++i;
        return i > start;
    };
    // Whitespace only before ';' or '=': "5 " and "5;a " are refused.
    for (;;) {
        if (i == ext.size()) return true;
        skip_ows();
        if (i == ext.size() || ext[i++] != ';') return false;
        skip_ows();
        if (!token()) return false;
        const std::size_t after_name = i;
        skip_ows();
        if (i == ext.size() || ext[i] != '=') {
            i = after_name;
            continue;
        }
        ++i;
        skip_ows();
        if (i < ext.size() && ext[i] == '"') {
            for (++i;; ++i) {
                if (i == ext.size()) return false;
                const auto c = static_cast<unsigned char>(ext[i]);
                if (c == '"') break;
                if (c == '\\') {
                    if (++i == ext.size()) return false;
                    continue;  // control bytes were refused by the caller
                }
            }
            ++i;
        } else if (!token()) {
            return false;
        }
    }
}

error_code check_chunk_line(std::string_view line, std::uint64_t& size) noexcept {
    std::size_t digits = 0;
    std::uint64_t v = 0;
    for (; digits < line.size(); ++digits) {
        const int d = hex_value(line[digits]);
        if (d < 0) break;
        if (digits == 16)
            return http_error::bad_chunk;  // 17+ digits: refuse, even as leading zeros
        v = v * 16 + static_cast<unsigned>(d);
    }
    if (digits == 0) return http_error::bad_chunk;
    for (const char ch : line.substr(digits)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r') return http_error::bad_line_ending;
        if ((c < 0x20 && c != '\t') || c == 0x7f) return http_error::bad_chunk;
    }
    if (!valid_chunk_extensions(line.substr(digits))) return http_error::bad_chunk;
    size = v;
    return {};
}

// One field line of a trailer section (CRLF removed).
error_code check_trailer_line(std::string_view line) noexcept {
    field_view f;
    if (const auto ec = split_field(line, f)) return ec;
    if (is_field_alias(f.name)) return http_error::field_name_alias;
    if (forbidden_in_trailers(f.name)) return http_error::forbidden_trailer;
    return {};
}

// The chunked body bytes that came in with the head, checked before the head
// is passed on: a malformed body is then refused with the head, before the
// request is forwarded, instead of cutting a forwarded request short. Stops
// without error where the bytes end (the rest is checked as it arrives) and
// after the trailer section (what follows is the next message).
error_code check_chunked_ahead(std::string_view b, std::size_t trailer_limit) noexcept {
    for (;;) {
        const auto lf = b.substr(0, max_chunk_line + 2).find('\n');
        if (lf == std::string_view::npos) {
            if (b.size() >= max_chunk_line + 2) return http_error::chunk_line_too_long;
            if (has_bare_cr(b.data(), 0, b.size())) return http_error::bad_line_ending;
            return {};
        }
        if (lf == 0 || b[lf - 1] != '\r') return http_error::bad_line_ending;
        std::uint64_t size = 0;
        if (const auto ec = check_chunk_line(b.substr(0, lf - 1), size)) return ec;
        b.remove_prefix(lf + 1);
        if (size == 0) break;
        if (b.size() < size) return {};
        b.remove_prefix(static_cast<std::size_t>(size));
        if (b.size() >= 1 && b[0] != '\r') return http_error::bad_chunk;
        if (b.size() >= 2 && b[1] != '\n') return http_error::bad_chunk;
        if (b.size() < 2) return {};
        b.remove_prefix(2);
    }
    // Trailer section.
    for (std::size_t used = 0;;) {
        const auto lf = b.find('\n');
        if (lf == std::string_view::npos) {
            if (used + b.size() >= trailer_limit) return http_error::trailer_too_large;
            if (has_bare_cr(b.data(), 0, b.size())) return http_error::bad_line_ending;
            return {};
        }
        used += lf + 1;
        if (used > trailer_limit) return http_error::trailer_too_large;
        if (lf == 0 || b[lf - 1] != '\r') return http_error::bad_line_ending;
        const auto line = b.substr(0, lf - 1);
        if (line.empty()) return {};
        if (const auto ec = check_trailer_line(line)) return ec;
        b.remove_prefix(lf + 1);
    }
}

error_code check_request(const request_head& h) {
    std::optional<std::string_view> host;
    for (const auto& f : h.headers) {
        if (!iequals(f.name, "Host")) continue;
        if (host) return http_error::duplicate_host;
        host = f.value;
    }
    if (!host && h.version >= 11) return http_error::missing_host;
    if (host) {
        // We route on Host: it must be a plain host[:port].
        const auto authority = boost::urls::parse_authority(*host);
        if (host->empty() || !authority || authority->has_userinfo()) return http_error::bad_host;
    }

    const std::string_view target = h.target;
    if (target.front() == '/') return {};
    if (target == "*")
        return h.method == "OPTIONS" ? error_code{} : error_code{http_error::bad_target};
    // absolute-form: only when it names the same authority as Host, so the
    // routing decision (made on Host) and what the origin sees agree.
    const auto url = boost::urls::parse_absolute_uri(target);
    if (!url || !url->has_authority() || !host) return http_error::bad_target;
    const auto scheme = url->scheme();
    if (!iequals(scheme, "http") && !iequals(scheme, "https")) return http_error::bad_target;
    if (!iequals(url->encoded_authority(), *host)) return http_error::bad_target;
    return {};
}

}  // namespace

template <bool isRequest>
message_parser<isRequest>::message_parser(const parser_limits& limits) : limits_(limits) {
    // The raw scan enforces limits_.header_bytes; Beast's own limit must
    // never trigger first (it would count differently).
    this->header_limit((std::numeric_limits<std::uint32_t>::max)());
    if (limits.body_bytes)
        this->body_limit(*limits.body_bytes);
    else
        this->body_limit(boost::none);
}

template <bool isRequest>
std::size_t message_parser<isRequest>::put(boost::asio::const_buffer buffer, error_code& ec) {
    if (failed_ || base::is_done()) {
        ec = bhttp::error::stale_parser;
        return 0;
    }
    const auto* data = static_cast<const char*>(buffer.data());
    const std::size_t size = buffer.size();
    if (size == 0) {
        ec = bhttp::error::need_more;
        return 0;
    }
    ec = {};
    std::size_t n = 0;
    switch (phase_) {
        case phase::head: n = put_head(data, size, ec); break;
        case phase::body: n = feed_beast(data, size, ec); break;
        case phase::chunk_header: n = put_chunk_header(data, size, ec); break;
        case phase::chunk_data:
            // Never let Beast run past the chunk into the next chunk-size line:
            // that one must go through our scan first.
            n = feed_beast(
                data, static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk_remaining_)),
                ec);
            if (chunk_remaining_ == 0) {
                phase_ = phase::chunk_header;
                expect_crlf_ = true;
                scan_pos_ = 0;
            }
            break;
    }
    if (ec && ec != bhttp::error::need_more && ec != bhttp::error::need_buffer) failed_ = true;
    return n;
}

template <bool isRequest>
void message_parser<isRequest>::put_eof(error_code& ec) {
    // Before the head was passed on, Beast would call an empty message complete.
    if (!this->is_header_done()) {
        ec = bhttp::error::partial_message;
        return;
    }
    base::put_eof(ec);
    ec = to_http_error(ec);
    if (ec) failed_ = true;
}

template <bool isRequest>
std::size_t message_parser<isRequest>::put_head(const char* data, std::size_t size,
                                                error_code& ec) {
    if constexpr (isRequest) {
        // RFC 9112 §2.2: tolerate one empty line before a request line (old
        // clients send CRLF after a POST body).
        if (!skipped_crlf_ && scan_pos_ == 0 && data[0] == '\r') {
            if (size < 2) {
                ec = bhttp::error::need_more;
                return 0;
            }
            if (data[1] == '\n') {
                skipped_crlf_ = true;
                return 2;
            }
        }
    }
    const std::size_t end = scan_section(data, size, 0, false, ec);
    if (ec) return 0;
    if (content_lengths_ > 0 && transfer_encoding_) {
        ec = http_error::bad_framing;
        return 0;
    }
    const std::size_t n = feed_beast(data, end, ec);
    if (ec) return n;
    if (!this->is_header_done()) {
        // Our scan accepted what Beast did not finish: refuse rather than guess.
        ec = http_error::bad_header;
        return n;
    }
    if (this->chunked()) {
        ec = check_chunked_ahead(std::string_view(data + end, size - end), limits_.trailer_bytes);
        if (ec) return n;
    }
    phase_ = this->chunked() ? phase::chunk_header : phase::body;
    scan_pos_ = line_start_ = 0;
    return n;
}

template <bool isRequest>
std::size_t message_parser<isRequest>::put_chunk_header(const char* data, std::size_t size,
                                                        error_code& ec) {
    if (trailer_begin_ == 0) {
        std::size_t pos = 0;
        if (expect_crlf_) {
            if (size < 2) {
                ec = bhttp::error::need_more;
                return 0;
            }
            if (data[0] != '\r' || data[1] != '\n') {
                ec = http_error::bad_chunk;
                return 0;
            }
            pos = 2;
        }
        const std::size_t limit = std::min(size, pos + max_chunk_line + 2);
        const std::size_t from = std::max(scan_pos_, pos);
        const void* lf = from < limit ? std::memchr(data + from, '\n', limit - from) : nullptr;
        if (!lf) {
            if (size >= pos + max_chunk_line + 2) {
                ec = http_error::chunk_line_too_long;
                return 0;
            }
            if (has_bare_cr(data, pos, limit)) {
                ec = http_error::bad_line_ending;
                return 0;
            }
            scan_pos_ = limit;
            ec = bhttp::error::need_more;
            return 0;
        }
        const auto eol = static_cast<std::size_t>(static_cast<const char*>(lf) - data) + 1;
        std::string_view line(data + pos, eol - pos);
        if (line.size() < 2 || line[line.size() - 2] != '\r') {
            ec = http_error::bad_line_ending;
            return 0;
        }
        line.remove_suffix(2);  // at most max_chunk_line by the search limit
        std::uint64_t chunk_size = 0;
        if ((ec = check_chunk_line(line, chunk_size))) return 0;
        if (chunk_size != 0) {
            const std::size_t n = feed_beast(data, eol, ec);
            if (!ec) {
                phase_ = phase::chunk_data;
                scan_pos_ = 0;
            }
            return n;
        }
        trailer_begin_ = eol;
        line_start_ = scan_pos_ = eol;
    }
    // Last chunk: Beast takes it together with the whole trailer section.
    const std::size_t end = scan_section(data, size, trailer_begin_, true, ec);
    if (ec) return 0;
    return feed_beast(data, end, ec);
}

// Scans the CRLF-terminated lines of a head (begin = 0, first line is the
// start line) or of a trailer section starting at `begin`, up to and including
// the empty line; returns the offset just past it. Resumes at scan_pos_.
template <bool isRequest>
std::size_t message_parser<isRequest>::scan_section(const char* data, std::size_t size,
                                                    std::size_t begin, bool trailers,
                                                    error_code& ec) {
    const std::size_t max = trailers ? limits_.trailer_bytes : limits_.header_bytes;
    // A line feed past begin + max would make the section too large anyway.
    const std::size_t limit = size - begin > max ? begin + max : size;
    for (;;) {
        const void* lf =
            scan_pos_ < limit ? std::memchr(data + scan_pos_, '\n', limit - scan_pos_) : nullptr;
        if (!lf) {
            if (size - begin >= max) {
                ec = trailers ? http_error::trailer_too_large : http_error::header_too_large;
                return 0;
            }
            // Do not wait (for a timeout) on a line a bare CR already spoiled.
            if (has_bare_cr(data, line_start_, limit)) {
                ec = http_error::bad_line_ending;
                return 0;
            }
            scan_pos_ = limit;
            ec = bhttp::error::need_more;
            return 0;
        }
        const auto lf_at = static_cast<std::size_t>(static_cast<const char*>(lf) - data);
        std::string_view line(data + line_start_, lf_at - line_start_);
        const bool start_line = !trailers && line_start_ == begin;
        if (line.empty() || line.back() != '\r') {
            ec = http_error::bad_line_ending;
            return 0;
        }
        line.remove_suffix(1);
        line_start_ = scan_pos_ = lf_at + 1;

        if (start_line) {
            // Beast checks the grammar; only line endings are ours to catch.
            if (line.empty())
                ec = isRequest ? http_error::bad_request_line : http_error::bad_status_line;
            else if (line.find('\r') != std::string_view::npos)
                ec = http_error::bad_line_ending;
            if (ec) return 0;
            continue;
        }
        if (line.empty()) return lf_at + 1;

        if (trailers) {
            if ((ec = check_trailer_line(line))) return 0;
            continue;
        }
        field_view f;
        if ((ec = split_field(line, f))) return 0;
        if (is_field_alias(f.name)) {
            ec = http_error::field_name_alias;
            return 0;
        }
        if (iequals(f.name, "Content-Length")) {
            if (++content_lengths_ > 1) {
                ec = http_error::duplicate_content_length;
                return 0;
            }
            if ((ec = check_content_length(f.value))) return 0;
        } else if (iequals(f.name, "Transfer-Encoding")) {
            // Only a single "chunked" (empty list elements allowed, RFC 9110
            // §5.6.1): we never decode other codings, so we cannot frame them.
            transfer_encoding_ = true;
            std::size_t codings = 0;
            for (std::string_view rest = f.value;;) {
                const auto comma = rest.find(',');
                const auto coding = trim_ows(rest.substr(0, comma));
                if (!coding.empty()) {
                    ++codings;
                    if (!iequals(coding, "chunked") || ++chunked_codings_ > 1) {
                        ec = http_error::bad_transfer_encoding;
                        return 0;
                    }
                }
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            if (codings == 0) {
                ec = http_error::bad_transfer_encoding;
                return 0;
            }
        }
    }
}

template <bool isRequest>
std::size_t message_parser<isRequest>::feed_beast(const char* data, std::size_t size,
                                                  error_code& ec) {
    const std::size_t n = base::put(boost::asio::const_buffer(data, size), ec);
    ec = to_http_error(ec);
    return n;
}

template <bool isRequest>
std::size_t message_parser<isRequest>::store_body(std::string_view body, error_code& ec) noexcept {
    const std::size_t n = std::min(body.size(), body_space_ - body_buffered_);
    if (n != 0) std::memcpy(body_data_ + body_buffered_, body.data(), n);
    body_buffered_ += n;
    if (n < body.size()) ec = bhttp::error::need_buffer;  // pause until set_body_buffer()
    return n;
}

template <bool isRequest>
void message_parser<isRequest>::on_request_impl(bhttp::verb, boost::beast::string_view method_str,
                                                boost::beast::string_view target, int version,
                                                error_code& ec) {
    if constexpr (isRequest) {
        head_.method.assign(method_str);
        head_.target.assign(target);
        head_.version = static_cast<unsigned>(version);
        // A tunnel to an arbitrary host:port is not what this gateway offers.
        if (method_str == "CONNECT") ec = http_error::method_not_allowed;
    } else {
        ec = http_error::bad_status_line;
    }
}

template <bool isRequest>
void message_parser<isRequest>::on_response_impl(int code, boost::beast::string_view reason,
                                                 int version, error_code& ec) {
    if constexpr (!isRequest) {
        // RFC 9110 §15: codes outside 100-599 are invalid (Beast takes any 3 digits).
        if (code < 100 || code > 599) {
            ec = http_error::bad_status_line;
            return;
        }
        head_.status = static_cast<unsigned>(code);
        head_.reason.assign(reason);
        head_.version = static_cast<unsigned>(version);
    } else {
        ec = http_error::bad_request_line;
    }
}

template <bool isRequest>
void message_parser<isRequest>::on_field_impl(bhttp::field, boost::beast::string_view name_string,
                                              boost::beast::string_view value, error_code&) {
    auto& list = phase_ == phase::head ? head_.headers : trailers_;
    list.push_back(header_field{std::string(name_string), std::string(value)});
}

template <bool isRequest>
void message_parser<isRequest>::on_header_impl(error_code& ec) {
    // Beast would frame an HTTP/1.0 chunked body; 1.0 peers cannot mean it.
    if (transfer_encoding_ && head_.version < 11) {
        ec = http_error::transfer_encoding_http10;
        return;
    }
    if constexpr (isRequest) ec = check_request(head_);
}

template <bool isRequest>
void message_parser<isRequest>::on_body_init_impl(const boost::optional<std::uint64_t>&,
                                                  error_code&) {}

template <bool isRequest>
std::size_t message_parser<isRequest>::on_body_impl(boost::beast::string_view body,
                                                    error_code& ec) {
    return store_body(body, ec);
}

template <bool isRequest>
void message_parser<isRequest>::on_chunk_header_impl(std::uint64_t size, boost::beast::string_view,
                                                     error_code&) {
    chunk_remaining_ = size;
}

template <bool isRequest>
std::size_t message_parser<isRequest>::on_chunk_body_impl(std::uint64_t,
                                                          boost::beast::string_view body,
                                                          error_code& ec) {
    const std::size_t n = store_body(body, ec);
    chunk_remaining_ -= n;
    return n;
}

template <bool isRequest>
void message_parser<isRequest>::on_finish_impl(error_code&) {}

template class message_parser<true>;
template class message_parser<false>;

}  // namespace warren::http
