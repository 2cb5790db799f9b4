#include "json_line.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace warren::log_file {
namespace {

// The length of the well-formed UTF-8 sequence starting at s[i] (Unicode
// table 3-7: no overlongs, no surrogates, nothing past U+10FFFF), or 0.
std::size_t sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t n = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        if (const std::size_t n = sequence_length(s, i)) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day date{day};
    const hh_mm_ss time{ms - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return buf;
}

std::string json_line(const request_record& r) {
    boost::json::object o;
    o.reserve(11);
    o.emplace("time", rfc3339_utc(r.started));
    o.emplace("tunnel", valid_utf8(r.tunnel));
    o.emplace("method", valid_utf8(r.method));
    o.emplace("path", valid_utf8(r.path));
    o.emplace("host", valid_utf8(r.host));
    o.emplace("status", r.status);
    o.emplace("bytes_in", r.bytes_in);
    o.emplace("bytes_out", r.bytes_out);
    o.emplace("duration_ms", std::chrono::duration<double, std::milli>(r.duration).count());
    o.emplace("client_ip", valid_utf8(r.client_ip));
    o.emplace("user_agent", valid_utf8(r.user_agent));
    std::string line = boost::json::serialize(o);
    line += '\n';
    return line;
}

}  // namespace warren::log_file
