// Compatibility between manifests: expectations both ways, topics, and manifest diffs.
#include <gtest/gtest.h>

#include "mfstate/compat.hpp"

using namespace mfstate;

namespace {

Manifest profile(const char* user_schema, const char* version = "1.0.0") {
  return parse_manifest(Value::object({{"name", "profile"},
                                       {"version", version},
                                       {"exports", Value::object({{"user", parse_json(user_schema)}})}}));
}

const char* user_v1 = R"({"type": "object", "required": ["userId", "name"],
  "properties": {"userId": {"type": "string"}, "name": {"type": "string"}}})";
const char* user_v2 = R"({"type": "object", "required": ["userId", "firstName", "lastName"],
  "properties": {"userId": {"type": "string"}, "firstName": {"type": "string"}, "lastName": {"type": "string"}}})";

const Manifest home = parse_manifest_json(R"({"name": "home", "version": "1.0.0",
  "reads": {"profile/user": {"/userId": "string", "/name": "string"}}})");

}  // namespace

TEST(CompatCheck, TheArticlesRenameBreaksTheConsumerAtName) {
  auto breaks = check_pair(profile(user_v2, "2.0.0"), home);
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_EQ(breaks[0].producer, "profile");
  EXPECT_EQ(breaks[0].producer_version, "2.0.0");
  EXPECT_EQ(breaks[0].consumer, "home");
  EXPECT_EQ(breaks[0].consumer_version, "1.0.0");
  EXPECT_EQ(breaks[0].section, "export");
  EXPECT_EQ(breaks[0].name, "user");
  EXPECT_EQ(breaks[0].path, "/name");
  EXPECT_FALSE(breaks[0].reason.empty());
}

TEST(CompatCheck, WorksFromEitherSideOfThePair) {
  EXPECT_EQ(check_pair(home, profile(user_v2)).size(), 1u);
  EXPECT_TRUE(check_pair(home, profile(user_v1)).empty());
  EXPECT_TRUE(check_pair(profile(user_v1), home).empty());
}

TEST(CompatCheck, AnExportNoLongerOfferedIsOneBreak) {
  Manifest bare = parse_manifest_json(R"({"name": "profile", "version": "3.0.0"})");
  auto breaks = check_pair(bare, home);
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_EQ(breaks[0].path, "");
  EXPECT_NE(breaks[0].reason.find("does not export \"user\""), std::string::npos) << breaks[0].reason;
}

TEST(CompatCheck, PublishingMoreThanASubscriberAcceptsBreaksIt) {
  Manifest publisher = parse_manifest_json(R"({"name": "cart", "version": "1.0.0",
    "topics": {"publishes": {"cart/added": {"type": "object", "properties": {"qty": {"type": "number"}}}}}})");
  Manifest strict = parse_manifest_json(R"({"name": "badge", "version": "1.0.0",
    "topics": {"subscribes": {"cart/added": {"type": "object", "properties": {"qty": {"type": "integer"}}}}}})");
  Manifest loose = parse_manifest_json(R"({"name": "badge", "version": "1.0.0",
    "topics": {"subscribes": {"cart/added": {"type": "object"}}}})");
  auto breaks = check_pair(publisher, strict);
  ASSERT_EQ(breaks.size(), 1u);
  EXPECT_EQ(breaks[0].section, "topic");
  EXPECT_EQ(breaks[0].name, "cart/added");
  EXPECT_EQ(breaks[0].consumer, "badge");
  EXPECT_EQ(breaks[0].path, "/qty");
  EXPECT_TRUE(check_pair(publisher, loose).empty());
  EXPECT_EQ(check_pair(strict, publisher).size(), 1u);
}

TEST(CompatCheck, CheckAgainstSkipsOtherVersionsOfTheSameApp) {
  std::vector<Manifest> others{profile(user_v1), home};
  EXPECT_EQ(check_against(profile(user_v2, "2.0.0"), others).size(), 1u);
}

TEST(ManifestDiff, ClassifiesExportsAsProducerAndCommandsAsConsumer) {
  Manifest before = parse_manifest_json(R"({"name": "p", "version": "1.0.0",
    "exports": {"user": {"type": "object", "properties": {"n": {"type": "integer"}}}, "old": true},
    "commands": {"rename": {"type": "object", "properties": {"n": {"type": "integer"}}}, "gone": true},
    "topics": {"publishes": {"t": true}, "subscribes": {"s": true}}})");
  Manifest after = parse_manifest_json(R"({"name": "p", "version": "2.0.0",
    "exports": {"user": {"type": "object", "properties": {"n": {"type": "number"}}}, "added": true},
    "commands": {"rename": {"type": "object", "properties": {"n": {"type": "number"}}}}})");
  auto changes = diff_manifests(before, after);
  auto find = [&](const std::string& section, const std::string& name,
                  const std::string& rule) -> const ManifestChange* {
    for (const auto& c : changes) {
      if (c.section == section && c.name == name && c.change.rule == rule) return &c;
    }
    return nullptr;
  };
  // Widening a number: breaks readers of an export, not handlers of a command.
  bool export_widening_breaks = false, command_widening_breaks = false;
  for (const auto& c : changes) {
    if (c.section == "export" && c.name == "user" && c.change.path == "/n")
      export_widening_breaks = c.change.kind == ChangeKind::breaking;
    if (c.section == "command" && c.name == "rename" && c.change.path == "/n")
      command_widening_breaks = c.change.kind == ChangeKind::breaking;
  }
  EXPECT_TRUE(export_widening_breaks);
  EXPECT_FALSE(command_widening_breaks);
  ASSERT_NE(find("export", "old", "export_removed"), nullptr);
  EXPECT_EQ(find("export", "old", "export_removed")->change.kind, ChangeKind::breaking);
  ASSERT_NE(find("export", "added", "export_added"), nullptr);
  EXPECT_EQ(find("export", "added", "export_added")->change.kind, ChangeKind::compatible);
  ASSERT_NE(find("command", "gone", "command_removed"), nullptr);
  EXPECT_EQ(find("command", "gone", "command_removed")->change.kind, ChangeKind::breaking);
  ASSERT_NE(find("published topic", "t", "topic_removed"), nullptr);
  EXPECT_EQ(find("published topic", "t", "topic_removed")->change.kind, ChangeKind::breaking);
  ASSERT_NE(find("subscribed topic", "s", "topic_removed"), nullptr);
  EXPECT_EQ(find("subscribed topic", "s", "topic_removed")->change.kind, ChangeKind::compatible);
}

TEST(ManifestDiff, IdenticalManifestsHaveNoChanges) {
  EXPECT_TRUE(diff_manifests(home, home).empty());
  EXPECT_TRUE(diff_manifests(profile(user_v1), profile(user_v1, "1.0.1")).empty());
}
