// KeyBuilder: a FlatKey written element by element, without a Value, equal (bytes, hash, prefixes)
// to FlatKey of the same key as a Value; misuse is an error that leaves nothing half built.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/key.hpp"
#include "mfstate/key_builder.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// Writes `v` through the builder, object members in the order the Value holds them (reversed
// when `reverse`), so the builder's sorting is exercised as well as its encoding.
void write(KeyBuilder& b, const Value& v, bool reverse) {
  switch (v.type()) {
    case Type::null: b.null(); return;
    case Type::boolean: b.boolean(v.as_bool()); return;
    case Type::integer: b.integer(v.as_int()); return;
    case Type::number: b.number(v.as_double()); return;
    case Type::string: b.string(v.as_string()); return;
    case Type::array:
      b.begin_array();
      for (const Value& e : v.as_array()) write(b, e, reverse);
      b.end_array();
      return;
    case Type::object: {
      std::vector<const Member*> members;
      for (const Member& m : v.as_object()) members.push_back(&m);
      if (reverse) std::reverse(members.begin(), members.end());
      b.begin_object();
      for (const Member* m : members) {
        b.member(m->key);
        write(b, m->value, reverse);
      }
      b.end_object();
      return;
    }
  }
}

FlatKey built(const Value& key, bool reverse = false) {
  KeyBuilder b;
  for (const Value& e : key.as_array()) write(b, e, reverse);
  return b.finish();
}

void expect_same(const Value& key) {
  const FlatKey want(key);
  for (bool reverse : {false, true}) {
    const FlatKey got = built(key, reverse);
    EXPECT_EQ(got.bytes(), want.bytes()) << (reverse ? "members reversed" : "members in order");
    EXPECT_EQ(got.hash(), want.hash());
    EXPECT_EQ(got.hash(), hash_key(key));
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k <= got.size(); ++k) EXPECT_EQ(got.prefix(k), want.prefix(k));
    EXPECT_EQ(got, want);
  }
}

Value w5_key(std::int64_t i) {
  return Value::array({"user", Value::object({{"id", i},
                                              {"include", Value::array({"profile", "roles"})},
                                              {"page", Value::object({{"size", 20}, {"n", 1}})}})});
}

template <typename F>
void expect_invalid(F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected Error(invalid_key)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_key) << e.what();
  }
}

}  // namespace

TEST(KeyBuilder, EqualsFlatKeyOfTheValueOnManyShapes) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Value> keys = {
      Value::array(),
      Value::array({"user"}),
      Value::array({"user", 42}),
      Value::array({nullptr, true, false, 0, -1, INT64_MAX, INT64_MIN}),
      Value::array({1.5, -0.0, 0.0, 1.0, 1e21, -1e300, 5e-324, 9223372036854775808.0, inf, -inf}),
      Value::array({Value::array(), Value::object(), ""}),
      Value::array({"Grüße", "日本語", "😀 emoji", std::string("nul\0byte", 8)}),
      Value::array({Value::object({{"é", 1}, {"e", 2}, {"😀", 3}, {"z", 4}, {"", 5}})}),
      Value::array(
          {Value::object({{"b", Value::object({{"y", 1}, {"x", Value::array({1, 2})}})}, {"a", nullptr}})}),
      w5_key(7),
      w5_key(-123456789),
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(keys[i]);
  }
}

TEST(KeyBuilder, DoublesAreWrittenAsTheirCanonicalNumber) {
  KeyBuilder b;
  EXPECT_EQ(b.number(1.0).finish(), FlatKey(Value::array({1})));
  EXPECT_EQ(b.number(-0.0).finish(), FlatKey(Value::array({0})));
  // FlatKey(Value) accepts NaN (one NaN for all); the builder agrees. key_string refuses it.
  const double other_nan = -std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(b.number(other_nan).finish(), FlatKey(Value::array({std::nan("")})));
}

TEST(KeyBuilder, EveryOrderOfMembersGivesTheSameKey) {
  std::vector<std::string> names = {"a", "bb", "b", "id", "page", "ä"};
  std::sort(names.begin(), names.end());
  const Value value =
      Value::array({Value::object({{"a", 1}, {"bb", 2}, {"b", 3}, {"id", 4}, {"page", 5}, {"ä", 6}})});
  const FlatKey want(value);
  int permutations = 0;
  do {
    KeyBuilder b;
    b.begin_object();
    for (const std::string& n : names) b.member(n).integer(value.as_array()[0].find(n)->as_int());
    b.end_object();
    EXPECT_EQ(b.finish(), want);
    ++permutations;
  } while (std::next_permutation(names.begin(), names.end()));
  EXPECT_EQ(permutations, 720);
}

TEST(KeyBuilder, LargeKeysSpillAndHashAsTheValueDoes) {
  // Beyond 256 bytes (Value::hash combines element hashes), beyond FlatKey's inline bytes and
  // 8 elements, and an object of more than 16 members.
  std::vector<Value> items;
  for (int i = 0; i < 40; ++i) items.emplace_back(std::string(static_cast<std::size_t>(i), 'x'));
  expect_same(Value::array(std::move(items)));
  std::vector<Member> members;
  for (int i = 0; i < 20; ++i) members.push_back({"m" + std::to_string(19 - i), Value(i)});
  expect_same(Value::array({"wide", Value::object(std::move(members))}));
  expect_same(Value::array({std::string(300, 's')}));
}

namespace {

// A random key element: every kind of value, strings and names around the 16-byte inline copy
// and the 128-byte one-byte length, objects around 16 members, nesting a few levels deep.
Value random_value(std::mt19937_64& rng, int depth) {
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const auto text = [&] {
    static const std::size_t lengths[] = {0, 1, 2, 7, 16, 17, 127, 128, 300};
    std::string s(lengths[pick(9)], 'a');
    for (char& c : s) c = static_cast<char>("ab\xc3\xa9z0~"[pick(7)]);
    return s;
  };
  switch (depth > 3 ? pick(6) : pick(8)) {
    case 0: return Value();
    case 1: return Value(pick(2) == 0);
    case 2: return Value(static_cast<std::int64_t>(rng()) >> pick(64));
    case 3: {
      static const double doubles[] = {0.5, -0.0, 1.0, 1e21, -3.25, 1e-300, 9007199254740993.0, 1e19};
      return Value(doubles[pick(8)]);
    }
    case 4:
    case 5: return Value(text());
    case 6: {
      std::vector<Value> items;
      for (int i = pick(5); i > 0; --i) items.push_back(random_value(rng, depth + 1));
      return Value::array(std::move(items));
    }
    default: {
      std::vector<Member> members;
      const int n = pick(4) == 0 ? 15 + pick(4) : pick(5);
      for (int i = 0; i < n; ++i) {
        std::string name = text() + "#" + std::to_string(i);  // distinct names
        members.push_back({std::move(name), random_value(rng, depth + 1)});
      }
      std::shuffle(members.begin(), members.end(), rng);
      return Value::object(std::move(members));
    }
  }
}

}  // namespace

TEST(KeyBuilder, RandomKeysEqualFlatKeyOfTheirValue) {
  std::mt19937_64 rng(20261203);
  for (int round = 0; round < 500; ++round) {
    std::vector<Value> items;
    for (int i = static_cast<int>(rng() % 12); i > 0; --i) items.push_back(random_value(rng, 1));
    SCOPED_TRACE(round);
    expect_same(Value::array(std::move(items)));
  }
}

TEST(KeyBuilder, DeepNesting) {
  Value v = Value::array({"leaf"});
  for (int i = 0; i < 100; ++i) v = i % 2 ? Value::array({v, i}) : Value::object({{"k", v}, {"n", i}});
  expect_same(Value::array({"deep", v}));
}

TEST(KeyBuilder, FinishLeavesItEmptyForTheNextKey) {
  KeyBuilder b;
  b.string("user").integer(1);
  EXPECT_EQ(b.finish(), FlatKey(Value::array({"user", 1})));
  EXPECT_EQ(b.finish(), FlatKey(Value::array()));
  b.string(std::string(200, 'a'));
  EXPECT_EQ(b.finish(), FlatKey(Value::array({std::string(200, 'a')})));
  b.string("x");
  EXPECT_EQ(b.finish(), FlatKey(Value::array({"x"})));
}

TEST(KeyBuilder, MisuseIsInvalidKeyAndResetsTheBuilder) {
  KeyBuilder b;
  expect_invalid([&] { b.end_array(); });
  expect_invalid([&] { b.end_object(); });
  expect_invalid([&] { b.member("a"); });
  expect_invalid([&] { b.begin_array().end_object(); });
  expect_invalid([&] { b.begin_object().end_array(); });
  expect_invalid([&] { b.begin_object().integer(1); });
  expect_invalid([&] { b.begin_object().member("a").member("b"); });
  expect_invalid([&] { b.begin_object().member("a").end_object(); });
  expect_invalid([&] { b.begin_array().member("a"); });
  expect_invalid([&] { (void)b.string("user").begin_array().finish(); });
  expect_invalid([&] { b.begin_object().member("a").integer(1).member("a").integer(2).end_object(); });
  expect_invalid([&] {
    b.begin_object().member("b").integer(1).member("a").integer(2).member("b").integer(3).end_object();
  });
  // Each failure above reset the builder: what follows is a whole new key.
  b.string("after");
  EXPECT_EQ(b.finish(), FlatKey(Value::array({"after"})));
}

TEST(KeyBuilder, DeeperThanAValueMayBeIsDepthLimit) {
  KeyBuilder b;
  try {
    for (std::uint32_t i = 0; i < detail::max_nesting + 1; ++i) b.begin_array();
    ADD_FAILURE() << "expected Error(depth_limit)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::depth_limit);
  }
  EXPECT_EQ(b.finish(), FlatKey(Value::array()));
}
