// Internal: the query cache's key index (query_cache_index.cpp), a trie over key elements, so a
// filter costs what it matches rather than what is cached.
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mfstate/key.hpp"
#include "mfstate/query_options.hpp"
#include "mfstate/value.hpp"
#include "query_pool.hpp"
#include "value_node.hpp"

namespace mfstate::detail {


struct Query;

/// A key element's Value::hash, an integer's computed in place (detail::integer_hash): the exact
/// lookups and the walk probe a level of many children by an integer element without the call
/// through Value::hash (S1's ["user", 42], by get and by invalidation).
inline std::uint64_t element_hash(const Value& v) noexcept {
  return v.is_int() ? integer_hash(v.as_int()) : v.hash();
}

/// One element of a FlatKey as an exact lookup probes a trie level with it, without its Value:
/// its canonical bytes and the hash its Value would have (detail::canonical_value_hash). For
/// elements that are no Value without an allocation (a container, a string beyond 8 bytes);
/// the others are probed as their Value.
struct FlatElement {
  std::string_view bytes;
  std::uint64_t hash;
};

/// One position of the trie: a key element, its parent and its children. A key that has an entry
/// ends at the entry itself: `Query` derives from TrieNode, so the leaf of a cached key is no
/// separate block beside its entry (S1: one node and one pointer each way fewer per entry). A
/// position that holds no entry (a prefix, or a key whose entry left while longer keys remain) is
/// a standalone pooled TrieNode. `up` keeps the parent and, in its low bits, whether this node is
/// an entry (a Query) and whether it is a two-level leaf (below) — aligned pointers leave them free.
///
/// A two-level leaf (skip_bit): an entry whose key's next-to-last element is an integer at a
/// position holding nothing else (["user", 42, "profile"] alone below ["user", 42]) hangs directly
/// below the grandparent, keyed there by that integer, which its `children` word holds (a leaf has
/// no children). The position of the integer has no node of its own (S1: 32 bytes and a pointer
/// fewer per entry). It is split into a node and a plain entry as soon as another key reaches that
/// position.
struct alignas(8) TrieNode {
  TrieNode() = default;
  TrieNode(Value e, TrieNode* p) : up(reinterpret_cast<std::uintptr_t>(p)) { set_element(std::move(e)); }
  TrieNode(const TrieNode&) = delete;
  TrieNode& operator=(const TrieNode&) = delete;
  ~TrieNode() { (void)take_element(); }

  TrieNode* parent() const noexcept { return reinterpret_cast<TrieNode*>(up & ~(entry_bit | skip_bit)); }
  bool is_entry() const noexcept { return (up & entry_bit) != 0; }
  /// A two-level leaf: its parent() is the grandparent, skipped() the element between.
  bool is_skip() const noexcept { return (up & skip_bit) != 0; }
  std::int64_t skipped() const noexcept {
    return static_cast<std::int64_t>(static_cast<std::intptr_t>(children));  // signed in a 32-bit word too
  }
  /// This level's key element, read in place (the node keeps the reference).
  BorrowedValue element() const noexcept {
    return BorrowedValue(ValueAccess::Parts{element_bits, element_type, element_small});
  }
  /// Gives the node `e` as its element, releasing the one it held.
  void set_element(Value e) noexcept {
    (void)take_element();
    const ValueAccess::Parts p = ValueAccess::take_parts(e);
    element_bits = p.bits;
    element_type = p.type;
    element_small = p.small;
  }
  /// Takes the element out, leaving null.
  Value take_element() noexcept {
    Value e = ValueAccess::from_parts(ValueAccess::Parts{element_bits, element_type, element_small});
    element_bits = 0;
    element_type = Type::null;
    element_small = 0;
    return e;
  }
  /// Whether the element this node is keyed by in its parent's children is `v` (key_equal: a
  /// NaN element is keyed by any NaN).
  bool keyed_by(const Value& v) const noexcept {
    return is_skip() ? Value(skipped()) == v : key_equal(element().get(), v);
  }
  /// Whether that element is the one `e` holds: the hashes first (a container's is cached in its
  /// node), then the bytes against the Value.
  bool keyed_by(const FlatElement& e) const noexcept {
    if (key_hash() != e.hash) return false;
    return is_skip() ? canonical_equals(Value(skipped()), e.bytes)
                     : canonical_equals(element().get(), e.bytes);
  }
  /// The hash of that element.
  std::uint64_t key_hash() const noexcept {
    return is_skip() ? integer_hash(skipped()) : element_hash(element().get());
  }
  /// The children word; none for a two-level leaf (its word holds the skipped element).
  std::uintptr_t kids() const noexcept { return is_skip() ? 0 : children; }

  static constexpr std::uintptr_t entry_bit = 1;
  static constexpr std::uintptr_t skip_bit = 2;
  // The key element is kept as a Value's parts (ValueAccess::Parts), not as a Value: a Value pads
  // its type and length to 8 bytes, and those six bytes hold the entry's small fields below
  // instead (S1: `Query` 88 -> 80 bytes). The element owns what its Value would (a reference).
  std::uint64_t element_bits = 0;  // the payload word
  std::uintptr_t up = 0;           // the parent (0 for the root and for a node outside the trie) | bits
  std::uintptr_t children = 0;     // 0: none; low bit 0: the only child; low bit 1: a ChildSet*;
                                   // a two-level leaf: its skipped integer
  Type element_type = Type::null;
  std::uint8_t element_small = 0;
  // What a Query keeps in the six bytes (query_entry.hpp re-exports them; a standalone node
  // leaves them as they are). Here rather than in Query because a derived class cannot reach
  // into its base's tail padding portably.
  std::uint8_t flags = 0;                         // QueryFlags
  QueryStatus status : 4 = QueryStatus::pending;  // three values each: four bits hold them
  FetchStatus fetch_status : 4 = FetchStatus::idle;
  std::uint32_t data_update_count = 0;
};

/// An element of a large child set: the child and, where it costs no memory, its element's hash
/// beside it. Where a pointer is 4 bytes (WebAssembly) the hash fills the other half of the slot,
/// so the set rehashing as it grows (10^5 new keys below one parent: W3a) reads its own slots, not
/// each child and then its element's node (two cache misses a child, 6% of a new key's write
/// through the package). Natively the slot stays one pointer (S1's bytes per entry) and the hash is
/// read from the child.
template <bool KeepsHash>
struct BigChildOf;
template <>
struct BigChildOf<true> {
  BigChildOf(TrieNode* n, std::size_t h) noexcept : node(n), hash_(h) {}
  explicit BigChildOf(TrieNode* n) noexcept : BigChildOf(n, static_cast<std::size_t>(n->key_hash())) {}
  std::size_t hash() const noexcept { return hash_; }
  TrieNode* node;

 private:
  std::size_t hash_;
};
template <>
struct BigChildOf<false> {
  explicit BigChildOf(TrieNode* n) noexcept : node(n) {}
  std::size_t hash() const noexcept { return static_cast<std::size_t>(node->key_hash()); }
  TrieNode* node;
};
using BigChild = BigChildOf<sizeof(TrieNode*) == 4 && sizeof(std::size_t) == 4>;
static_assert(sizeof(BigChild) <= 8);

struct NodeHash {
  using is_transparent = void;
  std::size_t operator()(const BigChild& c) const noexcept { return c.hash(); }
  std::size_t operator()(const TrieNode* n) const noexcept { return n->key_hash(); }
  std::size_t operator()(const Value& v) const noexcept { return element_hash(v); }
  std::size_t operator()(const FlatElement& e) const noexcept { return e.hash; }
};
struct NodeEq {
  using is_transparent = void;
  bool operator()(const TrieNode* a, const TrieNode* b) const noexcept {
    return b->is_skip() ? a->keyed_by(Value(b->skipped())) : a->keyed_by(b->element().get());
  }
  bool operator()(const BigChild& a, const BigChild& b) const noexcept { return (*this)(a.node, b.node); }
  bool operator()(const BigChild& a, const TrieNode* b) const noexcept { return (*this)(a.node, b); }
  bool operator()(const TrieNode* a, const BigChild& b) const noexcept { return (*this)(a, b.node); }
  bool operator()(const BigChild& a, const Value& b) const noexcept { return a.node->keyed_by(b); }
  bool operator()(const Value& a, const BigChild& b) const noexcept { return b.node->keyed_by(a); }
  bool operator()(const BigChild& a, const FlatElement& b) const noexcept { return a.node->keyed_by(b); }
  bool operator()(const FlatElement& a, const BigChild& b) const noexcept { return b.node->keyed_by(a); }
};

struct alignas(8) ChildSet {
  static constexpr std::size_t small_limit = 8;
  std::vector<TrieNode*> small;  // while few children: searched linearly
  boost::unordered_flat_set<BigChild, NodeHash, NodeEq> big;  // once many: by element hash
  bool is_big = false;
};

/// TanStack's partialMatchKey on one key element: arrays by prefix, objects by subset,
/// recursively; anything else by key_equal (==, but a NaN matches a NaN).
bool partial_match(const Value& key_element, const Value& filter_element) noexcept;

class CacheIndex {
 public:
  CacheIndex();
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  /// The node of exactly `key`, or nullptr. No allocation; one hash probe per element.
  TrieNode* find(const Value& key) const noexcept;
  /// The same for a key given as canonical bytes, without its Value: each element probes its
  /// level by the hash its Value would have, and a hit is confirmed against the node's element
  /// (Value's ==, read from the bytes). Sets `undecided` (and returns nullptr) for a key with an
  /// element that cannot be probed so (detail::canonical_value_hash): the caller looks that key
  /// up as a Value. No allocation.
  TrieNode* find(const FlatKey& key, bool& undecided) const noexcept;
  /// The entry at `node`, or nullptr when `node` is null or holds no entry. Inline in
  /// query_entry.hpp, where Query is complete.
  static Query* entry_of(TrieNode* node) noexcept;

  /// Where `key` goes: the node of its last element's parent (nullptr for the empty key) and
  /// the node at the key itself, or nullptr when there is none yet.
  struct Position {
    TrieNode* parent;
    TrieNode* node;
  };
  /// The position of `key`, creating the missing nodes above it (strings interned) and splitting
  /// a two-level leaf whose skipped position the key reaches (for the leaf's own key: {its
  /// grandparent, the leaf}). Throws bad_alloc, leaving the trie's keys as they were (a leaf split
  /// before the failure stays split).
  ///
  /// A new key (`node` null) below a parent with many children (a hash set) has its slot in that
  /// set taken already, by the probe that found it missing: the caller's next call on the index is
  /// link() (which fills the slot) or prune(parent) (which gives it back). Nothing else may read
  /// or change the trie in between.
  Position find_or_insert_position(const Value& key);
  /// Makes `q` (outside the trie) the new leaf `element` below `parent`, a position that had no
  /// node. Throws bad_alloc, leaving the trie and `q` as they were (prune(parent) then drops the
  /// nodes find_or_insert_position made, and the slot it took).
  void link(TrieNode* parent, const Value& element, Query& q);
  /// Makes `q` (outside the trie) the entry at `node` (a standalone node: a position holding no
  /// entry): `q` takes the node's place, its children and element, and the node is freed. No
  /// allocation; O(children of node) to point them at their new parent.
  void attach(TrieNode* node, Query& q) noexcept;
  /// Takes entry `q` out of the trie. Its children, if any, move to a standalone node (the one
  /// reserve_node() kept; O(children)); positions left with neither an entry nor children go.
  /// The caller has called reserve_node() since the last detach. No allocation.
  void detach(Query& q) noexcept;
  /// Keeps one free node for the next detach, so taking an entry out cannot fail halfway.
  /// Allocates at most one pooled slab; throws bad_alloc.
  void reserve_node();
  /// Drops `node` and its ancestors while they hold neither an entry nor children (first giving
  /// back a slot find_or_insert_position took, if link() did not fill it).
  void prune(TrieNode* node) noexcept;
  /// Calls visit(Query*) for every entry whose key the filter matches (partial unless exact), as
  /// the walk reaches it. `visit` must leave the trie as it is (no entry added, removed or
  /// moved). Defined in query_index_walk.hpp.
  template <typename Visit>
  void for_each_match(const Value& filter, bool exact, Visit&& visit) const;
  /// Likewise for every entry.
  template <typename Visit>
  void for_each_entry(Visit&& visit) const;
  /// The key of a node (rebuilt from the path). Allocates.
  Value key_of(const TrieNode* node) const;
  /// The key of an entry in the trie. Allocates.
  Value key_of(const Query& q) const;
  /// Positions in the trie (entries included), for stats.
  std::size_t nodes() const noexcept { return nodes_; }
  /// Empties the trie: frees the standalone nodes and unlinks every entry (the entries
  /// themselves are their owner's to free, after this).
  void clear() noexcept;

 private:
  TrieNode* child(const TrieNode* n, const Value& element) const noexcept;
  TrieNode* child(const TrieNode* n, const FlatElement& element) const noexcept;
  void add_child(TrieNode* n, TrieNode* c);
  /// The child of `parent` (whose children are hash set `s`) keyed by `element`; when there is
  /// none, takes its slot in `s` (held by pending_, keyed by `element`) and returns nullptr.
  /// Throws bad_alloc (the set growing), leaving the trie as it was.
  TrieNode* find_or_take_slot(TrieNode* parent, ChildSet& s, const Value& element);
  /// Gives back the slot find_or_take_slot took.
  void drop_pending() noexcept;
  void remove_child(TrieNode* n, TrieNode* c) noexcept;
  template <typename F>
  void for_each_child(const TrieNode* n, F&& f) const;
  template <typename Visit>
  void visit_subtree(const TrieNode* n, Visit& visit) const;
  template <typename Visit>
  void walk(const TrieNode* n, std::span<const Value> filter, Visit& visit) const;
  /// walk below the skipped position of two-level leaf `n` (`filter` starts after that element).
  template <typename Visit>
  void walk_skip(const TrieNode* n, std::span<const Value> filter, Visit& visit) const;
  /// Whether `parent` (a node find_or_insert_position just made) may become `q`'s skipped element.
  bool can_skip(const TrieNode* parent) const noexcept;
  /// Gives two-level leaf `c` (below `parent`) a node at its skipped position; returns that node.
  /// Throws bad_alloc, leaving the trie as it was.
  TrieNode* split(TrieNode* parent, TrieNode* c);
  /// Points the slot of child `old_child` in `parent`'s children at `new_child` (keyed alike).
  void repoint(TrieNode* parent, TrieNode* old_child, TrieNode* new_child) noexcept;
  Value intern(const Value& element);
  Value intern_string(const Value& element);
  void release_element(TrieNode* n) noexcept;
  void destroy_subtree(TrieNode* n) noexcept;
  void replace(TrieNode* old_node, TrieNode* new_node) noexcept;

  TrieNode root_node_;            // the root while the empty key has no entry
  TrieNode* root_ = &root_node_;  // else that entry
  Pool<TrieNode> pool_;
  TrieNode* spare_ = nullptr;  // reserve_node()'s node, for the next detach
  // A new key's slot in a large child set, taken by the probe that found the key missing (W3a:
  // one probe of the set per new key, not a miss and then an insert). pending_ holds the slot,
  // keyed by the key's last element, until link() puts the entry there or prune() gives it up.
  TrieNode pending_;
  TrieNode* pending_parent_ = nullptr;  // the parent whose set holds pending_, or nullptr
  BigChild* pending_slot_ = nullptr;    // where in that set
  std::size_t nodes_ = 0;
  boost::unordered_flat_set<Value, std::hash<Value>> strings_;  // interned string elements
};


}  // namespace mfstate::detail
