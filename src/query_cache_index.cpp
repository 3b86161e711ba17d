// The query cache's index: a trie over key elements.
//
// A key ["user", 42, "profile"] is the path root -> "user" -> 42 -> "profile"; the entry hangs
// off the last node. A filter ["user", 42] walks two levels and collects the subtree below, so it
// costs what it matches rather than what is cached (query-core scans every entry). An object (or
// array) element in a filter matches by subset (prefix), so at that level the walk checks every
// child against it: the cost is the children of that level, still not the whole cache. Exact
// lookups probe one hash set per level, keyed by the element's cached hash and confirmed by ==.
//
// Children: none, one (stored inline in the node's word), up to 8 (a vector searched linearly), or
// more (a flat hash set of node pointers hashed by their element). String elements are interned so
// ten thousand keys ending in "profile" share one string node.
#include <algorithm>

#include "query_index.hpp"
#include "query_entry.hpp"

namespace mfstate::detail {

namespace {
inline bool is_single(std::uintptr_t c) { return c != 0 && (c & 1u) == 0; }
inline TrieNode* as_single(std::uintptr_t c) { return reinterpret_cast<TrieNode*>(c); }
inline ChildSet* as_set(std::uintptr_t c) { return reinterpret_cast<ChildSet*>(c & ~std::uintptr_t{1}); }
}  // namespace

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
  return a == b;
}

CacheIndex::CacheIndex() = default;

CacheIndex::~CacheIndex() { clear(); }

void CacheIndex::clear() noexcept {
  destroy_subtree(&root_);
  root_.children = 0;
  root_.entry = nullptr;
  nodes_ = 0;
  strings_.clear();
}

void CacheIndex::destroy_subtree(TrieNode* n) noexcept {
  // Iterative: keys are short, but a cache may be wide.
  std::vector<TrieNode*> stack;
  for_each_child(n, [&](TrieNode* c) { stack.push_back(c); });
  if (n->children & 1u) delete as_set(n->children);
  n->children = 0;
  while (!stack.empty()) {
    TrieNode* t = stack.back();
    stack.pop_back();
    for_each_child(t, [&](TrieNode* c) { stack.push_back(c); });
    if (t->children & 1u) delete as_set(t->children);
    t->children = 0;
    pool_.destroy(t);
  }
}

template <typename F>
void CacheIndex::for_each_child(const TrieNode* n, F&& f) const {
  const std::uintptr_t c = n->children;
  if (c == 0) return;
  if (is_single(c)) {
    f(as_single(c));
    return;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    for (TrieNode* t : s->big) f(t);
  } else {
    for (TrieNode* t : s->small) f(t);
  }
}

TrieNode* CacheIndex::child(const TrieNode* n, const Value& element) const noexcept {
  const std::uintptr_t c = n->children;
  if (c == 0) return nullptr;
  if (is_single(c)) {
    TrieNode* t = as_single(c);
    return t->element == element ? t : nullptr;
  }
  ChildSet* s = as_set(c);
  if (s->is_big) {
    auto it = s->big.find(element);
    return it == s->big.end() ? nullptr : *it;
  }
  for (TrieNode* t : s->small) {
    if (t->element == element) return t;
  }
  return nullptr;
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
    s->big.insert(t);
    return;
  }
  if (s->small.size() < ChildSet::small_limit) {
    s->small.push_back(t);
    return;
  }
  s->big.reserve(s->small.size() * 2 + 2);
  for (TrieNode* x : s->small) s->big.insert(x);
  s->big.insert(t);
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

Value CacheIndex::intern(const Value& element) {
  // Only strings that own a node are worth sharing (short ones live inside the handle).
  if (!element.is_string() || element.node() == nullptr) return element;
  auto [it, inserted] = strings_.insert(element);
  (void)inserted;
  return *it;
}

void CacheIndex::release_element(TrieNode* n) noexcept {
  // Forget an interned string once this node was its last user (the set holds the other ref).
  if (n->element.is_string() && n->element.node() != nullptr && n->element.use_count() == 2) {
    Value e = std::move(n->element);
    strings_.erase(e);
  }
}

TrieNode* CacheIndex::find(const Value& key) const noexcept {
  const TrieNode* n = &root_;
  for (const Value& e : key.as_array()) {
    n = child(n, e);
    if (n == nullptr) return nullptr;
  }
  return const_cast<TrieNode*>(n);
}

TrieNode* CacheIndex::find_or_insert(const Value& key) {
  TrieNode* n = &root_;
  for (const Value& e : key.as_array()) {
    TrieNode* c = child(n, e);
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
  return n;
}

void CacheIndex::prune(TrieNode* n) noexcept {
  while (n != &root_ && n->entry == nullptr && n->children == 0) {
    TrieNode* p = n->parent;
    remove_child(p, n);
    release_element(n);
    pool_.destroy(n);
    --nodes_;
    n = p;
  }
}

void CacheIndex::collect_subtree(const TrieNode* n, std::vector<Query*>& out) const {
  if (n->entry != nullptr) out.push_back(n->entry);
  // Leaves (most nodes of a wide cache) are handled here, without a call per node.
  for_each_child(n, [&](const TrieNode* c) {
    if (c->children == 0) {
      if (c->entry != nullptr) out.push_back(c->entry);
    } else {
      collect_subtree(c, out);
    }
  });
}

void CacheIndex::walk(const TrieNode* n, std::span<const Value> filter, std::vector<Query*>& out) const {
  if (filter.empty()) {
    collect_subtree(n, out);
    return;
  }
  const Value& f = filter.front();
  if (f.is_array() || f.is_object()) {
    // Partial match by subset/prefix: check this level's children, descend into the matches.
    for_each_child(n, [&](const TrieNode* c) {
      if (partial_match(c->element, f)) walk(c, filter.subspan(1), out);
    });
    return;
  }
  if (const TrieNode* c = child(n, f)) walk(c, filter.subspan(1), out);
}

void CacheIndex::collect(const Value& filter, bool exact, std::vector<Query*>& out) const {
  if (exact) {
    if (TrieNode* n = find(filter); n != nullptr && n->entry != nullptr) out.push_back(n->entry);
    return;
  }
  walk(&root_, filter.as_array(), out);
}

void CacheIndex::collect_all(std::vector<Query*>& out) const { collect_subtree(&root_, out); }

Value CacheIndex::key_of(const TrieNode* node) const {
  std::size_t depth = 0;
  for (const TrieNode* n = node; n != &root_ && n != nullptr; n = n->parent) ++depth;
  std::vector<Value> elements(depth);
  for (const TrieNode* n = node; n != &root_ && n != nullptr; n = n->parent) elements[--depth] = n->element;
  return Value::array(std::move(elements));
}

}  // namespace mfstate::detail

namespace mfstate::detail {
// The memory budget of an entry (S1: < 200 bytes of cache per small entry) rests on these sizes;
// a field added to the hot structs must pay for itself.
static_assert(sizeof(void*) != 8 || sizeof(TrieNode) == 40, "TrieNode grew past 40 bytes");
static_assert(sizeof(void*) != 8 || sizeof(Query) == 80, "Query grew past 80 bytes");
}  // namespace mfstate::detail
