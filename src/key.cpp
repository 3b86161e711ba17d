// Query keys: hashing, canonical text and TanStack's partial matching. key_from_url is in url.cpp.

#include "mfstate/key.hpp"

#include <string>

namespace mfstate {

namespace {

// query-core's partialMatchKey: every field of the filter must match the field of the same name
// (an array's fields are its indices, so an array filter is a prefix), recursively; anything
// else by equality. Recursion depth is bounded by the filter's nesting (a Value's is bounded).
bool partial_match(const Value& filter, const Value& key) {
  if (filter.same_node(key)) return true;
  if (filter.is_array()) {
    if (!key.is_array() || key.size() < filter.size()) return false;
    auto fs = filter.as_array();
    auto ks = key.as_array();
    for (std::size_t i = 0; i < fs.size(); ++i) {
      if (!partial_match(fs[i], ks[i])) return false;
    }
    return true;
  }
  if (filter.is_object()) {
    if (!key.is_object()) return false;
    for (const Member& m : filter.as_object()) {
      const Value* field = key.find(m.key);
      if (!field || !partial_match(m.value, *field)) return false;
    }
    return true;
  }
  return filter == key;
}

}  // namespace

void check_key(const Value& key) {
  if (!key.is_array()) {
    throw Error(ErrorCode::invalid_key,
                "a query key is an array, such as [\"user\", 42], but got a value of type " +
                    std::string(to_string(key.type())));
  }
}

std::uint64_t hash_key(const Value& key) {
  check_key(key);
  return key.hash();
}

std::string key_string(const Value& key) {
  check_key(key);
  try {
    return key.to_canonical_json();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::non_finite) throw;
    throw Error(ErrorCode::invalid_key,
                "a query key holding NaN or an infinity has no canonical text (JSON cannot spell them)");
  }
}

bool matches(const Value& filter, const Value& key, bool exact) {
  check_key(filter);
  check_key(key);
  // Equality is equality of canonical forms (member order ignored, 1 == 1.0), and compares
  // cached hashes first when both keys have them.
  if (exact) return filter == key;
  return partial_match(filter, key);
}

}  // namespace mfstate
