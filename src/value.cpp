// Value: construction, reading, structural-sharing updates, equality and hashing.
// JSON text in and out lives in json.cpp.

#include "mfstate/value.hpp"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "json_number.hpp"
#include "value_lend.hpp"
#include "value_node.hpp"

namespace mfstate {

using detail::ArrayNode;
using detail::max_nesting;
using detail::NameOrder;
using detail::Node;
using detail::ObjectNode;
using detail::StringNode;

void MemberName::init_heap(std::string_view s) {
  if (s.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::size_limit, "a member name holds at most 4 GiB");
  }
  auto* p = static_cast<char*>(::operator new(s.size() + 1));
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  const auto n = static_cast<std::uint32_t>(s.size());
  std::memset(b_, 0, sizeof b_);
  std::memcpy(b_, &p, sizeof p);
  std::memcpy(b_ + 8, &n, sizeof n);
  b_[inline_capacity] = static_cast<char>(heap_tag);
}

void MemberName::release_heap() noexcept { ::operator delete(const_cast<char*>(heap_chars())); }

std::string_view to_string(Type type) noexcept {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::integer: return "integer";
    case Type::number: return "number";
    case Type::string: return "string";
    case Type::array: return "array";
    case Type::object: return "object";
  }
  return "unknown";
}

namespace detail {

// Every XXH3 call of the library is in this file: xxHash is used header-only, and each file that
// calls it carries its own copy of the code (kilobytes in the WebAssembly module).
std::uint64_t key_hash(std::string_view key) noexcept { return XXH3_64bits(key.data(), key.size()); }

std::uint64_t canonical_hash(std::string_view bytes) noexcept {
  constexpr std::uint64_t seed = 0xd6e8feb86659fd93ULL;
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

// ---- member index (objects above ObjectNode::index_threshold) ----

namespace {

// Only a block with room for more than index_threshold members can ever hold that many, so only
// such a block has a slot for the index pointer, after its member slots: small objects (most of
// them; S1's data) carry no pointer they would never use.
bool has_index_slot(const ObjectNode& node) noexcept { return node.capacity > ObjectNode::index_threshold; }
MemberIndex*& index_slot(const ObjectNode& node) noexcept {
  return *reinterpret_cast<MemberIndex**>(const_cast<Member*>(node.members() + node.capacity));
}
MemberIndex* index_of(const ObjectNode& node) noexcept {
  return has_index_slot(node) ? index_slot(node) : nullptr;
}
std::size_t object_bytes(std::size_t capacity) noexcept {
  return sizeof(ObjectNode) + capacity * sizeof(Member) +
         (capacity > ObjectNode::index_threshold ? sizeof(MemberIndex*) : 0);
}
static_assert(alignof(Member) >= alignof(MemberIndex*), "the index slot follows the members unpadded");
static_assert(max_nesting + 1 <= std::numeric_limits<decltype(Node::depth)>::max(),
              "a node's depth (at most max_nesting + 1, as a list builder checks it) fits its field");

// Enters member `position` of `node` into `slots` (a table with room for it).
void index_insert(std::vector<std::uint32_t>& slots, const ObjectNode& node,
                  std::uint32_t position) noexcept {
  const std::uint64_t mask = slots.size() - 1;
  std::uint64_t slot = key_hash(node.members()[position].key) & mask;
  while (slots[slot] != 0) slot = (slot + 1) & mask;
  slots[slot] = position + 1;
}
void index_insert(const ObjectNode& node, std::uint32_t position) noexcept {
  index_insert(index_slot(node)->slots, node, position);
}

// Gives `node` an index of its members in a table with room for `members` (at least its size).
// The table is filled before it replaces the old one, so a bad_alloc leaves the node's index as
// it was: none, or the old table, whole.
void build_index(const ObjectNode& node, std::size_t members) {
  std::size_t capacity = 32;
  while (capacity < 2 * members + 2) capacity *= 2;
  std::vector<std::uint32_t> slots(capacity, 0);
  for (std::uint32_t i = 0; i < node.size; ++i) index_insert(slots, node, i);
  MemberIndex*& index = index_slot(node);
  if (index == nullptr) {
    index = new MemberIndex{std::move(slots)};
  } else {
    index->slots.swap(slots);
  }
}

// The index a lookup in `node` goes through, made on first use; nullptr when memory for it cannot
// be had. A lookup cannot throw (find_member is noexcept: a bad_alloc there would end the
// process), so it then scans the members instead: the same answer, and the next lookup tries
// again. build_index leaves no index behind when it fails.
const MemberIndex* lookup_index(const ObjectNode& node) noexcept {
  if (index_slot(node) == nullptr) {
    try {
      build_index(node, node.size);
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  return index_slot(node);
}

std::ptrdiff_t scan_for(const ObjectNode& node, std::string_view key) noexcept {
  const Member* members = node.members();
  for (std::uint32_t i = 0; i < node.size; ++i) {
    if (members[i].key.equals(key)) return i;
  }
  return -1;
}

}  // namespace

std::ptrdiff_t ObjectNode::find_indexed(std::string_view key) const noexcept {
  // Only called above index_threshold members, so the block has the index slot.
  const MemberIndex* const found = lookup_index(*this);
  if (found == nullptr) [[unlikely]]
    return scan_for(*this, key);
  const MemberIndex& index = *found;
  const std::uint64_t mask = index.mask();
  for (std::uint64_t slot = key_hash(key) & mask;; slot = (slot + 1) & mask) {
    const std::uint32_t entry = index.slots[slot];
    if (entry == 0) return -1;
    if (members()[entry - 1].key == key) return static_cast<std::ptrdiff_t>(entry - 1);
  }
}

namespace {
// find_member's body, inlined into the update paths of this file (a reducer's `set` looks its key
// up on every update).
inline std::ptrdiff_t find_member_inline(const ObjectNode& node, std::string_view key) noexcept {
  if (!has_index_slot(node) || (node.size <= ObjectNode::index_threshold && index_slot(node) == nullptr))
      [[likely]] {
    const Member* members = node.members();
    for (std::uint32_t i = 0; i < node.size; ++i) {
      if (members[i].key.equals(key)) return i;
    }
    return -1;
  }
  return node.find_indexed(key);
}
}  // namespace

std::ptrdiff_t find_member(const ObjectNode& node, std::string_view key) noexcept {
  return find_member_inline(node, key);
}

// ---- blocks ----

namespace {
// A node's block, from the pool: its pop and push inline natively (a key is four nodes made and
// freed per lookup), a call in the WebAssembly module (block_pool.hpp).
[[gnu::always_inline]] inline void* node_block(std::size_t bytes) { return allocate_hot_block(bytes); }
[[gnu::always_inline]] inline void free_node_block(void* block, std::size_t bytes) noexcept {
  free_hot_block(block, bytes);
}

[[gnu::always_inline]] inline std::size_t bytes_of(Type type, const Node* node) noexcept {
  switch (type) {
    case Type::string: return sizeof(StringNode) + node->size + 1;
    case Type::array: return sizeof(ArrayNode) + std::size_t{node->capacity} * sizeof(Value);
    default: return object_bytes(node->capacity);
  }
}
}  // namespace

StringNode* new_string(std::string_view s) {
  if (s.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::size_limit, "a string Value holds at most 4 GiB");
  }
  auto* node = new (allocate_block(sizeof(StringNode) + s.size() + 1)) StringNode;
  node->size = static_cast<std::uint32_t>(s.size());
  if (!s.empty()) std::memcpy(node->chars(), s.data(), s.size());
  node->chars()[s.size()] = '\0';
  return node;
}

namespace {
[[noreturn, gnu::cold, gnu::noinline]] void throw_capacity_limit() {
  throw Error(ErrorCode::size_limit, "an array or object Value holds at most 2^26 elements");
}
// Inline: every node made asks it (a key makes four); only the throw is out of line.
[[gnu::always_inline]] inline void check_capacity(std::size_t capacity) {
  if (capacity >= std::numeric_limits<std::uint32_t>::max() / 64) [[unlikely]]
    throw_capacity_limit();
}

// new_array and new_object, inlined into Value::array and Value::object (a key's nodes: no call
// between the builder and the block pool).
[[gnu::always_inline]] inline ArrayNode* make_array(std::size_t capacity) {
  check_capacity(capacity);
  auto* node = new (node_block(sizeof(ArrayNode) + capacity * sizeof(Value))) ArrayNode;
  node->capacity = static_cast<std::uint32_t>(capacity);
  node->depth = 1;
  return node;
}
[[gnu::always_inline]] inline ObjectNode* make_object(std::size_t capacity) {
  check_capacity(capacity);
  auto* node = new (node_block(object_bytes(capacity))) ObjectNode;
  node->capacity = static_cast<std::uint32_t>(capacity);
  node->depth = 1;
  if (has_index_slot(*node)) index_slot(*node) = nullptr;
  return node;
}
}  // namespace

ArrayNode* new_array(std::size_t capacity) { return make_array(capacity); }

ObjectNode* new_object(std::size_t capacity) { return make_object(capacity); }

void push_member(ObjectNode& node, MemberName key, Value v) {
  // An index too small for one more member grows before the member is placed: a bad_alloc then
  // leaves the node as it was, never with a member its index cannot find.
  const MemberIndex* const index = index_of(node);
  if (index != nullptr && 2 * std::size_t{node.size} + 4 > index->slots.size()) [[unlikely]]
    build_index(node, std::size_t{node.size} + 1);
  new (node.members() + node.size) Member{std::move(key), std::move(v)};
  ++node.size;
  node.name_order = static_cast<std::uint8_t>(NameOrder::unknown);  // not compared with the others
  if (index != nullptr) index_insert(node, node.size - 1);
}

void push_item(ArrayNode& node, Value v) {
  new (node.items() + node.size) Value(std::move(v));
  ++node.size;
}

void erase_member(ObjectNode& node, std::uint32_t i) noexcept {
  Member* m = node.members();
  for (std::uint32_t k = i; k + 1 < node.size; ++k) m[k] = std::move(m[k + 1]);
  m[node.size - 1].~Member();
  --node.size;
  if (has_index_slot(node)) {
    delete index_slot(node);
    index_slot(node) = nullptr;
  }
}

void erase_item(ArrayNode& node, std::uint32_t i) noexcept {
  Value* items = node.items();
  for (std::uint32_t k = i; k + 1 < node.size; ++k) items[k] = std::move(items[k + 1]);
  items[node.size - 1].~Value();
  --node.size;
}

// ---- freeing ----

namespace {

// Nodes at most this deep are freed by plain recursion (bounded: each level is one small frame);
// deeper ones go through a work list, so a value nested thousands deep cannot overflow the stack.
// Most values are shallow, and recursion is cheaper.
constexpr std::uint32_t recursive_release_depth = 64;

// The work list: nodes whose owners have all gone, waiting to be freed. It is linked through the
// nodes themselves, so it never allocates (freeing is noexcept: a list that had to grow when
// memory is short would end the process): a queued node's hash, unused from then on, holds the
// next node, and its count, 0 from then on, its type.
thread_local constinit bool releasing = false;
thread_local constinit Node* release_list = nullptr;

void queue_release(Type type, Node* node) noexcept {
  node->refs = static_cast<std::uint32_t>(type);
  node->hash = reinterpret_cast<std::uintptr_t>(release_list);
  release_list = node;
}

// An object's members released and its block given back: the common case of free_node (a
// reducer's old root, a key, a payload), inlined into destroy so that it takes no call to free_node.
[[gnu::always_inline]] inline void free_object(ObjectNode* o) noexcept {
  Member* members = o->members();
  const std::uint32_t n = o->size;
  for (std::uint32_t i = 0; i < n; ++i) members[i].~Member();
  const std::uint32_t capacity = o->capacity;
  if (capacity > ObjectNode::index_threshold) delete index_slot(*o);
  free_node_block(o, object_bytes(capacity));
}

// The same for an array (a key's elements, a list in a payload), also inlined into destroy.
[[gnu::always_inline]] inline void free_array(ArrayNode* a) noexcept {
  Value* items = a->items();
  const std::uint32_t n = a->size;
  for (std::uint32_t i = 0; i < n; ++i) items[i].~Value();
  free_node_block(a, bytes_of(Type::array, a));
}

// Releases what the node holds (children whose count drops to zero are destroyed in turn) and
// gives its block back.
[[gnu::noinline]] void free_node(Type type, Node* node) noexcept {
  if (type == Type::object) {
    free_object(static_cast<ObjectNode*>(node));
    return;
  }
  if (type == Type::array) {
    free_array(static_cast<ArrayNode*>(node));
    return;
  }
  free_block(node, bytes_of(type, node));
}

}  // namespace

namespace {

// A node deeper than recursive_release_depth: its descendants go through the work list.
[[gnu::noinline]] void destroy_deep(Type type, Node* node) noexcept {
  if (releasing) {
    queue_release(type, node);
    return;
  }
  releasing = true;
  free_node(type, node);
  while (Node* const next = release_list) {
    release_list = reinterpret_cast<Node*>(static_cast<std::uintptr_t>(next->hash));
    free_node(static_cast<Type>(next->refs), next);
  }
  releasing = false;
}

}  // namespace

// Out of line everywhere (so a link-time optimiser does not copy it into every release). The free
// of a shallow object or array is inlined here (a reducer's old root, a key and its elements, a
// payload: no further call); a string (depth 0) takes one call to free_node.
[[gnu::noinline]] void destroy(Type type, Node* node) noexcept {
  if (node->depth <= recursive_release_depth) [[likely]] {
    if (type == Type::object) {
      free_object(static_cast<ObjectNode*>(node));
    } else if (type == Type::array) {
      free_array(static_cast<ArrayNode*>(node));
    } else {
      free_node(type, node);
    }
    return;
  }
  destroy_deep(type, node);
}

void release(Type type, Node* node) noexcept {
  if (--node->refs == 0) destroy(type, node);
}

void throw_type_error(std::string_view expected, Type actual) {
  throw Error(ErrorCode::type_error,
              "expected " + std::string(expected) + ", but the value is " + std::string(to_string(actual)));
}

}  // namespace detail

namespace {

std::uint32_t child_depth(const Value& v) {
  const Node* n = v.node();
  return n ? n->depth : 0;
}

[[noreturn, gnu::cold, gnu::noinline]] void throw_depth_limit() {
  throw Error(ErrorCode::depth_limit,
              "a Value may nest at most " + std::to_string(max_nesting) + " arrays or objects deep");
}

// Inline: every update asks it; only the throw is out of line.
inline void check_depth(std::uint32_t depth) {
  if (depth > max_nesting) [[unlikely]]
    throw_depth_limit();
}

std::string describe(const PathElement& e) {
  if (const auto* s = std::get_if<std::string>(&e)) return "\"" + *s + "\"";
  return std::to_string(std::get<std::size_t>(e));
}

// ---- hashing: fixed seeds and mixing, so hashes are stable across platforms and runs ----

constexpr std::uint64_t seed_null = 0x6d66737461746531ULL;
constexpr std::uint64_t seed_bool = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t seed_double = 0x165667b19e3779f9ULL;
constexpr std::uint64_t seed_string = 0x27d4eb2f165667c5ULL;
constexpr std::uint64_t seed_array = 0x85ebca77c2b2ae63ULL;
constexpr std::uint64_t seed_object = 0xff51afd7ed558ccdULL;

// The one definition integer_hash (value_node.hpp) also mixes with: the index and Value::hash
// must agree bit for bit.
using detail::splitmix_finalise;

// Out of line: XXH3 inlined is a few kilobytes of code, and the WebAssembly module carries each
// copy.
[[gnu::noinline]] std::uint64_t hash_string(std::string_view s, std::uint64_t seed) {
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

std::uint64_t hash_int(std::int64_t i) { return detail::integer_hash(i); }

// A container whose canonical bytes fit detail::canonical_hash_budget (and whose objects have at
// most 16 members) hashes as XXH3 of those bytes: one pass, one hash call, where hashing element
// by element calls XXH3 once per string and member name. A larger one combines its children's
// hashes (each cached in its node), so rehashing a large value after a small change costs the
// path to the change, not the whole value. Which rule applies depends only on the value, so
// equal values still hash alike.
//
// The buffer lives in its own frame, apart from the recursion through children's hashes, so a
// deeply nested value does not stack one buffer per level.
[[gnu::noinline]] bool hash_of_bytes(const Value& v, std::uint64_t& out) noexcept {
  char buffer[detail::canonical_hash_budget + detail::canonical_hash_slack];
  detail::CanonicalWriter w(buffer, sizeof buffer);
  // The budget is on the bytes written, as FlatKey's and KeyBuilder's (see canonical_hash_slack).
  if (!w.value(v) || !w.hashable()) return false;
  out = detail::canonical_hash(w.bytes());
  return true;
}

// A flat object (detail::write_flat_object: a key's parameters, {id: 7}) hashed as the bytes
// hash_of_bytes would write, written without the writer's steps (W3b: one per get). In a frame
// of its own, so that an array's hash (W5) and a larger object's pay nothing for it but the call.
[[gnu::noinline]] bool hash_of_flat_object(const Value& v, std::uint64_t& out) noexcept {
  char buffer[detail::flat_object_room];
  const char* end = detail::write_flat_object(buffer, ValueAccess::object_node(v));
  if (end == nullptr) return false;
  out = detail::canonical_hash(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  return true;
}

// A container whose bytes do not fit: its children's hashes combined. Out of line: its frame (the
// loops over children) is not paid by a scalar's hash nor a small container's.
[[gnu::noinline]] std::uint64_t combined_hash(const Value& v) {
  std::uint64_t h;
  if (v.is_array()) {
    h = seed_array ^ v.size();
    for (const Value& e : v.as_array()) h = splitmix_finalise(h + e.hash());
    return h;
  }
  // Sum of per-member hashes: commutative, so member order does not matter.
  std::uint64_t sum = 0;
  for (const Member& m : v.as_object()) {
    sum += splitmix_finalise(hash_string(m.key, seed_object) ^ (v.size() + 0x9e37) ^ (m.value.hash() * 0x9e3779b97f4a7c15ULL));
  }
  return splitmix_finalise(sum ^ seed_object ^ v.size());
}

std::uint64_t hash_of(const Value& v) {
  switch (v.type()) {
    case Type::null: return splitmix_finalise(seed_null);
    case Type::boolean: return splitmix_finalise(seed_bool + (v.as_bool() ? 1 : 0));
    case Type::integer: return hash_int(v.as_int());
    case Type::number: {
      // As the canonical bytes spell it (every NaN as one NaN): the query cache holds a key with
      // NaN as one key whatever NaN bits it was given, and the bytes' hash is this one.
      std::uint64_t bits;
      if (detail::canonical_number(v.as_double(), bits) == 'i')
        return hash_int(static_cast<std::int64_t>(bits));
      return splitmix_finalise(bits ^ seed_double);
    }
    case Type::string: return hash_string(v.as_string(), seed_string);
    case Type::array: {
      std::uint64_t h;
      return hash_of_bytes(v, h) ? h : combined_hash(v);
    }
    case Type::object: {
      std::uint64_t h;
      if (hash_of_flat_object(v, h)) return h;
      return hash_of_bytes(v, h) ? h : combined_hash(v);
    }
  }
  return 0;
}

bool numbers_equal(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
  if (a.is_double() && b.is_double()) return a.as_double() == b.as_double();
  const Value& i = a.is_int() ? a : b;
  const Value& d = a.is_int() ? b : a;
  std::int64_t as_int;
  return detail::integral_double(d.as_double(), as_int) && as_int == i.as_int();
}

// Adds member (key, v) to a node being built, or, when `key` is already there (found through
// the index above the threshold), replaces its value: a repeated key keeps the last value at the
// first key's position, as JSON.parse does.
template <typename Key>
void build_member(ObjectNode& node, Key&& key, Value v) {
  const std::ptrdiff_t pos = detail::find_member(node, key);
  if (pos >= 0) {
    node.members()[pos].value = std::move(v);
  } else {
    detail::push_member(node, MemberName(std::forward<Key>(key)), std::move(v));
  }
}

// A small node's members made from a list (Value::object): each is made in its slot, its name
// built there, and the names are compared after, all at once (two words a pair for short ones),
// in a loop of its own that keeps the placement loop free of it. A repeated name, rare, is
// merged out of line (merge_repeated_names).
[[gnu::noinline]] void merge_repeated_names(ObjectNode& node, std::uint32_t from) noexcept {
  // As build_member: a repeated name gives its value to the first member of that name, and the
  // members after it move down, in order.
  Member* members = node.members();
  std::uint32_t kept = from;
  for (std::uint32_t i = from; i < node.size; ++i) {
    Member* first = nullptr;
    for (std::uint32_t j = 0; j < kept && first == nullptr; ++j) {
      if (members[j].key == members[i].key) first = &members[j];
    }
    if (first != nullptr) {
      first->value = std::move(members[i].value);
      members[i].~Member();
    } else {
      if (kept != i) {
        new (members + kept) Member(std::move(members[i]));
        members[i].~Member();
      }
      ++kept;
    }
  }
  node.size = kept;
}

// The order of a small node's names, two or more (placed by Value::object from a list): strictly
// ascending or strictly descending names cannot repeat, and the canonical writer then writes them
// without comparing them again (Node::name_order); n - 1 compares of adjacent names tell it. Any
// other order is unknown, and then every pair is compared for a repeat (first_repeated_name).
[[gnu::always_inline]] inline NameOrder name_order_of(const ObjectNode& node) noexcept {
  const Member* members = node.members();
  const std::uint32_t n = node.size;
  const std::strong_ordering first = members[0].key <=> members[1].key;
  if (first == 0) return NameOrder::unknown;
  for (std::uint32_t i = 2; i < n; ++i) {
    if ((members[i - 1].key <=> members[i].key) != first) return NameOrder::unknown;
  }
  return first < 0 ? NameOrder::ascending : NameOrder::descending;
}

// The first member whose name an earlier member has, or the size when none has.
[[gnu::always_inline]] inline std::uint32_t first_repeated_name(const ObjectNode& node) noexcept {
  const Member* members = node.members();
  const std::uint32_t n = node.size;
  for (std::uint32_t i = 1; i < n; ++i) {
    for (std::uint32_t j = 0; j < i; ++j) {
      if (members[j].key == members[i].key) [[unlikely]]
        return i;
    }
  }
  return n;
}

// The empty node's index, sized for the n members to come. The node is no Value's yet: when the
// index cannot be had (bad_alloc), the node is freed here, or nothing would.
[[gnu::noinline]] void index_new_object(ObjectNode* node, std::size_t n) {
  try {
    detail::build_index(*node, n);
  } catch (...) {
    detail::destroy(Type::object, node);
    throw;
  }
}

// A node for `n` members: above the index threshold it gets its index up front, so building
// costs O(n), not O(n^2).
[[gnu::always_inline]] inline ObjectNode* object_for(std::size_t n) {
  ObjectNode* node = detail::make_object(n);
  if (n > ObjectNode::index_threshold) [[unlikely]]
    index_new_object(node, n);
  return node;
}

}  // namespace

namespace detail {

namespace {

// Moves `p` past one value's canonical bytes; false for what Value::hash does not hash as bytes
// (an object of more than 16 members) or nests beyond canonical_read_depth.
bool skip_narrow(const char*& p, std::size_t depth) noexcept {
  switch (*p++) {
    case 'i':
    case 'd': p += 8; return true;
    case 's': {
      const std::uint64_t n = read_canonical_length(p);
      p += n;
      return true;
    }
    case '[':
      if (depth == canonical_read_depth) return false;
      while (*p != ']') {
        if (!skip_narrow(p, depth + 1)) return false;
      }
      ++p;
      return true;
    case '{': {
      if (depth == canonical_read_depth) return false;
      std::size_t members = 0;
      while (*p != '}') {
        if (++members > 16) return false;
        const std::uint64_t n = read_canonical_length(p);
        p += n;
        if (!skip_narrow(p, depth + 1)) return false;
      }
      ++p;
      return true;
    }
    default: return true;  // n, t, f
  }
}

}  // namespace

bool canonical_value_hash(std::string_view bytes, std::uint64_t& out) noexcept {
  const char* p = bytes.data();
  std::uint64_t h;
  switch (*p) {
    case 'n': h = splitmix_finalise(seed_null); break;
    case 't': h = splitmix_finalise(seed_bool + 1); break;
    case 'f': h = splitmix_finalise(seed_bool); break;
    case 'i': {
      std::int64_t i;
      std::memcpy(&i, p + 1, sizeof i);
      h = hash_int(i);
      break;
    }
    case 'd': {  // a double that is not integral (those are written as 'i')
      std::uint64_t bits;
      std::memcpy(&bits, p + 1, sizeof bits);
      h = splitmix_finalise(bits ^ seed_double);
      break;
    }
    case 's': {
      ++p;
      const std::uint64_t n = read_canonical_length(p);
      h = hash_string(std::string_view(p, n), seed_string);
      break;
    }
    default:  // a container: XXH3 of its bytes, when Value::hash_of_bytes would hash them
      if (bytes.size() > canonical_hash_budget || !skip_narrow(p, 0)) return false;
      h = canonical_hash(bytes);
  }
  out = h;
  return h != 0;
}

}  // namespace detail

// ---- construction ----

detail::Node* Value::long_string(std::string_view s) { return detail::new_string(s); }

// The initializer-list builders take each child's depth as they copy it (one pass, one test of
// whether it has a node) and check the depth after: a value too deep is freed with the node that
// `result` owns before anything else sees it.
Value Value::array(std::initializer_list<Value> elements) {
  ArrayNode* node = detail::make_array(elements.size());
  Value result(Type::array, node);
  // Copies cannot throw (a reference taken at most), so the size is set once, after them.
  std::uint32_t depth = 1;
  Value* items = node->items();
  for (const Value& e : elements) {
    depth = std::max(depth, child_depth(e) + 1);
    new (items++) Value(e);
  }
  node->size = static_cast<std::uint32_t>(elements.size());
  node->depth = depth;
  check_depth(depth);
  return result;
}

Value Value::array(std::vector<Value> elements) { return array_moved_from(elements); }

Value Value::array_moved_from(std::span<Value> elements) {
  std::uint32_t depth = 1;
  for (const Value& e : elements) depth = std::max(depth, child_depth(e) + 1);
  check_depth(depth);
  ArrayNode* node = detail::new_array(elements.size());
  Value result(Type::array, node);
  node->depth = depth;
  for (Value& e : elements) detail::push_item(*node, std::move(e));
  return result;
}

Value Value::object(std::initializer_list<std::pair<std::string_view, Value>> members) {
  ObjectNode* node = object_for(members.size());
  Value result(Type::object, node);
  std::uint32_t depth = 1;
  if (members.size() > ObjectNode::index_threshold) {
    for (const auto& [k, v] : members) {
      depth = std::max(depth, child_depth(v) + 1);
      build_member(*node, k, v);
    }
  } else {
    // Each member is placed and counted (a name beyond 15 bytes allocates and may throw: `size`
    // then counts what there is to free); the names are compared once all are placed.
    Member* slot = node->members();
    for (const auto& [k, v] : members) {
      depth = std::max(depth, child_depth(v) + 1);
      new (slot++) Member{MemberName(k), v};
      ++node->size;
    }
    if (node->size > 1) {  // one member has no order to note, nor a repeat
      const NameOrder order = name_order_of(*node);
      node->name_order = static_cast<std::uint8_t>(order);
      if (order == NameOrder::unknown) {
        if (const std::uint32_t repeat = first_repeated_name(*node); repeat != node->size) [[unlikely]]
          merge_repeated_names(*node, repeat);
      }
    }
  }
  node->depth = depth;
  check_depth(depth);
  return result;
}

Value Value::object(std::vector<Member> members) { return object_moved_from(members); }

Value Value::object_moved_from(std::span<Member> members) {
  std::uint32_t depth = 1;
  for (const Member& m : members) depth = std::max(depth, child_depth(m.value) + 1);
  check_depth(depth);
  ObjectNode* node = object_for(members.size());
  Value result(Type::object, node);
  node->depth = depth;
  for (Member& m : members) build_member(*node, std::move(m.key), std::move(m.value));
  return result;
}

// ---- inspection ----

std::int64_t Value::integral_double() const {
  if (type_ != Type::number) detail::throw_type_error("integer", type_);
  std::int64_t i;
  if (detail::integral_double(u_.d, i)) return i;
  // Spelled as JavaScript and the JSON writer spell it (2.5, 1e-7, 1e+30), not std::to_string's
  // "%f" (0.000000 for 1e-7, 31 digits for 1e30), which also pulled libc's printf into the
  // WebAssembly module (docs/web.md, "Size").
  char spelled[32];
  std::string_view number;
  if (std::isnan(u_.d)) {
    number = "NaN";
  } else if (std::isinf(u_.d)) {
    number = u_.d < 0 ? "-Infinity" : "Infinity";
  } else {
    number = std::string_view(spelled, detail::format_double(u_.d, spelled));
  }
  throw Error(ErrorCode::type_error,
              "expected integer, but the number " + std::string(number) + " has a fraction or is too large");
}

// ---- reading ----

void Value::throw_not(Type expected) const {
  detail::throw_type_error(to_string(expected), type_);
}

void Value::throw_not_found(std::string_view key) const {
  throw Error(ErrorCode::not_found, "the object has no member \"" + std::string(key) + "\"");
}

const Value* Value::find_slow(std::string_view key) const {
  if (type_ != Type::object) throw_not(Type::object);
  const auto* node = static_cast<const ObjectNode*>(u_.node);
  const std::ptrdiff_t pos = detail::find_member(*node, key);
  return pos < 0 ? nullptr : &node->members()[pos].value;
}

const Value& Value::get_slow(std::string_view key) const {
  const Value* v = find_slow(key);
  if (v == nullptr) throw_not_found(key);
  return *v;
}

void Value::throw_out_of_range(std::size_t i) const {
  throw Error(ErrorCode::out_of_range,
              "index " + std::to_string(i) + " is past the end of an array of " + std::to_string(size()));
}

namespace {

// A JSON Pointer array index: digits only, no leading zero (RFC 6901).
bool parse_index(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return false;
  std::size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  out = n;
  return true;
}

// One step of a path, or nullptr. Digit-only keys index arrays (JSON Pointer semantics).
const Value* step(const Value& v, const PathElement& e) {
  if (v.is_object()) {
    if (const auto* key = std::get_if<std::string>(&e)) return v.find(*key);
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, std::get<std::size_t>(e));
    return v.find(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
  }
  if (v.is_array()) {
    std::size_t index = 0;
    if (const auto* i = std::get_if<std::size_t>(&e)) {
      index = *i;
    } else if (!parse_index(std::get<std::string>(e), index)) {
      return nullptr;
    }
    auto items = v.as_array();
    return index < items.size() ? &items[index] : nullptr;
  }
  return nullptr;
}

}  // namespace

const Value* Value::find_in(const Path& path) const noexcept {
  const Value* cur = this;
  for (const auto& e : path.elements()) {
    cur = step(*cur, e);
    if (!cur) return nullptr;
  }
  return cur;
}

const Value& Value::get_in(const Path& path) const {
  const Value* cur = this;
  std::size_t depth = 0;
  for (const auto& e : path.elements()) {
    const Value* next = step(*cur, e);
    if (!next) {
      Path prefix(std::vector<PathElement>(path.elements().begin(),
                                           path.elements().begin() + static_cast<std::ptrdiff_t>(depth)));
      throw Error(ErrorCode::not_found, "nothing at " + describe(e) + " under \"" + prefix.to_pointer() +
                                            "\" (a " + std::string(to_string(cur->type())) + ")");
    }
    cur = next;
    ++depth;
  }
  return *cur;
}

// ---- updating ----

namespace {

// The room a copy of `node` gets. A copy made to change a member in place (a reducer's new root)
// holds exactly the members; one made to append, or to grow a full node, gets room to go on
// appending in place, doubling as a vector does, so a run of appends costs O(1) each.
std::size_t copy_capacity(const Node& node, std::size_t need, std::size_t extra, bool shared) {
  if (shared && extra == 0) return need;
  return std::max({need, 2 * std::size_t{node.size}, std::size_t{4}});
}

}  // namespace

detail::ObjectNode& ValueAccess::mutable_object(Value& v, std::size_t extra) {
  auto* node = static_cast<ObjectNode*>(v.u_.node);
  const std::uint32_t n = node->size;
  const std::size_t need = std::size_t{n} + extra;
  if (node->refs == 1 && need <= node->capacity) {
    node->hash = 0;
    return *node;
  }
  // Shared: a copy of the member handles (children stay shared). Unshared but full: a bigger
  // block, members moved over. Two loops, not one with a test per member: the shared copy is a
  // reducer's new root on every update.
  const bool shared = node->refs != 1;
  ObjectNode* copy = detail::new_object(copy_capacity(*node, need, extra, shared));
  Value owner(Type::object, copy);  // frees the copy (and the members copied so far) if a name's copy throws
  copy->depth = node->depth;
  copy->name_order = node->name_order;  // the same names in the same order
  Member* from = node->members();
  Member* to = copy->members();
  if (shared) {
    // Each member as its 32 bytes, then what the copy owns: a node one more owner, a name on the
    // heap its own bytes (the only step that can throw, so only it needs `size` kept up to date
    // for `owner` to free what was copied before it). Fewer instructions per member than the
    // copy constructors, whose tests were interleaved with the stores.
    for (const Member* f = from; f != from + n; ++f, ++to) {
      if (f->key.on_heap()) [[unlikely]] {
        copy->size = static_cast<std::uint32_t>(f - from);
        new (to) Member(*f);
        continue;
      }
      std::memcpy(static_cast<void*>(to), static_cast<const void*>(f), sizeof(Member));
      if (f->value.has_node()) ++f->value.u_.node->refs;
    }
    copy->size = n;
    // An object with an index holds more than index_threshold members, so its copy has room for
    // them and the index slot too.
    if (const detail::MemberIndex* index = detail::index_of(*node)) {
      detail::index_slot(*copy) = new detail::MemberIndex(*index);
    }
    --node->refs;  // others still hold it
  } else {
    for (std::uint32_t i = 0; i < n; ++i) new (to + i) Member(std::move(from[i]));
    copy->size = n;
    if (detail::MemberIndex* index = detail::index_of(*node)) {
      detail::index_slot(*copy) = index;
      detail::index_slot(*node) = nullptr;
    }
    detail::destroy(Type::object, node);  // frees the moved-from members and the block
  }
  v.u_.node = owner.u_.node;
  owner.type_ = Type::null;
  return *copy;
}

detail::ArrayNode& ValueAccess::mutable_array(Value& v, std::size_t extra) {
  auto* node = static_cast<ArrayNode*>(v.u_.node);
  const std::size_t need = std::size_t{node->size} + extra;
  if (node->refs == 1 && need <= node->capacity) {
    node->hash = 0;
    return *node;
  }
  const bool shared = node->refs != 1;
  ArrayNode* copy = detail::new_array(copy_capacity(*node, need, extra, shared));
  Value owner(Type::array, copy);
  copy->depth = node->depth;
  Value* from = node->items();
  for (std::uint32_t i = 0; i < node->size; ++i) {
    if (shared) {
      detail::push_item(*copy, from[i]);
    } else {
      detail::push_item(*copy, std::move(from[i]));
    }
  }
  if (shared) {
    --node->refs;
  } else {
    detail::destroy(Type::array, node);
  }
  v.u_.node = owner.u_.node;
  owner.type_ = Type::null;
  return *copy;
}

Value Value::set(std::string_view key, Value v) const& { return Value(*this).set(key, std::move(v)); }

Value Value::set(std::string_view key, Value v) && {
  if (type_ != Type::object) detail::throw_type_error("object", type_);
  const std::uint32_t depth = child_depth(v) + 1;
  check_depth(depth);
  const std::ptrdiff_t pos = detail::find_member_inline(*static_cast<const ObjectNode*>(u_.node), key);
  if (pos < 0) {
    ObjectNode& node = ValueAccess::mutable_object(*this, 1);
    node.depth = std::max<std::uint32_t>(node.depth, depth);
    detail::push_member(node, MemberName(key), std::move(v));
    return std::move(*this);
  }
  // Setting the very value already there changes nothing: keep the node (and its sharing).
  auto* const self = static_cast<ObjectNode*>(u_.node);
  if (self->members()[pos].value.same_node(v)) return std::move(*this);
  // A shared root may be a store's state lent to a reducer that may throw (value_lend.hpp): then
  // the member is replaced in place and a throw puts it back.
  if (self->refs == detail::LentRoot::lent_by_one) [[unlikely]] {
    if (detail::LentRoot::replace_member(*self, static_cast<std::uint32_t>(pos), v, depth)) return std::move(*this);
  }
  ObjectNode& node = ValueAccess::mutable_object(*this);  // a copy keeps positions
  node.depth = std::max<std::uint32_t>(node.depth, depth);
  node.members()[pos].value = std::move(v);
  return std::move(*this);
}

Value Value::set(std::size_t i, Value v) const& { return Value(*this).set(i, std::move(v)); }

Value Value::set(std::size_t i, Value v) && {
  if (type_ != Type::array) detail::throw_type_error("array", type_);
  const std::size_t n = size();
  if (i > n) {
    throw Error(ErrorCode::out_of_range,
                "index " + std::to_string(i) + " is past the end of an array of " + std::to_string(n));
  }
  const std::uint32_t depth = child_depth(v) + 1;
  check_depth(depth);
  ArrayNode& node = ValueAccess::mutable_array(*this, i == n ? 1 : 0);
  node.depth = std::max<std::uint32_t>(node.depth, depth);
  if (i == n) {
    detail::push_item(node, std::move(v));
  } else {
    node.items()[i] = std::move(v);
  }
  return std::move(*this);
}

namespace {

// The position of the member a step names in an object, or -1 (integer steps are keys).
std::ptrdiff_t member_position(const Value& object, const PathElement& e) {
  const auto* node = static_cast<const ObjectNode*>(object.node());
  if (const auto* key = std::get_if<std::string>(&e)) return detail::find_member(*node, *key);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, std::get<std::size_t>(e));
  return detail::find_member(*node, std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

// Resolves one step of set_in on `cur` (an object or an array): the position of the child it
// leads to, or -1 when the child will be created (a new member, or index size() appending).
// Throws what set_in would fail with.
std::ptrdiff_t check_set_step(const Value& cur, const PathElement& e) {
  if (cur.is_object()) return member_position(cur, e);
  if (cur.is_array()) {
    std::size_t index = 0;
    if (const auto* i = std::get_if<std::size_t>(&e)) {
      index = *i;
    } else if (!parse_index(std::get<std::string>(e), index)) {
      throw Error(ErrorCode::type_error, "the path step " + describe(e) + " is not an index into an array");
    }
    if (index > cur.size()) {
      throw Error(
          ErrorCode::out_of_range,
          "index " + std::to_string(index) + " is past the end of an array of " + std::to_string(cur.size()));
    }
    return index < cur.size() ? static_cast<std::ptrdiff_t>(index) : -1;
  }
  throw Error(ErrorCode::type_error, "cannot step into " + describe(e) + ": the value there is " +
                                         std::string(to_string(cur.type())));
}

const Value& child_at(const Value& container, std::ptrdiff_t pos) {
  auto at = static_cast<std::size_t>(pos);
  return container.is_object() ? container.as_object()[at].value : container.as_array()[at];
}

}  // namespace

Value Value::set_in(const Path& path, Value v) const& { return Value(*this).set_in(path, std::move(v)); }

Value Value::set_in(const Path& path, Value v) && {
  const auto& steps = path.elements();
  const std::size_t n = steps.size();
  // Check the whole path on the untouched value first, so that a failure changes nothing.
  if (child_depth(v) + n > max_nesting) {
    throw Error(ErrorCode::depth_limit, "set_in would nest the value " + std::to_string(child_depth(v) + n) +
                                            " deep, beyond the limit of " + std::to_string(max_nesting));
  }
  // Positions found on the way down are kept (for paths of up to 16 steps) so the writing walk
  // does not look them up again: copying a node keeps its positions.
  constexpr std::size_t remembered = 16;
  std::ptrdiff_t positions[remembered];
  const Value* cur = this;
  std::size_t first_missing = n;   // the first step whose child does not exist yet
  bool missing_in_object = false;  // and whether it is a member (else an element appended)
  for (std::size_t k = 0; k < n; ++k) {
    std::ptrdiff_t pos = -1;
    if (cur) {
      pos = check_set_step(*cur, steps[k]);
      if (pos < 0) {
        first_missing = k;
        missing_in_object = cur->is_object();
      }
      cur = pos < 0 ? nullptr : &child_at(*cur, pos);
    } else if (const auto* i = std::get_if<std::size_t>(&steps[k]); i && *i != 0) {
      // Past a missing member the containers are new: a new array only takes index 0.
      throw Error(ErrorCode::out_of_range,
                  "index " + std::to_string(*i) + " is past the end of a new, empty array");
    }
    if (k < remembered) positions[k] = pos;
  }
  // Setting the very value already there changes nothing: keep the node (and its sharing).
  if (cur && cur->same_node(v)) return std::move(*this);

  // An rvalue's unshared nodes are written in place, so nothing that can fail may come after a
  // write that changes what the value holds. The steps that do not exist yet are built first,
  // off to the side, innermost first: `placed` becomes what goes at steps[first_missing] (`v`
  // itself when only the last step is missing), with its member name. A bad_alloc there leaves
  // this value alone.
  const std::uint32_t v_depth = child_depth(v);
  Value placed = std::move(v);
  MemberName placed_key;
  if (first_missing < n) {
    for (std::size_t k = n - 1; k > first_missing; --k) {
      // An array when the step is an index (0: checked above), else an object.
      placed = steps[k].is_index() ? Value::array({std::move(placed)})
                                   : Value::object({{std::get<std::string>(steps[k]), std::move(placed)}});
    }
    if (missing_in_object) {
      const PathElement& e = steps[first_missing];
      placed_key = e.is_index() ? MemberName(std::to_string(std::get<std::size_t>(e)))
                                : MemberName(std::get<std::string>(e));
    }
  }

  // Walk down to where `placed` goes, making each node on the path unshared (copied when shared,
  // in place when not) and giving the last one room for it. Neither changes what the value holds,
  // so a bad_alloc there leaves it as it was (a depth already raised stays an upper bound, as
  // after an erase). Only the last write changes it, and it cannot fail.
  const std::size_t walk = first_missing < n ? first_missing + 1 : n;
  Value* target = this;
  for (std::size_t k = 0; k < walk; ++k) {
    const PathElement& e = steps[k];
    const bool append = k == first_missing;
    const auto below = static_cast<std::uint32_t>(v_depth + (n - k));  // new depth of this node
    if (target->is_object()) {
      const std::ptrdiff_t pos = append ? -1 : k < remembered ? positions[k] : member_position(*target, e);
      ObjectNode& node = ValueAccess::mutable_object(*target, append ? 1 : 0);
      node.depth = std::max<std::uint32_t>(node.depth, below);
      if (append) {
        // push_member grows a large object's index before it places the member: a bad_alloc
        // there leaves the node as it was.
        detail::push_member(node, std::move(placed_key), std::move(placed));
        return std::move(*this);
      }
      target = &node.members()[pos].value;
    } else {
      std::size_t index = 0;
      if (const auto* i = std::get_if<std::size_t>(&e)) {
        index = *i;
      } else {
        parse_index(std::get<std::string>(e), index);  // checked above
      }
      ArrayNode& node = ValueAccess::mutable_array(*target, append ? 1 : 0);
      node.depth = std::max<std::uint32_t>(node.depth, below);
      if (append) {
        detail::push_item(node, std::move(placed));  // the room is made: cannot fail
        return std::move(*this);
      }
      target = &node.items()[index];
    }
  }
  *target = std::move(placed);
  return std::move(*this);
}

Value Value::erase(std::string_view key) const& { return Value(*this).erase(key); }

Value Value::erase(std::string_view key) && {
  if (type_ != Type::object) detail::throw_type_error("object", type_);
  const std::ptrdiff_t pos = detail::find_member(*static_cast<const ObjectNode*>(u_.node), key);
  if (pos < 0) return std::move(*this);
  detail::erase_member(ValueAccess::mutable_object(*this), static_cast<std::uint32_t>(pos));
  return std::move(*this);
}

Value Value::erase(std::size_t i) const& { return Value(*this).erase(i); }

Value Value::erase(std::size_t i) && {
  if (type_ != Type::array) detail::throw_type_error("array", type_);
  if (i >= size()) {
    throw Error(ErrorCode::out_of_range,
                "index " + std::to_string(i) + " is past the end of an array of " + std::to_string(size()));
  }
  detail::erase_item(ValueAccess::mutable_array(*this), static_cast<std::uint32_t>(i));
  return std::move(*this);
}

Value Value::push_back(Value v) const& { return Value(*this).push_back(std::move(v)); }

Value Value::push_back(Value v) && {
  if (type_ != Type::array) detail::throw_type_error("array", type_);
  return std::move(*this).set(size(), std::move(v));
}

// ---- comparison and hashing ----

namespace {

// Deep equality, as Value's == (NanAlike false) or as the query cache compares key elements
// (NanAlike true: every NaN equal to every NaN, at any depth — detail::key_equal). One body for
// both, so the two cannot drift apart; the NaN test sits only where a compare of two doubles has
// already failed, so the key compare costs what == costs.
template <bool NanAlike>
[[gnu::always_inline]] inline bool element_equal(const Value& a, const Value& b) noexcept {
  if constexpr (NanAlike) {
    return detail::key_equal(a, b);
  } else {
    return a == b;
  }
}

// Two objects of as many members, the first `i` of them found equal position by position: the
// rest compared by name (member order is ignored), each value by ==.
template <bool NanAlike>
[[gnu::noinline]] bool objects_equal_from(const Value& a, const Value& b, std::size_t i) noexcept {
  auto xs = a.as_object();
  auto ys = b.as_object();
  for (; i < xs.size(); ++i) {
    // Same order is the common case: compare position by position before searching.
    if (xs[i].key == ys[i].key) {
      if (!element_equal<NanAlike>(xs[i].value, ys[i].value)) return false;
      continue;
    }
    const Value* other = b.find(xs[i].key);
    if (!other || !element_equal<NanAlike>(xs[i].value, *other)) return false;
  }
  return true;
}

// values_equal of anything but two objects.
template <bool NanAlike>
[[gnu::noinline]] bool values_equal_other(const Value& a, const Value& b) noexcept {
  if (a.is_number() && b.is_number()) {
    if constexpr (NanAlike) {
      // Reached only when the numbers are not equal by ==: then two NaNs are one key element.
      return numbers_equal(a, b) ||
             (a.is_double() && b.is_double() && std::isnan(a.as_double()) && std::isnan(b.as_double()));
    } else {
      return numbers_equal(a, b);
    }
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::null: return true;
    case Type::boolean: return a.as_bool() == b.as_bool();
    case Type::string: {
      const Node* na = a.node();  // nullptr for inline strings
      return (na != nullptr && na == b.node()) || a.as_string() == b.as_string();
    }
    default: break;
  }
  const Node* na = a.node();
  const Node* nb = b.node();
  if (na == nb) return true;
  // (Value::hash hashes every NaN alike, so this holds for the key compare too.)
  if (na->hash != 0 && nb->hash != 0 && na->hash != nb->hash) return false;
  if (a.type() != Type::array) return false;
  auto x = a.as_array();
  auto y = b.as_array();
  return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                    [](const Value& u, const Value& v) { return element_equal<NanAlike>(u, v); });
}

template <bool NanAlike>
[[gnu::always_inline]] inline bool deep_equal(const Value& a, const Value& b) noexcept {
  // Two objects first, and as a leaf (no call, so no registers saved): the deep == most callers
  // reach is of two small objects with their members in the same order, each member's value
  // decided by its handle — the query cache confirming a key element such as {id: 42} against
  // the one its trie node holds (W3b), a memo's check of a small state. Whatever the handles do
  // not decide goes on out of line from that member.
  if (a.type() != Type::object || b.type() != Type::object) return values_equal_other<NanAlike>(a, b);
  const ObjectNode& x = ValueAccess::object_node(a);
  const ObjectNode& y = ValueAccess::object_node(b);
  if (&x == &y) return true;
  if (x.size != y.size) return false;
  // Cached hashes that differ prove the values differ; equal ones prove nothing (a collision).
  if (x.hash != 0 && y.hash != 0 && x.hash != y.hash) return false;
  const Member* xs = x.members();
  const Member* ys = y.members();
  for (std::size_t i = 0; i < x.size; ++i) {
    const Value& u = xs[i].value;
    // Names of the same 16 bytes are equal (an inline name's bytes, or one heap name's pointer
    // and size), and same_node decides == for all but numbers (a NaN is the same as itself, but
    // not equal). Neither calls anything: a name's bytes compared otherwise could.
    if (std::memcmp(&xs[i].key, &ys[i].key, sizeof(MemberName)) != 0 || u.type() == Type::number ||
        !u.same_node(ys[i].value))
      return objects_equal_from<NanAlike>(a, b, i);
  }
  return true;
}

}  // namespace

bool detail::values_equal(const Value& a, const Value& b) noexcept { return deep_equal<false>(a, b); }

bool detail::key_values_equal(const Value& a, const Value& b) noexcept { return deep_equal<true>(a, b); }

std::size_t Value::use_count() const noexcept {
  // A store's state lent to its reducer carries a bias on its count (value_lend.hpp): not an owner.
  return has_node() ? u_.node->refs % detail::LentRoot::lent_bias : 1;
}

std::uint64_t Value::compute_hash() const noexcept {
  const std::uint64_t h = hash_of(*this);
  if (!has_node()) return h;
  // 0 marks "not computed yet": a computed 0 is kept as 1, the same for every copy of the value.
  u_.node->hash = h != 0 ? h : 1;
  return u_.node->hash;
}

// ---- paths ----

Path Path::from_pointer(std::string_view pointer) {
  Path path;
  if (pointer.empty()) return path;
  if (pointer[0] != '/') {
    throw Error(ErrorCode::invalid_argument,
                "a JSON Pointer starts with '/' (or is empty), but got \"" + std::string(pointer) + "\"");
  }
  std::size_t pos = 1;
  for (;;) {
    std::size_t end = pointer.find('/', pos);
    std::string_view raw =
        pointer.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 < raw.size() && raw[i + 1] == '0') {
          token += '~';
        } else if (i + 1 < raw.size() && raw[i + 1] == '1') {
          token += '/';
        } else {
          throw Error(ErrorCode::invalid_argument,
                      "'~' must be followed by 0 or 1 in the JSON Pointer \"" + std::string(pointer) + "\"");
        }
        ++i;
      } else {
        token += raw[i];
      }
    }
    path.elements_.emplace_back(std::move(token));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return path;
}

void Path::append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

std::string Path::to_pointer() const {
  std::string out;
  for (const auto& e : elements_) {
    if (const auto* s = std::get_if<std::string>(&e)) {
      append_pointer_token(out, *s);
    } else {
      out += '/';
      out += std::to_string(std::get<std::size_t>(e));
    }
  }
  return out;
}

Path Path::child(PathElement element) const {
  Path p = *this;
  p.elements_.push_back(std::move(element));
  return p;
}

}  // namespace mfstate
