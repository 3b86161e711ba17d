// Internal: the layout of the nodes behind mfstate::Value, visible only so that value.hpp can
// inline its hot paths (copy, release, member lookup, element access). Not for users: nothing
// here is part of the API, and it may change in any release.
//
// A node is one allocation: a 24-byte header, then its payload in the same block — the members
// of an object, the elements of an array, the bytes of a string. Blocks come from small
// per-thread free lists (node_pool.cpp), so building and freeing small values rarely reaches
// malloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mfstate {

class Value;
struct Member;
enum class Type : std::uint8_t;

namespace detail {

/// The header every node starts with.
struct Node {
  /// Owners; not atomic (a Value crosses threads only by hand-over).
  std::uint32_t refs = 1;
  /// 0 for strings; 1 + the deepest child for arrays and objects (an upper bound after erase).
  /// Never above max_nesting + 1 (a deeper value is refused as it is built), so 16 bits hold it.
  std::uint16_t depth = 0;
  /// Objects: how the member names were ordered when the node was built (NameOrder), so that
  /// the canonical writer, which writes members by name, need not compare them again. Only
  /// Value::object from a list notes an order (it compares the names anyway, for repeats); a
  /// copy of the node keeps it, appending a member resets it. Other nodes: 0.
  std::uint8_t name_order = 0;
  /// Unused. Initialised so that a new node's first 8 bytes (refs, depth, name_order and this)
  /// are all known and written as one store.
  std::uint8_t unused = 0;
  /// The Value hash, cached by the first Value::hash() (0: not computed yet; a computed 0 is
  /// stored as 1).
  mutable std::uint64_t hash = 0;
  /// String bytes, array elements or object members.
  std::uint32_t size = 0;
  /// Elements or members the block has room for (arrays and objects).
  std::uint32_t capacity = 0;
};
static_assert(sizeof(Node) == 24);

/// Node::name_order of an object: its names in ascending or descending canonical order (bytes as
/// unsigned char, a prefix first), each strictly, or not known (also for 0 or 1 member, where
/// there is nothing to compare).
enum class NameOrder : std::uint8_t { unknown = 0, ascending = 1, descending = 2 };

struct MemberIndex;

/// A string: the header, then its bytes and a terminating NUL.
struct StringNode : Node {
  const char* chars() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
};

/// An array: the header, then `capacity` slots of which the first `size` hold elements.
struct ArrayNode : Node {
  const Value* items() const noexcept { return reinterpret_cast<const Value*>(this + 1); }
  Value* items() noexcept { return reinterpret_cast<Value*>(this + 1); }
};

/// An object: the header, then `capacity` member slots of which the first `size` hold members,
/// in insertion order, then (only when `capacity` > index_threshold) a pointer to the index of a
/// large object, built lazily by find_indexed and dropped when members are erased (value.cpp).
struct ObjectNode : Node {
  /// Objects larger than this keep a key -> position index; smaller ones are searched linearly,
  /// which is faster for the handful of fields most objects have.
  static constexpr std::uint32_t index_threshold = 16;

  const Member* members() const noexcept { return reinterpret_cast<const Member*>(this + 1); }
  Member* members() noexcept { return reinterpret_cast<Member*>(this + 1); }
  /// Position of `key` in an object above index_threshold (builds the index on first use), or -1.
  /// Without memory for the index it scans the members: a lookup never fails.
  std::ptrdiff_t find_indexed(std::string_view key) const noexcept;
};

/// Frees a node whose last owner has gone, and releases what it held (deep values through a work
/// list, never by deep recursion).
void destroy(Type type, Node* node) noexcept;

/// Drops one owner of `node`, destroying it when that was the last (the WebAssembly build's
/// out-of-line Value destructor).
void release(Type type, Node* node) noexcept;

/// Throws Error(type_error) naming what was expected and what the value is.
[[noreturn]] void throw_type_error(std::string_view expected, Type actual);

/// Unaligned loads of 4 and 8 bytes (one instruction each on x86 and in WebAssembly).
inline std::uint32_t load_u32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// Whether two byte ranges of the same length are equal. Short ones (the member names of most
/// objects) are compared inline as two overlapping words, the first and the last bytes of the
/// range, with no loop and no byte outside it; longer ones by memcmp.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return ((load_u64(a) ^ load_u64(b)) | (load_u64(a + n - 8) ^ load_u64(b + n - 8))) == 0;
  }
  if (n >= 4) return ((load_u32(a) ^ load_u32(b)) | (load_u32(a + n - 4) ^ load_u32(b + n - 4))) == 0;
  if (n == 0) return true;
  // 1 to 3 bytes: the first, the middle and the last cover them all.
  return a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1];
}

}  // namespace detail
}  // namespace mfstate
