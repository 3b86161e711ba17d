// diff(): every rule as a pair of schemas, with the expected classification for both roles.
#include <gtest/gtest.h>

#include "mfstate/contract.hpp"

namespace mfstate {
namespace {

struct Expected {
  std::string path;
  std::string rule;
  ChangeKind producer;
  ChangeKind consumer;
};

constexpr ChangeKind breaking = ChangeKind::breaking;
constexpr ChangeKind compatible = ChangeKind::compatible;

std::string describe(const std::vector<SchemaChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    out += "  " + c.path + " " + c.rule + " " + (c.kind == breaking ? "breaking" : "compatible") + ": " +
           c.reason + "\n";
  }
  return out;
}

/// Diffs the pair for both roles and checks the exact list of changes (path, rule, kinds).
void expect_diff(std::string_view before, std::string_view after, const std::vector<Expected>& expected) {
  auto b = Schema::parse_json(before);
  auto a = Schema::parse_json(after);
  auto producer = diff(b, a, SchemaRole::producer);
  auto consumer = diff(b, a, SchemaRole::consumer);
  ASSERT_EQ(producer.size(), expected.size()) << describe(producer);
  ASSERT_EQ(consumer.size(), expected.size()) << describe(consumer);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(producer[i].path, expected[i].path) << describe(producer);
    EXPECT_EQ(producer[i].rule, expected[i].rule) << describe(producer);
    EXPECT_EQ(producer[i].kind, expected[i].producer) << "producer " << describe(producer);
    EXPECT_EQ(consumer[i].rule, expected[i].rule);
    EXPECT_EQ(consumer[i].kind, expected[i].consumer) << "consumer " << describe(consumer);
  }
}

TEST(ContractDiff, IdenticalSchemasHaveNoChanges) {
  expect_diff(R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"]})",
              R"({"required":["a"],"properties":{"a":{"type":"string","title":"renamed"}},"type":"object"})",
              {});
}

TEST(ContractDiff, ArticleNameSplitBreaksReaders) {
  auto v1 = Schema::parse_json(R"({"type":"object","properties":{"userId":{"type":"string"},
    "name":{"type":"string"}},"required":["userId","name"]})");
  auto v2 = Schema::parse_json(R"({"type":"object","properties":{"userId":{"type":"string"},
    "firstName":{"type":"string"},"lastName":{"type":"string"}},"required":["userId","firstName","lastName"]})");
  auto changes = diff(v1, v2, SchemaRole::producer);
  EXPECT_TRUE(has_breaking(changes));
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].path, "/name");
  EXPECT_EQ(changes[0].rule, "required_property_removed");
  EXPECT_EQ(changes[0].kind, breaking);
}

TEST(ContractDiff, TypeChanged) {
  expect_diff(R"({"type":"string"})", R"({"type":"integer"})", {{"", "type_changed", breaking, breaking}});
}

TEST(ContractDiff, TypeWidenedByAddingNullToAUnion) {
  expect_diff(R"({"type":"string"})", R"({"type":["string","null"]})",
              {{"", "type_widened", breaking, compatible}});
}

TEST(ContractDiff, TypeNarrowedByRemovingAUnionMember) {
  expect_diff(R"({"type":["string","null"]})", R"({"type":"string"})",
              {{"", "type_narrowed", compatible, breaking}});
}

TEST(ContractDiff, IntegerToNumberWidens) {
  expect_diff(R"({"type":"integer"})", R"({"type":"number"})", {{"", "type_widened", breaking, compatible}});
}

TEST(ContractDiff, NumberToIntegerNarrows) {
  expect_diff(R"({"type":"number"})", R"({"type":"integer"})", {{"", "type_narrowed", compatible, breaking}});
}

TEST(ContractDiff, TypeAddedWhereThereWasNoneNarrows) {
  expect_diff(R"({})", R"({"type":"string"})", {{"", "type_narrowed", compatible, breaking}});
}

TEST(ContractDiff, TypeChangeInsideAPropertyIsReportedAtItsPath) {
  expect_diff(
      R"({"type":"object","properties":{"user":{"type":"object","properties":{"age":{"type":"integer"}}}}})",
      R"({"type":"object","properties":{"user":{"type":"object","properties":{"age":{"type":"string"}}}}})",
      {{"/user/age", "type_changed", breaking, breaking}});
}

TEST(ContractDiff, PropertyRemovedFromOpenObjectWidens) {
  // Undeclared in an open object, "b" may now hold anything: readers of "b" break.
  expect_diff(R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}})",
              R"({"type":"object","properties":{"a":{"type":"string"}}})",
              {{"/b", "property_removed", breaking, compatible}});
}

TEST(ContractDiff, PropertyRemovedFromClosedObjectNarrows) {
  expect_diff(R"({"type":"object","properties":{"a":{},"b":{"type":"string"}},"additionalProperties":false})",
              R"({"type":"object","properties":{"a":{}},"additionalProperties":false})",
              {{"/b", "property_removed", compatible, breaking}});
}

TEST(ContractDiff, PropertyRemovedCoveredByAdditionalPropertiesSchemaFollowsThatSchema) {
  // "b" was a string; now only additionalProperties {"type":"string"} covers it: nothing changes.
  expect_diff(
      R"({"type":"object","properties":{"b":{"type":"string"}},"additionalProperties":{"type":"string"}})",
      R"({"type":"object","additionalProperties":{"type":"string"}})",
      {{"/b", "property_removed", compatible, compatible}});
}

TEST(ContractDiff, RequiredPropertyRemovedFromOpenObjectBreaksReaders) {
  expect_diff(R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]})",
              R"({"type":"object","properties":{}})",
              {{"/id", "required_property_removed", breaking, compatible}});
}

TEST(ContractDiff, RequiredPropertyRemovedFromClosedObjectBreaksBoth) {
  expect_diff(
      R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":false})",
      R"({"type":"object","additionalProperties":false})",
      {{"/id", "required_property_removed", breaking, breaking}});
}

TEST(ContractDiff, OptionalPropertyAddedToOpenObjectNarrows) {
  // Before, "b" could hold anything; now it must be a string: senders of {"b": 1} break.
  expect_diff(R"({"type":"object","properties":{"a":{}}})",
              R"({"type":"object","properties":{"a":{},"b":{"type":"string"}}})",
              {{"/b", "property_added", compatible, breaking}});
}

TEST(ContractDiff, PropertyWithEmptySchemaAddedToOpenObjectChangesNothing) {
  expect_diff(R"({"type":"object"})", R"({"type":"object","properties":{"note":{}}})",
              {{"/note", "property_added", compatible, compatible}});
}

TEST(ContractDiff, OptionalPropertyAddedToClosedObjectWidens) {
  expect_diff(R"({"type":"object","properties":{"a":{}},"additionalProperties":false})",
              R"({"type":"object","properties":{"a":{},"b":{"type":"string"}},"additionalProperties":false})",
              {{"/b", "property_added", breaking, compatible}});
}

TEST(ContractDiff, RequiredPropertyAddedToOpenObjectNarrows) {
  expect_diff(R"({"type":"object","properties":{"a":{}}})",
              R"({"type":"object","properties":{"a":{},"b":{"type":"string"}},"required":["b"]})",
              {{"/b", "required_property_added", compatible, breaking}});
}

TEST(ContractDiff, RequiredPropertyAddedToClosedObjectBreaksBoth) {
  expect_diff(
      R"({"type":"object","additionalProperties":false})",
      R"({"type":"object","properties":{"b":{"type":"string"}},"required":["b"],"additionalProperties":false})",
      {{"/b", "required_property_added", breaking, breaking}});
}

TEST(ContractDiff, OptionalMadeRequiredNarrows) {
  expect_diff(R"({"type":"object","properties":{"a":{"type":"string"}}})",
              R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"]})",
              {{"/a", "optional_made_required", compatible, breaking}});
}

TEST(ContractDiff, RequiredMadeOptionalWidens) {
  expect_diff(R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"]})",
              R"({"type":"object","properties":{"a":{"type":"string"}}})",
              {{"/a", "required_made_optional", breaking, compatible}});
}

TEST(ContractDiff, RequiredUndeclaredPropertyAddedNarrows) {
  expect_diff(R"({"type":"object"})", R"({"type":"object","required":["x"]})",
              {{"/x", "optional_made_required", compatible, breaking}});
}

TEST(ContractDiff, EnumWidened) {
  expect_diff(R"({"enum":["a","b"]})", R"({"enum":["a","b","c"]})",
              {{"", "enum_widened", breaking, compatible}});
}

TEST(ContractDiff, EnumNarrowed) {
  expect_diff(R"({"enum":["a","b"]})", R"({"enum":["a"]})", {{"", "enum_narrowed", compatible, breaking}});
}

TEST(ContractDiff, EnumChanged) {
  expect_diff(R"({"enum":["a","b"]})", R"({"enum":["a","c"]})", {{"", "enum_changed", breaking, breaking}});
}

TEST(ContractDiff, EnumReorderedIsNoChange) {
  expect_diff(R"({"enum":["a","b"]})", R"({"enum":["b","a"]})", {});
}

TEST(ContractDiff, EnumAddedNarrows) {
  expect_diff(R"({"type":"string"})", R"({"type":"string","enum":["a"]})",
              {{"", "enum_added", compatible, breaking}});
}

TEST(ContractDiff, EnumRemovedWidens) {
  expect_diff(R"({"type":"string","enum":["a"]})", R"({"type":"string"})",
              {{"", "enum_removed", breaking, compatible}});
}

TEST(ContractDiff, ConstChangedBreaksBoth) {
  expect_diff(R"({"const":"v1"})", R"({"const":"v2"})", {{"", "const_changed", breaking, breaking}});
}

TEST(ContractDiff, ConstAddedNarrowsAndRemovedWidens) {
  expect_diff(R"({"type":"string"})", R"({"type":"string","const":"x"})",
              {{"", "const_added", compatible, breaking}});
  expect_diff(R"({"type":"string","const":"x"})", R"({"type":"string"})",
              {{"", "const_removed", breaking, compatible}});
}

TEST(ContractDiff, ConstReplacedByEnumContainingItWidens) {
  expect_diff(R"({"const":"x"})", R"({"enum":["x","y"]})", {{"", "const_changed", breaking, compatible}});
}

TEST(ContractDiff, MinimumRaisedNarrows) {
  expect_diff(R"({"type":"integer","minimum":0})", R"({"type":"integer","minimum":1})",
              {{"", "bounds_narrowed", compatible, breaking}});
}

TEST(ContractDiff, MinimumLoweredOrRemovedWidens) {
  expect_diff(R"({"type":"integer","minimum":1})", R"({"type":"integer","minimum":0})",
              {{"", "bounds_widened", breaking, compatible}});
  expect_diff(R"({"type":"integer","minimum":1})", R"({"type":"integer"})",
              {{"", "bounds_widened", breaking, compatible}});
}

TEST(ContractDiff, MaximumAddedNarrowsAndRaisedWidens) {
  expect_diff(R"({"type":"number"})", R"({"type":"number","maximum":10})",
              {{"", "bounds_narrowed", compatible, breaking}});
  expect_diff(R"({"type":"number","maximum":10})", R"({"type":"number","maximum":10.5})",
              {{"", "bounds_widened", breaking, compatible}});
}

TEST(ContractDiff, InclusiveToExclusiveBoundNarrows) {
  expect_diff(R"({"type":"number","minimum":0})", R"({"type":"number","exclusiveMinimum":0})",
              {{"", "bounds_narrowed", compatible, breaking}});
  expect_diff(R"({"type":"number","exclusiveMaximum":5})", R"({"type":"number","maximum":5})",
              {{"", "bounds_widened", breaking, compatible}});
}

TEST(ContractDiff, EquivalentBoundSpellingsAreNoChange) {
  expect_diff(R"({"type":"number","minimum":1})", R"({"type":"number","minimum":1.0})", {});
}

TEST(ContractDiff, BothBoundsChangedGiveTwoChanges) {
  expect_diff(R"({"type":"number","minimum":0,"maximum":10})",
              R"({"type":"number","minimum":1,"maximum":20})",
              {{"", "bounds_narrowed", compatible, breaking}, {"", "bounds_widened", breaking, compatible}});
}

TEST(ContractDiff, LengthBoundsNarrowedAndWidened) {
  expect_diff(R"({"type":"string","maxLength":10})", R"({"type":"string","maxLength":5})",
              {{"", "bounds_narrowed", compatible, breaking}});
  expect_diff(R"({"type":"string","maxLength":10})", R"({"type":"string"})",
              {{"", "bounds_widened", breaking, compatible}});
  expect_diff(R"({"type":"string"})", R"({"type":"string","minLength":1})",
              {{"", "bounds_narrowed", compatible, breaking}});
  expect_diff(R"({"type":"string","minLength":3})", R"({"type":"string","minLength":1})",
              {{"", "bounds_widened", breaking, compatible}});
}

TEST(ContractDiff, BoundsOfATypeNoLongerAllowedAreNotCompared) {
  expect_diff(R"({"type":["string","integer"],"minimum":3})", R"({"type":"string"})",
              {{"", "type_narrowed", compatible, breaking}});
}

TEST(ContractDiff, AdditionalPropertiesClosedNarrows) {
  expect_diff(R"({"type":"object","properties":{"a":{}}})",
              R"({"type":"object","properties":{"a":{}},"additionalProperties":false})",
              {{"", "additional_properties_closed", compatible, breaking}});
}

TEST(ContractDiff, AdditionalPropertiesOpenedWidens) {
  expect_diff(R"({"type":"object","additionalProperties":false})",
              R"({"type":"object","additionalProperties":true})",
              {{"", "additional_properties_opened", breaking, compatible}});
  expect_diff(R"({"type":"object","additionalProperties":false})",
              R"({"type":"object","additionalProperties":{"type":"string"}})",
              {{"", "additional_properties_opened", breaking, compatible}});
}

TEST(ContractDiff, AdditionalPropertiesSchemaChangesRecurse) {
  expect_diff(R"({"type":"object","additionalProperties":{"type":"integer"}})",
              R"({"type":"object","additionalProperties":{"type":"number"}})",
              {{"/*", "type_widened", breaking, compatible}});
  expect_diff(R"({"type":"object"})", R"({"type":"object","additionalProperties":{"type":"string"}})",
              {{"/*", "type_narrowed", compatible, breaking}});
}

TEST(ContractDiff, ItemsChangesRecurseUnderStar) {
  expect_diff(
      R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}})",
      R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":["string","null"]}}}})",
      {{"/tags/*", "type_widened", breaking, compatible}});
}

TEST(ContractDiff, ItemsAddedNarrowsAndRemovedWidens) {
  expect_diff(R"({"type":"array"})", R"({"type":"array","items":{"type":"integer"}})",
              {{"/*", "type_narrowed", compatible, breaking}});
  expect_diff(R"({"type":"array","items":{"type":"integer"}})", R"({"type":"array"})",
              {{"/*", "type_widened", breaking, compatible}});
}

TEST(ContractDiff, ItemsFalseIsSchemaClosed) {
  expect_diff(R"({"type":"array"})", R"({"type":"array","items":false})",
              {{"/*", "schema_closed", compatible, breaking}});
  expect_diff(R"({"type":"array","items":false})", R"({"type":"array"})",
              {{"/*", "schema_opened", breaking, compatible}});
}

TEST(ContractDiff, OneOfBranchAddedWidens) {
  expect_diff(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})",
              R"({"oneOf":[{"type":"integer"},{"type":"string"},{"type":"null"}]})",
              {{"", "one_of_branch_added", breaking, compatible}});
}

TEST(ContractDiff, OneOfBranchRemovedNarrows) {
  expect_diff(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})", R"({"oneOf":[{"type":"integer"}]})",
              {{"", "one_of_branch_removed", compatible, breaking}});
}

TEST(ContractDiff, OneOfBranchAddedThatOverlapsAnotherAlsoNarrows) {
  // 5 matched one branch before; now it matches two, and oneOf rejects it.
  expect_diff(R"({"oneOf":[{"type":"integer"}]})", R"({"oneOf":[{"type":"integer"},{"minimum":0}]})",
              {{"", "one_of_branch_added", breaking, breaking}});
}

TEST(ContractDiff, OneOfBranchRemovedThatOverlappedAnotherAlsoWidens) {
  // 5 matched two branches before (invalid); now it matches one (valid).
  expect_diff(R"({"oneOf":[{"type":"integer"},{"minimum":0}]})", R"({"oneOf":[{"type":"integer"}]})",
              {{"", "one_of_branch_removed", breaking, breaking}});
}

TEST(ContractDiff, TaggedUnionBranchAddedOnlyWidens) {
  const char* circle = R"({"type":"object","required":["kind"],"properties":{"kind":{"const":"circle"}}})";
  const char* square = R"({"type":"object","required":["kind"],"properties":{"kind":{"const":"square"}}})";
  expect_diff(std::string(R"({"oneOf":[)") + circle + "]}",
              std::string(R"({"oneOf":[)") + circle + "," + square + "]}",
              {{"", "one_of_branch_added", breaking, compatible}});
}

TEST(ContractDiff, OneOfBranchWidenedIntoAnotherAlsoNarrows) {
  expect_diff(
      R"({"oneOf":[{"type":"integer","minimum":10},{"type":"integer","maximum":0}]})",
      R"({"oneOf":[{"type":"integer","minimum":-5},{"type":"integer","maximum":0}]})",
      {{"", "bounds_widened", breaking, compatible}, {"", "one_of_overlap_changed", compatible, breaking}});
}

TEST(ContractDiff, OneOfBranchChangedRecursesIntoTheBranch) {
  expect_diff(R"({"oneOf":[{"type":"string"},{"type":"object","properties":{"n":{"type":"integer"}}}]})",
              R"({"oneOf":[{"type":"string"},{"type":"object","properties":{"n":{"type":"number"}}}]})",
              {{"/n", "type_widened", breaking, compatible}});
}

TEST(ContractDiff, OneOfAddedNarrowsAndRemovedWidens) {
  expect_diff(R"({})", R"({"oneOf":[{"type":"string"},{"type":"integer"}]})",
              {{"", "one_of_added", compatible, breaking}});
  expect_diff(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})", R"({})",
              {{"", "one_of_removed", breaking, compatible}});
}

TEST(ContractDiff, SchemaMadeFalseNarrowsAndMadeTrueWidens) {
  expect_diff(R"({"type":"string"})", R"(false)", {{"", "schema_closed", compatible, breaking}});
  expect_diff(R"(false)", R"({"type":"string"})", {{"", "schema_opened", breaking, compatible}});
}

TEST(ContractDiff, RefTargetsAreCompared) {
  expect_diff(
      R"({"$defs":{"id":{"type":"string"}},"type":"object","properties":{"a":{"$ref":"#/$defs/id"}}})",
      R"({"$defs":{"id":{"type":"integer"}},"type":"object","properties":{"a":{"$ref":"#/$defs/id"}}})",
      {{"/a", "type_changed", breaking, breaking}});
}

TEST(ContractDiff, InliningARefIsNoChange) {
  expect_diff(
      R"({"$defs":{"id":{"type":"string"}},"type":"object","properties":{"a":{"$ref":"#/$defs/id"}}})",
      R"({"type":"object","properties":{"a":{"type":"string"}}})", {});
}

TEST(ContractDiff, RecursiveSchemasTerminate) {
  expect_diff(
      R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}},"n":{"type":"integer"}}})",
      R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}},"n":{"type":"number"}}})",
      {{"/n", "type_widened", breaking, compatible}});
}

// Found by the fuzzer: summarising an added property whose schema refers back to the root
// recursed forever (stack overflow).
TEST(ContractDiff, AddedOrRemovedRecursivePropertyTerminates) {
  auto recursive = Schema::parse_json(R"({"properties":{"next":{"$ref":"#"}},"exclusiveMaximum":10})");
  auto added = diff(Schema(), recursive, SchemaRole::consumer);
  EXPECT_TRUE(has_breaking(added));
  auto removed = diff(recursive, Schema(), SchemaRole::producer);
  EXPECT_TRUE(has_breaking(removed));
  EXPECT_TRUE(diff(recursive,
                   Schema::parse_json(R"({"properties":{"next":{"$ref":"#"}},"exclusiveMaximum":10})"),
                   SchemaRole::producer)
                  .empty());
}

TEST(ContractDiff, RecursiveOneOfBranchesAreMatched) {
  const char* text = R"({"oneOf":[{"type":"object","properties":{"x":{"$ref":"#"}}},{"type":"string"}]})";
  EXPECT_TRUE(diff(Schema::parse_json(text), Schema::parse_json(text), SchemaRole::consumer).empty());
}

/// An object schema whose "x" member cycles through `period` definitions.
std::string cycle_of(int period) {
  std::string defs;
  for (int i = 0; i < period; ++i) {
    if (i) defs += ",";
    defs += "\"d" + std::to_string(i) +
            "\":{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/$defs/d" +
            std::to_string((i + 1) % period) + "\"}}}";
  }
  return "{\"$defs\":{" + defs + "},\"$ref\":\"#/$defs/d0\"}";
}

TEST(ContractDiff, ComparisonsNestedBeyondTheBoundAreConservativelyBreaking) {
  // Cycles of 17 and 19 definitions only meet the same pair again after 323 levels.
  auto changes =
      diff(Schema::parse_json(cycle_of(17)), Schema::parse_json(cycle_of(19)), SchemaRole::producer);
  ASSERT_EQ(changes.size(), 1u) << describe(changes);
  EXPECT_EQ(changes[0].rule, "too_deep");
  EXPECT_EQ(changes[0].kind, breaking);
  EXPECT_TRUE(
      diff(Schema::parse_json(cycle_of(3)), Schema::parse_json(cycle_of(5)), SchemaRole::consumer).empty());
}

TEST(ContractDiff, ChangesAreListedNotJustTheFirst) {
  auto changes =
      diff(Schema::parse_json(R"({"type":"object","properties":{"a":{"type":"string"},"b":{"enum":[1,2]}},
      "required":["a"]})"),
           Schema::parse_json(R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"enum":[1]},
      "c":{"type":"boolean"}},"required":["a","c"]})"),
           SchemaRole::consumer);
  EXPECT_EQ(describe(changes).empty(), false);
  ASSERT_EQ(changes.size(), 3u) << describe(changes);
  EXPECT_EQ(changes[0].path, "/a");
  EXPECT_EQ(changes[1].path, "/b");
  EXPECT_EQ(changes[2].path, "/c");
}

TEST(ContractDiff, ReasonsSayWhyForTheRole) {
  auto b = Schema::parse_json(R"({"type":"string"})");
  auto a = Schema::parse_json(R"({"type":["string","null"]})");
  auto p = diff(b, a, SchemaRole::producer);
  auto c = diff(b, a, SchemaRole::consumer);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].reason.find("null"), std::string::npos);
  EXPECT_NE(p[0].reason.find("readers"), std::string::npos);
  EXPECT_NE(c[0].reason.find("senders"), std::string::npos);
  EXPECT_FALSE(has_breaking(c));
  EXPECT_TRUE(has_breaking(p));
}

}  // namespace
}  // namespace mfstate
