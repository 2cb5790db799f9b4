#pragma once
// API keys of keyed tunnels: "wk_" followed by 43 base64url characters (32
// random bytes). The first 11 characters ("wk_ab12cd34") are the visible
// prefix, stored and shown in lists; the store keeps only the SHA-256 of the
// whole key, and the gateway finds a key by its prefix and then compares the
// hash in constant time.
#include <warren/store.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace warren {

inline constexpr std::string_view api_key_marker = "wk_";
inline constexpr std::size_t api_key_prefix_length = 11;  // "wk_" + 8

struct new_api_key {
    std::string key;  // shown to the user once, never stored or logged
    std::string prefix;
    std::string hash;  // hex SHA-256 of key
};

new_api_key make_api_key();

// What a developer runs to connect with `key` to the gateway at `apex_url`
// ("https://example.com"): --server is left out when it is the client's
// default (http://localhost:8080) or unknown (empty).
std::string connect_command(std::string_view apex_url, std::string_view key);

// The prefix of a well-formed key; nullopt for anything else (so a malformed
// key never reaches the store).
std::optional<std::string> api_key_prefix(std::string_view key);

// The tunnel a key opens. errc::unauthorized for an unknown, revoked or
// malformed key; errc::forbidden when the tunnel's owner is disabled;
// errc::unavailable when the store cannot answer. Blocking: call on the
// blocking pool.
result<key_record> verify_api_key(store& s, std::string_view key);

}  // namespace warren
