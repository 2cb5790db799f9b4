#pragma once
// Randomness, encodings, comparison and hashing for tokens, keys and body
// checksums. Thin wrappers over OpenSSL: nothing here is hand-rolled crypto.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/types.h>

namespace warren {

// n bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it fails
// (e.g. not seeded): a predictable secret is worse than no secret.
std::string random_bytes(std::size_t n);

// n_bytes of randomness as base64url without padding (32 bytes -> 43
// characters): ownership tokens, API keys, CSRF tokens.
std::string random_token(std::size_t n_bytes = 32);

// RFC 4648 section 5 alphabet, no padding on output.
std::string base64url_encode(std::string_view data);

// Accepts input with or without '=' padding (if padded, the length must be a
// multiple of 4). Refuses characters outside the base64url alphabet,
// including '+', '/' and whitespace, and non-canonical encodings whose unused
// trailing bits are not zero, so one byte string has one accepted spelling.
std::optional<std::string> base64url_decode(std::string_view text);

// Compares secrets without leaking where they differ. A length mismatch
// returns false at once: lengths are not secret, contents are.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

// Incremental SHA-256 (EVP API), e.g. for the end-to-end body checksum.
// Movable, not copyable; a moved-from hasher may only be destroyed or
// assigned to. Not thread-safe: one hasher per stream. Throws
// std::runtime_error only if OpenSSL itself fails (out of memory).
class sha256_hasher {
public:
    static constexpr std::size_t digest_size = 32;

    sha256_hasher();
    sha256_hasher(sha256_hasher&&) noexcept = default;
    sha256_hasher& operator=(sha256_hasher&&) noexcept = default;
    sha256_hasher(const sha256_hasher&) = delete;
    sha256_hasher& operator=(const sha256_hasher&) = delete;
    ~sha256_hasher() = default;

    void update(const void* data, std::size_t size);
    void update(std::string_view data);

    // The digest of everything fed so far; the hasher then starts over empty.
    std::array<unsigned char, digest_size> finish();

private:
    struct ctx_deleter {
        void operator()(EVP_MD_CTX* ctx) const noexcept;
    };
    std::unique_ptr<EVP_MD_CTX, ctx_deleter> ctx_;
};

// HMAC-SHA256 of data under key: 32 raw bytes (session JWTs, CSRF tokens).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lowercase hex, as sha256sum prints it.
std::string to_hex(const void* data, std::size_t size);
std::string sha256_hex(std::string_view data);

// What may be shown of a secret in logs and the dashboard: its first
// characters and "…" (U+2026). At most 6 characters and never more than half
// the secret; "" for an empty secret.
std::string redact(std::string_view secret);

}  // namespace warren
