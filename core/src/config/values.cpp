#include "config/values.hpp"

#include <algorithm>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <cstdio>
#include <vector>

#include "config/gateway_config.hpp"

namespace warren {
namespace {

using units_detail::unit;

// format_exact walks units from the largest down; the SDK's parser only needs
// "ms" before "m", so check that its duration units also suit formatting.
constexpr bool smallest_first(const auto& units) {
    for (std::size_t i = 1; i < units.size(); ++i)
        if (units[i - 1].factor >= units[i].factor) return false;
    return true;
}
static_assert(smallest_first(units_detail::duration_units));

// The largest unit that divides `value` exactly (units ordered small to large).
template <std::size_t N>
std::string format_exact(std::uint64_t value, const std::array<unit, N>& units) {
    for (auto it = units.rbegin(); it != units.rend(); ++it) {
        if (value % it->factor == 0 && value != 0)
            return concat({std::to_string(value / it->factor), it->suffix});
    }
    return concat({std::to_string(value), units.front().suffix});
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-', 1-63
// characters, no '-' at either end; the last label is not all digits, so an
// IPv4-looking string is never taken for a name.
bool is_host_name(std::string_view text, bool lowercase_only) {
    if (text.empty() || text.size() > 253) return false;
    std::string_view last;
    while (true) {
        const auto dot = text.find('.');
        const auto label = text.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
                            (!lowercase_only && c >= 'A' && c <= 'Z');
            if (!ok) return false;
        }
        last = label;
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    return !std::all_of(last.begin(), last.end(), is_digit);
}

// Optimal string alignment distance: Levenshtein plus adjacent transposition,
// the commonest typo in a key name.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]))
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string format_duration(std::chrono::milliseconds value) {
    if (value.count() == 0) return "0s";
    return format_exact(static_cast<std::uint64_t>(value.count()), units_detail::duration_units);
}

std::string format_byte_size(std::uint64_t bytes) {
    // Binary units only: the limits in gateway.toml are powers of two.
    constexpr std::array<unit, 5> binary{{{"B", 1},
                                          {"KiB", 1ull << 10},
                                          {"MiB", 1ull << 20},
                                          {"GiB", 1ull << 30},
                                          {"TiB", 1ull << 40}}};
    return format_exact(bytes, binary);
}

std::string quote_text(std::string_view text) {
    constexpr std::size_t max_shown = 60;
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04X", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    if (text.size() > max_shown) out += "...";
    out += '"';
    return out;
}

std::optional<listen_address> parse_listen_address(std::string_view text) {
    const auto parsed = boost::urls::parse_authority(text);
    if (!parsed || parsed->has_userinfo() || !parsed->has_port()) return std::nullopt;
    const std::string_view port = parsed->port();
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() ||
        number > 65535)
        return std::nullopt;
    switch (parsed->host_type()) {
        case boost::urls::host_type::ipv4:
        case boost::urls::host_type::ipv6: break;
        case boost::urls::host_type::name:
            // The encoded form, so that percent-escapes are refused, not decoded.
            if (!is_host_name(parsed->encoded_host(), false)) return std::nullopt;
            break;
        default: return std::nullopt;
    }
    return listen_address{parsed->host_address(), static_cast<std::uint16_t>(number)};
}

std::optional<parsed_rate> parse_rate(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    const auto count = text.substr(0, slash);
    const auto unit = text.substr(slash + 1);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc{} || end != count.data() + count.size() || n < 1 || n > 1'000'000'000)
        return std::nullopt;
    parsed_rate rate;
    rate.tokens = static_cast<std::uint32_t>(n);
    if (unit == "s") rate.per = std::chrono::seconds(1);
    else if (unit == "m") rate.per = std::chrono::minutes(1);
    else if (unit == "h") rate.per = std::chrono::hours(1);
    else return std::nullopt;
    return rate;
}

value_problem check_listen(std::string_view text) {
    if (parse_listen_address(text)) return std::nullopt;
    if (!text.starts_with('[') && std::count(text.begin(), text.end(), ':') > 1)
        return "IPv6 addresses go in brackets, e.g. \"[::1]:8080\"";
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        const auto port = text.substr(colon + 1);
        const auto host = concat({text.substr(0, colon), ":0"});
        if (!port.empty() && std::all_of(port.begin(), port.end(), is_digit) &&
            parse_listen_address(host))
            return "port must be 0-65535";
    }
    return "expected HOST:PORT, e.g. \"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"[::1]:8080\"";
}

value_problem check_domain(std::string_view text) {
    // A tunnel name is a label of up to 63 characters, and <name>.<domain>
    // must still be a valid host name (253 at most).
    constexpr std::size_t max_domain = 253 - 64;
    if (text.empty()) return "must not be empty";
    if (std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return "must be lowercase";
    if (text.back() == '.') return "must not end with a dot";
    if (text.size() > max_domain)
        return concat({"must be at most ", std::to_string(max_domain),
                       " characters, so that <name>.<domain> stays a valid host name"});
    if (!is_host_name(text, true))
        return "expected a DNS name such as \"example.com\": labels of a-z, 0-9 and '-', "
               "1-63 characters each, not starting or ending with '-'";
    return std::nullopt;
}

value_problem check_public_url(std::string_view text) {
    const auto url = boost::urls::parse_absolute_uri(text);
    const bool ok = url &&
                    (url->scheme_id() == boost::urls::scheme::http ||
                     url->scheme_id() == boost::urls::scheme::https) &&
                    !url->encoded_host().empty() && !url->has_userinfo() &&
                    (url->encoded_path().empty() || url->encoded_path() == "/") &&
                    !url->has_query() && !url->has_fragment();
    if (ok) return std::nullopt;
    return "expected an http:// or https:// URL with no path, e.g. \"https://example.com\"";
}

value_problem check_one_of(std::string_view text, std::span<const std::string_view> allowed) {
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return std::nullopt;
    return concat({"expected one of ", join_names(allowed)});
}

std::string_view nearest_name(std::string_view word, std::span<const std::string_view> candidates) {
    // About one typo per three characters, at most three.
    const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
    std::string_view best;
    std::size_t best_distance = limit + 1;
    for (const auto candidate : candidates) {
        const auto distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string concat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (const auto part : parts) out += part;
    return out;
}

std::string join_names(std::span<const std::string_view> names) {
    std::string out;
    for (const auto name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

}  // namespace warren
