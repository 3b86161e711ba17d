// Internal: the reference-counted nodes behind strings, arrays and objects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/value.hpp"

namespace mfstate::detail {

struct Node {
  std::uint32_t refs = 1;
  /// 0 for strings; 1 + the deepest child for arrays and objects (an upper bound after erase).
  std::uint32_t depth = 0;
  mutable std::uint64_t hash = 0;
  mutable bool hashed = false;
};

struct StringNode : Node {
  explicit StringNode(std::string s) : text(std::move(s)) {}
  std::string text;
};

struct ArrayNode : Node {
  std::vector<Value> items;
};

/// Hash of an object key for the member index (not the Value hash: that one is seeded).
std::uint64_t key_hash(std::string_view key) noexcept;

/// An open-addressing table of member positions (slot = position + 1, 0 = empty). It stores no
/// keys — probing compares against the members themselves — so building it allocates once and
/// copying it with its node is one memcpy.
struct MemberIndex {
  std::vector<std::uint32_t> slots;  // size is a power of two, at least twice the members
  std::uint64_t mask() const noexcept { return slots.size() - 1; }
};

struct ObjectNode : Node {
  /// Objects larger than this keep a key -> position index; smaller ones are searched linearly,
  /// which is faster for the handful of fields most objects have.
  static constexpr std::size_t index_threshold = 16;

  std::vector<Member> members;
  /// Built lazily by find() on large objects; dropped when members are erased.
  mutable std::unique_ptr<MemberIndex> index;

  ObjectNode() = default;
  /// A copy for copy-on-write: member handles (children stay shared) and the index.
  ObjectNode(const ObjectNode& other);

  /// Position of `key`, or -1. Builds the index on first use for large objects.
  std::ptrdiff_t find(std::string_view key) const;
  /// Sets `key` to `v` in place (this node must not be shared). Does not check depth.
  void put(std::string_view key, Value v);
  /// Appends a member whose key is known to be absent (this node must not be shared).
  void append(std::string key, Value v);

 private:
  void build_index() const;
  void index_insert(std::uint32_t position) const;
};

}  // namespace mfstate::detail

namespace mfstate {

/// The library's own access to the private mutation hooks of Value (copy-on-write).
class ValueAccess {
 public:
  static detail::ObjectNode& mutable_object(Value& v) { return v.mutable_object(); }
  static detail::ArrayNode& mutable_array(Value& v) { return v.mutable_array(); }
};

}  // namespace mfstate
