// mfstate query keys written straight as canonical bytes, without building a Value tree.
//
// FlatKey(Value) first needs the key as a Value: one allocation per container and string, all
// freed again once the bytes are written. A caller that knows the key's shape (a hot lookup
// such as `["user", {id: i, page: 2}]`) writes the same bytes with a KeyBuilder instead: no
// allocation for a key within FlatKey::inline_capacity bytes, one hash at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mfstate/detail/canonical_text.hpp"
#include "mfstate/key.hpp"

namespace mfstate {

/// Builds a FlatKey element by element. The builder stands for the key's outer array: each value
/// written at the top is one element. `["user", {"id": 7, "tags": ["a"]}]` is
///
///     KeyBuilder b;
///     b.string("user").begin_object().member("id").integer(7)
///      .member("tags").begin_array().string("a").end_array().end_object();
///     FlatKey key = b.finish();
///
/// The result equals FlatKey(Value) of the same key, bytes and hash: 1.0 is written as 1, -0.0
/// as 0, every NaN as one NaN (FlatKey(Value) accepts NaN too; key_string refuses it), and an
/// object's members may be written in any order (end_object sorts them by name, as the
/// canonical form wants).
///
/// Cost: the calls are inline and write into a buffer in the builder (256 bytes; beyond it the
/// bytes move to the heap). member() compares each name with the one before it as one word (its
/// first 8 bytes), so members written in canonical order are never sorted; an object of two
/// short members out of order is swapped inline, any other sorted out of line. finish() copies
/// a key of up to FlatKey::inline_capacity bytes into the FlatKey and hashes it once.
///
/// Misuse throws Error(invalid_key) and resets the builder to an empty key, so no half-built
/// key can be finished afterwards: a value inside an object without member() first, member()
/// outside an object or twice in a row, an end_* that closes nothing or the other kind of
/// container, an object with a name given twice, finish() with a container still open. Nesting
/// beyond detail::max_nesting (what a Value allows) throws Error(depth_limit).
///
/// Not copyable or movable (it writes into its own inline buffer); finish() leaves it empty,
/// ready for the next key.
class KeyBuilder {
 public:
  KeyBuilder() noexcept { buffer_[0] = '['; }
  KeyBuilder(const KeyBuilder&) = delete;
  KeyBuilder& operator=(const KeyBuilder&) = delete;
  ~KeyBuilder() {
    if (overflow_ != nullptr) release();
  }

  KeyBuilder& null() { return byte_value('n'); }
  KeyBuilder& boolean(bool b) { return byte_value(b ? 't' : 'f'); }
  KeyBuilder& integer(std::int64_t i) { return tagged('i', static_cast<std::uint64_t>(i)); }
  /// A double; an integral one in int64 range is written as that integer (1.0 == 1 in a key).
  KeyBuilder& number(double d) {
    // In range, the conversion is exact for an integral d and truncates any other (-0.0 is 0).
    if (d >= -0x1p63 && d < 0x1p63) {
      const auto i = static_cast<std::int64_t>(d);
      if (static_cast<double>(i) == d) return integer(i);
    }
    return fraction(d);
  }
  KeyBuilder& string(std::string_view s) {
    if (mode_ == object_unnamed) refuse_value();
    const std::size_t n = s.size();
    if (n >= 128) return long_string(s);
    char* p = reserve(n + 2);
    p[0] = 's';
    p[1] = static_cast<char>(n);
    detail::copy_text(p + 2, s.data(), n);
    size_ += n + 2;
    return after_value();
  }
  KeyBuilder& begin_array() { return open(in_array, '['); }
  KeyBuilder& begin_object() { return open(object_unnamed, '{'); }
  /// Names the next value written in the open object.
  KeyBuilder& member(std::string_view name) {
    const std::size_t n = name.size();
    if (mode_ != object_unnamed || n >= 128 || member_count_ == member_capacity_) return long_member(name);
    const std::uint64_t prefix = detail::name_prefix(name);
    // Members in canonical order (each name after the one before) are never sorted, and can
    // hold no name twice; equal prefixes are settled by the whole names.
    if (member_count_ != members_base_) {
      const std::uint64_t last = members_[member_count_ - 1].prefix;
      if (prefix < last) unsorted_ = true;
      if (prefix == last) order_after_last(name);
    }
    char* p = reserve(n + 1);
    members_[member_count_++] = MemberSlot{prefix, static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(n)};
    p[0] = static_cast<char>(n);
    detail::copy_text(p + 1, name.data(), n);
    size_ += n + 1;
    mode_ = object_named;
    return *this;
  }
  KeyBuilder& end_array() {
    if (mode_ != in_array) refuse_end_array();
    *reserve(1) = ']';
    ++size_;
    return close();
  }
  KeyBuilder& end_object() {
    if (mode_ != object_unnamed || member_count_ - members_base_ > 16) return end_object_slow();
    if (unsorted_) sort_members();
    *reserve(1) = '}';
    ++size_;
    member_count_ = members_base_;
    return close();
  }

  /// The key written so far, with its hash (computed once, here). Leaves the builder empty.
  [[nodiscard]] FlatKey finish() {
    FlatKey out(FlatKey::Empty{});
    // Inline: a key within FlatKey's inline bytes and ends (and so within the bytes Value::hash
    // hashes), the builder at the top (so nothing open: no frames, no members).
    if (mode_ == top && data_ == buffer_ && size_ < FlatKey::inline_capacity &&
        elements_ <= FlatKey::inline_ends && !wide_) {
      buffer_[size_] = ']';
      // Hashed where the bytes were written, so the hash does not wait for the copy.
      const std::uint64_t h = detail::canonical_hash(std::string_view(buffer_, size_ + 1));
      out.hash_ = h != 0 ? h : 1;  // as a Value's node caches it
      out.size_ = size_ + 1;
      out.elements_ = elements_;
      std::memcpy(out.inline_, buffer_, FlatKey::inline_capacity);  // a fixed size: a few moves
      std::memcpy(out.ends_, ends_, sizeof ends_);
      size_ = 1;
      elements_ = 0;
    } else {
      finish_into(out);
    }
    return out;
  }
  /// Drops everything written so far.
  void reset() noexcept {
    size_ = 1;
    elements_ = 0;
    depth_ = 0;
    member_count_ = 0;
    members_base_ = 0;
    mode_ = top;
    unsorted_ = false;
    wide_ = false;
    if (overflow_ != nullptr) back_inline();
  }

 private:
  // What may come next, given the innermost open container (one byte, checked once per call):
  // a value (at the top, as one more element of the key, or in an array), a member name (an
  // object whose last value is complete), or that member's value. After a value, `mode_ &
  // after_value_mask` is the mode again: top stays top, an array stays an array, a named object
  // becomes unnamed.
  static constexpr std::uint8_t in_array = 0;
  static constexpr std::uint8_t object_unnamed = 1;
  static constexpr std::uint8_t object_named = 3;
  static constexpr std::uint8_t top = 4;
  static constexpr std::uint8_t after_value_mask = 5;

  // A member of an open object: its name's first 8 bytes as a number (detail::name_prefix), where
  // its bytes start (the name's length) and the name's length. Where it ends is where the next
  // member starts, or the object's end.
  struct MemberSlot {
    std::uint64_t prefix;
    std::uint32_t begin;
    std::uint32_t length;
  };
  // The state of a container around the innermost one, restored when the innermost closes.
  struct Frame {
    std::uint32_t members_base;
    std::uint8_t mode;  // what comes after the inner container, a value of this one
    bool unsorted;
  };
  struct Overflow;  // key_builder.cpp: what goes beyond the inline arrays below

  static constexpr std::size_t buffer_capacity = 256;  // Value::hash's byte budget
  static constexpr std::size_t inline_frames = 16;
  static constexpr std::size_t inline_members = 32;
  static_assert(buffer_capacity >= FlatKey::inline_capacity);

  char* reserve(std::size_t more) { return more <= capacity_ - size_ ? data_ + size_ : grow(more); }
  KeyBuilder& byte_value(char tag) {
    if (mode_ == object_unnamed) refuse_value();
    *reserve(1) = tag;
    ++size_;
    return after_value();
  }
  KeyBuilder& tagged(char tag, std::uint64_t bits) {
    if (mode_ == object_unnamed) refuse_value();
    char* p = reserve(9);
    p[0] = tag;
    std::memcpy(p + 1, &bits, 8);
    size_ += 9;
    return after_value();
  }
  // A value that ends at the top is one element of the key: where it ends is recorded, for
  // FlatKey::prefix.
  KeyBuilder& after_value() {
    if (mode_ == top) {
      if (elements_ >= FlatKey::inline_ends) return more_elements();
      ends_[elements_++] = static_cast<std::uint32_t>(size_);
      return *this;
    }
    mode_ &= after_value_mask;
    return *this;
  }
  KeyBuilder& open(std::uint8_t mode, char bracket) {
    if (mode_ == object_unnamed) refuse_value();
    if (depth_ >= inline_frames) return open_deep(mode, bracket);
    *reserve(1) = bracket;
    ++size_;
    frames_[depth_++] = Frame{members_base_, static_cast<std::uint8_t>(mode_ & after_value_mask), unsorted_};
    mode_ = mode;
    members_base_ = member_count_;
    unsorted_ = false;
    return *this;
  }
  // Closes the innermost container (its closing byte written): its parent becomes the innermost.
  KeyBuilder& close() {
    if (depth_ > inline_frames) return close_deep();
    const Frame& f = frames_[--depth_];
    members_base_ = f.members_base;
    mode_ = f.mode;
    unsorted_ = f.unsorted;
    if (mode_ == top) {
      if (elements_ >= FlatKey::inline_ends) return more_elements();
      ends_[elements_++] = static_cast<std::uint32_t>(size_);
    }
    return *this;
  }

  // The canonical form lists an object's members by name (bytewise). Called by end_object()
  // when member() saw a name before the one written ahead of it. Two short members (W5's `page`
  // written as {size, n}) are swapped here: each is read as 32 bytes (into registers: a copy
  // through memory would wait a second time for its stores) and written back as 32 bytes, so a
  // write may reach past its member into what the next write (or the free space beyond size_)
  // holds. A name given twice was refused by member() there.
  void sort_members() {
    const MemberSlot* const slots = members_ + members_base_;
    const std::uint32_t start = slots[0].begin;
    const std::size_t length = size_ - start;
    if (member_count_ - members_base_ != 2 || length > 32 || capacity_ - size_ < 32) return sort_few_members();
    char* const at = data_ + start;
    const std::uint32_t first = slots[1].begin - start;
    char a[32];
    char b[32];
    std::memcpy(a, at, 32);
    std::memcpy(b, at + first, 32);
    std::memcpy(at, b, 32);
    std::memcpy(at + (length - first), a, 32);
  }

  // Out of line: the rare paths (key_builder.cpp).
  void finish_into(FlatKey& out);
  char* grow(std::size_t more);
  KeyBuilder& fraction(double d);
  KeyBuilder& long_string(std::string_view s);
  KeyBuilder& long_member(std::string_view name);
  void order_after_last(std::string_view name);
  KeyBuilder& end_object_slow();
  KeyBuilder& open_deep(std::uint8_t mode, char bracket);
  KeyBuilder& close_deep();
  KeyBuilder& more_elements();
  void add_member_slot(std::uint64_t prefix, std::size_t length);
  void sort_few_members();
  void sort_many_members();
  int compare_members(const MemberSlot& a, const MemberSlot& b) const noexcept;
  std::string_view name_of(const MemberSlot& m) const noexcept;
  void back_inline() noexcept;
  void release() noexcept;
  [[noreturn]] void refuse_value();
  [[noreturn]] void refuse_end_array();
  [[noreturn]] void fail(const char* what);

  // No default member initialisers for the arrays: a builder is often made for one key, and
  // what it writes is written before it is read.
  char* data_ = buffer_;  // the bytes: buffer_, or the overflow's once beyond it
  std::size_t size_ = 1;  // the outer array's '['
  std::size_t capacity_ = buffer_capacity;
  MemberSlot* members_ = inline_members_;  // the open objects' members, outermost first
  std::uint32_t member_count_ = 0;
  std::uint32_t member_capacity_ = inline_members;
  std::uint32_t members_base_ = 0;  // the innermost object's first member
  std::uint32_t depth_ = 0;         // open containers inside the outer array
  std::uint32_t elements_ = 0;
  std::uint8_t mode_ = top;
  bool unsorted_ = false;  // the innermost object has a member out of canonical order
  bool wide_ = false;      // an object of more than 16 members: Value::hash does not hash bytes
  Overflow* overflow_ = nullptr;
  std::uint32_t ends_[FlatKey::inline_ends];  // where each of the first elements ends
  Frame frames_[inline_frames];               // the containers around the innermost one
  MemberSlot inline_members_[inline_members];
  char buffer_[buffer_capacity];
};

}  // namespace mfstate
