// Letting go of a deeply nested Value when memory runs out. Nodes deeper than the recursive
// release depth are freed through a work list (no recursion as deep as the value); freeing is
// noexcept, so that list must not allocate: a bad_alloc there would end the process. This
// binary's operator new fails the next allocation while such values are released, and counts
// whether one was asked for.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "failing_allocation.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// `leaf` wrapped in `depth` arrays and objects, alternately.
Value nested(int depth, Value leaf) {
  Value v = std::move(leaf);
  for (int i = 0; i < depth; ++i) {
    v = i % 2 == 0 ? Value::array({std::move(v)}) : Value::object({{"child", std::move(v)}});
  }
  return v;
}

// Drops `v` with the next allocation failing; true when no allocation was asked for.
bool released_without_allocating(Value& v) {
  allocations_to_failure = 1;
  v = Value();
  const bool none = allocations_to_failure == 1;
  allocations_to_failure = 0;
  return none;
}

TEST(ValueReleaseOutOfMemory, ADeepChainIsFreedWithoutAllocating) {
  Value v = nested(1000, Value(std::string(40, 'x')));
  EXPECT_TRUE(released_without_allocating(v));
  EXPECT_TRUE(v.is_null());
}

// Several deep children, each waiting on the work list while another is freed, some shared with
// a value that stays (those are only let go of, and stay whole).
TEST(ValueReleaseOutOfMemory, ManyDeepChildrenAreFreedWithoutAllocating) {
  const Value kept = nested(300, Value(7));
  const std::string kept_json = kept.to_json();
  Value root = Value::array();
  for (int i = 0; i < 40; ++i) {
    Value child = i % 4 == 0 ? kept : nested(100 + i * 10, Value(i));
    root =
        std::move(root).push_back(Value::object({{"deep", std::move(child)}, {"wide", nested(90, Value())}}));
  }
  root = nested(200, std::move(root));
  EXPECT_TRUE(released_without_allocating(root));
  EXPECT_EQ(kept.use_count(), 1u);
  EXPECT_EQ(kept.to_json(), kept_json);
}

}  // namespace
