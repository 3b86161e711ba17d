// Internal: how a string or member name is written in canonical bytes (src/value_canonical.cpp
// has the whole encoding) and how such bytes are hashed, visible so that KeyBuilder
// (key_builder.hpp) can write short texts and finish small keys inline. Not for users: nothing here is part of the API, and it may change in any release.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mfstate::detail {

/// The 8 (or 4) bytes at `p` as a big-endian number: bytes in order compare as the numbers do.
[[gnu::always_inline]] inline std::uint64_t load_be64(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}
[[gnu::always_inline]] inline std::uint32_t load_be32(const char* p) noexcept {
  std::uint32_t w;
  std::memcpy(&w, p, sizeof w);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap32(w);
  return w;
}

/// The hash of a small container: XXH3 of its canonical bytes (see Value::hash; value.cpp).
std::uint64_t canonical_hash(std::string_view bytes) noexcept;

/// Copies `n` bytes. Short texts are copied as two overlapping fixed-size words (or, below 4
/// bytes, the first, middle and last byte), where a call to memcpy or a byte loop costs more than
/// the copy.
[[gnu::always_inline]] inline void copy_text(char* p, const char* from, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    std::memcpy(p, from, 8);
    std::memcpy(p + n - 8, from + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(p, from, 4);
    std::memcpy(p + n - 4, from + n - 4, 4);
  } else if (n < 4) {
    if (n != 0) {
      p[0] = from[0];
      p[n / 2] = from[n / 2];
      p[n - 1] = from[n - 1];
    }
  } else {
    std::memcpy(p, from, n);
  }
}

/// Writes a name or string's canonical bytes at `p` (its length in LEB128, one byte below 128, then
/// the bytes; room for s.size() + 10 bytes) and returns the end.
[[gnu::always_inline]] inline char* put_canonical_text(char* p, std::string_view s) noexcept {
  std::uint64_t n = s.size();
  if (n < 128) {
    *p++ = static_cast<char>(n);
  } else {
    do {
      auto byte = static_cast<unsigned char>(n & 0x7f);
      n >>= 7;
      if (n != 0) byte |= 0x80;
      *p++ = static_cast<char>(byte);
    } while (n != 0);
  }
  copy_text(p, s.data(), s.size());
  return p + s.size();
}

/// The first 8 bytes of a name as a big-endian number, zero-padded: names whose prefixes differ
/// are in canonical order (bytes as unsigned char) exactly when their prefixes are in numeric
/// order, so most comparisons of member names are one compare of two words. Equal prefixes
/// leave the order to the lengths (both names within 8 bytes) or to the bytes beyond.
[[gnu::always_inline]] inline std::uint64_t name_prefix(std::string_view s) noexcept {
  const std::size_t n = s.size();
  const char* from = s.data();
  const auto byte = [from](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(from[i]));
  };
  if (n >= 8) return load_be64(from);
  if (n >= 4) {
    // The two words overlap where n < 8; the bytes they share are the same bytes.
    return (static_cast<std::uint64_t>(load_be32(from)) << 32) |
           (static_cast<std::uint64_t>(load_be32(from + n - 4)) << (8 * (8 - n)));
  }
  if (n == 0) return 0;
  return (byte(0) << 56) | (byte(n / 2) << (56 - 8 * (n / 2))) | (byte(n - 1) << (56 - 8 * (n - 1)));
}

}  // namespace mfstate::detail
