// Deterministic test data and digests shared by the test origin and the
// harness, so both sides agree on what /bytes/N sends without a network hop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace warren::test {

// Byte i of the /bytes pattern:
//   ((i * 131 + 7) ^ (i >> 8) ^ (i >> 16) ^ (i >> 24) ^ (i >> 32)) & 0xff
// The high terms make every 256-byte block differ, so a tunnel that drops,
// repeats or reorders whole chunks changes the digest, not just the length.
std::uint8_t pattern_byte(std::uint64_t i);

// Fills `out` with pattern bytes offset, offset + 1, ...
void fill_pattern(std::uint64_t offset, std::span<char> out);

// Incremental SHA-256 (OpenSSL EVP). Not copyable: owns an EVP context.
class sha256 {
public:
  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  void update(std::string_view data);
  // Lowercase hex digest; the object must not be updated afterwards.
  std::string finish_hex();

private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so OpenSSL headers stay out of here
};

std::string sha256_hex(std::string_view data);
// Throws std::runtime_error if the file cannot be read.
std::string sha256_file(const std::filesystem::path& file);
// SHA-256 of the first n bytes of the /bytes pattern.
std::string pattern_sha256(std::uint64_t n);
// Writes the first n pattern bytes to `file` (truncating it).
void write_pattern_file(const std::filesystem::path& file, std::uint64_t n);

// Raises the soft RLIMIT_NOFILE to the hard limit: 1000 concurrent
// connections do not fit in the usual soft limit of 1024.
void raise_fd_limit();

}  // namespace warren::test
