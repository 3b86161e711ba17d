#include <gtest/gtest.h>

#include <optional>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

Schema user_schema() {
  return Schema::parse_json(R"({"type": "object",
    "properties": {"userId": {"type": "string"}, "name": {"type": "string"}},
    "required": ["userId", "name"]})");
}

Schema split_user_schema() {
  return Schema::parse_json(R"({"type": "object",
    "properties": {"userId": {"type": "string"}, "firstName": {"type": "string"},
                   "lastName": {"type": "string"}},
    "required": ["userId", "firstName", "lastName"]})");
}

struct Fixture {
  Errors errors;
  Host host{HostOptions{.validation = ValidationMode::always, .on_error = errors.handler()}};
  App profile = host.mount("profile");
  App home = host.mount("home");
  Fixture() { profile.create_store(user_state(), app_reducer); }
};

ExportSelector user_selector() {
  return [](const Value& s) { return s.get("user"); };
}

}  // namespace

TEST(HostExports, ReadReturnsTheSelectedValue) {
  Fixture f;
  f.profile.expose("user", user_selector(), user_schema());
  Value user = f.home.read("profile", "user");
  EXPECT_EQ(user.get("name").as_string(), "John Doe");
  // The reader holds an immutable value: the producer's later changes do not reach it.
  f.profile.dispatch(act("RENAME", "Jane Roe"));
  EXPECT_EQ(user.get("name").as_string(), "John Doe");
  EXPECT_EQ(f.home.read("profile", "user").get("name").as_string(), "Jane Roe");
}

TEST(HostExports, ReadOfAnUnknownAppOrExportIsAClearError) {
  Fixture f;
  try {
    (void)f.home.read("nobody", "user");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_app);
    EXPECT_NE(std::string(e.what()).find("nobody"), std::string::npos);
  }
  try {
    (void)f.home.read("profile", "secrets");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_exported);
    EXPECT_NE(std::string(e.what()).find("secrets"), std::string::npos);
  }
}

TEST(HostExports, ReadRunsTheSelectorOnlyWhenTheProducerStateChanged) {
  Fixture f;
  int runs = 0;
  f.profile.expose("user", [&](const Value& s) {
    ++runs;
    return s.get("user");
  });
  (void)f.home.read("profile", "user");
  (void)f.home.read("profile", "user");
  EXPECT_EQ(runs, 1);
  f.profile.dispatch(act("INC"));
  (void)f.home.read("profile", "user");
  EXPECT_EQ(runs, 2);
}

TEST(HostExports, ValueBreakingTheProducersSchemaIsRefusedOnRead) {
  Fixture f;
  f.profile.expose(
      "count", [](const Value& s) { return s.get("count"); }, Schema::parse_json(R"({"type": "string"})"));
  EXPECT_EQ(code_of([&] { (void)f.home.read("profile", "count"); }), ErrorCode::schema_violation);
}

// What a selector threw is its app's: another app reading the export learns that it threw, not its
// message (which may carry the producer's state) nor the code the producer chose; the error sink is
// told the detail once, as a watcher's delivery tells it. The producer reading its own export gets
// the detail.
TEST(HostExports, AnotherAppsReadOfAThrowingSelectorGetsNoneOfWhatItThrew) {
  Fixture f;
  f.profile.expose("user", [](const Value& s) -> Value {
    if (s.get("count").as_int() > 0) {
      throw Error(ErrorCode::unknown_app, "token of " + std::string(s.get("user").get("userId").as_string()));
    }
    return s.get("user");
  });
  (void)f.home.read("profile", "user");
  f.profile.dispatch(act("INC"));
  for (int i = 0; i < 2; ++i) {
    try {
      (void)f.home.read("profile", "user");
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::listener_error);
      EXPECT_EQ(std::string(e.what()).find("S6nRz7bZ8Cv1dfTm"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("profile/user"), std::string::npos) << e.what();
    }
  }
  ASSERT_EQ(f.errors.list.size(), 1u);
  EXPECT_NE(std::string(f.errors.list[0].what()).find("token of S6nRz7bZ8Cv1dfTm"), std::string::npos);
  try {
    (void)f.profile.read("profile", "user");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_app);
    EXPECT_NE(std::string(e.what()).find("token of S6nRz7bZ8Cv1dfTm"), std::string::npos) << e.what();
  }
}

// The sink is told during the read: what it does then (the shell unmounting the producer) leaves
// the read's answer whole (ASan: the export's record is not used after it went).
TEST(HostExports, ASinkUnmountingTheProducerDuringAReadIsSafe) {
  std::optional<App> producer;
  int told = 0;
  Host host{HostOptions{.validation = ValidationMode::always, .on_error = [&](const Error&) {
                          ++told;
                          if (producer) producer->unmount();
                        }}};
  producer = host.mount("profile");
  App home = host.mount("home");
  producer->create_store(user_state(), app_reducer);
  producer->expose("user", [](const Value& s) -> Value {
    if (s.get("count").as_int() > 0) throw Error(ErrorCode::invalid_argument, "private");
    return s.get("user");
  });
  producer->dispatch(act("INC"));
  EXPECT_EQ(code_of([&] { (void)home.read("profile", "user"); }), ErrorCode::listener_error);
  EXPECT_EQ(told, 1);
  EXPECT_EQ(code_of([&] { (void)home.read("profile", "user"); }), ErrorCode::unknown_app);
}

TEST(HostExports, ValidationOffLetsTheValueThrough) {
  Host host({.validation = ValidationMode::off});
  App p = host.mount("p");
  App c = host.mount("c");
  p.create_store(user_state(), app_reducer);
  p.expose(
      "count", [](const Value& s) { return s.get("count"); }, Schema::parse_json(R"({"type": "string"})"));
  EXPECT_EQ(c.read("p", "count").as_int(), 0);
}

TEST(HostExports, WatcherGetsTheCurrentValueThenOncePerChangeOfTheExport) {
  Fixture f;
  f.profile.expose("user", user_selector());
  std::vector<std::string> names;
  auto w = f.home.watch("profile", "user", [&](const ExportEvent& e) {
    ASSERT_EQ(e.kind, ExportEventKind::value);
    EXPECT_EQ(e.app, "profile");
    EXPECT_EQ(e.name, "user");
    names.emplace_back(e.value.get("name").as_string());
  });
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe"}));
  f.profile.dispatch(act("INC"));  // unrelated to the export
  f.profile.dispatch(act("INC"));
  EXPECT_EQ(names.size(), 1u);
  f.profile.dispatch(act("RENAME", "Jane Roe"));
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Jane Roe"}));
}

TEST(HostExports, SelectorBuildingEqualValuesDoesNotRenotify) {
  Fixture f;
  f.profile.expose("greeting", [](const Value& s) {
    return Value::object({{"text", "Hi " + std::string(s.get("user").get("name").as_string())}});
  });
  int calls = 0;
  auto w = f.home.watch("profile", "greeting", [&](const ExportEvent&) { ++calls; });
  f.profile.dispatch(act("INC"));  // new object, equal content
  EXPECT_EQ(calls, 1);
}

TEST(HostExports, WatchingBeforeTheProducerMountsIsToldWhenTheExportAppears) {
  Host host;
  App home = host.mount("home");
  std::vector<std::string> seen;
  auto w = home.watch("profile", "user", [&](const ExportEvent& e) {
    seen.push_back(e.kind == ExportEventKind::value ? std::string(e.value.get("name").as_string())
                                                    : "removed");
  });
  EXPECT_TRUE(seen.empty());
  App profile = host.mount("profile");
  profile.create_store(user_state(), app_reducer);
  profile.expose("user", user_selector());
  EXPECT_EQ(seen, (std::vector<std::string>{"John Doe"}));
}

TEST(HostExports, WatchersAreToldWhenTheExportGoesAndComesBack) {
  Fixture f;
  f.profile.expose("user", user_selector());
  std::vector<std::string> seen;
  auto w = f.home.watch("profile", "user", [&](const ExportEvent& e) {
    seen.push_back(e.kind == ExportEventKind::value ? std::string(e.value.get("name").as_string())
                                                    : "removed");
    if (e.kind == ExportEventKind::removed) EXPECT_TRUE(e.value.is_null());
  });
  f.profile.unexpose("user");
  EXPECT_EQ(code_of([&] { (void)f.home.read("profile", "user"); }), ErrorCode::not_exported);
  EXPECT_EQ(code_of([&] { f.profile.unexpose("user"); }), ErrorCode::not_exported);
  f.profile.expose("user", user_selector());
  f.profile.unmount();
  App profile2 = f.host.mount("profile");
  profile2.create_store(user_state("Ada"), app_reducer);
  profile2.expose("user", user_selector());
  EXPECT_EQ(seen, (std::vector<std::string>{"John Doe", "removed", "John Doe", "removed", "Ada"}));
}

TEST(HostExports, CancelledWatchIsNotCalledAgain) {
  Fixture f;
  f.profile.expose("user", user_selector());
  int calls = 0;
  auto w = f.home.watch("profile", "user", [&](const ExportEvent&) { ++calls; });
  w.cancel();
  f.profile.dispatch(act("RENAME", "X"));
  EXPECT_EQ(calls, 1);
}

TEST(HostExports, ThrowingWatcherGoesToTheErrorHandlerAndOthersStillRun) {
  Fixture f;
  f.profile.expose("user", user_selector());
  int other = 0;
  auto w1 =
      f.home.watch("profile", "user", [&](const ExportEvent&) { throw std::runtime_error("watcher broke"); });
  auto w2 = f.home.watch("profile", "user", [&](const ExportEvent&) { ++other; });
  f.profile.dispatch(act("RENAME", "X"));
  EXPECT_EQ(other, 2);
  EXPECT_EQ(f.errors.count(ErrorCode::listener_error), 2u);
}

TEST(HostExports, ReExposingWithASchemaThatBreaksExpectationsIsAContractErrorAndBlocksTheWatcher) {
  Fixture f;
  f.profile.expose("user", user_selector(), user_schema());
  std::vector<Value> fed;
  auto w = f.home.watch(
      "profile", "user", [&](const ExportEvent& e) { fed.push_back(e.value); },
      Expectations(std::vector<Expectation>{{.path = "/name", .type = "string"}}));
  ASSERT_EQ(fed.size(), 1u);
  f.profile.dispatch(act("SPLIT_NAME", Value::object({{"firstName", "John"}, {"lastName", "Doe"}})));
  f.profile.expose("user", user_selector(), split_user_schema());
  ASSERT_EQ(f.errors.count(ErrorCode::contract_violation), 1u);
  std::string msg;
  for (const auto& e : f.errors.list) {
    if (e.code() == ErrorCode::contract_violation) msg = e.what();
  }
  EXPECT_NE(msg.find("home"), std::string::npos);
  EXPECT_NE(msg.find("profile"), std::string::npos);
  EXPECT_NE(msg.find("/name"), std::string::npos);
  EXPECT_EQ(fed.size(), 1u);  // not fed the broken value
  // A later compatible schema unblocks the watcher.
  f.profile.dispatch(act("RENAME", "John Doe"));
  f.profile.expose("user", user_selector(), Schema::parse_json(R"({"type": "object",
      "properties": {"name": {"type": "string"}}, "required": ["name"]})"));
  ASSERT_EQ(fed.size(), 2u);
  EXPECT_EQ(fed[1].get("name").as_string(), "John Doe");
}

TEST(HostExports, WatchWithExpectationsAnExistingSchemaBreaksIsReportedAtOnce) {
  Fixture f;
  f.profile.expose("user", user_selector(), user_schema());
  int calls = 0;
  auto w = f.home.watch(
      "profile", "user", [&](const ExportEvent&) { ++calls; },
      Expectations(std::vector<Expectation>{{.path = "/email", .type = "string"}}));
  EXPECT_EQ(f.errors.count(ErrorCode::contract_violation), 1u);
  EXPECT_EQ(calls, 0);
}

TEST(HostExports, WithoutASchemaEachValueIsCheckedAgainstTheExpectations) {
  Fixture f;
  f.profile.expose("user", user_selector());
  std::vector<Value> fed;
  auto w = f.home.watch(
      "profile", "user", [&](const ExportEvent& e) { fed.push_back(e.value); },
      Expectations(std::vector<Expectation>{{.path = "/name", .type = "string"}}));
  f.profile.dispatch(act("SPLIT_NAME", Value::object({{"firstName", "J"}, {"lastName", "D"}})));
  EXPECT_EQ(fed.size(), 1u);
  EXPECT_EQ(f.errors.count(ErrorCode::contract_violation), 1u);
}

TEST(HostExports, InvalidValueIsNotFedToWatchersAndIsReportedOnce) {
  Fixture f;
  f.profile.expose(
      "count", [](const Value& s) { return s.get("count"); },
      Schema::parse_json(R"({"type": "integer", "maximum": 1})"));
  std::vector<std::int64_t> fed;
  auto w = f.home.watch("profile", "count", [&](const ExportEvent& e) { fed.push_back(e.value.as_int()); });
  f.profile.dispatch(act("INC"));
  f.profile.dispatch(act("INC"));  // 2 breaks the producer's schema
  EXPECT_EQ(fed, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(f.errors.count(ErrorCode::schema_violation), 1u);
}

TEST(HostExports, ExposeNeedsANameAndASelector) {
  Fixture f;
  EXPECT_EQ(code_of([&] { f.profile.expose("", user_selector()); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { f.profile.expose("user", nullptr); }), ErrorCode::invalid_argument);
}

TEST(HostExports, ExportOfAnAppWithoutAStoreSelectsFromNull) {
  Host host;
  App& shell = host.platform();
  App home = host.mount("home");
  shell.expose("theme", [](const Value&) { return Value("dark"); });
  EXPECT_EQ(home.read("platform", "theme").as_string(), "dark");
}

TEST(HostExports, WatcherCancellingItselfDuringItsCallbackIsSafe) {
  Fixture f;
  f.profile.expose("user", user_selector());
  int calls = 0;
  Subscription w;
  // The first call comes from watch() itself, before `w` holds the handle; the second cancels.
  w = f.home.watch("profile", "user", [&](const ExportEvent&) {
    ++calls;
    w.cancel();
  });
  f.profile.dispatch(act("RENAME", "X"));
  f.profile.dispatch(act("RENAME", "Y"));
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(w.active());
}

TEST(HostExports, ConsumerUnmountEndsItsWatchesButTheProducerKeepsWorking) {
  Fixture f;
  f.profile.expose("user", user_selector());
  int calls = 0;
  auto w = f.home.watch("profile", "user", [&](const ExportEvent&) { ++calls; });
  f.home.unmount();
  f.profile.dispatch(act("RENAME", "X"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f.home.mounted(), false);
}

TEST(HostExports, UnmountingTheProducerTellsWatchersTheExportIsGone) {
  Host host;
  App profile = host.mount("profile");
  App home = host.mount("home");
  profile.expose("theme", [](const Value&) { return Value("dark"); });
  std::vector<ExportEventKind> kinds;
  auto w = home.watch("profile", "theme", [&](const ExportEvent& e) { kinds.push_back(e.kind); });
  profile.unmount();
  EXPECT_EQ(kinds, (std::vector<ExportEventKind>{ExportEventKind::value, ExportEventKind::removed}));
  EXPECT_EQ(code_of([&] { (void)home.read("profile", "theme"); }), ErrorCode::unknown_app);
}
