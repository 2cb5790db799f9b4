#include "iso_time.hpp"

#include <chrono>
#include <cstdio>

namespace warren::dashboard {
namespace {

using namespace std::chrono;

// Reads exactly `digits` decimal digits from the front of `text`.
std::optional<int> take_number(std::string_view& text, std::size_t digits) noexcept {
    if (text.size() < digits) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    text.remove_prefix(digits);
    return value;
}

bool take_char(std::string_view& text, char c) noexcept {
    if (text.empty() || text.front() != c) return false;
    text.remove_prefix(1);
    return true;
}

}  // namespace

std::string format_iso_time(time_point t) {
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day date{day};
    const hh_mm_ss time{ms - day};
    char out[40];
    std::snprintf(
        out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return out;
}

std::optional<time_point> parse_iso_time(std::string_view text) noexcept {
    const auto y = take_number(text, 4);
    if (!y || !take_char(text, '-')) return std::nullopt;
    const auto mo = take_number(text, 2);
    if (!mo || !take_char(text, '-')) return std::nullopt;
    const auto d = take_number(text, 2);
    if (!d) return std::nullopt;
    const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                              day{static_cast<unsigned>(*d)}};
    if (!date.ok()) return std::nullopt;
    auto at = time_point(sys_days(date));
    if (text.empty()) return at;

    if (!take_char(text, 'T') && !take_char(text, 't')) return std::nullopt;
    const auto h = take_number(text, 2);
    if (!h || *h > 23 || !take_char(text, ':')) return std::nullopt;
    const auto mi = take_number(text, 2);
    if (!mi || *mi > 59) return std::nullopt;
    at += hours(*h) + minutes(*mi);
    if (take_char(text, ':')) {
        const auto s = take_number(text, 2);
        if (!s || *s > 59) return std::nullopt;  // no leap seconds: system_clock has none
        at += seconds(*s);
        if (take_char(text, '.')) {
            int ms = 0;
            std::size_t digits = 0;
            for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits)
                if (digits < 3) ms = ms * 10 + (text[digits] - '0');
            if (digits == 0) return std::nullopt;
            for (std::size_t i = digits; i < 3; ++i) ms *= 10;
            text.remove_prefix(digits);
            at += milliseconds(ms);
        }
    }
    if (text.empty() || text == "Z" || text == "z") return at;

    const char sign = text.front();
    if (sign != '+' && sign != '-') return std::nullopt;
    text.remove_prefix(1);
    const auto oh = take_number(text, 2);
    if (!oh || *oh > 23) return std::nullopt;
    take_char(text, ':');
    const auto om = take_number(text, 2);
    if (!om || *om > 59 || !text.empty()) return std::nullopt;
    const auto offset = hours(*oh) + minutes(*om);
    // Local time = UTC + offset, so UTC = local - offset.
    return sign == '+' ? at - offset : at + offset;
}

}  // namespace warren::dashboard
