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
    out += "  " + c.path + " " + c.rule + " " + (c.kind == breaking ? "breaking" : "compatible") + ": " + c.reason + "\n";
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
              R"({"required":["a"],"properties":{"a":{"type":"string","title":"renamed"}},"type":"object"})", {});
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

}  // namespace
}  // namespace mfstate
