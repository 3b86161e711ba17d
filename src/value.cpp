// Value: construction, reading, structural-sharing updates, equality and hashing.
// JSON text in and out lives in json.cpp.

#include "mfstate/value.hpp"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "value_node.hpp"

namespace mfstate {

using detail::ArrayNode;
using detail::max_nesting;
using detail::Node;
using detail::ObjectNode;
using detail::StringNode;

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

std::uint64_t key_hash(std::string_view key) noexcept { return XXH3_64bits(key.data(), key.size()); }

ObjectNode::ObjectNode(const ObjectNode& other) : Node(), members(other.members) {
  depth = other.depth;
  if (other.index) index = std::make_unique<MemberIndex>(*other.index);
}

void ObjectNode::index_insert(std::uint32_t position) const {
  std::uint64_t mask = index->mask();
  std::uint64_t slot = key_hash(members[position].key) & mask;
  while (index->slots[slot] != 0) slot = (slot + 1) & mask;
  index->slots[slot] = position + 1;
}

void ObjectNode::build_index() const {
  std::size_t capacity = 32;
  while (capacity < 2 * members.size() + 2) capacity *= 2;
  if (!index) index = std::make_unique<MemberIndex>();
  index->slots.assign(capacity, 0);
  for (std::size_t i = 0; i < members.size(); ++i) index_insert(static_cast<std::uint32_t>(i));
}

std::ptrdiff_t ObjectNode::find(std::string_view key) const {
  if (!index) {
    if (members.size() <= index_threshold) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (members[i].key == key) return static_cast<std::ptrdiff_t>(i);
      }
      return -1;
    }
    build_index();
  }
  std::uint64_t mask = index->mask();
  for (std::uint64_t slot = key_hash(key) & mask;; slot = (slot + 1) & mask) {
    std::uint32_t entry = index->slots[slot];
    if (entry == 0) return -1;
    if (members[entry - 1].key == key) return static_cast<std::ptrdiff_t>(entry - 1);
  }
}

void ObjectNode::append(std::string key, Value v) {
  hashed = false;
  if (const Node* child = v.node()) depth = std::max(depth, child->depth + 1);
  if (depth == 0) depth = 1;
  members.push_back(Member{std::move(key), std::move(v)});
  if (index) {
    if (2 * members.size() + 2 > index->slots.size()) {
      build_index();
    } else {
      index_insert(static_cast<std::uint32_t>(members.size() - 1));
    }
  }
}

void ObjectNode::put(std::string_view key, Value v) {
  auto pos = find(key);
  if (pos >= 0) {
    hashed = false;
    if (const Node* child = v.node()) depth = std::max(depth, child->depth + 1);
    members[static_cast<std::size_t>(pos)].value = std::move(v);
    return;
  }
  append(std::string(key), std::move(v));
}

}  // namespace detail

namespace {

// ---- node lifetime ----

// Releasing a node can release its children, and theirs: done recursively, a deep value would
// overflow the stack. The outermost release frees nodes from a work list instead.
thread_local bool releasing = false;
thread_local std::vector<std::pair<Type, Node*>>* release_queue = nullptr;

void destroy(Type type, Node* node) {
  switch (type) {
    case Type::string: delete static_cast<StringNode*>(node); break;
    case Type::array: delete static_cast<ArrayNode*>(node); break;
    case Type::object: delete static_cast<ObjectNode*>(node); break;
    default: break;
  }
}

// Nodes at most this deep are freed by plain recursion (bounded: each level is one small frame);
// deeper ones go through the work list. Most values are shallow, and recursion is cheaper.
constexpr std::uint32_t recursive_release_depth = 64;

void release(Type type, Node* node) {
  if (--node->refs != 0) return;
  if (type == Type::string || node->depth <= recursive_release_depth) {
    destroy(type, node);
    return;
  }
  if (releasing) {
    release_queue->emplace_back(type, node);
    return;
  }
  std::vector<std::pair<Type, Node*>> queue;
  releasing = true;
  release_queue = &queue;
  destroy(type, node);
  while (!queue.empty()) {
    auto [t, n] = queue.back();
    queue.pop_back();
    destroy(t, n);
  }
  releasing = false;
  release_queue = nullptr;
}

std::uint32_t child_depth(const Value& v) {
  const Node* n = v.node();
  return n ? n->depth : 0;
}

void check_depth(std::uint32_t depth) {
  if (depth > max_nesting) {
    throw Error(ErrorCode::depth_limit, "a Value may nest at most " + std::to_string(max_nesting) +
                                            " arrays or objects deep");
  }
}

[[noreturn]] void type_error(std::string_view expected, Type actual) {
  throw Error(ErrorCode::type_error, "expected " + std::string(expected) + ", but the value is " +
                                         std::string(to_string(actual)));
}

std::string describe(const PathElement& e) {
  if (const auto* s = std::get_if<std::string>(&e)) return "\"" + *s + "\"";
  return std::to_string(std::get<std::size_t>(e));
}

// ---- hashing: fixed seeds and mixing, so hashes are stable across platforms and runs ----

constexpr std::uint64_t seed_null = 0x6d66737461746531ULL;
constexpr std::uint64_t seed_bool = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t seed_int = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t seed_double = 0x165667b19e3779f9ULL;
constexpr std::uint64_t seed_string = 0x27d4eb2f165667c5ULL;
constexpr std::uint64_t seed_array = 0x85ebca77c2b2ae63ULL;
constexpr std::uint64_t seed_object = 0xff51afd7ed558ccdULL;

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finaliser: a cheap, well-distributed bijection.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_string(std::string_view s, std::uint64_t seed) {
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

// An integral double in int64 range hashes as that integer, so 1 and 1.0 (equal) hash alike.
bool double_as_int(double d, std::int64_t& out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  if (std::trunc(d) != d) return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

std::uint64_t hash_int(std::int64_t i) { return mix(static_cast<std::uint64_t>(i) ^ seed_int); }

std::uint64_t compute_hash(const Value& v);

std::uint64_t node_hash(const Value& v) {
  const Node* n = v.node();
  if (n->hashed) return n->hash;
  std::uint64_t h = compute_hash(v);
  n->hash = h;
  n->hashed = true;
  return h;
}

std::uint64_t compute_hash(const Value& v) {
  switch (v.type()) {
    case Type::null: return mix(seed_null);
    case Type::boolean: return mix(seed_bool + (v.as_bool() ? 1 : 0));
    case Type::integer: return hash_int(v.as_int());
    case Type::number: {
      double d = v.as_double();
      std::int64_t i;
      if (double_as_int(d, i)) return hash_int(i);
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return mix(bits ^ seed_double);
    }
    case Type::string: return hash_string(v.as_string(), seed_string);
    case Type::array: {
      std::uint64_t h = seed_array ^ v.size();
      for (const Value& e : v.as_array()) h = mix(h + e.hash());
      return h;
    }
    case Type::object: {
      // Sum of per-member hashes: commutative, so member order does not matter.
      std::uint64_t sum = 0;
      for (const Member& m : v.as_object()) {
        sum += mix(hash_string(m.key, seed_object) ^ (v.size() + 0x9e37) ^
                   (m.value.hash() * 0x9e3779b97f4a7c15ULL));
      }
      return mix(sum ^ seed_object ^ v.size());
    }
  }
  return 0;
}


std::uint64_t cached_hash(const Value& v) {
  return v.node() ? node_hash(v) : compute_hash(v);
}

bool numbers_equal(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
  if (a.is_double() && b.is_double()) return a.as_double() == b.as_double();
  const Value& i = a.is_int() ? a : b;
  const Value& d = a.is_int() ? b : a;
  std::int64_t as_int;
  return double_as_int(d.as_double(), as_int) && as_int == i.as_int();
}

}  // namespace

// ---- construction ----

Value::Value(const char* s) : Value(std::string_view(s)) {}

Value::Value(std::string_view s) : type_(Type::string) {
  if (s.size() <= inline_string_capacity) {
    // Short strings (keys' values like "a", "John Doe", "profile") need no node at all.
    u_.i = 0;
    if (!s.empty()) std::memcpy(u_.s, s.data(), s.size());
    small_ = static_cast<std::uint8_t>(s.size() + 1);
    return;
  }
  u_.node = new StringNode(std::string(s));
}

Value::Value(std::string&& s) : type_(Type::string) {
  if (s.size() <= inline_string_capacity) {
    u_.i = 0;
    if (!s.empty()) std::memcpy(u_.s, s.data(), s.size());
    small_ = static_cast<std::uint8_t>(s.size() + 1);
    return;
  }
  u_.node = new StringNode(std::move(s));
}

Value Value::array(std::initializer_list<Value> elements) {
  return array(std::vector<Value>(elements));
}

Value Value::array(std::vector<Value> elements) {
  std::uint32_t depth = 1;
  for (const Value& e : elements) depth = std::max(depth, child_depth(e) + 1);
  check_depth(depth);
  auto* node = new ArrayNode();
  node->depth = depth;
  node->items = std::move(elements);
  return Value(Type::array, node);
}

Value Value::object(std::initializer_list<std::pair<std::string_view, Value>> members) {
  std::vector<Member> list;
  list.reserve(members.size());
  for (const auto& [k, v] : members) list.push_back(Member{std::string(k), v});
  return object(std::move(list));
}

Value Value::object(std::vector<Member> members) {
  std::uint32_t depth = 1;
  for (const Member& m : members) depth = std::max(depth, child_depth(m.value) + 1);
  check_depth(depth);
  auto* node = new ObjectNode();
  Value result(Type::object, node);
  // Duplicate keys keep the last value at the first key's position (as JSON.parse does).
  bool unique = true;
  if (members.size() <= ObjectNode::index_threshold) {
    for (std::size_t i = 1; i < members.size() && unique; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (members[i].key == members[j].key) {
          unique = false;
          break;
        }
      }
    }
    if (unique) {
      node->members = std::move(members);
      node->depth = depth;
      return result;
    }
  }
  // Large (or duplicated) members: build the index while inserting, moving every key.
  node->members.reserve(members.size());
  if (members.size() > ObjectNode::index_threshold) {
    node->index = std::make_unique<detail::MemberIndex>();
    std::size_t capacity = 32;
    while (capacity < 2 * members.size() + 2) capacity *= 2;
    node->index->slots.assign(capacity, 0);
  }
  for (Member& m : members) {
    auto pos = node->find(m.key);
    if (pos >= 0) {
      node->members[static_cast<std::size_t>(pos)].value = std::move(m.value);
    } else {
      node->append(std::move(m.key), std::move(m.value));
    }
  }
  node->depth = depth;
  return result;
}

Value::Value(const Value& other) noexcept : type_(other.type_), u_(other.u_) {
  small_ = other.small_;
  if (has_node()) ++u_.node->refs;
}

Value& Value::operator=(const Value& other) noexcept {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    Type old_type = type_;
    Node* old_node = has_node() ? u_.node : nullptr;
    type_ = other.type_;
    small_ = other.small_;
    u_ = other.u_;
    other.type_ = Type::null;
    other.small_ = 0;
    if (old_node) release(old_type, old_node);
  }
  return *this;
}

Value::~Value() {
  if (has_node()) release(type_, u_.node);
}

// ---- inspection ----

bool Value::as_bool() const {
  if (type_ != Type::boolean) type_error("boolean", type_);
  return u_.b;
}

std::int64_t Value::as_int() const {
  if (type_ == Type::integer) return u_.i;
  if (type_ == Type::number) {
    std::int64_t i;
    if (double_as_int(u_.d, i)) return i;
    throw Error(ErrorCode::type_error, "expected integer, but the number " +
                                           std::to_string(u_.d) + " has a fraction or is too large");
  }
  type_error("integer", type_);
}

double Value::as_double() const {
  if (type_ == Type::number) return u_.d;
  if (type_ == Type::integer) return static_cast<double>(u_.i);
  type_error("number", type_);
}

std::string_view Value::as_string() const {
  if (type_ != Type::string) type_error("string", type_);
  if (small_ != 0) return std::string_view(u_.s, small_ - 1u);
  return static_cast<const StringNode*>(u_.node)->text;
}

std::span<const Value> Value::as_array() const {
  if (type_ != Type::array) type_error("array", type_);
  return static_cast<const ArrayNode*>(u_.node)->items;
}

std::span<const Member> Value::as_object() const {
  if (type_ != Type::object) type_error("object", type_);
  return static_cast<const ObjectNode*>(u_.node)->members;
}

std::size_t Value::size() const noexcept {
  switch (type_) {
    case Type::string: return small_ != 0 ? small_ - 1u : static_cast<const StringNode*>(u_.node)->text.size();
    case Type::array: return static_cast<const ArrayNode*>(u_.node)->items.size();
    case Type::object: return static_cast<const ObjectNode*>(u_.node)->members.size();
    default: return 0;
  }
}

// ---- reading ----

const Value* Value::find(std::string_view key) const {
  if (type_ != Type::object) type_error("object", type_);
  const auto* node = static_cast<const ObjectNode*>(u_.node);
  auto pos = node->find(key);
  return pos < 0 ? nullptr : &node->members[static_cast<std::size_t>(pos)].value;
}

const Value& Value::get(std::string_view key) const {
  const Value* v = find(key);
  if (!v) throw Error(ErrorCode::not_found, "the object has no member \"" + std::string(key) + "\"");
  return *v;
}

const Value& Value::at(std::size_t i) const {
  auto items = as_array();
  if (i >= items.size()) {
    throw Error(ErrorCode::out_of_range, "index " + std::to_string(i) + " is past the end of an array of " +
                                             std::to_string(items.size()));
  }
  return items[i];
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

detail::ObjectNode& Value::mutable_object() {
  auto* node = static_cast<ObjectNode*>(u_.node);
  if (node->refs != 1) {
    auto* copy = new ObjectNode(*node);  // copies handles only: children stay shared
    release(type_, node);
    u_.node = copy;
    node = copy;
  }
  node->hashed = false;
  return *node;
}

detail::ArrayNode& Value::mutable_array() {
  auto* node = static_cast<ArrayNode*>(u_.node);
  if (node->refs != 1) {
    auto* copy = new ArrayNode();
    copy->depth = node->depth;
    copy->items = node->items;
    release(type_, node);
    u_.node = copy;
    node = copy;
  }
  node->hashed = false;
  return *node;
}

Value Value::set(std::string_view key, Value v) const& { return Value(*this).set(key, std::move(v)); }

Value Value::set(std::string_view key, Value v) && {
  if (type_ != Type::object) type_error("object", type_);
  check_depth(child_depth(v) + 1);
  auto pos = static_cast<const ObjectNode*>(u_.node)->find(key);
  if (pos < 0) {
    mutable_object().append(std::string(key), std::move(v));
    return std::move(*this);
  }
  auto at = static_cast<std::size_t>(pos);
  // Setting the very value already there changes nothing: keep the node (and its sharing).
  if (static_cast<const ObjectNode*>(u_.node)->members[at].value.same_node(v)) return std::move(*this);
  ObjectNode& node = mutable_object();  // a copy keeps positions, so `at` stays right
  node.depth = std::max(node.depth, child_depth(v) + 1);
  node.members[at].value = std::move(v);
  return std::move(*this);
}

Value Value::set(std::size_t i, Value v) const& { return Value(*this).set(i, std::move(v)); }

Value Value::set(std::size_t i, Value v) && {
  if (type_ != Type::array) type_error("array", type_);
  std::size_t n = size();
  if (i > n) {
    throw Error(ErrorCode::out_of_range,
                "index " + std::to_string(i) + " is past the end of an array of " + std::to_string(n));
  }
  check_depth(child_depth(v) + 1);
  auto& node = mutable_array();
  node.depth = std::max(node.depth, child_depth(v) + 1);
  if (i == n) {
    node.items.push_back(std::move(v));
  } else {
    node.items[i] = std::move(v);
  }
  return std::move(*this);
}

namespace {

// The position of the member a step names in an object, or -1 (integer steps are keys).
std::ptrdiff_t member_position(const Value& object, const PathElement& e) {
  const auto* node = static_cast<const ObjectNode*>(object.node());
  if (const auto* key = std::get_if<std::string>(&e)) return node->find(*key);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, std::get<std::size_t>(e));
  return node->find(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
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
      throw Error(ErrorCode::type_error,
                  "the path step " + describe(e) + " is not an index into an array");
    }
    if (index > cur.size()) {
      throw Error(ErrorCode::out_of_range, "index " + std::to_string(index) +
                                               " is past the end of an array of " +
                                               std::to_string(cur.size()));
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

// The container set_in creates for a missing step: an array when the next step is an index.
Value new_container(const PathElement& next) {
  return next.is_index() ? Value::array() : Value::object();
}

}  // namespace

Value Value::set_in(const Path& path, Value v) const& {
  return Value(*this).set_in(path, std::move(v));
}

Value Value::set_in(const Path& path, Value v) && {
  const auto& steps = path.elements();
  const std::size_t n = steps.size();
  // Check the whole path on the untouched value first, so that a failure changes nothing.
  if (child_depth(v) + n > max_nesting) {
    throw Error(ErrorCode::depth_limit, "set_in would nest the value " +
                                            std::to_string(child_depth(v) + n) +
                                            " deep, beyond the limit of " +
                                            std::to_string(max_nesting));
  }
  // Positions found on the way down are kept (for paths of up to 16 steps) so the writing walk
  // does not look them up again: copying a node keeps its positions.
  constexpr std::size_t remembered = 16;
  std::ptrdiff_t positions[remembered];
  const Value* cur = this;
  for (std::size_t k = 0; k < n; ++k) {
    std::ptrdiff_t pos = -1;
    if (cur) {
      pos = check_set_step(*cur, steps[k]);
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

  // Walk down, making each node on the path unshared (copied when shared, in place when not).
  const std::uint32_t v_depth = child_depth(v);
  Value* target = this;
  for (std::size_t k = 0; k < n; ++k) {
    const PathElement& e = steps[k];
    const auto below = static_cast<std::uint32_t>(v_depth + (n - k));  // new depth of this node
    if (target->is_object()) {
      std::ptrdiff_t pos = k < remembered ? positions[k] : member_position(*target, e);
      ObjectNode& node = ValueAccess::mutable_object(*target);
      if (pos < 0) {
        std::string key = e.is_index() ? std::to_string(std::get<std::size_t>(e)) : std::get<std::string>(e);
        node.append(std::move(key), k + 1 < n ? new_container(steps[k + 1]) : Value());
        pos = static_cast<std::ptrdiff_t>(node.members.size() - 1);
      }
      node.depth = std::max(node.depth, below);
      target = &node.members[static_cast<std::size_t>(pos)].value;
    } else {
      ArrayNode& node = ValueAccess::mutable_array(*target);
      std::size_t index = 0;
      if (const auto* i = std::get_if<std::size_t>(&e)) {
        index = *i;
      } else {
        parse_index(std::get<std::string>(e), index);  // checked above
      }
      if (index == node.items.size()) {
        node.items.push_back(k + 1 < n ? new_container(steps[k + 1]) : Value());
      }
      node.depth = std::max(node.depth, below);
      target = &node.items[index];
    }
  }
  *target = std::move(v);
  return std::move(*this);
}

Value Value::erase(std::string_view key) const& { return Value(*this).erase(key); }

Value Value::erase(std::string_view key) && {
  if (type_ != Type::object) type_error("object", type_);
  auto pos = static_cast<const ObjectNode*>(u_.node)->find(key);
  if (pos < 0) return std::move(*this);
  auto& node = mutable_object();
  node.members.erase(node.members.begin() + pos);
  node.index.reset();
  return std::move(*this);
}

Value Value::erase(std::size_t i) const& { return Value(*this).erase(i); }

Value Value::erase(std::size_t i) && {
  if (type_ != Type::array) type_error("array", type_);
  if (i >= size()) {
    throw Error(ErrorCode::out_of_range,
                "index " + std::to_string(i) + " is past the end of an array of " + std::to_string(size()));
  }
  auto& node = mutable_array();
  node.items.erase(node.items.begin() + static_cast<std::ptrdiff_t>(i));
  return std::move(*this);
}

Value Value::push_back(Value v) const& { return Value(*this).push_back(std::move(v)); }

Value Value::push_back(Value v) && {
  if (type_ != Type::array) type_error("array", type_);
  return std::move(*this).set(size(), std::move(v));
}

// ---- comparison and hashing ----

bool operator==(const Value& a, const Value& b) noexcept {
  if (a.is_number() && b.is_number()) return numbers_equal(a, b);
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
  if (na->hashed && nb->hashed && na->hash != nb->hash) return false;
  switch (a.type()) {
    case Type::array: {
      auto x = a.as_array();
      auto y = b.as_array();
      return std::equal(x.begin(), x.end(), y.begin(), y.end());
    }
    case Type::object: {
      if (a.size() != b.size()) return false;
      auto xs = a.as_object();
      auto ys = b.as_object();
      for (std::size_t i = 0; i < xs.size(); ++i) {
        // Same order is the common case: compare position by position before searching.
        if (xs[i].key == ys[i].key) {
          if (!(xs[i].value == ys[i].value)) return false;
          continue;
        }
        const Value* other = b.find(xs[i].key);
        if (!other || !(xs[i].value == *other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

bool Value::same_node(const Value& other) const noexcept {
  if (type_ != other.type_ || small_ != other.small_) return false;
  // Nodes by address; scalars and inline strings by their bits (inline strings are zero-padded
  // and small_ holds their length, so equal strings have equal bytes).
  switch (type_) {
    case Type::null: return true;
    case Type::boolean: return u_.b == other.u_.b;
    case Type::integer: return u_.i == other.u_.i;
    case Type::number: return std::memcmp(&u_.d, &other.u_.d, sizeof u_.d) == 0;
    default:
      if (small_ != 0) return std::memcmp(u_.s, other.u_.s, inline_string_capacity) == 0;
      return u_.node == other.u_.node;
  }
}

std::size_t Value::use_count() const noexcept { return has_node() ? u_.node->refs : 1; }

std::uint64_t Value::hash() const noexcept { return cached_hash(*this); }

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
    std::string_view raw = pointer.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
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
