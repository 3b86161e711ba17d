// Shared by the tests of a state lent to its reducer (store_lent_state_test, and inside a
// transaction transaction_lent_state_test): the object state both start from.
#pragma once

#include "mfstate/value.hpp"

namespace mfstate::testing {

/// Six members, one of them an object: wide enough that an in-place `set` and a copy differ.
inline Value lent_initial_state() {
  return Value::object({{"count", 0},
                        {"user", Value::object({{"name", "John Doe"}})},
                        {"a", 1},
                        {"b", 2},
                        {"c", 3},
                        {"d", 4}});
}

}  // namespace mfstate::testing
