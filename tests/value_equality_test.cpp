// Value equality and hashing: deep equality ignoring member order, integers equal to doubles,
// and a 64-bit hash consistent with equality and stable across platforms and runs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

#include "mfstate/value.hpp"
#include "value_node.hpp"

using namespace mfstate;

TEST(ValueEquality, DeepEqualityComparesStructure) {
  Value a = Value::object({{"x", Value::array({1, "s", nullptr, true})}, {"y", Value::object({{"z", 2.5}})}});
  Value b = parse_json(R"({"x":[1,"s",null,true],"y":{"z":2.5}})");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, b.set_in({"x", 3}, false));
  EXPECT_NE(a, b.set_in({"y", "z"}, "2.5"));
  EXPECT_NE(Value::array({1, 2}), Value::array({2, 1}));
  EXPECT_NE(Value::array({1}), Value::array({1, 1}));
  EXPECT_NE(Value(), Value(false));
  EXPECT_NE(Value("1"), Value(1));
  EXPECT_NE(Value::array(), Value::object());
  EXPECT_EQ(Value(), Value(nullptr));
}

TEST(ValueEquality, ObjectMemberOrderIsIgnored) {
  Value a = Value::object({{"a", 1}, {"b", 2}, {"c", 3}});
  Value b = Value::object({{"c", 3}, {"a", 1}, {"b", 2}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, Value::object({{"c", 3}, {"a", 1}, {"d", 2}}));
  EXPECT_NE(a, Value::object({{"a", 1}, {"b", 2}}));
}

TEST(ValueEquality, IntegersEqualDoublesOfTheSameValue) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_EQ(Value(-0.0), Value(0));
  EXPECT_NE(Value(1), Value(1.5));
  EXPECT_EQ(Value(std::int64_t{1} << 60), Value(std::ldexp(1.0, 60)));
  // 2^53 + 1 has no double: the nearest double (2^53) is a different number.
  EXPECT_NE(Value((std::int64_t{1} << 53) + 1), Value(std::ldexp(1.0, 53)));
  // INT64_MAX rounds to 2^63 as a double, which is beyond int64: not equal.
  EXPECT_NE(Value(INT64_MAX), Value(9223372036854775808.0));
  EXPECT_EQ(Value(INT64_MIN), Value(-9223372036854775808.0));
}

TEST(ValueEquality, NanIsUnequalToItselfUnlessTheSameNode) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(Value(nan), Value(nan));
  Value a = Value::array({nan});
  Value b = a;
  EXPECT_EQ(a, b);  // the pointer short-circuit: the very same node
}

TEST(ValueEquality, ScalarsAndStringsOfEveryLengthCompareByContent) {
  // == decides integers, inline strings and shared nodes from the handles, the rest deeply:
  // each pair below crosses one of those paths.
  EXPECT_EQ(Value(7), Value(7));
  EXPECT_NE(Value(7), Value(8));
  EXPECT_EQ(Value(7), Value(7.0));
  EXPECT_NE(Value(7), Value("7"));
  EXPECT_NE(Value(0), Value(false));
  EXPECT_NE(Value(nullptr), Value(0));
  for (std::size_t n = 0; n <= 12; ++n) {
    const std::string text(n, 'x');
    EXPECT_EQ(Value(text), Value(std::string(n, 'x'))) << n;  // separately built: never one node
    if (n > 0) {
      std::string other = text;
      other[n - 1] = 'y';
      EXPECT_NE(Value(text), Value(other)) << n;
    }
    EXPECT_NE(Value(text), Value(text + "x")) << n;
  }
  const Value user = Value::object({{"id", 1}});
  EXPECT_EQ(user, Value(user));
  EXPECT_EQ(user, Value::object({{"id", 1}}));
  EXPECT_NE(user, Value::object({{"id", 2}}));
}

TEST(ValueEquality, ObjectsAreEqualByMembersWhateverTheirHandlesShow) {
  // Two objects are compared member by member from their handles first (same name bytes, the
  // same value by its handle); each pair below leaves that loop at one member and must still
  // be decided as deep equality decides it.
  const std::string long_name = "a member name longer than fifteen bytes";
  const Value nested = Value::object({{"x", 1}});
  EXPECT_EQ(Value::object({{"a", 1}, {"b", "s"}, {"c", nested}}),
            Value::object({{"a", 1}, {"b", "s"}, {"c", nested}}));
  EXPECT_EQ(Value::object({{"a", 1}, {"b", 2}}), Value::object({{"b", 2}, {"a", 1}}));       // order
  EXPECT_EQ(Value::object({{"a", 1}, {"n", 1}}), Value::object({{"a", 1}, {"n", 1.0}}));     // 1 == 1.0
  EXPECT_EQ(Value::object({{long_name, 1}}), Value::object({{std::string(long_name), 1}}));  // two heap names
  EXPECT_EQ(Value::object({{"a", 1}, {"o", Value::object({{"x", 1}})}}),
            Value::object({{"a", 1}, {"o", nested}}));
  EXPECT_EQ(Value::object({{"s", "more than eight bytes"}}),
            Value::object({{"s", std::string("more than eight bytes")}}));
  EXPECT_NE(Value::object({{"a", 1}, {"b", 2}}), Value::object({{"a", 1}, {"b", 3}}));
  EXPECT_NE(Value::object({{"a", 1}, {"b", 2}}), Value::object({{"a", 1}, {"c", 2}}));
  EXPECT_NE(Value::object({{"a", 1}}), Value::object({{"a", 1}, {"b", 2}}));
  EXPECT_NE(Value::object({{long_name, 1}}), Value::object({{long_name + "!", 1}}));
  EXPECT_NE(Value::object({{"o", nested}}), Value::object({{"o", Value::object({{"x", 2}})}}));
  EXPECT_NE(Value::object({{"a", true}}), Value::object({{"a", false}}));
  // A NaN member: its handles have the same bits, but a NaN equals nothing (unless the very node).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Value with_nan = Value::object({{"a", 1}, {"x", nan}});
  EXPECT_NE(with_nan, Value::object({{"a", 1}, {"x", nan}}));
  EXPECT_EQ(with_nan, Value(with_nan));
}

TEST(ValueEquality, EqualCachedHashesAreNoProofOfEquality) {
  // Objects that differ but carry the same cached hash (a collision, forced here): compared in full.
  Value a = Value::object({{"id", 1}});
  Value b = Value::object({{"id", 2}});
  ValueAccess::cache_hash(a, b.hash());
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a, b);
  EXPECT_NE(b, a);
  Value c = Value::array({1, 2});
  Value d = Value::array({1, 3});
  ValueAccess::cache_hash(c, d.hash());
  EXPECT_NE(c, d);
  // Different cached hashes prove a difference at once; equal values always hash alike.
  EXPECT_EQ(Value::object({{"id", 1}}), Value::object({{"id", 1}}));
}

TEST(ValueIdentity, SameNodeIsTheNodeForContainersAndTheBitsForScalars) {
  Value a = Value::array({1});
  Value b = Value::array({1});
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.same_node(b));
  EXPECT_TRUE(a.same_node(a));
  EXPECT_TRUE(Value(3).same_node(Value(3)));
  EXPECT_FALSE(Value(3).same_node(Value(4)));
  EXPECT_TRUE(Value().same_node(Value(nullptr)));
  EXPECT_TRUE(Value(true).same_node(Value(true)));
  EXPECT_FALSE(Value(true).same_node(Value(false)));
  EXPECT_TRUE(Value("inline").same_node(Value("inline")));
  EXPECT_FALSE(Value("inline").same_node(Value("inlined")));
}

// Issue 10: same_node(1, 1.0) was true (scalars compared with ==) and six callers patched it with
// a type check. Identity is one test with one meaning: equal is not enough.
TEST(ValueIdentity, EqualScalarsOfAnotherTypeOrSpellingAreNotTheSame) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_FALSE(Value(1).same_node(Value(1.0)));
  EXPECT_FALSE(Value(1.0).same_node(Value(1)));
  EXPECT_EQ(Value(0.0), Value(-0.0));
  EXPECT_FALSE(Value(0.0).same_node(Value(-0.0)));
  EXPECT_FALSE(Value(nullptr).same_node(Value(false)));
  EXPECT_FALSE(Value(0).same_node(Value(false)));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(Value(nan).same_node(Value(nan)));  // the very same value, though not == itself
  // Strings: an inline one and a node are never the same; two nodes only when shared.
  const Value long_a = Value("a string beyond the inline bytes");
  const Value long_b = Value("a string beyond the inline bytes");
  EXPECT_EQ(long_a, long_b);
  EXPECT_FALSE(long_a.same_node(long_b));
  EXPECT_TRUE(Value(long_a).same_node(long_a));
}

TEST(ValueHash, EqualValuesHashAlike) {
  EXPECT_EQ(Value(1).hash(), Value(1.0).hash());
  EXPECT_EQ(Value(-0.0).hash(), Value(0).hash());
  EXPECT_EQ(Value(std::int64_t{1} << 60).hash(), Value(std::ldexp(1.0, 60)).hash());
  Value a = Value::object({{"a", 1}, {"b", Value::array({1.0, "x"})}});
  Value b = Value::object({{"b", Value::array({1, "x"})}, {"a", 1.0}});
  ASSERT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_EQ(std::hash<Value>()(a), std::hash<Value>()(b));
}

TEST(ValueHash, DifferentValuesHashApart) {
  std::vector<Value> values = {
      Value(),
      Value(false),
      Value(true),
      Value(0),
      Value(1),
      Value(1.5),
      Value(""),
      Value("0"),
      Value("a"),
      Value::array(),
      Value::object(),
      Value::array({nullptr}),
      Value::array({Value::array()}),
      Value::array({1, 2}),
      Value::array({2, 1}),
      Value::object({{"a", 1}}),
      Value::object({{"a", 2}}),
      Value::object({{"b", 1}}),
      Value::object({{"a", 1}, {"b", 2}}),
      Value::object({{"a", 2}, {"b", 1}}),
      Value::object({{"", Value::object()}}),
      Value::array({Value::object({{"a", 1}})}),
  };
  std::unordered_set<std::uint64_t> hashes;
  for (const Value& v : values) hashes.insert(v.hash());
  EXPECT_EQ(hashes.size(), values.size());
}

TEST(ValueHash, HashIsCachedAndStaysConsistentAcrossCopies) {
  Value a = parse_json(R"({"items":[{"id":1},{"id":2}],"n":null})");
  std::uint64_t h = a.hash();
  Value b = a;
  EXPECT_EQ(b.hash(), h);
  EXPECT_EQ(a.hash(), h);
  Value c = a.set("n", 0);
  EXPECT_NE(c.hash(), h);
  EXPECT_EQ(c.set("n", nullptr).hash(), h);
}

// A container past the canonical-bytes budget (100 integers: 902 bytes) and one with 17 members.
Value wide_array() {
  std::vector<Value> items;
  for (int i = 0; i < 100; ++i) items.emplace_back(i);
  return Value::array(std::move(items));
}
Value wide_object() {
  std::vector<Member> members;
  for (int i = 0; i < 17; ++i) members.push_back(Member{"k" + std::to_string(i), Value(i)});
  return Value::object(std::move(members));
}

// Small containers hash as XXH3 of their canonical bytes, larger ones from their children's
// hashes: either way equal values hash alike, whatever the member order or the spelling of
// numbers, and the same value hashes alike built in any way.
TEST(ValueHash, BothHashRulesAgreeWithEquality) {
  Value wide = wide_object();
  std::vector<Member> reversed;
  for (int i = 16; i >= 0; --i)
    reversed.push_back(Member{"k" + std::to_string(i), Value(static_cast<double>(i))});
  EXPECT_EQ(Value::object(std::move(reversed)).hash(), wide.hash());
  std::vector<Value> doubles;
  for (int i = 0; i < 100; ++i) doubles.emplace_back(static_cast<double>(i));
  EXPECT_EQ(Value::array(std::move(doubles)).hash(), wide_array().hash());
  EXPECT_NE(wide_array().set(99, 100).hash(), wide_array().hash());
  // A wide value holding small ones: each child by its own rule, cached in its node.
  Value outer = Value::array({wide_array(), Value::object({{"a", 1}, {"b", 2}})});
  EXPECT_EQ(outer.hash(), Value::array({wide_array(), Value::object({{"b", 2}, {"a", 1.0}})}).hash());
  EXPECT_EQ(Value::array({0.0}).hash(), Value::array({-0.0}).hash());
  EXPECT_NE(Value::array({"1"}).hash(), Value::array({1}).hash());
  EXPECT_NE(Value::array({Value::array()}).hash(), Value::array({Value::object()}).hash());
  EXPECT_NE(Value::array({"ab", "c"}).hash(), Value::array({"a", "bc"}).hash());
}

// Pinned values: the hash is part of the contract (stable across platforms, compilers and
// runs). The WebAssembly build runs this same test, so a platform difference fails here.
TEST(ValueHash, HashValuesArePinned) {
  EXPECT_EQ(Value().hash(), 0x7bffada0a920fdb9ULL);
  EXPECT_EQ(Value(true).hash(), 0x910a2dec89025cc1ULL);
  EXPECT_EQ(Value(42).hash(), 0xaa5255ff67bf8bbfULL);
  EXPECT_EQ(Value(42.0).hash(), 0xaa5255ff67bf8bbfULL);
  EXPECT_EQ(Value(2.5).hash(), 0x3e6d8620e5c229dcULL);
  EXPECT_EQ(Value("hello").hash(), 0x44362971e9d41727ULL);
  EXPECT_EQ(Value::array({1, "a", nullptr}).hash(), 0x86564ed1d83a4d81ULL);
  EXPECT_EQ(parse_json(R"({"user":{"id":7,"tags":["a","b"]},"n":-1})").hash(), 0x54f7a22b31934228ULL);
  // Beyond 256 canonical bytes, or with an object of more than 16 members, a container combines
  // its children's hashes instead: pinned as well.
  EXPECT_EQ(wide_array().hash(), 0x47fcba4237cb30bbULL);
  EXPECT_EQ(wide_object().hash(), 0xcd81c14bd8857a16ULL);
}
