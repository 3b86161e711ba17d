// Internal: the key index's walk by filter (CacheIndex::for_each_match), as templates, so a caller
// that acts on each match as it is reached (invalidate_queries over 10^5 entries, W3c) neither
// calls a function per entry nor gathers the matches in a vector first. ClientCore::collect is
// this walk with a visitor that gathers.
#pragma once

#include <span>

#include "query_entry.hpp"
#include "query_index.hpp"

namespace mfstate::detail {

// A node's children word (TrieNode::children): 0, one child's address, or a ChildSet's | 1.
inline bool is_single(std::uintptr_t c) { return c != 0 && (c & 1u) == 0; }
inline TrieNode* as_single(std::uintptr_t c) { return reinterpret_cast<TrieNode*>(c); }
inline ChildSet* as_set(std::uintptr_t c) { return reinterpret_cast<ChildSet*>(c & ~std::uintptr_t{1}); }

template <typename F>
void CacheIndex::for_each_child(const TrieNode* n, F&& f) const {
  const std::uintptr_t c = n->kids();
  if (c == 0) return;
  if (is_single(c)) {
    f(as_single(c));
    return;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    // Through erase_if with a predicate that keeps every child: it walks each group's occupied
    // bits, where the set's iterator searches anew for the next slot at each step (W3c: half
    // the cost of visiting 10^5 children). Same order as the iterator's; nothing is erased.
    boost::unordered::erase_if(s->big, [&](const BigChild& t) __attribute__((always_inline)) {
      f(t.node);
      return false;
    });
  } else {
    for (TrieNode* t : s->small) f(t);
  }
}

template <typename Visit>
void CacheIndex::visit_subtree(const TrieNode* n, Visit& visit) const {
  if (Query* q = entry_of(const_cast<TrieNode*>(n))) visit(q);
  // Leaves (most nodes of a wide cache) are handled here, without a call per node (inlined: a
  // call per child would cost as much as visiting it).
  for_each_child(n, [&](TrieNode* c) __attribute__((always_inline)) {
    if (c->children == 0 || c->is_skip()) {  // a leaf
      if (Query* q = entry_of(c)) visit(q);
    } else {
      visit_subtree(c, visit);
    }
  });
}

template <typename Visit>
void CacheIndex::walk(const TrieNode* n, std::span<const Value> filter, Visit& visit) const {
  // Down the filter's scalar elements in a loop, one probe a level, as an exact lookup goes (S1:
  // ["user", 42] takes two levels in one frame); a container element fans out below.
  for (; !filter.empty(); filter = filter.subspan(1)) {
    const Value& f = filter.front();
    if (f.is_array() || f.is_object()) {
      // Partial match by subset/prefix: check this level's children, descend into the matches. (A
      // two-level leaf is keyed by an integer, which no array or object matches.)
      for_each_child(n, [&](const TrieNode* c) {
        if (!c->is_skip() && partial_match(c->element().get(), f)) walk(c, filter.subspan(1), visit);
      });
      return;
    }
    const TrieNode* c = child(n, f);
    if (c == nullptr) return;
    if (c->is_skip()) {
      walk_skip(c, filter.subspan(1), visit);
      return;
    }
    n = c;
  }
  visit_subtree(n, visit);
}

template <typename Visit>
void CacheIndex::walk_skip(const TrieNode* n, std::span<const Value> filter, Visit& visit) const {
  // Below the skipped position there is the leaf alone.
  if (filter.size() > 1) return;
  if (!filter.empty()) {
    const Value& f = filter.front();
    if (!((f.is_array() || f.is_object()) ? partial_match(n->element().get(), f)
                                          : key_equal(n->element().get(), f)))
      return;
  }
  visit(entry_of(const_cast<TrieNode*>(n)));
}

template <typename Visit>
void CacheIndex::for_each_match(const Value& filter, bool exact, Visit&& visit) const {
  if (exact) {
    if (Query* q = entry_of(find(filter))) visit(q);
    return;
  }
  walk(root_, filter.as_array(), visit);
}

template <typename Visit>
void CacheIndex::for_each_entry(Visit&& visit) const {
  visit_subtree(root_, visit);
}

}  // namespace mfstate::detail
