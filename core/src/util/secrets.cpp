#include "util/secrets.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace warren {
namespace {

// OpenSSL's block functions take int lengths, so long inputs go through in
// chunks; a whole number of 3-byte groups keeps padding at the very end.
constexpr std::size_t encode_chunk = 3 * 4096;
constexpr std::size_t decode_chunk = 4 * 4096;

const unsigned char* bytes(const char* p) { return reinterpret_cast<const unsigned char*>(p); }
unsigned char* bytes(char* p) { return reinterpret_cast<unsigned char*>(p); }

bool is_base64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

// Fetched once: in OpenSSL 3 every init with EVP_sha256() would look the
// implementation up again. Never freed; it lives as long as the process.
const EVP_MD* sha256_md() {
    static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) throw std::runtime_error("sha256: OpenSSL has no SHA256 implementation");
    return md;
}

}  // namespace

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t pos = 0; pos < n;) {
        const auto len = std::min<std::size_t>(n - pos, INT_MAX);
        if (RAND_bytes(bytes(out.data() + pos), static_cast<int>(len)) != 1)
            throw std::runtime_error("random_bytes: the OpenSSL CSPRNG failed");
        pos += len;
    }
    return out;
}

std::string random_token(std::size_t n_bytes) {
    return base64url_encode(random_bytes(n_bytes));
}

std::string base64url_encode(std::string_view data) {
    std::string out((data.size() + 2) / 3 * 4 + 1, '\0');  // +1: EVP_EncodeBlock adds a NUL
    std::size_t written = 0;
    for (std::size_t pos = 0; pos < data.size(); pos += encode_chunk) {
        const auto len = std::min(encode_chunk, data.size() - pos);
        written += static_cast<std::size_t>(
            EVP_EncodeBlock(bytes(out.data() + written), bytes(data.data() + pos), static_cast<int>(len)));
    }
    out.resize(written);
    while (!out.empty() && out.back() == '=') out.pop_back();
    std::ranges::replace(out, '+', '-');
    std::ranges::replace(out, '/', '_');
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    auto unpadded = text;
    for (int i = 0; i < 2 && unpadded.ends_with('='); ++i) unpadded.remove_suffix(1);
    if (unpadded.size() != text.size() && text.size() % 4 != 0) return std::nullopt;
    if (unpadded.size() % 4 == 1 || !std::ranges::all_of(unpadded, is_base64url_char))
        return std::nullopt;

    std::string standard{unpadded};
    std::ranges::replace(standard, '-', '+');
    std::ranges::replace(standard, '_', '/');
    const std::size_t padding = (4 - standard.size() % 4) % 4;
    standard.append(padding, '=');

    std::string out(standard.size() / 4 * 3, '\0');
    std::size_t written = 0;
    for (std::size_t pos = 0; pos < standard.size(); pos += decode_chunk) {
        const auto len = std::min(decode_chunk, standard.size() - pos);
        const int n = EVP_DecodeBlock(bytes(out.data() + written), bytes(standard.data() + pos),
                                      static_cast<int>(len));
        if (n < 0) return std::nullopt;
        written += static_cast<std::size_t>(n);
    }
    // EVP_DecodeBlock counts the zero bytes that padding stands for.
    out.resize(written - padding);
    // Canonical check: unused trailing bits must be zero, i.e. re-encoding
    // gives back the same text.
    if (base64url_encode(out) != unpadded) return std::nullopt;
    return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void sha256_hasher::ctx_deleter::operator()(EVP_MD_CTX* ctx) const noexcept {
    EVP_MD_CTX_free(ctx);
}

sha256_hasher::sha256_hasher() : ctx_{EVP_MD_CTX_new()} {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), sha256_md(), nullptr) != 1)
        throw std::runtime_error("sha256: cannot create an OpenSSL digest context");
}

void sha256_hasher::update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(ctx_.get(), data, size) != 1)
        throw std::runtime_error("sha256: OpenSSL digest update failed");
}

void sha256_hasher::update(std::string_view data) {
    update(data.data(), data.size());
}

std::array<unsigned char, sha256_hasher::digest_size> sha256_hasher::finish() {
    std::array<unsigned char, digest_size> digest{};
    if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), nullptr) != 1 ||
        EVP_DigestInit_ex(ctx_.get(), sha256_md(), nullptr) != 1)
        throw std::runtime_error("sha256: OpenSSL digest final failed");
    return digest;
}

std::string to_hex(const void* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    const auto* p = static_cast<const unsigned char*>(data);
    std::string out(size * 2, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    sha256_hasher hasher;
    hasher.update(data);
    const auto digest = hasher.finish();
    return to_hex(digest.data(), digest.size());
}

std::string redact(std::string_view secret) {
    if (secret.empty()) return {};
    auto shown = std::min<std::size_t>(6, secret.size() / 2);
    // Never cut a UTF-8 sequence in half: the result goes into JSON logs.
    while (shown > 0 && (static_cast<unsigned char>(secret[shown]) & 0xc0) == 0x80) --shown;
    return std::string{secret.substr(0, shown)} + "\u2026";
}

}  // namespace warren

namespace warren {

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace warren
