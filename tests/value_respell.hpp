// Shared by the tests that check a reading of canonical bytes against Value's own answers: the
// same value spelled otherwise, which every canonical form (bytes, hash, ==) must not tell apart.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "mfstate/value.hpp"

namespace mfstate::testing {

/// `v` spelled otherwise: integral numbers that a double holds exactly as doubles (1 == 1.0),
/// a NaN as a NaN of other bits (its sign flipped: one key element, detail::key_equal), object
/// members in reverse order, at every depth.
inline Value respell(const Value& v) {
  if (v.is_int() && std::llabs(v.as_int()) < (std::int64_t{1} << 53)) return Value(static_cast<double>(v.as_int()));
  if (v.is_double() && std::isnan(v.as_double())) return Value(-v.as_double());
  if (v.is_array()) {
    std::vector<Value> items;
    for (const Value& e : v.as_array()) items.push_back(respell(e));
    return Value::array(std::move(items));
  }
  if (v.is_object()) {
    std::vector<Member> members;
    for (const Member& m : v.as_object()) members.insert(members.begin(), {m.key, respell(m.value)});
    return Value::object(std::move(members));
  }
  return v;
}

}  // namespace mfstate::testing
