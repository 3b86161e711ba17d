// The member index of a large object (more than ObjectNode::index_threshold members) when memory
// runs out. This binary's operator new fails the k-th allocation, for every k in turn, under each
// operation that may allocate the index; after each failure the object is checked whole: every
// member it lists is the one find and get return, == and the hash agree with a fresh copy, and a
// failed update left the object exactly as it was.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "failing_allocation.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

std::string name(int i) { return "member" + std::to_string(i); }

// An object of `n` members (n > 16: it has an index), made by appending one member at a time as
// a reducer would, so that its block has room to grow in place.
Value object_of(int n) {
  Value o = Value::object();
  for (int i = 0; i < n; ++i) o = std::move(o).set(name(i), i);
  return o;
}

// Every member `o` lists is what find, get and find_in return for its name; a name it lacks is
// not found; == with a copy in reverse order (which looks each member up) and the hash agree.
void expect_whole(const Value& o, const std::string& when) {
  ASSERT_EQ(allocations_to_failure, 0);
  const auto members = o.as_object();
  for (const Member& m : members) {
    EXPECT_EQ(o.find(m.key), &m.value) << when << ": " << std::string_view(m.key);
    EXPECT_EQ(o.find_in(Path({std::string(m.key)})), &m.value) << when;
  }
  EXPECT_EQ(o.find("absent"), nullptr) << when;
  const std::vector<Member> reversed(members.rbegin(), members.rend());
  const Value copy = Value::object(reversed);
  EXPECT_TRUE(copy == o) << when;
  EXPECT_TRUE(o == copy) << when;
  EXPECT_EQ(copy.hash(), o.hash()) << when;
}

// Appending to an object whose index is full makes a larger index. Each failing allocation must
// leave the object as it was (the member not in it), or the member in it and found.
TEST(ValueIndexOutOfMemory, AppendingThatGrowsTheIndexFailsWhole) {
  // 31 members: the index (64 slots, twice the members and more) takes no 32nd; the block has
  // room for it, so the append writes in place.
  for (const bool in_place : {true, false}) {
    long failures = 0;
    for (long k = 1;; ++k) {
      Value o = object_of(31);
      const Value kept = in_place ? Value() : o;  // a second owner: set copies the node
      const std::string before = o.to_json();
      const std::string when =
          std::string(in_place ? "in place" : "copied") + ", allocation " + std::to_string(k);
      allocations_to_failure = k;
      bool failed = false;
      try {
        o = std::move(o).set("added", 99);
      } catch (const std::bad_alloc&) {
        failed = true;
        ++failures;
      }
      allocations_to_failure = 0;
      expect_whole(o, when);
      if (failed) {
        EXPECT_EQ(o.to_json(), before) << when;
        EXPECT_EQ(o.find("added"), nullptr) << when;
      } else {
        ASSERT_NE(o.find("added"), nullptr) << when;
        EXPECT_EQ(o.get("added").as_int(), 99) << when;
        EXPECT_EQ(o.size(), 32u) << when;
        break;
      }
    }
    EXPECT_GE(failures, 1) << "the append allocates the larger index";
  }
}

// set_in appends a missing member the same way, one step down.
TEST(ValueIndexOutOfMemory, SetInThatGrowsTheIndexFailsWhole) {
  long failures = 0;
  for (long k = 1;; ++k) {
    Value root = Value::object({{"inner", object_of(31)}});
    const std::string before = root.to_json();
    const std::string when = "allocation " + std::to_string(k);
    allocations_to_failure = k;
    bool failed = false;
    try {
      root = std::move(root).set_in(Path({"inner", "added"}), Value(99));
    } catch (const std::bad_alloc&) {
      failed = true;
      ++failures;
    }
    allocations_to_failure = 0;
    expect_whole(root.get("inner"), when);
    if (!failed) {
      EXPECT_EQ(root.get("inner").get("added").as_int(), 99) << when;
      break;
    }
    EXPECT_EQ(root.to_json(), before) << when;
  }
  EXPECT_GE(failures, 1);
}

// Runs `lookup` with the first allocation it makes failing, and checks that it made one (the
// object's index, made on first use): the lookup must answer all the same, not end the process.
template <typename Lookup>
auto with_index_unavailable(Lookup lookup) {
  allocations_to_failure = 1;
  auto result = lookup();
  const bool failed_one = allocations_to_failure == 0;
  allocations_to_failure = 0;
  EXPECT_TRUE(failed_one) << "the lookup made the index";
  return result;
}

// Erasing a member drops a large object's index; the next lookup makes it again. Every lookup of
// such an object, whoever sent it, must answer when that index cannot be had.
TEST(ValueIndexOutOfMemory, LookupsWithoutMemoryForTheIndexScanTheMembers) {
  const Value o = object_of(24).erase(name(0));
  const auto members = o.as_object();
  const Value reversed = Value::object(std::vector<Member>(members.rbegin(), members.rend()));
  const Value changed = reversed.set(name(5), -1);
  for (const Member& m : members) {
    const std::string_view key = m.key;
    const Path path({std::string(key)});
    EXPECT_EQ(with_index_unavailable([&] { return o.find(key); }), &m.value) << key;
    EXPECT_EQ(with_index_unavailable([&] { return &o.get(key); }), &m.value) << key;
    EXPECT_EQ(with_index_unavailable([&] { return o.find_in(path); }), &m.value) << key;
  }
  EXPECT_EQ(with_index_unavailable([&] { return o.find(name(0)); }), nullptr);
  EXPECT_EQ(with_index_unavailable([&] { return o.find("absent"); }), nullptr);
  expect_whole(o, "after the failed index builds");
  // == looks up in its right side each member of its left (the two orders differ): the first
  // lookup fails to make the index, the next ones make it. Each on a copy with no index yet.
  const Value same = object_of(24).erase(name(0));
  EXPECT_TRUE(with_index_unavailable([&] { return reversed == same; }));
  const Value other = object_of(24).erase(name(0));
  EXPECT_FALSE(with_index_unavailable([&] { return changed == other; }));
}

}  // namespace
