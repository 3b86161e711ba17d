// mfstate::MemberName — the name of an object member, in 16 bytes.
//
// Why not std::string: an object's members sit in its node, one after another, and a member's
// name was a 32-byte std::string even for "id". Most names are short, so a name of up to 15 bytes
// is held in the 16 bytes themselves (zero-padded, NUL-terminated, its length in the last byte) and
// a longer one owns a heap copy, as std::string does beyond its short buffer. A member is then 32
// bytes instead of 48: the S1 entry's data {userId, name} is a 96-byte block instead of 128, and
// copying an object's members copies 16 bytes per short name, with no branch into std::string.
//
// It reads as a std::string_view (implicitly), compares with strings, string views and literals,
// and converts to std::string explicitly (`std::string(name)` or `name.str()`): a conversion that
// may allocate is written where it happens.
#pragma once

#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "mfstate/detail/canonical_text.hpp"
#include "mfstate/detail/value_layout.hpp"

namespace mfstate {

class MemberName {
 public:
  /// Names up to this many bytes are held inline: no allocation.
  static constexpr std::size_t inline_capacity = 15;

  MemberName() noexcept { set_empty(); }
  MemberName(std::string_view s) {  // NOLINT(google-explicit-constructor): a name is written as text
    if (s.size() <= inline_capacity) {
      set_empty();
#if defined(__wasm__)
      std::memcpy(b_, s.data(), s.size());  // the module carries every inline copy: a call is smaller
#else
      detail::copy_text(b_, s.data(), s.size());  // a few fixed-size moves, not a call
#endif
      b_[inline_capacity] = static_cast<char>(inline_capacity - s.size());
    } else {
      init_heap(s);
    }
  }
  MemberName(const char* s) : MemberName(std::string_view(s)) {}          // NOLINT(google-explicit-constructor)
  MemberName(const std::string& s) : MemberName(std::string_view(s)) {}   // NOLINT(google-explicit-constructor)
  MemberName(const MemberName& o) {
    if (o.on_heap()) {
      init_heap(o.view());
    } else {
      std::memcpy(b_, o.b_, sizeof b_);
    }
  }
  MemberName(MemberName&& o) noexcept {
    std::memcpy(b_, o.b_, sizeof b_);
    o.set_empty();
  }
  MemberName& operator=(const MemberName& o) {
    if (this != &o) *this = MemberName(o);
    return *this;
  }
  MemberName& operator=(MemberName&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(b_, o.b_, sizeof b_);
      o.set_empty();
    }
    return *this;
  }
  ~MemberName() { release(); }

  std::size_t size() const noexcept { return on_heap() ? heap_size() : inline_capacity - tag(); }
  std::size_t length() const noexcept { return size(); }
  bool empty() const noexcept { return size() == 0; }
  /// The bytes, NUL-terminated.
  const char* data() const noexcept { return on_heap() ? heap_chars() : b_; }
  const char* c_str() const noexcept { return data(); }
  std::string_view view() const noexcept {
    if (on_heap()) return {heap_chars(), heap_size()};
    return {b_, inline_capacity - tag()};
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)
  explicit operator std::string() const { return std::string(view()); }
  std::string str() const { return std::string(view()); }
  const char* begin() const noexcept { return data(); }
  const char* end() const noexcept { return data() + size(); }
  char operator[](std::size_t i) const noexcept { return data()[i]; }

  /// Whether this name is `s` (the hot test of every member lookup): for `s` of up to 15 bytes,
  /// one compare of the tag (a name is held inline exactly when it is that short, so the tag says
  /// its length; the compare folds to a constant for a literal), then the bytes compared as words:
  /// for up to 8 bytes one word, since an inline name is zero-padded and `s` padded the same way
  /// folds to a constant for a literal (`get("count")`: one 64-bit compare, not two loads, two
  /// xors and an or).
  bool equals(std::string_view s) const noexcept {
    if (s.size() <= inline_capacity) {
#if !defined(__wasm__)  // the module keeps its code (and size) as it was
      if constexpr (std::endian::native == std::endian::little) {
        if (s.size() <= 8) {
          // Written as two statements: so GCC lays a hit on the first member out in line, where
          // the one `&&` expression had it jump back (one more instruction per read).
          if (tag() != inline_capacity - s.size()) return false;
          return detail::load_u64(b_) == padded_word(s.data(), s.size());
        }
      }
#endif
      return tag() == inline_capacity - s.size() && detail::same_bytes(b_, s.data(), s.size());
    }
    return on_heap() && heap_size() == s.size() && std::memcmp(heap_chars(), s.data(), s.size()) == 0;
  }

  friend bool operator==(const MemberName& a, const MemberName& b) noexcept {
    // Two inline names are equal exactly when their 16 bytes are (zero-padded, length in the last).
    if (!a.on_heap() && !b.on_heap()) return std::memcmp(a.b_, b.b_, sizeof a.b_) == 0;
    return a.view() == b.view();
  }
  friend bool operator==(const MemberName& a, std::string_view b) noexcept { return a.equals(b); }
  friend bool operator==(const MemberName& a, const std::string& b) noexcept { return a.equals(b); }
  friend bool operator==(const MemberName& a, const char* b) noexcept { return a.equals(b); }
  /// Bytes as unsigned char, a prefix first (as std::string's <=>). Two inline names compare as
  /// two big-endian words each (canonical bytes sort object members by this, once per member).
  friend std::strong_ordering operator<=>(const MemberName& a, const MemberName& b) noexcept {
    if (!a.on_heap() && !b.on_heap()) return a.inline_order_high() != b.inline_order_high()
                                                 ? a.inline_order_high() <=> b.inline_order_high()
                                                 : a.inline_order_low() <=> b.inline_order_low();
    return order(a.view(), b.view());
  }
  friend std::strong_ordering operator<=>(const MemberName& a, std::string_view b) noexcept {
    return order(a.view(), b);
  }
  friend std::strong_ordering operator<=>(const MemberName& a, const std::string& b) noexcept {
    return order(a.view(), b);
  }
  friend std::strong_ordering operator<=>(const MemberName& a, const char* b) noexcept {
    return order(a.view(), b);
  }

 private:
  friend class ValueAccess;  // an object's copy tells inline names (copied as bytes) from heap ones
  // string_view's compare, as an ordering (the WebAssembly build's library has no <=> for it).
  static std::strong_ordering order(std::string_view a, std::string_view b) noexcept {
    return a.compare(b) <=> 0;
  }
  // Byte 15: inline_capacity - size for an inline name (0..15, so a 15-byte name's terminator is
  // that byte), heap_tag for a heap one: bytes 0..7 then hold its pointer, 8..11 its size.
  static constexpr unsigned char heap_tag = 0xff;
  unsigned char tag() const noexcept { return static_cast<unsigned char>(b_[inline_capacity]); }
  // An inline name's 16 bytes as two big-endian words, in the order of the names: bytes 0-7,
  // then bytes 8-14 and the tag inverted, so that of two names equal but for zero padding the
  // shorter (the larger tag) comes first. The bytes are zero-padded, so the words are the names'.
  std::uint64_t inline_order_high() const noexcept { return big_endian_word(b_); }
  std::uint64_t inline_order_low() const noexcept { return big_endian_word(b_ + 8) ^ 0xff; }
  static std::uint64_t big_endian_word(const char* p) noexcept { return detail::load_be64(p); }
#if !defined(__wasm__)
  // The `n` (at most 8) bytes at `p`, zero-padded to a little-endian word, as an inline name of
  // that length holds them in its first 8 bytes; reads only those `n` bytes. For 4 to 8 bytes the
  // first four and the last four overlap or meet, and or-ing them puts each byte in its place.
  static std::uint64_t padded_word(const char* p, std::size_t n) noexcept {
    const auto byte = [p](std::size_t i) {
      return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    };
    if (n >= 4) {
      return detail::load_u32(p) | (static_cast<std::uint64_t>(detail::load_u32(p + n - 4)) << (8 * (n - 4)));
    }
    if (n == 0) return 0;
    return byte(0) | byte(n / 2) | byte(n - 1);  // 1 to 3 bytes: the first, the middle, the last
  }
#endif
  bool on_heap() const noexcept { return tag() == heap_tag; }
  const char* heap_chars() const noexcept {
    const char* p;
    std::memcpy(&p, b_, sizeof p);
    return p;
  }
  std::size_t heap_size() const noexcept {
    std::uint32_t n;
    std::memcpy(&n, b_ + 8, sizeof n);
    return n;
  }
  void set_empty() noexcept {
    std::memset(b_, 0, sizeof b_);
    b_[inline_capacity] = static_cast<char>(inline_capacity);
  }
  void init_heap(std::string_view s);  // value.cpp: throws Error(size_limit) beyond 4 GiB
  void release() noexcept {
    if (on_heap()) release_heap();
  }
  void release_heap() noexcept;

  alignas(8) char b_[16];
};

static_assert(sizeof(MemberName) == 16);

}  // namespace mfstate

template <>
struct std::hash<mfstate::MemberName> {
  std::size_t operator()(const mfstate::MemberName& n) const noexcept {
    return std::hash<std::string_view>{}(n.view());
  }
};
