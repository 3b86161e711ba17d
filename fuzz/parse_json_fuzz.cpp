// libFuzzer target for parse_json. Any input must either parse or throw mfstate::Error (never
// crash, leak or hit undefined behaviour). What parses must round-trip: to_json -> parse_json
// gives an equal value with an equal hash, and canonical JSON is a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/value.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  // abort() makes libFuzzer save the input as a crash.
  __builtin_trap();
  (void)what;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mfstate::Value v;
  try {
    // A small depth limit on some inputs exercises the limit path as well.
    mfstate::ParseOptions options;
    if (size > 0 && data[0] == ' ') options.max_depth = 8;
    v = mfstate::parse_json(text, options);
  } catch (const mfstate::Error&) {
    return 0;
  }
  std::string json;
  try {
    json = v.to_json();
  } catch (const mfstate::Error&) {
    fail("a parsed value could not be serialised");
  }
  mfstate::Value back = mfstate::parse_json(json, {.max_depth = mfstate::detail::max_nesting});
  if (!(back == v) || !(v == back)) fail("to_json -> parse_json changed the value");
  if (back.hash() != v.hash()) fail("equal values hash differently");
  if (back.to_json() != json) fail("to_json is not stable across a round trip");

  std::string canonical = v.to_canonical_json();
  mfstate::Value from_canonical = mfstate::parse_json(canonical, {.max_depth = mfstate::detail::max_nesting});
  if (!(from_canonical == v)) fail("canonical JSON changed the value");
  if (from_canonical.to_canonical_json() != canonical) fail("canonical JSON is not a fixed point");
  if (from_canonical.hash() != v.hash()) fail("canonical copy hashes differently");
  if (back.to_canonical_json() != canonical) fail("equal values give different canonical bytes");

  // Updates: set_in along the first-child path must leave the original alone, and the in-place
  // (rvalue, unshared) path must give the same result as the copying one.
  std::vector<mfstate::PathElement> steps;
  for (const mfstate::Value* cur = &v; steps.size() < 4;) {
    if (cur->is_array() && cur->size() > 0) {
      steps.emplace_back(cur->size() - 1);
      cur = &cur->as_array().back();
    } else if (cur->is_object() && cur->size() > 0) {
      steps.emplace_back(cur->as_object().front().key);
      cur = &cur->as_object().front().value;
    } else {
      break;
    }
  }
  mfstate::Path path(steps);
  mfstate::Value marker = mfstate::Value::array({"marker", static_cast<std::int64_t>(size)});
  mfstate::Value copied = v.set_in(path, marker);
  if (!(v == back) || v.to_json() != json) fail("a const set_in changed the original");
  if (!(copied.get_in(path) == marker)) fail("set_in did not set");
  mfstate::Value in_place = std::move(back).set_in(path, marker);
  if (!(in_place == copied) || in_place.hash() != copied.hash()) fail("in-place and copying set_in differ");
  if (!path.empty()) {
    const auto& last = steps.back();
    mfstate::Path parent(std::vector<mfstate::PathElement>(steps.begin(), steps.end() - 1));
    const mfstate::Value& container = in_place.get_in(parent);
    mfstate::Value smaller = last.is_index() ? container.erase(std::get<std::size_t>(last))
                                             : container.erase(std::get<std::string>(last));
    if (smaller.size() + 1 != container.size()) fail("erase did not remove one element");
  }
  return 0;
}
