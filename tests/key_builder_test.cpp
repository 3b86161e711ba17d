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

namespace {

// The error text of `f`, which must throw Error(code).
template <typename F>
std::string error_of(F&& f, ErrorCode code = ErrorCode::invalid_key) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an Error";
  return {};
}

// Texts of every length around the inline copies (0-3, 4-7, 8-16, longer) and the one-byte length
// (127, 128), with bytes above 0x7f and NUL.
std::vector<std::string> texts_of_every_length() {
  std::vector<std::string> out;
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 127, 128, 129, 300}) {
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) s[i] = "a\xff\0~\x80z"[(i * 7 + n) % 6];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TEST(KeyBuilder, StringsAndNamesOfEveryLengthEqualTheValue) {
  for (const std::string& s : texts_of_every_length()) {
    SCOPED_TRACE(s.size());
    expect_same(Value::array({s}));
    expect_same(Value::array({Value::object({{s, s}})}));
    expect_same(Value::array({"user", Value::object({{s, 1}, {"id", Value::array({s, s})}})}));
  }
}

TEST(KeyBuilder, NamesThatTieOnTheirFirstEightBytesAreOrderedByTheWholeName) {
  // Equal first 8 bytes (the word member() compares first): the rest, the length, or a NUL where
  // the shorter name's padding is also zero decide.
  std::vector<std::string> names = {"abcdefgh",       "abcdefghi",  "abcdefgh\x01", std::string("abcdefg\0", 8),
                                    "abcdefg",        "a",          std::string("a\0", 2),
                                    "abcdefgh\xff\xff", "\xff",      ""};
  std::vector<Member> members;
  for (std::size_t i = 0; i < names.size(); ++i) members.push_back({names[i], Value(static_cast<std::int64_t>(i))});
  const Value key = Value::array({Value::object(std::move(members))});
  expect_same(key);
  const FlatKey want(key);
  std::mt19937_64 rng(7);
  std::vector<std::size_t> order(names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (int round = 0; round < 300; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    KeyBuilder b;
    b.begin_object();
    for (std::size_t i : order) b.member(names[i]).integer(static_cast<std::int64_t>(i));
    b.end_object();
    ASSERT_EQ(b.finish(), want) << round;
  }
}

TEST(KeyBuilder, TheOnlyMemberOutOfOrderMayDifferBeyondItsFirstEightBytes) {
  // Each pair shares its first 8 bytes (or is shorter and equal up to the shorter's length);
  // written the wrong way round, alone or between members in order, it is still put in order.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"abcdefgh", "abcdefghi"},      {"abcdefgha", "abcdefghz"},  {"abcdefgh\x01", "abcdefgh\xff"},
      {"a", std::string("a\0", 2)},   {"abc", "abcd"},             {"abcdefg", "abcdefgh"},
      {std::string(40, 'p'), std::string(40, 'p') + "q"},          {std::string(130, 'r') + "a", std::string(130, 'r') + "b"}};
  for (const auto& [low, high] : pairs) {
    SCOPED_TRACE(high);
    KeyBuilder b;
    b.begin_object().member(high).integer(2).member(low).integer(1).end_object();
    EXPECT_EQ(b.finish(), FlatKey(Value::array({Value::object({{low, 1}, {high, 2}})})));
    b.begin_object().member("0").null().member(high).integer(2).member(low).integer(1).member("~").null();
    b.end_object();
    EXPECT_EQ(b.finish(),
              FlatKey(Value::array({Value::object({{"0", nullptr}, {low, 1}, {high, 2}, {"~", nullptr}})})));
  }
}

TEST(KeyBuilder, TwoMembersOutOfOrderAnywhereInTheBuffer) {
  // The inline swap of two short members moves 32 bytes at a time: near the end of the inline
  // buffer, across it and beyond it (spilled), and with members too long for it.
  for (std::size_t before = 180; before < 280; ++before) {
    for (const std::string& value : {std::string("v"), std::string(20, 'w')}) {
      SCOPED_TRACE(before);
      const std::string head(before, 'h');
      KeyBuilder b;
      b.string(head).begin_object().member("b").integer(1).member("a").string(value).end_object().string("t");
      EXPECT_EQ(b.finish(), FlatKey(Value::array({head, Value::object({{"a", value}, {"b", 1}}), "t"})));
    }
  }
}

TEST(KeyBuilder, MembersInOrderAreWrittenAsGivenAndOutOfOrderOnesSorted) {
  // W5's `page` written as {size, n}, and as {n, size}; and an object out of order inside one in
  // order inside one out of order.
  KeyBuilder b;
  b.begin_object().member("size").integer(20).member("n").integer(1).end_object();
  const FlatKey reversed = b.finish();
  b.begin_object().member("n").integer(1).member("size").integer(20).end_object();
  EXPECT_EQ(reversed, b.finish());
  EXPECT_EQ(reversed, FlatKey(Value::array({Value::object({{"n", 1}, {"size", 20}})})));

  b.begin_object().member("z").begin_object().member("a").begin_object();
  b.member("y").integer(1).member("x").integer(2).end_object();
  b.member("b").integer(3).end_object().member("c").null().end_object();
  const Value inner = Value::object({{"x", 2}, {"y", 1}});
  EXPECT_EQ(b.finish(), FlatKey(Value::array({Value::object(
                            {{"c", nullptr}, {"z", Value::object({{"a", inner}, {"b", 3}})}})})));
}

TEST(KeyBuilder, ANameGivenTwiceIsRefusedWhereverItIsAndNothingIsLeft) {
  KeyBuilder b;
  const auto twice = [](const std::string& what) {
    EXPECT_NE(what.find("member name given twice"), std::string::npos) << what;
  };
  // Right after itself (member() sees it), short and beyond 8 bytes and 128 bytes.
  for (const std::string& name : texts_of_every_length()) {
    SCOPED_TRACE(name.size());
    twice(error_of([&] { b.string("x").begin_object().member(name).integer(1).member(name); }));
    EXPECT_EQ(b.finish(), FlatKey(Value::array()));
  }
  // Apart, in an object out of order (end_object() sees it), at the top and nested.
  twice(error_of([&] { b.begin_object().member("b").null().member("a").null().member("b").null().end_object(); }));
  twice(error_of([&] {
    b.string("user").begin_object().member("q").begin_object();
    b.member("long name 1").null().member("long name 0").null().member("long name 1").null().end_object();
  }));
  // A name given twice in an object that is otherwise in order.
  twice(error_of([&] { b.begin_object().member("a").null().member("b").null().member("a").null().end_object(); }));
  EXPECT_EQ(b.finish(), FlatKey(Value::array()));
  b.string("after");
  EXPECT_EQ(b.finish(), FlatKey(Value::array({"after"})));
}

TEST(KeyBuilder, MisuseSaysWhatWasWrong) {
  KeyBuilder b;
  EXPECT_NE(error_of([&] { b.begin_object().string("x"); }).find("needs member(name) first"), std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_object().begin_array(); }).find("needs member(name) first"), std::string::npos);
  EXPECT_NE(error_of([&] { b.member("a"); }).find("member() outside an object"), std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_array().member(std::string(200, 'a')); }).find("outside an object"),
            std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_object().member("a").member("b"); }).find("member() twice"), std::string::npos);
  EXPECT_NE(error_of([&] { b.end_array(); }).find("end_array() without an open array"), std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_object().end_array(); }).find("without an open array"), std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_array().end_object(); }).find("end_object() without an open object"),
            std::string::npos);
  EXPECT_NE(error_of([&] { b.begin_object().member("a").end_object(); }).find("without its value"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)b.begin_array().finish(); }).find("container still open"), std::string::npos);
  EXPECT_EQ(b.finish(), FlatKey(Value::array()));
}

TEST(KeyBuilder, NumbersOnEveryPathEqualTheValue) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> doubles = {0.0,   -0.0,    1.0,  -1.0,     0.5,   -0.5,     1e300, -1e300, 5e-324,
                                       0x1p62, 0x1p63, -0x1p63, -0x1p64, 0x1p53 + 2, 4503599627370495.5, inf, -inf, nan};
  for (double d : doubles) {
    SCOPED_TRACE(d);
    KeyBuilder b;
    b.number(d).begin_object().member("d").number(d).end_object();
    const FlatKey got = b.finish();
    const Value key = Value::array({d, Value::object({{"d", d}})});
    EXPECT_EQ(got, FlatKey(key));
    EXPECT_EQ(got.hash(), hash_key(key));
  }
  // -0 is the integer 0; every NaN is one NaN (a key holding one has a hash but no text, as a
  // Value key: docs/keys.md); -2^63 is an integer, 2^63 is not.
  KeyBuilder b;
  EXPECT_EQ(b.number(-0.0).finish(), FlatKey(Value::array({0})));
  EXPECT_EQ(b.number(-nan).finish(), b.number(nan).finish());
  EXPECT_EQ(b.number(-0x1p63).finish(), FlatKey(Value::array({INT64_MIN})));
  EXPECT_NE(b.number(0x1p63).finish().bytes()[1], 'i');
}

TEST(KeyBuilder, KeysBeyondTheInlineArraysEqualTheValue) {
  // More than 16 open containers, more than 32 members open at once, more than 8 elements, more
  // than 256 bytes; members out of order at every level.
  Value v = Value::array({"leaf"});
  for (int level = 0; level < 40; ++level) {
    std::vector<Member> members;
    for (int m = 0; m < 3; ++m) members.push_back({"m" + std::to_string(2 - m), Value(m)});
    members.push_back({"inner", v});
    v = Value::object(std::move(members));
  }
  std::vector<Value> items;
  for (int i = 0; i < 12; ++i) items.push_back(i == 5 ? v : Value(std::string(static_cast<std::size_t>(i) * 9, 'k')));
  expect_same(Value::array(std::move(items)));
}

TEST(KeyBuilder, OneBuilderForKeysLargeAndSmall) {
  KeyBuilder b;
  for (int round = 0; round < 3; ++round) {
    const Value big = Value::array({std::string(400, 'b'), Value::object({{"z", 1}, {"a", std::string(300, 'a')}})});
    b.string(std::string(400, 'b')).begin_object().member("z").integer(1).member("a").string(std::string(300, 'a'));
    b.end_object();
    EXPECT_EQ(b.finish(), FlatKey(big));
    b.string("user").begin_object().member("id").integer(round).end_object();
    EXPECT_EQ(b.finish(), FlatKey(Value::array({"user", Value::object({{"id", round}})})));
    // A failure after spilling leaves the builder empty and usable.
    EXPECT_EQ(error_of([&] { b.string(std::string(500, 'x')).begin_object().integer(1); }).find("KeyBuilder"), 0u);
    EXPECT_EQ(b.finish(), FlatKey(Value::array()));
  }
}

TEST(KeyBuilder, NestingUpToWhatAValueMayHold) {
  // The outer array is one level: detail::max_nesting - 1 containers inside it, and not one more.
  const std::uint32_t inside = detail::max_nesting - 1;
  KeyBuilder b;
  for (std::uint32_t i = 0; i < inside; ++i) {
    if (i % 2 == 0) {
      b.begin_array();
    } else {
      b.begin_object().member("k");
    }
  }
  EXPECT_EQ(error_of([&] { b.begin_array(); }, ErrorCode::depth_limit).find("KeyBuilder"), 0u);
  EXPECT_EQ(b.finish(), FlatKey(Value::array()));

  for (std::uint32_t i = 0; i < inside; ++i) b.begin_array();
  for (std::uint32_t i = 0; i < inside; ++i) b.end_array();
  const FlatKey deep = b.finish();
  Value v = Value::array();
  for (std::uint32_t i = 1; i < inside; ++i) v = Value::array({v});
  const Value key = Value::array({v});
  EXPECT_EQ(deep.bytes(), FlatKey(key).bytes());
  EXPECT_EQ(deep.hash(), hash_key(key));
}
