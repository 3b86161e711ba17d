// matches(): TanStack's partialMatchKey (prefix arrays, subset objects, recursively) and exact.
#include <gtest/gtest.h>

#include "mfstate/key.hpp"

using namespace mfstate;

namespace {
Value k(std::string_view json) { return parse_json(json); }
}  // namespace

TEST(KeyMatch, ArrayFilterIsAPrefix) {
  EXPECT_TRUE(matches(k(R"(["user"])"), k(R"(["user",42])")));
  EXPECT_TRUE(matches(k(R"(["user",42])"), k(R"(["user",42,"profile"])")));
  EXPECT_TRUE(matches(k(R"(["user",42,"profile"])"), k(R"(["user",42,"profile"])")));
  EXPECT_FALSE(matches(k(R"(["user",43])"), k(R"(["user",42,"profile"])")));
  EXPECT_FALSE(matches(k(R"(["users"])"), k(R"(["user",42])")));
}

TEST(KeyMatch, FilterLongerThanTheKeyDoesNotMatch) {
  EXPECT_FALSE(matches(k(R"(["user",42,"profile"])"), k(R"(["user",42])")));
}

TEST(KeyMatch, EmptyFilterMatchesEveryKey) {
  EXPECT_TRUE(matches(Value::array(), k(R"(["user",42])")));
  EXPECT_TRUE(matches(Value::array(), Value::array()));
}

TEST(KeyMatch, ObjectFilterMatchesWhenItsFieldsAreASubset) {
  Value key = k(R"(["user",{"id":1,"page":2}])");
  EXPECT_TRUE(matches(k(R"(["user",{"id":1}])"), key));
  EXPECT_TRUE(matches(k(R"(["user",{}])"), key));
  EXPECT_TRUE(matches(k(R"(["user",{"page":2,"id":1}])"), key));
  EXPECT_FALSE(matches(k(R"(["user",{"id":2}])"), key));
  EXPECT_FALSE(matches(k(R"(["user",{"id":1,"page":3}])"), key));
  EXPECT_FALSE(matches(k(R"(["user",{"id":1,"sort":"name"}])"), key));
}

TEST(KeyMatch, NestedObjectsMatchBySubsetAndNestedArraysByPrefix) {
  Value key = k(R"(["user",{"id":1,"include":["profile","roles"],"page":{"size":20,"n":1}}])");
  EXPECT_TRUE(matches(k(R"(["user",{"page":{"size":20}}])"), key));
  EXPECT_FALSE(matches(k(R"(["user",{"page":{"size":50}}])"), key));
  // As in query-core, whose partialMatchKey walks arrays by index: a nested array is a prefix.
  EXPECT_TRUE(matches(k(R"(["user",{"include":["profile"]}])"), key));
  EXPECT_FALSE(matches(k(R"(["user",{"include":["roles"]}])"), key));
}

TEST(KeyMatch, ScalarsMatchByEquality) {
  EXPECT_TRUE(matches(k(R"(["user",1])"), k(R"(["user",1.0])")));
  EXPECT_FALSE(matches(k(R"(["user",1])"), k(R"(["user","1"])")));
  EXPECT_FALSE(matches(k(R"(["user",null])"), k(R"(["user",false])")));
  EXPECT_TRUE(matches(k(R"([null,true])"), k(R"([null,true,"x"])")));
}

TEST(KeyMatch, ContainersOfDifferentTypesDoNotMatch) {
  EXPECT_FALSE(matches(k(R"(["user",{"0":"a"}])"), k(R"(["user",["a"]])")));
  EXPECT_FALSE(matches(k(R"(["user",["a"]])"), k(R"(["user",{"0":"a"}])")));
  EXPECT_FALSE(matches(k(R"(["user",{}])"), k(R"(["user",42])")));
  EXPECT_FALSE(matches(k(R"(["user",[]])"), k(R"(["user","x"])")));
}

TEST(KeyMatch, ExactMatchesOnlyEqualKeys) {
  Value key = k(R"(["user",{"id":1,"page":2}])");
  EXPECT_TRUE(matches(k(R"(["user",{"page":2,"id":1}])"), key, true));
  EXPECT_FALSE(matches(k(R"(["user"])"), key, true));
  EXPECT_FALSE(matches(k(R"(["user",{"id":1}])"), key, true));
  EXPECT_FALSE(matches(k(R"(["user",{"id":1,"page":2},"x"])"), key, true));
  EXPECT_TRUE(matches(Value::array(), Value::array(), true));
  EXPECT_FALSE(matches(Value::array(), key, true));
}

TEST(KeyMatch, ExactAgreesWithHashAndKeyString) {
  Value a = k(R"(["user",{"b":[1,2],"a":{"y":1,"x":2}}])");
  Value b = k(R"(["user",{"a":{"x":2,"y":1},"b":[1,2]}])");
  EXPECT_TRUE(matches(a, b, true));
  EXPECT_EQ(hash_key(a), hash_key(b));
  EXPECT_EQ(key_string(a), key_string(b));
}

TEST(KeyMatch, SharedNodesMatchWithoutWalking) {
  Value inner = k(R"({"id":1,"page":2})");
  EXPECT_TRUE(matches(Value::array({"user", inner}), Value::array({"user", inner, "more"})));
}

TEST(KeyMatch, NonArrayFilterOrKeyIsInvalidKey) {
  for (bool exact : {false, true}) {
    try {
      (void)matches(Value("user"), k(R"(["user"])"), exact);
      ADD_FAILURE() << "expected invalid_key";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_key);
    }
    try {
      (void)matches(k(R"(["user"])"), Value::object({{"user", 1}}), exact);
      ADD_FAILURE() << "expected invalid_key";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_key);
    }
  }
}
