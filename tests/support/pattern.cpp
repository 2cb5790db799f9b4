#include "pattern.hpp"

#include <openssl/evp.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace warren::test {

namespace {

// Within a 256-aligned block the high terms are constant, so a block is the
// 256-byte base table XORed with one byte: cheap enough for 1 GiB bodies.
constexpr std::array<std::uint8_t, 256> make_base() {
  std::array<std::uint8_t, 256> base{};
  for (std::uint64_t i = 0; i < 256; ++i) base[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return base;
}
constexpr auto base_table = make_base();

std::uint8_t block_mask(std::uint64_t block) {
  return static_cast<std::uint8_t>(block ^ (block >> 8) ^ (block >> 16) ^ (block >> 24));
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

constexpr std::size_t piece_size = 64 * 1024;

}  // namespace

std::uint8_t pattern_byte(std::uint64_t i) {
  return static_cast<std::uint8_t>(base_table[i & 0xff] ^ block_mask(i >> 8));
}

void fill_pattern(std::uint64_t offset, std::span<char> out) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::uint64_t i = offset + pos;
    const std::uint8_t mask = block_mask(i >> 8);
    const std::size_t run = std::min<std::size_t>(out.size() - pos, 256 - (i & 0xff));
    for (std::size_t k = 0; k < run; ++k)
      out[pos + k] = static_cast<char>(base_table[(i + k) & 0xff] ^ mask);
    pos += run;
  }
}

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256: OpenSSL EVP init failed");
}

sha256::~sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void sha256::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string sha256::finish_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &size);
  return to_hex(digest, size);
}

std::string sha256_hex(std::string_view data) {
  sha256 h;
  h.update(data);
  return h.finish_hex();
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("sha256_file: cannot open " + file.string());
  sha256 h;
  std::vector<char> buf(piece_size);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update({buf.data(), static_cast<std::size_t>(in.gcount())});
  }
  return h.finish_hex();
}

std::string pattern_sha256(std::uint64_t n) {
  sha256 h;
  std::vector<char> buf(piece_size);
  for (std::uint64_t offset = 0; offset < n; offset += buf.size()) {
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - offset));
    fill_pattern(offset, {buf.data(), size});
    h.update({buf.data(), size});
  }
  return h.finish_hex();
}

void write_pattern_file(const std::filesystem::path& file, std::uint64_t n) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("write_pattern_file: cannot create " + file.string());
  std::vector<char> buf(piece_size);
  for (std::uint64_t offset = 0; offset < n; offset += buf.size()) {
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - offset));
    fill_pattern(offset, {buf.data(), size});
    out.write(buf.data(), static_cast<std::streamsize>(size));
  }
  if (!out) throw std::runtime_error("write_pattern_file: write failed for " + file.string());
}

void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace warren::test
