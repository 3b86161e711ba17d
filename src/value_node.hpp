// Internal: making, growing and copying the nodes behind Value (their layout is in
// include/mfstate/detail/value_layout.hpp), and the pool their blocks come from.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "block_pool.hpp"
#include "mfstate/detail/canonical_text.hpp"
#include "mfstate/value.hpp"

namespace mfstate::detail {

// ---- nodes ----

/// Hash of an object key for the member index (not the Value hash: that one is seeded).
std::uint64_t key_hash(std::string_view key) noexcept;

/// An open-addressing table of member positions (slot = position + 1, 0 = empty). It stores no
/// keys — probing compares against the members themselves — so building it allocates once and
/// copying it with its node is one memcpy.
struct MemberIndex {
  std::vector<std::uint32_t> slots;  // size is a power of two, at least twice the members
  std::uint64_t mask() const noexcept { return slots.size() - 1; }
};

/// A string node holding `s`. Throws size_limit beyond 4 GiB.
StringNode* new_string(std::string_view s);
/// An empty array node with room for `capacity` elements.
ArrayNode* new_array(std::size_t capacity);
/// An empty object node with room for `capacity` members.
ObjectNode* new_object(std::size_t capacity);

/// Position of `key` in `node`, or -1 (linear below the index threshold, else through the index).
std::ptrdiff_t find_member(const ObjectNode& node, std::string_view key) noexcept;

/// Appends to an unshared node with room for one more (see ValueAccess::mutable_*). The depth is
/// the caller's to maintain. No allocation beyond a long member name, and for push_member a large
/// object's larger index, made before the member is placed: a bad_alloc leaves the node as it was.
void push_member(ObjectNode& node, MemberName key, Value v);
void push_item(ArrayNode& node, Value v);
/// Removes member or element `i` of an unshared node, keeping the order of the others.
void erase_member(ObjectNode& node, std::uint32_t i) noexcept;
void erase_item(ArrayNode& node, std::uint32_t i) noexcept;

// ---- canonical bytes (value_canonical.cpp) ----

/// A container whose canonical bytes fit this budget (and whose objects have at most 16 members)
/// hashes as XXH3 of those bytes; a larger one combines its children's hashes (value.cpp).
inline constexpr std::size_t canonical_hash_budget = 256;
/// Room past the budget in Value::hash's buffer: the writer's steps check for more room than they
/// then write (a string reserves its length plus 11, and writes its length plus 2 at least: 9 more),
/// so with a buffer of just the budget a value whose bytes end within it could still run out, and
/// Value::hash combined its children's hashes where FlatKey and KeyBuilder, which write every byte,
/// hashed the bytes. With this slack a value whose bytes end within the budget is always written
/// whole, and the budget is checked on the bytes written (CanonicalWriter::hashable): one rule.
inline constexpr std::size_t canonical_hash_slack = 16;

/// An integral double in int64 range, as that integer: how ==, the hash and the canonical bytes
/// treat a number (1 and 1.0, 0.0 and -0.0 are one key). False for the rest (fractions, NaN, ±inf,
/// beyond int64).
inline bool integral_double(double d, std::int64_t& out) noexcept {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  if (std::trunc(d) != d) return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

/// A number's canonical tag and 8 bytes: 'i' and the integer for an integral double, else 'd' and
/// the double's bits (every NaN as one NaN). The one spelling CanonicalWriter and KeyBuilder share.
inline char canonical_number(double d, std::uint64_t& bits) noexcept {
  std::int64_t i;
  if (integral_double(d, i)) {
    bits = static_cast<std::uint64_t>(i);
    return 'i';
  }
  const double canonical = std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : d;
  std::memcpy(&bits, &canonical, sizeof bits);
  return 'd';
}

/// splitmix64's finaliser: a cheap, well-distributed bijection. Every step of Value::hash mixes
/// through it (value.cpp), and so does integer_hash below, which must agree with it bit for bit.
inline std::uint64_t splitmix_finalise(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// Value::hash of an integer (and of a double holding one): splitmix64's finaliser over the
/// integer and a fixed seed. Inline here, not only in value.cpp, so that the query cache's probe
/// of a level by an integer element (S1's ["user", 42]) hashes it in place instead of through
/// Value::hash's out-of-line call.
inline std::uint64_t integer_hash(std::int64_t i) noexcept {
  constexpr std::uint64_t seed_int = 0xc2b2ae3d27d4eb4fULL;
  return splitmix_finalise(static_cast<std::uint64_t>(i) ^ seed_int);
}

/// Reading canonical bytes back (a FlatKey's elements, found in the query cache without building
/// their Values). A container read this way nests at most this deep; a deeper one is left to its
/// Value (the readers recurse, and a key is rarely more than a few levels).
inline constexpr std::size_t canonical_read_depth = 32;
/// The Value::hash of the one value whose canonical bytes are `bytes`, told from the bytes: false
/// when it cannot be (a container beyond canonical_hash_budget, with an object of more than 16
/// members or nesting beyond canonical_read_depth: Value::hash combines its children's hashes
/// there; or a hash of 0, which a node would keep as 1): the caller builds the Value then.
/// Defined in value.cpp, beside Value::hash.
bool canonical_value_hash(std::string_view bytes, std::uint64_t& out) noexcept;
/// Whether `v` is, as a key element, the value whose canonical bytes are `bytes`: key_equal
/// (Value's ==, 1 == 1.0, but every NaN equal to every NaN), without building it. `bytes` is one
/// value for which canonical_value_hash returned true (so its nesting is bounded). No allocation.
bool canonical_equals(const Value& v, std::string_view bytes) noexcept;
/// The Value of the canonical bytes of one value at `p` (moved past them). Allocates.
Value decode_canonical(const char*& p);
/// A length in canonical bytes (a string's or a member name's: 7 bits a byte, low first, the high
/// bit set on every byte but the last) read at `p`, which moves past it. The bytes are the
/// canonical writer's own, never a caller's, so they always end.
inline std::uint64_t read_canonical_length(const char*& p) noexcept {
  std::uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*p++);
    n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return n;
  }
}

/// Writes the canonical bytes of Values (see value_canonical.cpp for the encoding: equal values
/// give equal bytes) into a caller's buffer. Without a spill string, writing stops (returns
/// false) when the buffer is full or an object has more than 16 members; with one, the bytes move
/// to the spill string and writing goes on.
class CanonicalWriter {
 public:
  CanonicalWriter(char* buffer, std::size_t capacity, std::string* spill = nullptr) noexcept
      : data_(buffer), end_(buffer + capacity), spill_(spill) {}
  CanonicalWriter(const CanonicalWriter&) = delete;
  CanonicalWriter& operator=(const CanonicalWriter&) = delete;

  /// Appends the bytes of `v`; false when they do not fit (nothing more may be written then).
  bool value(const Value& v) { return finish(value(data_ + size_, v)); }
  /// Appends one raw byte.
  bool put(char c) { return finish(put(data_ + size_, c)); }
  /// The bytes written so far.
  std::string_view bytes() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  /// Whether the bytes so far are what Value::hash hashes: within canonical_hash_budget, and no
  /// object of more than 16 members.
  bool hashable() const noexcept { return size_ <= canonical_hash_budget && !wide_; }

 private:
  // Each step takes the position to write at and returns the position after what it wrote, or
  // nullptr when it stopped: the position stays in a register through a container's loop, where
  // a size kept in the writer was stored and reloaded around every byte (a char store may alias
  // the writer's own fields). The public calls store it back once.
  bool finish(char* p) noexcept {
    if (p == nullptr) return false;
    size_ = static_cast<std::size_t>(p - data_);
    return true;
  }
  // `p` when `more` bytes fit after it, else the same position in the spill string after it grew
  // (nullptr without one): the room check of every step.
  char* room(char* p, std::size_t more) {
    return static_cast<std::size_t>(end_ - p) >= more ? p : grow(p, more);
  }
  char* grow(char* p, std::size_t more);
  char* value(char* p, const Value& v);
  char* array(char* p, const Value& v);
  char* object(char* p, const Value& v);
  char* sorted_object(char* p, std::span<const Member> members);
  char* wide_object(char* p, std::span<const Member> members);
  char* element(char* p, const Value& v);
  char* scalar(char* p, const Value& v);
  char* put(char* p, char c) {
    p = room(p, 1);
    if (p != nullptr) *p++ = c;
    return p;
  }
  // A string held in the handle: its tag, length and its 8 zero-padded bytes as one word, with
  // put_string's check of the room (which covers the word: 2 + 8 <= size + 11); what follows
  // overwrites the padding.
  char* put_inline_string(char* p, std::uint64_t word, std::size_t size) {
    p = room(p, size + 11);
    if (p == nullptr) return nullptr;
    p[0] = 's';
    p[1] = static_cast<char>(size);
    std::memcpy(p + 2, &word, sizeof word);
    return p + 2 + size;
  }
  // A string: its tag, length and bytes, with one check of the room.
  char* put_string(char* p, std::string_view s) {
    p = room(p, s.size() + 11);
    if (p == nullptr) return nullptr;
    *p = 's';
    return put_canonical_text(p + 1, s);
  }
  // A tag and 8 bytes (an integer, or a double's bits).
  char* put_int(char* p, char tag, std::uint64_t bits) {
    p = room(p, 9);
    if (p == nullptr) return nullptr;
    *p = tag;
    std::memcpy(p + 1, &bits, 8);
    return p + 9;
  }
  // A length (LEB128) and the bytes.
  char* put_text(char* p, std::string_view s) {
    p = room(p, s.size() + 10);
    return p == nullptr ? nullptr : put_canonical_text(p, s);
  }

  // A member name: put_text's bytes. A name held inline is copied as its whole 16-byte buffer
  // when there is room for that and for what put_text reserves (then put_text could not have
  // failed); else put_text writes it.
  char* put_name(char* p, const MemberName& name) {
    constexpr std::size_t inline_room = MemberName::inline_capacity + 10;  // put_text's, at most
    static_assert(inline_room >= 1 + sizeof(MemberName), "room for the length byte and the buffer");
    const std::size_t length = name.size();
    if (length > MemberName::inline_capacity || static_cast<std::size_t>(end_ - p) < inline_room) {
      return put_text(p, name);
    }
    *p = static_cast<char>(length);
    std::memcpy(p + 1, name.data(), sizeof(MemberName));
    return p + 1 + length;
  }

  char* data_;
  std::size_t size_ = 0;
  char* end_;
  std::string* spill_;
  bool wide_ = false;
};

/// Orders member pointers by name (bytes, as std::string's <): canonical JSON and canonical bytes
/// sort with this one comparator, so the program carries one instantiation of the sort.
struct MemberNameOrder {
  bool operator()(const Member* a, const Member* b) const noexcept { return a->key < b->key; }
};

/// Member names in canonical order: bytes as unsigned char, a prefix first (std::string's <).
/// Short names are compared inline, where a call to memcmp would cost more.
[[gnu::always_inline]] inline bool canonical_name_less(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  if (n <= 16) {
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    return a.size() < b.size();
  }
  return a < b;
}

/// detail::key_equal (below) of two values the handles did not decide. Out of line (value.cpp).
bool key_values_equal(const Value& a, const Value& b) noexcept;

}  // namespace mfstate::detail

namespace mfstate {

/// The library's own access to Value's private copy-on-write hooks.
class ValueAccess {
 public:
  /// Makes `v`'s object node unshared (a copy when shared: member handles are copied, children
  /// stay shared) with room for `extra` more members, and clears its cached hash.
  static detail::ObjectNode& mutable_object(Value& v, std::size_t extra = 0);
  /// The same for an array node.
  static detail::ArrayNode& mutable_array(Value& v, std::size_t extra = 0);
  /// The node of `v`, which the caller knows is an object (every object has one): no test.
  static const detail::ObjectNode& object_node(const Value& v) noexcept {
    return *static_cast<const detail::ObjectNode*>(v.u_.node);
  }
  /// Wraps a node made by new_*; the Value owns it.
  static Value adopt(Type type, detail::Node* node) noexcept { return Value(type, node); }
  /// The hash cached in `v`'s node, or 0 when there is none yet (or `v` has no node).
  static std::uint64_t cached_hash(const Value& v) noexcept { return v.has_node() ? v.u_.node->hash : 0; }
  /// Caches `hash` (what Value::hash would compute) in `v`'s node; nothing for a Value without one.
  static void cache_hash(const Value& v, std::uint64_t hash) noexcept {
    if (v.has_node()) v.u_.node->hash = hash != 0 ? hash : 1;
  }

  /// Whether `v` is a string held in the handle (Value::inline_string_capacity bytes at most);
  /// then its bytes, zero-padded, as one word, and its length.
  static bool inline_string(const Value& v, std::uint64_t& word, std::size_t& size) noexcept {
    if (v.type_ != Type::string || v.small_ == 0) return false;
    static_assert(sizeof(v.u_.s) == sizeof word);
    std::memcpy(&word, v.u_.s, sizeof word);
    size = v.small_ - 1u;
    return true;
  }

  /// A handle taken apart: the payload word, the type, the inline-string length. A Value pads
  /// these 10 bytes to 16; a holder that keeps them apart can use the other six (the query
  /// cache's trie node lends them to its entry: query_index.hpp).
  struct Parts {
    std::uint64_t bits = 0;
    Type type = Type::null;
    std::uint8_t small = 0;
  };
  /// Takes `v` apart: the parts own what `v` owned (a node's reference) and `v` is left null.
  static Parts take_parts(Value& v) noexcept {
    Parts p;
    std::memcpy(&p.bits, &v.u_, sizeof p.bits);
    p.type = v.type_;
    p.small = v.small_;
    v.type_ = Type::null;
    v.small_ = 0;
    return p;
  }
  /// A Value made of `p`, owning what they owned (no reference taken).
  static Value from_parts(const Parts& p) noexcept {
    Value v;
    v.type_ = p.type;
    v.small_ = p.small;
    std::memcpy(&v.u_, &p.bits, sizeof p.bits);
    return v;
  }
  static_assert(sizeof(Value::u_) == sizeof(std::uint64_t), "the payload word is 8 bytes on every target");

  /// detail::key_equal's handle part: operator=='s, with the rest left to key_values_equal.
  static bool key_equal(const Value& a, const Value& b) noexcept {
    if (a.type_ == b.type_ && a.small_ == b.small_) {
      if (a.type_ == Type::integer) return a.u_.i == b.u_.i;
      if (a.type_ >= Type::string) {
        if (a.small_ != 0) return std::memcmp(a.u_.s, b.u_.s, Value::inline_string_capacity) == 0;
        if (a.u_.node == b.u_.node) return true;
      }
    }
    return detail::key_values_equal(a, b);
  }
};

namespace detail {
/// A flat object's canonical bytes, written straight: an object of 1 to flat_object_members
/// members, each name held inline (MemberName::inline_capacity) and each value a scalar held in
/// its handle (null, a boolean, a number, a string of up to 8 bytes), its names in a known order
/// (one member, or the order its builder noted). That is the shape of most query-key parameters
/// ({id: 7}), and Value::hash writes one per lookup by such a key (W3b): here without the
/// writer's room check per step, its dispatch per value and its frames. Writes at most
/// flat_object_room bytes at `p` and returns the end, or nullptr (some bytes written) when
/// `node` is not such an object: CanonicalWriter then writes it, the same bytes.
inline constexpr std::size_t flat_object_members = 8;
/// '{' and '}'; per member a length byte, a name of up to 15 bytes and at most 10 bytes of value
/// (an inline string: 's', its length, its 8-byte word); and one more, as a name is copied as its
/// whole 16-byte buffer (what follows overwrites the padding).
inline constexpr std::size_t flat_object_room = 2 + flat_object_members * (1 + 15 + 10) + 1;
static_assert(flat_object_room <= canonical_hash_budget, "a flat object's bytes are always hashed");
// The bytes are CanonicalWriter::object()'s: '{', then per member in name order its length byte,
// its name and its value as scalar() writes it, then '}'. A member that is not flat (a name
// beyond 15 bytes, a container, a string with a node) ends it with nullptr, as does an unknown
// order of 2 or more members.
inline char* write_flat_object(char* p, const ObjectNode& node) noexcept {
  const std::size_t n = node.size;
  if (n - 1 >= flat_object_members) return nullptr;  // 0 members too: '{}' is object()'s
  const Member* const members = node.members();
  // Members by index from the first up, or from the last down (never a pointer before them).
  std::size_t k = 0;
  std::size_t step = 1;
  if (n > 1) {
    if (node.name_order == static_cast<std::uint8_t>(NameOrder::descending)) {
      k = n - 1;
      step = ~std::size_t{0};  // -1, wrapping
    } else if (node.name_order != static_cast<std::uint8_t>(NameOrder::ascending)) {
      return nullptr;
    }
  }
  *p++ = '{';
  for (std::size_t i = 0; i < n; ++i, k += step) {
    const Member* const m = members + k;
    const std::size_t length = m->key.size();
    if (length > MemberName::inline_capacity) return nullptr;
    *p = static_cast<char>(length);
    std::memcpy(p + 1, m->key.data(), sizeof(MemberName));
    p += 1 + length;
    const Value& v = m->value;
    switch (v.type()) {
      case Type::null: *p++ = 'n'; break;
      case Type::boolean: *p++ = v.as_bool() ? 't' : 'f'; break;
      case Type::integer: {
        *p = 'i';
        const auto bits = static_cast<std::uint64_t>(v.as_int());
        std::memcpy(p + 1, &bits, sizeof bits);
        p += 9;
        break;
      }
      case Type::number: {
        std::uint64_t bits;
        *p = canonical_number(v.as_double(), bits);
        std::memcpy(p + 1, &bits, sizeof bits);
        p += 9;
        break;
      }
      case Type::string: {
        std::uint64_t word;
        std::size_t size;
        if (!ValueAccess::inline_string(v, word, size)) return nullptr;
        p[0] = 's';
        p[1] = static_cast<char>(size);
        std::memcpy(p + 2, &word, sizeof word);
        p += 2 + size;
        break;
      }
      default: return nullptr;
    }
  }
  *p++ = '}';
  return p;
}

/// Whether `a` and `b` are one query key (or key element) to the query cache: Value's ==, except
/// that every NaN equals every NaN, at any depth — as the keys' canonical bytes (FlatKey, KeyBuilder,
/// Value::hash) spell every NaN as one NaN, so a key holding NaN finds itself on every path (a
/// Value, a FlatKey, a filter) and an equal-looking key built anew finds the same entry. Costs
/// what == costs: the NaN test runs only where a compare of two doubles has failed.
inline bool key_equal(const Value& a, const Value& b) noexcept { return ValueAccess::key_equal(a, b); }
}  // namespace detail

/// A Value over parts someone else owns (ValueAccess::Parts): read like any Value, never released
/// (its owner keeps the reference). Only for reading while the owner holds still.
class BorrowedValue {
 public:
  explicit BorrowedValue(const ValueAccess::Parts& p) noexcept : v_(ValueAccess::from_parts(p)) {}
  BorrowedValue(const BorrowedValue&) = delete;
  BorrowedValue& operator=(const BorrowedValue&) = delete;
  ~BorrowedValue() {}  // NOLINT(modernize-use-equals-default): v_ is deliberately not destroyed
  const Value& get() const noexcept { return v_; }

 private:
  union {
    Value v_;
  };
};

}  // namespace mfstate
