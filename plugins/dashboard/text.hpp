#pragma once
// Text that reaches a page: escaped for HTML, and untrusted input (a query
// parameter) cleaned to printable, valid UTF-8 of a bounded length.
#include <cstddef>
#include <string>
#include <string_view>

namespace warren::dashboard {

// Escapes & < > " ' so the result is safe in element text and in quoted
// attribute values.
std::string html_escape(std::string_view text);

// At most `max_chars` code points of `text`, with control characters
// dropped, invalid UTF-8 replaced by U+FFFD and "…" appended when cut.
std::string clean_text(std::string_view text, std::size_t max_chars);

}  // namespace warren::dashboard
