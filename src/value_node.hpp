// Internal: making, growing and copying the nodes behind Value (their layout is in
// include/mfstate/detail/value_layout.hpp), and the pool their blocks come from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/value.hpp"

namespace mfstate::detail {

// ---- blocks (node_pool.cpp) ----

/// A block of at least `bytes` for a node: from this thread's free list of its size class when
/// there is one (blocks up to pool_max_bytes), else from operator new. Throws std::bad_alloc.
void* allocate_block(std::size_t bytes);
/// Gives back a block of `bytes` obtained from allocate_block (on any thread: a block may be
/// freed on another thread than the one that allocated it, after a hand-over).
void free_block(void* block, std::size_t bytes) noexcept;
/// Blocks up to this size are pooled; larger ones go straight to operator new/delete.
inline constexpr std::size_t pool_max_bytes = 256;

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

/// The bytes of a node's block.
std::size_t block_bytes(Type type, const Node* node) noexcept;

/// A string node holding `s`. Throws size_limit beyond 4 GiB.
StringNode* new_string(std::string_view s);
/// An empty array node with room for `capacity` elements.
ArrayNode* new_array(std::size_t capacity);
/// An empty object node with room for `capacity` members.
ObjectNode* new_object(std::size_t capacity);

/// Position of `key` in `node`, or -1 (linear below the index threshold, else through the index).
std::ptrdiff_t find_member(const ObjectNode& node, std::string_view key) noexcept;

/// Appends to an unshared node with room for one more (see ValueAccess::mutable_*). The depth is
/// the caller's to maintain. No allocation beyond a long member name.
void push_member(ObjectNode& node, std::string key, Value v);
void push_item(ArrayNode& node, Value v);
/// Removes member or element `i` of an unshared node, keeping the order of the others.
void erase_member(ObjectNode& node, std::uint32_t i) noexcept;
void erase_item(ArrayNode& node, std::uint32_t i) noexcept;

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
  /// Wraps a node made by new_*; the Value owns it.
  static Value adopt(Type type, detail::Node* node) noexcept { return Value(type, node); }
};

}  // namespace mfstate
