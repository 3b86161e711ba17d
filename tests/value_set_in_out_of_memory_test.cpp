// set_in and the other updaters on an rvalue when memory runs out. This binary's operator new fails
// the k-th allocation, for every k in turn, under each update; after each failure the value is
// checked to be exactly what it was (its JSON and its hash), and after the first success to be
// what the update makes. An rvalue's unshared nodes are updated in place, so an update that
// placed a new member and then failed to allocate the next one would leave half of itself behind.
// While an update runs, this thread's pool of small blocks is held empty, so that every node the
// update makes comes from operator new and may fail.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "block_pool.hpp"
#include "failing_allocation.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// Takes every block this thread's pool keeps (at most max_cached of each size class) and gives
// them back when it goes: while it lives, a node is a fresh allocation.
class PoolHeldEmpty {
 public:
  PoolHeldEmpty() {
    held_.reserve(detail::pool::classes * detail::pool::max_cached);
    for (std::size_t c = 0; c < detail::pool::classes; ++c) {
      const std::size_t bytes = (c + 1) * detail::pool::granule;
      for (std::uint32_t i = 0; i < detail::pool::max_cached; ++i)
        held_.emplace_back(detail::allocate_block(bytes), bytes);
    }
  }
  ~PoolHeldEmpty() {
    for (const auto& [block, bytes] : held_) detail::free_block(block, bytes);
  }
  PoolHeldEmpty(const PoolHeldEmpty&) = delete;
  PoolHeldEmpty& operator=(const PoolHeldEmpty&) = delete;

 private:
  std::vector<std::pair<void*, std::size_t>> held_;
};

// Applies `update` to a fresh `make()` with the k-th allocation failing, for k = 1, 2, ... until
// it succeeds; `shared` keeps a second owner of the value (so the update copies, not writes in
// place). Each failure must leave the value exactly as made; the success must give `expected`.
// Returns how many allocations failed (the update's allocations before the one that succeeded).
long fail_each_allocation(const std::function<Value()>& make, const std::function<Value(Value&&)>& update,
                          const std::string& expected_json, bool shared) {
  long failures = 0;
  for (long k = 1;; ++k) {
    Value v = make();
    const Value kept = shared ? v : Value();
    const std::string before = v.to_json();
    const std::uint64_t before_hash = parse_json(before).hash();
    const std::string when =
        std::string(shared ? "shared" : "in place") + ", allocation " + std::to_string(k);
    bool failed = false;
    {
      const PoolHeldEmpty no_pooled_blocks;
      allocations_to_failure = k;
      try {
        v = update(std::move(v));
      } catch (const std::bad_alloc&) {
        failed = true;
        ++failures;
      }
      allocations_to_failure = 0;
    }
    if (failed) {
      EXPECT_EQ(v.to_json(), before) << when;
      EXPECT_EQ(v.hash(), before_hash) << when;
      EXPECT_TRUE(v == parse_json(before)) << when;
      if (shared) EXPECT_EQ(kept.to_json(), before) << when;
      continue;
    }
    EXPECT_EQ(v.to_json(), expected_json) << when;
    EXPECT_EQ(v.hash(), parse_json(expected_json).hash()) << when;
    if (shared) EXPECT_EQ(kept.to_json(), before) << when;
    return failures;
  }
}

// Every update below, in place and on a shared value. (Each path is made before the failing
// allocations start: a path's own copy failing is not what is tested.)
void expect_all_or_nothing(const std::function<Value()>& make, const std::function<Value(Value&&)>& update,
                           const std::string& expected_json) {
  for (const bool shared : {false, true}) {
    const long failures = fail_each_allocation(make, update, expected_json, shared);
    EXPECT_GE(failures, 1) << "the update allocates, so some allocation of it was made to fail";
  }
}

// The value set, made inside each update (its own allocations fail in turn too, which must leave
// the value alone as well): a member name beyond 15 bytes and a string beyond 8 bytes.
Value payload() { return Value::object({{"a long member name here", "a long string value"}}); }
const std::string payload_json = R"({"a long member name here":"a long string value"})";

// The review's case: {"a": ...} is placed in `{}`, then the next container cannot be had.
TEST(ValueSetInOutOfMemory, MissingChainOfObjectsIsAllOrNothing) {
  const Path path({"a", "b"});
  expect_all_or_nothing([] { return Value::object(); },
                        [&](Value&& v) { return std::move(v).set_in(path, payload()); },
                        R"({"a":{"b":)" + payload_json + "}}");
}

// Missing steps under existing ones, with names beyond 15 bytes (each allocates).
TEST(ValueSetInOutOfMemory, MissingChainUnderExistingMembersIsAllOrNothing) {
  const Path path({"outer", "a member name of 24 chars", "another long member name"});
  expect_all_or_nothing(
      [] {
        return Value::object({{"outer", Value::object({{"kept", 1}})}, {"other", "a long string value"}});
      },
      [&](Value&& v) { return std::move(v).set_in(path, Value(7)); },
      R"({"outer":{"kept":1,"a member name of 24 chars":{"another long member name":7}},"other":"a long string value"})");
}

// Arrays on the path: an index appending to an existing array, then new arrays and objects.
TEST(ValueSetInOutOfMemory, MissingChainThroughArraysIsAllOrNothing) {
  const Path into_list({"list", 1, 0, "name"});
  expect_all_or_nothing(
      [] {
        return Value::object({{"list", Value::array({1})}});
      },
      [&](Value&& v) { return std::move(v).set_in(into_list, payload()); },
      R"({"list":[1,[{"name":)" + payload_json + "}]]}");
  const Path into_array({0, "x", 0});
  expect_all_or_nothing([] { return Value::array(); },
                        [&](Value&& v) { return std::move(v).set_in(into_array, Value(true)); },
                        R"([{"x":[true]}])");
}

// A full node on the path grows (a bigger block) before the chain is attached.
TEST(ValueSetInOutOfMemory, MissingChainInAFullNodeIsAllOrNothing) {
  const Path path({"inner", "z", "w"});
  expect_all_or_nothing(
      [] {
        return Value::object({{"inner", Value::object({{"x", 1}, {"y", 2}})}});
      },
      [&](Value&& v) { return std::move(v).set_in(path, Value(3)); },
      R"({"inner":{"x":1,"y":2,"z":{"w":3}}})");
}

// Replacing an existing member deep down: only the copies of shared nodes allocate.
TEST(ValueSetInOutOfMemory, ReplacingAnExistingMemberIsAllOrNothing) {
  const auto make = [] {
    return Value::object(
        {{"outer", Value::object({{"inner", Value::array({1, 2})}})}, {"name", "a long string value"}});
  };
  const Path path({"outer", "inner", 1});
  const long failures = fail_each_allocation(
      make, [&](Value&& v) { return std::move(v).set_in(path, payload()); },
      R"({"outer":{"inner":[1,)" + payload_json + R"(]},"name":"a long string value"})", true);
  EXPECT_GE(failures, 1);
}

// The single-step updaters on an rvalue, each with room to make (a full node grows, a shared one
// is copied, a long member name allocates).
TEST(ValueSetInOutOfMemory, SingleStepUpdatersAreAllOrNothing) {
  const auto object = [] { return Value::object({{"x", 1}, {"y", "a long string value"}}); };
  const auto array = [] { return Value::array({1, "a long string value"}); };
  expect_all_or_nothing(
      object, [](Value&& v) { return std::move(v).set("a member name of 24 chars", payload()); },
      R"({"x":1,"y":"a long string value","a member name of 24 chars":)" + payload_json + "}");
  expect_all_or_nothing(
      array, [](Value&& v) { return std::move(v).push_back(payload()); },
      R"([1,"a long string value",)" + payload_json + "]");
  expect_all_or_nothing(
      array, [](Value&& v) { return std::move(v).set(std::size_t{2}, Value(3)); },
      R"([1,"a long string value",3])");
  // Erasing and replacing need no room: only a shared node's copy allocates.
  EXPECT_GE(
      fail_each_allocation(
          object, [](Value&& v) { return std::move(v).erase("x"); }, R"({"y":"a long string value"})", true),
      1);
  EXPECT_GE(fail_each_allocation(
                array, [](Value&& v) { return std::move(v).erase(std::size_t{0}); },
                R"(["a long string value"])", true),
            1);
  EXPECT_GE(fail_each_allocation(
                object, [](Value&& v) { return std::move(v).set("x", payload()); },
                R"({"x":)" + payload_json + R"(,"y":"a long string value"})", true),
            1);
}

}  // namespace
