// Internal: the query cache's key index (query_cache_index.cpp), a trie over key elements, so a
// filter costs what it matches rather than what is cached.
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mfstate/value.hpp"
#include "query_pool.hpp"

namespace mfstate::detail {


struct Query;

struct TrieNode {
  explicit TrieNode(Value e, TrieNode* p) : element(std::move(e)), parent(p) {}
  Value element;               // this level's key element
  TrieNode* parent;            // nullptr for the root
  Query* entry = nullptr;      // the query whose key ends here, if any
  std::uintptr_t children = 0;  // 0: none; low bit 0: the only child; low bit 1: a ChildSet*
};

struct NodeHash {
  using is_transparent = void;
  std::size_t operator()(const TrieNode* n) const noexcept { return n->element.hash(); }
  std::size_t operator()(const Value& v) const noexcept { return v.hash(); }
};
struct NodeEq {
  using is_transparent = void;
  bool operator()(const TrieNode* a, const TrieNode* b) const noexcept { return a->element == b->element; }
  bool operator()(const TrieNode* a, const Value& b) const noexcept { return a->element == b; }
  bool operator()(const Value& a, const TrieNode* b) const noexcept { return a == b->element; }
};

struct ChildSet {
  static constexpr std::size_t small_limit = 8;
  std::vector<TrieNode*> small;  // while few children: searched linearly
  boost::unordered_flat_set<TrieNode*, NodeHash, NodeEq> big;  // once many: by element hash
  bool is_big = false;
};

/// TanStack's partialMatchKey on one key element: arrays by prefix, objects by subset,
/// recursively; anything else by ==.
bool partial_match(const Value& key_element, const Value& filter_element) noexcept;

class CacheIndex {
 public:
  CacheIndex();
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  /// The node of exactly `key`, or nullptr. No allocation; one hash probe per element.
  TrieNode* find(const Value& key) const noexcept;
  /// The node of `key`, creating the missing nodes. Strings are interned.
  TrieNode* find_or_insert(const Value& key);
  /// Drops `node` and its ancestors while they hold neither an entry nor children.
  void prune(TrieNode* node) noexcept;
  /// Calls fn(Query*) for every entry whose key the filter matches (partial unless exact).
  void collect(const Value& filter, bool exact, std::vector<Query*>& out) const;
  /// Every entry.
  void collect_all(std::vector<Query*>& out) const;
  /// The key of a node (rebuilt from the path). Allocates.
  Value key_of(const TrieNode* node) const;
  std::size_t nodes() const noexcept { return nodes_; }
  void clear() noexcept;

 private:
  TrieNode* child(const TrieNode* n, const Value& element) const noexcept;
  void add_child(TrieNode* n, TrieNode* c);
  void remove_child(TrieNode* n, TrieNode* c) noexcept;
  template <typename F>
  void for_each_child(const TrieNode* n, F&& f) const;
  void collect_subtree(const TrieNode* n, std::vector<Query*>& out) const;
  void walk(const TrieNode* n, std::span<const Value> filter, std::vector<Query*>& out) const;
  Value intern(const Value& element);
  void release_element(TrieNode* n) noexcept;
  void destroy_subtree(TrieNode* n) noexcept;

  TrieNode root_{Value(), nullptr};
  Pool<TrieNode> pool_;
  std::size_t nodes_ = 0;
  boost::unordered_flat_set<Value, std::hash<Value>> strings_;  // interned string elements
};


}  // namespace mfstate::detail
