#include "http/proxy_headers.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace warren::http {
namespace {

constexpr std::array<std::string_view, 8> always_hop_by_hop = {
    "Connection",        "Keep-Alive", "Proxy-Connection",   "TE",
    "Transfer-Encoding", "Upgrade",    "Proxy-Authenticate", "Proxy-Authorization"};

// Never removed because Connection names them.
constexpr std::array<std::string_view, 2> protected_fields = {"Host", "Content-Length"};

bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

// Tokens listed by every Connection field.
std::vector<std::string_view> connection_tokens(const header_list& headers) {
    std::vector<std::string_view> tokens;
    for (const auto& f : headers) {
        if (!iequals(f.name, "Connection")) continue;
        std::string_view rest = f.value;
        for (;;) {
            const auto comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
            while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
            if (!item.empty()) tokens.push_back(item);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return tokens;
}

// RFC 7239 §4: a value is a token or a quoted-string.
std::string forwarded_value(std::string_view v) {
    const bool token = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
    if (token) return std::string(v);
    std::string out;
    out.reserve(v.size() + 4);
    out.push_back('"');
    for (const char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

}  // namespace

void strip_hop_by_hop(header_list& headers, bool keep_upgrade) {
    const auto tokens = connection_tokens(headers);
    const bool upgrade =
        keep_upgrade && std::any_of(tokens.begin(), tokens.end(),
                                    [](std::string_view t) { return iequals(t, "upgrade"); });
    // Decide first, erase after: the tokens point into the Connection values.
    std::vector<bool> drop(headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& name = headers[i].name;
        if (upgrade && (iequals(name, "Upgrade") || iequals(name, "Connection"))) {
            drop[i] = iequals(name, "Connection");  // re-added below as exactly "Upgrade"
            continue;
        }
        drop[i] = in(always_hop_by_hop, name) ||
                  (!in(protected_fields, name) &&
                   std::any_of(tokens.begin(), tokens.end(),
                               [&](std::string_view t) { return iequals(t, name); }));
    }
    std::size_t i = 0;
    std::erase_if(headers, [&](const header_field&) { return drop[i++]; });
    if (upgrade) headers.push_back({"Connection", "Upgrade"});
}

void set_forwarded_headers(header_list& headers, const forwarded_info& info) {
    std::erase_if(headers, [](const header_field& f) {
        return iequals(f.name, "X-Forwarded-For") || iequals(f.name, "X-Forwarded-Proto") ||
               iequals(f.name, "X-Forwarded-Host") || iequals(f.name, "Forwarded");
    });

    std::string forwarded;
    forwarded.reserve(32 + info.client_ip.size() + info.host.size());
    forwarded.append("for=");
    if (info.client_ip.empty()) {
        forwarded.append("unknown");
    } else if (info.client_ip.find(':') != std::string::npos) {
        forwarded.append("\"[").append(info.client_ip).append("]\"");
    } else {
        forwarded.append(info.client_ip);
    }
    if (!info.host.empty()) forwarded.append(";host=").append(forwarded_value(info.host));
    if (!info.proto.empty()) forwarded.append(";proto=").append(forwarded_value(info.proto));

    if (!info.client_ip.empty()) headers.push_back({"X-Forwarded-For", info.client_ip});
    if (!info.proto.empty()) headers.push_back({"X-Forwarded-Proto", info.proto});
    if (!info.host.empty()) headers.push_back({"X-Forwarded-Host", info.host});
    headers.push_back({"Forwarded", std::move(forwarded)});
}

}  // namespace warren::http
