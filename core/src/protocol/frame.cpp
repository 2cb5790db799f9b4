#include "protocol/frame.hpp"

#include <limits>

namespace warren::proto {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Strings longer than 64 KiB cannot be encoded; heads are capped far below
// that by the HTTP parser limits, so truncation here would be a bug upstream.
void put_str16(std::string& out, std::string_view s) {
    put_u16(out, static_cast<std::uint16_t>(std::min<std::size_t>(s.size(), 0xffff)));
    out.append(s.substr(0, 0xffff));
}

void put_headers(std::string& out, const header_list& h) {
    put_u16(out, static_cast<std::uint16_t>(std::min<std::size_t>(h.size(), 0xffff)));
    for (std::size_t i = 0; i < h.size() && i < 0xffff; ++i) {
        put_str16(out, h[i].name);
        put_str16(out, h[i].value);
    }
}

// Bounds-checked reader over a payload.
class reader {
public:
    explicit reader(std::string_view s) : s_(s) {}
    bool u8(std::uint8_t& v) {
        if (s_.size() < 1) return false;
        v = static_cast<std::uint8_t>(s_[0]);
        s_.remove_prefix(1);
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (s_.size() < 2) return false;
        v = static_cast<std::uint16_t>((byte(0) << 8) | byte(1));
        s_.remove_prefix(2);
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (s_.size() < 4) return false;
        v = (std::uint32_t{byte(0)} << 24) | (std::uint32_t{byte(1)} << 16) |
            (std::uint32_t{byte(2)} << 8) | std::uint32_t{byte(3)};
        s_.remove_prefix(4);
        return true;
    }
    bool str16(std::string& out) {
        std::uint16_t n = 0;
        if (!u16(n) || s_.size() < n) return false;
        out.assign(s_.substr(0, n));
        s_.remove_prefix(n);
        return true;
    }
    bool bytes(std::size_t n, unsigned char* out) {
        if (s_.size() < n) return false;
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(s_[i]);
        s_.remove_prefix(n);
        return true;
    }
    bool headers(header_list& h) {
        std::uint16_t n = 0;
        if (!u16(n)) return false;
        h.clear();
        h.reserve(n);
        for (std::uint16_t i = 0; i < n; ++i) {
            header_field f;
            if (!str16(f.name) || !str16(f.value) || f.name.empty()) return false;
            h.push_back(std::move(f));
        }
        return true;
    }
    std::string_view rest() const { return s_; }
    bool done() const { return s_.empty(); }

private:
    unsigned byte(std::size_t i) const { return static_cast<unsigned char>(s_[i]); }
    std::string_view s_;
};

bool valid_version(std::uint8_t v) { return v == 10 || v == 11; }

}  // namespace

void encode_header(const frame_header& h, char* out) noexcept {
    out[0] = static_cast<char>(h.type);
    out[1] = static_cast<char>(h.flags);
    out[2] = 0;
    out[3] = 0;
    out[4] = static_cast<char>(h.stream_id >> 24);
    out[5] = static_cast<char>(h.stream_id >> 16);
    out[6] = static_cast<char>(h.stream_id >> 8);
    out[7] = static_cast<char>(h.stream_id);
}

std::optional<frame_header> decode_header(std::string_view m) noexcept {
    if (m.size() < frame_header_size) return std::nullopt;
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(m[i])); };
    if (b(0) < 1 || b(0) > 6 || b(2) != 0 || b(3) != 0) return std::nullopt;
    frame_header h;
    h.type = static_cast<frame_type>(b(0));
    h.flags = static_cast<std::uint8_t>(b(1));
    h.stream_id = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
    return h;
}

std::string make_frame(const frame_header& h, std::string_view payload) {
    std::string f(frame_header_size, '\0');
    encode_header(h, f.data());
    f.append(payload);
    return f;
}

std::string encode_open(const request_head& head, std::uint32_t epoch) {
    std::string out;
    out.reserve(64 + head.target.size() + head.headers.size() * 48);
    put_u32(out, epoch);
    out.push_back(static_cast<char>(head.version));
    put_str16(out, head.method);
    put_str16(out, head.target);
    put_headers(out, head.headers);
    return out;
}

std::optional<open_payload> decode_open(std::string_view payload) {
    reader r(payload);
    open_payload p;
    std::uint8_t version = 0;
    if (!r.u32(p.epoch) || !r.u8(version) || !valid_version(version) || !r.str16(p.head.method) ||
        !r.str16(p.head.target) || !r.headers(p.head.headers) || !r.done() ||
        p.head.method.empty() || p.head.target.empty())
        return std::nullopt;
    p.head.version = version;
    return p;
}

std::string encode_response(const response_head& head) {
    std::string out;
    out.reserve(32 + head.headers.size() * 48);
    put_u16(out, static_cast<std::uint16_t>(head.status));
    out.push_back(static_cast<char>(head.version));
    put_str16(out, head.reason);
    put_headers(out, head.headers);
    return out;
}

std::optional<response_head> decode_response(std::string_view payload) {
    reader r(payload);
    response_head h;
    std::uint16_t status = 0;
    std::uint8_t version = 0;
    if (!r.u16(status) || status < 100 || status > 999 || !r.u8(version) || !valid_version(version) ||
        !r.str16(h.reason) || !r.headers(h.headers) || !r.done())
        return std::nullopt;
    h.status = status;
    h.version = version;
    return h;
}

std::string encode_end_block(const end_block& b) {
    std::string out;
    if (b.sha256) {
        out.push_back(32);
        out.append(reinterpret_cast<const char*>(b.sha256->data()), 32);
    } else {
        out.push_back(0);
    }
    put_headers(out, b.trailers);
    return out;
}

std::optional<end_block> decode_end_block(std::string_view payload) {
    reader r(payload);
    end_block b;
    std::uint8_t n = 0;
    if (!r.u8(n) || (n != 0 && n != 32)) return std::nullopt;
    if (n == 32) {
        std::array<unsigned char, 32> d{};
        if (!r.bytes(32, d.data())) return std::nullopt;
        b.sha256 = d;
    }
    if (!r.headers(b.trailers) || !r.done()) return std::nullopt;
    return b;
}

std::string encode_u32(std::uint32_t v) {
    std::string out;
    put_u32(out, v);
    return out;
}

std::optional<std::uint32_t> decode_window(std::string_view payload) {
    reader r(payload);
    std::uint32_t v = 0;
    if (!r.u32(v) || !r.done() || v == 0 || v > 0x7fffffffu) return std::nullopt;
    return v;
}

std::string encode_reason(std::uint32_t code, std::string_view reason) {
    std::string out;
    put_u32(out, code);
    out.append(reason.substr(0, 1024));
    return out;
}

std::optional<reason_payload> decode_reason(std::string_view payload) {
    reader r(payload);
    reason_payload p;
    if (!r.u32(p.code) || r.rest().size() > 1024) return std::nullopt;
    p.reason.assign(r.rest());
    return p;
}

std::string_view to_string(reset_code c) noexcept {
    switch (c) {
        case reset_code::cancel: return "cancelled";
        case reset_code::refused: return "refused";
        case reset_code::protocol_error: return "protocol error";
        case reset_code::flow_control_error: return "flow control error";
        case reset_code::upstream_failed: return "local server failed";
        case reset_code::timeout: return "timeout";
        case reset_code::integrity: return "body integrity check failed";
        case reset_code::internal: return "internal error";
        case reset_code::too_large: return "body too large";
    }
    return "unknown";
}

std::string_view to_string(goaway_code c) noexcept {
    switch (c) {
        case goaway_code::draining: return "draining";
        case goaway_code::replaced: return "replaced";
        case goaway_code::protocol_error: return "protocol error";
        case goaway_code::normal: return "normal";
    }
    return "unknown";
}

}  // namespace warren::proto
