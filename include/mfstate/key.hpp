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

#include <cstdint>
#include <string>
#include <string_view>

#include "mfstate/value.hpp"

namespace mfstate {

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

/// TanStack's partial match. `exact`: true when `key` equals `filter` (equal canonical forms).
/// Otherwise an array matches when the filter array is a prefix of it, an object when every
/// member of the filter object matches the member of the same name in it, both applied
/// recursively at every level (as query-core's partialMatchKey); anything else by ==.
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
[[nodiscard]] Value key_from_url(std::string_view method, std::string_view url, const Value& params = Value::object());

}  // namespace mfstate
