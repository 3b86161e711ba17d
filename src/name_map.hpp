// Internal: a flat hash map keyed by name (app, export, command type, topic) that is looked up
// with a std::string_view, without building a std::string per lookup.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <string>
#include <string_view>

#include "value_node.hpp"

namespace mfstate::detail {

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return static_cast<std::size_t>(key_hash(s));
  }
};

struct NameEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

template <typename T>
using NameMap = boost::unordered_flat_map<std::string, T, NameHash, NameEqual>;

}  // namespace mfstate::detail
