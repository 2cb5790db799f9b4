#include "gateway/api_keys.hpp"

#include "util/secrets.hpp"

#include <algorithm>

namespace warren {
namespace {

bool is_base64url(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

constexpr std::size_t key_length = 3 + 43;

}  // namespace

std::string connect_command(std::string_view apex_url, std::string_view key) {
    std::string out = "warren http 3000";
    if (!apex_url.empty() && apex_url != "http://localhost:8080") out.append(" --server ").append(apex_url);
    return out.append(" --token ").append(key);
}

new_api_key make_api_key() {
    new_api_key k;
    k.key = std::string(api_key_marker) + random_token(32);
    k.prefix = k.key.substr(0, api_key_prefix_length);
    k.hash = sha256_hex(k.key);
    return k;
}

std::optional<std::string> api_key_prefix(std::string_view key) {
    if (key.size() != key_length || !key.starts_with(api_key_marker)) return std::nullopt;
    if (!std::all_of(key.begin() + 3, key.end(), is_base64url)) return std::nullopt;
    return std::string(key.substr(0, api_key_prefix_length));
}

result<key_record> verify_api_key(store& s, std::string_view key) {
    const auto prefix = api_key_prefix(key);
    if (!prefix) return {errc::unauthorized, "malformed API key"};
    auto found = s.find_active_keys(*prefix);
    if (!found) return found.error();
    const std::string hash = sha256_hex(key);
    for (auto& k : *found) {
        if (!constant_time_equals(hash, k.hash)) continue;
        if (k.owner_disabled) return {errc::forbidden, "the owner of tunnel " + k.tunnel.name + " is disabled"};
        return std::move(k);
    }
    return {errc::unauthorized, "unknown or revoked API key"};
}

}  // namespace warren
