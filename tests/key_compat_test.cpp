// key_string against @tanstack/query-core's hashKey: tests/data/key_hashkey_cases.txt holds keys
// and the text hashKey gave for them (regenerate with tests/data/key_hashkey_cases.mjs).
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <string>

#include "mfstate/key.hpp"

using namespace mfstate;

TEST(KeyCompat, KeyStringIsByteIdenticalToQueryCoreHashKey) {
  std::ifstream in(std::string(MFSTATE_TEST_DATA_DIR) + "/key_hashkey_cases.txt");
  ASSERT_TRUE(in) << "missing tests/data/key_hashkey_cases.txt";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    Value key = parse_json(line.substr(0, tab));
    EXPECT_EQ(key_string(key), line.substr(tab + 1)) << "key " << line.substr(0, tab);
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

TEST(KeyCompat, ArrayIndexNamesComeFirstInNumericOrder) {
  Value key = Value::array(
      {Value::object({{"b", 1}, {"10", 2}, {"9", 3}, {"010", 4}, {"4294967295", 5}, {"4294967294", 6}})});
  // "010" and "4294967295" are not array indices in JavaScript: they sort as text.
  EXPECT_EQ(key_string(key), R"([{"9":3,"10":2,"4294967294":6,"010":4,"4294967295":5,"b":1}])");
}

TEST(KeyCompat, NamesSortByUtf16CodeUnits) {
  // U+1F600 (a surrogate pair in UTF-16) sorts before U+FF21 in JavaScript, after it in UTF-8.
  Value key = Value::array({Value::object({{"\xEF\xBC\xA1", 1}, {"\xF0\x9F\x98\x80", 2}, {"a", 3}})});
  EXPECT_EQ(key_string(key), "[{\"a\":3,\"\xF0\x9F\x98\x80\":2,\"\xEF\xBC\xA1\":1}]");
}

TEST(KeyCompat, NumbersAreWrittenAsJavaScriptWritesThem) {
  auto text = [](Value v) { return key_string(Value::array({std::move(v)})); };
  EXPECT_EQ(text(1.0), "[1]");
  EXPECT_EQ(text(-0.0), "[0]");
  EXPECT_EQ(text(0.1), "[0.1]");
  EXPECT_EQ(text(-2.5e-7), "[-2.5e-7]");
  EXPECT_EQ(text(1e-6), "[0.000001]");
  EXPECT_EQ(text(123.456), "[123.456]");
  EXPECT_EQ(text(1e20), "[100000000000000000000]");
  EXPECT_EQ(text(1e21), "[1e+21]");
  EXPECT_EQ(text(1.5e300), "[1.5e+300]");
  EXPECT_EQ(text(5e-324), "[5e-324]");
  EXPECT_EQ(text(std::numeric_limits<std::int64_t>::min()), "[-9223372036854776000]");
  EXPECT_EQ(text(9007199254740993LL), "[9007199254740992]");
}

TEST(KeyCompat, EqualKeysOfIntegersAndDoublesHaveOneText) {
  Value as_int = Value::array({std::int64_t{1} << 62});
  Value as_double = Value::array({static_cast<double>(std::int64_t{1} << 62)});
  ASSERT_EQ(as_int, as_double);
  EXPECT_EQ(key_string(as_int), key_string(as_double));
  EXPECT_EQ(hash_key(as_int), hash_key(as_double));
}

TEST(KeyCompat, StringsAreEscapedAsJsonStringifyEscapesThem) {
  Value key = Value::array({std::string("q\"\\/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9", 14)});
  EXPECT_EQ(key_string(key), "[\"q\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xC3\xA9\"]");
}

TEST(KeyCompat, NestedObjectsAreEachSorted) {
  Value key =
      parse_json(R"([{"b":{"d":1,"c":{"z":0,"y":[{"q":1,"p":2}]}},"a":{"f":3,"e":4}},{"2":0,"1":0}])");
  EXPECT_EQ(key_string(key),
            R"([{"a":{"e":4,"f":3},"b":{"c":{"y":[{"p":2,"q":1}],"z":0},"d":1}},{"1":0,"2":0}])");
}

TEST(KeyCompat, DeeplyNestedKeysAreHashedWrittenAndMatchedWithoutOverflow) {
  // As deep as a Value may be: the outer array, then two levels per step, then the innermost [].
  const std::size_t steps = (detail::max_nesting - 2) / 2;
  Value inner = Value::array();
  for (std::size_t i = 0; i < steps; ++i) inner = Value::array({"x", Value::object({{"a", std::move(inner)}})});
  Value key = Value::array({"deep", inner});
  std::string text = key_string(key);
  const ParseOptions deep{.max_depth = detail::max_nesting};
  EXPECT_EQ(text.size(), steps * std::string(R"(["x",{"a":]})").size() + std::string(R"(["deep",[]])").size());
  Value back = parse_json(text, deep);
  EXPECT_EQ(back, key);
  EXPECT_EQ(hash_key(back), hash_key(key));
  EXPECT_TRUE(matches(key, back, true));
  EXPECT_TRUE(matches(key, back));
  EXPECT_TRUE(
      matches(Value::array({"deep", Value::array({"x", Value::object({{"a", Value::array({"x"})}})})}), key));
}
