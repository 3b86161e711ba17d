// mfstate::Value — an immutable JSON-like value with structural sharing.
//
// A Value is a small tagged handle (16 bytes). Scalars and strings of up to 8 bytes live inline;
// longer strings, arrays and objects live in reference-counted nodes, so copying a Value is O(1)
// and never allocates. A node is one block: an object's members, an array's elements and a
// string's bytes sit in the node itself, and blocks come from per-thread free lists, so a small
// object costs one pooled allocation. The hot reads (copy, member lookup, `as_int`, element
// access) are inline. Nothing can
// change a node that is shared: the "update" functions (`set`, `set_in`, `erase`, `push_back`)
// return a new Value that shares every untouched subtree with the old one. Called on an rvalue
// whose node has a single owner, they update that node in place instead (the transient fast
// path that makes a reducer's `std::move(state).set("count", n + 1)` nearly free).
//
// Threading: reference counts are not atomic. The runtime is single-threaded; a Value may cross
// to another thread only by hand-over (built on a worker, moved into a posted task, never touched
// again by the worker) — never by being shared by two threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "mfstate/detail/value_layout.hpp"
#include "mfstate/error.hpp"
#include "mfstate/member_name.hpp"

namespace mfstate {

class Value;

namespace detail {
/// Deepest nesting a Value may have (arrays/objects). Bounding it at construction bounds every
/// recursion over a Value (equality, hashing, serialisation), so none can overflow the stack —
/// including the 1 MiB stack of the WebAssembly build (each recursive frame is kept to a few
/// dozen bytes). Going beyond it is Error(depth_limit).
inline constexpr std::uint32_t max_nesting = 4096;
}  // namespace detail

enum class Type : std::uint8_t { null, boolean, integer, number, string, array, object };

/// "null", "boolean", "integer", "number", "string", "array", "object".
std::string_view to_string(Type type) noexcept;

/// One member of an object: its key and its value.
struct Member;

/// One step of a path into a Value: an object key or an array index. Converts from string
/// literals, strings and any integer, so paths read naturally: `{"items", 3, "name"}`.
struct PathElement : std::variant<std::string, std::size_t> {
  using Base = std::variant<std::string, std::size_t>;
  PathElement(std::string key) : Base(std::move(key)) {}
  PathElement(const char* key) : Base(std::string(key)) {}
  PathElement(std::string_view key) : Base(std::string(key)) {}
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  PathElement(I index) : Base(static_cast<std::size_t>(index)) {}
  /// True for an array index step, false for an object key step.
  bool is_index() const noexcept { return index() == 1; }
  /// The underlying variant (for std::visit).
  const Base& base() const noexcept { return *this; }
  friend bool operator==(const PathElement& a, const PathElement& b) { return a.base() == b.base(); }
};

/// A path into a Value, outermost step first.
class Path {
 public:
  Path() = default;
  Path(std::initializer_list<PathElement> elements) : elements_(elements) {}
  explicit Path(std::vector<PathElement> elements) : elements_(std::move(elements)) {}

  /// Parses an RFC 6901 JSON Pointer ("/a/0/b~1c"). Tokens made only of digits (no leading zero)
  /// are array indices when applied to an array and keys when applied to an object. Allocates.
  /// Throws Error(invalid_argument) for a pointer that does not start with '/' (except "").
  static Path from_pointer(std::string_view pointer);

  /// The RFC 6901 spelling of this path ("" for the root). Allocates.
  std::string to_pointer() const;
  /// Appends '/' and `token` escaped as RFC 6901 says ('~' as "~0", '/' as "~1") to `pointer`:
  /// how every module spells a path step. Allocates only as `pointer` grows.
  static void append_pointer_token(std::string& pointer, std::string_view token);

  /// This path with one more step at the end. Allocates (copies the path).
  [[nodiscard]] Path child(PathElement element) const;
  /// The steps, outermost first.
  const std::vector<PathElement>& elements() const noexcept { return elements_; }
  /// True for the root path.
  bool empty() const noexcept { return elements_.empty(); }
  /// Number of steps.
  std::size_t size() const noexcept { return elements_.size(); }
  friend bool operator==(const Path&, const Path&) = default;

 private:
  std::vector<PathElement> elements_;
};

/// Limits applied by parse_json. Exceeding one is an Error, never a crash.
struct ParseOptions {
  std::size_t max_depth = 512;        ///< deepest nesting accepted (capped at detail::max_nesting)
  std::size_t max_bytes = 64u << 20;  ///< largest input accepted (64 MiB)
};

class Value {
 public:
  // ---- construction (none of these allocate, except strings beyond 8 bytes, arrays, objects) ----
  Value() noexcept : type_(Type::null) { u_.i = 0; }
  Value(std::nullptr_t) noexcept : Value() {}
  Value(bool b) noexcept : type_(Type::boolean) { u_.b = b; }
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
  Value(I i) : type_(Type::integer) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<std::uint64_t>(INT64_MAX)) {
        type_ = Type::number;
        u_.d = static_cast<double>(i);
        return;
      }
    }
    u_.i = static_cast<std::int64_t>(i);
  }
  /// A double. NaN and infinities can be held but not serialised (to_json throws non_finite).
  Value(double d) noexcept : type_(Type::number) { u_.d = d; }
  Value(float f) noexcept : Value(static_cast<double>(f)) {}
  /// A string (UTF-8 bytes, not checked). Up to 8 bytes: stored inline, no allocation; longer:
  /// one node holding the bytes (pooled when short).
  Value(const char* s) : Value(std::string_view(s)) {}
  Value(std::string_view s) : type_(Type::string) {
    if (s.size() <= inline_string_capacity) {
      // Inline, zero-padded (same_node compares the bytes). A literal's copy folds into stores.
      u_.i = 0;
      if (!s.empty()) std::memcpy(u_.s, s.data(), s.size());
      small_ = static_cast<std::uint8_t>(s.size() + 1);
    } else {
      u_.node = long_string(s);
    }
  }
  Value(const std::string& s) : Value(std::string_view(s)) {}
  Value(std::string&& s) : Value(std::string_view(s)) {}

  /// An array of the given elements: `Value::array({1, "two", nullptr})`. One node (pooled when
  /// small).
  static Value array(std::initializer_list<Value> elements = {});
  static Value array(std::vector<Value> elements);
  /// An object, members in the given order: `Value::object({{"id", 1}, {"name", "Ada"}})`.
  /// A repeated key keeps the last value. One node (pooled when small); member names beyond
  /// MemberName::inline_capacity (15 bytes) allocate.
  static Value object(std::initializer_list<std::pair<std::string_view, Value>> members = {});
  static Value object(std::vector<Member> members);
  /// As array() and object(), moving the elements or members out of a buffer the caller keeps and
  /// reuses (a decoder's scratch stack): no vector is allocated per value. What is left in the
  /// span is moved-from.
  static Value array_moved_from(std::span<Value> elements);
  static Value object_moved_from(std::span<Member> members);

  /// Copies share the node: one non-atomic increment, O(1). Moving leaves `other` null.
  Value(const Value& other) noexcept : type_(other.type_), small_(other.small_), u_(other.u_) {
    if (has_node()) ++u_.node->refs;
  }
  Value(Value&& other) noexcept : type_(other.type_), small_(other.small_), u_(other.u_) {
    other.type_ = Type::null;
    other.small_ = 0;
  }
  Value& operator=(const Value& other) noexcept;
  /// Moves `other` in and releases what this held (O(1); the last owner frees its node).
  Value& operator=(Value&& other) noexcept;
  /// Releases the node; the last owner frees it (and whatever only it held) without deep
  /// recursion.
  ~Value() {
#if defined(__EMSCRIPTEN__)
    // In the WebAssembly module every byte is downloaded: one call per release, not its body.
    if (has_node()) detail::release(type_, u_.node);
#else
    if (has_node() && --u_.node->refs == 0) detail::destroy(type_, u_.node);
#endif
  }

  // ---- inspection (O(1), no allocation) ----
  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::null; }
  bool is_bool() const noexcept { return type_ == Type::boolean; }
  bool is_int() const noexcept { return type_ == Type::integer; }
  bool is_double() const noexcept { return type_ == Type::number; }
  /// An integer or a double.
  bool is_number() const noexcept { return type_ == Type::integer || type_ == Type::number; }
  bool is_string() const noexcept { return type_ == Type::string; }
  bool is_array() const noexcept { return type_ == Type::array; }
  bool is_object() const noexcept { return type_ == Type::object; }

  /// Each throws Error(type_error) naming the expected and the actual type.
  bool as_bool() const;
  std::int64_t as_int() const;
  /// A number as double (integers convert).
  double as_double() const;
  std::string_view as_string() const;
  std::span<const Value> as_array() const;
  std::span<const Member> as_object() const;

  /// Elements of an array, members of an object, bytes of a string; 0 for scalars.
  std::size_t size() const noexcept {
    if (type_ < Type::string) return 0;
    return small_ != 0 ? small_ - 1u : u_.node->size;
  }

  // ---- reading (no allocation) ----
  /// The member `key` of an object, or nullptr when absent. For small objects an inline scan
  /// comparing lengths first; large ones (over 16 members) keep an index: O(1). Throws
  /// type_error when this is not an object.
  [[nodiscard]] const Value* find(std::string_view key) const;
  /// Whether the object has member `key`; same cost as find. Throws type_error.
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != nullptr; }
  /// The member `key`; throws not_found when absent, type_error when not an object.
  const Value& get(std::string_view key) const;
  /// Element i of an array; throws out_of_range / type_error.
  const Value& at(std::size_t i) const;
  /// The value at `path`, or nullptr when any step is missing or crosses a scalar.
  [[nodiscard]] const Value* find_in(const Path& path) const noexcept;
  /// The value at `path`; throws not_found naming the missing step.
  const Value& get_in(const Path& path) const;

  // ---- updating: return new values sharing what they did not touch ----
  // The const& overloads copy the nodes on the path (O(path length × node size)). The &&
  // overloads update in place when the node is not shared (no copy, usually no allocation).

  // Each returns the updated value and leaves this one as it was (the && overloads leave it
  // moved-from): discarding the result discards the update, so every one is [[nodiscard]].

  /// This object with member `key` set to `v` (appended when new). Throws type_error.
  [[nodiscard]] Value set(std::string_view key, Value v) const&;
  [[nodiscard]] Value set(std::string_view key, Value v) &&;
  /// This array with element i replaced (i == size() appends). Throws out_of_range.
  [[nodiscard]] Value set(std::size_t i, Value v) const&;
  [[nodiscard]] Value set(std::size_t i, Value v) &&;
  /// This value with the value at `path` replaced; missing object members along the path are
  /// created (an array when the next step is an integer index, else an object); index size()
  /// appends. Throws type_error when the path crosses a scalar, out_of_range for an index past
  /// the end, depth_limit beyond detail::max_nesting. The whole path is checked before anything
  /// is written, so a failure leaves this value unchanged (the && overload too). Setting the
  /// very value already there returns this value, same node.
  [[nodiscard]] Value set_in(const Path& path, Value v) const&;
  [[nodiscard]] Value set_in(const Path& path, Value v) &&;
  /// This object without `key` (unchanged, same node, when absent). Throws type_error.
  [[nodiscard]] Value erase(std::string_view key) const&;
  [[nodiscard]] Value erase(std::string_view key) &&;
  /// This array without element i. Throws out_of_range.
  [[nodiscard]] Value erase(std::size_t i) const&;
  [[nodiscard]] Value erase(std::size_t i) &&;
  /// This array with `v` appended. Throws type_error.
  [[nodiscard]] Value push_back(Value v) const&;
  [[nodiscard]] Value push_back(Value v) &&;

  // ---- comparison and hashing ----
  /// Deep equality. Pointer-equal nodes are equal at once. Object member order is ignored.
  /// An integer equals a double of the same value (1 == 1.0), as in JSON. Inline: the same node,
  /// two integers or two inline strings are decided without a call.
  friend bool operator==(const Value& a, const Value& b) noexcept;
  /// Identity, the O(1) test for "did it change": true when `other` is this very value — the
  /// same node (arrays, objects, strings beyond inline_string_capacity), or the same type and the
  /// same bits (null, booleans, numbers, inline strings). Stricter than ==: 1 and 1.0 are equal
  /// but not the same, nor are 0.0 and -0.0; a NaN is the same as itself. Two separately built
  /// equal arrays are not the same. No allocation.
  [[nodiscard]] bool same_node(const Value& other) const noexcept;
  /// Number of owners of this value's node (1 for scalars and inline strings). For demos and
  /// tests of sharing.
  std::size_t use_count() const noexcept;
  /// Stable 64-bit hash consistent with ==: object member order does not change it; an integer
  /// and an equal double hash alike; every NaN hashes alike (one key element to the query cache).
  /// The same value hashes alike on every platform and run. Cached in the node after the first
  /// call: O(size) once, then O(1).
  [[nodiscard]] std::uint64_t hash() const noexcept {
    if (has_node() && u_.node->hash != 0) return u_.node->hash;
    return compute_hash();
  }

  // ---- JSON ----
  /// Compact JSON, members in insertion order. Throws non_finite for NaN/infinity.
  [[nodiscard]] std::string to_json() const;
  /// Canonical JSON: keys sorted by UTF-8 bytes, no whitespace, numbers in shortest round-trip
  /// form (integral doubles within ±2^53 written as integers), so equal values give equal bytes.
  [[nodiscard]] std::string to_canonical_json() const;

  /// Internal access for the library's own modules: the node, or nullptr for scalars and inline
  /// strings.
  const detail::Node* node() const noexcept { return has_node() ? u_.node : nullptr; }

  /// Strings up to this many bytes are stored in the handle itself: no node, no allocation.
  static constexpr std::size_t inline_string_capacity = 8;

 private:
  friend class ValueAccess;
  explicit Value(Type t, detail::Node* node) noexcept : type_(t) { u_.node = node; }
  static detail::Node* long_string(std::string_view s);
  /// Throws Error(type_error): expected `expected`, but the value is of another type. (One
  /// argument, so the inline readers' cold paths stay small.)
  [[noreturn]] void throw_not(Type expected) const;
  std::uint64_t compute_hash() const noexcept;
  std::int64_t integral_double() const;
  [[noreturn]] void throw_not_found(std::string_view key) const;
  /// find and get past their inline scan: an empty or large object (its index), or the errors.
  const Value* find_slow(std::string_view key) const;
  const Value& get_slow(std::string_view key) const;
  /// The object node find and get scan inline (1 to index_threshold members), or nullptr.
  const detail::ObjectNode* scannable_object() const noexcept;
  /// The inline scan itself: `key`'s value among the members of `node`, or nullptr.
  static const Value* scan_members(const detail::ObjectNode& node, std::string_view key) noexcept;
  [[noreturn]] void throw_out_of_range(std::size_t i) const;
  bool has_node() const noexcept { return type_ >= Type::string && small_ == 0; }

  Type type_;
  /// For an inline string: its length + 1 (the bytes are in u_.s); 0 otherwise.
  std::uint8_t small_ = 0;
  union {
    bool b;
    std::int64_t i;
    double d;
    detail::Node* node;
    char s[inline_string_capacity];
  } u_;
};

struct Member {
  MemberName key;
  Value value;
  friend bool operator==(const Member&, const Member&) = default;
};

// ---- the inline hot paths ----

namespace detail {
/// Deep equality of two values the inline operator== could not decide. Out of line.
bool values_equal(const Value& a, const Value& b) noexcept;
}  // namespace detail

// Inline: every memo ("has the state changed since?") asks it on its hot path.
inline bool Value::same_node(const Value& other) const noexcept {
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

inline bool operator==(const Value& a, const Value& b) noexcept {
  // Decided by the handles alone: two integers; two inline strings (zero-padded, so equal
  // strings have equal bytes); the same node. Anything else is compared deeply, out of line.
  if (a.type_ == b.type_ && a.small_ == b.small_) {
    if (a.type_ == Type::integer) return a.u_.i == b.u_.i;
    if (a.type_ >= Type::string) {
      if (a.small_ != 0) {
        static_assert(Value::inline_string_capacity == sizeof(std::uint64_t));
        std::uint64_t x;
        std::uint64_t y;
        std::memcpy(&x, a.u_.s, sizeof x);
        std::memcpy(&y, b.u_.s, sizeof y);
        return x == y;
      }
      if (a.u_.node == b.u_.node) return true;
    }
  }
  return detail::values_equal(a, b);
}

inline Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    const Type old_type = type_;
    detail::Node* old = has_node() ? u_.node : nullptr;
    type_ = other.type_;
    small_ = other.small_;
    u_ = other.u_;
    other.type_ = Type::null;
    other.small_ = 0;
#if defined(__EMSCRIPTEN__)
    if (old != nullptr) detail::release(old_type, old);
#else
    if (old != nullptr && --old->refs == 0) detail::destroy(old_type, old);
#endif
  }
  return *this;
}

inline Value& Value::operator=(const Value& other) noexcept {
  if (this != &other) *this = Value(other);
  return *this;
}

inline bool Value::as_bool() const {
  if (type_ != Type::boolean) [[unlikely]]
    throw_not(Type::boolean);
  return u_.b;
}

inline std::int64_t Value::as_int() const {
  if (type_ == Type::integer) [[likely]]
    return u_.i;
  return integral_double();
}

inline double Value::as_double() const {
  if (type_ == Type::number) return u_.d;
  if (type_ != Type::integer) [[unlikely]]
    throw_not(Type::number);
  return static_cast<double>(u_.i);
}

inline std::string_view Value::as_string() const {
  if (type_ != Type::string) [[unlikely]]
    throw_not(Type::string);
  if (small_ != 0) return std::string_view(u_.s, small_ - 1u);
  return std::string_view(static_cast<const detail::StringNode*>(u_.node)->chars(), u_.node->size);
}

inline std::span<const Value> Value::as_array() const {
  if (type_ != Type::array) [[unlikely]]
    throw_not(Type::array);
  return {static_cast<const detail::ArrayNode*>(u_.node)->items(), u_.node->size};
}

inline std::span<const Member> Value::as_object() const {
  if (type_ != Type::object) [[unlikely]]
    throw_not(Type::object);
  return {static_cast<const detail::ObjectNode*>(u_.node)->members(), u_.node->size};
}

// find and get scan a small object inline and leave everything else to one out-of-line call made
// last (a large or empty object, a type error, a missing member): nothing is live after a call on
// the hot path, so a caller such as a subscriber's `state.get("count").as_int()` saves no
// registers for it. One scan serves both; get's miss calls get_slow, which scans again (a miss is
// an error, so its cost does not matter).
inline const detail::ObjectNode* Value::scannable_object() const noexcept {
  if (type_ != Type::object) [[unlikely]]
    return nullptr;
  const auto* node = static_cast<const detail::ObjectNode*>(u_.node);
  // One unsigned compare leaves out both an empty object (so the scan below needs no test before
  // its first member) and one large enough to have an index.
  if (node->size - 1u >= detail::ObjectNode::index_threshold) [[unlikely]]
    return nullptr;
  return node;
}

inline const Value* Value::scan_members(const detail::ObjectNode& node, std::string_view key) noexcept {
  const Member* m = node.members();
#if defined(__wasm__)
  // The module keeps one copy of the test per call site (every inline expansion is carried).
  const Member* const end = m + node.size;
  do {
    if (m->key.equals(key)) return &m->value;
  } while (++m != end);
#else
  // The first member is tested before the loop is set up (its end computed, the jump into it):
  // a payload's only member, or a state's leading one, is found in a compare and a branch.
  if (m->key.equals(key)) return &m->value;
  const Member* const end = m + node.size;
  while (++m != end) {
    if (m->key.equals(key)) return &m->value;
  }
#endif
  return nullptr;
}

inline const Value* Value::find(std::string_view key) const {
  if (const detail::ObjectNode* node = scannable_object()) [[likely]]
    return scan_members(*node, key);
  return find_slow(key);
}

inline const Value& Value::get(std::string_view key) const {
  if (const detail::ObjectNode* node = scannable_object()) [[likely]] {
    if (const Value* v = scan_members(*node, key)) [[likely]]
      return *v;
  }
  return get_slow(key);
}

inline const Value& Value::at(std::size_t i) const {
  if (type_ != Type::array) [[unlikely]]
    throw_not(Type::array);
  if (i >= u_.node->size) [[unlikely]]
    throw_out_of_range(i);
  return static_cast<const detail::ArrayNode*>(u_.node)->items()[i];
}

/// Parses JSON text (RFC 8259) straight into a Value. Throws Error(invalid_json) with the byte
/// offset for malformed text, invalid_utf8 for a string that is not UTF-8, depth_limit for
/// nesting beyond options.max_depth, size_limit beyond options.max_bytes. Integers beyond int64
/// become doubles (as JavaScript reads them); a number beyond double's range is invalid_json.
Value parse_json(std::string_view text, const ParseOptions& options = {});

}  // namespace mfstate

template <>
struct std::hash<mfstate::Value> {
  std::size_t operator()(const mfstate::Value& v) const noexcept {
    return static_cast<std::size_t>(v.hash());
  }
};
