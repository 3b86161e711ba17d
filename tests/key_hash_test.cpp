// hash_key and key_string: TanStack's hashKey semantics (object member order never matters,
// array order always does) and the canonical text.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <set>

#include "mfstate/key.hpp"

using namespace mfstate;

namespace {

Value w5_key(int i) {
  return Value::array({"user", Value::object({{"id", i},
                                              {"include", Value::array({"profile", "roles"})},
                                              {"page", Value::object({{"size", 20}, {"n", 1}})}})});
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an mfstate::Error";
  return ErrorCode::io_error;
}

}  // namespace

TEST(KeyHash, ObjectMemberOrderDoesNotChangeTheHash) {
  Value a = Value::array({"user", Value::object({{"id", 1}, {"page", 2}})});
  Value b = Value::array({"user", Value::object({{"page", 2}, {"id", 1}})});
  EXPECT_EQ(hash_key(a), hash_key(b));
  EXPECT_EQ(key_string(a), key_string(b));
}

TEST(KeyHash, NestedObjectMemberOrderDoesNotChangeTheHash) {
  Value a = parse_json(R"(["user",{"id":1,"page":{"size":20,"n":1,"sort":{"by":"name","dir":"asc"}}}])");
  Value b = parse_json(R"(["user",{"page":{"sort":{"dir":"asc","by":"name"},"n":1,"size":20},"id":1}])");
  EXPECT_EQ(hash_key(a), hash_key(b));
  EXPECT_EQ(key_string(a), key_string(b));
}

TEST(KeyHash, ArrayOrderChangesTheHash) {
  EXPECT_NE(hash_key(Value::array({"user", 1})), hash_key(Value::array({1, "user"})));
  Value a = parse_json(R"(["user",{"include":["profile","roles"]}])");
  Value b = parse_json(R"(["user",{"include":["roles","profile"]}])");
  EXPECT_NE(hash_key(a), hash_key(b));
  EXPECT_NE(key_string(a), key_string(b));
}

TEST(KeyHash, DifferentValuesAndTypesHashApart) {
  EXPECT_NE(hash_key(Value::array({"user", 1})), hash_key(Value::array({"user", 2})));
  EXPECT_NE(hash_key(Value::array({"user", 1})), hash_key(Value::array({"user", "1"})));
  EXPECT_NE(hash_key(Value::array({"user"})), hash_key(Value::array({"user", nullptr})));
  EXPECT_NE(hash_key(Value::array({Value::array({"a", "b"})})), hash_key(Value::array({"a", "b"})));
}

TEST(KeyHash, IntegerAndEqualDoubleAreOneKeyAsInJavaScript) {
  EXPECT_EQ(hash_key(Value::array({"user", 1})), hash_key(Value::array({"user", 1.0})));
  EXPECT_EQ(key_string(Value::array({"user", 1.0})), R"(["user",1])");
}

TEST(KeyHash, HashOfAFreshKeyEqualsHashOfACachedOne) {
  Value a = w5_key(7);
  std::uint64_t first = hash_key(a);
  EXPECT_EQ(hash_key(a), first);
  EXPECT_EQ(hash_key(w5_key(7)), first);
  EXPECT_NE(hash_key(w5_key(8)), first);
}

TEST(KeyHash, HashesOfManyKeysAreDistinct) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(hash_key(w5_key(i)));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(KeyHash, KeyStringIsTanStackHashKeyText) {
  // What query-core's hashKey returns for the W5 key (JSON.stringify, object keys sorted).
  EXPECT_EQ(key_string(w5_key(0)),
            R"(["user",{"id":0,"include":["profile","roles"],"page":{"n":1,"size":20}}])");
  EXPECT_EQ(key_string(parse_json(R"(["todos",{"done":false,"q":"a\"b"},null,2.5])")),
            R"(["todos",{"done":false,"q":"a\"b"},null,2.5])");
  EXPECT_EQ(key_string(Value::array()), "[]");
}

TEST(KeyHash, KeyStringRoundTripsThroughParseJson) {
  Value k = w5_key(42);
  EXPECT_EQ(parse_json(key_string(k)), k);
  EXPECT_EQ(hash_key(parse_json(key_string(k))), hash_key(k));
}

TEST(KeyHash, NonArrayKeyIsInvalidKey) {
  EXPECT_EQ(code_of([] { (void)hash_key(Value("user")); }), ErrorCode::invalid_key);
  EXPECT_EQ(code_of([] { (void)hash_key(Value::object({{"user", 1}})); }), ErrorCode::invalid_key);
  EXPECT_EQ(code_of([] { (void)hash_key(Value()); }), ErrorCode::invalid_key);
  EXPECT_EQ(code_of([] { (void)key_string(Value(42)); }), ErrorCode::invalid_key);
  EXPECT_EQ(code_of([] { check_key(Value(true)); }), ErrorCode::invalid_key);
  EXPECT_NO_THROW(check_key(Value::array()));
}

TEST(KeyHash, KeyStringOfNonFiniteNumberIsInvalidKey) {
  Value k = Value::array({"x", std::numeric_limits<double>::infinity()});
  EXPECT_EQ(code_of([&] { (void)key_string(k); }), ErrorCode::invalid_key);
  // The hash exists (it needs no text), so such a key can still be looked up.
  EXPECT_EQ(hash_key(k), hash_key(Value::array({"x", std::numeric_limits<double>::infinity()})));
}
