// Value: construction from literals, type inspection, typed access and reading by key, index
// and path (including JSON Pointer spelling).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// Runs `fn` and returns the code of the mfstate::Error it throws (fails the test when none).
template <typename F>
ErrorCode error_code_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an mfstate::Error";
  return ErrorCode::io_error;
}

}  // namespace

TEST(ValueConstruction, ScalarsFromLiteralsHaveTheirTypes) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(true).is_bool());
  EXPECT_EQ(Value(42).type(), Type::integer);
  EXPECT_EQ(Value(std::int64_t{-7}).as_int(), -7);
  EXPECT_EQ(Value(3u).as_int(), 3);
  EXPECT_EQ(Value(2.5).type(), Type::number);
  EXPECT_EQ(Value(1.5f).as_double(), 1.5);
  EXPECT_EQ(Value("text").as_string(), "text");
  EXPECT_EQ(Value(std::string("owned")).as_string(), "owned");
  EXPECT_EQ(Value(std::string_view("view")).as_string(), "view");
  EXPECT_EQ(sizeof(Value), 16u);
}

TEST(ValueConstruction, UnsignedBeyondInt64BecomesADouble) {
  Value big(std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(big.is_double());
  EXPECT_EQ(big.as_double(), 18446744073709551615.0);
  Value fits(static_cast<std::uint64_t>(INT64_MAX));
  EXPECT_TRUE(fits.is_int());
  EXPECT_EQ(fits.as_int(), INT64_MAX);
}

TEST(ValueConstruction, ArraysAndObjectsFromInitializerLists) {
  Value a = Value::array({1, "two", nullptr, Value::array({true})});
  ASSERT_TRUE(a.is_array());
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a.at(1).as_string(), "two");
  EXPECT_TRUE(a.at(3).at(0).as_bool());

  Value o = Value::object({{"id", 1}, {"name", "Ada"}, {"tags", Value::array({"x"})}});
  ASSERT_TRUE(o.is_object());
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.as_object()[0].key, "id");
  EXPECT_EQ(o.as_object()[2].key, "tags");
  EXPECT_EQ(o.get("name").as_string(), "Ada");
  EXPECT_EQ(Value::array().size(), 0u);
  EXPECT_EQ(Value::object().size(), 0u);
}

TEST(ValueConstruction, ObjectWithDuplicateKeysKeepsLastValueAtFirstPosition) {
  Value o = Value::object({{"a", 1}, {"b", 2}, {"a", 3}});
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o.as_object()[0].key, "a");
  EXPECT_EQ(o.as_object()[0].value.as_int(), 3);
  EXPECT_EQ(o.as_object()[1].key, "b");
}

// The members are made in their slots before their names are compared: a repeated name hands its
// value to the first member and the slot lets go of what it held (its value's reference here; its
// name's heap copy, a leak under the sanitizers otherwise).
TEST(ValueConstruction, ObjectWithADuplicateKeyHoldsOnlyTheLastValue) {
  const Value first = Value::array({1});
  const Value last = Value::array({2});
  const std::string name(20, 'a');  // beyond MemberName's inline 15 bytes: a heap copy
  {
    const Value o = Value::object({{name, first}, {"b", 0}, {name, last}});
    ASSERT_EQ(o.size(), 2u);
    EXPECT_EQ(o.as_object()[0].key, name);
    EXPECT_TRUE(o.get(name).same_node(last));
    EXPECT_EQ(first.use_count(), 1u);
    EXPECT_EQ(last.use_count(), 2u);
  }
  EXPECT_EQ(last.use_count(), 1u);
}

// Several names repeated, each more than once, in a small object: each keeps its last value at
// its first place, and the members after a repeat move down in their order.
TEST(ValueConstruction, ObjectWithSeveralRepeatedNamesKeepsEachFirstPlaceAndTheOrder) {
  const Value o = Value::object(
      {{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}, {"b", 5}, {"a", 6}, {"d", 7}, {"c", Value::array({8})}});
  EXPECT_EQ(o.to_json(), R"({"a":6,"b":5,"c":[8],"d":7})");
  EXPECT_EQ(o.get("d").as_int(), 7);
  EXPECT_EQ(o, Value::object({{"a", 6}, {"b", 5}, {"c", Value::array({8})}, {"d", 7}}));
}

TEST(ValueConstruction, LargeObjectWithDuplicateKeysKeepsLastValueAtFirstPosition) {
  std::vector<Member> members;
  for (int i = 0; i < 40; ++i) members.push_back({"k" + std::to_string(i), i});
  members.push_back({"k5", 500});
  members.push_back({"k39", 3900});
  Value o = Value::object(std::move(members));
  ASSERT_EQ(o.size(), 40u);
  EXPECT_EQ(o.as_object()[5].key, "k5");
  EXPECT_EQ(o.get("k5").as_int(), 500);
  EXPECT_EQ(o.get("k39").as_int(), 3900);
  EXPECT_EQ(o.as_object()[39].key, "k39");
}

TEST(ValueConstruction, MovedFromABufferTheCallerKeepsAsFromAVector) {
  // A decoder's scratch stack: the parent's members first, the value's own after them.
  std::vector<Member> stack;
  stack.push_back({"parent", 0});
  Value shared = Value::array({1, 2});
  stack.push_back({"a", 1});
  stack.push_back({"list", shared});
  stack.push_back({"a", 3});
  Value o = Value::object_moved_from(std::span<Member>(stack).subspan(1));
  EXPECT_EQ(o, Value::object({{"a", 3}, {"list", Value::array({1, 2})}}));
  EXPECT_EQ(o.as_object()[0].key, "a");
  EXPECT_TRUE(o.get("list").same_node(shared)) << "members are moved, not copied";
  EXPECT_EQ(stack[0].value.as_int(), 0) << "what is outside the span is left alone";
  EXPECT_TRUE(stack[2].value.is_null()) << "moved-from";
  EXPECT_EQ(shared.use_count(), 2u);

  std::vector<Value> elements{Value("x"), shared, Value::object({{"deep", Value::array({})}})};
  Value a = Value::array_moved_from(elements);
  EXPECT_EQ(a, Value::array({"x", Value::array({1, 2}), Value::object({{"deep", Value::array({})}})}));
  EXPECT_TRUE(a.at(1).same_node(shared));
  EXPECT_TRUE(elements[1].is_null());
  EXPECT_EQ(Value::array_moved_from({}), Value::array());
  EXPECT_EQ(Value::object_moved_from({}), Value::object());
}

TEST(ValueConstruction, MovedFromABufferRefusesTooDeepALikeFromAVector) {
  // Nested as deep as a Value may be: one more level is refused.
  Value deep = Value::array();
  for (std::uint32_t i = 1; i < detail::max_nesting; ++i) deep = Value::array({deep});
  std::vector<Value> one{deep};
  std::vector<Member> member{{"d", deep}};
  EXPECT_EQ(error_code_of([&] { (void)Value::array(one); }), ErrorCode::depth_limit);
  EXPECT_EQ(error_code_of([&] { (void)Value::array_moved_from(one); }), ErrorCode::depth_limit);
  EXPECT_EQ(error_code_of([&] { (void)Value::object_moved_from(member); }), ErrorCode::depth_limit);
  EXPECT_TRUE(one[0].same_node(deep)) << "a refused build moves nothing out";
}

// The initializer-list builders check the depth after copying the elements: what they refuse they
// free, node and references, before returning the error.
TEST(ValueConstruction, FromAListRefusesTooDeepAndLetsGoOfTheElements) {
  Value deep = Value::array();
  for (std::uint32_t i = 1; i < detail::max_nesting; ++i) deep = Value::array({deep});
  EXPECT_EQ(deep.use_count(), 1u);
  EXPECT_EQ(error_code_of([&] { (void)Value::array({1, deep}); }), ErrorCode::depth_limit);
  EXPECT_EQ(deep.use_count(), 1u);
  EXPECT_EQ(error_code_of([&] { (void)Value::object({{"a", 1}, {"d", deep}}); }), ErrorCode::depth_limit);
  EXPECT_EQ(deep.use_count(), 1u);
  EXPECT_EQ(error_code_of([&] {
              (void)Value::object({{"m0", 0}, {"m1", 1}, {"m2", 2}, {"m3", 3}, {"m4", 4}, {"m5", 5}, {"m6", 6},
                                   {"m7", 7}, {"m8", 8}, {"m9", 9}, {"ma", 10}, {"mb", 11}, {"mc", 12}, {"md", 13},
                                   {"me", 14}, {"mf", 15}, {"mg", 16}, {"d", deep}});
            }),
            ErrorCode::depth_limit)
      << "above 16 members (the indexed path)";
  EXPECT_EQ(deep.use_count(), 1u);
}

TEST(ValueConstruction, CopyIsSharedAndMoveLeavesNull) {
  Value a = Value::array({1, 2, 3});
  Value b = a;
  EXPECT_TRUE(a.same_node(b));
  EXPECT_EQ(a.use_count(), 2u);
  Value c = std::move(b);
  EXPECT_TRUE(b.is_null());  // NOLINT(bugprone-use-after-move): documented moved-from state
  EXPECT_EQ(a.use_count(), 2u);
  c = Value(5);
  EXPECT_EQ(a.use_count(), 1u);
  a = a;  // self-assignment keeps the value
  EXPECT_EQ(a.size(), 3u);
}

TEST(ValueInspection, IsFunctionsAnswerForEachType) {
  Value values[] = {Value(), Value(false), Value(1), Value(1.5), Value("s"), Value::array(), Value::object()};
  for (const Value& v : values) {
    EXPECT_EQ(v.is_null(), v.type() == Type::null);
    EXPECT_EQ(v.is_bool(), v.type() == Type::boolean);
    EXPECT_EQ(v.is_int(), v.type() == Type::integer);
    EXPECT_EQ(v.is_double(), v.type() == Type::number);
    EXPECT_EQ(v.is_number(), v.type() == Type::integer || v.type() == Type::number);
    EXPECT_EQ(v.is_string(), v.type() == Type::string);
    EXPECT_EQ(v.is_array(), v.type() == Type::array);
    EXPECT_EQ(v.is_object(), v.type() == Type::object);
  }
  EXPECT_EQ(to_string(Type::object), "object");
  EXPECT_EQ(to_string(Type::integer), "integer");
}

TEST(ValueInspection, AsWrongTypeThrowsTypeErrorNamingBothTypes) {
  try {
    (void)Value("x").as_int();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::type_error);
    EXPECT_NE(std::string(e.what()).find("integer"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("string"), std::string::npos);
  }
  EXPECT_EQ(error_code_of([] { (void)Value(1).as_bool(); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([] { (void)Value(true).as_double(); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([] { (void)Value(1).as_string(); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([] { (void)Value::object().as_array(); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([] { (void)Value::array().as_object(); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([] { (void)Value(2.5).as_int(); }), ErrorCode::type_error);
}

TEST(ValueInspection, NumbersConvertBetweenIntegerAndDoubleWhenExact) {
  EXPECT_EQ(Value(3).as_double(), 3.0);
  EXPECT_EQ(Value(4.0).as_int(), 4);
  EXPECT_EQ(error_code_of([] { (void)Value(1e30).as_int(); }), ErrorCode::type_error);
}

namespace {
std::string as_int_message(double d) {
  try {
    (void)Value(d).as_int();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::type_error);
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(ValueInspection, ANumberThatIsNoIntegerIsNamedAsJavaScriptSpellsIt) {
  EXPECT_EQ(as_int_message(2.5), "expected integer, but the number 2.5 has a fraction or is too large");
  // "%f" said 0.000000 here: the message named a number that was not the one refused.
  EXPECT_EQ(as_int_message(1e-7), "expected integer, but the number 1e-7 has a fraction or is too large");
  EXPECT_EQ(as_int_message(-1e30), "expected integer, but the number -1e+30 has a fraction or is too large");
  EXPECT_EQ(as_int_message(std::numeric_limits<double>::quiet_NaN()),
            "expected integer, but the number NaN has a fraction or is too large");
  EXPECT_EQ(as_int_message(-std::numeric_limits<double>::infinity()),
            "expected integer, but the number -Infinity has a fraction or is too large");
}

TEST(ValueInspection, SizeCountsElementsMembersAndBytes) {
  EXPECT_EQ(Value("héllo").size(), 6u);
  EXPECT_EQ(Value::array({1, 2}).size(), 2u);
  EXPECT_EQ(Value::object({{"a", 1}}).size(), 1u);
  EXPECT_EQ(Value(7).size(), 0u);
}

TEST(ValueReading, GetFindAndAtReportMissingAndWrongType) {
  Value o = Value::object({{"a", 1}, {"b", Value::array({10, 20})}});
  EXPECT_EQ(o.get("a").as_int(), 1);
  EXPECT_EQ(o.find("zz"), nullptr);
  EXPECT_TRUE(o.contains("b"));
  EXPECT_FALSE(o.contains("c"));
  EXPECT_EQ(error_code_of([&] { (void)o.get("zz"); }), ErrorCode::not_found);
  EXPECT_EQ(error_code_of([&] { (void)o.get("b").at(2); }), ErrorCode::out_of_range);
  EXPECT_EQ(error_code_of([&] { (void)o.at(0); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([&] { (void)o.get("a").find("x"); }), ErrorCode::type_error);
  EXPECT_EQ(o.get("b").at(1).as_int(), 20);
}

TEST(ValueReading, LargeObjectsFindEveryMemberThroughTheirIndex) {
  std::vector<Member> members;
  for (int i = 0; i < 1000; ++i) members.push_back({"key" + std::to_string(i), i});
  Value o = Value::object(std::move(members));
  for (int i = 0; i < 1000; ++i) {
    const Value* v = o.find("key" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(v->as_int(), i);
  }
  EXPECT_EQ(o.find("key1000"), nullptr);
  EXPECT_EQ(o.find(""), nullptr);
}

TEST(ValueReading, GetReadsLargeObjectsThroughTheirIndexAndReportsWhatItCannotRead) {
  // get and find scan small objects inline; a large object, a missing member and a value that
  // is not an object take the out-of-line path, which must answer as the inline one would.
  std::vector<Member> members;
  for (int i = 0; i < 40; ++i) members.push_back({"field" + std::to_string(i), i * 10});
  const Value large = Value::object(std::move(members));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(large.get("field" + std::to_string(i)).as_int(), i * 10) << i;
  EXPECT_EQ(error_code_of([&] { (void)large.get("field40"); }), ErrorCode::not_found);
  EXPECT_EQ(error_code_of([&] { (void)Value::object({{"a", 1}}).get("b"); }), ErrorCode::not_found);
  EXPECT_EQ(error_code_of([&] { (void)Value::object().get(""); }), ErrorCode::not_found);
  for (const Value& v : {Value(), Value(1), Value("text"), Value::array({1})}) {
    EXPECT_EQ(error_code_of([&] { (void)v.get("a"); }), ErrorCode::type_error);
    EXPECT_EQ(error_code_of([&] { (void)v.find("a"); }), ErrorCode::type_error);
  }
  try {
    (void)large.get("missing");
    ADD_FAILURE() << "expected not_found";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"missing\""), std::string::npos) << e.what();
  }
}

TEST(ValueReading, FindAndGetAnswerAtTheInlineScansBounds) {
  // find and get scan objects of 1 to 16 members inline; an empty object and a larger one go out
  // of line. Each size at and around those bounds must find every member and miss the rest.
  for (std::size_t n : {0u, 1u, 2u, 15u, 16u, 17u, 18u}) {
    std::vector<Member> members;
    for (std::size_t i = 0; i < n; ++i) members.push_back({"m" + std::to_string(i), static_cast<std::int64_t>(i)});
    const Value o = Value::object(std::move(members));
    for (std::size_t i = 0; i < n; ++i) {
      const std::string name = "m" + std::to_string(i);
      ASSERT_NE(o.find(name), nullptr) << n << " " << i;
      EXPECT_EQ(o.find(name)->as_int(), static_cast<std::int64_t>(i)) << n << " " << i;
      EXPECT_EQ(o.get(name).as_int(), static_cast<std::int64_t>(i)) << n << " " << i;
    }
    EXPECT_EQ(o.find("m" + std::to_string(n)), nullptr) << n;
    EXPECT_EQ(o.find(""), nullptr) << n;
    EXPECT_FALSE(o.contains("x")) << n;
    EXPECT_EQ(error_code_of([&] { (void)o.get("m" + std::to_string(n)); }), ErrorCode::not_found) << n;
  }
}

TEST(ValueReading, SmallObjectsTellApartNamesDifferingInAnyOneByte) {
  // The inline lookup compares short names as overlapping words: a name of each length up to
  // 24, beside names of the same length differing in exactly one byte, must find only itself.
  for (std::size_t n = 0; n <= 24; ++n) {
    const std::string name(n, 'a');
    for (std::size_t at = 0; at < n; ++at) {
      std::string other = name;
      other[at] = 'b';
      Value o = Value::object({{other, 1}, {name, 2}});
      ASSERT_NE(o.find(name), nullptr) << n << " " << at;
      EXPECT_EQ(o.find(name)->as_int(), 2) << n << " " << at;
      EXPECT_EQ(o.find(other)->as_int(), 1) << n << " " << at;
      Value without = Value::object({{other, 1}});
      EXPECT_EQ(without.find(name), nullptr) << n << " " << at;
    }
    EXPECT_EQ(Value::object({{name, 3}}).find(name)->as_int(), 3) << n;
  }
}

TEST(ValueReading, GetInAndFindInFollowPathsAndReportMissingSteps) {
  Value v = Value::object({{"items", Value::array({Value::object({{"name", "a"}}), Value::object({{"name", "b"}})})},
                           {"7", "seven"}});
  EXPECT_EQ(v.get_in({"items", 1, "name"}).as_string(), "b");
  EXPECT_EQ(v.get_in({}).size(), 2u);
  EXPECT_EQ(v.find_in({"items", 2}), nullptr);
  EXPECT_EQ(v.find_in({"items", 0, "name", "x"}), nullptr);  // crosses a scalar
  EXPECT_EQ(v.find_in({"nope"}), nullptr);
  EXPECT_EQ(v.get_in({7}).as_string(), "seven");  // an index step on an object is a key
  try {
    (void)v.get_in({"items", 0, "missing"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("/items/0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(ValuePath, JsonPointerParsesAndUnescapes) {
  Path p = Path::from_pointer("/a~1b/0/c~0d/");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.elements()[0], PathElement("a/b"));
  EXPECT_EQ(p.elements()[1], PathElement("0"));
  EXPECT_EQ(p.elements()[2], PathElement("c~d"));
  EXPECT_EQ(p.elements()[3], PathElement(""));
  EXPECT_TRUE(Path::from_pointer("").empty());
  EXPECT_EQ(Path::from_pointer("/").size(), 1u);
  EXPECT_EQ(Path::from_pointer("/~01").elements()[0], PathElement("~1"));  // not "/"
}

TEST(ValuePath, MalformedPointersAreInvalidArgument) {
  EXPECT_EQ(error_code_of([] { (void)Path::from_pointer("a/b"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(error_code_of([] { (void)Path::from_pointer("/a~2"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(error_code_of([] { (void)Path::from_pointer("/a~"); }), ErrorCode::invalid_argument);
}

TEST(ValuePath, ToPointerEscapesAndRoundTrips) {
  Path p{"a/b", 3, "c~d", ""};
  EXPECT_EQ(p.to_pointer(), "/a~1b/3/c~0d/");
  EXPECT_EQ(Path().to_pointer(), "");
  Path back = Path::from_pointer(p.to_pointer());
  EXPECT_EQ(back.to_pointer(), p.to_pointer());
  EXPECT_EQ(p.child("x").to_pointer(), "/a~1b/3/c~0d//x");
}

TEST(ValuePath, PointerDigitTokensIndexArraysButNotWithLeadingZeros) {
  Value v = Value::object({{"a", Value::array({"x", "y"})}, {"01", "key"}});
  EXPECT_EQ(v.get_in(Path::from_pointer("/a/1")).as_string(), "y");
  EXPECT_EQ(v.find_in(Path::from_pointer("/a/01")), nullptr);
  EXPECT_EQ(v.find_in(Path::from_pointer("/a/-")), nullptr);
  EXPECT_EQ(v.get_in(Path::from_pointer("/01")).as_string(), "key");
  EXPECT_EQ(v.find_in(Path::from_pointer("/a/99999999999999999999999")), nullptr);
}

TEST(ValueStrings, StringsOfUpToEightBytesLiveInTheHandle) {
  Value small("John Doe");  // 8 bytes
  Value big("John Does");   // 9 bytes
  EXPECT_EQ(small.node(), nullptr);
  EXPECT_NE(big.node(), nullptr);
  EXPECT_EQ(small.as_string(), "John Doe");
  EXPECT_EQ(big.as_string(), "John Does");
  EXPECT_EQ(small.size(), 8u);
  EXPECT_EQ(Value("").size(), 0u);
  EXPECT_EQ(Value("").as_string(), "");
  EXPECT_EQ(Value(std::string("a\0b", 3)).as_string(), std::string_view("a\0b", 3));
  EXPECT_EQ(Value(std::string(8, 'x')).node(), nullptr);
  EXPECT_NE(Value(std::string(9, 'x')).node(), nullptr);
  Value copy = small;
  EXPECT_EQ(copy.as_string(), "John Doe");
  EXPECT_EQ(copy.use_count(), 1u);
  EXPECT_TRUE(copy.same_node(small));
  EXPECT_FALSE(Value("abc").same_node(Value("abd")));
  Value moved = std::move(copy);
  EXPECT_EQ(moved.as_string(), "John Doe");
  EXPECT_TRUE(copy.is_null());  // NOLINT(bugprone-use-after-move): documented moved-from state
  Value b2 = big;
  EXPECT_TRUE(b2.same_node(big));
  EXPECT_EQ(big.use_count(), 2u);
  EXPECT_FALSE(b2.same_node(Value("John Does")));
  b2 = small;  // node string replaced by an inline one
  EXPECT_EQ(big.use_count(), 1u);
  EXPECT_EQ(b2, small);
}

TEST(ValueStrings, InlineAndNodeStringsCompareAndHashByContent) {
  EXPECT_EQ(Value("abc"), Value(std::string("abc")));
  EXPECT_NE(Value("abc"), Value("abcd"));
  EXPECT_NE(Value(""), Value(std::string("\0", 1)));
  EXPECT_EQ(Value("0123456789"), Value(std::string("0123456789")));
  EXPECT_EQ(Value("abc").hash(), Value(std::string_view("abc")).hash());
  EXPECT_NE(Value("abc").hash(), Value("abd").hash());
  Value o = Value::object({{"s", "short"}, {"l", "a much longer string"}});
  EXPECT_EQ(o.set("s", "short").node(), o.node());  // the same inline string: unchanged
  EXPECT_NE(o.set("s", "other").node(), o.node());
}
