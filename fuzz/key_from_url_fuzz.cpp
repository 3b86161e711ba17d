// libFuzzer target for key_from_url. Input: "method\nurl\nparams-json" (missing parts default to
// "GET", "/" and {}). Properties checked on every input:
//  - it returns a key or throws mfstate::Error(invalid_url | invalid_key), nothing else;
//  - the key is [upper-case method, URL, {name: text | [text, ...]}];
//  - normalising the key's own method, URL and params gives the same key (idempotence), the same
//    hash and the same canonical text;
//  - the canonical text parses back to the key, and the key matches itself and its prefixes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "mfstate/key.hpp"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "key_from_url_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

void check_key_shape(const mfstate::Value& key) {
  using mfstate::Value;
  require(key.is_array() && key.size() == 3, "the key has three elements");
  require(key.at(0).is_string() && !key.at(0).as_string().empty(), "the method is a non-empty string");
  for (char c : key.at(0).as_string()) require(!(c >= 'a' && c <= 'z'), "the method is upper-case");
  require(key.at(1).is_string(), "the URL is a string");
  std::string_view url = key.at(1).as_string();
  require(url.find('/') != std::string_view::npos, "the URL has a path");
  require(url.find_first_of("?# ") == std::string_view::npos, "the URL has no query, fragment or space");
  require(key.at(2).is_object(), "the params are an object");
  const mfstate::Member* previous = nullptr;
  for (const mfstate::Member& m : key.at(2).as_object()) {
    if (previous) require(previous->key < m.key, "params are sorted and unique");
    previous = &m;
    if (m.value.is_array()) {
      require(m.value.size() >= 2, "a repeated parameter has several values");
      for (const Value& v : m.value.as_array()) require(v.is_string(), "repeated values are strings");
    } else {
      require(m.value.is_string(), "a parameter value is a string");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mfstate::ErrorCode;
  using mfstate::Value;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = "GET";
  std::string_view url = input;
  Value params = Value::object();
  if (auto nl = input.find('\n'); nl != std::string_view::npos) {
    method = input.substr(0, nl);
    url = input.substr(nl + 1);
    if (auto nl2 = url.find('\n'); nl2 != std::string_view::npos) {
      std::string_view json = url.substr(nl2 + 1);
      url = url.substr(0, nl2);
      try {
        params = mfstate::parse_json(json);
      } catch (const mfstate::Error&) {
        params = Value::object();
      }
    }
  }

  Value key;
  try {
    key = mfstate::key_from_url(method, url, params);
  } catch (const mfstate::Error& e) {
    require(e.code() == ErrorCode::invalid_url || e.code() == ErrorCode::invalid_key,
            "errors are invalid_url or invalid_key");
    return 0;
  }
  check_key_shape(key);

  Value again = mfstate::key_from_url(key.at(0).as_string(), key.at(1).as_string(), key.at(2));
  require(again == key, "normalising a key again gives the same key");
  require(mfstate::hash_key(again) == mfstate::hash_key(key), "equal keys hash alike");
  std::string text = mfstate::key_string(key);
  require(mfstate::key_string(again) == text, "equal keys have one canonical text");
  require(mfstate::parse_json(text) == key, "the canonical text parses back to the key");

  require(mfstate::matches(key, key, true), "a key matches itself exactly");
  for (std::size_t n = 0; n <= key.size(); ++n) {
    Value prefix = Value::array();
    for (std::size_t i = 0; i < n; ++i) prefix = std::move(prefix).push_back(key.at(i));
    require(mfstate::matches(prefix, key), "a key matches its prefixes");
  }
  return 0;
}
