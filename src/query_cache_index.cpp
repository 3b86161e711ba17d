// The query cache's index: a trie over key elements.
//
// A key ["user", 42, "profile"] is the path root -> "user" -> 42 -> "profile", and its entry is
// the last node itself (Query derives from TrieNode): an entry and its leaf are one block. A
// position without an entry is a standalone pooled node; when an entry comes to such a position
// (or leaves one that still has children) the node and the entry trade places, the children
// re-pointed at their new parent.
//
// A filter ["user", 42] walks two levels and collects the subtree below, so it costs what it
// matches rather than what is cached (query-core scans every entry). An object (or array) element
// in a filter matches by subset (prefix), so at that level the walk checks every child against
// it: the cost is the children of that level, still not the whole cache. Exact lookups probe one
// hash set per level, keyed by the element's cached hash and confirmed by ==.
//
// Children: none, one (stored inline in the node's word), up to 8 (a vector searched linearly), or
// more (a flat hash set of node pointers hashed by their element). String elements are interned so
// ten thousand keys ending in "profile" share one string node.
//
// A key whose next-to-last element is an integer that no other key shares (["user", 42,
// "profile"] alone below ["user", 42]) ends in a two-level leaf: the entry hangs below ["user"],
// keyed there by 42, which it holds in its children word (a leaf has none), so the position of 42
// takes no node (S1: a 32-byte node and its pointer fewer per entry). Every walk reads such a leaf
// as the two positions it stands for; a key that reaches its skipped position (["user", 42] or
// ["user", 42, "posts"]) splits it first into a node and a plain entry.
#include <algorithm>
#include <cstring>

#include "query_entry.hpp"
#include "query_index.hpp"
#include "query_index_walk.hpp"

namespace mfstate::detail {

bool partial_match(const Value& a, const Value& b) noexcept {
  if (b.is_array()) {
    if (!a.is_array()) return false;
    auto fa = a.as_array();
    auto fb = b.as_array();
    if (fb.size() > fa.size()) return false;
    for (std::size_t i = 0; i < fb.size(); ++i) {
      if (!partial_match(fa[i], fb[i])) return false;
    }
    return true;
  }
  if (b.is_object()) {
    if (!a.is_object()) return false;
    for (const Member& m : b.as_object()) {
      const Value* v = a.find(m.key);
      if (v == nullptr || !partial_match(*v, m.value)) return false;
    }
    return true;
  }
  return key_equal(a, b);
}

CacheIndex::CacheIndex() = default;

CacheIndex::~CacheIndex() {
  clear();
  if (spare_ != nullptr) pool_.destroy(spare_);
}

void CacheIndex::clear() noexcept {
  if (pending_slot_ != nullptr) drop_pending();
  destroy_subtree(root_);
  if (root_ != &root_node_) {  // the empty key's entry
    root_->up = 0;
    root_ = &root_node_;
  }
  root_->children = 0;
  nodes_ = 0;
  strings_.clear();
}

void CacheIndex::destroy_subtree(TrieNode* n) noexcept {
  // Iterative: keys are short, but a cache may be wide.
  std::vector<TrieNode*> stack;
  for_each_child(n, [&](TrieNode* c) { stack.push_back(c); });
  if (n->kids() & 1u) delete as_set(n->children);
  n->children = 0;
  while (!stack.empty()) {
    TrieNode* t = stack.back();
    stack.pop_back();
    for_each_child(t, [&](TrieNode* c) { stack.push_back(c); });
    if (t->kids() & 1u) delete as_set(t->children);
    t->children = 0;
    if (t->is_entry()) {
      // The entry is its owner's to free; it only leaves the trie (its element too, as the
      // interned strings go below).
      t->up = 0;
      (void)t->take_element();
    } else {
      pool_.destroy(t);
    }
  }
}

namespace {

// A child of `n` keyed by `element` (a Value, or a FlatKey's element as bytes and hash).
template <typename Element>
TrieNode* child_keyed(const TrieNode* n, const Element& element) noexcept {
  // `n` is never a two-level leaf: every walk reads those as their two positions before this.
  const std::uintptr_t c = n->children;
  if (c == 0) return nullptr;
  if (is_single(c)) {
    TrieNode* t = as_single(c);
    return t->keyed_by(element) ? t : nullptr;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    auto it = s->big.find(element);
    return it == s->big.end() ? nullptr : it->node;
  }
  for (TrieNode* t : s->small) {
    if (t->keyed_by(element)) return t;
  }
  return nullptr;
}

}  // namespace

TrieNode* CacheIndex::child(const TrieNode* n, const Value& element) const noexcept {
  return child_keyed(n, element);
}

TrieNode* CacheIndex::child(const TrieNode* n, const FlatElement& element) const noexcept {
  return child_keyed(n, element);
}

void CacheIndex::add_child(TrieNode* n, TrieNode* t) {
  std::uintptr_t& c = n->children;
  if (c == 0) {
    c = reinterpret_cast<std::uintptr_t>(t);
    return;
  }
  if (is_single(c)) {
    auto s = std::make_unique<ChildSet>();
    s->small.reserve(4);
    s->small.push_back(as_single(c));
    s->small.push_back(t);
    c = reinterpret_cast<std::uintptr_t>(s.release()) | 1u;
    return;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    s->big.insert(BigChild(t));
    return;
  }
  if (s->small.size() < ChildSet::small_limit) {
    s->small.push_back(t);
    return;
  }
  s->big.reserve(s->small.size() * 2 + 2);
  for (TrieNode* x : s->small) s->big.insert(BigChild(x));
  s->big.insert(BigChild(t));
  s->small.clear();
  s->small.shrink_to_fit();
  s->is_big = true;
}

void CacheIndex::remove_child(TrieNode* n, TrieNode* t) noexcept {
  std::uintptr_t& c = n->children;
  if (is_single(c)) {
    if (as_single(c) == t) c = 0;
    return;
  }
  if (c == 0) return;
  ChildSet* s = as_set(c);
  if (s->is_big) {
    s->big.erase(t);
    if (s->big.empty()) {
      delete s;
      c = 0;
    }
    return;
  }
  auto it = std::find(s->small.begin(), s->small.end(), t);
  if (it != s->small.end()) s->small.erase(it);
  if (s->small.size() == 1) {
    TrieNode* only = s->small.front();
    delete s;
    c = reinterpret_cast<std::uintptr_t>(only);
  } else if (s->small.empty()) {
    delete s;
    c = 0;
  }
}

inline Value CacheIndex::intern(const Value& element) {
  // Only strings that own a node are worth sharing (short ones live inside the handle). Inline:
  // every new entry's last element comes through here, and most are no such string.
  if (!element.is_string() || element.node() == nullptr) [[likely]] return element;
  return intern_string(element);
}

Value CacheIndex::intern_string(const Value& element) {
  auto [it, inserted] = strings_.insert(element);
  (void)inserted;
  return *it;
}

void CacheIndex::release_element(TrieNode* n) noexcept {
  // Forget an interned string once this node was its last user (the set holds the other ref).
  if (n->element_type == Type::string && n->element().get().node() != nullptr &&
      n->element().get().use_count() == 2) {
    strings_.erase(n->take_element());
  }
}

TrieNode* CacheIndex::find(const Value& key) const noexcept {
  const TrieNode* n = root_;
  const std::span<const Value> elements = key.as_array();
  for (const Value* e = elements.data(), *end = e + elements.size(); e != end; ++e) {
    n = child(n, *e);
    if (n == nullptr) return nullptr;
    if (n->is_skip()) [[unlikely]] {
      // Two levels at once: the key is the leaf's own, or one that has no node (its skipped
      // position, or below the leaf).
      return end - e == 2 && key_equal(n->element().get(), e[1]) ? const_cast<TrieNode*>(n) : nullptr;
    }
  }
  return const_cast<TrieNode*>(n);
}

namespace {

// The bytes of a FlatKey's element are read in one of two ways. A scalar (an integer, a short
// string: what a Value holds without allocating) is probed as its Value, made on the stack from
// the bytes, exactly as the Value path probes it. Anything else (a container, a string beyond 8
// bytes) is probed as bytes with the hash its Value would have (FlatElement).
//
// Reads the element at `p` as a Value when it is such a scalar: true, `p` moved past it.
inline bool small_element(const char*& p, Value& out) noexcept {
  switch (*p) {
    case 'i': {
      std::int64_t i;
      std::memcpy(&i, p + 1, sizeof i);
      out = Value(i);
      p += 9;
      return true;
    }
    case 's': {
      const auto n = static_cast<unsigned char>(p[1]);  // one length byte up to 127
      if (n > Value::inline_string_capacity) return false;
      out = Value(std::string_view(p + 2, n));
      p += 2 + n;
      return true;
    }
    case 'd': {
      double d;
      std::memcpy(&d, p + 1, sizeof d);
      out = Value(d);
      p += 9;
      return true;
    }
    case 'n': out = Value(); break;
    case 't': out = Value(true); break;
    case 'f': out = Value(false); break;
    default: return false;
  }
  ++p;
  return true;
}

// Whether the element of two-level leaf `n` is the key's last element, whose bytes are [p, end).
bool leaf_element_is(const TrieNode* n, const char* p, const char* end, bool& undecided) noexcept {
  const BorrowedValue e = n->element();  // the node's reference, read in place
  Value small;
  if (small_element(p, small)) return key_equal(e.get(), small);
  const std::string_view bytes(p, static_cast<std::size_t>(end - p));
  std::uint64_t h;
  if (!canonical_value_hash(bytes, h)) {
    undecided = true;
    return false;
  }
  return e.get().hash() == h && canonical_equals(e.get(), bytes);
}

}  // namespace

TrieNode* CacheIndex::find(const FlatKey& key, bool& undecided) const noexcept {
  // As find(Value), element by element, reading the key's bytes in order.
  const TrieNode* n = root_;
  const char* const data = key.bytes().data();
  const char* const end = data + key.bytes().size() - 1;  // the closing ']'
  const std::size_t count = key.size();
  const char* p = data + 1;  // past the opening '['
  for (std::size_t i = 0; i < count; ++i) {
    Value small;
    if (small_element(p, small)) {
      n = child(n, small);
    } else {
      const char* const next = data + key.prefix(i + 1).size();
      FlatElement e{std::string_view(p, static_cast<std::size_t>(next - p)), 0};
      if (!canonical_value_hash(e.bytes, e.hash)) {
        undecided = true;
        return nullptr;
      }
      n = child(n, e);
      p = next;
    }
    if (n == nullptr) return nullptr;
    if (n->is_skip()) {
      // Two levels at once: the key is the leaf's own only if its last element is the leaf's.
      if (count - i != 2) return nullptr;
      return leaf_element_is(n, p, end, undecided) ? const_cast<TrieNode*>(n) : nullptr;
    }
  }
  return const_cast<TrieNode*>(n);
}

CacheIndex::Position CacheIndex::find_or_insert_position(const Value& key) {
  std::span<const Value> elements = key.as_array();
  if (elements.empty()) return {nullptr, root_};
  TrieNode* n = root_;
  const std::size_t last = elements.size() - 1;
  for (std::size_t i = 0; i < last; ++i) {
    const Value& e = elements[i];
    TrieNode* c = child(n, e);
    if (c != nullptr && c->is_skip()) {
      if (i + 1 == last && key_equal(c->element().get(), elements[last]))
        return {n, c};  // the leaf's own key
      c = split(n, c);  // another key passes through its skipped position
    }
    if (c == nullptr) {
      c = pool_.make(intern(e), n);
      try {
        add_child(n, c);
      } catch (...) {
        release_element(c);
        pool_.destroy(c);
        prune(n);
        throw;
      }
      ++nodes_;
    }
    n = c;
  }
  const Value& e = elements[last];
  const std::uintptr_t kids = n->children;  // `n` is no two-level leaf (split above)
  TrieNode* c = (kids & 1u) && as_set(kids)->is_big ? find_or_take_slot(n, *as_set(kids), e) : child(n, e);
  if (c != nullptr && c->is_skip()) c = split(n, c);  // the key ends at the skipped position
  return {n, c};
}

TrieNode* CacheIndex::find_or_take_slot(TrieNode* parent, ChildSet& s, const Value& element) {
  // The set's insert is its probe: it finds the child keyed by `element`, or places pending_
  // (keyed alike) where the new entry goes, and link() then only writes the entry there. A miss
  // followed by add_child's insert probed the set twice.
  pending_.set_element(element);
  std::pair<boost::unordered_flat_set<BigChild, NodeHash, NodeEq>::iterator, bool> r;
  try {
    r = s.big.insert(BigChild(&pending_));
  } catch (...) {  // bad_alloc growing the set: the set is as it was
    (void)pending_.take_element();
    throw;
  }
  if (!r.second) {
    (void)pending_.take_element();
    return r.first->node;
  }
  // The set is not changed again before link() or prune(): the slot stays where it is, and is
  // rewritten in place as repoint() does (the entry is keyed, and so hashed, as pending_).
  pending_parent_ = parent;
  pending_slot_ = const_cast<BigChild*>(&*r.first);
  return nullptr;
}

void CacheIndex::drop_pending() noexcept {
  as_set(pending_parent_->children)->big.erase(&pending_);
  (void)pending_.take_element();
  pending_parent_ = nullptr;
  pending_slot_ = nullptr;
}

bool CacheIndex::can_skip(const TrieNode* parent) const noexcept {
  if (parent == root_ || parent->is_entry() || parent->children != 0 || parent->element_type != Type::integer)
    return false;
  const std::int64_t i = parent->element().get().as_int();
  // The children word holds it: all of int64 on 64-bit targets, int32 in WebAssembly.
  return i >= INTPTR_MIN && i <= INTPTR_MAX && parent->parent() != nullptr;
}

TrieNode* CacheIndex::split(TrieNode* parent, TrieNode* c) {
  TrieNode* mid = pool_.make(Value(c->skipped()), parent);  // bad_alloc here changes nothing
  repoint(parent, c, mid);  // keyed by the same integer: the same slot
  c->up = reinterpret_cast<std::uintptr_t>(mid) | TrieNode::entry_bit;
  c->children = 0;
  mid->children = reinterpret_cast<std::uintptr_t>(c);
  return mid;  // the positions are as many as before (a two-level leaf counts two)
}

void CacheIndex::repoint(TrieNode* parent, TrieNode* old_child, TrieNode* new_child) noexcept {
  std::uintptr_t& c = parent->children;
  if (is_single(c)) {
    c = reinterpret_cast<std::uintptr_t>(new_child);
    return;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    // Rewritten in place: erasing and inserting again could rehash (and allocate). The stored
    // pointer is hashed by the element it is keyed by, which the new child has too, so the set
    // stays valid. Found while old_child still has that element.
    auto it = s->big.find(old_child);
    const_cast<BigChild&>(*it).node = new_child;
  } else {
    *std::find(s->small.begin(), s->small.end(), old_child) = new_child;
  }
}

void CacheIndex::link(TrieNode* parent, const Value& element, Query& q) {
  TrieNode& e = q;
  e.set_element(intern(element));  // bad_alloc here leaves a taken slot to prune()
  if (pending_slot_ != nullptr) {
    // find_or_insert_position took the slot in `parent`'s set: the entry takes pending_'s place.
    e.up = reinterpret_cast<std::uintptr_t>(parent) | TrieNode::entry_bit;
    pending_slot_->node = &e;
    (void)pending_.take_element();
    pending_parent_ = nullptr;
    pending_slot_ = nullptr;
    ++nodes_;
    return;
  }
  if (can_skip(parent)) {
    // `parent` was made for this key alone: the entry takes its slot as a two-level leaf.
    TrieNode* grand = parent->parent();
    e.children = static_cast<std::uintptr_t>(static_cast<std::intptr_t>(parent->element().get().as_int()));
    e.up = reinterpret_cast<std::uintptr_t>(grand) | TrieNode::entry_bit | TrieNode::skip_bit;
    repoint(grand, parent, &e);
    pool_.destroy(parent);
    ++nodes_;  // the skipped position stays counted, now held by the entry
    return;
  }
  e.up = reinterpret_cast<std::uintptr_t>(parent) | TrieNode::entry_bit;
  try {
    add_child(parent, &e);
  } catch (...) {
    release_element(&e);
    (void)e.take_element();
    e.up = 0;
    throw;
  }
  ++nodes_;
}

void CacheIndex::prune(TrieNode* n) noexcept {
  if (pending_slot_ != nullptr) [[unlikely]] drop_pending();
  while (n != root_ && !n->is_entry() && n->children == 0) {
    TrieNode* p = n->parent();
    remove_child(p, n);
    release_element(n);
    pool_.destroy(n);
    --nodes_;
    n = p;
  }
}

Value CacheIndex::key_of(const TrieNode* node) const {
  std::size_t depth = 0;
  for (const TrieNode* n = node; n != root_ && n != nullptr; n = n->parent()) depth += n->is_skip() ? 2 : 1;
  std::vector<Value> elements(depth);
  for (const TrieNode* n = node; n != root_ && n != nullptr; n = n->parent()) {
    elements[--depth] = n->element().get();
    if (n->is_skip()) elements[--depth] = Value(n->skipped());
  }
  return Value::array(std::move(elements));
}

Value CacheIndex::key_of(const Query& q) const { return key_of(static_cast<const TrieNode*>(&q)); }

void CacheIndex::replace(TrieNode* old_node, TrieNode* new_node) noexcept {
  // new_node (its `up` set by the caller) takes old_node's place among the parent's children, its
  // element and its children, and becomes their parent. The slot is found while old_node still
  // holds its element (the big set compares stored nodes by element).
  if (old_node == root_) {
    root_ = new_node;
  } else {
    repoint(new_node->parent(), old_node, new_node);
  }
  new_node->set_element(old_node->take_element());
  new_node->children = old_node->children;
  old_node->children = 0;
  for_each_child(new_node, [&](TrieNode* t) {
    t->up = reinterpret_cast<std::uintptr_t>(new_node) | (t->up & (TrieNode::entry_bit | TrieNode::skip_bit));
  });
}

void CacheIndex::attach(TrieNode* node, Query& q) noexcept {
  TrieNode& e = q;
  e.up = node->up | TrieNode::entry_bit;
  replace(node, &e);
  if (node != &root_node_) pool_.destroy(node);
}

void CacheIndex::reserve_node() {
  if (spare_ == nullptr) spare_ = pool_.make();
}

void CacheIndex::detach(Query& q) noexcept {
  TrieNode& e = q;
  TrieNode* parent = e.parent();
  if (e.is_skip()) {  // a two-level leaf: both its positions go
    remove_child(parent, &e);
    release_element(&e);
    (void)e.take_element();
    e.up = 0;
    e.children = 0;
    nodes_ -= 2;
    prune(parent);
    return;
  }
  if (&e == root_) {  // the empty key's entry: the member node is the root again
    replace(&e, &root_node_);
    e.up = 0;
    return;
  }
  if (e.children == 0) {
    remove_child(parent, &e);
    release_element(&e);
    (void)e.take_element();
    e.up = 0;
    --nodes_;
    prune(parent);
    return;
  }
  // Longer keys remain below: a standalone node keeps the position.
  TrieNode* n = spare_;
  spare_ = nullptr;
  n->up = e.up & ~TrieNode::entry_bit;
  replace(&e, n);
  e.up = 0;
}

}  // namespace mfstate::detail

namespace mfstate::detail {
// The memory budget of an entry (S1: < 200 bytes of cache per small entry) rests on these sizes;
// a field added to the hot structs must pay for itself.
static_assert(sizeof(void*) != 8 || sizeof(TrieNode) == 32, "TrieNode grew past 32 bytes");
static_assert(sizeof(void*) != 8 || sizeof(Query) == 80, "Query (its trie node included) grew past 80 bytes");
}  // namespace mfstate::detail
