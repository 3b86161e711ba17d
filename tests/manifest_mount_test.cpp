// Host::mount(const Manifest&): the manifest a CI checked is what the host enforces at run time.
#include <gtest/gtest.h>

#include "host_test_support.hpp"
#include "mfstate/manifest.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

const Manifest profile_v1 = parse_manifest_json(R"({
  "name": "profile", "version": "1.0.0",
  "exports": {"user": {"type": "object", "required": ["userId", "name"],
                       "properties": {"userId": {"type": "string"}, "name": {"type": "string"}}}},
  "commands": {"RENAME": {"type": "string", "minLength": 1}},
  "topics": {"publishes": {"profile/renamed": {"type": "object", "required": ["userId"]}}}
})");

const Manifest profile_v2 = parse_manifest_json(R"({
  "name": "profile", "version": "2.0.0",
  "exports": {"user": {"type": "object", "required": ["userId", "firstName", "lastName"],
                       "properties": {"userId": {"type": "string"}, "firstName": {"type": "string"},
                                      "lastName": {"type": "string"}}}}
})");

const Manifest home = parse_manifest_json(R"({
  "name": "home", "version": "1.0.0",
  "topics": {"subscribes": {"profile/renamed": {"type": "object"}}},
  "reads": {"profile/user": {"/name": "string"}}
})");

ExportSelector user_selector() {
  return [](const Value& s) { return s.get("user"); };
}

struct Fixture {
  Errors errors;
  Host host{HostOptions{.validation = ValidationMode::always, .on_error = errors.handler()}};
};

}  // namespace

TEST(ManifestMount, MountsUnderTheManifestsNameAndVersionAndAcceptsItsCommands) {
  Fixture f;
  App profile = f.host.mount(profile_v1);
  App shell = f.host.mount("shell");
  EXPECT_EQ(profile.name(), "profile");
  EXPECT_EQ(profile.version(), "1.0.0");
  profile.create_store(user_state(), app_reducer);
  shell.send("profile", act("RENAME", "Jane Roe"));
  EXPECT_EQ(profile.state().get("user").get("name").as_string(), "Jane Roe");
  // The payload schema comes from the manifest; the state is unchanged on refusal.
  EXPECT_EQ(code_of([&] { shell.send("profile", act("RENAME", "")); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([&] { shell.send("profile", act("INC")); }), ErrorCode::command_not_accepted);
  EXPECT_EQ(profile.state().get("user").get("name").as_string(), "Jane Roe");
}

TEST(ManifestMount, OnlyCommandsTheManifestListsCanBeAccepted) {
  Fixture f;
  App profile = f.host.mount(profile_v1);
  EXPECT_EQ(code_of([&] { profile.accept("INC"); }), ErrorCode::command_not_accepted);
  EXPECT_EQ(code_of([&] { profile.accept_all(); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { profile.accept("RENAME", Schema::parse_json(R"({"type": "integer"})")); }),
            ErrorCode::invalid_argument);
  // A handler may be attached; the manifest's schema stays.
  std::string seen;
  profile.accept("RENAME", {},
                 [&](const Action& a, std::string_view) { seen = std::string(a.payload.as_string()); });
  App shell = f.host.mount("shell");
  EXPECT_EQ(code_of([&] { shell.send("profile", act("RENAME", "")); }), ErrorCode::schema_violation);
  shell.send("profile", act("RENAME", "Ada"));
  EXPECT_EQ(seen, "Ada");
}

TEST(ManifestMount, ExportsTakeTheManifestsSchemaAndUndeclaredOnesAreRefused) {
  Fixture f;
  App profile = f.host.mount(profile_v1);
  App reader = f.host.mount("reader");
  profile.create_store(user_state(), app_reducer);
  profile.expose("user", user_selector());
  EXPECT_EQ(reader.read("profile", "user").get("name").as_string(), "John Doe");
  // The state drifts from the declared export schema: reading it is refused.
  profile.dispatch(act("SPLIT_NAME", Value::object({{"firstName", "John"}, {"lastName", "Doe"}})));
  EXPECT_EQ(code_of([&] { (void)reader.read("profile", "user"); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([&] { profile.expose("secrets", user_selector()); }), ErrorCode::not_exported);
  EXPECT_EQ(code_of([&] { profile.expose("user", user_selector(), Schema::parse_json("true")); }),
            ErrorCode::invalid_argument);
}

TEST(ManifestMount, WatchesRunWithTheManifestsExpectationsSoTheRenameIsAContractError) {
  Fixture f;
  App h = f.host.mount(home);
  App profile = f.host.mount(profile_v2);
  profile.create_store(
      Value::object({{"user", Value::object({{"userId", "u"}, {"firstName", "John"}, {"lastName", "Doe"}})}}),
      app_reducer);
  profile.expose("user", user_selector());
  int fed = 0;
  Subscription s = h.watch("profile", "user", [&](const ExportEvent&) { ++fed; });
  f.host.run_until_idle();
  EXPECT_EQ(fed, 0);
  EXPECT_GE(f.errors.count(ErrorCode::contract_violation), 1u);
}

TEST(ManifestMount, ReadsOutsideTheManifestAreRefused) {
  Fixture f;
  App h = f.host.mount(home);
  App profile = f.host.mount(profile_v1);
  profile.create_store(user_state(), app_reducer);
  profile.expose("user", user_selector());
  EXPECT_EQ(h.read("profile", "user").get("name").as_string(), "John Doe");
  EXPECT_EQ(code_of([&] { (void)h.read("cart", "items"); }), ErrorCode::not_exported);
  EXPECT_EQ(code_of([&] { (void)h.watch("cart", "items", [](const ExportEvent&) {}); }),
            ErrorCode::not_exported);
}

TEST(ManifestMount, TopicsAreDeclaredWithTheirSchemaAndHeldToTheManifest) {
  Fixture f;
  App profile = f.host.mount(profile_v1);
  App h = f.host.mount(home);
  std::vector<Value> got;
  Subscription s = h.on("profile/renamed", [&](std::string_view, const Value& v) { got.push_back(v); });
  Subscription w = h.on("profile/*", [](std::string_view, const Value&) {});
  profile.emit("profile/renamed", Value::object({{"userId", "u"}}));
  f.host.run_until_idle();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(code_of([&] { profile.emit("profile/renamed", Value::object()); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([&] { profile.emit("profile/deleted", Value()); }), ErrorCode::unknown_topic);
  EXPECT_EQ(code_of([&] { (void)h.on("cart/added", [](std::string_view, const Value&) {}); }),
            ErrorCode::unknown_topic);
}

TEST(ManifestMount, MountingANameTwiceChangesNothing) {
  Fixture f;
  App first = f.host.mount("profile");
  EXPECT_EQ(code_of([&] { (void)f.host.mount(profile_v1); }), ErrorCode::app_already_mounted);
  App shell = f.host.mount("shell");
  first.create_store(user_state(), app_reducer);
  EXPECT_EQ(code_of([&] { shell.send("profile", act("RENAME", "x")); }), ErrorCode::command_not_accepted);
  // Apps mounted by name are not held to any manifest.
  first.accept("INC");
  shell.send("profile", act("INC"));
  EXPECT_EQ(first.state().get("count").as_int(), 1);
}
