// Value::array and Value::object from braced lists when memory runs out: every allocation the
// build makes (a node, a member name beyond 15 bytes, a large object's index) is failed in turn
// (this binary's operator new), and after each failure every value the lists held is let go,
// whether already copied into a node or still in its list: the caller's values are back to their
// own references, and nothing is left over (the sanitizer build checks for leaks).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "failing_allocation.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

const std::string long_name(24, 'n');  // beyond MemberName's 15 inline bytes: allocates

Value build(const Value& child) {
  // Nested lists, named children, temporaries, long names, and an object of
  // more than 16 members (built through its index) with a repeated name.
  return Value::array(
      {child, Value(std::string(30, 's')),
       Value::object({{long_name, child}, {"list", Value::array({child, child})}, {"x" + long_name, 1}}),
       Value::object({{"m0", child},
                      {"m1", 1},
                      {"m2", 2},
                      {"m3", 3},
                      {"m4", 4},
                      {"m5", 5},
                      {"m6", 6},
                      {"m7", 7},
                      {"m8", 8},
                      {"m9", 9},
                      {"ma", 10},
                      {"mb", 11},
                      {"mc", 12},
                      {"md", 13},
                      {"me", 14},
                      {long_name, child},
                      {"m0", 15}})});
}

TEST(ValueListBuildOutOfMemory, EachFailingAllocationLetsGoOfEveryValueInTheLists) {
  const Value child = Value::object({{"id", 7}});
  const std::string expected = build(child).to_json();
  ASSERT_EQ(child.use_count(), 1u);
  long failures = 0;
  for (long k = 1;; ++k) {
    allocations_to_failure = k;
    bool failed = false;
    try {
      const Value built = build(child);
      allocations_to_failure = 0;
      EXPECT_EQ(built.to_json(), expected);
    } catch (const std::bad_alloc&) {
      failed = true;
      ++failures;
    }
    allocations_to_failure = 0;
    ASSERT_EQ(child.use_count(), 1u) << "after failing allocation " << k;
    if (!failed) break;
  }
  EXPECT_GE(failures, 4) << "the build allocates: two long names, the index, the long string at least";
}

}  // namespace
