#include "text.hpp"

namespace warren::dashboard {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

// The length of the valid UTF-8 sequence at the front of `s`, or 0.
std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b = byte(0);
    std::size_t n = 0;
    char32_t cp = 0;
    if (b < 0x80) return 1;
    if (b >= 0xc2 && b <= 0xdf)
        n = 2, cp = b & 0x1f;
    else if (b >= 0xe0 && b <= 0xef)
        n = 3, cp = b & 0x0f;
    else if (b >= 0xf0 && b <= 0xf4)
        n = 4, cp = b & 0x07;
    else
        return 0;
    if (s.size() < n) return 0;
    for (std::size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i) & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

}  // namespace

std::string clean_text(std::string_view text, std::size_t max_chars) {
    std::string out;
    std::size_t chars = 0;
    std::size_t last_start = 0;  // where the last code point kept begins in `out`
    while (!text.empty()) {
        const std::size_t n = utf8_sequence(text);
        const auto c = static_cast<unsigned char>(text.front());
        const std::string_view piece = n == 0 ? std::string_view("\ufffd") : text.substr(0, n);
        text.remove_prefix(n == 0 ? 1 : n);
        if (n == 1 && (c < 0x20 || c == 0x7f)) continue;
        if (chars == max_chars) {
            // One more to show: the last one kept makes room for the ellipsis.
            if (max_chars > 0) out.resize(last_start);
            out += "\u2026";
            break;
        }
        last_start = out.size();
        out += piece;
        ++chars;
    }
    return out;
}

}  // namespace warren::dashboard
