// JSON text in and out: to_json, canonical JSON, parse errors with codes and byte offsets,
// UTF-8 validation, nesting and size limits, and numbers at the edges of int64 and double.
#include <gtest/gtest.h>

#include <cmath>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// The Error parse_json throws for `text` (fails the test when it parses).
Error parse_error(std::string_view text, const ParseOptions& options = {}) {
  try {
    (void)parse_json(text, options);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << text.substr(0, 80);
  return Error(ErrorCode::io_error, "none");
}

}  // namespace

TEST(ValueToJson, WritesCompactJsonInInsertionOrder) {
  Value v = Value::object({{"b", 1}, {"a", Value::array({true, false, nullptr, "s", 2.5, -3})}});
  EXPECT_EQ(v.to_json(), R"({"b":1,"a":[true,false,null,"s",2.5,-3]})");
  EXPECT_EQ(Value::array().to_json(), "[]");
  EXPECT_EQ(Value::object().to_json(), "{}");
  EXPECT_EQ(Value(INT64_MIN).to_json(), "-9223372036854775808");
}

TEST(ValueToJson, DoublesStayDoublesAndUseShortestRoundTripForm) {
  EXPECT_EQ(Value(1.0).to_json(), "1.0");
  EXPECT_EQ(Value(-0.0).to_json(), "-0.0");
  EXPECT_EQ(Value(0.1).to_json(), "0.1");
  EXPECT_EQ(Value(1e300).to_json(), "1e+300");
  EXPECT_EQ(Value(5e-324).to_json(), "5e-324");
  EXPECT_EQ(Value(0.1 + 0.2).to_json(), "0.30000000000000004");
  EXPECT_EQ(Value(1e21).to_json(), "1e+21");
  EXPECT_EQ(Value(1e-7).to_json(), "1e-7");
  EXPECT_TRUE(parse_json(Value(1.0).to_json()).is_double());
  for (double d : {0.1, 1.0 / 3, 123456.789e200, 2.2250738585072014e-308, 4.9406564584124654e-324,
                   1.7976931348623157e308, -7.0e-10, 9007199254740993.0}) {
    Value back = parse_json(Value(d).to_json());
    EXPECT_EQ(back.as_double(), d) << Value(d).to_json();
  }
}

TEST(ValueToJson, EscapesQuotesBackslashesAndControlCharacters) {
  std::string s = "q\"b\\n\nt\tc\x01 \x1f\b\f\r/é";
  Value v(s);
  EXPECT_EQ(v.to_json(), "\"q\\\"b\\\\n\\nt\\tc\\u0001 \\u001f\\b\\f\\r/é\"");
  EXPECT_EQ(parse_json(v.to_json()).as_string(), s);
  EXPECT_EQ(Value(std::string("a\0b", 3)).to_json(), "\"a\\u0000b\"");
}

TEST(ValueToJson, NonFiniteDoublesCannotBeSerialised) {
  for (double d : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    Value v = Value::object({{"x", Value::array({d})}});
    try {
      (void)v.to_json();
      ADD_FAILURE() << "serialised";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::non_finite);
    }
    try {
      (void)v.to_canonical_json();
      ADD_FAILURE() << "serialised";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::non_finite);
    }
  }
}

TEST(ValueCanonicalJson, SortsKeysByBytesAtEveryLevel) {
  Value v = parse_json(R"({"b":{"z":1,"a":2},"a":[{"y":1,"x":2}],"B":0,"é":1,"e":2})");
  EXPECT_EQ(v.to_canonical_json(), R"({"B":0,"a":[{"x":2,"y":1}],"b":{"a":2,"z":1},"e":2,"é":1})");
}

TEST(ValueCanonicalJson, EqualValuesGiveEqualBytes) {
  Value a = parse_json(R"({"n":1,"d":1.0,"big":1152921504606846976,"arr":[0.5,-0.0]})");
  Value b = parse_json(R"({"arr":[0.5,0],"big":1.152921504606846976e18,"d":1,"n":1.0})");
  ASSERT_EQ(a, b);
  EXPECT_EQ(a.to_canonical_json(), b.to_canonical_json());
  EXPECT_EQ(a.to_canonical_json(), R"({"arr":[0.5,0],"big":1152921504606846976,"d":1,"n":1})");
  EXPECT_EQ(Value(1e300).to_canonical_json(), "1e+300");
  EXPECT_EQ(Value(2.5).to_canonical_json(), "2.5");
}

TEST(ValueCanonicalJson, CanonicalFormIsAFixedPoint) {
  Value v = parse_json(R"({"z":[1.5,{"q":"\u00e9\n","a":null}],"a":true,"m":-1e-7})");
  std::string once = v.to_canonical_json();
  EXPECT_EQ(parse_json(once).to_canonical_json(), once);
  EXPECT_EQ(parse_json(once), v);
}

TEST(ValueParse, ParsesEveryJsonType) {
  Value v = parse_json(" {\"a\" : [1, -2.5e3, \"s\\u00e9\\ud83d\\ude00\", true, false, null, {}, []] } \n");
  EXPECT_EQ(v.get("a").at(0).as_int(), 1);
  EXPECT_EQ(v.get("a").at(1).as_double(), -2500.0);
  EXPECT_EQ(v.get("a").at(2).as_string(), "s\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_TRUE(v.get("a").at(3).as_bool());
  EXPECT_TRUE(v.get("a").at(5).is_null());
  EXPECT_TRUE(v.get("a").at(6).is_object());
  EXPECT_TRUE(v.get("a").at(7).is_array());
  EXPECT_EQ(parse_json("7").as_int(), 7);
  EXPECT_EQ(parse_json("\"\"").as_string(), "");
}

TEST(ValueParse, DuplicateKeysKeepTheLastValueAtTheFirstPosition) {
  Value v = parse_json(R"({"a":1,"b":2,"a":3})");
  EXPECT_EQ(v.to_json(), R"({"a":3,"b":2})");
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big += R"("k3":"again"})";
  Value w = parse_json(big);
  EXPECT_EQ(w.size(), 40u);
  EXPECT_EQ(w.get("k3").as_string(), "again");
  EXPECT_EQ(w.as_object()[3].key, "k3");
}

TEST(ValueParse, MalformedJsonGivesInvalidJsonWithTheByteOffset) {
  struct Case {
    const char* text;
    std::size_t offset;
  };
  for (Case c : {Case{"[1,]", 3}, Case{R"({"a" 1})", 5}, Case{"[1] x", 4}, Case{"", 0}, Case{"[1", 2},
                 Case{"tru", 3}, Case{"01", 1}, Case{"{\"a\":1,}", 7}, Case{"\"abc", 4},
                 Case{"[\"\\x\"]", 3}, Case{"1 2", 2}, Case{"nul", 3}, Case{"[\"a\tb\"]", 3}}) {
    Error e = parse_error(c.text);
    EXPECT_EQ(e.code(), ErrorCode::invalid_json) << c.text;
    EXPECT_EQ(e.offset(), c.offset) << c.text << " : " << e.what();
    EXPECT_NE(std::string(e.what()).find("byte " + std::to_string(c.offset)), std::string::npos) << e.what();
  }
}

TEST(ValueParse, InvalidUtf8IsRejectedWithItsOffset) {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  for (const Case& c : {Case{"\"ab\xff\"", 3}, Case{"\"\xc3\"", 1}, Case{"\"\xe0\x80\x80\"", 1},
                        Case{"\"\xed\xa0\x80\"", 1}, Case{"\"\xf4\x90\x80\x80\"", 1},
                        Case{"{\"k\xfe\":1}", 3}, Case{"[\"ok\",\"\x80\"]", 7}, Case{"\"\xc0\xaf\"", 1}}) {
    Error e = parse_error(c.text);
    EXPECT_EQ(e.code(), ErrorCode::invalid_utf8) << c.text;
    EXPECT_EQ(e.offset(), c.offset) << c.text;
  }
}

TEST(ValueParse, LoneSurrogateEscapesAreInvalidJson) {
  EXPECT_EQ(parse_error(R"(["\ud800"])").code(), ErrorCode::invalid_json);
  EXPECT_EQ(parse_error(R"(["\udc00"])").code(), ErrorCode::invalid_json);
  EXPECT_EQ(parse_json(R"("\ud834\udd1e")").as_string(), "\xf0\x9d\x84\x9e");
}

TEST(ValueParse, DefaultDepthLimitIs512) {
  std::string ok(512, '[');
  ok += std::string(512, ']');
  EXPECT_EQ(parse_json(ok).size(), 1u);
  std::string deep(513, '[');
  deep += std::string(513, ']');
  Error e = parse_error(deep);
  EXPECT_EQ(e.code(), ErrorCode::depth_limit);
  EXPECT_EQ(e.offset(), 512u);
}

TEST(ValueParse, HundredThousandNestedArraysGiveDepthLimitNotACrash) {
  std::string deep(100000, '[');
  EXPECT_EQ(parse_error(deep).code(), ErrorCode::depth_limit);
  deep += std::string(100000, ']');
  EXPECT_EQ(parse_error(deep).code(), ErrorCode::depth_limit);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_EQ(parse_error(objects).code(), ErrorCode::depth_limit);
}

TEST(ValueParse, DepthLimitIsConfigurable) {
  EXPECT_EQ(parse_error("[[[1]]]", {.max_depth = 2}).code(), ErrorCode::depth_limit);
  EXPECT_EQ(parse_json("[[[1]]]", {.max_depth = 3}).to_json(), "[[[1]]]");
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_EQ(parse_json(deep, {.max_depth = 1000}).to_json(), deep);
  // Beyond what a Value may hold, the cap wins whatever the caller asks.
  std::string too_deep(detail::max_nesting + 1, '[');
  too_deep += std::string(detail::max_nesting + 1, ']');
  EXPECT_EQ(parse_error(too_deep, {.max_depth = 1000000}).code(), ErrorCode::depth_limit);
}

TEST(ValueParse, SizeLimitRejectsLargerInput) {
  Error e = parse_error("[1, 2, 3]", {.max_bytes = 8});
  EXPECT_EQ(e.code(), ErrorCode::size_limit);
  EXPECT_EQ(parse_json("[1, 2, 3]", {.max_bytes = 9}).size(), 3u);
}

TEST(ValueParse, IntegersBeyondInt64BecomeDoubles) {
  Value max = parse_json("9223372036854775807");
  EXPECT_TRUE(max.is_int());
  EXPECT_EQ(max.as_int(), INT64_MAX);
  Value min = parse_json("-9223372036854775808");
  EXPECT_TRUE(min.is_int());
  EXPECT_EQ(min.as_int(), INT64_MIN);
  Value above = parse_json("9223372036854775808");
  EXPECT_TRUE(above.is_double());
  EXPECT_EQ(above.as_double(), 9223372036854775808.0);
  Value below = parse_json("-9223372036854775809");
  EXPECT_TRUE(below.is_double());
  EXPECT_EQ(below.as_double(), -9223372036854775808.0);
  Value huge = parse_json("123456789012345678901234567890");
  EXPECT_TRUE(huge.is_double());
  EXPECT_EQ(huge.as_double(), 1.2345678901234568e29);
  EXPECT_EQ(huge.to_json(), "1.2345678901234568e+29");
}

TEST(ValueParse, NumbersBeyondDoubleRangeAreInvalidJsonAndTinyOnesAreZero) {
  for (const char* text : {"1e400", "-1e400", "[1.5e999]", "1" "00000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                           "00000000000000000000"}) {
    EXPECT_EQ(parse_error(text).code(), ErrorCode::invalid_json) << text;
  }
  EXPECT_EQ(parse_json("1e-400").as_double(), 0.0);
  EXPECT_TRUE(std::signbit(parse_json("-1e-400").as_double()));
  EXPECT_EQ(parse_json("1.7976931348623157e308").as_double(), 1.7976931348623157e308);
}

TEST(ValueParse, DecimalsAreReadCorrectlyRounded) {
  // Values where a fast, approximate conversion is off by one ulp.
  EXPECT_EQ(parse_json("0.30000000000000004").as_double(), 0.1 + 0.2);
  EXPECT_EQ(parse_json("2.2250738585072011e-308").as_double(), 2.2250738585072011e-308);
  EXPECT_EQ(parse_json("9007199254740993.0").as_double(), 9007199254740992.0);
  EXPECT_EQ(parse_json("1.00000000000000011102230246251565404236316680908203125").as_double(), 1.0);
  EXPECT_EQ(parse_json("7.2057594037927933e16").as_double(), 7.2057594037927933e16);
}

TEST(ValueParse, LargeDocumentRoundTrips) {
  std::string text = R"({"items":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i) text += ',';
    text += R"({"id":)" + std::to_string(i) + R"(,"name":"item)" + std::to_string(i) + R"(","tags":["a","b"]})";
  }
  text += "]}";
  Value v = parse_json(text);
  EXPECT_EQ(v.get("items").size(), 1000u);
  EXPECT_EQ(v.to_json(), text);
  EXPECT_EQ(v.get_in({"items", 999, "name"}).as_string(), "item999");
}

TEST(ValueParse, RandomDoublesRoundTripBitForBit) {
  // A fixed-seed sweep over bit patterns: to_json writes the shortest form, parse_json must read
  // back exactly the same double (an approximate reader fails here within a few thousand).
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::uint64_t bits = state ^ (state >> 29);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    double back = parse_json(Value(d).to_json()).as_double();
    std::uint64_t back_bits;
    std::memcpy(&back_bits, &back, sizeof back);
    ASSERT_EQ(back_bits, bits) << Value(d).to_json();
    ++checked;
  }
  EXPECT_GT(checked, 19000);
}

TEST(ValueToJson, DoublesAreSpelledAsJavaScriptSpellsThem) {
  // ECMAScript Number::toString (as node prints them), plus ".0" on integral doubles in to_json.
  struct Case {
    double d;
    const char* text;
  };
  for (Case c : {Case{100000.0, "100000.0"}, Case{1e21, "1e+21"}, Case{1e20, "100000000000000000000.0"},
                 Case{1.2345678901234568e20, "123456789012345680000.0"}, Case{0.000001, "0.000001"},
                 Case{1e-7, "1e-7"}, Case{1.25e-7, "1.25e-7"}, Case{0.0001, "0.0001"},
                 Case{1223873658680047104.0, "1223873658680047000.0"}, Case{9007199254740993.0, "9007199254740992.0"},
                 Case{1.7976931348623157e308, "1.7976931348623157e+308"}, Case{5e-324, "5e-324"},
                 Case{2.2250738585072014e-308, "2.2250738585072014e-308"}, Case{123.456, "123.456"},
                 Case{1e300, "1e+300"}, Case{1.2345678901234568e29, "1.2345678901234568e+29"}, Case{-2.5, "-2.5"},
                 Case{1.5e15, "1500000000000000.0"}, Case{0.0, "0.0"}, Case{-0.0, "-0.0"}}) {
    EXPECT_EQ(Value(c.d).to_json(), c.text);
  }
  EXPECT_EQ(Value(1.5e15).to_canonical_json(), "1500000000000000");
  EXPECT_EQ(Value(1e20).to_canonical_json(), "100000000000000000000");
  EXPECT_EQ(Value(1.25e-7).to_canonical_json(), "1.25e-7");
}
