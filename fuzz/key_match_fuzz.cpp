// libFuzzer target for hash_key, key_string and matches. Input: two JSON texts separated by a
// NUL byte. When both parse to arrays, checks that exact matching agrees with equality, the hash
// and the canonical text; that every prefix of a key matches it; and that partial matching of
// keys that are equal holds both ways. Only mfstate::Error may be thrown, and only for non-keys.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "mfstate/key.hpp"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "key_match_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

bool text_of(const mfstate::Value& key, std::string& out) {
  try {
    out = mfstate::key_string(key);
    return true;
  } catch (const mfstate::Error& e) {
    require(e.code() == mfstate::ErrorCode::invalid_key, "key_string fails only with invalid_key");
    return false;
  }
}

// Beyond 2^53, JavaScript's text of a number is not the number: key_string writes integers
// there as JavaScript's doubles (two such keys can share a text), and a large integral double is
// written in digits that parse_json reads back as an exact int64 of another value. Properties
// about text skip keys holding such numbers.
bool has_big_int(const mfstate::Value& v) {
  if (v.is_number() && std::fabs(v.as_double()) > 9007199254740992.0) return true;
  if (v.is_array()) {
    for (const mfstate::Value& e : v.as_array()) {
      if (has_big_int(e)) return true;
    }
  }
  if (v.is_object()) {
    for (const mfstate::Member& m : v.as_object()) {
      if (has_big_int(m.value)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mfstate::Value;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  Value a, b;
  try {
    a = mfstate::parse_json(input.substr(0, nul));
    b = mfstate::parse_json(input.substr(nul + 1));
  } catch (const mfstate::Error&) {
    return 0;
  }
  if (!a.is_array() || !b.is_array()) {
    try {
      mfstate::matches(a, b);
      require(false, "matches accepts only arrays");
    } catch (const mfstate::Error& e) {
      require(e.code() == mfstate::ErrorCode::invalid_key, "a non-array key is invalid_key");
    }
    return 0;
  }
  bool exact = mfstate::matches(a, b, true);
  require(exact == (a == b), "exact matching is equality");
  if (exact) require(mfstate::hash_key(a) == mfstate::hash_key(b), "equal keys hash alike");
  std::string ta, tb;
  if (text_of(a, ta) && text_of(b, tb)) {
    if (exact) require(ta == tb, "equal keys have equal texts");
    if (!has_big_int(a) && !has_big_int(b)) require((ta == tb) == exact, "equal texts only for equal keys");
    if (!has_big_int(a)) require(mfstate::parse_json(ta) == a, "the canonical text parses back");
  }
  bool partial = mfstate::matches(a, b);
  if (exact) require(partial && mfstate::matches(b, a), "equal keys match each other partially");
  if (partial) require(a.size() <= b.size(), "a matching filter is no longer than the key");
  for (std::size_t n = 0; n <= b.size(); ++n) {
    Value prefix = Value::array();
    for (std::size_t i = 0; i < n; ++i) prefix = std::move(prefix).push_back(b.at(i));
    require(mfstate::matches(prefix, b), "a key matches its prefixes");
    if (n < b.size()) require(!mfstate::matches(b, prefix), "a key does not match its shorter prefixes");
  }
  return 0;
}
