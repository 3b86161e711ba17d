// mfstate query keys: the identity of an entry in the shared query cache.
//
// A query key is an array Value: `["user", 42]`, `["user", {"id": 42, "page": 2}]`. Two keys
// name the same entry when they are equal as Values, which is TanStack Query's rule (its
// `hashKey` is JSON.stringify with object members sorted): the order of an object's members never
// matters, the order of an array's elements always does, and 1 equals 1.0.
//
// `key_from_url` builds the key of an HTTP request, so two micro-frontends that spell the same
// request differently (`HTTPS://Api.Example.com:443/users/./me?b=2&a=1` and
// `https://api.example.com/users/me?a=1&b=2`) share one cache entry. See docs/keys.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mfstate/value.hpp"

namespace mfstate {

class KeyBuilder;

/// Throws Error(invalid_key) unless `key` is an array. O(1), no allocation.
void check_key(const Value& key);

/// The 64-bit hash of a query key: Value::hash() of the array, so it ignores object member order,
/// respects array order, agrees with == and is the same on every platform and run. Equal keys
/// hash alike; different keys collide with probability ~2^-64, so an index confirms with ==.
/// O(size of the key) the first time, O(1) after (the hash is cached in the key's nodes); does
/// not allocate. Throws Error(invalid_key) when `key` is not an array.
[[nodiscard]] std::uint64_t hash_key(const Value& key);

/// The canonical text of a key: byte for byte what TanStack's `hashKey` returns (JSON.stringify
/// with object members sorted: array-index names such as "7" first in numeric order, the others
/// by UTF-16 code units; numbers as JavaScript writes them, 1e21 -> "1e+21", 1.0 -> "1"). Equal
/// keys give equal text. For display, logs and dehydrated caches shared with TanStack Query.
/// Integers beyond ±2^53 are written as the double JavaScript would hold. Allocates, O(size).
/// Throws Error(invalid_key) when `key` is not an array or holds NaN or an infinity.
[[nodiscard]] std::string key_string(const Value& key);

/// A query key as canonical bytes: the form an exact index stores and compares. Every element is
/// written so that it delimits itself, object members sorted by name, 1.0 as 1, so equal keys
/// (==) have equal bytes and different keys different bytes; equality is then a hash compare and
/// a memcmp. The hash is hash_key(key), computed once. The bytes of a key's first k elements are
/// a prefix of its bytes (prefix()), so "is this key under the prefix filter f" — for a filter of
/// exact elements — is one memcmp too. KeyBuilder (key_builder.hpp) writes one without a Value.
class FlatKey {
 public:
  /// Bytes stored inline (no allocation): `["user", {"id": 42}]` takes 30, a three-element key
  /// of short strings and integers a few dozen.
  static constexpr std::size_t inline_capacity = 96;

  /// The canonical form of `key`: one pass over it; allocates only beyond inline_capacity bytes
  /// or 8 elements. Throws Error(invalid_key) when `key` is not an array.
  explicit FlatKey(const Value& key);
  /// Copies allocate as the original did.
  FlatKey(const FlatKey& other);
  FlatKey& operator=(const FlatKey& other);
  FlatKey(FlatKey&& other) noexcept;
  FlatKey& operator=(FlatKey&& other) noexcept;
  ~FlatKey() = default;

  /// The canonical bytes.
  std::string_view bytes() const noexcept { return {data_, size_}; }
  /// hash_key of the key. O(1).
  std::uint64_t hash() const noexcept { return hash_; }
  /// The number of elements.
  std::size_t size() const noexcept { return elements_; }
  /// The bytes of the first `k` elements (k ≤ size()), without the closing bracket: a key is
  /// under the exact prefix f when its prefix(f.size()) equals f.prefix(f.size()). O(1).
  std::string_view prefix(std::size_t k) const noexcept;

  /// Equal keys: the same hash and the same bytes. No allocation.
  friend bool operator==(const FlatKey& a, const FlatKey& b) noexcept {
    return a.hash_ == b.hash_ && a.bytes() == b.bytes();
  }

 private:
  friend class KeyBuilder;
  // The bytes "[" and nothing else yet: where a KeyBuilder starts writing.
  struct Empty {};
  explicit FlatKey(Empty) noexcept { inline_[0] = '['; }
  void copy_from(const FlatKey& other);
  void take(FlatKey& other) noexcept;
  static constexpr std::size_t inline_ends = 8;

  const char* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t elements_ = 0;
  std::uint64_t hash_ = 0;
  char inline_[inline_capacity];
  std::uint32_t ends_[inline_ends];             // where element i's bytes end
  std::unique_ptr<char[]> heap_;                // the bytes, beyond inline_capacity
  std::unique_ptr<std::uint32_t[]> heap_ends_;  // the ends, beyond inline_ends elements
};

/// TanStack's partial match. `exact`: true when `key` equals `filter` (equal canonical forms:
/// Value's ==, except that a NaN equals a NaN, as the query cache holds keys).
/// Otherwise an array matches when the filter array is a prefix of it, an object when every
/// member of the filter object matches the member of the same name in it, both applied
/// recursively at every level (as query-core's partialMatchKey); anything else by equality as
/// for `exact`.
/// `[]` matches every key. Does not allocate; O(size of the filter). Throws Error(invalid_key)
/// when `filter` or `key` is not an array.
[[nodiscard]] bool matches(const Value& filter, const Value& key, bool exact = false);

/// The key of an HTTP request: `[METHOD, "scheme://host[:port]/path", {params}]`.
/// - method: upper-cased; must be an HTTP token (letters, digits, !#$%&'*+-.^_`|~).
/// - url: absolute with "scheme://host" (scheme and host lower-cased, default port of http/ws 80
///   and https/wss 443 dropped, user info rejected) or origin-relative starting with "/" (kept
///   relative: "/api/users/me"). Path: percent-escapes of unreserved characters decoded, other
///   escapes upper-cased, characters that have no place in a path percent-encoded, dot segments
///   removed (RFC 3986 5.2.4), an empty path becomes "/". The fragment is dropped.
/// - query and params: the query is read as application/x-www-form-urlencoded ('+' is a space,
///   escapes decoded). `params` (an object) is appended after the query's parameters: a name in
///   both is repeated, query values first. Number and boolean params are written as a URL
///   writes them (2 -> "2", true -> "true"), an array gives a repeated parameter, null is left
///   out. In the result, parameters are sorted by name; a parameter given once is a string,
///   one given several times an array of its strings in the order given. The params object is
///   always present, empty when there are none.
/// Allocates; O(length of url + size of params). Throws Error(invalid_url) for a URL it cannot
/// read (control characters, spaces, bad escapes, bad ports, text that is not UTF-8, a relative
/// path not starting with "/") and Error(invalid_key) for a bad method or params (not an
/// object, or holding objects or nested arrays). Idempotent: calling it again with the
/// method, URL and params of its result gives the same key.
[[nodiscard]] Value key_from_url(std::string_view method, std::string_view url,
                                 const Value& params = Value::object());

}  // namespace mfstate
