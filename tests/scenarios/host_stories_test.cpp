// The article's stories about apps that own their state, end to end.
#include <gtest/gtest.h>

#include <type_traits>

#include "mfstate/mfstate.hpp"

using namespace mfstate;

namespace {

Value user_reducer(Value s, const Action& a) {
  if (a.type == "user/rename") return s.set_in({"user", "name"}, a.payload);
  if (a.type == "user/split") {
    Value user = s.get("user");
    std::string full(user.get("name").as_string());
    const auto space = full.find(' ');
    return s.set("user", Value::object({{"userId", user.get("userId")},
                                        {"firstName", full.substr(0, space)},
                                        {"lastName", full.substr(space + 1)}}));
  }
  if (a.type == "count/inc") return s.set("count", s.get("count").as_int() + 1);
  if (a.type == "explode") throw std::runtime_error("explode");
  return s;
}

Value initial_state() {
  return Value::object(
      {{"count", 0}, {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})}});
}

Schema user_schema() {
  return Schema::parse_json(R"({"type":"object","properties":{"userId":{"type":"string"},
    "name":{"type":"string"}},"required":["userId","name"]})");
}

Schema split_user_schema() {
  return Schema::parse_json(R"({"type":"object","properties":{"userId":{"type":"string"},
    "firstName":{"type":"string"},"lastName":{"type":"string"}},
    "required":["userId","firstName","lastName"],"additionalProperties":false})");
}

// What the App capability offers a caller: acting as *itself*. Nothing returns a Store (its own
// state comes as an immutable Value), and nothing takes an app name as proof of who is acting.
static_assert(!std::is_copy_constructible_v<App>, "an App handle cannot be duplicated");
static_assert(std::is_same_v<decltype(std::declval<App&>().state()), Value>);
static_assert(std::is_same_v<decltype(std::declval<App&>().read("home", "x")), Value>,
              "reading another app gives an immutable value, not its store");

ErrorCode code_of_read(const App& reader) {
  try {
    (void)reader.read("profile", "user");
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::io_error;
}

}  // namespace

// (a) Profile tries to change Home's state: the only way is a command, and Home refuses what it
// does not accept; its state is unchanged.
TEST(Stories, ProfileCannotChangeHomesStateWithACommandHomeDoesNotAccept) {
  Host host;
  App home = host.mount("home");
  App profile = host.mount("profile");
  home.create_store(initial_state(), user_reducer);
  profile.create_store(initial_state(), user_reducer);
  home.accept("count/inc");
  const Value before = home.state();

  // Profile's handle acts as Profile only: its dispatch reaches Profile's own store.
  profile.dispatch(Action{"user/rename", "Mallory", {}});
  EXPECT_TRUE(home.state().same_node(before));
  try {
    profile.send("home", Action{"user/rename", "Mallory", {}});
    FAIL() << "home does not accept user/rename";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::command_not_accepted);
  }
  EXPECT_TRUE(home.state().same_node(before));
  EXPECT_EQ(home.state().get("user").get("name").as_string(), "John Doe");
  // What Home does accept goes through Home's own reducer.
  profile.send("home", Action{"count/inc", {}, {}});
  EXPECT_EQ(home.state().get("count").as_int(), 1);
}

// (b) Home watches Profile's `user` export; Profile renames; Home's watcher fires once with the
// new name.
TEST(Stories, HomeSeesProfilesRenameExactlyOnce) {
  Host host;
  App profile = host.mount("profile");
  App home = host.mount("home");
  profile.create_store(initial_state(), user_reducer);
  profile.expose(
      "user", [](const Value& s) { return s.get("user"); }, user_schema());
  std::vector<std::string> names;
  auto w = home.watch("profile", "user",
                      [&](const ExportEvent& e) { names.emplace_back(e.value.get("name").as_string()); });
  ASSERT_EQ(names, (std::vector<std::string>{"John Doe"}));
  profile.dispatch(Action{"count/inc", {}, {}});  // unrelated change: no call
  profile.dispatch(Action{"user/rename", "Jane Roe", {}});
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Jane Roe"}));
}

// (c) Home watches Profile before Profile mounts.
TEST(Stories, HomeWatchesProfileBeforeProfileMounts) {
  Host host;
  App home = host.mount("home");
  std::vector<std::string> names;
  auto w = home.watch("profile", "user", [&](const ExportEvent& e) {
    names.emplace_back(e.kind == ExportEventKind::value ? e.value.get("name").as_string() : "removed");
  });
  EXPECT_EQ(code_of_read(home), ErrorCode::unknown_app);
  App profile = host.mount("profile");
  profile.create_store(initial_state(), user_reducer);
  profile.expose("user", [](const Value& s) { return s.get("user"); });
  profile.dispatch(Action{"user/rename", "Jane Roe", {}});
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Jane Roe"}));
  profile.unmount();
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Jane Roe", "removed"}));
}

// (d) A transaction across three apps that throws leaves all three unchanged (and notifies no one).
TEST(Stories, TransactionAcrossThreeAppsThatThrowsLeavesAllUnchanged) {
  Host host;
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  for (App* app : {&home, &profile, &cart}) {
    app->create_store(initial_state(), user_reducer);
    app->accept("count/inc");
    app->accept("explode");
  }
  const Value h = home.state(), p = profile.state(), c = cart.state();
  int notifications = 0;
  auto s1 = home.subscribe([&](const Value&) { ++notifications; });
  auto s2 = profile.subscribe([&](const Value&) { ++notifications; });
  auto s3 = cart.subscribe([&](const Value&) { ++notifications; });
  EXPECT_THROW(host.transaction([&] {
    profile.dispatch(Action{"user/rename", "Jane Roe", {}});
    profile.send("home", Action{"count/inc", {}, {}});
    profile.broadcast(Action{"count/inc", {}, {}});
    profile.send("cart", Action{"explode", {}, {}});
  }),
               Error);
  EXPECT_TRUE(home.state().same_node(h));
  EXPECT_TRUE(profile.state().same_node(p));
  EXPECT_TRUE(cart.state().same_node(c));
  EXPECT_EQ(notifications, 0);
}

// (e) Profile re-exposes `user` as {firstName, lastName}; Home's registered expectation of /name
// produces a contract error naming both apps and the path, and Home is not fed the broken value.
TEST(Stories, SplittingTheNameIsAContractErrorAndHomeIsNotFedTheBrokenValue) {
  std::vector<Error> errors;
  Host host({.on_error = [&](const Error& e) { errors.push_back(e); }});
  std::vector<InspectorEvent> contract_events;
  auto ins = host.inspect([&](const InspectorEvent& e) {
    if (e.kind == InspectorEventKind::contract_error) contract_events.push_back(e);
  });
  App profile = host.mount("profile", {.version = "1.0.0"});
  App home = host.mount("home");
  profile.create_store(initial_state(), user_reducer);
  profile.expose(
      "user", [](const Value& s) { return s.get("user"); }, user_schema());
  std::vector<Value> fed;
  auto w = home.watch(
      "profile", "user", [&](const ExportEvent& e) { fed.push_back(e.value); },
      Expectations::from_value(parse_json(R"({"/name": "string"})")));
  ASSERT_EQ(fed.size(), 1u);
  EXPECT_TRUE(errors.empty());

  // Profile 2.0 ships: it remounts, splits the name and re-exposes with the new schema.
  profile.unmount();
  profile = host.mount("profile", {.version = "2.0.0"});
  profile.create_store(initial_state(), user_reducer);
  profile.dispatch(Action{"user/split", {}, {}});
  profile.expose(
      "user", [](const Value& s) { return s.get("user"); }, split_user_schema());

  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), ErrorCode::contract_violation);
  const std::string msg = errors[0].what();
  EXPECT_NE(msg.find("home"), std::string::npos);
  EXPECT_NE(msg.find("profile"), std::string::npos);
  EXPECT_NE(msg.find("/name"), std::string::npos);
  ASSERT_EQ(contract_events.size(), 1u);
  EXPECT_EQ(contract_events[0].app, "home");
  EXPECT_EQ(contract_events[0].target, "profile");
  // Home was told the old export went away at unmount, and was never fed {firstName, lastName}.
  for (const auto& v : fed) {
    if (!v.is_null()) EXPECT_NE(v.find("name"), nullptr);
  }
  EXPECT_EQ(fed.size(), 2u);  // the first value, then null for "removed"
  EXPECT_TRUE(fed[1].is_null());
}
