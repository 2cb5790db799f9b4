#include "http/serialize.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace warren::http {
namespace {

std::size_t fields_size(const header_list& fields) noexcept {
    std::size_t n = 2;  // final CRLF
    for (const auto& f : fields) n += f.name.size() + f.value.size() + 4;
    return n;
}

void append_fields(std::string& out, const header_list& fields) {
    for (const auto& f : fields) {
        out.append(f.name);
        out.append(": ");
        out.append(f.value);
        out.append("\r\n");
    }
    out.append("\r\n");
}

std::string_view version_text(unsigned version) noexcept {
    return version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

}  // namespace

std::string serialize_head(const request_head& head) {
    std::string out;
    out.reserve(head.method.size() + head.target.size() + 11 + fields_size(head.headers));
    out.append(head.method);
    out.push_back(' ');
    out.append(head.target);
    out.push_back(' ');
    out.append(version_text(head.version));
    out.append("\r\n");
    append_fields(out, head.headers);
    return out;
}

std::string serialize_head(const response_head& head) {
    std::string_view reason = head.reason;
    if (reason.empty()) {
        reason = boost::beast::http::obsolete_reason(
            static_cast<boost::beast::http::status>(head.status));
        if (reason == "<unknown-status>") reason = {};  // "HTTP/1.1 599 \r\n" is valid
    }
    char code[16];
    const auto [end, ec] = std::to_chars(code, code + sizeof code, head.status);
    (void)ec;  // 16 chars hold any unsigned
    std::string out;
    out.reserve(8 + 1 + 16 + 1 + reason.size() + 2 + fields_size(head.headers));
    out.append(version_text(head.version));
    out.push_back(' ');
    out.append(code, end);
    out.push_back(' ');
    out.append(reason);
    out.append("\r\n");
    append_fields(out, head.headers);
    return out;
}

std::string chunk_header(std::size_t n) {
    char buf[2 * sizeof(std::size_t) + 2];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 2, n, 16);
    (void)ec;  // sized for any size_t
    *end++ = '\r';
    *end++ = '\n';
    return std::string(buf, end);
}

std::string last_chunk(const header_list& trailers) {
    std::string out;
    out.reserve(3 + fields_size(trailers));
    out.append("0\r\n");
    append_fields(out, trailers);
    return out;
}

}  // namespace warren::http
