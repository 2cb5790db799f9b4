#pragma once
// Locale-free ASCII helpers for protocol text (host names, header names),
// where std::tolower's locale dependence would be a bug.

namespace warren {

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace warren
