// FlatKey: a query key as canonical bytes, hashed once. Equal keys have equal bytes, different
// keys different bytes; the hash is hash_key's; a key's prefix bytes are its prefix's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "mfstate/key.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

Value w5_key(std::int64_t i) {
  return Value::array({"user", Value::object({{"id", i},
                                              {"include", Value::array({"profile", "roles"})},
                                              {"page", Value::object({{"size", 20}, {"n", 1}})}})});
}

// A key with `n` elements, each a string of `width` bytes.
Value long_key(int n, std::size_t width) {
  std::vector<Value> items;
  for (int i = 0; i < n; ++i) items.emplace_back(std::string(width, static_cast<char>('a' + i % 26)));
  return Value::array(std::move(items));
}

}  // namespace

TEST(FlatKey, EqualKeysHaveEqualBytesWhateverTheSpelling) {
  const Value a = w5_key(7);
  const Value b = Value::array({"user", Value::object({{"page", Value::object({{"n", 1.0}, {"size", 20}})},
                                                       {"include", Value::array({"profile", "roles"})},
                                                       {"id", 7.0}})});
  ASSERT_EQ(a, b);
  EXPECT_EQ(FlatKey(a), FlatKey(b));
  EXPECT_EQ(FlatKey(a).bytes(), FlatKey(b).bytes());
  EXPECT_EQ(FlatKey(Value::array({0.0})), FlatKey(Value::array({-0.0})));
}

TEST(FlatKey, DifferentKeysHaveDifferentBytes) {
  const std::vector<Value> keys = {
      Value::array({"user", 1}),
      Value::array({"user", "1"}),
      Value::array({"user", 1, nullptr}),
      Value::array({"user"}),
      Value::array({"ab", "c"}),
      Value::array({"a", "bc"}),
      Value::array({1.5}),
      Value::array({true}),
      Value::array({false}),
      Value::array({Value::array()}),
      Value::array({Value::object()}),
      Value::array({nullptr}),
      Value::array(),
      w5_key(1),
      w5_key(2),
      Value::array({Value::object({{"a", 1}, {"b", 2}})}),
      Value::array({Value::object({{"a", 2}, {"b", 1}})}),
      Value::array({Value::object({{"ab", 1}})}),
      Value::array({Value::object({{"a", Value::object({{"b", 1}})}})}),
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < keys.size(); ++j) {
      EXPECT_EQ(FlatKey(keys[i]) == FlatKey(keys[j]), i == j)
          << keys[i].to_json() << " vs " << keys[j].to_json();
      EXPECT_EQ(FlatKey(keys[i]).bytes() == FlatKey(keys[j]).bytes(), i == j);
    }
  }
}

TEST(FlatKey, TheHashIsHashKey) {
  for (const Value& k : {w5_key(3), Value::array(), Value::array({"user", 42, "profile"}), long_key(5, 40),
                         long_key(12, 3), long_key(30, 20)}) {
    const std::uint64_t expected = hash_key(Value(parse_json(k.to_json())));  // a fresh copy: no cached hash
    EXPECT_EQ(FlatKey(k).hash(), expected) << k.to_json();
    EXPECT_EQ(hash_key(k), expected);  // FlatKey left the key's own hash as it was
  }
  // An element object of more than 16 members: hashed from its members' hashes.
  std::vector<Member> members;
  for (int i = 0; i < 20; ++i) members.push_back(Member{"m" + std::to_string(i), Value(i)});
  const Value wide = Value::array({"x", Value::object(std::move(members))});
  EXPECT_EQ(FlatKey(wide).hash(), hash_key(parse_json(wide.to_json())));
}

TEST(FlatKey, APrefixOfTheKeyHasThePrefixOfItsBytes) {
  const FlatKey key(Value::array({"user", 7, "profile"}));
  const FlatKey filter(Value::array({"user", 7}));
  const FlatKey other(Value::array({"user", 70}));
  ASSERT_EQ(key.size(), 3u);
  ASSERT_EQ(filter.size(), 2u);
  EXPECT_EQ(key.prefix(2), filter.prefix(2));
  EXPECT_NE(key.prefix(2), other.prefix(2));
  EXPECT_EQ(key.prefix(1), FlatKey(Value::array({"user"})).prefix(1));
  EXPECT_EQ(key.prefix(0), filter.prefix(0));
  EXPECT_EQ(key.prefix(3).size() + 1, key.bytes().size());  // only the closing bracket after
  // "user" is not a prefix of "username": elements delimit themselves.
  EXPECT_NE(FlatKey(Value::array({"username"})).prefix(1).substr(0, filter.prefix(1).size()),
            filter.prefix(1));
}

TEST(FlatKey, LongKeysAndManyElementsSpillToTheHeapAndCopy) {
  for (const Value& k : {long_key(3, 100), long_key(20, 1), long_key(40, 30)}) {
    const FlatKey a(k);
    EXPECT_GT(a.bytes().size(), 0u);
    FlatKey b = a;
    EXPECT_EQ(b, a);
    EXPECT_NE(b.bytes().data(), a.bytes().data());
    FlatKey c(std::move(b));
    EXPECT_EQ(c, a);
    EXPECT_EQ(c.prefix(k.size()), a.prefix(k.size()));
    FlatKey d(Value::array({"short"}));
    d = c;
    EXPECT_EQ(d, a);
    d = FlatKey(Value::array({"short"}));
    EXPECT_EQ(d, FlatKey(Value::array({"short"})));
    EXPECT_EQ(d.size(), 1u);
  }
  const FlatKey small(Value::array({"user", 1}));
  FlatKey moved(small);
  FlatKey target(long_key(3, 100));
  target = std::move(moved);
  EXPECT_EQ(target, small);
  const auto* self = reinterpret_cast<const char*>(&target);
  EXPECT_TRUE(target.bytes().data() >= self && target.bytes().data() < self + sizeof target);  // inline again
}

TEST(FlatKey, NotAnArrayIsInvalidKey) {
  for (const Value& v : {Value("user"), Value(), Value::object({{"a", 1}})}) {
    try {
      FlatKey k(v);
      ADD_FAILURE() << "expected invalid_key for " << v.to_json();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_key);
    }
  }
}

TEST(FlatKey, OneNaNIsTheSameNaN) {
  // == says NaN differs from itself; canonical bytes write every NaN alike, so a key holding one
  // finds its entry again.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(FlatKey(Value::array({nan})), FlatKey(Value::array({-nan})));
  EXPECT_NE(FlatKey(Value::array({nan})), FlatKey(Value::array({std::numeric_limits<double>::infinity()})));
}
