// Internal: a flat hash map keyed by name (app, export, command type, topic) that is looked up
// with a std::string_view, without building a std::string per lookup.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <string>
#include <string_view>

#include "value_node.hpp"

namespace mfstate::detail {

/// A name hashed once, for several lookups of the same name in NameMaps (a broadcast looks its
/// command type up in every target's table).
struct HashedName {
  explicit HashedName(std::string_view s) noexcept : name(s), hash(static_cast<std::size_t>(key_hash(s))) {}
  std::string_view name;
  std::size_t hash;
};

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return static_cast<std::size_t>(key_hash(s));
  }
  std::size_t operator()(const HashedName& h) const noexcept { return h.hash; }
};

struct NameEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  bool operator()(const HashedName& a, std::string_view b) const noexcept { return a.name == b; }
  bool operator()(std::string_view a, const HashedName& b) const noexcept { return a == b.name; }
};

template <typename T>
using NameMap = boost::unordered_flat_map<std::string, T, NameHash, NameEqual>;

}  // namespace mfstate::detail
