// Schema compilation and validation: every keyword of the subset, violation paths and reasons,
// and the errors for schemas outside the subset.
#include <gtest/gtest.h>

#include "mfstate/contract.hpp"

namespace mfstate {
namespace {

Schema schema(std::string_view json) { return Schema::parse_json(json); }
Value json(std::string_view text) { return parse_json(text); }

std::vector<std::string> paths(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.path);
  return out;
}

ErrorCode parse_error(std::string_view text) {
  try {
    Schema::parse_json(text);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::io_error;  // stands for "did not throw"
}

std::string parse_message(std::string_view text) {
  try {
    Schema::parse_json(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ContractSchema, DefaultSchemaAcceptsEverything) {
  Schema s;
  EXPECT_TRUE(validate(s, json(R"({"a":[1,2,{"b":null}]})")).empty());
  EXPECT_EQ(s.document(), Value(true));
}

TEST(ContractSchema, BooleanSchemas) {
  EXPECT_TRUE(validate(schema("true"), json("42")).empty());
  auto v = validate(schema("false"), json("42"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, "");
}

TEST(ContractSchema, DocumentIsKept) {
  auto doc = json(R"({"type":"string","title":"A name"})");
  EXPECT_EQ(Schema::parse(doc).document(), doc);
}

TEST(ContractSchema, TypeSingleRejectsOtherTypes) {
  auto s = schema(R"({"type":"string"})");
  EXPECT_TRUE(validate(s, json(R"("x")")).empty());
  auto v = validate(s, json("1"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].reason, "expected string, got integer");
}

TEST(ContractSchema, TypeUnionWithNull) {
  auto s = schema(R"({"type":["string","null"]})");
  EXPECT_TRUE(validate(s, json(R"("x")")).empty());
  EXPECT_TRUE(validate(s, json("null")).empty());
  EXPECT_EQ(validate(s, json("true")).size(), 1u);
}

TEST(ContractSchema, IntegerAcceptsIntegralDoublesNumberAcceptsIntegers) {
  auto integer = schema(R"({"type":"integer"})");
  EXPECT_TRUE(validate(integer, json("1.0")).empty());
  EXPECT_TRUE(validate(integer, json("7")).empty());
  EXPECT_EQ(validate(integer, json("1.5")).size(), 1u);
  auto number = schema(R"({"type":"number"})");
  EXPECT_TRUE(validate(number, json("7")).empty());
  EXPECT_TRUE(validate(number, json("1.5")).empty());
  EXPECT_EQ(validate(number, json(R"("7")")).size(), 1u);
}

TEST(ContractSchema, PropertiesValidateOnlyPresentMembers) {
  auto s = schema(R"({"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}})");
  EXPECT_TRUE(validate(s, json(R"({"id":1})")).empty());
  EXPECT_TRUE(validate(s, json(R"({})")).empty());
  auto v = validate(s, json(R"({"id":"x","name":2,"other":true})"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"/id", "/name"}));
}

TEST(ContractSchema, RequiredReportsEachMissingPropertyAtTheObject) {
  auto s = schema(R"({"type":"object","properties":{"user":{"type":"object","required":["id","name"]}}})");
  auto v = validate(s, json(R"({"user":{}})"));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].path, "/user");
  EXPECT_EQ(v[0].reason, "missing required property \"id\"");
  EXPECT_EQ(v[1].reason, "missing required property \"name\"");
}

TEST(ContractSchema, RequiredIgnoresNonObjects) {
  EXPECT_TRUE(validate(schema(R"({"required":["a"]})"), json("[1]")).empty());
}

TEST(ContractSchema, ItemsValidatesEveryElementWithItsIndex) {
  auto s = schema(R"({"type":"array","items":{"type":"integer","minimum":0}})");
  EXPECT_TRUE(validate(s, json("[0,1,2]")).empty());
  auto v = validate(s, json(R"([1,"a",-1])"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"/1", "/2"}));
}

TEST(ContractSchema, EnumMatchesByJsonEquality) {
  auto s = schema(R"({"enum":["red",1,null,{"a":[1]}]})");
  EXPECT_TRUE(validate(s, json(R"("red")")).empty());
  EXPECT_TRUE(validate(s, json("1.0")).empty());
  EXPECT_TRUE(validate(s, json("null")).empty());
  EXPECT_TRUE(validate(s, json(R"({"a":[1]})")).empty());
  EXPECT_EQ(validate(s, json("true")).size(), 1u);
  EXPECT_EQ(validate(s, json(R"("blue")")).size(), 1u);
}

TEST(ContractSchema, ConstRequiresEqualValue) {
  auto s = schema(R"({"const":{"v":2}})");
  EXPECT_TRUE(validate(s, json(R"({"v":2})")).empty());
  auto v = validate(s, json(R"({"v":3})"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].reason.find("constant"), std::string::npos);
  EXPECT_EQ(validate(schema(R"({"const":false})"), json("0")).size(), 1u);
}

TEST(ContractSchema, AdditionalPropertiesFalseRejectsEachUndeclaredMember) {
  auto s = schema(R"({"properties":{"a":{}},"additionalProperties":false})");
  EXPECT_TRUE(validate(s, json(R"({"a":1})")).empty());
  auto v = validate(s, json(R"({"a":1,"b":2,"c~/":3})"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"/b", "/c~0~1"}));
}

TEST(ContractSchema, AdditionalPropertiesSchemaAppliesToUndeclaredMembersOnly) {
  auto s = schema(R"({"properties":{"a":{"type":"string"}},"additionalProperties":{"type":"integer"}})");
  EXPECT_TRUE(validate(s, json(R"({"a":"x","b":2})")).empty());
  auto v = validate(s, json(R"({"a":"x","b":"y"})"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"/b"}));
}

TEST(ContractSchema, NumericBoundsInclusiveAndExclusive) {
  auto s = schema(R"({"minimum":1,"maximum":10})");
  EXPECT_TRUE(validate(s, json("1")).empty());
  EXPECT_TRUE(validate(s, json("10")).empty());
  EXPECT_EQ(validate(s, json("0.5")).size(), 1u);
  EXPECT_EQ(validate(s, json("10.5")).size(), 1u);
  auto x = schema(R"({"exclusiveMinimum":1,"exclusiveMaximum":10})");
  EXPECT_EQ(validate(x, json("1")).size(), 1u);
  EXPECT_EQ(validate(x, json("10")).size(), 1u);
  EXPECT_TRUE(validate(x, json("1.0001")).empty());
  EXPECT_TRUE(validate(s, json(R"("not a number")")).empty());
}

TEST(ContractSchema, BoundsCompareLargeIntegersExactly) {
  auto s = schema(R"({"maximum":9007199254740992})");
  EXPECT_TRUE(validate(s, Value(std::int64_t{9007199254740992})).empty());
  EXPECT_EQ(validate(s, Value(std::int64_t{9007199254740993})).size(), 1u);
  auto d = schema(R"({"maximum":1.5})");
  EXPECT_TRUE(validate(d, Value(1)).empty());
  EXPECT_EQ(validate(d, Value(2)).size(), 1u);
}

TEST(ContractSchema, LengthsCountCodePointsNotBytes) {
  auto s = schema(R"({"minLength":2,"maxLength":3})");
  EXPECT_TRUE(validate(s, json("\"\u00e9\u00e9\"")).empty());                   // 4 bytes, 2 code points
  EXPECT_TRUE(validate(s, Value("\xF0\x9F\x92\xA9\xF0\x9F\x92\xA9")).empty());  // 2 emoji
  EXPECT_EQ(validate(s, json("\"\u00e9\"")).size(), 1u);
  EXPECT_EQ(validate(s, json(R"("abcd")")).size(), 1u);
  EXPECT_TRUE(validate(s, json("12345")).empty());
}

TEST(ContractSchema, OneOfRequiresExactlyOneBranch) {
  auto s = schema(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})");
  EXPECT_TRUE(validate(s, json("1")).empty());
  EXPECT_TRUE(validate(s, json("2.5")).empty());
  auto both = validate(s, json("3"));
  ASSERT_EQ(both.size(), 1u);
  EXPECT_NE(both[0].reason.find("branches 0, 1"), std::string::npos);
  auto none = validate(s, json("1.5"));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_NE(none[0].reason.find("none"), std::string::npos);
}

TEST(ContractSchema, OneOfMatchingNoBranchSaysWhyEachFailed) {
  auto s = schema(R"({"oneOf":[
    {"type":"object","required":["kind"],"properties":{"kind":{"const":"circle"},"r":{"type":"number"}}},
    {"type":"object","required":["kind"],"properties":{"kind":{"const":"square"},"side":{"type":"number"}}}]})");
  EXPECT_TRUE(validate(s, json(R"({"kind":"circle","r":1})")).empty());
  auto v = validate(s, json(R"({"kind":"triangle"})"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, "");
  EXPECT_NE(v[0].reason.find("branch 0: /kind expected the constant \"circle\""), std::string::npos)
      << v[0].reason;
  EXPECT_NE(v[0].reason.find("branch 1: /kind expected the constant \"square\""), std::string::npos)
      << v[0].reason;
}

TEST(ContractSchema, AnnotationsAreIgnored) {
  auto s = schema(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:x","title":"t",
    "description":"d","default":1,"examples":[1],"$comment":"c","deprecated":true,"readOnly":true,
    "writeOnly":false,"format":"email","type":"integer"})");
  EXPECT_TRUE(validate(s, json("5")).empty());
  EXPECT_TRUE(validate(s, json("5")).empty());
}

TEST(ContractSchema, LocalRefToDefsIsFollowed) {
  auto s = schema(R"({"$defs":{"id":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/id"}}})");
  EXPECT_TRUE(validate(s, json(R"({"a":1})")).empty());
  EXPECT_EQ(paths(validate(s, json(R"({"a":"x"})"))), (std::vector<std::string>{"/a"}));
}

TEST(ContractSchema, RecursiveRefValidatesNestedData) {
  auto s = schema(R"({"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}},
    "name":{"type":"string"}},"required":["name"]})");
  EXPECT_TRUE(validate(s, json(R"({"name":"a","children":[{"name":"b","children":[]}]})")).empty());
  auto v = validate(s, json(R"({"name":"a","children":[{"children":[{"name":3}]}]})"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"/children/0", "/children/0/children/0/name"}));
}

TEST(ContractSchema, RefWithSiblingsAppliesBoth) {
  auto s = schema(R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2})");
  EXPECT_TRUE(validate(s, json(R"("ab")")).empty());
  EXPECT_EQ(validate(s, json(R"("abc")")).size(), 1u);
  EXPECT_EQ(validate(s, json("1")).size(), 1u);
}

TEST(ContractSchema, ValidationReportsEveryViolation) {
  auto s = schema(R"({"type":"object","required":["id"],"properties":{
    "name":{"type":"string","minLength":1},"tags":{"type":"array","items":{"enum":["a","b"]}},
    "age":{"type":"integer","minimum":0}}})");
  auto v = validate(s, json(R"({"name":"","tags":["a","c","d"],"age":-1})"));
  EXPECT_EQ(paths(v), (std::vector<std::string>{"", "/name", "/tags/1", "/tags/2", "/age"}));
}

TEST(ContractSchema, RequireValidThrowsSchemaViolationWithContext) {
  auto s = schema(R"({"type":"object","properties":{"id":{"type":"integer"}}})");
  EXPECT_NO_THROW(require_valid(s, json(R"({"id":1})"), "export profile/user"));
  try {
    require_valid(s, json(R"({"id":"x"})"), "export profile/user");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::schema_violation);
    std::string m = e.what();
    EXPECT_EQ(m.rfind("export profile/user", 0), 0u);
    EXPECT_NE(m.find("/id"), std::string::npos);
  }
}

TEST(ContractSchema, UnsupportedKeywordIsNamedWithItsPath) {
  EXPECT_EQ(parse_error(R"({"pattern":"^a"})"), ErrorCode::unsupported_schema);
  std::string m = parse_message(R"({"properties":{"a":{"minItems":1}}})");
  EXPECT_NE(m.find("\"minItems\""), std::string::npos);
  EXPECT_NE(m.find("/properties/a"), std::string::npos);
  EXPECT_EQ(parse_error(R"({"allOf":[{}]})"), ErrorCode::unsupported_schema);
  EXPECT_EQ(parse_error(R"({"$ref":"other.json"})"), ErrorCode::unsupported_schema);
  EXPECT_EQ(parse_error(R"({"$ref":"#anchor"})"), ErrorCode::unsupported_schema);
  EXPECT_EQ(parse_error(R"({"properties":{"a":{"$id":"urn:a"}}})"), ErrorCode::unsupported_schema);
}

TEST(ContractSchema, MalformedKeywordsAreInvalidSchema) {
  for (const char* text : {R"(1)",
                           R"("string")",
                           R"({"type":"strin"})",
                           R"({"type":["string","string"]})",
                           R"({"type":3})",
                           R"({"properties":[]})",
                           R"({"properties":{"a":1}})",
                           R"({"required":"a"})",
                           R"({"required":["a","a"]})",
                           R"({"required":[1]})",
                           R"({"enum":{}})",
                           R"({"minimum":"1"})",
                           R"({"maxLength":-1})",
                           R"({"minLength":1.5})",
                           R"({"oneOf":[]})",
                           R"({"oneOf":{}})",
                           R"({"$ref":1})",
                           R"({"$ref":"#/$defs/missing"})",
                           R"({"$defs":[]})",
                           R"({"items":1})",
                           R"({"$ref":"#"})",
                           R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}}})",
                           R"({"oneOf":[{"$ref":"#"}]})"}) {
    EXPECT_EQ(parse_error(text), ErrorCode::invalid_schema) << text;
  }
}

/// 60 definitions, each a oneOf of two references to the next: 2^60 routes to the last one.
std::string diamond_chain() {
  std::string defs;
  for (int i = 0; i < 60; ++i) {
    std::string next = "#/$defs/d" + std::to_string(i + 1);
    defs += "\"d" + std::to_string(i) + "\":{\"oneOf\":[{\"$ref\":\"" + next +
            "\"},{\"type\":\"null\",\"$ref\":\"" + next + "\"}]},";
  }
  defs += "\"d60\":{\"type\":[\"object\",\"integer\"],\"properties\":{\"a\":{\"type\":\"integer\"}}}";
  return "{\"$defs\":{" + defs + "},\"$ref\":\"#/$defs/d0\"}";
}

TEST(ContractSchema, SharedSubschemasAreValidatedOncePerValue) {
  auto s = Schema::parse_json(diamond_chain());
  EXPECT_TRUE(validate(s, json("1")).empty());
  EXPECT_TRUE(validate(s, json(R"({"a":1})")).empty());
  EXPECT_FALSE(validate(s, json(R"({"a":"x"})")).empty());
  EXPECT_TRUE(check(s, Expectations({{"/a", "integer", false}})).empty());
}

TEST(ContractSchema, DeepestValuesUnderRecursiveSchemasAreValidated) {
  // A Value nests at most detail::max_nesting containers; validation recurses once per level.
  auto s = schema(R"({"oneOf":[{"type":"array","items":{"$ref":"#"}},{"type":"string"}]})");
  Value deep = "leaf";
  for (std::uint32_t i = 0; i < detail::max_nesting; ++i) deep = Value::array({deep});
  EXPECT_TRUE(validate(s, deep).empty());
  Value bad = 1;
  for (std::uint32_t i = 0; i < detail::max_nesting; ++i) bad = Value::array({bad});
  auto v = validate(s, bad);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, "");
}

TEST(ContractSchema, SchemaNestedTooDeepIsDepthLimit) {
  std::string ok_text = "true";
  for (int i = 0; i < 100; ++i) ok_text = R"({"items":)" + ok_text + "}";
  EXPECT_NO_THROW(schema(ok_text));
  std::string deep = "true";
  for (int i = 0; i < 200; ++i) deep = R"({"items":)" + deep + "}";
  EXPECT_EQ(parse_error(deep), ErrorCode::depth_limit);
}

TEST(ContractSchema, InvalidJsonTextIsInvalidJson) { EXPECT_EQ(parse_error("{"), ErrorCode::invalid_json); }

}  // namespace
}  // namespace mfstate
