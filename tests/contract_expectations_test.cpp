// Consumer expectations: loading, round-trip, check() against schemas (the article's `name`
// break among them) and check_value() against concrete values.
#include <gtest/gtest.h>

#include <sstream>

#include "../examples/demo_contracts.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {
namespace {

Schema schema(std::string_view json) { return Schema::parse_json(json); }
Expectations expect(std::string_view json) { return Expectations::from_value(parse_json(json)); }

std::vector<std::string> broken_paths(const std::vector<ExpectationBreak>& breaks) {
  std::vector<std::string> out;
  for (const auto& b : breaks) out.push_back(b.expectation.path);
  return out;
}

const char* user_v1 = R"({"type":"object","properties":{"userId":{"type":"string"},"name":{"type":"string"}},
  "required":["userId","name"]})";
const char* user_v2 = R"({"type":"object","properties":{"userId":{"type":"string"},
  "firstName":{"type":"string"},"lastName":{"type":"string"}},"required":["userId","firstName","lastName"]})";

TEST(ContractExpectations, ArticleNameSplitBreaksTheConsumerReadingName) {
  auto consumer = expect(R"({"/name":"string"})");
  EXPECT_TRUE(check(schema(user_v1), consumer).empty());
  auto breaks = check(schema(user_v2), consumer);
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_EQ(breaks[0].expectation.path, "/name");
  EXPECT_EQ(breaks[0].reason, "the schema has no property \"name\" at /name");
}

TEST(ContractExpectations, ArticleSplitKeepsOtherExpectationsMet) {
  auto consumer = expect(R"({"/userId":"string","/name":"string"})");
  EXPECT_EQ(broken_paths(check(schema(user_v2), consumer)), (std::vector<std::string>{"/name"}));
}

TEST(ContractExpectations, LoadsObjectForm) {
  auto e = expect(R"({"/name":"string","/id":{"type":"integer","required":false},"/x":["string","null"]})");
  ASSERT_EQ(e.list().size(), 3u);
  EXPECT_EQ(e.list()[0].path, "/name");
  EXPECT_EQ(e.list()[0].type, "string");
  EXPECT_TRUE(e.list()[0].required);
  EXPECT_EQ(e.list()[1].type, "integer");
  EXPECT_FALSE(e.list()[1].required);
  EXPECT_EQ(e.list()[2].type, "string|null");
}

TEST(ContractExpectations, LoadsArrayForm) {
  auto e = expect(R"([{"path":"/name","type":"string"},{"path":"/id","type":"integer","required":false}])");
  ASSERT_EQ(e.list().size(), 2u);
  EXPECT_EQ(e.list()[1].path, "/id");
  EXPECT_FALSE(e.list()[1].required);
}

TEST(ContractExpectations, RoundTripsThroughToValue) {
  auto e = expect(R"({"/name":"string","/id":{"type":"integer","required":false},"/x":["string","null"]})");
  auto again = Expectations::from_value(e.to_value());
  ASSERT_EQ(again.list().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again.list()[i].path, e.list()[i].path);
    EXPECT_EQ(again.list()[i].type, e.list()[i].type);
    EXPECT_EQ(again.list()[i].required, e.list()[i].required);
  }
  EXPECT_EQ(e.to_value(), parse_json(R"({"/name":"string","/id":{"type":"integer","required":false},
    "/x":["string","null"]})"));
}

TEST(ContractExpectations, DuplicatePathsRoundTripThroughArrayForm) {
  Expectations e({{"/a", "string", true}, {"/a", "null", false}});
  auto v = e.to_value();
  EXPECT_TRUE(v.is_array());
  EXPECT_EQ(Expectations::from_value(v).list().size(), 2u);
}

TEST(ContractExpectations, RejectsMalformedExpectations) {
  for (const char* text : {R"(1)", R"("x")", R"({"name":"string"})", R"({"/a":"strin"})", R"({"/a":3})",
                           R"({"/a":{"required":true}})", R"({"/a":{"type":"string","required":1}})",
                           R"({"/a":{"type":"string","extra":1}})", R"([{"type":"string"}])", R"([1])",
                           R"({"/a~2":"string"})", R"({"/a":[]})"}) {
    try {
      Expectations::from_value(parse_json(text));
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << text;
    }
  }
}

TEST(ContractExpectations, PathsLongerThanTheBoundAreRejected) {
  std::string path;
  for (int i = 0; i < 300; ++i) path += "/a";
  EXPECT_THROW(Expectations::from_value(Value::object({{path, "string"}})), Error);
  EXPECT_THROW(check(Schema(), Expectations({{path, "string", true}})), Error);
}

TEST(ContractExpectations, NullableTypeBreaksAStringExpectation) {
  auto s =
      schema(R"({"type":"object","properties":{"name":{"type":["string","null"]}},"required":["name"]})");
  auto breaks = check(s, expect(R"({"/name":"string"})"));
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_NE(breaks[0].reason.find("null"), std::string::npos);
  EXPECT_TRUE(check(s, expect(R"({"/name":["string","null"]})")).empty());
}

TEST(ContractExpectations, OptionalPropertyBreaksARequiredExpectationOnly) {
  auto s = schema(R"({"type":"object","properties":{"name":{"type":"string"}}})");
  auto breaks = check(s, expect(R"({"/name":"string"})"));
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_NE(breaks[0].reason.find("not required"), std::string::npos);
  EXPECT_TRUE(check(s, expect(R"({"/name":{"type":"string","required":false}})")).empty());
}

TEST(ContractExpectations, NumberExpectationAcceptsIntegerSchemaButNotTheReverse) {
  auto integer = schema(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})");
  auto number = schema(R"({"type":"object","properties":{"n":{"type":"number"}},"required":["n"]})");
  EXPECT_TRUE(check(integer, expect(R"({"/n":"number"})")).empty());
  EXPECT_EQ(check(number, expect(R"({"/n":"integer"})")).size(), 1u);
}

TEST(ContractExpectations, NestedPathsRequireEveryStepGuaranteed) {
  auto s = schema(R"({"type":"object","required":["user"],"properties":{"user":{"type":"object",
    "required":["address"],"properties":{"address":{"type":["object","null"],"required":["city"],
    "properties":{"city":{"type":"string"}}}}}}})");
  auto breaks = check(s, expect(R"({"/user/address/city":"string"})"));
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_NE(breaks[0].reason.find("/user/address may be null"), std::string::npos);
  EXPECT_TRUE(check(s, expect(R"({"/user/address/city":{"type":"string","required":false}})")).empty());
}

TEST(ContractExpectations, DigitTokensIndexArrayItems) {
  auto s = schema(R"({"type":"object","required":["items"],"properties":{"items":{"type":"array",
    "items":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}}}})");
  EXPECT_TRUE(check(s, expect(R"({"/items/0/id":"integer"})")).empty());
  EXPECT_EQ(check(s, expect(R"({"/items/0/id":"string"})")).size(), 1u);
  EXPECT_EQ(check(s, expect(R"({"/items/first/id":"integer"})")).size(), 1u);
}

TEST(ContractExpectations, UndeclaredPropertyBreaksEvenWhenTheObjectIsOpen) {
  auto s = schema(R"({"type":"object","properties":{"a":{"type":"string"}}})");
  auto breaks = check(s, expect(R"({"/b":{"type":"string","required":false}})"));
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_NE(breaks[0].reason.find("no property \"b\""), std::string::npos);
}

TEST(ContractExpectations, AdditionalPropertiesSchemaGuaranteesTypeButNotPresence) {
  auto s = schema(R"({"type":"object","additionalProperties":{"type":"integer"}})");
  EXPECT_TRUE(check(s, expect(R"({"/count":{"type":"integer","required":false}})")).empty());
  EXPECT_EQ(check(s, expect(R"({"/count":"integer"})")).size(), 1u);
  EXPECT_EQ(check(s, expect(R"({"/count":{"type":"string","required":false}})")).size(), 1u);
}

TEST(ContractExpectations, UndeclaredPropertyBreaksEvenAnOptionalAnyExpectation) {
  auto s = schema(R"({"type":"object","properties":{"a":{"type":"string"}}})");
  EXPECT_EQ(broken_paths(check(s, expect(R"({"/b":{"type":"any","required":false}})"))),
            (std::vector<std::string>{"/b"}));
}

TEST(ContractExpectations, ContainerWithoutTypeObjectIsNotGuaranteedAndTheReasonSaysSo) {
  auto s = schema(R"({"properties":{"a":{"type":"string"}},"required":["a"]})");
  auto breaks = check(s, expect(R"({"/a":"string"})"));
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_NE(breaks[0].reason.find("declare \"type\": \"object\""), std::string::npos) << breaks[0].reason;
  EXPECT_TRUE(check(s, expect(R"({"/a":{"type":"string","required":false}})")).empty());
}

TEST(ContractExpectations, ClosedObjectWithoutThePropertyBreaks) {
  auto s = schema(R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false})");
  EXPECT_EQ(check(s, expect(R"({"/b":{"type":"string","required":false}})")).size(), 1u);
}

TEST(ContractExpectations, AnyAcceptsEveryTypeButStillNeedsPresence) {
  auto s = schema(R"({"type":"object","properties":{"a":{}},"required":["a"]})");
  EXPECT_TRUE(check(s, expect(R"({"/a":"any"})")).empty());
  EXPECT_EQ(check(s, expect(R"({"/b":"any"})")).size(), 1u);
}

TEST(ContractExpectations, OneOfBranchesMustAllGuaranteeThePath) {
  auto both = schema(R"({"oneOf":[
    {"type":"object","required":["kind","id"],"properties":{"kind":{"const":"a"},"id":{"type":"integer"}}},
    {"type":"object","required":["kind","id"],"properties":{"kind":{"const":"b"},"id":{"type":"integer"}}}]})");
  EXPECT_TRUE(check(both, expect(R"({"/id":"integer","/kind":"string"})")).empty());
  auto one = schema(R"({"oneOf":[
    {"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}},
    {"type":"object","properties":{"other":{"type":"integer"}}}]})");
  EXPECT_EQ(broken_paths(check(one, expect(R"({"/id":"integer"})"))), (std::vector<std::string>{"/id"}));
}

TEST(ContractExpectations, RefsAreFollowed) {
  auto s = schema(
      R"({"$defs":{"user":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}},
    "type":"object","required":["owner"],"properties":{"owner":{"$ref":"#/$defs/user"}}})");
  EXPECT_TRUE(check(s, expect(R"({"/owner/name":"string"})")).empty());
  EXPECT_EQ(check(s, expect(R"({"/owner/name":"integer"})")).size(), 1u);
}

TEST(ContractExpectations, RootExpectation) {
  EXPECT_TRUE(check(schema(R"({"type":"object"})"), expect(R"({"":"object"})")).empty());
  EXPECT_EQ(check(schema(R"({"type":["object","null"]})"), expect(R"({"":"object"})")).size(), 1u);
}

TEST(ContractExpectations, CheckValueReportsMissingAndMistypedPaths) {
  auto consumer =
      expect(R"({"/name":"string","/age":{"type":"integer","required":false},"/tags/0":"string"})");
  EXPECT_TRUE(check_value(parse_json(R"({"name":"Ada","tags":["x"]})"), consumer).empty());
  EXPECT_TRUE(check_value(parse_json(R"({"name":"Ada","age":3.0,"tags":["x"]})"), consumer).empty());
  auto breaks = check_value(parse_json(R"({"firstName":"Ada","age":"3","tags":[1]})"), consumer);
  EXPECT_EQ(broken_paths(breaks), (std::vector<std::string>{"/name", "/age", "/tags/0"}));
}

TEST(ContractExpectations, UnknownTypeInHandBuiltExpectationsThrows) {
  Expectations e({{"/a", "text", true}});
  EXPECT_THROW(check(Schema(), e), Error);
  EXPECT_THROW(check_value(Value(), e), Error);
}

TEST(ContractExpectations, DemoShowsTheNameBreakCaughtByCheck) {
  std::ostringstream out;
  demo::demo_contract_check(out);
  std::string text = out.str();
  EXPECT_NE(text.find("check(v1):      all expectations hold"), std::string::npos) << text;
  EXPECT_NE(text.find("BREAKS /name (string): the schema has no property \"name\" at /name"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("diff(v1, v2) as a producer: breaking"), std::string::npos) << text;
}

}  // namespace
}  // namespace mfstate
