// Internal: the reference-counted nodes behind strings, arrays and objects.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/value.hpp"

namespace mfstate::detail {

/// Deepest nesting a Value may have. Bounding it at construction bounds every recursion over a
/// Value (equality, hashing, serialisation), so none of them can overflow the stack.
inline constexpr std::uint32_t max_nesting = 4096;

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

struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept;
};
struct TransparentStringEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

struct ObjectNode : Node {
  /// Objects larger than this keep a key -> position index; smaller ones are searched linearly,
  /// which is faster for the handful of fields most objects have.
  static constexpr std::size_t index_threshold = 16;
  using Index = boost::unordered_flat_map<std::string, std::uint32_t, TransparentStringHash,
                                          TransparentStringEqual>;

  std::vector<Member> members;
  /// Built lazily by find() on large objects; dropped when members are erased.
  mutable std::unique_ptr<Index> index;

  /// Position of `key`, or -1. Builds the index on first use for large objects.
  std::ptrdiff_t find(std::string_view key) const;
  /// Sets `key` to `v` in place (this node must not be shared).
  void put(std::string_view key, Value v);
};

}  // namespace mfstate::detail
